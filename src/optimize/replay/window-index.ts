import { closeTimeMs, lowerBoundTime } from '../../data/candle-series.ts';
import type { CandleSeries } from '../../data/candle-series.ts';
import type { SettlementPrices } from '../../backtest/engine.ts';
import type { PreparedSymbol } from '../dataset.ts';

/**
 * What the replay keeps of one symbol for every candidate and window (built once per worker): the
 * widest and narrowest price of each candle, so that "does this candle stay strictly inside the
 * trigger band?" is two comparisons, and the indices of the candles that open with a signal.
 */
export interface SymbolPrep {
  readonly sym: PreparedSymbol;
  /** min(low, open, close) of each candle: the engine's band test reads all four prices (if in doubt, walk). */
  readonly lowMin: Float64Array;
  /** max(high, open, close) of each candle. */
  readonly highMax: Float64Array;
  /** The lowest `lowMin` and highest `highMax` of each block of BLOCK candles (block b: candles b·BLOCK …), to skip a block at once. */
  readonly blockLow: Float64Array;
  readonly blockHigh: Float64Array;
  /** Candle indices (full series) whose open carries an entry signal, ascending: signal ordinal s is at candle signalAt[s]. */
  readonly signalAt: Int32Array;
  /** Signal s is long (1) or short (0). */
  readonly signalLong: Uint8Array;
  /** Signal s's own stop distance, % (NaN: the settings' `stop_loss_pct`). */
  readonly signalStop: Float64Array;
  readonly detail: DetailPrep | null;
  /** The symbol's funding settlements (`--funding`), or null when not modelled. */
  readonly funding: FundingPrep | null;
  /** Position ids `SYMBOL-n` by n, made as needed (every candidate's n-th position has the same id). */
  readonly ids: string[];
}

/**
 * Funding settlements as the engine charges them: settlement k at the open of candle `at[k]` (full
 * series: the first candle opening at or after it) to the position open then, at its mark price
 * `price[k]` when known (else that candle's open), `rate[k]` of the notional.
 */
export interface FundingPrep {
  readonly time: Float64Array;
  readonly rate: Float64Array;
  /** NaN where no mark price is known. */
  readonly price: Float64Array;
  readonly at: Int32Array;
}

export interface DetailPrep {
  readonly candles: CandleSeries;
  readonly lowMin: Float64Array;
  readonly highMax: Float64Array;
}

/** Candles per block of `blockLow`/`blockHigh` (a power of two: block of candle j is j >> BLOCK_SHIFT). */
export const BLOCK_SHIFT = 4;
export const BLOCK = 1 << BLOCK_SHIFT;

function blocks(lowMin: Float64Array, highMax: Float64Array): { blockLow: Float64Array; blockHigh: Float64Array } {
  const n = Math.ceil(lowMin.length / BLOCK);
  const blockLow = new Float64Array(n);
  const blockHigh = new Float64Array(n);
  for (let b = 0; b < n; b++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let j = b * BLOCK; j < Math.min(lowMin.length, (b + 1) * BLOCK); j++) {
      // A NaN anywhere in the block makes the block's test false: its candles are tested one by one.
      lo = Number.isNaN(lowMin[j]!) ? NaN : Math.min(lo, lowMin[j]!);
      hi = Number.isNaN(highMax[j]!) ? NaN : Math.max(hi, highMax[j]!);
    }
    blockLow[b] = lo;
    blockHigh[b] = hi;
  }
  return { blockLow, blockHigh };
}

function bands(c: CandleSeries): { lowMin: Float64Array; highMax: Float64Array } {
  const n = c.length;
  const lowMin = new Float64Array(n);
  const highMax = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    // l > lo && o > lo && c > lo ⇔ min(l, o, c) > lo (a NaN gives NaN: false, walk, as in the engine).
    lowMin[i] = Math.min(c.low[i]!, c.open[i]!, c.close[i]!);
    highMax[i] = Math.max(c.high[i]!, c.open[i]!, c.close[i]!);
  }
  return { lowMin, highMax };
}

export function prepareSymbol(sym: PreparedSymbol): SymbolPrep {
  const at: number[] = [];
  for (let i = 0; i < sym.signals.length; i++) if (sym.signals[i] != null) at.push(i);
  const signalLong = Uint8Array.from(at, (i) => (sym.signals[i]!.side === 'long' ? 1 : 0));
  const signalStop = Float64Array.from(at, (i) => sym.signals[i]!.stopLossPct ?? NaN);
  const b = bands(sym.candles);
  return {
    sym,
    ...b,
    ...blocks(b.lowMin, b.highMax),
    signalAt: Int32Array.from(at),
    signalLong,
    signalStop,
    detail: sym.detail ? { candles: sym.detail, ...bands(sym.detail) } : null,
    funding: sym.funding ? fundingPrep(sym.candles, sym.funding) : null,
    ids: [''],
  };
}

