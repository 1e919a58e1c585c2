import { request } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type LadderConfig, parseConfigValue } from '../../../src/core/config/index.ts';
import { type Store, openStore } from '../../../src/store/index.ts';
import { requestOrigin } from '../../../src/web/server/request-origin.ts';
import { type Webhook, startWebhook } from '../../../src/web/webhook/webhook-server.ts';
import { tempDir } from '../../support/temp-dir.ts';

/** The webhook alone over real HTTP: what it answers, what it stores, what it logs. No bot here. */
const SECRET = 'test-secret-0123456789';
const NOW = Date.UTC(2026, 5, 1, 12, 0, 0);

let hook: Webhook | null = null;
let store: Store | null = null;
afterEach(async () => {
  await hook?.close();
  hook = null;
  store?.close();
  store = null;
});

function config(webhook: Record<string, unknown> = {}): LadderConfig {
  const r = parseConfigValue({ symbols: ['BTC/USDT:USDT', 'ETH/USDT:USDT'], leverage: 5, webhook }, 'test');
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  return r.value;
}

interface Logged {
  level: string;
  fields: Record<string, unknown>;
  msg: string;
}

async function start(webhook: Record<string, unknown> = {}, now = () => NOW) {
  store = openStore(join(tempDir('ladder-webhook-'), 'ladder.db'));
  const logged: Logged[] = [];
  const at = (level: string) => (fields: object, msg: string) => void logged.push({ level, fields: fields as Record<string, unknown>, msg });
  hook = await startWebhook({ config: config(webhook), store, secret: SECRET, log: { info: at('info'), warn: at('warn'), error: at('error') }, now, port: 0 });
  return { logged };
}

