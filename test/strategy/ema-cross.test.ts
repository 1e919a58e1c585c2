import { join } from 'node:path';
import fc from 'fast-check';
import { ATR, EMA, WSMA as entryWsma } from 'trading-signals';
import { describe, expect, it } from 'vitest';
import { loadCandles } from '../../src/data/load-candles.ts';
import { EmaCrossStrategy, WSMA } from '../../src/strategy/ema-cross.ts';
import type { Signal } from '../../src/strategy/strategy.ts';
import { KLINES } from '../data/paths.ts';
import { closesSeries, H, seriesOf, T0, type Bar } from './make-series.ts';

const numRuns = Number(process.env.FC_NUM_RUNS ?? 300);

function run(strategy: EmaCrossStrategy, s: ReturnType<typeof seriesOf>): (Signal | null)[] {
  const out: (Signal | null)[] = [];
  for (let i = 0; i < s.length; i++) out.push(strategy.onCandle(s, i));
  return out;
}

const arbBars = (minLength: number, maxLength: number): fc.Arbitrary<Bar[]> =>
  fc.array(
    fc.tuple(fc.double({ min: 50, max: 150, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 5, noNaN: true })).map(([mid, a, b, spread]) => {
      const low = mid - spread;
      const high = mid + spread;
      return { open: low + a * (high - low), close: low + b * (high - low), high, low };
    }),
    { minLength, maxLength },
  );

describe('trading-signals EMA and ATR, as ema_cross uses them', () => {
  it('EMA matches a hand-computed EMA: seeded with the first price, then α = 2/(n+1)', () => {
    // Period 3, α = 0.5: 1 → 1; 2 → 1.5; 3 → 2.25; 4 → 3.125; 5 → 4.0625; 1 → 2.53125
    const ema = new EMA(3);
    const got = [1, 2, 3, 4, 5, 1].map((p) => ema.update(p, false));
    expect(got).toEqual([1, 1.5, 2.25, 3.125, 4.0625, 2.53125]);
    expect(ema.isStable).toBe(true);
    expect(new EMA(3).isStable).toBe(false);
  });

  it('EMA matches the recurrence on random prices, for random periods', () =>
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 50 }), fc.array(fc.double({ min: 1, max: 1e5, noNaN: true }), { minLength: 1, maxLength: 200 }), (n, prices) => {
        const ema = new EMA(n);
        const alpha = 2 / (n + 1);
        let expected = prices[0]!;
        return prices.every((p, i) => {
          if (i > 0) expected = p * alpha + expected * (1 - alpha);
          return Math.abs(ema.update(p, false) - expected) <= 1e-12 * expected;
        });
      }),
      { numRuns },
    ));

  it("the stop uses trading-signals' ATR: atr_stop_mult × ATR / close × 100", () =>
    fc.assert(
      fc.property(arbBars(30, 120), fc.integer({ min: 2, max: 20 }), (bars, atrPeriod) => {
        const s = seriesOf(bars);
        const strategy = new EmaCrossStrategy({ fast: 3, slow: 8, atr_stop_mult: 2, atr_period: atrPeriod });
        const atr = new ATR(atrPeriod);
        for (let i = 0; i < s.length; i++) {
          const value = atr.update({ high: bars[i]!.high, low: bars[i]!.low, close: bars[i]!.close }, false);
          const sig = strategy.onCandle(s, i);
          if (sig !== null && Math.abs(sig.stopLossPct! - ((2 * value!) / bars[i]!.close) * 100) > 1e-9 * sig.stopLossPct!) return false;
        }
        return true;
      }),
      { numRuns },
    ));
});

