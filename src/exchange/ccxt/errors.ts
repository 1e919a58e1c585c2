import { ccxtErrors } from './ccxt-parts.ts';
import { ExchangeError, type ExchangeErrorCode } from '../errors.ts';

/**
 * The one table from ccxt/Binance failures to the bot's closed set (STYLE §8, issue 12 item 1,
 * FAILURES.md L1). The only file that knows ccxt's error classes.
 *
 * ccxt 4.5.84 loses facts we need: a Binance error with a `code` is raised as `binanceusdm {body}`
 * with no HTTP status, and its class depends on the URL (`-1001` is OperationFailed on
 * fapi.binance.com, ExchangeError elsewhere; `-1008` is OperationFailed, RateLimitExceeded or plain
 * ExchangeError). So the decision is made on the HTTP status and the Binance code first, read from the
 * facts the response tap (`http-tap.ts`) attaches to the error, and on the ccxt class only when there
 * are none (no response at all: timeouts, resets).
 */

/** What the response said, attached to a ccxt error by the tap (absent when no response arrived). */
export interface HttpFacts {
  readonly status: number;
  /** Raw response body text. */
  readonly body: string;
  /** Response headers as ccxt gives them (`Retry-After`, `X-Mbx-Used-Weight-1m`). */
  readonly headers: Readonly<Record<string, string>>;
}

const FACTS = Symbol.for('ladder.httpFacts');

export function attachHttpFacts(e: unknown, facts: HttpFacts): void {
  if (e && typeof e === 'object' && !(FACTS in e)) Object.defineProperty(e, FACTS, { value: facts, enumerable: false });
}

export function httpFactsOf(e: unknown): HttpFacts | undefined {
  return e && typeof e === 'object' ? ((e as Record<symbol, HttpFacts | undefined>)[FACTS] ?? undefined) : undefined;
}

/**
 * Binance codes whose request may have been executed ("execution status unknown"): an order call
 * that got one must be looked up by client id before anything is sent again (R6.3, L1).
 */
const UNKNOWN_OUTCOME_CODES: ReadonlySet<number> = new Set([
  -1000, // UNKNOWN: an unknown error occurred while processing the request
  -1001, // DISCONNECTED: internal error; unable to process your request
  -1006, // UNEXPECTED_RESP: unexpected response from the message bus, execution status unknown
  -1007, // TIMEOUT: timeout waiting for the backend, send and execution status unknown
  -1008, // SERVER_BUSY: overloaded (sent with 503; Binance may still have taken the order)
]);

/** Definitive answers: the request was judged and not executed (or, for notFound, nothing is there). */
const BY_BINANCE_CODE: Readonly<Record<number, ExchangeErrorCode>> = {
  [-1003]: 'rateLimited', // TOO_MANY_REQUESTS (request weight)
  [-1015]: 'rateLimited', // TOO_MANY_ORDERS
  [-1021]: 'clockSkew', // INVALID_TIMESTAMP: outside recvWindow
  [-5028]: 'clockSkew', // outside the matching engine's recvWindow (it lags under load): not executed, sent again
  [-1022]: 'auth', // INVALID_SIGNATURE
  [-2014]: 'auth', // BAD_API_KEY_FMT
  [-2015]: 'auth', // REJECTED_MBX_KEY: invalid key, IP or permissions
  [-2010]: 'rejected', // NEW_ORDER_REJECTED
  [-2021]: 'rejected', // ORDER_WOULD_IMMEDIATELY_TRIGGER
  [-4130]: 'rejected', // a closePosition stop in this direction already exists
  [-4164]: 'rejected', // MIN_NOTIONAL (not reduce-only)
  [-2018]: 'insufficientMargin', // BALANCE_NOT_SUFFICIENT
  [-2019]: 'insufficientMargin', // MARGIN_NOT_SUFFICIEN
  [-2027]: 'insufficientMargin', // MAX_LEVERAGE_RATIO: over the maximum position at this leverage
  [-2028]: 'insufficientMargin', // MIN_LEVERAGE_RATIO: leverage too small for the margin
  [-2022]: 'reduceOnlyRejected', // REDUCE_ONLY_REJECT (F5)
  [-4118]: 'reduceOnlyRejected', // REDUCE_ONLY_MARGIN_CHECK_FAILED: reduce-only budget used up (F6)
  [-4116]: 'duplicate', // DUPLICATED_CLIENT_ORDER_ID
  [-2013]: 'notFound', // NO_SUCH_ORDER
  [-2011]: 'notFound', // CANCEL_REJECTED: unknown order sent
};

/** ccxt's error classes, by name. */
const C = ccxtErrors;
const isA = (e: unknown, name: string): boolean => typeof C[name] === 'function' && e instanceof C[name]!;

/** Binance's `{"code":-2019,...}` inside a body or a ccxt message. */
export function binanceCodeOf(text: string): number | null {
  const m = /"code"\s*:\s*"?(-?\d+)/.exec(text);
  return m ? Number(m[1]) : null;
}

/**
 * The HTTP status in the two message shapes ccxt builds from a status: binance's handleErrors
 * (`binanceusdm 429 Too Many Requests …`) and handleHttpStatusCode (`binanceusdm GET <url> 503 …`).
 * Anchored, so a number inside a Binance `msg` is never read as a status.
 */
