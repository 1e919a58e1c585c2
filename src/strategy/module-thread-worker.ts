/**
 * The worker thread of a {@link ModuleThread}: it loads the user's module (the same loader and
 * checks as in the main thread), answers `loaded` (or the load error), then one call at a time:
 * make a symbol's instance, or give an instance the candles it has not seen yet and answer a
 * candle. The answers and errors are ModuleStrategy's own, so they match a backtest's.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { CandleSeries } from '../data/candle-series.ts';
import { StrategyModuleError, messageOf } from './module-error.ts';
import { loadStrategyModule } from './module-loader.ts';
import { type LoadedModule, ModuleStrategy } from './module-strategy.ts';
import type { ModuleThreadCall, ModuleThreadError, ModuleThreadInit, ModuleThreadReply } from './module-thread.ts';

const init = workerData as ModuleThreadInit;
const port = parentPort!;

const errorOf = (e: unknown): ModuleThreadError =>
  e instanceof StrategyModuleError ? { file: e.file, line: e.line, problem: e.problem } : { file: init.config.path, line: undefined, problem: messageOf(e) };

/** The candles sent so far, in arrays that grow by doubling; one object per series, so ModuleStrategy sees it continue. */
class ThreadSeries implements CandleSeries {
  length = 0;
  readonly gaps: CandleSeries['gaps'] = [];
  #cap = 0;
  #cols: Float64Array[] = [];

  constructor(
    readonly symbol: string | undefined,
    readonly timeframeMs: number,
    readonly source: string,
  ) {}

  append(cols: readonly Float64Array[]): void {
    const n = this.length + cols[0]!.length;
    if (n > this.#cap) {
      this.#cap = Math.max(1024, 2 * n);
      this.#cols = cols.map((_, k) => {
        const a = new Float64Array(this.#cap);
        if (this.#cols[k]) a.set(this.#cols[k]!.subarray(0, this.length));
        return a;
      });
    }
    cols.forEach((c, k) => this.#cols[k]!.set(c, this.length));
    this.length = n;
  }

  get time(): Float64Array {
    return this.#cols[0]!.subarray(0, this.length);
  }
  get open(): Float64Array {
    return this.#cols[1]!.subarray(0, this.length);
  }
  get high(): Float64Array {
    return this.#cols[2]!.subarray(0, this.length);
  }
  get low(): Float64Array {
    return this.#cols[3]!.subarray(0, this.length);
  }
  get close(): Float64Array {
    return this.#cols[4]!.subarray(0, this.length);
  }
  get volume(): Float64Array {
    return this.#cols[5]!.subarray(0, this.length);
  }
}

/** One instance per symbol (per `key`), each with the series it is fed. */
const instances = new Map<number, { strategy: ModuleStrategy; series: ThreadSeries | null }>();
let loaded: LoadedModule;
try {
  loaded = await loadStrategyModule(init.config, init.baseDir);
  port.postMessage({ loaded: true });
} catch (e) {
  port.postMessage({ loadError: errorOf(e) });
}

const answer = (m: ModuleThreadCall): unknown => {
  if ('make' in m) {
    const strategy = new ModuleStrategy(loaded, init.leverage);
    instances.set(m.key, { strategy, series: null });
    return { name: strategy.name, warmup: strategy.warmup };
  }
  const inst = instances.get(m.key)!;
  if (m.reset) inst.series = new ThreadSeries(m.reset.symbol, m.reset.timeframeMs, m.reset.source);
  if (m.cols[0]!.length > 0) inst.series!.append(m.cols);
  return inst.strategy.onCandle(inst.series!, m.i);
};

port.on('message', (m: ModuleThreadCall) => {
  let reply: ModuleThreadReply;
  try {
    reply = { id: m.id, value: answer(m) };
  } catch (e) {
    reply = { id: m.id, error: errorOf(e) };
  }
  port.postMessage(reply);
});
