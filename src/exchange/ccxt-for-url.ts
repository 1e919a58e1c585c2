import { Agent } from 'node:http';
import { BinanceUsdm } from './ccxt/ccxt-parts.ts';

export interface UrlClientOptions {
  readonly apiKey?: string;
  readonly secret?: string;
  /** Request timeout in ms (ccxt default 10000). */
  readonly timeout?: number;
  /** Websocket base when it differs from `url` with `ws://` (normally the same port). */
  readonly wsUrl?: string;
  /** Extra ccxt options merged in. */
  readonly options?: Record<string, unknown>;
}

/**
 * ccxt's user stream starts a positions (and balance) snapshot request on subscription, as a future
 * nobody awaits: a drop during it is an unhandled rejection (fault 7). The bot reads positions and
 * balances by REST itself, so the snapshots are off.
 */
export const NO_WS_SNAPSHOTS = { watchPositions: { fetchPositionsSnapshot: false, awaitPositionsSnapshot: false }, watchBalance: { fetchBalanceSnapshot: false, awaitBalanceSnapshot: false } } as const;

export type UrlExchange = InstanceType<typeof BinanceUsdm>;

/**
 * A ccxt `binanceusdm` (the ccxt.pro class, so REST and websocket) whose every endpoint points at the
 * Binance-compatible server at `url` (the simulator, `--exchange-url`): all REST hosts in `urls.api`
 * (so no request can leave for the internet) and the futures websocket base, which ccxt 4.5.84
 * rewrites to `/market/ws`, `/public/ws` and `/private/ws`.
 * No currency fetch (it needs spot `sapi` endpoints); linear markets only.
 */
export function ccxtForUrl(url: string, opts: UrlClientOptions = {}): UrlExchange {
  const base = url.replace(/\/+$/, '');
  const wsBase = (opts.wsUrl ?? base.replace(/^http/, 'ws')).replace(/\/+$/, '');
  const ex = new BinanceUsdm({
    apiKey: opts.apiKey,
    secret: opts.secret,
    timeout: opts.timeout ?? 10_000,
    options: {
      fetchCurrencies: false,
      fetchMarkets: { types: ['linear'] },
      defaultType: 'swap',
      warnOnFetchOpenOrdersWithoutSymbol: false,
      ...NO_WS_SNAPSHOTS,
      ...opts.options,
    },
  });
  ex.has['fetchCurrencies'] = false;
  // Every endpoint ccxt knows, live and sandbox/demo alike, goes to `url`.
  const urls = ex.urls as Record<string, unknown>;
  for (const key of ['api', 'test', 'demo']) rewriteHosts(urls[key], base, wsBase);
  (urls['api'] as { ws: Record<string, unknown> }).ws['future'] = `${wsBase}/ws`;
  // ccxt refuses plain ws:// without an http agent (it treats it as a proxy setup).
  ex.httpAgent = new Agent({ keepAlive: true });
  return ex;
}

/** Replaces the scheme and host of every URL string in a (nested) ccxt `urls` section, in place. */
function rewriteHosts(section: unknown, base: string, wsBase: string): void {
  if (!section || typeof section !== 'object') return;
  const obj = section as Record<string, unknown>;
  for (const [k, v] of Object.entries(obj)) {
    if (typeof v === 'string') obj[k] = v.replace(/^https?:\/\/[^/]+/, base).replace(/^wss?:\/\/[^/]+/, wsBase);
    else rewriteHosts(v, base, wsBase);
  }
}
