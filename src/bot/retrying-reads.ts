import type { ExchangePort } from '../exchange/port.ts';
import { type RetryPolicy, askingAgain, withRetry } from './retry.ts';

/** The port's reads: safe to send again, so a transient failure (5xx, timeout, 429) is retried with backoff (R6.4). */
const READS = ['markets', 'balance', 'position', 'openOrders', 'trades', 'candles', 'price'] as const;

/**
 * The exchange port with every read retried on transient failures (orders go through the
 * OrderRouter, which never re-sends one blindly). One 503 on a price read must not cost a polling
 * round, and a 429 waits for its Retry-After (the adapter's budget holds every call until then).
 * `cycled`: the bot's reads, asked again at its next cycle: one that timed out is not tried again inside
 * the call (askingAgain), where five timeouts in a row held every symbol's cycle for minutes; not the
 * markets read (start-up and the filters' refresh have nothing to go on without it).
 */
export function withRetriedReads(ex: ExchangePort, retry: RetryPolicy, cycled = false): ExchangePort {
  const wrapped: Partial<Record<(typeof READS)[number], unknown>> = {};
  for (const name of READS) {
    const fn = ex[name] as (...a: unknown[]) => Promise<unknown>;
    const policy = cycled && name !== 'markets' ? askingAgain(retry) : retry;
    wrapped[name] = (...args: unknown[]) => withRetry(() => fn.apply(ex, args), policy);
  }
  return new Proxy(ex, {
    get(target, prop, receiver) {
      if (typeof prop === 'string' && prop in wrapped) return wrapped[prop as (typeof READS)[number]];
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}
