import { type Server, createServer } from 'node:http';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import type { LadderConfig } from '../../core/config/index.ts';
import { scanJson } from '../../core/config/json-text.ts';
import { formatPath } from '../../core/config/path.ts';
import type { Store } from '../../store/index.ts';
import { requestOrigin } from '../server/request-origin.ts';
import { MIN_SECRET_LENGTH, RateLimiter, WEBHOOK_SECRET_ENV, ipAllowed, normalizeIp, secretMatches } from './guard.ts';
import { parseSignal } from './payload.ts';
import { Refusal, toRefusal } from './refusal.ts';
import { listenOn, requestTimeouts } from '../server/listen.ts';

/** Largest body accepted; a signal is a few hundred bytes. */
export const BODY_LIMIT_BYTES = 4096;
/** A sender that has not finished its request by then is cut off (a slow body holds a socket). */
const REQUEST_TIMEOUT_MS = 3000;

/** What the webhook logs through (the bot's pino logger fits). Never given the body or the secret. */
export interface WebhookLog {
  info(fields: object, msg: string): void;
  warn(fields: object, msg: string): void;
  error(fields: object, msg: string): void;
}

export interface WebhookOptions {
  readonly config: LadderConfig;
  /** The bot's store: the webhook writes signals, the trading loop acts on them. */
  readonly store: Store;
  /** LADDER_WEBHOOK_SECRET; required, at least MIN_SECRET_LENGTH characters. */
  readonly secret: string | undefined;
  readonly log: WebhookLog;
  readonly now?: () => number;
  /** Overrides config.webhook.port (tests: 0). */
  readonly port?: number;
}

export interface Webhook {
  /** `http://host:port/path`. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Starts the signal webhook ([entries] 2): it checks and STORES signals, nothing else; the trading
 * loop acts on them (src/bot/stored-signals.ts). A 200 means the signal is committed to SQLite.
 *
 * Before the body is read: path and method (404/405), the IP allowlist (403), the rate limit (429);
 * then the body limit (413), JSON (400), the secret in constant time (401), the fields, symbol and
 * stop (400), an entry's time against max_lag_s (409 stale), the id (409 duplicate). Every refusal is
 * answered with its reason and logged without the secret.
 *
 * It runs in the bot's process: every request (and whatever it schedules) runs under
 * `requestOrigin` 'webhook', and every throw goes to one error handler, so nothing a request does can
 * stop the trading loop (R6.6).
 */
export async function startWebhook(o: WebhookOptions): Promise<Webhook> {
  const cfg = o.config.webhook;
  const secret = o.secret ?? '';
  // Required even on 127.0.0.1: a tunnel or reverse proxy in front of a loopback bind makes it public, and the bot cannot tell.
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new Error(`the webhook needs a secret of at least ${MIN_SECRET_LENGTH} characters in ${WEBHOOK_SECRET_ENV} (environment or .env; never in config.json)`);
  }
  const now = o.now ?? Date.now;
  // Two budgets per address: signals that carry the secret, and refused requests. Behind a proxy or a
  // tunnel every sender has the proxy's address, so junk from anyone must not spend the budget of the
  // real alerts (a lost `flat` alert leaves a position open).
  const signalBudget = new RateLimiter(cfg.rate_limit_per_min);
  const refusedBudget = new RateLimiter(cfg.rate_limit_per_min);
  const rules = { symbols: o.config.symbols, leverage: o.config.leverage, maxLagMs: cfg.max_lag_s * 1000 };

  const answer = (reply: FastifyReply, status: number, body: unknown) =>
    reply.code(status).header('Content-Type', 'application/json; charset=utf-8').header('Cache-Control', 'no-store').send(JSON.stringify(body));
  const refuse = (e: unknown, req: FastifyRequest, reply: FastifyReply) => {
    const r = toRefusal(e);
    if (r.status >= 500) o.log.error({ err: e instanceof Error ? { message: e.message, stack: e.stack } : { message: String(e) } }, 'webhook.error');
    o.log.warn({ status: r.status, code: r.code, reason: r.message, ip: req.ip }, 'webhook.refused');
    if (r.retryAfterS !== undefined) reply.header('Retry-After', String(r.retryAfterS));
    return answer(reply, r.status, { ok: false, error: { code: r.code, message: r.message } });
  };

