import ccxt from 'ccxt';
import { describe, expect, it } from 'vitest';
import { CcxtExchange } from '../../../src/exchange/ccxt/ccxt-exchange.ts';
import { toExchangeError } from '../../../src/exchange/ccxt/errors.ts';
import { WeightBudget } from '../../../src/exchange/ccxt/weight-budget.ts';
import type { ExchangeErrorCode } from '../../../src/exchange/errors.ts';
import { type Canned, type Hosts, READ, WRITE, cannedBinance } from './ccxt-errors.ts';

/**
 * The outcomes table code by code (issue 12 item 1, FAILURES.md L1), on errors raised by ccxt 4.5.84's
 * own response handling. The class ccxt picks differs with the host (its `linear` map applies only to
 * fapi.binance.com) and is given here as found; the outcome must not depend on it.
 */
const json = (code: number, msg = 'msg'): string => JSON.stringify({ code, msg });
const HTML = '<html><body><h1>Service unavailable</h1></body></html>';

type Row = readonly [name: string, canned: Canned, classes: { fapi: string; local: string }, write: ExchangeErrorCode, read: ExchangeErrorCode];
const same = (c: string) => ({ fapi: c, local: c });

const ROWS: Row[] = [
  // Execution status unknown: any 5xx, the -100x family, no answer at all.
  ['500 -1001 internal error', { status: 500, body: json(-1001) }, same('OperationFailed'), 'unknownOutcome', 'transient'],
  ['503 -1001', { status: 503, body: json(-1001) }, same('OperationFailed'), 'unknownOutcome', 'transient'],
  ['503 -1008 server busy', { status: 503, body: json(-1008) }, { fapi: 'OperationFailed', local: 'ExchangeError' }, 'unknownOutcome', 'transient'],
  ['400 -1008', { status: 400, body: json(-1008) }, { fapi: 'OperationFailed', local: 'ExchangeError' }, 'unknownOutcome', 'transient'],
  ['500 -1000 unknown error', { status: 500, body: json(-1000) }, same('OperationFailed'), 'unknownOutcome', 'transient'],
  ['400 -1000', { status: 400, body: json(-1000) }, same('OperationFailed'), 'unknownOutcome', 'transient'],
  ['400 -1006 message bus', { status: 400, body: json(-1006) }, same('OperationFailed'), 'unknownOutcome', 'transient'],
  ['408 -1007 backend timeout', { status: 408, body: json(-1007) }, same('RequestTimeout'), 'unknownOutcome', 'transient'],
  ['503 -1007', { status: 503, body: json(-1007) }, same('RequestTimeout'), 'unknownOutcome', 'transient'],
  ['500 HTML', { status: 500, body: HTML }, same('ExchangeNotAvailable'), 'unknownOutcome', 'transient'],
  ['502 HTML', { status: 502, body: HTML }, same('ExchangeNotAvailable'), 'unknownOutcome', 'transient'],
  ['503 HTML', { status: 503, body: HTML }, same('ExchangeNotAvailable'), 'unknownOutcome', 'transient'],
  ['504 HTML', { status: 504, body: HTML }, same('RequestTimeout'), 'unknownOutcome', 'transient'],
  ['524 HTML (a CDN timeout: no ccxt entry)', { status: 524, body: HTML }, same('ExchangeNotAvailable'), 'unknownOutcome', 'transient'],
  ['503 with a definitive code in the body', { status: 503, body: json(-2010) }, same('InvalidOrder'), 'unknownOutcome', 'transient'],
  ['client timeout', { network: 'timeout' }, same('RequestTimeout'), 'unknownOutcome', 'transient'],
  ['connection reset', { network: 'reset' }, same('NetworkError'), 'unknownOutcome', 'transient'],
  ['transport error ccxt did not wrap', { network: 'raw' }, same('Error'), 'unknownOutcome', 'transient'],
  // Rate limits.
  ['429 -1003', { status: 429, body: json(-1003), headers: { 'Retry-After': '7' } }, same('DDoSProtection'), 'rateLimited', 'rateLimited'],
  ['429 -1015 too many orders', { status: 429, body: json(-1015), headers: { 'Retry-After': '3' } }, same('DDoSProtection'), 'rateLimited', 'rateLimited'],
  ['418 banned', { status: 418, body: json(-1003), headers: { 'Retry-After': '120' } }, same('DDoSProtection'), 'rateLimited', 'rateLimited'],
  ['400 -1003 (no 429 status)', { status: 400, body: json(-1003) }, same('RateLimitExceeded'), 'rateLimited', 'rateLimited'],
  // Definitive answers.
  ['400 -2010 new order rejected', { status: 400, body: json(-2010) }, same('InvalidOrder'), 'rejected', 'rejected'],
  ['400 -2010 symbol not permitted (ccxt matches the message)', { status: 400, body: json(-2010, 'This symbol is not permitted for this account.') }, same('PermissionDenied'), 'rejected', 'rejected'],
  ['400 -2010 MAX_POSITION (ccxt matches a word)', { status: 400, body: json(-2010, 'Filter failure: MAX_POSITION') }, same('BadRequest'), 'rejected', 'rejected'],
  ['400 -1013 LOT_SIZE', { status: 400, body: json(-1013, 'Filter failure: LOT_SIZE') }, same('InvalidOrder'), 'rejected', 'rejected'],
  ['400 -2021 would immediately trigger', { status: 400, body: json(-2021) }, { fapi: 'OrderImmediatelyFillable', local: 'ExchangeError' }, 'rejected', 'rejected'],
  ['400 -4164 notional', { status: 400, body: json(-4164) }, { fapi: 'InvalidOrder', local: 'ExchangeError' }, 'rejected', 'rejected'],
  ['400 -4130 closePosition stop exists', { status: 400, body: json(-4130) }, same('ExchangeError'), 'rejected', 'rejected'],
  ['400 -2019 margin', { status: 400, body: json(-2019) }, { fapi: 'InsufficientFunds', local: 'ExchangeError' }, 'insufficientMargin', 'insufficientMargin'],
  ['400 -2018 balance', { status: 400, body: json(-2018) }, { fapi: 'InsufficientFunds', local: 'ExchangeError' }, 'insufficientMargin', 'insufficientMargin'],
  ['400 -2027 max position at leverage', { status: 400, body: json(-2027) }, { fapi: 'OperationRejected', local: 'ExchangeError' }, 'insufficientMargin', 'insufficientMargin'],
  ['400 -2028 leverage too small', { status: 400, body: json(-2028) }, { fapi: 'OperationRejected', local: 'ExchangeError' }, 'insufficientMargin', 'insufficientMargin'],
  ['400 -2022 reduce-only rejected', { status: 400, body: json(-2022) }, { fapi: 'InvalidOrder', local: 'ExchangeError' }, 'reduceOnlyRejected', 'reduceOnlyRejected'],
  ['400 -4118 reduce-only budget', { status: 400, body: json(-4118) }, { fapi: 'OperationRejected', local: 'ExchangeError' }, 'reduceOnlyRejected', 'reduceOnlyRejected'],
  ['400 -4116 duplicate client id', { status: 400, body: json(-4116) }, { fapi: 'InvalidOrder', local: 'ExchangeError' }, 'duplicate', 'duplicate'],
  ['400 -2013 no such order', { status: 400, body: json(-2013) }, same('OrderNotFound'), 'notFound', 'notFound'],
  ['400 -2011 unknown order sent', { status: 400, body: json(-2011) }, same('OrderNotFound'), 'notFound', 'notFound'],
  ['400 -1021 timestamp outside recvWindow', { status: 400, body: json(-1021) }, same('InvalidNonce'), 'clockSkew', 'clockSkew'],
  ['400 -5028 outside the matching engine recvWindow', { status: 400, body: json(-5028) }, { fapi: 'BadRequest', local: 'InvalidOrder' }, 'clockSkew', 'clockSkew'],
  ['400 -1022 signature', { status: 400, body: json(-1022) }, same('AuthenticationError'), 'auth', 'auth'],
  ['401 -2014 key format', { status: 401, body: json(-2014) }, same('AuthenticationError'), 'auth', 'auth'],
  ['401 -2015 key, IP or permissions', { status: 401, body: json(-2015) }, same('AuthenticationError'), 'auth', 'auth'],
  ['401 HTML', { status: 401, body: HTML }, same('AuthenticationError'), 'auth', 'auth'],
  ['403 WAF limit (no code)', { status: 403, body: HTML }, same('ExchangeNotAvailable'), 'rateLimited', 'rateLimited'],
  ['404 (no code)', { status: 404, body: HTML }, same('ExchangeNotAvailable'), 'rejected', 'rejected'],
  ['431 (no code, no ccxt entry)', { status: 431, body: 'Request Header Fields Too Large' }, same('ExchangeError'), 'rejected', 'rejected'],
];