export function statusInMessage(message: string): number | null {
  const m = /^\S+ (?:(?:GET|POST|PUT|DELETE|PATCH) \S+ )?([1-5]\d\d) /.exec(message);
  return m ? Number(m[1]) : null;
}

function header(headers: Readonly<Record<string, string>> | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : headers[key];
}

/** `Retry-After` (whole seconds on Binance) in ms; null when absent or unreadable. */
export function retryAfterMsOf(headers: Readonly<Record<string, string>> | undefined): number | null {
  const v = header(headers, 'retry-after');
  const s = v === undefined ? NaN : Number(v);
  return Number.isFinite(s) && s >= 0 ? s * 1000 : null;
}

/**
 * How long a 429/418 asks us to wait, ms: its Retry-After; for a ban (418) without one (a proxy may
 * drop the header), the time in Binance's message, "IP(…) banned until 1700000000000". Null when
 * neither says.
 */
export function rateLimitWaitMsOf(facts: HttpFacts | undefined, nowMs: number): number | null {
  const header = retryAfterMsOf(facts?.headers);
  if (header !== null || facts?.status !== 418) return header;
  const m = /banned until (\d{12,})/.exec(facts.body);
  return m ? Math.max(0, Number(m[1]) - nowMs) : null;
}

/**
 * ccxt raises nothing for an error status missing from its `httpExceptions` (505, 524 from a CDN,
 * 599 …) when the body carries no Binance code: it returns the body as if it were the answer. The tap
 * raises this instead, in ccxt's own message shape, so the table sees the status.
 */
export function unlistedStatusError(id: string, method: string, url: string, status: number, reason: string, body: string): Error {
  const Cls = status >= 500 ? C['ExchangeNotAvailable']! : C['ExchangeError']!;
  return new (Cls as unknown as new (m: string) => Error)(`${id} ${method} ${url} ${status} ${reason} ${body}`);
}

/**
 * A 2xx whose body is not the answer (`http-tap.ts`): ccxt's BadResponse, a failure whose request may
 * have been executed (unknownOutcome on a write, transient on a read), with the start of the body.
 */
export function badResponseError(id: string, method: string, url: string, status: number, what: string, body: string): Error {
  return new (C['BadResponse'] as unknown as new (m: string) => Error)(`${id} ${method} ${url} ${status}: ${what}: ${body.slice(0, 120)}`);
}

export interface CallContext {
  /** The request creates or cancels something (an order, a stop, a leverage change). */
  readonly stateChanging: boolean;
}

/**
 * Maps any failure of a ccxt call. Precedence: 429/418/403 → rateLimited; any 5xx → unknownOutcome
 * (write) / transient (read), whatever the body says; the "status unknown" codes → the same; the
 * definitive codes table; a 4xx without a known code → rejected (auth for 401/407); with no response
 * at all, ccxt's class: network errors and timeouts → unknownOutcome / transient.
 */
export function toExchangeError(e: unknown, ctx: CallContext): ExchangeError {
  if (e instanceof ExchangeError) return e;
  const message = e instanceof Error ? e.message : String(e);
  const facts = httpFactsOf(e);
  const status = facts?.status ?? statusInMessage(message);
  const code = (facts ? binanceCodeOf(facts.body) : null) ?? binanceCodeOf(message);
  const unknown: ExchangeErrorCode = ctx.stateChanging ? 'unknownOutcome' : 'transient';
  const make = (c: ExchangeErrorCode): ExchangeError =>
    new ExchangeError(c, message, code, c === 'rateLimited' ? rateLimitWaitMsOf(facts, Date.now()) : null, status === 418);

  // 403: Binance's WAF limit (an HTML page, no code): refused before the API, like a 429.
  if (status === 429 || status === 418 || status === 403) return make('rateLimited');
  if (status !== null && status >= 500) return make(unknown);
  if (code !== null && UNKNOWN_OUTCOME_CODES.has(code)) return make(unknown);
  if (code !== null && BY_BINANCE_CODE[code] !== undefined) return make(BY_BINANCE_CODE[code]);
  if (status === 401 || status === 407) return make('auth');
  if (status === 408) return make(unknown);
  if (status !== null && status >= 400) return make('rejected');
  return make(byClass(e, unknown));
}

/** No status and no code: only ccxt's class says what happened. */
function byClass(e: unknown, unknown: ExchangeErrorCode): ExchangeErrorCode {
  if (isA(e, 'RateLimitExceeded') || isA(e, 'DDoSProtection')) return 'rateLimited';
  if (isA(e, 'InvalidNonce')) return 'clockSkew';
  // Timeouts, resets, refused connections, unparseable answers: the request may have been executed.
  if (isA(e, 'OperationFailed')) return unknown;
  if (isA(e, 'AuthenticationError')) return 'auth';
  if (isA(e, 'InsufficientFunds')) return 'insufficientMargin';
  if (isA(e, 'OrderNotFound')) return 'notFound';
  if (isA(e, 'DuplicateOrderId')) return 'duplicate';
  if (isA(e, 'BaseError')) return 'rejected';
  // Not from ccxt at all (a transport error it did not wrap): we cannot tell whether it was sent.
  return unknown;
}
