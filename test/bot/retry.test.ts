import { describe, expect, it } from 'vitest';
import { type RetryPolicy, withRetry } from '../../src/bot/retry.ts';
import { ExchangeError } from '../../src/exchange/errors.ts';

const policy = (slept: number[], extra: Partial<RetryPolicy> = {}): RetryPolicy => ({
  attempts: 4,
  baseDelayMs: 100,
  maxDelayMs: 1000,
  sleep: async (ms) => void slept.push(ms),
  ...extra,
});

function failing(errors: ExchangeError[]): () => Promise<string> {
  let i = 0;
  return async () => {
    if (i < errors.length) throw errors[i++]!;
    return 'ok';
  };
}

describe('withRetry (R6.4)', () => {
  it('retries transient failures with exponential backoff', async () => {
    const slept: number[] = [];
    const r = await withRetry(failing([new ExchangeError('transient', '503'), new ExchangeError('transient', 'reset')]), policy(slept));
    expect(r).toBe('ok');
    expect(slept).toEqual([100, 200]);
  });

  it('honours Retry-After on 429', async () => {
    const slept: number[] = [];
    await withRetry(failing([new ExchangeError('rateLimited', '429', -1003, 7000)]), policy(slept));
    expect(slept).toEqual([7000]);
  });

  it('does not wait out a Retry-After longer than maxRetryAfterMs (a 418 ban of hours): the caller gets it', async () => {
    const slept: number[] = [];
    await expect(withRetry(failing([new ExchangeError('rateLimited', '418', -1003, 7_200_000, true)]), policy(slept))).rejects.toMatchObject({ code: 'rateLimited', retryAfterMs: 7_200_000 });
    expect(slept).toEqual([]);
  });

  it('takes no retry whose wait would end after its deadline (an entry past its max lag): the caller gets the failure; one that ends before it is taken', async () => {
    const slept: number[] = [];
    let now = 1_000;
    const deadline = { atMs: 8_000, now: () => now };
    await expect(withRetry(failing([new ExchangeError('rateLimited', '429', -1003, 7500)]), policy(slept, { deadline }))).rejects.toMatchObject({ code: 'rateLimited' });
    expect(slept).toEqual([]);
    now = 500; // 500 + 7,500 ends at the deadline: waited
    expect(await withRetry(failing([new ExchangeError('rateLimited', '429', -1003, 7500)]), policy(slept, { deadline }))).toBe('ok');
    expect(slept).toEqual([7500]);
  });

  it('with slowFailureMs, does not retry a failure that took longer to come back (a timeout); a quick one is retried', async () => {
    const slept: number[] = [];
    const slow = async (): Promise<string> => {
      await new Promise((r) => setTimeout(r, 60));
      throw new ExchangeError('transient', 'timed out');
    };
    await expect(withRetry(slow, policy(slept, { slowFailureMs: 30 }))).rejects.toMatchObject({ code: 'transient' });
    expect(slept).toEqual([]);
    expect(await withRetry(failing([new ExchangeError('transient', '503')]), policy(slept, { slowFailureMs: 30 }))).toBe('ok');
    expect(slept).toEqual([100]);
  });

  it('resyncs the clock before retrying -1021', async () => {
    const slept: number[] = [];
    let resynced = 0;
    await withRetry(failing([new ExchangeError('clockSkew', 'ts', -1021)]), policy(slept, { onClockSkew: async () => void resynced++ }));
    expect(resynced).toBe(1);
  });

  it('never retries a rejection, a margin error or an unknown outcome', async () => {
    for (const code of ['rejected', 'insufficientMargin', 'unknownOutcome', 'reduceOnlyRejected'] as const) {
      const slept: number[] = [];
      await expect(withRetry(failing([new ExchangeError(code, code)]), policy(slept))).rejects.toMatchObject({ code });
      expect(slept).toEqual([]);
    }
  });

  it('gives up after the last attempt', async () => {
    const slept: number[] = [];
    const errs = Array.from({ length: 5 }, () => new ExchangeError('transient', 'x'));
    await expect(withRetry(failing(errs), policy(slept))).rejects.toMatchObject({ code: 'transient' });
    expect(slept).toEqual([100, 200, 400]);
  });
});
