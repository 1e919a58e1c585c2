import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { RequestLogEntry, SimAdmin } from './admin.ts';
import { type Credentials, authenticate } from './auth.ts';
import { BINANCE_ERRORS, type BinanceErrorCode, SimError, simError } from './errors.ts';
import type { FaultRule, Faults } from './faults.ts';
import type { RateLimiter } from './rate-limit.ts';
import type { RestContext, Route } from './routes.ts';

export interface PipelineDeps {
  readonly routes: readonly Route[];
  readonly ctx: RestContext;
  readonly creds: Credentials;
  readonly faults: Faults;
  readonly limiter: RateLimiter;
  readonly admin: SimAdmin;
  readonly requests: RequestLogEntry[];
  readonly log?: (line: string) => void;
}

const MAX_LOG = 5000;

/**
 * The REST request pipeline: faults (latency, drop, 5xx, forced 429) → rate limits → route →
 * auth → handler → faults after processing (lost response, 5xx with the work done) → JSON answer.
 */
export class HttpPipeline {
  private readonly table = new Map<string, Route>();
  /** Connections held open by `hang` faults, destroyed on close. */
  readonly hanging = new Set<Socket>();

  constructor(private readonly d: PipelineDeps) {
    for (const r of d.routes) this.table.set(`${r.method} ${r.path}`, r);
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://sim');
    const rawBody = await readBody(req);
    if (url.pathname.startsWith('/_sim/')) return this.admin(method, url.pathname.slice(6), rawBody, res);
    const path = url.pathname;
    const rawQuery = url.search.startsWith('?') ? url.search.slice(1) : '';
    const params: Record<string, string> = { ...Object.fromEntries(new URLSearchParams(rawBody)), ...Object.fromEntries(url.searchParams) };
    const applied = this.d.faults.forRequest(method, path);
    const entry = { wallMs: Date.now(), method, path, faults: applied.map((f) => f.kind), clientOrderId: params['newClientOrderId'] ?? params['clientAlgoId'] ?? params['origClientOrderId'] };
    const record = (status: number, code?: number): void => {
      this.d.requests.push({ ...entry, status, ...(code !== undefined ? { code } : {}) });
      if (this.d.requests.length > MAX_LOG) this.d.requests.splice(0, this.d.requests.length - MAX_LOG);
      this.d.log?.(`${method} ${path} ${status}${code !== undefined ? ` ${code}` : ''}${applied.length ? ` faults=${entry.faults.join(',')}` : ''}`);
    };
    const of = <K extends FaultRule['kind']>(k: K): Extract<FaultRule, { kind: K }> | undefined => applied.find((f): f is Extract<FaultRule, { kind: K }> => f.kind === k);

    for (const f of applied) if (f.kind === 'latency') await sleep(f.ms + (f.jitterMs ?? 0) * this.d.faults.random());
    const drop = of('drop');
    if (drop) return this.lose(req, res, drop.mode ?? 'reset', record);
    const e5 = of('error5xx');
    if (e5 && !e5.processed) return this.send5xx(res, e5, record);
    const ip = req.socket.remoteAddress ?? '127.0.0.1';
    const forced = of('rateLimit');
    const route = this.table.get(`${method} ${path}`);
    const weight = route ? (typeof route.weight === 'function' ? route.weight(params) : route.weight) : 1;
    const decision = forced ? this.d.limiter.force(forced.retryAfterSec ?? 1, ip, req.socket) : this.d.limiter.check(weight, route?.order ?? false, ip, req.socket);
    if (!decision.ok) {
      record(decision.status, decision.code);
      return sendJson(res, decision.status, { code: decision.code, msg: decision.msg }, decision.headers);
    }
    const refuse = of('reject');
    if (refuse) {
      // Binance's own status and words for a code the table knows (simError), else the rule's.
      const known = String(refuse.code) in BINANCE_ERRORS ? simError(String(refuse.code) as BinanceErrorCode) : null;
      const e = new SimError(refuse.code, refuse.status ?? known?.httpStatus ?? 400, refuse.msg ?? known?.message ?? 'Request refused.');
      record(e.httpStatus, e.code);
      return sendJson(res, e.httpStatus, e.body(), refuse.retryAfterSec === undefined ? decision.headers : { ...decision.headers, 'Retry-After': String(refuse.retryAfterSec) });
    }
    if (!route) {
      record(404);
      return sendJson(res, 404, { code: -1000, msg: `The simulator does not implement ${method} ${path}.` }, decision.headers);
    }
    let body: unknown;
    try {
      if (hasDuplicateParam(url.searchParams, new URLSearchParams(rawBody))) throw simError('-1101');
      authenticate({ apiKey: header(req, 'x-mbx-apikey'), rawQuery, rawBody, params, clientIp: ip }, route.security, this.d.creds, this.d.ctx.wallNowMs());
      body = this.d.ctx.engine.withFillRatio(of('partialFill')?.ratio, () => route.handler(this.d.ctx, params));
    } catch (e) {
      if (!(e instanceof SimError)) throw e;
      record(e.httpStatus, e.code);
      if (of('lostResponse')) return this.lose(req, res, of('lostResponse')?.mode ?? 'reset', () => undefined);
      return sendJson(res, e.httpStatus, e.body(), decision.headers);
    }
    const stale = of('staleTrades');
    if (stale && Array.isArray(body)) {
      const newest = new Set(this.d.ctx.engine.fills.slice(-stale.hide).map((f) => f.tradeId));
      body = (body as { id: number }[]).filter((t) => !newest.has(t.id));
    }
    const lost = of('lostResponse');
    if (lost) return this.lose(req, res, lost.mode ?? 'reset', record);
    if (e5) return this.send5xx(res, e5, record);
    const bad = of('badBody');
    if (bad) {
      const text = bad.body ?? '<html><body><h1>200 OK</h1></body></html>';
      record(200);
      return sendText(res, 200, text, decision.headers, isJson(text) ? 'application/json' : 'text/html');
    }
    record(200);
    if (route.raw) return sendText(res, 200, String(body), decision.headers);
    return sendJson(res, 200, body, decision.headers);
  }