function fundingPrep(c: CandleSeries, f: SettlementPrices): FundingPrep {
  const n = f.time.length;
  return {
    time: f.time,
    rate: f.rate,
    price: f.price ?? new Float64Array(n).fill(NaN),
    at: Int32Array.from(f.time, (t) => lowerBoundTime(c.time, t)),
  };
}

/** One symbol inside a window: its candles [a, b) of the full series and where each sits on the window's time line. */
export interface WindowSymbol {
  readonly prep: SymbolPrep;
  /** Position in the engine's symbol order (symbol id, then first open time). */
  readonly rank: number;
  readonly a: number;
  readonly b: number;
  /** point[i − a]: the index on the window's merged time line of candle i's open. */
  readonly point: Int32Array;
  /** Where the engine closes this symbol's remainder (`end`): the first open time at or after its last close, or `points` (after the loop). */
  readonly endPoint: number;
  /** Signals inside the window: `prep.signalAt[sigFrom…sigTo)`. */
  readonly sigFrom: number;
  readonly sigTo: number;
  /** The window's detail candles [dA, dB) of the full detail series. */
  readonly dA: number;
  readonly dB: number;
  /**
   * Candles [a, wholeTo) are walked in this window as in any other (`b`, unless the window's end cuts
   * the detail candles of the last one): a position closed before wholeTo is the same in every window.
   */
  readonly wholeTo: number;
  /** closeAt[k]: this symbol's latest close at or before time-line point k (what the engine marks an open position at). */
  readonly closeAt: Float64Array;
}

/** A window's merged time line (the engine's open times over all symbols) and its symbols in engine order. */
export interface WindowIndex {
  readonly symbols: readonly WindowSymbol[];
  readonly times: Float64Array;
  readonly candles: number;
}

const bySymbol = (x: { symbol: string; first: number }, y: { symbol: string; first: number }): number =>
  x.symbol < y.symbol ? -1 : x.symbol > y.symbol ? 1 : x.first - y.first;

/**
 * The candidate-independent part of a window [fromMs, toMs), as `windowInputs` + `runBacktest` see it:
 * the symbols with candles there, sorted as the engine sorts them, and the union of their open times.
 */
export function indexWindow(preps: readonly SymbolPrep[], fromMs: number, toMs: number): WindowIndex {
  const parts = preps
    .map((prep) => {
      const t = prep.sym.candles.time;
      const a = lowerBoundTime(t, fromMs);
      const b = Math.max(a, lowerBoundTime(t, toMs));
      return { prep, a, b, symbol: prep.sym.symbol, first: b > a ? t[a]! : 0 };
    })
    .filter((p) => p.b > p.a)
    .sort(bySymbol);
  // The union of open times, ascending (each symbol's times are strictly increasing).
  const all: number[] = [];
  let candles = 0;
  for (const p of parts) {
    candles += p.b - p.a;
    const t = p.prep.sym.candles.time;
    for (let i = p.a; i < p.b; i++) all.push(t[i]!);
  }
  const sorted = Float64Array.from(all).sort();
  let m = 0;
  for (let i = 0; i < sorted.length; i++) if (m === 0 || sorted[i] !== sorted[m - 1]) sorted[m++] = sorted[i]!;
  const times = sorted.slice(0, m);
  const symbols = parts.map((p, rank): WindowSymbol => {
    const c = p.prep.sym.candles;
    const point = new Int32Array(p.b - p.a);
    let k = 0;
    for (let i = p.a; i < p.b; i++) {
      while (times[k]! < c.time[i]!) k++;
      point[i - p.a] = k;
    }
    const closeAt = new Float64Array(m).fill(NaN);
    for (let i = p.a; i < p.b; i++) {
      const to = i + 1 < p.b ? point[i + 1 - p.a]! : m;
      closeAt.fill(c.close[i]!, point[i - p.a]!, to);
    }
    const d = p.prep.sym.detail;
    const sa = p.prep.signalAt;
    return {
      prep: p.prep,
      rank,
      a: p.a,
      b: p.b,
      point,
      endPoint: lowerBoundTime(times, closeTimeMs(c, p.b - 1)),
      sigFrom: lowerBound(sa, p.a),
      sigTo: lowerBound(sa, p.b),
      dA: d ? lowerBoundTime(d.time, fromMs) : 0,
      dB: d ? Math.max(lowerBoundTime(d.time, fromMs), lowerBoundTime(d.time, toMs)) : 0,
      wholeTo: d && closeTimeMs(c, p.b - 1) > toMs ? p.b - 1 : p.b,
      closeAt,
    };
  });
  return { symbols, times, candles };
}

/** Index of the first element of the ascending `a` that is ≥ x (`a.length` if none). */
export function lowerBound(a: Int32Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
