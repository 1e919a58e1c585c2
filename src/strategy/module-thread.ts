/**
 * A user's strategy module in a worker thread, for the paper and live bot. In the bot's one thread,
 * a module that never returns (an endless loop, a stuck computation) would freeze every symbol: no
 * fill read, no stop moved after a take-profit, no dashboard, no kill switch. In a thread it costs
 * only its own answers: a call not answered within `timeoutMs` ends the thread, and the module is
 * stopped for good, on every symbol (the same code, which the next candle may well hang again). That
 * call and every later one reject with the same error, so the bot alerts once and enters nothing
 * more from the module, while its positions are managed on.
 *
 * One thread per bot holds the module's instance of every symbol (a thread with tsx costs ~70 MB).
 * It runs the same loader and ModuleStrategy as a backtest (module-thread-worker.ts), so the
 * answers, the no-look-ahead view and the error messages (file and line) are the same.
 */
import { Worker } from 'node:worker_threads';
import { CANDLE_COLUMNS, type CandleSeries } from '../data/candle-series.ts';
import { StrategyModuleError } from './module-error.ts';
import { MODULE_LOAD_TIMEOUT_MS, type ModuleConfig } from './module-loader.ts';

export { MODULE_LOAD_TIMEOUT_MS };
import type { LiveStrategy, Signal } from './strategy.ts';
import { tsWorkerCode } from './ts-worker.ts';

/**
 * A candle the module takes longer than this to answer stops it (a live strategy answers a candle in
 * milliseconds). Timed per candle: a symbol's first call, which replays its history, may take longer in all.
 */
export const MODULE_CALL_TIMEOUT_MS = 10_000;

/** What the thread is started with (workerData). */
export interface ModuleThreadInit {
  readonly config: ModuleConfig;
  readonly baseDir: string | undefined;
}

/** A call to instance `key`: make it, or answer candle `i` after taking the candles it lacks (a new series first when `reset`). */
export type ModuleThreadCall =
  | { readonly id: number; readonly key: number; readonly make: true }
  | {
      readonly id: number;
      readonly key: number;
      readonly reset: { readonly symbol: string | undefined; readonly timeframeMs: number } | null;
      /** time, open, high, low, close, volume of the candles sent, in that order. */
      readonly cols: readonly Float64Array[];
      readonly i: number;
    };

/** A StrategyModuleError across the thread boundary. */
export interface ModuleThreadError {
  readonly file: string;
  readonly line: number | undefined;
  readonly problem: string;
}

/** The thread's answer to call `id`, or (`at`) the candle it is asking the module about now. */
export type ModuleThreadReply = { id: number; value: unknown } | { id: number; error: ModuleThreadError } | { id: number; at: number };

export interface ModuleThreadOptions {
  readonly baseDir?: string;
  readonly timeoutMs?: number;
  readonly loadTimeoutMs?: number;
}

type Listener = Parameters<Worker['off']>[1];
/** What a call that did not return within the time means: the module stopped while the bot runs on. */
const CALL_LATE = 'the module is stopped, no more entries from it until the bot restarts; open positions are still managed';
/** The same for create(), called for each symbol at the start: the bot does not start. */
const CREATE_LATE = 'an instance is made for each symbol at the start, within that time (keep heavy set-up at the top level, which has 60 s); the bot does not start';
const rebuilt = (e: ModuleThreadError) => new StrategyModuleError(e.file, e.line, e.problem);

export class ModuleThread {
  #stopped: StrategyModuleError | null = null;
  #pending: { id: number; resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout; at: number } | null = null;
  #queue: Promise<unknown> = Promise.resolve();
  #ids = 0;
  #keys = 0;

