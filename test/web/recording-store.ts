import type { Store } from '../../src/store/index.ts';

/**
 * The real store, each method call noted by name in `calls` (nothing stands in for it): a test of
 * what a view reads, e.g. that it never reads the whole trade history.
 */
export function recordingStore(real: Store, calls: string[]): Store {
  return new Proxy(real, {
    get(target, key, receiver) {
      const v = Reflect.get(target, key, receiver) as unknown;
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => {
        calls.push(String(key));
        return (v as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

/**
 * The most calls `recordingStore` noted within one turn of the event loop, from now until `stop()`:
 * how much a view read without giving the loop back (the dashboard runs in the bot's process).
 */
export function mostCallsPerTurn(calls: readonly string[]): { stop: () => number } {
  let seen = calls.length;
  let most = 0;
  let counting = true;
  const tick = (): void => {
    most = Math.max(most, calls.length - seen);
    seen = calls.length;
    if (counting) setImmediate(tick);
  };
  setImmediate(tick);
  return {
    stop: () => {
      counting = false;
      tick();
      return most;
    },
  };
}

/** `work`'s value and the turns the event loop took while it ran: none if it held the loop to the end. */
export async function turnsDuring<T>(work: () => Promise<T>): Promise<{ value: T; turns: number }> {
  let turns = 0;
  let counting = true;
  const count = (): void => {
    if (!counting) return;
    turns++;
    setImmediate(count);
  };
  setImmediate(count);
  try {
    return { value: await work(), turns };
  } finally {
    counting = false;
  }
}
