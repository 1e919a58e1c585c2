import type { ExchangePort } from '../exchange/port.ts';
import { type RetryPolicy, withRetry } from './retry.ts';

/** The port's reads: safe to send again, so a transient failure (5xx, timeout, 429) is retried with backoff (R6.4). */
const READS = ['markets', 'balance', 'position', 'openOrders', 'trades', 'candles', 'price'] as const;

/**
 * The exchange port with every read retried on transient failures (orders go through the
 * OrderRouter, which never re-sends one blindly). One 503 on a price read must not cost a polling
 * round, and a 429 waits for its Retry-After (the adapter's budget holds every call until then).
 */
export function withRetriedReads(ex: ExchangePort, retry: RetryPolicy): ExchangePort {
  const wrapped: Partial<Record<(typeof READS)[number], unknown>> = {};
  for (const name of READS) {
    const fn = ex[name] as (...a: unknown[]) => Promise<unknown>;
    wrapped[name] = (...args: unknown[]) => withRetry(() => fn.apply(ex, args), retry);
  }
  return new Proxy(ex, {
    get(target, prop, receiver) {
      if (typeof prop === 'string' && prop in wrapped) return wrapped[prop as (typeof READS)[number]];
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}