  let server: Server | null = null;
  const app = Fastify({
    logger: false,
    bodyLimit: BODY_LIMIT_BYTES,
    serverFactory: (handler) => {
      // Our own server (fastify sets no timeouts on it): a request must be complete within REQUEST_TIMEOUT_MS, checked every second.
      server = createServer(requestTimeouts(REQUEST_TIMEOUT_MS), (req, res) => requestOrigin.run('webhook', () => handler(req, res)));
      return server;
    },
    frameworkErrors: (e, req, reply) => void refuse(e, req, reply),
  });
  // TradingView posts text/plain unless the message is valid JSON: every content type is read as text and parsed here.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  app.addHook('onRequest', async (req) => {
    const path = req.url.split('?')[0];
    if (path !== cfg.path) throw new Refusal('not_found', 'no such path');
    if (req.method !== 'POST') throw new Refusal('method_not_allowed', `${req.method}: signals are POSTed`);
    const ip = normalizeIp(req.ip);
    if (!ipAllowed(ip, cfg.allow_ips)) throw new Refusal('ip_not_allowed', `${ip} is not in webhook.allow_ips`);
  });
  app.setErrorHandler((e, req, reply) => refuse(e, req, reply));
  app.setNotFoundHandler((req, reply) => refuse(new Refusal('not_found', 'no such path'), req, reply));

  app.post(cfg.path, async (req, reply) => {
    const receivedAtMs = now();
    const ip = normalizeIp(req.ip);
    let body: Record<string, unknown>;
    try {
      body = parseJsonObject(req.body);
      if (!secretMatches(body['secret'], secret)) throw new Refusal('secret', 'missing or wrong secret');
    } catch (e) {
      // Guessing the secret (or sending junk) is limited on its own budget.
      const wait = refusedBudget.take(ip, receivedAtMs);
      if (wait > 0) throw new Refusal('rate_limited', `more than ${cfg.rate_limit_per_min} refused requests a minute from ${ip}`, wait);
      throw e;
    }
    const wait = signalBudget.take(ip, receivedAtMs);
    if (wait > 0) throw new Refusal('rate_limited', `more than ${cfg.rate_limit_per_min} signals a minute from ${ip}`, wait);
    // A field given twice ("side":"long" … "side":"short", a template's slip): JSON.parse keeps the last, a
    // guess at what the sender meant. Refused naming it, as config.json and the ladder files refuse one.
    const twice = duplicateKeyOf(req.body as string);
    if (twice !== null) throw new Refusal('bad_signal', `${twice}: given twice in the body (JSON keeps only the last one): send each field once`);
    const { secret: _secret, ...payload } = body;
    const s = parseSignal(payload, rules, receivedAtMs);
    const r = o.store.recordSignal({ ...s, source: 'webhook', receivedAtMs, payload });
    if (!r.stored) throw new Refusal('duplicate', `signal ${s.id} was already received (${r.duplicate.status}): nothing more is done`);
    o.log.info({ id: s.id, symbol: s.symbol, side: s.side, stopLossPct: s.stopLossPct, signalTime: new Date(s.timeMs).toISOString(), ip: req.ip }, 'webhook.accepted');
    return answer(reply, 200, { ok: true, id: s.id, status: 'pending', symbol: s.symbol, side: s.side });
  });
  await app.ready();

  const srv = server as Server | null;
  if (srv === null) throw new Error('fastify did not create the server');
  let port: number;
  try {
    port = await listenOn(srv, cfg.host, o.port ?? cfg.port);
  } catch (e) {
    await app.close();
    throw e;
  }
  const shownHost = cfg.host.includes(':') ? `[${cfg.host}]` : cfg.host;
  return {
    url: `http://${shownHost}:${port}${cfg.path}`,
    port,
    close: async () => {
      await new Promise<void>((resolve) => {
        srv.close(() => resolve());
        srv.closeAllConnections();
      });
      await app.close();
    },
  };
}

/** The path of the first key an object of the (valid JSON) body has twice, else null. */
function duplicateKeyOf(raw: string): string | null {
  const scan = scanJson(raw.replace(/^\uFEFF/, ''));
  const first = scan.ok ? scan.duplicates[0] : undefined;
  return first === undefined ? null : formatPath(first.path);
}

/** The body as a JSON object, or 400. */
function parseJsonObject(raw: unknown): Record<string, unknown> {
  if (typeof raw !== 'string' || raw.trim() === '') throw new Refusal('malformed', 'empty body: send a JSON object');
  let v: unknown;
  try {
    // A UTF-8 byte order mark, as some Windows tools write one before the JSON (RFC 8259 lets a parser ignore it).
    v = JSON.parse(raw.replace(/^\uFEFF/, ''));
  } catch {
    throw new Refusal('malformed', 'the body is not valid JSON');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Refusal('malformed', 'the body must be a JSON object');
  return v as Record<string, unknown>;
}

