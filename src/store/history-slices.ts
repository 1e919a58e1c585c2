import type { Store } from './open-store.ts';
import type { HistoryQuery } from './records.ts';

/**
 * Work between two yields to the event loop, ms. The dashboard and the Telegram commands run in the
 * bot's process: reading or replaying a long store (1,500 trades replayed cost ~2.5 s, 10,000 read
 * ~1 s) must not hold the bot's price polls and order calls for that long.
 */
export const SLICE_MS = 20;

/** The next turn of the event loop: what a slice of work gives back. */
export const nextTurn = (): Promise<void> => new Promise<void>((r) => setImmediate(r));

/**
 * `read` of every trade History's filters match, in History's order (entry time, then id), a slice at a
 * time: the ids from the indexed columns (historyIndex, newest first), then one read each, giving the
 * event loop back every SLICE_MS. A read answering null (the row went away) is left out.
 */
export async function readHistoryInSlices<T>(store: Store, q: HistoryQuery, read: (positionId: string) => T | null): Promise<T[]> {
  const { ids } = store.historyIndex({ ...(q.symbol !== undefined ? { symbol: q.symbol } : {}), ...(q.fromMs !== undefined ? { fromMs: q.fromMs } : {}), ...(q.toMs !== undefined ? { toMs: q.toMs } : {}) });
  const out: T[] = [];
  let sliceStart = performance.now();
  for (let i = ids.length - 1; i >= 0; i--) {
    if (performance.now() - sliceStart > SLICE_MS) {
      await nextTurn();
      sliceStart = performance.now();
    }
    const x = read(ids[i]!);
    if (x !== null) out.push(x);
  }
  return out;
}
