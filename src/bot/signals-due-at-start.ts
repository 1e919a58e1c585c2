import type { FileSignal } from '../strategy/signals-file.ts';

/**
 * The newest row of `symbol` in a signals file whose entry is the open of the candle forming at the
 * start (`formingOpenMs`): the first candle whose open is at or after its time opened before the bot
 * was there to ask, and the strategy is only asked about candles that close after the start, so the
 * row would be skipped in silence. The same time in two rows: the later line, as the strategy takes it.
 */
export function signalDueAtStart(signals: readonly FileSignal[], symbol: string, formingOpenMs: number, timeframeMs: number): FileSignal | null {
  let due: FileSignal | null = null;
  for (const s of signals) {
    if (s.symbol !== symbol || s.timeMs <= formingOpenMs - timeframeMs || s.timeMs > formingOpenMs) continue;
    if (due === null || s.timeMs >= due.timeMs) due = s;
  }
  return due;
}
