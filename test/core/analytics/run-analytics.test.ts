import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyzeRun, initialRisk, maxDrawdownPct, rMultiple } from '../../../src/core/analytics/index.ts';
import { applyExternalExit } from '../../../src/core/scaled-tp/exit-manager.ts';
import { walk, open } from '../../support/ladder.ts';
import { BTC } from '../../support/market.ts';
import { DEFAULT_SETTINGS } from '../../support/settings.ts';

const trade = (path: number[], id: string) => walk(open({ entry: '60000', qty: 10, market: BTC, settings: DEFAULT_SETTINGS, id }).position, path).position;

describe('run analytics', () => {
  const full = trade([60000, 62200], 'a'); // tp1, tp2, tp3
  const tp1ThenBreakeven = trade([60000, 60700, 59900], 'b'); // tp1, stop at breakeven
  const stopped = trade([60000, 58000], 'c'); // stop at 58800
  const all = [full, tp1ThenBreakeven, stopped];

  it('measures PnL in R: risk = |entry − initial stop| × quantity', () => {
    expect(initialRisk(stopped)).toBeCloseTo(1200 * 0.01, 9);
    expect(rMultiple(stopped)).toBeCloseTo(-1, 9);
    expect(rMultiple(full)).toBeCloseTo((600 * 0.003 + 1200 * 0.003 + 2100 * 0.004) / 12, 9);
  });

  it('gives hit rates per level, and given the previous level', () => {
    const a = analyzeRun(all, 10_000, [10_000]);
    expect(a.levels.map((l) => [l.reason, l.hits, l.hit_rate, l.hit_rate_given_previous])).toEqual([
      ['tp1', 2, 2 / 3, null],
      ['tp2', 1, 1 / 3, 1 / 2],
      ['tp3', 1, 1 / 3, 1],
    ]);
    expect(a.levels[0]!.avg_r).toBeCloseTo(600 / 1200, 9);
  });

  it('counts how the last part of each trade closed, expectancy and average R', () => {
    const a = analyzeRun(all, 10_000, [10_000]);
    expect(a.remainder_closed_by).toEqual({ last_tp: 1, stop: 2, signal: 0, end: 0, manual: 0, liquidation: 0 });
    expect(a.expectancy).toBeCloseTo(a.summary.total_pnl / 3, 9);
    expect(a.summary.win_rate).toBeCloseTo(2 / 3, 9);
  });

  it('counts a remainder closed outside the bot (by hand, a liquidation) under its own reason: the counts total the trades', () => {
    const outside = (reason: 'manual' | 'liquidation', path: number[], id: string) => {
      const p = walk(open({ entry: '60000', qty: 10, market: BTC, settings: DEFAULT_SETTINGS, id }).position, path).position;
      const r = applyExternalExit(p, { reason, tradeId: `${id}-x`, orderId: null, clientOrderId: '', timeMs: 9, qtySteps: p.remainingSteps, price: 59000, fee: 0 });
      if (!r.ok) throw new Error(r.error.message);
      expect(r.value.position.status).toBe('closed');
      return r.value.position;
    };
    const byHand = outside('manual', [60000, 60700], 'm'); // tp1, then the rest closed by hand
    const liquidated = outside('liquidation', [60000], 'l'); // liquidated whole
    const a = analyzeRun([...all, byHand, liquidated], 10_000, [10_000]);
    expect(a.remainder_closed_by).toEqual({ last_tp: 1, stop: 2, signal: 0, end: 0, manual: 1, liquidation: 1 });
    expect(Object.values(a.remainder_closed_by).reduce((x, y) => x + y, 0)).toBe(5);
  });

  it('measures the deepest fall from a running peak', () => {
    expect(maxDrawdownPct([100, 120, 90, 130, 117])).toBeCloseTo(25, 9);
    expect(maxDrawdownPct([100, 101, 102])).toBe(0);
  });

  it('maxDrawdownPct gives the same double as the fall computed at every point', () => {
    // The rule as stated: the fall from the running peak computed at every point.
    const pointwise = (equity: readonly number[]): number => {
      let peak = -Infinity;
      let worst = 0;
      for (const e of equity) {
        if (e > peak) peak = e;
        else if (peak > 0) worst = Math.max(worst, ((peak - e) * 100) / peak);
      }
      return worst;
    };
    for (const edge of [[1, Infinity, Infinity], [Infinity, Infinity], [Infinity, 5], [5, -Infinity], [3, 3, 3], [2, Number.NaN, 1]]) {
      expect(maxDrawdownPct(edge), JSON.stringify(edge)).toBe(pointwise(edge));
    }
    const value = fc.oneof(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.integer({ min: -5, max: 200 }), fc.constantFrom(Number.NaN, Infinity, -Infinity));
    fc.assert(
      fc.property(fc.array(value, { maxLength: 60 }), (equity) => {
        expect(Object.is(maxDrawdownPct(equity), pointwise(equity)) || (Number.isNaN(maxDrawdownPct(equity)) && Number.isNaN(pointwise(equity)))).toBe(true);
        expect(maxDrawdownPct(Float64Array.from(equity))).toBe(pointwise(equity));
      }),
      { numRuns: Number(process.env.FC_NUM_RUNS ?? 1000) },
    );
    // With a starting balance: the fall from it counts, as if it were the curve's first point.
    expect(maxDrawdownPct([9998.4970045, 10_001], 10_000)).toBe(((10_000 - 9998.4970045) * 100) / 10_000);
    expect(maxDrawdownPct([9998.4970045, 10_001])).toBe(0);
    fc.assert(
      fc.property(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.array(value, { maxLength: 60 }), (start, equity) => {
        expect(maxDrawdownPct(equity, start)).toBe(pointwise([start, ...equity]));
      }),
      { numRuns: Number(process.env.FC_NUM_RUNS ?? 1000) },
    );
  });
});
