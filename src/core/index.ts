/** The pure core's public surface: ladder math, the scaled-TP manager, the stop ladder, fill model. */
export * from './result.ts';
export * from './units.ts';
export * from './market/index.ts';
export type { ExitSettings, LevelSpec, MoveStopTo, ExitExecution } from './scaled-tp/settings.ts';
export type { LadderPlan, PlannedLevel, SkipReason, StopRule, LevelReason } from './model/plan.ts';
export { activeLevels } from './model/plan.ts';
export type { Position, PartialExit, StopMove, LevelState, LevelStatus, ExitReason, ExternalReason, ParsedClientId, ClientIdKind } from './model/position.ts';
export { lastExitTimeMs, exitClientId, stopClientId, closeClientId, isStopClientId, entryClientId, parseClientId } from './model/position.ts';
export type { Command, DomainEvent, StepResult, FillInput, OrderEndInput, ApplyError } from './model/commands.ts';
export { planLadder, LadderPlanner, type PlanRequest, minExitSteps, splitQuantity, type PlanInput, type PlanError } from './scaled-tp/ladder-plan.ts';
export { targetTicks, stopTicksAt } from './scaled-tp/price-math.ts';
export {
  openPosition,
  onPrice,
  onSegment,
  applyFill,
  applyOrderEnd,
  applyExternalExit,
  type ExternalExitInput,
  requestClose,
  stopNotTriggered,
  entryFeeLearnt,
  fundingBooked,
  totalPnl,
  averageExitPrice,
  qtyOf,
  type OpenInput,
} from './scaled-tp/exit-manager.ts';
export { tpStatus, type TPStatus, type LevelStatusView } from './scaled-tp/tp-status.ts';
export { ScaledTakeProfitManager } from './scaled-tp/manager.ts';
export { advanceSegment, closeRemainderNow, entryFill, feeOf, slipped, type FillModel } from './fill-model.ts';
export { entrySteps, entryBelowMinimum, maxEntrySteps, type PositionSize } from './position-size.ts';
export { exitSettingsFromConfig, fillModelFromConfig } from './scaled-tp/from-config.ts';
export * from './analytics/index.ts';
