import { describe, expect, it } from 'vitest';
import { type BacktestOptions, type EntrySignal, type SymbolInput, runBacktest } from '../../src/backtest/engine.ts';
import { resultJson } from '../../src/backtest/result-json.ts';
import { totalPnl } from '../../src/core/scaled-tp/exit-manager.ts';
import type { Side } from '../../src/core/units.ts';
import { HOUR, T0, flatRows, series } from '../support/candles.ts';
import { BTC, SOL } from '../support/market.ts';
import { backtestOptions } from '../support/settings.ts';

type Row = readonly [number, number, number, number];
const flat = flatRows;
/** 0.01 BTC a position (quantities in the hand computations below). */
const options = (o: Partial<BacktestOptions> = {}): BacktestOptions => backtestOptions({ positionSize: { mode: 'base', value: 0.01 }, ...o });
/** Settlements at the given hours after T0 with the given rates. */
const rates = (at: Record<number, number>, timeframe = HOUR) => ({
  time: Float64Array.from(Object.keys(at), (h) => T0 + Number(h) * timeframe),
  rate: Float64Array.from(Object.values(at)),
});
function input(rows: Row[], signals: Record<number, Side>, funding?: ReturnType<typeof rates>, symbol = 'BTCUSDT', timeframe = HOUR): SymbolInput {
  const candles = series(rows, timeframe, T0, symbol);
  const entryAt = (i: number): EntrySignal | null => (signals[i] ? { side: signals[i]!, timeMs: candles.time[i]! } : null);
  return { symbol, candles, market: symbol === 'SOLUSDT' ? SOL : BTC, entryAt, ...(funding ? { funding } : {}) };
}

