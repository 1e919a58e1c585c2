import { existsSync } from 'node:fs';
import { type Server, type ServerResponse, createServer } from 'node:http';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import type { LadderConfig } from '../../core/config/index.ts';
import { exitSettingsFromConfig, fillModelFromConfig } from '../../core/index.ts';
import { parseConfigValue } from '../../core/config/index.ts';
import { type Store, openStore } from '../../store/index.ts';
import type { DashboardFeed } from '../dashboard-feed.ts';
import { TOKEN_ENV, type AccessPolicy, accessPolicy, authorize } from './access.ts';
import type { AnalyticsOptions } from './analytics.ts';
import { HttpError, errorBody, toHttpError } from './http-error.ts';
import { LiveHub } from './live-hub.ts';
import { RunBook } from './run-book.ts';
import { MarketBook } from './market-book.ts';
import { CONTENT_SECURITY_POLICY, buildClientBundle } from './page.ts';
import { queryOf } from './params.ts';
import { requestOrigin } from './request-origin.ts';
import { METHODS, ROUTES, type TestRoute, registerRoutes, sendJson } from './routes.ts';
import { listenOn, requestTimeouts } from './listen.ts';

export { HttpError, type ErrorCode } from './http-error.ts';
export { parseTimeParam } from './params.ts';
export { METHODS, ROUTES, type RoutePath } from './routes.ts';

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
  /**
   * Only for a store with no recorded run (older stores, tests): leverage, starting balance and the
   * single take-profit of the analytics. Otherwise all of it comes from the store's latest run.
   */
  readonly config?: LadderConfig;
  /** `bot`: a bot in this process feeds prices (see `feed`); `standalone`: only the store. */
  readonly mode: 'bot' | 'standalone';
  readonly pollMs?: number;
  readonly priceThrottleMs?: number;
  readonly feedStaleMs?: number;
  readonly now?: () => number;
  /** Every internal error (a 500, a failed stream write, a failed store poll): the caller logs it. */
  readonly onError?: (where: string, e: unknown) => void;
  /** A page's event stream is dropped when this many bytes sent to it are unread (default 4 MiB). */
  readonly maxStreamBacklogBytes?: number;
  /** Tests only: extra GET routes (behind the same access checks), to throw from inside a handler. */
  readonly testRoutes?: Readonly<Record<string, TestRoute>>;
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

const SECURITY_HEADERS: readonly (readonly [string, string])[] = [
  ['Content-Security-Policy', CONTENT_SECURITY_POLICY],
  ['X-Content-Type-Options', 'nosniff'],
  ['Referrer-Policy', 'no-referrer'],
  ['X-Frame-Options', 'DENY'],
];

/** A request (headers included: a GET has no body) must arrive within this; the event stream's response is not bounded by it. */
const REQUEST_TIMEOUT_MS = 10_000;

const secure = (res: ServerResponse) => {
  for (const [k, v] of SECURITY_HEADERS) res.setHeader(k, v);
};

/** The path of a raw request URL, cut for messages (a URL can be 16 KB long). */
const pathOf = (rawUrl: string | undefined) => (rawUrl ?? '/').split('?')[0]!.slice(0, 200);

/**
 * Starts the dashboard: a read-only JSON API over the store, the page, and a server-sent event stream
 * (`/api/stream`) that pushes every stored fill, stop move and plan, closed candles, and the bot's prices
 * (throttled). Refuses a non-loopback bind without a token.
 *
 * It runs inside the bot's process, so nothing a request does may escape (R6.6, issue 12 fault 6):
 * routing and URL parsing are fastify's (a malformed URL is a 400, never a throw), every hook and
 * handler error goes to one error handler that answers JSON (4xx, or 500 and `onError`), and
 * whatever a request schedules runs under `requestOrigin` so the process guard can tell it apart.
 */
