/**
 * Columnar candles: one Float64Array per field, no object per candle, so a year of 1m candles is a
 * handful of contiguous arrays that the backtest loop can walk without allocating.
 */

/** Missing candles between two present ones. Candles are never invented to fill it. */
export interface Gap {
  /** Index of the last candle before the gap. */
  readonly afterIndex: number;
  /** Open time (ms UTC) of the first missing candle = `time[afterIndex] + timeframeMs`. */
  readonly fromMs: number;
  /** Open time (ms UTC) of the next present candle = `time[afterIndex + 1]` (exclusive end). */
  readonly toMs: number;
  /** Number of missing candles = `(toMs − fromMs) / timeframeMs`. */
  readonly missing: number;
}

export interface CandleSeries {
  /** Exchange id (`BTCUSDT`), from the options or the file name; undefined if neither says. */
  readonly symbol?: string;
  readonly timeframeMs: number;
  readonly length: number;
  /** Open time, ms since the epoch, UTC; strictly increasing, on the timeframe's grid. */
  readonly time: Float64Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  /** Base-asset volume. */
  readonly volume: Float64Array;
  readonly gaps: readonly Gap[];
  /** Where the candles came from (the path or paths given), for messages. */
  readonly source: string;
}

/** Close time of candle i in ms: when it is complete and a signal on it becomes known. */
/** A series' six price and time columns, in their file order. */
export const CANDLE_COLUMNS = ['time', 'open', 'high', 'low', 'close', 'volume'] as const;
export type CandleColumn = (typeof CANDLE_COLUMNS)[number];

/**
 * A series object with its fields in one order, made by one of two literals (with a symbol, or
 * without), so that the series of a run share one hidden class: the engine reads a series' columns on
 * every walk and entry, and a spread (`{ ...(symbol ? { symbol } : {}), … }`) gave each loaded series
 * a hidden class of its own, which made those reads megamorphic (V8's `--log-ic`).
 */
export function seriesOf(symbol: string | undefined, f: Omit<CandleSeries, 'symbol'>): CandleSeries {
  if (symbol === undefined) {
    return { timeframeMs: f.timeframeMs, length: f.length, time: f.time, open: f.open, high: f.high, low: f.low, close: f.close, volume: f.volume, gaps: f.gaps, source: f.source };
  }
  return { symbol, timeframeMs: f.timeframeMs, length: f.length, time: f.time, open: f.open, high: f.high, low: f.low, close: f.close, volume: f.volume, gaps: f.gaps, source: f.source };
}

export const closeTimeMs = (s: CandleSeries, i: number): number => (s.time[i] as number) + s.timeframeMs;

/** Index of the first candle whose open time is ≥ `timeMs` (`s.length` if none): binary search. */
export function lowerBoundTime(time: Float64Array, timeMs: number, from = 0, to = time.length): number {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((time[mid] as number) < timeMs) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Where the finer candles `d` (`--detail`) that make up candle i of `c` start, when they make it up
 * whole: one detail candle per slot of its timeframe from the candle's open, none missing (then they
 * are `d[from, from + c.timeframeMs / d.timeframeMs)`); −1 otherwise. A candle with only part of its
 * detail (a gap in the finer data, a window cutting it) is walked on its own modelled path instead: its
 * high and low may lie in the part that is missing. `lo`/`hi` bound the search in `d`.
 */
export function wholeDetailFrom(c: CandleSeries, i: number, d: CandleSeries, lo = 0, hi = d.time.length): number {
  const open = c.time[i] as number;
  const per = c.timeframeMs / d.timeframeMs;
  if (!Number.isInteger(per)) return -1;
  const from = lowerBoundTime(d.time, open, lo, hi);
  const last = from + per - 1;
  // Strictly increasing open times: the first at the candle's open and the last one slot before its close leave no room for a gap.
  return last < hi && d.time[from] === open && d.time[last] === open + c.timeframeMs - d.timeframeMs ? from : -1;
}

/** How far `--detail` candles reproduce the candles they make up whole (`detailAgreement`). */
export interface DetailAgreement {
  /** Candles the detail makes up whole. */
  readonly whole: number;
  /** Of those, candles whose open, high, low or close the detail does not give exactly. */
  readonly differing: number;
  /** The first such candle's index, or −1. */
  readonly first: number;
}

/**
 * Do the detail candles reproduce each candle they make up whole? Its open is the first one's open,
 * its high and low the highest high and lowest low, its close the last one's close: exactly so for
 * an exchange's own klines. A detail file of another market, or of other data, is found this way.
 */
export function detailAgreement(c: CandleSeries, d: CandleSeries): DetailAgreement {
  let whole = 0;
  let differing = 0;
  let first = -1;
  const per = c.timeframeMs / d.timeframeMs;
  for (let i = 0, lo = 0; i < c.length; i++) {
    const from = wholeDetailFrom(c, i, d, lo);
    if (from < 0) continue;
    lo = from;
    whole++;
    let high = -Infinity;
    let low = Infinity;
    for (let j = from; j < from + per; j++) {
      high = Math.max(high, d.high[j]!);
      low = Math.min(low, d.low[j]!);
    }
    if (d.open[from] !== c.open[i] || d.close[from + per - 1] !== c.close[i] || high !== c.high[i] || low !== c.low[i]) {
      differing++;
      if (first < 0) first = i;
    }
  }
  return { whole, differing, first };
}

/**
 * The candles with open time in `[fromMs, toMs)` (for `--from/--to`), as views over the same
 * arrays (no copy). Omit a bound with `-Infinity`/`Infinity`. Gaps inside the range are kept,
 * re-indexed; a gap at the edge of the range is dropped (nothing is missing *inside* it).
 */
export function sliceByTime(s: CandleSeries, fromMs: number, toMs: number): CandleSeries {
  const a = lowerBoundTime(s.time, fromMs);
  const b = Math.max(a, lowerBoundTime(s.time, toMs));
  const gaps = s.gaps
    .filter((g) => g.afterIndex >= a && g.afterIndex + 1 < b)
    .map((g) => ({ ...g, afterIndex: g.afterIndex - a }));
  return {
    ...(s.symbol !== undefined ? { symbol: s.symbol } : {}),
    timeframeMs: s.timeframeMs,
    length: b - a,
    time: s.time.subarray(a, b),
    open: s.open.subarray(a, b),
    high: s.high.subarray(a, b),
    low: s.low.subarray(a, b),
    close: s.close.subarray(a, b),
    volume: s.volume.subarray(a, b),
    gaps,
    source: s.source,
  };
}

/** Finds the gaps of a strictly increasing, grid-aligned time column. */
export function findGaps(time: Float64Array, timeframeMs: number): Gap[] {
  const gaps: Gap[] = [];
  for (let i = 1; i < time.length; i++) {
    const prev = time[i - 1] as number;
    const t = time[i] as number;
    if (t - prev > timeframeMs) {
      const fromMs = prev + timeframeMs;
      gaps.push({ afterIndex: i - 1, fromMs, toMs: t, missing: Math.round((t - fromMs) / timeframeMs) });
    }
  }
  return gaps;
}
