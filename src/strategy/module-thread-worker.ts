/**
 * The worker thread of a {@link ModuleThread}: it loads the user's module (the same loader and
 * checks as in the main thread), answers `loaded` (or the load error), then one call at a time:
 * make a symbol's instance, or give an instance the candles it has not seen yet and answer a
 * candle. The answers and errors are ModuleStrategy's own, so they match a backtest's.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { LiveCandles } from '../data/live-candles.ts';
import { StrategyModuleError, messageOf } from './module-error.ts';
import { loadStrategyModule } from './module-loader.ts';
import { type LoadedModule, ModuleStrategy } from './module-strategy.ts';
import type { ModuleThreadCall, ModuleThreadError, ModuleThreadInit, ModuleThreadReply } from './module-thread.ts';

const init = workerData as ModuleThreadInit;
const port = parentPort!;

const errorOf = (e: unknown): ModuleThreadError =>
  e instanceof StrategyModuleError ? { file: e.file, line: e.line, problem: e.problem } : { file: init.config.path, line: undefined, problem: messageOf(e) };

/** One instance per symbol (per `key`), each with the series it is fed. */
const instances = new Map<number, { strategy: ModuleStrategy; candles: LiveCandles | null }>();
let loaded: LoadedModule;
try {
  loaded = await loadStrategyModule(init.config, init.baseDir);
  port.postMessage({ loaded: true });
} catch (e) {
  port.postMessage({ loadError: errorOf(e) });
}

/** The call being answered: each candle the module is asked about is told to the caller (it times each one). */
let calling = 0;
const started = (candle: number) => port.postMessage({ id: calling, at: candle } satisfies ModuleThreadReply);

const answer = (m: ModuleThreadCall): unknown => {
  if ('make' in m) {
    const strategy = new ModuleStrategy(loaded);
    strategy.onCandleStart = started;
    instances.set(m.key, { strategy, candles: null });
    return { name: strategy.name, warmup: strategy.warmup };
  }
  const inst = instances.get(m.key)!;
  // The bot's own growing series (a new one for a new series): the module sees what it would see in the bot's thread.
  if (m.reset) inst.candles = new LiveCandles(m.reset.symbol ?? '', m.reset.timeframeMs);
  const [time, open, high, low, close, volume] = m.cols as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
  const symbol = inst.candles!.symbol;
  inst.candles!.append(Array.from(time, (t, k) => ({ symbol, openTimeMs: t, open: open[k]!, high: high[k]!, low: low[k]!, close: close[k]!, volume: volume[k]! })));
  return inst.strategy.onCandle(inst.candles!.series(), m.i);
};

port.on('message', (m: ModuleThreadCall) => {
  let reply: ModuleThreadReply;
  calling = m.id;
  try {
    reply = { id: m.id, value: answer(m) };
  } catch (e) {
    reply = { id: m.id, error: errorOf(e) };
  }
  port.postMessage(reply);
});
