/**
 * What a closed trade's record keeps on the heap, by part (issue 14 part 3): runs the engine on the
 * ten real 1h files, keeps every trade, then drops one field of every trade at a time (the plan, the
 * exits, …) and reads the heap after a full GC each time. Bytes per trade; measures, asserts nothing.
 * Parts shared between fields (an exit's client id is also its trade id) count where the last
 * reference goes. The backtest's closed trades are views of a columnar log (src/backtest/trade-log.ts)
 * with no fields of their own: for them only the total means something (heap and typed-array buffers). Usage: node --expose-gc --import tsx bench/trade-record-size.ts
 */
import { runBacktest } from '../src/backtest/engine.ts';
import type { Position } from '../src/core/model/position.ts';
import { loadCandles } from '../src/data/load-candles.ts';
import { SYMBOLS_1H, klineFile } from './paths.ts';
import { loadSetup, symbolInput } from './setup.ts';

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');
const setup = await loadSetup();
const trades: Array<Record<string, unknown>> = [];
for (const s of SYMBOLS_1H) {
  const candles = await loadCandles(klineFile(s, '1h'));
  const run = runBacktest([symbolInput(setup, candles, s)], setup.scaled);
  for (const t of run.trades) trades.push(t as Position as unknown as Record<string, unknown>);
}
// The heap and the typed arrays' buffers (a run's trade log keeps its columns there, off the heap).
const heap = () => {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};
const n = trades.length;
const all = heap();
let prev = all;
for (const field of ['appliedTradeIds', 'closing', 'stopMoves', 'tpLevelsHit', 'levels', 'partialExits', 'plan']) {
  // A field the record does not hold (the plan, planned again when read: closed-trade.ts) keeps nothing.
  for (const t of trades) if (Object.hasOwn(t, field)) t[field] = null;
  const now = heap();
  process.stdout.write(`${field}: ${((prev - now) / n).toFixed(0)} B/trade\n`);
  prev = now;
}
trades.length = 0;
const none = heap();
process.stdout.write(`the position's own fields: ${((prev - none) / n).toFixed(0)} B/trade\ntotal: ${((all - none) / n).toFixed(0)} B per closed trade over ${n} trades\n`);
