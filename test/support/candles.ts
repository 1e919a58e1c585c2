import type { CandleSeries } from '../../src/data/candle-series.ts';

export const HOUR = 3_600_000;
export const T0 = Date.UTC(2024, 0, 1);

/** A series from [open, high, low, close] rows, one per timeframe from T0. */
export function series(rows: ReadonlyArray<readonly [number, number, number, number]>, timeframeMs = HOUR, startMs = T0, symbol = 'BTCUSDT'): CandleSeries {
  const col = (k: number) => Float64Array.from(rows, (r) => r[k]!);
  return {
    symbol,
    timeframeMs,
    length: rows.length,
    time: Float64Array.from(rows, (_, i) => startMs + i * timeframeMs),
    open: col(0),
    high: col(1),
    low: col(2),
    close: col(3),
    volume: new Float64Array(rows.length),
    gaps: [],
    source: 'test',
  };
}

/** n candles around p (±0.1 %) that reach no target or stop of the default ladder. */
export const flatRows = (n: number, p: number): [number, number, number, number][] => Array.from({ length: n }, () => [p, p * 1.001, p * 0.999, p]);
