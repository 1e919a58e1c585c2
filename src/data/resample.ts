/**
 * Aggregating candles to a coarser timeframe: open of the first, highest high, lowest low, close
 * of the last, summed volume.
 *
 * Buckets are aligned to UTC epoch multiples of the new timeframe (so 4h buckets open at 00:00,
 * 04:00, … UTC), except weekly ones, which open on Monday 00:00 UTC as Binance's `1w` klines do
 * (the epoch began on a Thursday).
 *
 * Partial buckets at the two ends (the data starts after the bucket's open, or ends before its
 * close) are DROPPED: such a candle never existed on the exchange, and the last one would be a
 * candle that has not closed yet. A bucket inside the data that lacks candles because of a gap is
 * kept and built from the candles that exist (as the exchange builds it from the trades there
 * were); a bucket with no candle at all is a gap of the result.
 */
import { findGaps, type CandleSeries } from './candle-series.ts';
import { formatTimeframe } from './timeframe.ts';

const WEEK_MS = 7 * 86_400_000;
/** 1970-01-05, the first Monday after the epoch. */
const MONDAY_OFFSET_MS = 4 * 86_400_000;

/** Open time of the bucket of `timeframeMs` holding `timeMs` (see the alignment rule above). */
export function bucketStartMs(timeMs: number, timeframeMs: number): number {
  const offset = timeframeMs % WEEK_MS === 0 ? MONDAY_OFFSET_MS : 0;
  return Math.floor((timeMs - offset) / timeframeMs) * timeframeMs + offset;
}

export function resample(s: CandleSeries, timeframeMs: number): CandleSeries {
  if (timeframeMs === s.timeframeMs) return s;
  if (!(timeframeMs > s.timeframeMs) || timeframeMs % s.timeframeMs !== 0) {
    throw new Error(`cannot resample ${formatTimeframe(s.timeframeMs)} candles to ${formatTimeframe(timeframeMs)}: the new timeframe must be a multiple of the old one`);
  }
  const n = s.length;
  const capacity = n === 0 ? 0 : Math.floor(((s.time[n - 1] as number) - (s.time[0] as number)) / timeframeMs) + 2;
  const buf = new Float64Array(capacity * 6);
  const time = buf.subarray(0, capacity);
  const open = buf.subarray(capacity, 2 * capacity);
  const high = buf.subarray(2 * capacity, 3 * capacity);
  const low = buf.subarray(3 * capacity, 4 * capacity);
  const close = buf.subarray(4 * capacity, 5 * capacity);
  const volume = buf.subarray(5 * capacity, 6 * capacity);
  let m = -1;
  for (let i = 0; i < n; i++) {
    const t = s.time[i] as number;
    const b = bucketStartMs(t, timeframeMs);
    if (m < 0 || time[m] !== b) {
      m++;
      time[m] = b;
      open[m] = s.open[i] as number;
      high[m] = s.high[i] as number;
      low[m] = s.low[i] as number;
      close[m] = s.close[i] as number;
      volume[m] = s.volume[i] as number;
    } else {
      if ((s.high[i] as number) > (high[m] as number)) high[m] = s.high[i] as number;
      if ((s.low[i] as number) < (low[m] as number)) low[m] = s.low[i] as number;
      close[m] = s.close[i] as number;
      volume[m] = (volume[m] as number) + (s.volume[i] as number);
    }
  }
  let from = 0;
  let to = m + 1;
  if (to > 0 && s.time[0] !== time[0]) from = 1; // the data starts inside the first bucket
  if (to > from && (s.time[n - 1] as number) + s.timeframeMs !== (time[m] as number) + timeframeMs) to--; // ends inside the last
  if (to < from) to = from;
  const t = time.subarray(from, to);
  return {
    ...(s.symbol !== undefined ? { symbol: s.symbol } : {}),
    timeframeMs,
    length: to - from,
    time: t,
    open: open.subarray(from, to),
    high: high.subarray(from, to),
    low: low.subarray(from, to),
    close: close.subarray(from, to),
    volume: volume.subarray(from, to),
    gaps: findGaps(t, timeframeMs),
    source: s.source,
  };
}
