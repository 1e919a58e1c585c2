/**
 * `ema_cross`: long when the fast EMA of the closes crosses above the slow one, short when it
 * crosses below. With `atr_stop_mult`, each signal carries a stop `atr_stop_mult × ATR / close`
 * (in %) from the ATR of its candle. The EMAs are trading-signals' EMA recurrence written inline
 * (the same operations in the same order, so the same doubles: seeded with the first close, then
 * `close × α + previous × (1 − α)`, α = 2/(n+1)) because its class costs several times more per
 * update on the backtest's per-candle path. The ATR is trading-signals' WSMA over the true range,
 * computed here (what its ATR class does) so no object is made per candle.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type { WSMA as TradingSignalsWsma } from 'trading-signals';
import type { CandleSeries } from '../data/candle-series.ts';
import type { Signal, Strategy } from './strategy.ts';

export interface EmaCrossParams {
  /** Fast EMA period, in candles. */
  readonly fast: number;
  /** Slow EMA period, in candles; greater than `fast`. */
  readonly slow: number;
  /** Stop distance as a multiple of the ATR; no per-signal stop when absent. */
  readonly atr_stop_mult?: number;
  /** ATR period, in candles (default 14). */
  readonly atr_period?: number;
}

/**
 * trading-signals' WSMA, loaded by its own file: the package's entry (its only export) loads all of
 * its 176 modules, 130-170 ms of CPU at every start of the bot, for this one class (and only with
 * atr_stop_mult). test/strategy/ema-cross.test.ts holds it to the entry's own class.
 */
const entry = pathToFileURL(createRequire(import.meta.url).resolve('trading-signals')); // …/trading-signals/dist/index.js
export const WSMA = ((await import(new URL('./trend/WSMA/WSMA.js', entry).href)) as { WSMA: typeof TradingSignalsWsma }).WSMA;

export const DEFAULT_ATR_PERIOD = 14;
const REASON_UP = 'ema_cross up';
const REASON_DOWN = 'ema_cross down';

function checkPeriod(name: string, n: number): void {
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`ema_cross: ${name} must be a whole number of candles ≥ 1, got ${n}`);
}

export class EmaCrossStrategy implements Strategy {
  readonly name = 'ema_cross';
  readonly warmup: number;
  readonly params: Readonly<EmaCrossParams>;
  readonly #atrPeriod: number;
  #series: CandleSeries | undefined;
  /** Next candle index to feed. */
  #next = 0;
  /** α = 2/(n+1) and 1 − α of each EMA, as trading-signals computes them. */
  readonly #fastAlpha: number;
  readonly #fastKeep: number;
  readonly #slowAlpha: number;
  readonly #slowKeep: number;
  /** EMA values after the last candle fed; meaningless until `#emaSeeded`. */
  #fast = 0;
  #slow = 0;
  #emaSeeded = false;
  #atr: TradingSignalsWsma | undefined;
  #atrValue = NaN;
  /** fast − slow at the previous candle (NaN before both EMAs are stable). */
  #prevDiff = NaN;

