/**
 * The closed set of exchange failures the bot acts on (STYLE §8). Adapters map every third-party
 * error onto one of these in a single file (`ccxt/errors.ts`).
 * - transient: a read that failed without a definitive answer (timeout, reset, any 5xx, -1000/-1001/
 *   -1006/-1007/-1008): retry
 * - rateLimited: 429/418, -1003 or -1015: wait `retryAfterMs` (Retry-After), then retry; a 418 is an
 *   IP ban (`ipBanned`): nothing of the process gets through before it ends, said once ([operate] 5)
 * - clockSkew: -1021 (or -5028, the matching engine's recvWindow): resync the time, then retry
 * - unknownOutcome: the same failures on a state-changing call (create/cancel): the request may have
 *   been executed, whatever class the client library gave it: look the order up by client id before
 *   sending anything again (R6.3, FAILURES.md L1)
 * - insufficientMargin: -2018 / -2019 / -2027 / -2028: never retry in a loop; alert (R6.5)
 * - reduceOnlyRejected: -2022 / -4118: the position is not what we think: re-sync, do not retry (F5, F6)
 * - duplicate: -4116: an order with this client id is already open: look it up
 * - notFound: -2013 / -2011: no such order
 * - rejected: any other definitive refusal (-2010, -2021, -4130, -4164, filters, a 4xx without a code): never retried
 * - auth: -1022 / -2014 / -2015: keys, signature or permissions
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

/**
 * A message without the request's signature: ccxt writes the whole signed URL into some errors (a 5xx
 * with an HTML body), and the message goes to the logs and the dashboard.
 */
export const withoutSignature = (message: string): string => message.replace(/([?&]signature=)[^&\s"']+/gi, '$1[redacted]');

export class ExchangeError extends Error {
  constructor(
    readonly code: ExchangeErrorCode,
    message: string,
    /** The exchange's own code (Binance: -2019 …) when it gave one. */
    readonly exchangeCode: number | null = null,
    readonly retryAfterMs: number | null = null,
    /** HTTP 418: the exchange banned this IP (for `retryAfterMs`) for requests after a 429. */
    readonly ipBanned: boolean = false,
  ) {
    super(withoutSignature(message));
    this.name = 'ExchangeError';
  }
}

/** Whether the same request may simply be sent again after a pause. */
export const isRetryable = (e: ExchangeError): boolean => e.code === 'transient' || e.code === 'rateLimited' || e.code === 'clockSkew';

/**
 * A definitive refusal of the request, not of the order in it: a rate limit, a timestamp outside
 * recvWindow, the API key refused (-2015 is also Binance's ban of an IP for minutes). Nothing was
 * executed and the same order may go out later: a stop is placed again (not replaced by a market
 * close, which would meet the same refusal), a close is never given up for it, an entry waits.
 */
export const refusedForTheRequest = (e: Pick<ExchangeError, 'code'>): boolean => e.code === 'rateLimited' || e.code === 'clockSkew' || e.code === 'auth';
