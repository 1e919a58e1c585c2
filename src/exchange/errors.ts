/**
 * The closed set of exchange failures the bot acts on (STYLE §8). Adapters map every third-party
 * error onto one of these in a single file (`ccxt/errors.ts`).
 * - transient: timeout before sending, 5xx, connection refused/reset before the request left: retry
 * - rateLimited: 429/418 or -1003: wait `retryAfterMs`, then retry
 * - clockSkew: -1021: resync the time, then retry
 * - unknownOutcome: the request may have reached the exchange (timeout after send): look the order
 *   up by client id before sending anything again (R6.3)
 * - insufficientMargin: -2019 and friends: never retry in a loop; alert (R6.5)
 * - reduceOnlyRejected: -2022 / -4118: the position is not what we think: re-sync, do not retry (F5, F6)
 * - duplicate: -4116: an order with this client id is already open: look it up
 * - notFound: -2013 / -2011: no such order
 * - rejected: any other definitive refusal (bad parameters, filters): never retried
 * - auth: -1022 / -2015: keys, signature or permissions
 */
export type ExchangeErrorCode =
  | 'transient'
  | 'rateLimited'
  | 'clockSkew'
  | 'unknownOutcome'
  | 'insufficientMargin'
  | 'reduceOnlyRejected'
  | 'duplicate'
  | 'notFound'
  | 'rejected'
  | 'auth';

export class ExchangeError extends Error {
  constructor(
    readonly code: ExchangeErrorCode,
    message: string,
    /** The exchange's own code (Binance: -2019 …) when it gave one. */
    readonly exchangeCode: number | null = null,
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
    this.name = 'ExchangeError';
  }
}

/** Whether the same request may simply be sent again after a pause. */
export const isRetryable = (e: ExchangeError): boolean => e.code === 'transient' || e.code === 'rateLimited' || e.code === 'clockSkew';
