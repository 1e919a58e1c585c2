import { existsSync } from 'node:fs';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LadderConfig } from '../../core/config/index.ts';
import { exitSettingsFromConfig, fillModelFromConfig } from '../../core/index.ts';
import { type HistoryQuery, type Store, openStore } from '../../store/index.ts';
import type { DashboardFeed } from '../dashboard-feed.ts';
import { TOKEN_ENV, type AccessPolicy, accessPolicy, authorize } from './access.ts';
import { type AnalyticsOptions, analyticsView } from './analytics.ts';
import { LiveHub } from './live-hub.ts';
import { MarketBook } from './market-book.ts';
import { CONTENT_SECURITY_POLICY, buildClientBundle, pageHtml } from './page.ts';
import { candlesView, historyView } from './views.ts';

export interface DashboardOptions {
  /** The bot's SQLite store; the dashboard opens its own connection and only reads. */
  readonly dbPath: string;
  /** Default 127.0.0.1. Any non-loopback address requires a token (LADDER_DASHBOARD_TOKEN). */
  readonly host?: string;
  /** Default 8080; 0 = any free port. */
  readonly port?: number;
  /** When the port is taken, take any free one instead of failing (the demo). */
  readonly anyPortIfTaken?: boolean;
  /** Default: the LADDER_DASHBOARD_TOKEN environment variable. */
  readonly token?: string;
  /** Leverage, starting balance and the single take-profit settings for the analytics; defaults otherwise. */
  readonly config: LadderConfig;
  /** `bot`: a bot in this process feeds prices (see `feed`); `standalone`: only the store. */
  readonly mode: 'bot' | 'standalone';
  readonly pollMs?: number;
  readonly priceThrottleMs?: number;
  readonly feedStaleMs?: number;
  readonly now?: () => number;
  readonly onError?: (where: string, e: unknown) => void;
}

export interface Dashboard {
  /** `http://host:port/` (without the token). */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** Whether requests must carry the token. */
  readonly tokenRequired: boolean;
  /** Give this to the bot side: prices, heartbeats, "events stored". */
  readonly feed: DashboardFeed;
  close(): Promise<void>;
}

export type ErrorCode = 'bad_request' | 'unauthorized' | 'forbidden' | 'not_found' | 'method_not_allowed' | 'internal';

/** Thrown by a handler for a request it refuses; becomes `{ error: { code, message } }`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

interface Ctx {
  readonly url: URL;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
}

/** Every route, all of them reads: the dashboard can neither place nor cancel an order. */
export const ROUTES = ['/', '/app.js', '/api/health', '/api/positions', '/api/symbols', '/api/history', '/api/analytics', '/api/candles', '/api/events', '/api/stream'] as const;
export type RoutePath = (typeof ROUTES)[number];
/** The only methods answered; anything else is 405. */
export const METHODS = ['GET', 'HEAD'] as const;

/** A time query parameter: epoch ms, or an ISO date/time. */
export function parseTimeParam(name: string, v: string | null): number | undefined {
  if (v === null || v === '') return undefined;
  const ms = /^-?\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (!Number.isFinite(ms)) throw new HttpError(400, 'bad_request', `${name}: not a time (epoch ms or ISO 8601): ${v}`);
  return ms;
}

function parseIntParam(name: string, v: string | null, dflt: number, max: number): number {
  if (v === null || v === '') return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new HttpError(400, 'bad_request', `${name}: not a non-negative integer: ${v}`);
  return Math.min(n, max);
}

function historyQuery(url: URL): HistoryQuery {
  const symbol = url.searchParams.get('symbol');
  const fromMs = parseTimeParam('from', url.searchParams.get('from'));
  const toMs = parseTimeParam('to', url.searchParams.get('to'));
  return { ...(symbol ? { symbol } : {}), ...(fromMs !== undefined ? { fromMs } : {}), ...(toMs !== undefined ? { toMs } : {}) };
}

/**
 * Starts the dashboard: a read-only JSON API over the store, the page, and a server-sent event stream
 * (`/api/stream`) that pushes every stored fill, stop move and plan, closed candles, and the bot's prices
 * (throttled). Refuses a non-loopback bind without a token.
 */