describe('ema_cross', () => {
  // fast 2 / slow 4: falling, then rising (cross up), then falling (cross down).
  const closes = [10, 9, 8, 7, 6, 7, 9, 12, 16, 15, 12, 8, 5];

  it('goes long when the fast EMA crosses above the slow one and short when it crosses below', () => {
    const s = closesSeries(closes);
    const signals = run(new EmaCrossStrategy({ fast: 2, slow: 4 }), s);
    const fired = signals.flatMap((sig, i) => (sig ? [[i, sig.side, sig.reason] as const] : []));
    // Check against EMAs computed by hand from the recurrence.
    const ema = (n: number): number[] => {
      const a = 2 / (n + 1);
      const out: number[] = [];
      closes.forEach((c, i) => out.push(i === 0 ? c : c * a + out[i - 1]! * (1 - a)));
      return out;
    };
    const f = ema(2);
    const sl = ema(4);
    const expected: (readonly [number, string, string])[] = [];
    for (let i = 4; i < closes.length; i++) {
      const prev = f[i - 1]! - sl[i - 1]!;
      const d = f[i]! - sl[i]!;
      if (prev <= 0 && d > 0) expected.push([i, 'long', 'ema_cross up']);
      if (prev >= 0 && d < 0) expected.push([i, 'short', 'ema_cross down']);
    }
    expect(fired).toEqual(expected);
    expect(fired.map((x) => x[1])).toEqual(['long', 'short']);
  });

  it('stamps a signal with the close time of its candle and carries no stop without atr_stop_mult', () => {
    const s = closesSeries(closes);
    const i = run(new EmaCrossStrategy({ fast: 2, slow: 4 }), s).findIndex((x) => x !== null);
    const sig = new EmaCrossStrategy({ fast: 2, slow: 4 }).onCandle(s, i)!;
    expect(sig.timeMs).toBe(T0 + i * H + H);
    expect(sig.stopLossPct).toBeUndefined();
  });

  it('emits nothing before its warmup (slow, or atr_period if larger)', () => {
    expect(new EmaCrossStrategy({ fast: 12, slow: 26 }).warmup).toBe(26);
    expect(new EmaCrossStrategy({ fast: 2, slow: 4, atr_stop_mult: 1, atr_period: 30 }).warmup).toBe(30);
    fc.assert(
      fc.property(arbBars(1, 80), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 10 }), (bars, fast, extra) => {
        const st = new EmaCrossStrategy({ fast, slow: fast + extra, atr_stop_mult: 1.5 });
        return run(st, seriesOf(bars)).every((sig, i) => sig === null || i >= st.warmup);
      }),
      { numRuns },
    );
  });

  it('answers calls out of order, or on another series, as if fed from candle 0', () =>
    fc.assert(
      fc.property(arbBars(10, 60), fc.array(fc.nat(), { minLength: 1, maxLength: 20 }), (bars, picks) => {
        const s = seriesOf(bars);
        const sequential = run(new EmaCrossStrategy({ fast: 2, slow: 5, atr_stop_mult: 1 }), s);
        const st = new EmaCrossStrategy({ fast: 2, slow: 5, atr_stop_mult: 1 });
        st.onCandle(seriesOf(bars.slice().reverse()), s.length - 1); // another series first
        return picks.every((p) => {
          const i = p % s.length;
          return JSON.stringify(st.onCandle(s, i)) === JSON.stringify(sequential[i]);
        });
      }),
      { numRuns },
    ));

  it('rejects bad parameters', () => {
    expect(() => new EmaCrossStrategy({ fast: 26, slow: 12 })).toThrow(/fast \(26\) must be less than slow \(12\)/);
    expect(() => new EmaCrossStrategy({ fast: 0, slow: 12 })).toThrow(/fast must be a whole number/);
    expect(() => new EmaCrossStrategy({ fast: 2.5, slow: 12 })).toThrow(/fast must be a whole number/);
    expect(() => new EmaCrossStrategy({ fast: 2, slow: 12, atr_stop_mult: -1 })).toThrow(/atr_stop_mult must be a positive number/);
    expect(() => new EmaCrossStrategy({ fast: 2, slow: 12, atr_stop_mult: 1, atr_period: 0 })).toThrow(/atr_period/);
  });

  it('signalsOf answers for every candle what onCandle answers (random series, with and without ATR stops, any periods)', () =>
    fc.assert(
      fc.property(arbBars(0, 120), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 20 }), fc.option(fc.double({ min: 0.5, max: 4, noNaN: true })), (bars, fast, more, mult) => {
        const s = seriesOf(bars);
        const params = { fast, slow: fast + more, ...(mult === null ? {} : { atr_stop_mult: mult, atr_period: 3 }) };
        const batch = new EmaCrossStrategy(params);
        const at = batch.signalsOf(s);
        expect(Array.from({ length: s.length }, (_, i) => at(i))).toEqual(run(new EmaCrossStrategy(params), s));
        expect(at(s.length)).toBeNull();
        // The incremental state is not left half-fed: onCandle on the same strategy answers from candle 0.
        expect(run(batch, s)).toEqual(run(new EmaCrossStrategy(params), s));
      }),
      { numRuns },
    ));

  it('signalsOf and onCandle agree where the EMAs are exactly equal (flat stretches: a cross from a difference of 0)', () =>
    fc.assert(
      fc.property(fc.array(fc.constantFrom(100, 100, 100, 100, 101, 99), { maxLength: 80 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 10 }), (closes, fast, more) => {
        const s = closesSeries(closes);
        const params = { fast, slow: fast + more };
        const at = new EmaCrossStrategy(params).signalsOf(s);
        expect(Array.from({ length: s.length }, (_, i) => at(i))).toEqual(run(new EmaCrossStrategy(params), s));
      }),
      { numRuns },
    ));

  it('signalsOf on the real BTCUSDT 1h candles: every signal onCandle gives, same doubles', async () => {
    const s = await loadCandles(join(KLINES, 'BTCUSDT-1h.csv'));
    for (const params of [{ fast: 12, slow: 26 }, { fast: 5, slow: 50, atr_stop_mult: 2 }]) {
      const at = new EmaCrossStrategy(params).signalsOf(s);
      const incremental = run(new EmaCrossStrategy(params), s);
      expect(incremental.filter((x) => x !== null).length).toBeGreaterThan(100);
      for (let i = 0; i < s.length; i++) expect(at(i)).toEqual(incremental[i]);
    }
  });

  it('on the real BTCUSDT 1h candles: 12/26 crosses alternate long/short, ATR stops are sane', async () => {
    const s = await loadCandles(join(KLINES, 'BTCUSDT-1h.csv'));
    const st = new EmaCrossStrategy({ fast: 12, slow: 26, atr_stop_mult: 2 });
    const signals = run(st, s).filter((x): x is Signal => x !== null);
    expect(signals.length).toBeGreaterThan(500);
    for (let k = 1; k < signals.length; k++) expect(signals[k]!.side).not.toBe(signals[k - 1]!.side);
    for (const sig of signals) {
      expect(sig.stopLossPct).toBeGreaterThan(0.05);
      expect(sig.stopLossPct).toBeLessThan(20);
    }
  });
});

describe("ema_cross's WSMA, loaded by its own file (not trading-signals' entry, 176 modules)", () => {
  it("is the package entry's own class", () => {
    expect(WSMA).toBe(entryWsma);
  });
});
