import { describe, expect, it } from 'vitest';
import { type EntrySignal, type SymbolInput, runBacktest } from '../../src/backtest/engine.ts';
import { entrySteps } from '../../src/core/position-size.ts';
import type { Side } from '../../src/core/units.ts';
import { HOUR, flatRows, series } from '../support/candles.ts';
import { BTC, SOL } from '../support/market.ts';
import { backtestOptions } from '../support/settings.ts';

const flat = flatRows;
const at = (signals: Record<number, Side>, times: Float64Array) => (i: number): EntrySignal | null => (signals[i] ? { side: signals[i]!, timeMs: times[i]! } : null);
const options = backtestOptions;
function input(symbol: string, rows: ReadonlyArray<readonly [number, number, number, number]>, signals: Record<number, Side>, startMs?: number): SymbolInput {
  const candles = series(rows, HOUR, startMs, symbol);
  return { symbol, candles, market: symbol === 'SOLUSDT' ? SOL : BTC, entryAt: at(signals, candles.time) };
}

describe('backtest engine', () => {
  it('runs several symbols on one equity curve over the union of their times', () => {
    const t0 = Date.UTC(2024, 0, 1);
    const btc = input('BTCUSDT', flat(10, 60000), { 1: 'long' }, t0);
    const sol = input('SOLUSDT', flat(10, 150), { 2: 'short' }, t0 + 5 * HOUR);
    const r = runBacktest([btc, sol], options());
    expect(r.trades.map((t) => t.symbol).sort()).toEqual(['BTCUSDT', 'SOLUSDT']);
    expect(r.equity.length).toBe(15);
    expect([...r.equityTimeMs]).toEqual(Array.from({ length: 15 }, (_, i) => t0 + i * HOUR));
  });

  it('measures the drawdown from the starting balance: a loss on the first candle is a fall, as it is one candle later', () => {
    // Long 1,000 USDT of BTC at 60,000 on the first open; the first close is 59,700 (−5 USDT on 0.016 BTC).
    const rows = [[60000, 60010, 59650, 59700], ...flat(3, 59700)] as const;
    const first = runBacktest([input('BTCUSDT', rows, { 0: 'long' })], options());
    const later = runBacktest([input('BTCUSDT', [[60000, 60000, 60000, 60000], ...rows], { 1: 'long' })], options());
    expect(first.equity[0]).toBe(10_000 - 300 * 0.016);
    expect(first.summary.max_drawdown_pct).toBe(((10_000 - first.equity[0]!) * 100) / 10_000);
    expect(first.summary.max_drawdown_pct).toBeCloseTo(0.048, 12);
    expect(later.summary.max_drawdown_pct).toBe(first.summary.max_drawdown_pct);
  });

  it('refuses a symbol given twice (one position per symbol: its trades would share their ids)', () => {
    const t0 = Date.UTC(2024, 0, 1);
    const a = input('BTCUSDT', flat(10, 60000), { 1: 'long' }, t0);
    const b = input('BTCUSDT', flat(10, 60000), { 2: 'long' }, t0 + 10 * HOUR);
    expect(() => runBacktest([a, input('SOLUSDT', flat(5, 150), {}, t0), b], options())).toThrow('runBacktest: BTCUSDT is given twice (one input per symbol)');
  });

  it('refuses entries beyond max_open_positions, and says so', () => {
    const btc = input('BTCUSDT', flat(6, 60000), { 1: 'long' });
    const sol = input('SOLUSDT', flat(6, 150), { 2: 'long' });
    const r = runBacktest([btc, sol], options({ maxOpenPositions: 1 }));
    expect(r.trades.map((t) => t.symbol)).toEqual(['BTCUSDT']);
    expect(r.skipped.map((s) => [s.symbol, s.why, s.detail])).toEqual([['SOLUSDT', 'max_open_positions', '1 position open']]);
    const eth = input('ETHUSDT', flat(6, 3000), { 3: 'long' });
    expect(runBacktest([btc, sol, eth], options({ maxOpenPositions: 2 })).skipped.map((s) => s.detail)).toEqual(['2 positions open']);
  });

  it('an opposite signal closes at the open before any entry of that open is decided: the slot it frees goes to the first symbol in symbol-id order (the bot does the same: e2e-signals-live)', () => {
    const btc = input('BTCUSDT', flat(6, 60000), { 3: 'long' });
    const sol = input('SOLUSDT', flat(6, 150), { 1: 'long', 3: 'short' }); // its long closed at open 3 by its short
    const r = runBacktest([btc, sol], options({ maxOpenPositions: 1 }));
    expect(r.trades.map((t) => [t.symbol, t.side, t.partialExits.at(-1)!.reason])).toEqual([
      ['SOLUSDT', 'long', 'signal'],
      ['BTCUSDT', 'long', 'end'],
    ]);
    expect(r.skipped.map((s) => [s.symbol, s.why])).toEqual([['SOLUSDT', 'max_open_positions']]);
  });

  it('refuses an entry whose margin at the leverage exceeds the free equity', () => {
    const r = runBacktest([input('BTCUSDT', flat(4, 60000), { 1: 'long' })], options({ leverage: 1, positionSize: { mode: 'quote', value: 20_000 } }));
    expect(r.trades).toEqual([]);
    expect(r.skipped[0]!.why).toBe('insufficient_margin');
  });

  it('skips an entry whose stop distance is under one tick (0.0001 % of 60,000 against the 0.1 tick: the stop would round onto the entry), as the bot does not send it', () => {
    const base = options();
    const r = runBacktest([input('BTCUSDT', flat(4, 60000), { 1: 'long' })], { ...base, settings: { ...base.settings, stopLossPct: 0.0001 } });
    expect(r.trades).toEqual([]);
    expect(r.skipped.map((s) => s.why)).toEqual(['plan_error']);
    expect(r.skipped[0]!.detail).toContain('rounds to 60000');
  });

  it('refuses an entry below the exchange minimum notional (MIN_NOTIONAL binds entries)', () => {
    const r = runBacktest([input('BTCUSDT', flat(4, 60000), { 1: 'long' })], options({ positionSize: { mode: 'quote', value: 100 } }));
    expect(r.skipped[0]!.why).toBe('below_min_notional');
  });

  it('sizes positions by quote notional, base quantity and equity at risk, rounded down to the step', () => {
    expect(entrySteps({ mode: 'quote', value: 1000 }, 60000, 10_000, 2, BTC)).toBe(16); // 0.01666 → 0.016
    expect(entrySteps({ mode: 'base', value: 0.0509 }, 60000, 10_000, 2, BTC)).toBe(50);
    // 1 % of 10,000 at risk with a 2 % stop: 100 / (60000 × 0.02) = 0.08333 BTC → 0.083
    expect(entrySteps({ mode: 'risk_pct', value: 1 }, 60000, 10_000, 2, BTC)).toBe(83);
    expect(entrySteps({ mode: 'quote', value: 1000 }, 150, 10_000, 2, SOL)).toBe(6);
  });

  it('marks open positions to market in the equity curve and books realised PnL when they close', () => {
    const rows = [[60000, 60000, 60000, 60000], [60000, 60100, 59950, 60300], [60300, 60400, 60250, 60300]] as const;
    const r = runBacktest([input('BTCUSDT', rows, { 1: 'long' })], options({ positionSize: { mode: 'base', value: 0.01 } }));
    expect(r.equity[1]).toBeCloseTo(10_000 + 300 * 0.01, 9);
    expect(r.summary.final_equity).toBeCloseTo(10_003, 9);
    expect(r.equity.at(-1)).toBeCloseTo(10_003, 9);
  });
});