  private constructor(
    private readonly worker: Worker,
    readonly file: string,
    readonly timeoutMs: number,
  ) {
    worker.on('message', (m: ModuleThreadReply) => {
      const p = this.#pending;
      if (p === null || m.id !== p.id) return;
      if ('at' in m) {
        // The module answered the candle before this one: the timeout starts again for this one.
        p.at = m.at;
        p.timer.refresh();
        return;
      }
      this.#pending = null;
      clearTimeout(p.timer);
      if ('error' in m) p.reject(rebuilt(m.error));
      else p.resolve(m.value);
    });
    worker.on('error', (e) => this.#stop(`its thread failed: ${e.message}`));
    worker.on('exit', (code) => this.#stop(`its thread exited (code ${code})`));
  }

  /** Starts the thread and loads the module there; rejects with the loader's StrategyModuleError. */
  static async start(config: ModuleConfig, o: ModuleThreadOptions = {}): Promise<ModuleThread> {
    const init: ModuleThreadInit = { config, baseDir: o.baseDir };
    const worker = new Worker(tsWorkerCode(new URL('./module-thread-worker.ts', import.meta.url)), { eval: true, workerData: init });
    const loadMs = o.loadTimeoutMs ?? MODULE_LOAD_TIMEOUT_MS;
    // Only this function's own listeners go afterwards: Worker keeps internal ones (removeAllListeners would cut its message port).
    const listeners: [string, Listener][] = [];
    const on = <A extends unknown[]>(event: string, f: (...a: A) => void) => {
      listeners.push([event, f as unknown as Listener]);
      worker.once(event, f as unknown as Listener);
    };
    const off = () => {
      for (const [event, f] of listeners) worker.off(event, f);
    };
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new StrategyModuleError(config.path, undefined, `the strategy module did not load within ${loadMs / 1000} s (does its top level wait or loop?)`)), loadMs);
        on('message', (m: { loaded?: true; loadError?: ModuleThreadError }) => {
          clearTimeout(timer);
          if (m.loaded) resolve();
          else reject(rebuilt(m.loadError!));
        });
        on('error', (e: Error) => (clearTimeout(timer), reject(new StrategyModuleError(config.path, undefined, `the strategy module's thread failed while loading: ${e.message}`))));
        on('exit', (code: number) => (clearTimeout(timer), reject(new StrategyModuleError(config.path, undefined, `the strategy module's thread exited while loading (code ${code})`))));
      });
      off();
      worker.unref(); // never what keeps the process alive: the bot's loop does that
      return new ModuleThread(worker, config.path, o.timeoutMs ?? MODULE_CALL_TIMEOUT_MS);
    } catch (e) {
      off();
      await worker.terminate();
      throw e;
    }
  }

  /** Why the module is stopped, or null while it runs. */
  get stopped(): StrategyModuleError | null {
    return this.#stopped;
  }

  /** A new instance of the module (`create`) for one symbol; rejects as `create` fails in the main thread. */
  async strategy(): Promise<ThreadedModuleStrategy> {
    const key = ++this.#keys;
    // Made at the bot's start only (a replay makes its instance inside the candle's call): its time out stops the start.
    const made = (await this.call((id) => ({ id, key, make: true }), 'create()', '', CREATE_LATE)) as { name: string; warmup: number };
    return new ThreadedModuleStrategy(this, key, made.name, made.warmup);
  }

  /** Ends the thread (the bot stops). */
  async close(): Promise<void> {
    this.#stopped ??= new StrategyModuleError(this.file, undefined, 'the strategy module was closed');
    await this.worker.terminate();
  }

  /**
   * One call at a time; `fn` and `where` say what it was in the timeout's message (`where` is given
   * the candle the module was asked about when it fired, or -1 before any).
   */
  call(message: (id: number) => ModuleThreadCall, fn: string, where: string | ((candle: number) => string), late = CALL_LATE): Promise<unknown> {
    const run = this.#queue.then(() => this.#send(message(++this.#ids), fn, where, late));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  #send(m: ModuleThreadCall, fn: string, where: string | ((candle: number) => string), late: string): Promise<unknown> {
    if (this.#stopped) return Promise.reject(this.#stopped);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const at = this.#pending?.id === m.id ? this.#pending.at : -1;
        this.#stop(`${fn} did not return within ${this.timeoutMs / 1000} s${typeof where === 'function' ? where(at) : where}: ${late}`);
      }, this.timeoutMs);
      this.#pending = { id: m.id, resolve, reject, timer, at: -1 };
      this.worker.postMessage(m, 'cols' in m ? m.cols.map((c) => c.buffer as ArrayBuffer) : []);
    });
  }

  /** Stops the module for good: the thread ends, the call waiting (if any) and every later call reject with `problem`. */
  #stop(problem: string): void {
    if (this.#stopped !== null) return;
    const e = (this.#stopped = new StrategyModuleError(this.file, undefined, problem));
    const p = this.#pending;
    this.#pending = null;
    if (p) {
      clearTimeout(p.timer);
      p.reject(e);
    }
    void this.worker.terminate();
  }
}

/** One symbol's instance of a module in its {@link ModuleThread}. */
export class ThreadedModuleStrategy implements LiveStrategy {
  /** What the thread holds for this instance: the series it continues (symbol, first and last open time, count). */
  #sent: { symbol: string | undefined; timeframeMs: number; first: number; last: number; n: number } | null = null;

  constructor(
    private readonly thread: ModuleThread,
    private readonly key: number,
    readonly name: string,
    readonly warmup: number,
  ) {}

  /** Why the module is stopped on every symbol (its thread ended: a call hung), or null while it runs. */
  get stopped(): StrategyModuleError | null {
    return this.thread.stopped;
  }

  /** The module's answer for candle i of `series` (the bot's growing view of closed candles). */
  async onCandle(series: CandleSeries, i: number): Promise<Signal | null> {
    let fed = 0;
    const message = (id: number) => {
      const m = this.#delta(id, series, i);
      fed = m.cols[0]!.length;
      return m;
    };
    // Each candle is timed on its own (the thread says which one it is on), so a call that feeds many
    // (a symbol's first, with its history) stops only on a candle that takes too long: named, and
    // said to be one of the history's.
    const where = (at: number) => {
      const k = at >= 0 ? at : i;
      const when = ` on candle ${k} (${new Date(series.time[k] as number).toISOString()}${series.symbol ? ` ${series.symbol}` : ''})`;
      return k < i ? `${when}, while catching up on the ${fed} candles fed to answer candle ${i} (a symbol's first call replays its history)` : when;
    };
    return (await this.thread.call(message, 'onCandle', where)) as Signal | null;
  }

  /** The candles up to i the thread lacks: the rest of the series it holds, or the whole series again (a new one). */
  #delta(id: number, s: CandleSeries, i: number): Extract<ModuleThreadCall, { cols: unknown }> {
    const sent = this.#sent;
    const continues = sent !== null && s.symbol === sent.symbol && s.timeframeMs === sent.timeframeMs && s.length >= sent.n && s.time[0] === sent.first && s.time[sent.n - 1] === sent.last;
    const from = continues ? sent.n : 0;
    const to = Math.max(from, Math.min(i + 1, s.length));
    const cols = CANDLE_COLUMNS.map((k) => s[k].slice(from, to));
    if (to > 0) this.#sent = { symbol: s.symbol, timeframeMs: s.timeframeMs, first: s.time[0]!, last: s.time[to - 1]!, n: to };
    return { id, key: this.key, reset: continues ? null : { symbol: s.symbol, timeframeMs: s.timeframeMs }, cols, i };
  }
}