describe('funding in the backtest (SPEC "Fees": a trade carries its funding, its pnl is its exits\' plus it)', () => {
  it('a long pays a positive rate on its notional at the settlement open; a short receives it', () => {
    // Entry at candle 1's open (60,000); settlements at hours 0 (before the entry), 3 and 5; the end closes at 60,000.
    const rows = flat(8, 60000);
    rows[3] = [60100, 60100 * 1.001, 60100 * 0.999, 60100];
    const funding = rates({ 0: 0.01, 3: 0.0001, 5: -0.0002 });
    const long = runBacktest([input(rows, { 1: 'long' }, funding)], options());
    const short = runBacktest([input(rows, { 1: 'short' }, funding)], options());
    // 0.01 BTC × 60,100 × 0.0001 paid at hour 3; 0.01 × 60,000 × 0.0002 received at hour 5.
    const longFunding = -(0.01 * 60100 * 0.0001) + 0.01 * 60000 * 0.0002;
    expect(long.trades[0]!.funding).toBeCloseTo(longFunding, 12);
    expect(short.trades[0]!.funding).toBeCloseTo(-longFunding, 12);
    expect(long.funding).toEqual({ total: long.trades[0]!.funding, settlements: 2 });
    // The trade's pnl and the run's total include it; the exits' pnl do not.
    const exitsPnl = long.trades[0]!.partialExits.reduce((s, e) => s + e.pnl, 0);
    expect(exitsPnl).toBe(0);
    expect(totalPnl(long.trades[0]!)).toBeCloseTo(longFunding, 12);
    expect(long.summary.total_pnl).toBeCloseTo(longFunding, 12);
    expect(long.summary.final_equity).toBeCloseTo(10_000 + longFunding, 9);
    // The equity curve moves at the settlement: the close of candle 3 marks 60,100 and the funding paid.
    expect(long.equity[2]).toBe(10_000);
    expect(long.equity[3]).toBeCloseTo(10_000 + 0.01 * 100 - 0.01 * 60100 * 0.0001, 9);
    const json = resultJson(long);
    expect(json.trades[0]!.funding).toBeCloseTo(longFunding, 12);
    expect(json.trades[0]!.pnl).toBeCloseTo(longFunding, 12);
    expect(json.funding).toEqual({ total: long.funding!.total, settlements: 2 });
  });

  it('charges the position open at the settlement: an entry at that open is not charged, an exit at that open is', () => {
    const rows = flat(8, 60000);
    // Long entered at hour 2 (the settlement's open) and closed by a short signal at hour 4 (the next settlement's open).
    const r = runBacktest([input(rows, { 2: 'long', 4: 'short' }, rates({ 2: 0.001, 4: 0.002, 6: 0.003 }))], options());
    expect(r.trades.map((t) => [t.side, t.funding])).toEqual([
      ['long', -(0.01 * 60000 * 0.002)],
      // The short entered at hour 4 after that settlement; it receives hour 6's.
      ['short', 0.01 * 60000 * 0.003],
    ]);
  });

  it('charges what is left after a partial exit', () => {
    // TP1 (1 %, 30 % of 0.01 = 0.003) fills in candle 2; the settlement at hour 3 charges the 0.007 left.
    const rows: Row[] = [...flat(2, 60000), [60000, 60700, 59950, 60650], [60650, 60700, 60600, 60650], ...flat(2, 60650)];
    const r = runBacktest([input(rows, { 1: 'long' }, rates({ 3: 0.001 }))], options());
    const t = r.trades[0]!;
    expect(t.partialExits.map((e) => e.reason)).toEqual(['tp1', 'end']);
    expect(t.funding).toBeCloseTo(-(0.007 * 60650 * 0.001), 12);
  });

  it('a settlement inside a coarser candle is charged at the next open, at that open\'s price', () => {
    // 4h candles from T0; a settlement at T0 + 6h falls inside candle 1 (4h–8h) and is charged at candle 2's open.
    const rows: Row[] = [...flat(2, 60000), ...flat(3, 61000)];
    const funding = { time: Float64Array.of(T0 + 6 * HOUR), rate: Float64Array.of(0.001) };
    const r = runBacktest([input(rows, { 1: 'long' }, funding, 'BTCUSDT', 4 * HOUR)], options());
    expect(r.trades[0]!.funding).toBeCloseTo(-(0.01 * 61000 * 0.001), 12);
  });

  it('with --detail, a settlement inside a candle is charged at the detail candle opening at it, on what is held then', () => {
    // 4h candles, 1h detail. Long 0.01 at 60,000 from hour 4; TP1 (0.003 at 60,600) in the 5h detail candle, the
    // settlement at 6h charges the 0.007 left at 6h's open (60,650); the stop (breakeven, 60,000) closes the rest at 7h,
    // so the settlement at 10h (inside the next candle) finds no position. Without the detail walk's own settlements,
    // 6h was due only at the next open (8h), after the close: nothing was charged.
    const detail: Row[] = [
      ...flat(4, 60000),
      [60000, 60010, 59990, 60000],
      [60000, 60700, 59990, 60650],
      [60650, 60660, 60640, 60650],
      [60650, 60660, 59900, 59950],
      ...flat(8, 59950),
    ];
    const rows: Row[] = [[60000, 60000 * 1.001, 60000 * 0.999, 60000], [60000, 60700, 59900, 59950], ...flat(2, 59950)];
    const funding = { time: Float64Array.of(T0 + 6 * HOUR, T0 + 10 * HOUR), rate: Float64Array.of(0.001, 0.001) };
    const btc = { ...input(rows, { 1: 'long' }, funding, 'BTCUSDT', 4 * HOUR), detail: series(detail, HOUR) };
    const expected = -(0.007 * 60650 * 0.001);
    for (const r of [runBacktest([btc], options()), runBacktest([btc, input(flat(4, 150), {}, undefined, 'SOLUSDT', 4 * HOUR)], options())]) {
      const t = r.trades[0]!;
      expect(t.partialExits.map((e) => [e.reason, e.timeMs - T0])).toEqual([['tp1', 5 * HOUR], ['stop', 7 * HOUR]]);
      expect(t.funding).toBeCloseTo(expected, 12);
      expect(r.funding!.settlements).toBe(1);
      expect(r.summary.final_equity).toBeCloseTo(10_000 + 0.003 * 600 + expected, 9);
    }
  });

  it('a position still open at the end of its data pays the settlements inside its last candle, at the last close', () => {
    // 4h candles; a short 0.01 from hour 4 holds to the end (16h). The settlement at 14h lies inside the last
    // candle (12h-16h), which has no next open: it is charged at the close the end exit fills at (61,000). The one
    // at 16h, the close itself, is after the data (as the note counts: within the candles means before the close).
    const rows: Row[] = [...flat(3, 60000), [60000, 61030, 59990, 61000]];
    const funding = { time: Float64Array.of(T0 + 14 * HOUR, T0 + 16 * HOUR), rate: Float64Array.of(0.001, 0.001) };
    const btc = input(rows, { 1: 'short' }, funding, 'BTCUSDT', 4 * HOUR);
    const expected = 0.01 * 61000 * 0.001;
    // Alone, and beside a symbol whose data goes on (its end then comes at a later open of the merged loop).
    for (const r of [runBacktest([btc], options()), runBacktest([btc, input(flat(6, 150), {}, undefined, 'SOLUSDT', 4 * HOUR)], options())]) {
      const t = r.trades[0]!;
      expect(t.partialExits.map((e) => [e.reason, e.price])).toEqual([['end', 61000]]);
      expect(t.funding).toBeCloseTo(expected, 12);
      expect(totalPnl(t)).toBeCloseTo(-10 + expected, 9);
      expect(r.funding).toEqual({ total: t.funding, settlements: 1 });
      expect(r.summary.final_equity).toBeCloseTo(10_000 - 10 + expected, 9);
      expect(r.equity.at(-1)).toBeCloseTo(10_000 - 10 + expected, 9);
    }
  });

  it('does not depend on the order of the symbols, and each symbol pays its own rates', () => {
    const btc = input(flat(8, 60000), { 1: 'long' }, rates({ 4: 0.001 }));
    const sol = input(flat(8, 150), { 1: 'short' }, rates({ 4: -0.002 }), 'SOLUSDT');
    const ab = runBacktest([btc, sol], options({ positionSize: { mode: 'quote', value: 600 } }));
    const ba = runBacktest([sol, btc], options({ positionSize: { mode: 'quote', value: 600 } }));
    expect(JSON.stringify(resultJson(ab))).toBe(JSON.stringify(resultJson(ba)));
    const by = Object.fromEntries(ab.trades.map((t) => [t.symbol, t.funding]));
    expect(by['BTCUSDT']).toBeCloseTo(-(0.01 * 60000 * 0.001), 12);
    // A short pays a negative rate: 4 SOL × 150 × 0.002.
    expect(by['SOLUSDT']).toBeCloseTo(-(4 * 150 * 0.002), 12);
    expect(ab.funding!.settlements).toBe(2);
  });

  it('charges the notional at the mark price when one is given for the settlement, else at the candle open', () => {
    const funding = { ...rates({ 3: 0.001, 5: 0.001 }), price: Float64Array.of(60500, NaN) };
    const r = runBacktest([input(flat(8, 60000), { 1: 'long' }, funding)], options());
    expect(r.trades[0]!.funding).toBeCloseTo(-(0.01 * 60500 * 0.001) - 0.01 * 60000 * 0.001, 12);
  });

  it('without funding rates, a trade has no funding field and the result no funding block', () => {
    const r = runBacktest([input(flat(6, 60000), { 1: 'long' })], options());
    expect(r.funding).toBeUndefined();
    expect(r.trades[0]!.funding).toBeUndefined();
    const json = resultJson(r);
    expect('funding' in json).toBe(false);
    expect('funding' in json.trades[0]!).toBe(false);
    expect(Object.keys(JSON.parse(JSON.stringify(r.trades[0])))).not.toContain('funding');
  });
});