export async function startDashboard(o: DashboardOptions): Promise<Dashboard> {
  const host = o.host ?? '127.0.0.1';
  const access = accessPolicy(host, o.token ?? process.env[TOKEN_ENV]);
  if (!access.ok) throw new Error(access.message);
  const policy: AccessPolicy = access.policy;
  if (!existsSync(o.dbPath)) throw new Error(`${o.dbPath}: no such store (start the bot first, or pass --db)`);
  const now = o.now ?? Date.now;
  // The caller's reporter must not be a way to throw either.
  const onError = (where: string, e: unknown) => {
    try {
      o.onError?.(where, e);
    } catch {
      // nowhere left to report it
    }
  };
  // Standalone, the dashboard only reads: a --db that is no Ladder store is refused, not made one.
  const store: Store = openStore(o.dbPath, { existingStore: o.mode === 'standalone' });
  const book = new MarketBook(store);
  const runs = new RunBook({ store, fallback: o.config ?? null, now, onError });
  const hub = new LiveHub({
    store,
    book,
    mode: o.mode,
    runs,
    pollMs: o.pollMs ?? (o.mode === 'bot' ? 250 : 500),
    priceThrottleMs: o.priceThrottleMs ?? 500,
    feedStaleMs: o.feedStaleMs ?? 10_000,
    now,
    onError,
    ...(o.maxStreamBacklogBytes !== undefined ? { maxBacklogBytes: o.maxStreamBacklogBytes } : {}),
  });
  const defaults = parseConfigValue({}, 'defaults');
  if (!defaults.ok) throw new Error('the default config does not validate');
  // The analytics of the config the store ran with; the defaults when it has none (or it no longer parses).
  const analytics = (): AnalyticsOptions => {
    const c = runs.config().config ?? defaults.value;
    return { startingBalance: c.backtest.starting_balance, single: { settings: exitSettingsFromConfig(c), fills: fillModelFromConfig(c), intrabar: c.backtest.intrabar } };
  };
  const bundle = buildClientBundle();
  bundle.catch((e: unknown) => onError('bundle', e));

  const answerError = (e: unknown, reply: FastifyReply) => {
    const he = toHttpError(e);
    if (he.status >= 500) onError('request', e);
    if (he.status === 405) reply.header('Allow', METHODS.join(', '));
    return sendJson(reply, errorBody(he), he.status);
  };

  let server: Server | null = null;
  const app = Fastify({
    logger: false,
    // Our own node:http server, so that every request (and what it schedules) runs under requestOrigin.
    serverFactory: (handler) => {
      // Node's defaults let a client take 60 s to send its headers and 300 s its request: a handful of
      // slow connections could hold sockets in the bot's process for minutes. A GET has no body.
      server = createServer(requestTimeouts(REQUEST_TIMEOUT_MS), (req, res) => requestOrigin.run('dashboard', () => handler(req, res)));
      return server;
    },
    // Errors found while routing (a malformed %-escape): fastify's default answer, in our JSON shape.
    frameworkErrors: (e, _req, reply) => {
      secure(reply.raw);
      answerError(e, reply);
    },
  });
  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    secure(reply.raw);
    const auth = authorize(req.headers, queryOf(req.url), policy);
    if (!auth.ok) throw new HttpError(auth.status, auth.status === 401 ? 'unauthorized' : 'forbidden', auth.message);
    if ((METHODS as readonly string[]).includes(req.method)) return;
    // Refused before any body is read: the dashboard is read-only.
    const path = pathOf(req.url);
    if (!(ROUTES as readonly string[]).includes(path)) throw new HttpError(404, 'not_found', `no route ${path}`);
    throw new HttpError(405, 'method_not_allowed', `${req.method} ${path}: the dashboard is read-only (GET only)`);
  });
  app.setErrorHandler((e, _req, reply) => answerError(e, reply));
  app.setNotFoundHandler((req, reply) => answerError(new HttpError(404, 'not_found', `no route ${pathOf(req.url)}`), reply));
  registerRoutes(app, { mode: o.mode, dbPath: o.dbPath, token: policy.token, bundle, store, book, hub, runs, analytics, now, onError }, o.testRoutes);
  await app.ready();

  const srv = server as Server | null;
  if (srv === null) throw new Error('fastify did not create the server');
  let port: number;
  try {
    port = await listen(srv, host, o.port ?? 8080, o.anyPortIfTaken ?? false);
  } catch (e) {
    hub.close();
    await app.close();
    store.close();
    throw e;
  }
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
        srv.close(() => resolve());
        srv.closeAllConnections();
      });
      await app.close();
      store.close();
    },
  };
}

async function listen(server: Server, host: string, port: number, anyIfTaken: boolean): Promise<number> {
  const attempt = (p: number) => listenOn(server, host, p);
  try {
    return await attempt(port);
  } catch (e) {
    if (anyIfTaken && (e as NodeJS.ErrnoException).code === 'EADDRINUSE' && port !== 0) return attempt(0);
    throw e;
  }
}