/** A raw POST (the body as given, any content type), answered status, headers and JSON. */
function post(body: string, opts: { path?: string; method?: string; contentType?: string | null } = {}): Promise<{ status: number; headers: Record<string, unknown>; json: { ok: boolean; error?: { code: string; message: string }; [k: string]: unknown } }> {
  const url = new URL(hook!.url);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { 'Content-Length': Buffer.byteLength(body) };
    if (opts.contentType !== null) headers['Content-Type'] = opts.contentType ?? 'application/json';
    const req = request({ host: url.hostname, port: url.port, path: opts.path ?? url.pathname, method: opts.method ?? 'POST', headers }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, json: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const alert = (over: Record<string, unknown> = {}) => JSON.stringify({ secret: SECRET, id: 'tv-1', symbol: 'BTCUSDT', side: 'long', time: new Date(NOW - 2000).toISOString(), ...over });

describe('the signal webhook', () => {
  it('stores a valid alert as pending before answering 200', async () => {
    const { logged } = await start();
    const r = await post(alert({ stop_loss_pct: 1.5 }));
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ ok: true, id: 'tv-1', status: 'pending', symbol: 'BTC/USDT:USDT', side: 'long' });
    expect(store!.pendingSignals()).toEqual([
      expect.objectContaining({ id: 'tv-1', source: 'webhook', symbol: 'BTC/USDT:USDT', side: 'long', stopLossPct: 1.5, timeMs: NOW - 2000, receivedAtMs: NOW, status: 'pending' }),
    ]);
    expect(store!.getSignal('tv-1')!.payload).not.toHaveProperty('secret');
    expect(logged.map((l) => l.msg)).toEqual(['webhook.accepted']);
  });

  it('accepts TradingView names and text/plain: BINANCE:BTCUSDT.P, flat = close, no time = now', async () => {
    await start();
    const r = await post(JSON.stringify({ secret: SECRET, id: 'tv-2', symbol: 'BINANCE:ETHUSDT.P', side: 'flat' }), { contentType: 'text/plain; charset=utf-8' });
    expect(r.status).toBe(200);
    expect(store!.getSignal('tv-2')).toMatchObject({ symbol: 'ETH/USDT:USDT', side: 'close', timeMs: NOW, stopLossPct: null });
  });

  it('accepts a body that starts with a UTF-8 byte order mark (Windows tools write one; before: 400 malformed)', async () => {
    await start();
    const r = await post(`\uFEFF${alert({ id: 'bom-1' })}`, { contentType: 'text/plain; charset=utf-8' });
    expect([r.status, r.json.error?.message]).toEqual([200, undefined]);
    expect(store!.getSignal('bom-1')).toMatchObject({ symbol: 'BTC/USDT:USDT', side: 'long', status: 'pending' });
  });

  it('accepts a whole-number id as its digits (before: 400 bad_signal); then "42" is its duplicate; a fractional or negative id is refused naming id', async () => {
    await start();
    const r = await post(alert({ id: 42 }));
    expect([r.status, r.json['id']]).toEqual([200, '42']);
    expect(store!.getSignal('42')).toMatchObject({ side: 'long' });
    const again = await post(alert({ id: '42' }));
    expect([again.status, again.json.error?.code]).toEqual([409, 'duplicate']);
    for (const id of [1.5, -3]) {
      const bad = await post(alert({ id }));
      expect([bad.status, bad.json.error?.code]).toEqual([400, 'bad_signal']);
      expect(bad.json.error!.message).toMatch(/^id: must be text or a whole number/);
    }
    expect(store!.signals()).toHaveLength(1);
  });

  it('answers a resend of the same id 409 duplicate and stores nothing more', async () => {
    await start();
    expect((await post(alert())).status).toBe(200);
    for (let i = 0; i < 2; i++) {
      const r = await post(alert({ side: 'short' }));
      expect([r.status, r.json.error?.code]).toEqual([409, 'duplicate']);
    }
    expect(store!.signals()).toHaveLength(1);
    expect(store!.getSignal('tv-1')!.side).toBe('long');
  });

  const refusals: [string, string, { path?: string; method?: string; contentType?: string | null } | undefined, number, string][] = [
    ['a wrong secret', alert({ secret: 'not-the-secret-at-all' }), undefined, 401, 'secret'],
    ['no secret', JSON.stringify({ id: 'x', symbol: 'BTCUSDT', side: 'long' }), undefined, 401, 'secret'],
    ['a body that is not JSON', '{"secret": "', undefined, 400, 'malformed'],
    ['a JSON array', '[1,2]', undefined, 400, 'malformed'],
    ['an empty body', '', { contentType: null }, 400, 'malformed'],
    ['a stale alert (2 minutes old)', alert({ time: new Date(NOW - 120_000).toISOString() }), undefined, 409, 'stale'],
    ['a time from the future', alert({ time: NOW + 600_000 }), undefined, 400, 'bad_signal'],
    ['an unreadable time', alert({ time: 'yesterday' }), undefined, 400, 'bad_signal'],
    ['an unknown side', alert({ side: 'buy' }), undefined, 400, 'bad_signal'],
    ['no id', alert({ id: undefined }), undefined, 400, 'bad_signal'],
    ['a symbol not configured', alert({ symbol: 'SOLUSDT' }), undefined, 400, 'unknown_symbol'],
    ['a stop past liquidation at 5x', alert({ stop_loss_pct: 25 }), undefined, 400, 'bad_signal'],
    ['a field given twice (long or short? JSON.parse keeps the last: it stored a short)', alert().replace(/}$/, ',"side":"short"}'), undefined, 400, 'bad_signal'],
    ['an oversized body (5 KiB)', alert({ note: 'x'.repeat(5000) }), undefined, 413, 'too_large'],
    ['another path', alert(), { path: '/other' }, 404, 'not_found'],
    ['a GET', '', { method: 'GET', contentType: null }, 405, 'method_not_allowed'],
  ];
  for (const [name, body, opts, status, code] of refusals) {
    it(`refuses ${name}: ${status} ${code}, stores nothing, logs the reason without the secret`, async () => {
      const { logged } = await start();
      const r = await post(body, opts);
      expect([r.status, r.json.ok, r.json.error?.code]).toEqual([status, false, code]);
      expect(r.json.error!.message.length).toBeGreaterThan(3);
      expect(store!.signals()).toEqual([]);
      expect(logged).toEqual([{ level: 'warn', msg: 'webhook.refused', fields: expect.objectContaining({ status, code }) }]);
      expect(JSON.stringify(logged)).not.toContain(SECRET);
    });
  }

  it('refuses an address outside allow_ips with 403 before reading the body', async () => {
    await start({ allow_ips: ['52.89.214.238', '34.212.75.30', '54.218.53.128', '52.32.178.7'] });
    const r = await post(alert());
    expect([r.status, r.json.error?.code]).toEqual([403, 'ip_not_allowed']);
    expect(store!.signals()).toEqual([]);
  });

  it('admits an address in allow_ips', async () => {
    await start({ allow_ips: ['52.89.214.238', '127.0.0.1'] });
    expect((await post(alert())).status).toBe(200);
  });

  it('rate-limits each address: beyond rate_limit_per_min signals, 429 with Retry-After', async () => {
    await start({ rate_limit_per_min: 3 });
    for (const id of ['a', 'b', 'c']) expect((await post(alert({ id }))).status).toBe(200);
    const r = await post(alert({ id: 'd' }));
    expect([r.status, r.json.error?.code]).toEqual([429, 'rate_limited']);
    expect(Number(r.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(store!.signals().map((s) => s.id).sort()).toEqual(['a', 'b', 'c']);
  });

  it('refused requests have a budget of their own: a flood without the secret (all senders behind one proxy) does not stop the real signals', async () => {
    await start({ rate_limit_per_min: 3 });
    for (let i = 0; i < 3; i++) expect((await post(alert({ secret: 'wrong-wrong-wrong-wrong' }))).status).toBe(401);
    const junk = await post(alert({ secret: 'wrong-wrong-wrong-wrong' }));
    expect([junk.status, junk.json.error?.code]).toEqual([429, 'rate_limited']);
    expect((await post(alert({ id: 'real', side: 'flat' }))).status).toBe(200);
    expect(store!.signals().map((s) => s.id)).toEqual(['real']);
  });

  it('cuts off a sender that does not finish its request within 3 s (a slow body cannot hold a socket)', async () => {
    await start();
    const url = new URL(hook!.url);
    const t0 = Date.now();
    const answer = await new Promise<string>((resolve, reject) => {
      const sock = connect(Number(url.port), url.hostname, () => sock.write(`POST ${url.pathname} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"secret":`));
      let got = '';
      sock.on('data', (d) => (got += d));
      sock.on('close', () => resolve(got));
      sock.on('error', reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(Date.now() - t0).toBeLessThan(6000);
    expect(store!.signals()).toEqual([]);
  });

  it('refuses to start without a secret of 16 characters or more, wherever it binds', async () => {
    store = openStore(join(tempDir('ladder-webhook-'), 'ladder.db'));
    const log = { info: () => {}, warn: () => {}, error: () => {} };
    await expect(startWebhook({ config: config(), store, secret: undefined, log, port: 0 })).rejects.toThrow(/LADDER_WEBHOOK_SECRET/);
    await expect(startWebhook({ config: config(), store, secret: 'short', log, port: 0 })).rejects.toThrow(/at least 16 characters/);
  });

  it("runs its work under requestOrigin 'webhook', so the process guard survives what a request throws", async () => {
    store = openStore(join(tempDir('ladder-webhook-'), 'ladder.db'));
    const origins: (string | undefined)[] = [];
    const real = store;
    const spy = { ...real, recordSignal: (x: Parameters<Store['recordSignal']>[0]) => (origins.push(requestOrigin.getStore()), real.recordSignal(x)) };
    const log = { info: () => {}, warn: () => {}, error: () => {} };
    hook = await startWebhook({ config: config(), store: spy, secret: SECRET, log, now: () => NOW, port: 0 });
    expect((await post(alert())).status).toBe(200);
    expect(origins).toEqual(['webhook']);
  });

  it('a store that throws is a 500 with a fixed message, logged; the server answers on', async () => {
    const { logged } = await start();
    const broken = store!;
    store = openStore(join(tempDir('ladder-webhook-'), 'ladder.db'));
    broken.close(); // the webhook's store is gone: recordSignal throws
    const r = await post(alert());
    expect([r.status, r.json.error?.code, r.json.error?.message]).toEqual([500, 'internal', 'internal error (logged by the server)']);
    expect(logged.map((l) => l.msg)).toEqual(['webhook.error', 'webhook.refused']);
    expect((await post(alert({ id: 'tv-2' }))).status).toBe(500);
  });
});
