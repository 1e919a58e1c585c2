import { describe, expect, it } from 'vitest';
import { compareExits } from '../../src/backtest/compare.ts';
import type { BacktestOptions, EntrySignal } from '../../src/backtest/engine.ts';
import type { Side } from '../../src/core/units.ts';
import { series } from '../support/candles.ts';
import { BTC } from '../support/market.ts';
import { DEFAULT_SETTINGS } from '../support/settings.ts';

const base: BacktestOptions = {
  settings: DEFAULT_SETTINGS,
  fills: { takerPct: 0, makerPct: 0, slippagePct: 0 },
  intrabar: 'pessimistic',
  startingBalance: 10_000,
  leverage: 10,
  maxOpenPositions: 5,
  positionSize: { mode: 'risk_pct', value: 1 },
};
const policies = [
  { name: 'scaled', settings: DEFAULT_SETTINGS },
  { name: 'single', settings: { ...DEFAULT_SETTINGS, scaled: false } },
];

describe('compareExits', () => {
  const rows = [
    [59900, 60000, 59800, 60000], // long signal
    [60000, 60700, 59950, 60650], // entry; TP1 for the ladder
    [60650, 61300, 60620, 61250], // TP2
    [61250, 61900, 61200, 61850], // single TP (3 % = 61800) closes here; the ladder keeps its runner
    [61850, 61900, 61700, 61800], // a second long signal: the single run is flat and enters, the ladder still holds
    [61800, 61900, 61700, 61850],
  ] as const;
  const signals = (s: Record<number, Side>) => {
    const c = series(rows);
    return { symbol: 'BTCUSDT', candles: c, market: BTC, entryAt: (i: number): EntrySignal | null => (s[i] ? { side: s[i]!, timeMs: c.time[i]! } : null) };
  };

  it('sizes every run from the starting balance, so the same signals give the same entries', () => {
    const cmp = compareExits([signals({ 1: 'long' })], base, policies);
    expect(cmp.sameEntries).toBe(true);
    expect(cmp.runs.map((r) => r.run.trades.length)).toEqual([1, 1]);
  });

  it('computes same_entries: a same-side signal ignored by one run but taken by the other is reported', () => {
    const cmp = compareExits([signals({ 1: 'long', 5: 'long' })], base, policies);
    expect(cmp.runs.map((r) => r.run.trades.length)).toEqual([1, 2]);
    expect(cmp.sameEntries).toBe(false);
    expect(cmp.firstDifference).toMatch(/single: BTCUSDT long/);
  });
});
