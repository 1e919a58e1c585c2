import ccxt from 'ccxt';
import { ExchangeError, type ExchangeErrorCode } from '../errors.ts';

/**
 * The only file that knows ccxt's error classes: maps them, and Binance's own codes inside their
 * messages, onto the bot's closed set (STYLE §8). `stateChanging`: the request creates or cancels
 * something, so a timeout or a dropped connection leaves its outcome unknown (R6.3, F4).
 */
const BY_BINANCE_CODE: Record<number, ExchangeErrorCode> = {
  [-1003]: 'rateLimited', // too many requests
  [-1015]: 'rateLimited', // too many new orders
  [-1021]: 'clockSkew', // timestamp outside recvWindow
  [-1022]: 'auth', // bad signature
  [-2014]: 'auth', // bad API key format
  [-2015]: 'auth', // invalid key, IP or permissions
  [-2018]: 'insufficientMargin', // balance insufficient
  [-2019]: 'insufficientMargin', // margin insufficient
  [-2027]: 'insufficientMargin', // exceeded max position at current leverage
  [-2028]: 'insufficientMargin', // leverage too high for the margin
  [-2022]: 'reduceOnlyRejected', // ReduceOnly order is rejected (F5)
  [-4118]: 'reduceOnlyRejected', // ReduceOnly order failed: budget of resting reduce-only orders (F6)
  [-4116]: 'duplicate', // ClientOrderId is duplicated
  [-2013]: 'notFound', // order does not exist
  [-2011]: 'notFound', // unknown order sent (cancel)
};

/** Binance: "-1007 Timeout waiting for response from backend server. Send status unknown". */
const UNKNOWN_OUTCOME_CODES = new Set([-1007, -1006]);

export function binanceCodeOf(message: string): number | null {
  const m = /"code"\s*:\s*(-?\d+)/.exec(message);
  return m ? Number(m[1]) : null;
}

export function toExchangeError(e: unknown, stateChanging: boolean, retryAfterHeader?: string | null): ExchangeError {
  if (e instanceof ExchangeError) return e;
  const message = e instanceof Error ? e.message : String(e);
  const code = binanceCodeOf(message);
  const retryAfterMs = retryAfterHeader != null && Number.isFinite(Number(retryAfterHeader)) ? Number(retryAfterHeader) * 1000 : null;
  const make = (c: ExchangeErrorCode) => new ExchangeError(c, message, code, c === 'rateLimited' ? retryAfterMs : null);
  if (code !== null && UNKNOWN_OUTCOME_CODES.has(code)) return make(stateChanging ? 'unknownOutcome' : 'transient');
  if (code !== null && BY_BINANCE_CODE[code]) return make(BY_BINANCE_CODE[code]!);
  const E = ccxt as unknown as Record<string, new (...a: never[]) => Error>;
  const is = (name: string) => typeof E[name] === 'function' && e instanceof E[name]!;
  if (is('RateLimitExceeded') || is('DDoSProtection')) return make('rateLimited');
  if (is('InvalidNonce')) return make('clockSkew');
  if (is('AuthenticationError')) return make('auth');
  if (is('InsufficientFunds')) return make('insufficientMargin');
  if (is('OrderNotFound')) return make('notFound');
  if (is('DuplicateOrderId')) return make('duplicate');
  // Timeouts, resets, 5xx: a state-changing request may have been executed.
  if (is('NetworkError') || is('ExchangeNotAvailable') || is('RequestTimeout')) return make(stateChanging ? 'unknownOutcome' : 'transient');
  if (is('BadResponse') || is('NullResponse')) return make(stateChanging ? 'unknownOutcome' : 'transient');
  return make('rejected');
}
