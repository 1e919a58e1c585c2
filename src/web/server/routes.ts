import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Store } from '../../store/index.ts';
import { storeMarketNowMs } from '../../core/risk/market-clock.ts';
import { accountView } from './account-view.ts';
import { type AnalyticsOptions, analyticsView } from './analytics.ts';
import { HttpError, errorBody, toHttpError } from './http-error.ts';
import type { LiveHub } from './live-hub.ts';
import type { MarketBook } from './market-book.ts';
import { pageHtml } from './page.ts';
import { historyQuery, pagingQuery, parseIntParam, queryOf, symbolParam, timeWindowParams } from './params.ts';
import { riskView } from './risk-view.ts';
import type { RunBook } from './run-book.ts';
import { signalsView } from './signals-view.ts';
import { HISTORY_PAGE_SIZE, candlesView, historyCsv, historyView } from './views.ts';

/** Every route, all of them reads: the dashboard can neither place nor cancel an order. */
export const ROUTES = ['/', '/app.js', '/api/health', '/api/positions', '/api/symbols', '/api/history', '/api/history.csv', '/api/run', '/api/account', '/api/analytics', '/api/candles', '/api/events', '/api/signals', '/api/risk', '/api/stream'] as const;
export type RoutePath = (typeof ROUTES)[number];
/** The only methods answered; anything else is 405. */
export const METHODS = ['GET', 'HEAD'] as const;

/** A GET route a test adds to throw from inside a handler; its return value is sent as JSON. */
export type TestRoute = (q: URLSearchParams) => unknown;

export interface RouteDeps {
  readonly mode: 'bot' | 'standalone';
  readonly dbPath: string;
  readonly token: string | null;
  readonly bundle: Promise<string>;
  readonly store: Store;
  readonly book: MarketBook;
  readonly hub: LiveHub;
  readonly runs: RunBook;
  /** The analytics settings of the config the store ran with (it can change when a new run starts). */
  readonly analytics: () => AnalyticsOptions;
  readonly now: () => number;
  readonly onError: (where: string, e: unknown) => void;
}

const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * Now on the store's market clock, the one its trades are stamped with and the bot's risk limits count
 * days on: the wall clock for a live or paper run, the newest stored candle's close for a run replayed
 * on a simulator's clock (the demo).
 */
const marketNowMs = (d: RouteDeps): number => storeMarketNowMs(d.now(), d.runs.latest, d.book.newestCandleClose());

export function sendJson(reply: FastifyReply, body: unknown, status = 200): FastifyReply {
  return reply.code(status).header('Content-Type', JSON_TYPE).header('Cache-Control', 'no-store').send(JSON.stringify(body));
}

type Handler = (q: URLSearchParams, req: FastifyRequest, reply: FastifyReply) => unknown;

/** The event stream: a hijacked reply the hub writes to; a throw while attaching still ends the request. */
function stream(d: RouteDeps, req: FastifyRequest, reply: FastifyReply): void {
  if (req.method === 'HEAD') {
    reply.header('Content-Type', 'text/event-stream; charset=utf-8').header('Cache-Control', 'no-store').send();
    return;
  }
  reply.hijack(); // the hub owns the response from here: fastify's error handler can no longer answer
  const res = reply.raw;
  try {
    d.hub.attach(res);
  } catch (e) {
    d.onError('stream', e);
    if (res.headersSent) res.end();
    else res.writeHead(500, { 'Content-Type': JSON_TYPE }).end(JSON.stringify(errorBody(toHttpError(e))));
  }
}

/** Registers every route for GET and HEAD; throws from a handler reach the app's error handler. */
export function registerRoutes(app: FastifyInstance, d: RouteDeps, testRoutes: Readonly<Record<string, TestRoute>> = {}): void {
  const handlers: Record<RoutePath, Handler> = {
    '/': (_q, _req, reply) => reply.header('Content-Type', 'text/html; charset=utf-8').header('Cache-Control', 'no-store').send(pageHtml(d.token)),
    '/app.js': async (_q, _req, reply) => reply.header('Content-Type', 'text/javascript; charset=utf-8').header('Cache-Control', 'no-store').send(await d.bundle),
    '/api/health': (_q, _req, reply) => sendJson(reply, { ok: true, mode: d.mode, feed: d.hub.feed(), db: d.dbPath, serverTimeMs: d.now() }),
    '/api/positions': (_q, _req, reply) => sendJson(reply, d.hub.positions()),
    '/api/symbols': (_q, _req, reply) => sendJson(reply, { symbols: d.book.all() }),
    '/api/history': (q, _req, reply) => sendJson(reply, historyView(d.store, d.book, historyQuery(q), pagingQuery(q, HISTORY_PAGE_SIZE))),
    // The same filters as History, every page: one row per exit with its entry ([views] 17).
    '/api/history.csv': (q, req, reply) => {
      const query = historyQuery(q); // a bad filter is a 400 before anything is sent
      reply.header('Content-Type', 'text/csv; charset=utf-8').header('Content-Disposition', 'attachment; filename="ladder-trades.csv"').header('Cache-Control', 'no-store');
      if (req.method === 'HEAD') return reply.send();
      // Streamed a slice of trades at a time: the bot's process never holds the whole history or its text.
      const body = Readable.from(historyCsv(d.store, query));
      body.on('error', (e) => d.onError('history.csv', e));
      return reply.send(body);
    },
    // What the store ran with: the latest run, its config (leverage, ladder, sizing) and state.
    '/api/run': (_q, _req, reply) => sendJson(reply, d.runs.view()),
    '/api/account': (_q, _req, reply) => sendJson(reply, accountView(d.store, d.runs, d.hub.positions(), d.now(), marketNowMs(d))),
    '/api/analytics': async (q, _req, reply) => sendJson(reply, await analyticsView(d.store, d.book, historyQuery(q), d.analytics())),
    '/api/candles': (q, _req, reply) => {
      const symbol = symbolParam(q);
      if (symbol === undefined) throw new HttpError(400, 'bad_request', 'symbol: required');
      const { fromMs, toMs } = timeWindowParams(q);
      const limit = parseIntParam('limit', q.get('limit'), 500, 5000);
      return sendJson(reply, candlesView(d.store, d.book, symbol, { ...(fromMs !== undefined ? { fromMs } : {}), ...(toMs !== undefined ? { toMs } : {}), limit }));
    },
    '/api/events': (q, _req, reply) => {
      const after = parseIntParam('after', q.get('after'), 0, Number.MAX_SAFE_INTEGER);
      const limit = parseIntParam('limit', q.get('limit'), 200, 1000);
      const positionId = q.get('position');
      return sendJson(reply, { events: d.store.events({ afterId: after, limit, ...(positionId ? { positionId } : {}) }) });
    },
    // Signals received by the webhook, with their source and status ([entries] 2).
    '/api/signals': (q, _req, reply) => sendJson(reply, signalsView(d.store, parseIntParam('limit', q.get('limit'), 100, 1000))),
    // The risk limit stopping entries, equity peaks, today's realised PnL ([operate] 3): the store only.
    '/api/risk': (_q, _req, reply) => sendJson(reply, riskView(d.store, d.now(), marketNowMs(d))),
    '/api/stream': (_q, req, reply) => stream(d, req, reply),
  };
  for (const path of ROUTES) {
    app.route({
      method: [...METHODS],
      url: path,
      handler: async (req, reply) => {
        await handlers[path](queryOf(req.url), req, reply);
        return reply;
      },
    });
  }
  for (const [path, fn] of Object.entries(testRoutes)) {
    app.get(path, async (req, reply) => sendJson(reply, await fn(queryOf(req.url))));
  }
}
