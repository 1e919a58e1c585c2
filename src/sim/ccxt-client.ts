import { Agent } from 'node:http';
import ccxt from 'ccxt';

export interface SimClientOptions {
  readonly apiKey?: string;
  readonly secret?: string;
  /** Request timeout in ms (ccxt default 10000). */
  readonly timeout?: number;
  /** Websocket base when it differs from `url` with `ws://` (normally the same port). */
  readonly wsUrl?: string;
  /** Extra ccxt options merged in. */
  readonly options?: Record<string, unknown>;
}

export type SimExchange = InstanceType<typeof ccxt.pro.binanceusdm>;

/**
 * A ccxt `binanceusdm` (the ccxt.pro class, so REST and websocket) whose every endpoint points at the
 * simulator at `url`: all REST hosts in `urls.api` (so no request can leave for the internet) and the
 * futures websocket base, which ccxt 4.5.84 rewrites to `/market/ws`, `/public/ws` and `/private/ws`.
 * No currency fetch (it needs spot `sapi` endpoints); linear markets only.
 */
export function ccxtForSimulator(url: string, opts: SimClientOptions = {}): SimExchange {
  const base = url.replace(/\/+$/, '');
  const wsBase = (opts.wsUrl ?? base.replace(/^http/, 'ws')).replace(/\/+$/, '');
  const ex = new ccxt.pro.binanceusdm({
    apiKey: opts.apiKey,
    secret: opts.secret,
    timeout: opts.timeout ?? 10_000,
    options: {
      fetchCurrencies: false,
      fetchMarkets: { types: ['linear'] },
      defaultType: 'swap',
      warnOnFetchOpenOrdersWithoutSymbol: false,
      ...opts.options,
    },
  });
  ex.has['fetchCurrencies'] = false;
  const api = ex.urls['api'] as Record<string, unknown>;
  for (const [k, v] of Object.entries(api)) {
    if (typeof v === 'string') api[k] = v.replace(/^https?:\/\/[^/]+/, base);
  }
  const ws = api['ws'] as Record<string, unknown>;
  for (const [k, v] of Object.entries(ws)) {
    if (typeof v === 'string') ws[k] = v.replace(/^wss?:\/\/[^/]+/, wsBase);
    else if (v && typeof v === 'object') {
      for (const [k2, v2] of Object.entries(v as Record<string, unknown>)) {
        if (typeof v2 === 'string') (v as Record<string, unknown>)[k2] = v2.replace(/^wss?:\/\/[^/]+/, wsBase);
      }
    }
  }
  ws['future'] = `${wsBase}/ws`;
  // ccxt refuses plain ws:// without an http agent (it treats it as a proxy setup).
  ex.httpAgent = new Agent({ keepAlive: true });
  return ex;
}
