/**
 * The benchmark's long series: the real candles forward, then time-reversed, then forward again…
 * until `length` candles. A reversed candle swaps open and close (high, low and volume stay), so
 * every seam is continuous (a forward pass ends on the last close, the reversed pass starts there;
 * it ends on the first open, where the next forward pass starts) and prices stay in the real range.
 * Open times restart from the first real candle and advance one timeframe per candle: strictly
 * increasing and gapless (the real file's gap is not copied).
 */
import type { CandleSeries } from '../src/data/candle-series.ts';

export function mirroredSeries(base: CandleSeries, length: number): CandleSeries {
  const n = base.length;
  if (n === 0) throw new Error('mirroredSeries: the base series is empty');
  if (!Number.isSafeInteger(length) || length < 1) throw new Error(`mirroredSeries: length must be a whole number ≥ 1, got ${length}`);
  const time = new Float64Array(length);
  const open = new Float64Array(length);
  const high = new Float64Array(length);
  const low = new Float64Array(length);
  const close = new Float64Array(length);
  const volume = new Float64Array(length);
  const t0 = base.time[0] as number;
  const tf = base.timeframeMs;
  for (let i = 0; i < length; i++) {
    const pass = Math.floor(i / n);
    const k = i - pass * n;
    const reversed = (pass & 1) === 1;
    const j = reversed ? n - 1 - k : k;
    time[i] = t0 + i * tf;
    open[i] = (reversed ? base.close[j] : base.open[j]) as number;
    close[i] = (reversed ? base.open[j] : base.close[j]) as number;
    high[i] = base.high[j] as number;
    low[i] = base.low[j] as number;
    volume[i] = base.volume[j] as number;
  }
  return {
    ...(base.symbol !== undefined ? { symbol: base.symbol } : {}),
    timeframeMs: tf,
    length,
    time,
    open,
    high,
    low,
    close,
    volume,
    gaps: [],
    source: `${base.source} mirrored to ${length} candles`,
  };
}
