import { readFileSync, readdirSync } from 'node:fs';
import { request } from 'node:http';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { accessPolicy, isLoopbackHost, tokenMatches } from '../../../src/web/server/access.ts';
import { type Dashboard, METHODS, ROUTES, startDashboard } from '../../../src/web/server/dashboard-server.ts';
import { testConfig } from '../../support/bot-harness.ts';
import { storeWithTrades } from '../store-fixture.ts';

const TOKEN = 'a-long-enough-test-token-0123456789';
let dash: Dashboard | null = null;
afterEach(async () => {
  await dash?.close();
  dash = null;
});

/** One raw HTTP request to 127.0.0.1 (the only address these tests talk to), with any Host header. */
function http(port: number, path: string, o: { method?: string; headers?: Record<string, string> } = {}): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((done, fail) => {
    const req = request({ host: '127.0.0.1', port, path, method: o.method ?? 'GET', headers: o.headers ?? {} }, (res) => {
      // An event stream never ends by itself: its first bytes are enough.
      if (o.method !== 'HEAD' && String(res.headers['content-type']).startsWith('text/event-stream')) {
        res.once('data', (b: Buffer) => {
          done({ status: res.statusCode!, body: b.toString(), headers: res.headers });
          res.destroy();
        });
        return;
      }
      let body = '';
      res.on('data', (b: Buffer) => (body += b.toString()));
      res.on('end', () => done({ status: res.statusCode!, body, headers: res.headers }));
    });
    req.on('error', fail);
    req.end();
  });
}

