import type { LevelStats } from '../core/analytics/level-stats.ts';
import type { RunSummary } from '../core/analytics/run-summary.ts';
import { averageExitPrice, qtyOf, totalPnl } from '../core/scaled-tp/exit-manager.ts';
import type { ExitReason, Position } from '../core/model/position.ts';
import type { Side } from '../core/units.ts';
import type { BacktestRun, FundingTotals } from './engine.ts';

/** SPEC "Result JSON" (`backtest --json`). Times are ISO-8601 UTC; quantities in the base asset. */
export interface ResultJson {
  readonly summary: RunSummary;
  readonly trades: readonly TradeJson[];
  readonly levels: readonly LevelJson[];
  /** With funding modelled (`--funding`): what all trades paid (negative) or received, over how many settlements of an open position. */
  readonly funding?: FundingTotals;
}

export interface TradeJson {
  readonly id: string;
  readonly symbol: string;
  readonly side: Side;
  readonly entry_time: string;
  readonly entry_price: number;
  readonly original_quantity: number;
  readonly avg_exit_price: number;
  /** Its exits' pnl plus its funding, when funding is modelled. */
  readonly pnl: number;
  /** Funding paid (negative) or received while open; only when funding is modelled. */
  readonly funding?: number;
  readonly exits: readonly ExitJson[];
  readonly stop_moves: readonly StopMoveJson[];
}

export interface ExitJson {
  readonly time: string;
  readonly price: number;
  readonly quantity: number;
  readonly reason: ExitReason;
  readonly level: number | null;
  readonly fee: number;
  readonly pnl: number;
}

export interface StopMoveJson {
  readonly time: string;
  readonly from: number;
  readonly to: number;
  /** The rule of the level whose fill moved the stop: breakeven, previous_tp or profit_pct. */
  readonly reason: string;
}

export interface LevelJson {
  /** The ladder level (1…N), or `"tp"` for the single take-profit's row: it is no ladder level. */
  readonly level: number | string;
  readonly hits: number;
  readonly hit_rate: number;
  readonly avg_pnl: number;
}

export const isoTime = (ms: number): string => new Date(ms).toISOString();

export function tradeJson(p: Position): TradeJson {
  return {
    id: p.id,
    symbol: p.symbol,
    side: p.side,
    entry_time: isoTime(p.entryTimeMs),
    entry_price: p.entryPrice,
    original_quantity: qtyOf(p.originalSteps, p.plan),
    avg_exit_price: averageExitPrice(p),
    pnl: totalPnl(p),
    ...(p.funding === undefined ? {} : { funding: p.funding }),
    exits: p.partialExits.map((e) => ({
      time: isoTime(e.timeMs),
      price: e.price,
      quantity: qtyOf(e.qtySteps, p.plan),
      reason: e.reason,
      level: e.level,
      fee: e.fee,
      pnl: e.pnl,
    })),
    stop_moves: p.stopMoves.map((m) => ({ time: isoTime(m.timeMs), from: m.fromPrice, to: m.toPrice, reason: m.rule })),
  };
}

/**
 * The per-level table of a run, every row the text prints: the scaled levels in order, then the single
 * take-profit's row, named `tp`, when any trade was managed by it (scaled off, or the R3.3 fallback of
 * a position too small to split; its hit rate is over those trades only).
 */
export function levelsJson(levels: readonly LevelStats[]): LevelJson[] {
  return levels.map((l) => ({ level: l.level ?? l.reason, hits: l.hits, hit_rate: l.hit_rate, avg_pnl: l.avg_pnl }));
}

export function resultJson(run: BacktestRun): ResultJson {
  return { summary: run.summary, trades: run.trades.map(tradeJson), levels: levelsJson(run.levels), ...(run.funding ? { funding: run.funding } : {}) };
}
