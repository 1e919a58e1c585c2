import type { LevelStatus, Position } from '../model/position.ts';
import type { LevelReason, SkipReason } from '../model/plan.ts';
import { averageExitPrice, qtyOf, totalPnl } from './exit-manager.ts';
import { levelOf } from './ladder-rules.ts';

/** One level as the dashboard and logs show it (R4.4, R8.1–R8.3). */
export interface LevelStatusView {
  /** The ladder level; null for the single take-profit (it is not ladder level 1). */
  readonly level: number | null;
  readonly reason: LevelReason;
  readonly targetPrice: number;
  readonly closePct: number;
  readonly plannedSteps: number;
  readonly filledSteps: number;
  readonly status: LevelStatus;
  readonly skipped: SkipReason | null;
  readonly hit: boolean;
  readonly hitTimeMs: number | null;
  readonly fillPrice: number | null;
}

/** `TPStatus` of a position (R4.4): levels with target, share, hit/when, current stop, next target. */
export interface TPStatus {
  readonly positionId: string;
  readonly symbol: string;
  readonly side: Position['side'];
  readonly mode: Position['plan']['mode'];
  readonly entryPrice: number;
  readonly originalSteps: number;
  readonly remainingSteps: number;
  readonly levels: readonly LevelStatusView[];
  readonly stopPrice: number;
  /** Where the stop was before its last move; null if it never moved. */
  readonly previousStopPrice: number | null;
  readonly nextTarget: { readonly level: number | null; readonly reason: LevelReason; readonly price: number; readonly distancePct: number | null } | null;
  readonly realizedPnl: number;
  readonly avgExitPrice: number | null;
  /** At `markPrice`, on the remaining quantity, before exit fees; null without a mark price. */
  readonly unrealizedPnl: number | null;
}

export function tpStatus(p: Position, markPrice?: number): TPStatus {
  const levels = p.plan.levels.map((pl, i): LevelStatusView => {
    const st = p.levels[i]!;
    // Keyed on the reason: the single take-profit's exits carry no level (it is not ladder level 1).
    const exit = p.partialExits.find((e) => e.reason === pl.reason);
    return {
      level: levelOf(pl),
      reason: pl.reason,
      targetPrice: pl.targetPrice,
      closePct: pl.closePct,
      plannedSteps: pl.qtySteps,
      filledSteps: st.filledSteps,
      status: st.status,
      skipped: pl.skipped,
      hit: pl.reason === 'tp' ? exit !== undefined : p.tpLevelsHit.includes(pl.level),
      hitTimeMs: exit?.timeMs ?? null,
      fillPrice: exit?.price ?? null,
    };
  });
  const next = p.status === 'open' ? p.plan.levels.find((pl, i) => pl.skipped === null && p.levels[i]!.status !== 'filled') : undefined;
  const sign = p.side === 'long' ? 1 : -1;
  const lastMove = p.stopMoves.at(-1);
  const avg = averageExitPrice(p);
  return {
    positionId: p.id,
    symbol: p.symbol,
    side: p.side,
    mode: p.plan.mode,
    entryPrice: p.entryPrice,
    originalSteps: p.originalSteps,
    remainingSteps: p.remainingSteps,
    levels,
    stopPrice: lastMove ? lastMove.toPrice : p.plan.initialStopPrice,
    previousStopPrice: lastMove ? lastMove.fromPrice : null,
    nextTarget: next
      ? { level: levelOf(next), reason: next.reason, price: next.targetPrice, distancePct: markPrice === undefined ? null : (sign * (next.targetPrice - markPrice) * 100) / markPrice }
      : null,
    realizedPnl: totalPnl(p),
    avgExitPrice: Number.isNaN(avg) ? null : avg,
    unrealizedPnl: markPrice === undefined ? null : sign * (markPrice - p.entryPrice) * qtyOf(p.remainingSteps, p.plan),
  };
}