  /** Closes every connection a `hang` fault kept open. */
  destroyHanging(): void {
    for (const s of this.hanging) s.destroy();
    this.hanging.clear();
  }

  private admin(method: string, name: string, rawBody: string, res: ServerResponse): void {
    let body: Record<string, unknown> = {};
    try {
      body = rawBody ? (JSON.parse(rawBody) as Record<string, unknown>) : {};
      const [status, out] = this.d.admin.handle(method, name, body);
      sendJson(res, status, out ?? {}, {});
    } catch (e) {
      sendJson(res, 400, { error: e instanceof Error ? e.message : String(e) }, {});
    }
  }

  /** The client never gets an answer: the socket is reset, or held open until the client gives up. */
  private lose(req: IncomingMessage, res: ServerResponse, mode: 'reset' | 'hang', record: (s: number) => void): void {
    record(0);
    const socket = req.socket;
    if (mode === 'reset') {
      socket.destroy();
      return;
    }
    this.hanging.add(socket);
    socket.on('close', () => this.hanging.delete(socket));
    res.on('close', () => this.hanging.delete(socket));
  }

  private send5xx(res: ServerResponse, f: Extract<FaultRule, { kind: 'error5xx' }>, record: (s: number, c?: number) => void): void {
    const status = f.status ?? 503;
    if (f.code !== undefined) {
      const body = { code: f.code, msg: f.msg ?? BINANCE_5XX_MSG[f.code] ?? 'Internal error.' };
      record(status, body.code);
      return sendJson(res, status, body, {});
    }
    if (status === 500 || status === 503) {
      const body = status === 500
        ? { code: -1001, msg: BINANCE_5XX_MSG[-1001]! }
        : { code: -1008, msg: BINANCE_5XX_MSG[-1008]! };
      record(status, body.code);
      return sendJson(res, status, body, {});
    }
    record(status);
    return sendText(res, status, status === 502 ? 'Bad Gateway' : status === 504 ? 'Gateway Timeout' : 'Server Error', {}, 'text/plain');
  }
}

/** Binance's messages for the codes it sends with a 5xx ("execution status unknown" family). */
const BINANCE_5XX_MSG: Record<number, string> = {
  [-1000]: 'An unknown error occured while processing the request.',
  [-1001]: 'Internal error; unable to process your request. Please try again.',
  [-1006]: 'An unexpected response was received from the message bus. Execution status unknown.',
  [-1007]: 'Timeout waiting for response from backend server. Send status unknown; execution status unknown.',
  [-1008]: 'Server is currently overloaded with other requests. Please try again in a few minutes.',
};

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string>): void {
  sendText(res, status, JSON.stringify(body), headers);
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string>, type = 'application/json'): void {
  if (res.writableEnded || res.destroyed) return;
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/**
 * A parameter sent twice, in the query or in the query and the body: Binance refuses it (-1101) rather
 * than reading one of the values, so a client that repeats one learns it here and not in production.
 */
function hasDuplicateParam(query: URLSearchParams, body: URLSearchParams): boolean {
  const seen = new Set<string>();
  for (const key of [...query.keys(), ...body.keys()]) {
    if (seen.has(key)) return true;
    seen.add(key);
  }
  return false;
}
