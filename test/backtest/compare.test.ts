import { describe, expect, it } from 'vitest';
import { compareExits } from '../../src/backtest/compare.ts';
import type { BacktestOptions, EntrySignal } from '../../src/backtest/engine.ts';
import type { Side } from '../../src/core/units.ts';
import { flatRows, series } from '../support/candles.ts';
import { BTC, marketRules } from '../support/market.ts';

const ETH = marketRules({ id: 'ETHUSDT', tick: '0.01', step: '0.001', minQtySteps: 1, minNotional: 5 });
import { DEFAULT_SETTINGS, backtestOptions } from '../support/settings.ts';

const base: BacktestOptions = backtestOptions({ positionSize: { mode: 'risk_pct', value: 1 } });
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

  // Two symbols: BTC's own candles, ETH flat; each entry's signal given by candle index.
  const two = (btcRows: ReadonlyArray<readonly [number, number, number, number]>, eth: Record<number, Side>) => {
    const b = series(btcRows);
    const e = series(flatRows(btcRows.length, 3000), undefined, undefined, 'ETHUSDT');
    return [
      { symbol: 'BTCUSDT', candles: b, market: BTC, entryAt: (i: number): EntrySignal | null => (i === 1 ? { side: 'long', timeMs: b.time[i]! } : null) },
      { symbol: 'ETHUSDT', candles: e, market: ETH, entryAt: (i: number): EntrySignal | null => (eth[i] ? { side: eth[i]!, timeMs: e.time[i]! } : null) },
    ];
  };
  const alone = (symbols: ReturnType<typeof two>, o: BacktestOptions) => policies.map((p) => compareExits(symbols, o, [p]).runs[0]!.run.trades.map((t) => t.symbol).sort());

  it("keeps the same entries when one run could pay an entry's margin and the other could not: the single run decides, every run takes them (R5.5)", () => {
    // BTC: TP1 for the ladder, then down through its breakeven (≈ +27) and through the single run's stop (−198).
    const btc = [
      [59900, 60000, 59800, 60000],
      [60000, 60700, 59950, 60650],
      [60650, 60660, 58700, 58800],
      [58800, 58900, 58700, 58850],
      [58850, 58900, 58700, 58850],
    ] as const;
    // Leverage 1, 9,900 USDT a position: ETH's margin at candle 3 fits the ladder's balance, not the single run's.
    const o: BacktestOptions = { ...base, leverage: 1, positionSize: { mode: 'quote', value: 9_900 } };
    const symbols = two(btc, { 3: 'long' });
    expect(alone(symbols, o)).toEqual([['BTCUSDT', 'ETHUSDT'], ['BTCUSDT']]); // each on its own would differ
    const cmp = compareExits(symbols, o, policies);
    expect(cmp.sameEntries).toBe(true);
    expect(cmp.runs.map((r) => r.run.trades.map((t) => `${t.symbol} ${t.originalSteps}`))).toEqual([['BTCUSDT 165'], ['BTCUSDT 165']]);
  });

  it('keeps the same entries when a slot is free in one run only (max_open_positions): the single run decides, the ladder takes its entry too', () => {
    // One slot. BTC: the single TP closes at candle 3, the ladder keeps its runner; ETH signals at candle 4.
    const o: BacktestOptions = { ...base, maxOpenPositions: 1, positionSize: { mode: 'quote', value: 1_000 } };
    const symbols = two(rows, { 4: 'long' });
    expect(alone(symbols, o)).toEqual([['BTCUSDT'], ['BTCUSDT', 'ETHUSDT']]);
    const cmp = compareExits(symbols, o, policies);
    expect(cmp.sameEntries).toBe(true);
    expect(cmp.runs.map((r) => r.run.trades.map((t) => `${t.symbol} ${t.originalSteps}`).sort())).toEqual([
      ['BTCUSDT 16', 'ETHUSDT 333'],
      ['BTCUSDT 16', 'ETHUSDT 333'],
    ]);
  });
});
