import { describe, expect, it } from 'vitest';
import { type RunFigures, windowMetrics } from '../../src/optimize/metrics.ts';
import { score } from '../../src/optimize/objectives.ts';

const DAY = 86_400_000;

/** A window of `returns.length` days whose equity moves by these daily returns from 10,000, with `trades` trades. */
function window(returns: readonly number[], trades: number, maxDrawdownPct: number) {
  const equity: number[] = [];
  let e = 10_000;
  for (const r of returns) equity.push((e *= 1 + r));
  const run: RunFigures = {
    summary: { trades, win_rate: 1, profit_factor: null, total_pnl: e - 10_000, max_drawdown_pct: maxDrawdownPct, final_equity: e },
    rMultiples: Array.from({ length: trades }, () => 0.8),
    equityTimeMs: returns.map((_, i) => Date.UTC(2026, 1, 1) + i * DAY + 3_600_000),
    equity,
  };
  return windowMetrics(run, 10_000, [...returns]);
}

describe('score: sortino', () => {
  it('a window with a profit and no losing day (no downside to divide by) is unbounded, as an unbounded profit factor is: it beats any bounded Sortino', () => {
    // Every day flat or up: 22 winning trades, intraday dips only (max drawdown 0.14 %), no day closed down.
    const flawless = window([0.002, 0, 0.001, 0.003, 0, 0.002, 0.001], 22, 0.14);
    // The same days with one losing day: a finite Sortino.
    const oneBadDay = window([0.002, 0, 0.001, -0.001, 0, 0.002, 0.001], 22, 0.2);
    expect(score(flawless, 'sortino', 5)).toBeGreaterThan(score(oneBadDay, 'sortino', 5));
    expect(score(flawless, 'sortino', 5)).toBe(score(flawless, 'profit_factor', 5));
  });

  it('no losing day and no profit either scores 0, as a profit factor does', () => {
    const flat = window([0, 0, 0, 0], 10, 0);
    expect(score(flat, 'sortino', 5)).toBe(0);
    expect(score(flat, 'profit_factor', 5)).toBe(0);
  });
});