  constructor(params: EmaCrossParams) {
    checkPeriod('fast', params.fast);
    checkPeriod('slow', params.slow);
    if (params.fast >= params.slow) throw new Error(`ema_cross: fast (${params.fast}) must be less than slow (${params.slow})`);
    const mult = params.atr_stop_mult;
    if (mult !== undefined && !(mult > 0 && Number.isFinite(mult))) throw new Error(`ema_cross: atr_stop_mult must be a positive number, got ${mult}`);
    this.#atrPeriod = params.atr_period ?? DEFAULT_ATR_PERIOD;
    checkPeriod('atr_period', this.#atrPeriod);
    this.params = { ...params };
    // The slow EMA is stable after `slow` closes (index slow − 1); a cross needs the candle before too.
    this.warmup = Math.max(params.slow, mult !== undefined ? this.#atrPeriod : 0);
    this.#fastAlpha = 2 / (params.fast + 1);
    this.#fastKeep = 1 - this.#fastAlpha;
    this.#slowAlpha = 2 / (params.slow + 1);
    this.#slowKeep = 1 - this.#slowAlpha;
    this.#reset(undefined);
  }

  #reset(series: CandleSeries | undefined): void {
    this.#series = series;
    this.#next = 0;
    this.#fast = 0;
    this.#slow = 0;
    this.#emaSeeded = false;
    this.#atr = this.params.atr_stop_mult !== undefined ? new WSMA(this.#atrPeriod) : undefined;
    this.#atrValue = NaN;
    this.#prevDiff = NaN;
  }

  onCandle(series: CandleSeries, i: number): Signal | null {
    if (series !== this.#series || i < this.#next) this.#reset(series);
    let side: 0 | 1 | -1 = 0;
    while (this.#next <= i) side = this.#feed(series, this.#next++);
    return side === 0 ? null : this.#signal(series, i, side, this.#atrValue);
  }

  /**
   * `onCandle`'s answer for every candle of the series, fed in one loop: the same arithmetic on the
   * same candles in the same order, so the same signals, without a call per candle (a backtest asks
   * for every candle; those calls were ~20 % of the engine's time on the ten 1h files).
   */
  signalsOf(series: CandleSeries): (i: number) => Signal | null {
    this.#reset(series);
    const n = series.length;
    const sides = new Int8Array(n);
    const atr = this.#atr === undefined ? null : new Float64Array(n);
    if (atr === null) this.#crosses(series, sides);
    else
      for (let j = 0; j < n; j++) {
        const side = this.#feed(series, j);
        if (side === 0) continue;
        sides[j] = side;
        atr[j] = this.#atrValue;
      }
    // The incremental state is left at the start: the next onCandle replays from candle 0.
    this.#reset(undefined);
    return (i) => {
      const side = sides[i];
      return side === undefined || side === 0 ? null : this.#signal(series, i, side as 1 | -1, atr === null ? NaN : atr[i]!);
    };
  }

  /** The signal known at the close of candle i: a cross up (+1) or down (−1), with the ATR of that candle. */
  #signal(series: CandleSeries, i: number, side: 1 | -1, atrValue: number): Signal {
    const signal: { timeMs: number; side: 'long' | 'short'; reason: string; stopLossPct?: number } = {
      timeMs: (series.time[i] as number) + series.timeframeMs,
      side: side > 0 ? 'long' : 'short',
      reason: side > 0 ? REASON_UP : REASON_DOWN,
    };
    const mult = this.params.atr_stop_mult;
    if (mult !== undefined) signal.stopLossPct = ((mult * atrValue) / (series.close[i] as number)) * 100;
    return signal;
  }

  /**
   * `#feed`'s EMAs and crosses over the whole series without an ATR, in locals: the same operations in
   * the same order (so the same doubles), without a field read or write per candle. `sides[j]` is
   * what `#feed` answers for candle j.
   */
  #crosses(series: CandleSeries, sides: Int8Array): void {
    const close = series.close;
    const fa = this.#fastAlpha;
    const fk = this.#fastKeep;
    const sa = this.#slowAlpha;
    const sk = this.#slowKeep;
    const stableFrom = this.params.slow - 1;
    const warmup = this.warmup;
    let fast = 0;
    let slow = 0;
    let prevDiff = NaN;
    for (let j = 0; j < sides.length; j++) {
      const c = close[j]!;
      fast = c * fa + (j > 0 ? fast : c) * fk;
      slow = c * sa + (j > 0 ? slow : c) * sk;
      const diff = fast - slow;
      const prev = prevDiff;
      prevDiff = j >= stableFrom ? diff : NaN;
      if (j < warmup) continue;
      if (prev <= 0 && diff > 0) sides[j] = 1;
      else if (prev >= 0 && diff < 0) sides[j] = -1;
    }
  }

  /** Feeds candle j to the indicators; +1 for a cross up on it, −1 down, 0 none. */
  #feed(s: CandleSeries, j: number): 0 | 1 | -1 {
    const close = s.close[j] as number;
    const seeded = this.#emaSeeded;
    this.#fast = close * this.#fastAlpha + (seeded ? this.#fast : close) * this.#fastKeep;
    this.#slow = close * this.#slowAlpha + (seeded ? this.#slow : close) * this.#slowKeep;
    this.#emaSeeded = true;
    const diff = this.#fast - this.#slow;
    if (this.#atr !== undefined) {
      const high = s.high[j] as number;
      const low = s.low[j] as number;
      const prevClose = j > 0 ? (s.close[j - 1] as number) : NaN;
      const tr = j > 0 ? Math.max(high - low, Math.abs(high - prevClose), Math.abs(low - prevClose)) : high - low;
      this.#atrValue = this.#atr.update(tr, false) ?? NaN;
    }
    const prev = this.#prevDiff;
    this.#prevDiff = j >= this.params.slow - 1 ? diff : NaN;
    if (j < this.warmup) return 0;
    if (prev <= 0 && diff > 0) return 1;
    if (prev >= 0 && diff < 0) return -1;
    return 0;
  }
}
