import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * How long the requests made inside `fn` may wait before they leave: an entry must not go out after
 * webhook.max_lag_s, and a rate-limit gate (a 429's block from another program on this IP, the weight
 * window nearly spent) would otherwise hold its order inside the call and send it late, sized at a
 * price read before. A gate that would hold a request longer fails it at once instead (nothing is
 * sent). Time is the process's monotonic clock, so a bot clock set off the wall's does not move it.
 */
const leaveBy = new AsyncLocalStorage<number>();

export function withSendDeadline<T>(msLeft: number, fn: () => Promise<T>): Promise<T> {
  return leaveBy.run(performance.now() + msLeft, fn);
}

/** The time the current request may still wait to leave (Infinity outside withSendDeadline). */
export function sendTimeLeftMs(): number {
  const at = leaveBy.getStore();
  return at === undefined ? Infinity : at - performance.now();
}
