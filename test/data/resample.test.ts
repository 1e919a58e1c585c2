import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CandleSeries } from '../../src/data/candle-series.ts';
import { findGaps, sliceByTime } from '../../src/data/candle-series.ts';
import { loadCandles } from '../../src/data/load-candles.ts';
import { bucketStartMs, resample } from '../../src/data/resample.ts';
import { KLINES } from './paths.ts';

const H = 3_600_000;
const T0 = Date.UTC(2024, 0, 1);

/** Hourly candles at the given hour offsets from T0; candle k has open k+1, high k+3, low k, close k+2, volume 1. */
function hourly(hours: readonly number[]): CandleSeries {
  const time = Float64Array.from(hours, (h) => T0 + h * H);
  return {
    symbol: 'BTCUSDT',
    timeframeMs: H,
    length: hours.length,
    time,
    open: Float64Array.from(hours, (h) => h + 1),
    high: Float64Array.from(hours, (h) => h + 3),
    low: Float64Array.from(hours, (h) => h),
    close: Float64Array.from(hours, (h) => h + 2),
    volume: Float64Array.from(hours, () => 1),
    gaps: findGaps(time, H),
    source: 'test',
  };
}

const range = (a: number, b: number): number[] => Array.from({ length: b - a }, (_, k) => a + k);

describe('resample', () => {
  it('aggregates open of first, max high, min low, close of last, summed volume, in UTC-aligned buckets', () => {
    const r = resample(hourly(range(0, 8)), 4 * H);
    expect(r.timeframeMs).toBe(4 * H);
    expect(Array.from(r.time)).toEqual([T0, T0 + 4 * H]);
    expect(Array.from(r.open)).toEqual([1, 5]);
    expect(Array.from(r.high)).toEqual([6, 10]);
    expect(Array.from(r.low)).toEqual([0, 4]);
    expect(Array.from(r.close)).toEqual([5, 9]);
    expect(Array.from(r.volume)).toEqual([4, 4]);
    expect(r.symbol).toBe('BTCUSDT');
  });

  it('drops the partial buckets at both ends (data starting at 01:00 and ending at 09:00)', () => {
    const r = resample(hourly(range(1, 10)), 4 * H);
    expect(Array.from(r.time)).toEqual([T0 + 4 * H]);
    expect(r.length).toBe(1);
  });

  it('keeps an inner bucket a gap made incomplete, and reports an empty bucket as a gap', () => {
    // 00–03 complete, 04–07 missing 05:00, 08–11 missing entirely, 12–15 complete.
    const r = resample(hourly([0, 1, 2, 3, 4, 6, 7, 12, 13, 14, 15]), 4 * H);
    expect(Array.from(r.time)).toEqual([T0, T0 + 4 * H, T0 + 12 * H]);
    expect(r.volume[1]).toBe(3);
    expect(r.gaps).toEqual([{ afterIndex: 1, fromMs: T0 + 8 * H, toMs: T0 + 12 * H, missing: 1 }]);
  });

  it('opens weekly buckets on Monday 00:00 UTC, like Binance 1w klines', () => {
    expect(new Date(bucketStartMs(Date.UTC(2024, 0, 3, 15), 7 * 24 * H)).toISOString()).toBe('2024-01-01T00:00:00.000Z');
    expect(new Date(bucketStartMs(Date.UTC(2024, 0, 7, 23), 7 * 24 * H)).toISOString()).toBe('2024-01-01T00:00:00.000Z');
    expect(bucketStartMs(Date.UTC(2024, 0, 1, 5), 4 * H)).toBe(Date.UTC(2024, 0, 1, 4));
  });

  it('refuses a timeframe that is not a multiple of the source one', () => {
    expect(() => resample(hourly(range(0, 4)), 90 * 60_000)).toThrow(/cannot resample 1h candles to 90m/);
  });

  it('15m → 1h on the real BTCUSDT files gives the real 1h candles', async () => {
    const m15 = await loadCandles(join(KLINES, 'BTCUSDT-15m.csv'));
    const h1 = await loadCandles(join(KLINES, 'BTCUSDT-1h.csv'));
    const r = resample(m15, H);
    expect(r.length).toBe(m15.length / 4);
    const at = sliceByTime(h1, r.time[0]!, Infinity);
    expect(at.length).toBe(r.length);
    let differing = 0;
    for (let i = 0; i < r.length; i++) {
      if (r.time[i] !== at.time[i] || r.open[i] !== at.open[i] || r.high[i] !== at.high[i] || r.low[i] !== at.low[i] || r.close[i] !== at.close[i]) differing++;
      // Volumes are sums of 8-decimal values: equal to rounding.
      if (Math.abs(r.volume[i]! - at.volume[i]!) > 1e-6 * Math.max(1, at.volume[i]!)) differing++;
    }
    expect(differing).toBe(0);
  });
});

describe('sliceByTime', () => {
  it('keeps candles with open time in [from, to), as views over the same arrays', () => {
    const s = hourly(range(0, 10));
    const v = sliceByTime(s, T0 + 2 * H, T0 + 5 * H);
    expect(Array.from(v.time)).toEqual([2, 3, 4].map((h) => T0 + h * H));
    expect(v.close.buffer).toBe(s.close.buffer);
    expect(v.length).toBe(3);
    expect(sliceByTime(s, T0 + 2.5 * H, T0 + 3.5 * H).time[0]).toBe(T0 + 3 * H);
    expect(sliceByTime(s, -Infinity, Infinity).length).toBe(10);
    expect(sliceByTime(s, T0 + 20 * H, Infinity).length).toBe(0);
    expect(sliceByTime(s, T0 + 5 * H, T0 + 2 * H).length).toBe(0);
  });

  it('keeps the gaps inside the range, re-indexed, and drops those at its edges', () => {
    const s = hourly([0, 1, 3, 4, 7, 8]);
    expect(s.gaps.map((g) => g.afterIndex)).toEqual([1, 3]);
    const v = sliceByTime(s, T0 + 1 * H, T0 + 5 * H);
    expect(Array.from(v.time)).toEqual([1, 3, 4].map((h) => T0 + h * H));
    expect(v.gaps).toEqual([{ afterIndex: 0, fromMs: T0 + 2 * H, toMs: T0 + 3 * H, missing: 1 }]);
  });
});
