import ccxt, { type Exchange } from 'ccxt';
import { ccxtForSimulator } from '../../../src/sim/ccxt-client.ts';

/**
 * Errors made by ccxt's own code, not by hand: a binanceusdm instance whose `fetch` hands a canned
 * HTTP response to ccxt's `handleRestResponse` (so binance's `handleErrors`, its exceptions maps and
 * the base `handleHttpStatusCode` all run), or throws what ccxt's `fetch` throws when no response
 * arrives. Everything above `fetch` (fetch2, signing, the adapter's tap) is real.
 */
export type Canned =
  | { readonly status: number; readonly body: string; readonly headers?: Record<string, string> }
  | { readonly network: 'timeout' | 'reset' | 'raw' };

/** Binance's real hosts (ccxt then applies its `linear` exceptions map) or a simulator-like host (generic map only). */
export type Hosts = 'fapi.binance.com' | 'localhost';

export function cannedBinance(hosts: Hosts): Exchange & { next: Canned | undefined } {
  const ex = (hosts === 'localhost' ? ccxtForSimulator('http://127.0.0.1:9', { apiKey: 'k', secret: 's' }) : new ccxt.binanceusdm({ apiKey: 'k', secret: 's' })) as unknown as Exchange & { next: Canned | undefined };
  ex.enableRateLimit = false;
  const raw = ex as unknown as {
    fetch: (url: string, method: string, headers: unknown, body: unknown) => Promise<unknown>;
    handleRestResponse: (r: Response, url: string, method: string, headers: unknown, body: unknown) => Promise<unknown>;
  };
  raw.fetch = async (url, method, headers, body) => {
    const c = ex.next;
    if (!c) throw new Error('no canned response');
    if ('network' in c) {
      if (c.network === 'timeout') throw new ccxt.RequestTimeout(`${ex.id} ${method} ${url} request timed out (10000 ms)`);
      if (c.network === 'reset') throw new ccxt.NetworkError(`${ex.id} ${method} ${url} fetch failed: other side closed`);
      throw new Error('socket hang up');
    }
    const statusText = STATUS_TEXT[c.status] ?? 'Error';
    return raw.handleRestResponse(new Response(c.body, { status: c.status, statusText, headers: c.headers ?? {} }), url, method, headers, body);
  };
  return ex;
}

const STATUS_TEXT: Record<number, string> = {
  200: 'OK', 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 408: 'Request Timeout', 418: "I'm a teapot",
  429: 'Too Many Requests', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout',
};

/** A state-changing call (new order) and a read (query order), as the adapter makes them. */
export const WRITE = (ex: Exchange): Promise<unknown> =>
  (ex as unknown as { fapiPrivatePostOrder(p: object): Promise<unknown> }).fapiPrivatePostOrder({ symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.001', newClientOrderId: 'x-tp1' });
export const READ = (ex: Exchange): Promise<unknown> =>
  (ex as unknown as { fapiPrivateGetOrder(p: object): Promise<unknown> }).fapiPrivateGetOrder({ symbol: 'BTCUSDT', origClientOrderId: 'x-tp1' });
