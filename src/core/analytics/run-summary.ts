import type { Position } from '../model/position.ts';
import { totalPnl } from '../scaled-tp/exit-manager.ts';

/** The headline numbers of a run (SPEC "Result JSON" `summary`). Ratios are fractions, drawdown in %. */
export interface RunSummary {
  readonly trades: number;
  /** Winning trades (PnL > 0) / trades; 0 when there are no trades. */
  readonly win_rate: number;
  /** Gross profit / gross loss; null when there is no losing trade (infinite or undefined). */
  readonly profit_factor: number | null;
  readonly total_pnl: number;
  /** Largest peak-to-trough fall of the equity curve, % of the peak; the starting balance is the first peak. */
  readonly max_drawdown_pct: number;
  readonly final_equity: number;
}

export function summarizeRun(trades: readonly Position[], startingBalance: number, equity: ArrayLike<number>): RunSummary {
  return summarizePnls(trades.map(totalPnl), startingBalance, equity);
}

/** `summarizeRun` from the trades' PnLs alone (in trade order: the sums are the same doubles). */
export function summarizePnls(pnls: readonly number[], startingBalance: number, equity: ArrayLike<number>): RunSummary {
  let wins = 0;
  let grossProfit = 0;
  let grossLoss = 0;
  let total = 0;
  for (const pnl of pnls) {
    total += pnl;
    if (pnl > 0) {
      wins++;
      grossProfit += pnl;
    } else grossLoss -= pnl;
  }
  return {
    trades: pnls.length,
    win_rate: pnls.length ? wins / pnls.length : 0,
    profit_factor: grossLoss > 0 ? grossProfit / grossLoss : null,
    total_pnl: total,
    // The balance before the first candle is the curve's first point: a loss on the first candle is a fall from it.
    max_drawdown_pct: maxDrawdownPct(equity, startingBalance),
    final_equity: startingBalance + total,
  };
}

/**
 * Largest fall from a running peak, in % of that peak (0 for a curve that never falls; a peak at or
 * below 0 counts no fall). Under one peak the deepest point gives the largest fall, and the rounded
 * ((peak − e) × 100) / peak never grows with e, so the fall is computed once per peak, at its lowest
 * point after it: the same double as computing it at every point (NaN and infinities included), with
 * two comparisons a point. `start`: the equity before the curve's first point (a run's starting balance).
 */
export function maxDrawdownPct(equity: ArrayLike<number>, start = -Infinity): number {
  // `+start`: a double from here on. A phi of the tagged parameter and the loop's doubles would be
  // tagged, and every `peak = e` would box a HeapNumber (16 B a point: 6 MB per pass of the ten files).
  let peak = +start;
  let low = +start;
  /** A point at or below the peak came after it (the pointwise rule computed a fall there). */
  let after = false;
  let worst = 0;
  for (let i = 0; i < equity.length; i++) {
    const e = equity[i]!;
    if (e > peak) {
      if (peak > 0 && after) worst = Math.max(worst, ((peak - low) * 100) / peak);
      peak = e;
      low = e;
      after = false;
    } else if (e === e) {
      if (e < low) low = e;
      after = true;
    } else if (peak > 0) worst = NaN; // as the pointwise rule: NaN stays NaN
  }
  if (peak > 0 && after) worst = Math.max(worst, ((peak - low) * 100) / peak);
  return worst;
}
