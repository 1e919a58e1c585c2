import type { Side, Steps, Ticks } from '../units.ts';
import type { ExitExecution } from '../scaled-tp/settings.ts';

/** Where a stop move came from: the rule of the level that filled (R1.5). */
export type StopRule = 'breakeven' | 'previous_tp' | 'profit_pct';

/** Why a configured level will not fire (R3.1, R3.3). */
export type SkipReason =
  /** Its quantity (after rolling in earlier skips) is below the exit minimum: rolled into the next level. */
  | 'below_minimum'
  /** An earlier level closes the whole position. */
  | 'nothing_left'
  /** Too small to split and no fallback: the whole position closes at the last level. */
  | 'too_small_to_split';

/** The exit reason of a planned level: `tp1`…`tpN`, or `tp` for the single take-profit. */
export type LevelReason = `tp${number}` | 'tp';

export interface PlannedLevel {
  /** 1-based level number as configured (the single TP is level 1). */
  readonly level: number;
  readonly reason: LevelReason;
  readonly profitPct: number;
  readonly closePct: number;
  /** Target rounded to the tick away from the entry (R1.3). */
  readonly targetTicks: Ticks;
  /** The double of the target price (what prices are compared with). */
  readonly targetPrice: number;
  /** Exit minimum at this target, in steps (R3). */
  readonly minSteps: Steps;
  /** Planned quantity; 0 when skipped. */
  readonly qtySteps: Steps;
  /** Steps rolled in from skipped earlier levels (R3.1). */
  readonly carriedInSteps: Steps;
  /** This level closes the whole remainder, because what it would leave is below the minimum (R3.2). */
  readonly closesRemainder: boolean;
  readonly skipped: SkipReason | null;
  /** Where the stop goes after this level fills; null = it stays (rule `none`, or single TP). */
  readonly stopAfter: { readonly ticks: Ticks; readonly price: number; readonly rule: StopRule } | null;
}

/** The exit plan of a position, computed once at entry, stored and shown (R3.4). */
export interface LadderPlan {
  readonly mode: 'scaled' | 'single';
  /** Why the plan is single: scaled TP disabled, or the position is too small to split (R3.3). */
  readonly singleReason: 'disabled' | 'too_small_to_split' | null;
  readonly side: Side;
  readonly entryPrice: number;
  readonly originalSteps: Steps;
  readonly initialStopTicks: Ticks;
  readonly initialStopPrice: number;
  readonly breakevenTicks: Ticks;
  readonly execution: ExitExecution;
  /** Exact decimal texts of the symbol's tick and step, so the plan can be stored as JSON. */
  readonly tickSize: string;
  readonly stepSize: string;
  /** The same as `int / 10^scale` numbers, for cheap exact conversions on the fill path. */
  readonly tickUnit: { readonly int: number; readonly scale: number };
  readonly stepUnit: { readonly int: number; readonly scale: number };
  readonly levels: readonly PlannedLevel[];
}

/** Levels that will fire, in order. */
export const activeLevels = (p: LadderPlan): readonly PlannedLevel[] => p.levels.filter((l) => l.skipped === null);
