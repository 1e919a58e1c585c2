/**
 * A user's strategy module as a Ladder {@link Strategy}. The module's CandleStrategy is written the
 * simple way (every candle once, in order, from 0); this wrapper keeps that promise whatever the
 * caller does: a call out of order or on other candles starts a fresh instance and replays, and
 * each call sees only candles 0…i (a prefix view), so the module cannot look ahead.
 */
import { CANDLE_COLUMNS, type CandleColumn, type CandleSeries } from '../data/candle-series.ts';
import type { CandleStrategy } from './api.ts';
import { StrategyModuleError, lineIn, messageOf } from './module-error.ts';
import type { Signal, Strategy } from './strategy.ts';

/** A loaded, checked module (module-loader.ts): how to make a fresh instance. */
export interface LoadedModule {
  /** The path as the config wrote it, for messages. */
  readonly file: string;
  readonly absPath: string;
  readonly name: string;
  /** A fresh instance with the config's parsed params; throws StrategyModuleError. */
  readonly make: () => CandleStrategy;
}

export class ModuleStrategy implements Strategy {
  readonly name: string;
  readonly warmup: number;
  #inst: CandleStrategy;
  #series: CandleSeries | undefined;
  /** Next candle index to feed. */
  #next = 0;
  /** The answer for candle #next − 1 (asked again, it is not replayed). */
  #last: Signal | null = null;
  /** What the module sees: candles 0…i only. */
  readonly #view = new PrefixView();
  /**
   * Told the index of each candle just before the module is asked about it (catch-up candles
   * included): a caller that times the module (module-thread.ts) times each candle, not a whole replay.
   */
  onCandleStart: ((candle: number) => void) | null = null;

  constructor(readonly module: LoadedModule) {
    this.name = module.name;
    this.#inst = module.make();
    const w = this.#inst.warmup ?? 0;
    if (!Number.isSafeInteger(w) || w < 0) throw new StrategyModuleError(module.file, undefined, `warmup must be a whole number ≥ 0, got ${shown(w)}`);
    this.warmup = w;
  }

  onCandle(series: CandleSeries, i: number): Signal | null {
    if (!this.#continues(series) || i < this.#next - 1) this.#reset();
    this.#series = series;
    if (i === this.#next - 1) return this.#last;
    // Catching up (a replay, or the live bot's first call after its history): only candle i's
    // answer is wanted; a throw on an older candle was reported when it was asked, or never matters.
    while (this.#next < i) {
      this.onCandleStart?.(this.#next);
      try {
        this.#inst.onCandle(this.#view.at(series, this.#next), this.#next);
      } catch {
        // ignored on purpose: see above
      }
      this.#next++;
    }
    // Candle i is consumed even if it throws: the next candle goes on from here, not from a replay.
    this.#next = i + 1;
    this.#last = null;
    let out: unknown;
    this.onCandleStart?.(i);
    try {
      out = this.#inst.onCandle(this.#view.at(series, i), i);
    } catch (e) {
      throw this.#error(`onCandle threw on candle ${i} (${when(series, i)}): ${messageOf(e)}`, lineIn(e, this.module.absPath), e);
    }
    this.#last = this.#signal(out, series, i);
    return this.#last;
  }

  /** Same candles as before, only more of them: the live bot's growing view over the same arrays. */
  #continues(s: CandleSeries): boolean {
    const p = this.#series;
    if (p === undefined) return false;
    if (s === p) return true;
    return s.length >= p.length && s.time.buffer === p.time.buffer && s.time.byteOffset === p.time.byteOffset && s.close.buffer === p.close.buffer && s.close.byteOffset === p.close.byteOffset;
  }

  #reset(): void {
    if (this.#series !== undefined) this.#inst = this.module.make();
    this.#view.reset();
    this.#next = 0;
    this.#last = null;
  }

  /** The module's answer as a Signal, checked: a wrong shape is an error naming the file. */
  #signal(out: unknown, s: CandleSeries, i: number): Signal | null {
    if (out === null || out === undefined) return null;
    const bad = (what: string) => this.#error(`onCandle returned ${what} on candle ${i} (${when(s, i)}); expected null or { side: "long" | "short", stopLossPct?, reason? }`);
    // Read once, here: a getter or a Proxy that throws is the module's error, said with its file and candle.
    let o: { side?: unknown; stopLossPct?: unknown; reason?: unknown };
    let keys: string[];
    try {
      if (isThenable(out)) {
        out.then(undefined, () => {}); // its rejection is not an unhandled one: the error below says what is wrong
        throw this.#error(`onCandle returned a Promise on candle ${i} (${when(s, i)}): it must answer synchronously (not an async function)`);
      }
      if (typeof out !== 'object') throw bad(shown(out));
      const a = out as { side?: unknown; stopLossPct?: unknown; reason?: unknown };
      o = { side: a.side, stopLossPct: a.stopLossPct, reason: a.reason };
      keys = Object.keys(out);
    } catch (e) {
      if (e instanceof StrategyModuleError) throw e;
      throw bad(`an answer that threw when read (${messageOf(e)})`);
    }
    if (o.side !== 'long' && o.side !== 'short') throw bad(`side ${shown(o.side)}`);
    // A key the contract does not have would be ignored: `stop_loss_pct` (the CSV's and the webhook's spelling) would trade the config's stop.
    const unknown = keys.find((k) => !SIGNAL_KEYS.includes(k));
    if (unknown !== undefined) {
      const meant = SIGNAL_KEYS.find((k) => k.toLowerCase() === unknown.toLowerCase().replace(/[_-]/g, ''));
      throw bad(`an unknown key ${JSON.stringify(unknown)}${meant !== undefined ? ` (did you mean ${meant}?)` : ''}`);
    }
    const sl = o.stopLossPct;
    if (sl !== undefined && !(typeof sl === 'number' && sl > 0 && sl < 100)) throw bad(`stopLossPct ${shown(sl)} (must be a number above 0 and below 100)`);
    // A stop at or beyond the liquidation distance is a signal the backtest and the bot do not enter and say
    // (stop_past_liquidation), as ema_cross's ATR stop: an ATR stop in a wild hour, not a broken module.
    if (o.reason !== undefined && typeof o.reason !== 'string') throw bad(`a reason that is not a string`);
    return {
      timeMs: (s.time[i] as number) + s.timeframeMs,
      side: o.side,
      reason: o.reason ?? this.name,
      ...(sl !== undefined ? { stopLossPct: sl } : {}),
    };
  }

  #error(problem: string, line?: number, cause?: unknown): StrategyModuleError {
    return new StrategyModuleError(this.module.file, line, problem, cause !== undefined ? { cause } : undefined);
  }
}

