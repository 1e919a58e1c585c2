import type { CandleSeries } from '../../src/data/candle-series.ts';
import { findGaps } from '../../src/data/candle-series.ts';

export const H = 3_600_000;
export const T0 = Date.UTC(2024, 0, 1);

export interface Bar {
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
}

/** Hourly candles from T0 (or at the given open times), symbol BTCUSDT (null: none). */
export function seriesOf(bars: readonly Bar[], times?: readonly number[], symbol: string | null = 'BTCUSDT'): CandleSeries {
  const time = Float64Array.from(bars, (_, i) => times?.[i] ?? T0 + i * H);
  return {
    ...(symbol !== null ? { symbol } : {}),
    timeframeMs: H,
    length: bars.length,
    time,
    open: Float64Array.from(bars, (b) => b.open),
    high: Float64Array.from(bars, (b) => b.high),
    low: Float64Array.from(bars, (b) => b.low),
    close: Float64Array.from(bars, (b) => b.close),
    volume: new Float64Array(bars.length),
    gaps: findGaps(time, H),
    source: 'test',
  };
}

/** Flat candles (open = high = low = close) from closes. */
export const closesSeries = (closes: readonly number[]): CandleSeries => seriesOf(closes.map((c) => ({ open: c, high: c, low: c, close: c })));