async function raised(hosts: Hosts, canned: Canned, call: typeof WRITE): Promise<unknown> {
  const ex = cannedBinance(hosts);
  // The adapter installs its response tap on the instance (the facts the table reads come from it).
  new CcxtExchange(ex, { budget: new WeightBudget({ clock: { nowMs: () => 0, sleep: async () => undefined } }) });
  ex.next = canned;
  try {
    await call(ex);
  } catch (e) {
    return e;
  }
  throw new Error('the canned call did not fail');
}

describe('outcomes table (ccxt/errors.ts), code by code', () => {
  for (const hosts of ['fapi.binance.com', 'localhost'] as const) {
    describe(`on ${hosts}`, () => {
      for (const [name, canned, classes, write, read] of ROWS) {
        it(`${name}: write ${write}, read ${read}`, async () => {
          const w = await raised(hosts, canned, WRITE);
          const cls = hosts === 'localhost' ? classes.local : classes.fapi;
          expect((w as Error).constructor.name).toBe(cls);
          const mappedWrite = toExchangeError(w, { stateChanging: true });
          expect(mappedWrite.code).toBe(write);
          const r = await raised(hosts, canned, READ);
          const mappedRead = toExchangeError(r, { stateChanging: false });
          expect(mappedRead.code).toBe(read);
          // The message goes to the logs and the dashboard: never the request's signature (a GET's is in its URL).
          for (const m of [mappedWrite, mappedRead]) expect(m.message).not.toMatch(/signature=(?!\[redacted\])/);
          if (name === '503 HTML') expect((r as Error).message).toMatch(/signature=[0-9a-f]{64}/); // ccxt's own message has it
          if ('body' in canned) expect(mappedWrite.exchangeCode).toBe(/"code"/.test(canned.body) ? JSON.parse(canned.body).code : null);
          const retryAfter = 'headers' in canned ? canned.headers?.['Retry-After'] : undefined;
          expect(mappedWrite.retryAfterMs).toBe(retryAfter === undefined ? null : Number(retryAfter) * 1000);
        });
      }
    });
  }

  describe('without the tap (the message is all there is)', () => {
    it('reads the status ccxt writes into 429/418 and status-code messages', () => {
      const e429 = new ccxt.DDoSProtection('binanceusdm 429 Too Many Requests {"code":-1003,"msg":"Too many requests."}');
      expect(toExchangeError(e429, { stateChanging: true })).toMatchObject({ code: 'rateLimited', exchangeCode: -1003, retryAfterMs: null });
      const e503 = new ccxt.ExchangeNotAvailable(`binanceusdm GET https://fapi.binance.com/fapi/v1/order 503 Service Unavailable ${HTML}`);
      expect(toExchangeError(e503, { stateChanging: true }).code).toBe('unknownOutcome');
      expect(toExchangeError(e503, { stateChanging: false }).code).toBe('transient');
      const e400 = new ccxt.ExchangeNotAvailable(`binanceusdm GET https://fapi.binance.com/fapi/v1/order 400 Bad Request ${HTML}`);
      expect(toExchangeError(e400, { stateChanging: true }).code).toBe('rejected');
    });

    it('never takes a number in a Binance message for a status', () => {
      const e = new ccxt.ExchangeError('binanceusdm {"code":-1015,"msg":"Too many new orders; current limit is 500 orders per 10 SECOND."}');
      expect(toExchangeError(e, { stateChanging: true }).code).toBe('rateLimited');
    });

    it('a code ccxt dropped from the message (matched by msg) falls back to the class', () => {
      const e = new ccxt.PermissionDenied('binanceusdm This symbol is not permitted for this account.');
      expect(toExchangeError(e, { stateChanging: true }).code).toBe('auth');
    });
  });
});