/** Any value a module may return, as the user would recognise it (JSON.stringify throws on a BigInt and gives undefined for a Symbol). */
function shown(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'bigint':
      return `${v}n (a BigInt)`;
    case 'symbol':
      return v.toString();
    case 'function':
      return 'a function';
    case 'object':
      try {
        return JSON.stringify(v);
      } catch {
        return Object.prototype.toString.call(v);
      }
    default:
      return String(v);
  }
}

/** A Promise (or any thenable): what an async function returns. */
export const isThenable = (x: unknown): x is PromiseLike<unknown> => typeof (x as { then?: unknown } | null)?.then === 'function';

/** The keys of an EntrySignal (api.ts). */
const SIGNAL_KEYS: readonly string[] = ['side', 'stopLossPct', 'reason'];

/** Candle i's open time, and the series' symbol when it has one: where a module's answer went wrong. */
const when = (s: CandleSeries, i: number): string => `${new Date(s.time[i] as number).toISOString()}${s.symbol ? ` ${s.symbol}` : ''}`;

/**
 * Candles 0…i of a series, as views over the strategy's own copies of them: a view over the
 * caller's arrays would show the later candles through its `.buffer` (a look-ahead in a backtest,
 * whose arrays hold every candle) and let the module write the prices the backtest trades on. The
 * copies grow as candles are shown (each copied once, in order) and hold nothing past the newest
 * shown. One object per strategy, moved on each candle; a column's view is made when first read on
 * that candle (most strategies read one or two columns, and making all six every candle was most of
 * a backtest's time).
 */
class PrefixView implements CandleSeries {
  #s!: CandleSeries;
  #n = 0;
  /** Own copies of candles 0…#filled − 1 (the rest of each array is zeros). */
  #own: Record<CandleColumn, Float64Array> | null = null;
  #filled = 0;
  #time: Float64Array | null = null;
  #open: Float64Array | null = null;
  #high: Float64Array | null = null;
  #low: Float64Array | null = null;
  #close: Float64Array | null = null;
  #volume: Float64Array | null = null;
  #gaps: CandleSeries['gaps'] | null = null;

  /** Forgets the copies: the next candles are another series, or the same from candle 0 again. */
  reset(): void {
    this.#own = null;
    this.#filled = 0;
  }

  /** Shows candles 0…i of `s` (the same candles as before, and more: the caller resets otherwise). */
  at(s: CandleSeries, i: number): this {
    this.#s = s;
    this.#n = i + 1;
    if (this.#n > this.#filled) this.#copy(s, this.#n);
    this.#time = this.#open = this.#high = this.#low = this.#close = this.#volume = null;
    this.#gaps = null;
    return this;
  }

  #copy(s: CandleSeries, n: number): void {
    const cap = this.#own?.time.length ?? 0;
    if (this.#own === null || cap < n) {
      const grown = Math.max(n, Math.min(s.length, 2 * cap));
      const old = this.#own;
      this.#own = Object.fromEntries(
        CANDLE_COLUMNS.map((c) => {
          const a = new Float64Array(grown);
          if (old) a.set(old[c].subarray(0, this.#filled));
          return [c, a];
        }),
      ) as Record<CandleColumn, Float64Array>;
    }
    for (const c of CANDLE_COLUMNS) this.#own[c].set(s[c].subarray(this.#filled, n), this.#filled);
    this.#filled = n;
  }

  get symbol(): string | undefined {
    return this.#s.symbol;
  }
  get timeframeMs(): number {
    return this.#s.timeframeMs;
  }
  get source(): string {
    return this.#s.source;
  }
  get length(): number {
    return this.#n;
  }
  get time(): Float64Array {
    return (this.#time ??= this.#own!.time.subarray(0, this.#n));
  }
  get open(): Float64Array {
    return (this.#open ??= this.#own!.open.subarray(0, this.#n));
  }
  get high(): Float64Array {
    return (this.#high ??= this.#own!.high.subarray(0, this.#n));
  }
  get low(): Float64Array {
    return (this.#low ??= this.#own!.low.subarray(0, this.#n));
  }
  get close(): Float64Array {
    return (this.#close ??= this.#own!.close.subarray(0, this.#n));
  }
  get volume(): Float64Array {
    return (this.#volume ??= this.#own!.volume.subarray(0, this.#n));
  }
  get gaps(): CandleSeries['gaps'] {
    const all = this.#s.gaps;
    return (this.#gaps ??= all.length === 0 ? all : all.filter((g) => g.afterIndex + 1 < this.#n));
  }
}