export async function startDashboard(o: DashboardOptions): Promise<Dashboard> {
  const host = o.host ?? '127.0.0.1';
  const access = accessPolicy(host, o.token ?? process.env[TOKEN_ENV]);
  if (!access.ok) throw new Error(access.message);
  const policy: AccessPolicy = access.policy;
  if (!existsSync(o.dbPath)) throw new Error(`${o.dbPath}: no such store (start the bot first, or pass --db)`);
  const now = o.now ?? Date.now;
  const onError = o.onError ?? (() => undefined);
  const store: Store = openStore(o.dbPath);
  const book = new MarketBook(store);
  const hub = new LiveHub({
    store,
    book,
    mode: o.mode,
    leverage: o.config.leverage,
    pollMs: o.pollMs ?? (o.mode === 'bot' ? 250 : 500),
    priceThrottleMs: o.priceThrottleMs ?? 500,
    feedStaleMs: o.feedStaleMs ?? 10_000,
    now,
    onError,
  });
  const analytics: AnalyticsOptions = {
    startingBalance: o.config.backtest.starting_balance,
    single: { settings: exitSettingsFromConfig(o.config), fills: fillModelFromConfig(o.config), intrabar: o.config.backtest.intrabar },
  };
  const bundle = buildClientBundle();
  bundle.catch((e: unknown) => onError('bundle', e));

  const json = (c: Ctx, body: unknown, status = 200) => {
    c.res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
    c.res.end(JSON.stringify(body));
  };
  const handlers: Record<RoutePath, (c: Ctx) => void | Promise<void>> = {
    '/': (c) => {
      c.res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
      c.res.end(pageHtml(policy.token));
    },
    '/app.js': async (c) => {
      const js = await bundle;
      c.res.writeHead(200, { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'no-store' });
      c.res.end(js);
    },
    '/api/health': (c) => json(c, { ok: true, mode: o.mode, feed: hub.feed(), db: o.dbPath, serverTimeMs: now() }),
    '/api/positions': (c) => json(c, hub.positions()),
    '/api/symbols': (c) => json(c, { symbols: book.all() }),
    '/api/history': (c) => json(c, historyView(store, book, historyQuery(c.url))),
    '/api/analytics': (c) => json(c, analyticsView(store, book, historyQuery(c.url), analytics)),
    '/api/candles': (c) => {
      const symbol = c.url.searchParams.get('symbol');
      if (!symbol) throw new HttpError(400, 'bad_request', 'symbol: required');
      const fromMs = parseTimeParam('from', c.url.searchParams.get('from'));
      const toMs = parseTimeParam('to', c.url.searchParams.get('to'));
      json(c, candlesView(store, book, symbol, { ...(fromMs !== undefined ? { fromMs } : {}), ...(toMs !== undefined ? { toMs } : {}), limit: parseIntParam('limit', c.url.searchParams.get('limit'), 500, 5000) }));
    },
    '/api/events': (c) => {
      const after = parseIntParam('after', c.url.searchParams.get('after'), 0, Number.MAX_SAFE_INTEGER);
      const limit = parseIntParam('limit', c.url.searchParams.get('limit'), 200, 1000);
      const positionId = c.url.searchParams.get('position');
      json(c, { events: store.events({ afterId: after, limit, ...(positionId ? { positionId } : {}) }) });
    },
    '/api/stream': (c) => {
      if (c.req.method === 'HEAD') {
        c.res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store' });
        c.res.end();
        return;
      }
      hub.attach(c.res);
    },
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Frame-Options', 'DENY');
    const url = new URL(req.url ?? '/', 'http://dashboard.invalid');
    const c: Ctx = { url, req, res };
    try {
      const auth = authorize(req, url, policy);
      if (!auth.ok) throw new HttpError(auth.status, auth.status === 401 ? 'unauthorized' : 'forbidden', auth.message);
      const route = (ROUTES as readonly string[]).includes(url.pathname) ? (url.pathname as RoutePath) : null;
      if (route === null) throw new HttpError(404, 'not_found', `no route ${url.pathname}`);
      if (!(METHODS as readonly string[]).includes(req.method ?? '')) {
        res.setHeader('Allow', METHODS.join(', '));
        throw new HttpError(405, 'method_not_allowed', `${req.method ?? '?'} ${url.pathname}: the dashboard is read-only (GET only)`);
      }
      await handlers[route](c);
    } catch (e) {
      const he = e instanceof HttpError ? e : new HttpError(500, 'internal', e instanceof Error ? e.message : String(e));
      if (he.status === 500) onError('request', e);
      if (res.headersSent) {
        res.end();
        return;
      }
      json(c, { error: { code: he.code, message: he.message } }, he.status);
    }
  };

  const server = createServer((req, res) => void handle(req, res));
  const port = await listen(server, host, o.port ?? 8080, o.anyPortIfTaken ?? false);
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}/`,
    host,
    port,
    tokenRequired: policy.token !== null,
    feed: hub,
    close: async () => {
      hub.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      store.close();
    },
  };
}

async function listen(server: Server, host: string, port: number, anyIfTaken: boolean): Promise<number> {
  const attempt = (p: number) =>
    new Promise<number>((resolve, reject) => {
      const fail = (e: Error) => {
        server.off('listening', ok);
        reject(e);
      };
      const ok = () => {
        server.off('error', fail);
        resolve((server.address() as AddressInfo).port);
      };
      server.once('error', fail);
      server.once('listening', ok);
      server.listen(p, host);
    });
  try {
    return await attempt(port);
  } catch (e) {
    if (anyIfTaken && (e as NodeJS.ErrnoException).code === 'EADDRINUSE' && port !== 0) return attempt(0);
    throw e;
  }
}
