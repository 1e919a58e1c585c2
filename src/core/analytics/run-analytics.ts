import type { LevelReason } from '../model/plan.ts';
import type { ExitReason, Position } from '../model/position.ts';
import { qtyOf, totalPnl } from '../scaled-tp/exit-manager.ts';
import { isTakeProfitReason, levelStats } from './level-stats.ts';
import { type RunSummary, summarizeRun } from './run-summary.ts';

/** Initial risk of a trade in quote currency: |entry − initial stop| × original quantity. */
export function initialRisk(t: Position): number {
  return Math.abs(t.entryPrice - t.plan.initialStopPrice) * qtyOf(t.originalSteps, t.plan);
}

/** PnL in multiples of the initial risk (R); 0 when the risk is 0. */
export const rMultiple = (t: Position): number => rMultipleOf(totalPnl(t), t);

/** `pnl` in multiples of the initial risk of `t` (R); 0 when the risk is 0: for a driver that summed the PnL itself. */
export const rMultipleOf = (pnl: number, t: Position): number => {
  const risk = initialRisk(t);
  return risk > 0 ? pnl / risk : 0;
};

export interface LevelAnalytics {
  /** Null for the single take-profit (`tp`): rows are keyed on `reason`. */
  readonly level: number | null;
  readonly reason: string;
  readonly eligible: number;
  readonly hits: number;
  readonly hit_rate: number;
  /** Hits of this level / hits of the level before it (among trades where both were active). */
  readonly hit_rate_given_previous: number | null;
  readonly avg_pnl: number;
  /** Average R of this level's exits: exit PnL / (initial risk per unit × exit quantity). */
  readonly avg_r: number;
}

/** Every non-take-profit exit reason, and `last_tp` for all the take-profit ones. */
type RemainderClosedBy = { readonly [K in 'last_tp' | Exclude<ExitReason, LevelReason>]: number };

export interface RunAnalytics {
  readonly summary: RunSummary;
  /** Average PnL per trade. */
  readonly expectancy: number;
  readonly avg_r: number;
  /**
   * How the last part of each trade closed: at its last take-profit, the stop, a signal, the end, by
   * hand outside the bot (`manual`, the kill switch included), a liquidation: one key per reason, so
   * the counts total the trades (a backtest has no `manual` or `liquidation`; the bot's store has).
   */
  readonly remainder_closed_by: RemainderClosedBy;
  readonly levels: readonly LevelAnalytics[];
}

/** One code path for the backtest, compare, the report and the dashboard (R5.5, R8.5). */
export function analyzeRun(trades: readonly Position[], startingBalance: number, equity: ArrayLike<number>): RunAnalytics {
  const summary = summarizeRun(trades, startingBalance, equity);
  const closedBy: { -readonly [K in keyof RemainderClosedBy]: number } = { last_tp: 0, stop: 0, signal: 0, end: 0, manual: 0, liquidation: 0 };
  let rSum = 0;
  for (const t of trades) {
    rSum += rMultiple(t);
    const last = t.partialExits.at(-1);
    if (!last) continue;
    if (isTakeProfitReason(last.reason)) closedBy.last_tp++;
    else closedBy[last.reason as Exclude<ExitReason, LevelReason>]++;
  }
  const base = levelStats(trades);
  const levels = base.map((l): LevelAnalytics => {
    let rSumLevel = 0;
    let withPrevious = 0;
    let bothActive = 0;
    let bothHit = 0;
    for (const t of trades) {
      const exit = t.partialExits.find((e) => e.reason === l.reason);
      if (exit) {
        const perUnitRisk = Math.abs(t.entryPrice - t.plan.initialStopPrice);
        const q = qtyOf(exit.qtySteps, t.plan);
        if (perUnitRisk > 0 && q > 0) rSumLevel += exit.pnl / (perUnitRisk * q);
      }
      // The level before this one that was active in this trade's plan.
      const active = t.plan.levels.filter((x) => x.skipped === null);
      const i = active.findIndex((x) => x.reason === l.reason);
      if (i <= 0) continue;
      withPrevious++;
      const prev = active[i - 1]!;
      if (!t.partialExits.some((e) => e.reason === prev.reason)) continue;
      bothActive++;
      if (exit) bothHit++;
    }
    return {
      ...l,
      // null for a first level: it has no level before it in any trade.
      hit_rate_given_previous: withPrevious === 0 ? null : bothActive ? bothHit / bothActive : 0,
      avg_r: l.hits ? rSumLevel / l.hits : 0,
    };
  });
  return {
    summary,
    expectancy: trades.length ? summary.total_pnl / trades.length : 0,
    avg_r: trades.length ? rSum / trades.length : 0,
    remainder_closed_by: closedBy,
    levels,
  };
}
