import { ExchangeError, isRetryable } from '../exchange/errors.ts';

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Waits (injected so tests and the simulator's clock need not sleep for real). */
  readonly sleep: (ms: number) => Promise<void>;
  /** Called before retrying after -1021 (resync the exchange clock). */
  readonly onClockSkew?: () => Promise<void>;
  readonly onRetry?: (e: ExchangeError, attempt: number, delayMs: number) => void;
  /** Which failures are retried (default `isRetryable`); a caller that knows its call is safe to repeat (a cancel) widens it. */
  readonly retryable?: (e: ExchangeError) => boolean;
  /**
   * A rate limit asking for a longer wait than this (an IP ban, 418: minutes to days) is not waited
   * out here: the failure goes to the caller, and the bot's loop waits (default 65 s, the longest
   * Retry-After of a 429 on Binance's minute windows).
   */
  readonly maxRetryAfterMs?: number;
  /**
   * No retry whose wait would end after this time (on `now`'s clock): the failure goes to the caller.
   * An entry must not go out after webhook.max_lag_s (a 429's Retry-After waited out four times would
   * send it minutes late, sized at a price read before).
   */
  readonly deadline?: { readonly atMs: number; readonly now: () => number };
  /**
   * A failure that took longer than this to come back (ms, the process's monotonic clock) is not
   * retried here: the exchange did not answer within the client's timeout, and four more waits as long
   * would hold the caller, and every symbol stepped after it, for minutes. Set by callers that ask
   * again on their own (order look-ups).
   */
  readonly slowFailureMs?: number;
}

/**
 * A failure that came back only after this long (no answer within the client's timeout) is not retried
 * inside a call whose caller asks again on its own: an order look-up (an order in doubt with back-off; a
 * stop the open orders list does not show is placed again), a read of the bot's cycle (the next cycle
 * reads again). Five timeouts in a row held the cycle, and every symbol stepped after it, for minutes (ms).
 */
export const SLOW_FAILURE_MS = 2_000;

/** `p` for a call whose caller asks again on its own: a timed-out try is not repeated inside it. */
export const askingAgain = (p: RetryPolicy): RetryPolicy => ({ ...p, slowFailureMs: p.slowFailureMs ?? SLOW_FAILURE_MS });

export const DEFAULT_MAX_RETRY_AFTER_MS = 65_000;

export const realSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 250, maxDelayMs: 10_000, sleep: realSleep };

/**
 * R6.4: retry transient failures with exponential backoff, honour Retry-After on 429 (a longer one,
 * a 418 ban, is the caller's: `maxRetryAfterMs`), resync the
 * clock on -1021; never retry a definitive rejection, a margin error (R6.5), or an unknown outcome —
 * that one is the caller's to resolve by client order id before anything is sent again (R6.3).
 */
export async function withRetry<T>(fn: () => Promise<T>, p: RetryPolicy = DEFAULT_RETRY): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const startedAt = performance.now();
    try {
      return await fn();
    } catch (e) {
      if (!(e instanceof ExchangeError) || !(p.retryable ?? isRetryable)(e) || attempt >= p.attempts) throw e;
      if (p.slowFailureMs !== undefined && performance.now() - startedAt > p.slowFailureMs) throw e;
      if (e.code === 'rateLimited' && e.retryAfterMs !== null && e.retryAfterMs > (p.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS)) throw e;
      const backoff = Math.min(p.maxDelayMs, p.baseDelayMs * 2 ** (attempt - 1));
      const delay = e.code === 'rateLimited' && e.retryAfterMs !== null ? Math.max(e.retryAfterMs, backoff) : backoff;
      if (p.deadline !== undefined && p.deadline.now() + delay > p.deadline.atMs) throw e;
      p.onRetry?.(e, attempt, delay);
      if (e.code === 'clockSkew') await p.onClockSkew?.();
      await p.sleep(delay);
    }
  }
}