describe('who may read the dashboard', () => {
  it('knows loopback addresses: 127.0.0.0/8, ::1, localhost; nothing else', () => {
    for (const h of ['127.0.0.1', '127.8.9.10', '::1', '[::1]', 'localhost', '::ffff:127.0.0.1']) expect(isLoopbackHost(h)).toBe(true);
    for (const h of ['0.0.0.0', '::', '192.168.1.10', '10.0.0.1', 'example.com', '128.0.0.1']) expect(isLoopbackHost(h)).toBe(false);
  });

  it('refuses a non-loopback bind without LADDER_DASHBOARD_TOKEN (or with a short one)', async () => {
    expect(accessPolicy('0.0.0.0', undefined)).toEqual({ ok: false, message: expect.stringContaining('requires LADDER_DASHBOARD_TOKEN') });
    expect(accessPolicy('0.0.0.0', 'short')).toEqual({ ok: false, message: expect.stringContaining('at least 16 characters') });
    const { dbPath } = storeWithTrades();
    await expect(startDashboard({ dbPath, host: '0.0.0.0', port: 0, token: '', config: testConfig(), mode: 'standalone' })).rejects.toThrow(/requires LADDER_DASHBOARD_TOKEN/);
  });

  it('compares tokens in constant time over their hashes: equal only when equal', () => {
    expect(tokenMatches(TOKEN, TOKEN)).toBe(true);
    expect(tokenMatches(`${TOKEN}x`, TOKEN)).toBe(false);
    expect(tokenMatches('', TOKEN)).toBe(false);
    expect(tokenMatches(null, TOKEN)).toBe(false);
  });

  it('on a non-loopback bind, refuses every request without the right token, on every route, and answers with it', async () => {
    const { dbPath } = storeWithTrades();
    dash = await startDashboard({ dbPath, host: '0.0.0.0', port: 0, token: TOKEN, config: testConfig(), mode: 'standalone' });
    expect(dash.tokenRequired).toBe(true);
    for (const path of ROUTES) {
      const none = await http(dash.port, path);
      expect([path, none.status]).toEqual([path, 401]);
      expect(JSON.parse(none.body)).toEqual({ error: { code: 'unauthorized', message: 'missing or wrong dashboard token' } });
      expect((await http(dash.port, `${path}?token=wrong-token-wrong-token`)).status).toBe(401);
      expect((await http(dash.port, path, { headers: { Authorization: 'Bearer nope' } })).status).toBe(401);
    }
    expect((await http(dash.port, '/api/positions', { headers: { Authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    expect((await http(dash.port, '/api/history', { headers: { 'X-Ladder-Token': TOKEN } })).status).toBe(200);
    expect((await http(dash.port, `/api/stream?token=${TOKEN}`)).status).toBe(200);
    // The page passes the token on to its script (and so to every request it makes).
    const page = await http(dash.port, `/?token=${TOKEN}`);
    expect(page.status).toBe(200);
    expect(page.body).toContain(`src="app.js?token=${TOKEN}"`);
    expect((await http(dash.port, `/app.js?token=${TOKEN}`)).status).toBe(200);
  });

  it('on loopback, refuses a Host header that is not a loopback name (DNS rebinding)', async () => {
    const { dbPath } = storeWithTrades();
    dash = await startDashboard({ dbPath, port: 0, token: '', config: testConfig(), mode: 'standalone' });
    expect(dash.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect((await http(dash.port, '/api/positions')).status).toBe(200);
    expect((await http(dash.port, '/api/positions', { headers: { Host: `localhost:${dash.port}` } })).status).toBe(200);
    const rebound = await http(dash.port, '/api/positions', { headers: { Host: 'attacker.example' } });
    expect(rebound.status).toBe(403);
  });
});

describe("another site's page in the user's browser (it cannot read the answers, but the server does the work)", () => {
  it('a request it makes the browser send (no-cors fetch, <img>, iframe: Sec-Fetch-Site cross-site) is refused before any work, so a page looping on /api/history.csv cannot keep the event loop busy; the dashboard\'s own requests, a link followed to it and clients without those headers are answered', async () => {
    const { dbPath } = storeWithTrades();
    dash = await startDashboard({ dbPath, port: 0, token: '', config: testConfig(), mode: 'standalone' });
    const crossSite = (mode: string, dest: string) => ({ 'Sec-Fetch-Site': 'cross-site', 'Sec-Fetch-Mode': mode, 'Sec-Fetch-Dest': dest });
    for (const [path, headers] of [
      ['/api/history.csv', crossSite('no-cors', 'empty')],
      ['/api/analytics', crossSite('no-cors', 'image')],
      ['/api/history.csv', crossSite('navigate', 'iframe')],
      ['/api/stream', crossSite('cors', 'empty')],
    ] as const) {
      const r = await http(dash.port, path, { headers });
      expect([path, headers['Sec-Fetch-Dest'], r.status]).toEqual([path, headers['Sec-Fetch-Dest'], 403]);
      expect(r.body).not.toMatch(/^entry_time|BTCUSDT-/);
    }
    expect((await http(dash.port, '/api/history.csv', { headers: { 'Sec-Fetch-Site': 'same-origin', 'Sec-Fetch-Mode': 'cors', 'Sec-Fetch-Dest': 'empty' } })).status).toBe(200);
    expect((await http(dash.port, '/', { headers: crossSite('navigate', 'document') })).status).toBe(200);
    expect((await http(dash.port, '/', { headers: { 'Sec-Fetch-Site': 'none', 'Sec-Fetch-Mode': 'navigate', 'Sec-Fetch-Dest': 'document' } })).status).toBe(200);
    expect((await http(dash.port, '/api/history.csv')).status).toBe(200);
  });
});

describe('the dashboard is read-only: no route places or cancels an order', () => {
  it('answers GET and HEAD only; every other method on every route is 405 with Allow: GET, HEAD', async () => {
    const { dbPath } = storeWithTrades();
    dash = await startDashboard({ dbPath, port: 0, token: '', config: testConfig(), mode: 'standalone' });
    expect(METHODS).toEqual(['GET', 'HEAD']);
    for (const path of ROUTES) {
      for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
        const r = await http(dash.port, path, { method, headers: { 'Content-Type': 'application/json' } });
        expect([method, path, r.status, r.headers['allow']]).toEqual([method, path, 405, 'GET, HEAD']);
      }
      const get = path === '/api/candles' ? `${path}?symbol=BTCUSDT` : path;
      expect([path, (await http(dash.port, get)).status]).toEqual([path, 200]);
      expect([path, (await http(dash.port, get, { method: 'HEAD' })).status]).toEqual([path, 200]);
    }
    expect((await http(dash.port, '/api/orders', { method: 'POST' })).status).toBe(404);
  });

  it('its server code cannot reach an exchange: nothing under src/web/server imports the exchange, bot, sim or order code', () => {
    const dir = resolve(import.meta.dirname, '../../../src/web/server');
    for (const f of readdirSync(dir)) {
      const text = readFileSync(join(dir, f), 'utf8');
      const imports = [...text.matchAll(/from '([^']+)'/g)].map((m) => m[1]!);
      expect([f, imports.filter((i) => /\/(exchange|bot|sim)\/|order-router|ccxt/.test(i))]).toEqual([f, []]);
    }
  });
});
