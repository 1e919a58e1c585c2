import { connect } from 'node:net';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { raw } from '../raw-http.ts';
import { dashboardPerTest } from './started-dashboard.ts';

const per = dashboardPerTest();
const start = per.start;
const errors = () => per.errors();

const health = async (port: number) => (await raw(port, 'GET /api/health HTTP/1.1')).status;

describe('the dashboard answers every request, however malformed, and never throws out of a handler (R6.6, issue 12 fault 6)', () => {
  it('GET //, /%, /..%2f and other broken URLs: a 4xx JSON answer with the security headers, then the next request is answered', async () => {
    const { dash } = await start();
    const cases: [string, number, string][] = [
      ['//', 404, 'not_found'], // threw `Invalid URL` before the error boundary and ended the process
      ['/%', 400, 'bad_request'],
      ['/..%2f', 404, 'not_found'],
      ['/%zz?token=%', 400, 'bad_request'],
      ['/api//health', 404, 'not_found'],
      ['/./', 404, 'not_found'],
      ['/api/history?from=%', 400, 'bad_request'],
      ['/api/events?after=%ff%fe&limit=-1', 400, 'bad_request'],
      ['/api/candles?symbol=%00', 400, 'bad_request'], // not a symbol: said so (it answered 200 with no candles before)
    ];
    for (const [url, status, code] of cases) {
      const r = await raw(dash.port, `GET ${url} HTTP/1.1`);
      expect([url, r.status]).toEqual([url, status]);
      expect(r.headers).toMatch(/content-security-policy: default-src 'none'/i);
      if (code) expect([url, JSON.parse(r.body)]).toEqual([url, { error: { code, message: expect.any(String) } }]);
      expect(await health(dash.port)).toBe(200);
    }
    expect(errors()).toEqual([]);
  });

  it('a huge URL: 404 below the header limit, 431 above it; absurd headers: 4xx or answered, never a crash', async () => {
    const { dash } = await start();
    expect((await raw(dash.port, `GET /${'a'.repeat(15_000)} HTTP/1.1`)).status).toBe(404);
    expect((await raw(dash.port, `GET /api/health?x=${'%'.repeat(15_000)} HTTP/1.1`)).status).toBe(200);
    expect([431, 0]).toContain((await raw(dash.port, `GET /${'a'.repeat(100_000)} HTTP/1.1`)).status); // 0: reset before the 431 arrived
    const headerCases: [string, number][] = [
      ['Host: [\r\n', 403],
      ['Host: ::::\r\n', 403],
      ['', 400], // HTTP/1.1 without Host
      [`Host: 127.0.0.1\r\nAuthorization: Bearer ${'x'.repeat(10_000)}\r\n`, 200],
      ['Host: 127.0.0.1\r\nContent-Length: abc\r\n', 400],
      [`Host: 127.0.0.1\r\n${Array.from({ length: 500 }, (_, i) => `X-H${i}: ${i}`).join('\r\n')}\r\n`, 200],
    ];
    for (const [headers, status] of headerCases) {
      expect([headers.slice(0, 40), (await raw(dash.port, 'GET /api/health HTTP/1.1', headers)).status]).toEqual([headers.slice(0, 40), status]);
      expect(await health(dash.port)).toBe(200);
    }
    expect([431, 0]).toContain((await raw(dash.port, 'GET /api/health HTTP/1.1', `Host: 127.0.0.1\r\nX-Big: ${'x'.repeat(70_000)}\r\n`)).status);
    expect(await health(dash.port)).toBe(200);
    // A GET with a chunked body that is not JSON: the body is never read.
    expect((await raw(dash.port, 'GET /api/health HTTP/1.1', 'Host: 127.0.0.1\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n', '5\r\n{"a":\r\n0\r\n\r\n')).status).toBe(200);
    expect((await raw(dash.port, 'GARBAGE / HTTP/1.1')).status).toBe(400);
    expect(await health(dash.port)).toBe(200);
  });

  it('a handler that throws, or rejects: 500 with a fixed message (the error goes to onError, not to the page), and the next request is answered', async () => {
    const { dash } = await start({
      testRoutes: {
        '/test/throw': () => {
          throw new Error('secret internal detail');
        },
        '/test/reject': async () => {
          await new Promise((r) => setTimeout(r, 5));
          throw new TypeError('later');
        },
        '/test/not-an-error': () => {
          throw 'a string'; // what a library might throw
        },
      },
    });
    for (const path of ['/test/throw', '/test/reject', '/test/not-an-error']) {
      const r = await raw(dash.port, `GET ${path} HTTP/1.1`);
      expect([path, r.status, JSON.parse(r.body)]).toEqual([path, 500, { error: { code: 'internal', message: 'internal error (logged by the server)' } }]);
      expect(await health(dash.port)).toBe(200);
    }
    expect(errors()).toEqual([
      ['request', 'secret internal detail'],
      ['request', 'later'],
      ['request', 'a string'],
    ]);
  });

  it('a store that throws (a corrupt row): 500 on the routes that read it, the others still answer', async () => {
    const { dash, dbPath, ids } = await start();
    const db = new Database(dbPath);
    db.prepare('UPDATE plans SET json = ? WHERE position_id = ?').run('{not json', ids.ladder);
    db.close();
    expect((await raw(dash.port, 'GET /api/history HTTP/1.1')).status).toBe(500);
    expect((await raw(dash.port, 'GET /api/analytics HTTP/1.1')).status).toBe(500);
    expect((await raw(dash.port, 'GET /api/positions HTTP/1.1')).status).toBe(200);
    expect(await health(dash.port)).toBe(200);
    expect(errors().map(([w]) => w)).toEqual(['request', 'request']);
  });

  it('event streams cut mid-write are dropped without an error escaping; the bot-side feed never throws', async () => {
    const { dash } = await start({ mode: 'bot', priceThrottleMs: 0 });
    const sockets = await Promise.all(
      Array.from({ length: 5 }, () => new Promise<ReturnType<typeof connect>>((done) => {
        const s = connect(dash.port, '127.0.0.1', () => {
          s.write('GET /api/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
          s.once('data', () => done(s));
        });
      })),
    );
    for (const s of sockets) s.destroy(); // the pages go away without a goodbye
    for (let i = 0; i < 200; i++) {
      dash.feed.pushPrice('BTCUSDT', 60000 + i, Date.now());
      dash.feed.feedOk(Date.now());
      dash.feed.notify();
    }
    await new Promise((r) => setTimeout(r, 100));
    expect(await health(dash.port)).toBe(200);
    // A symbol the dashboard has never seen and a non-number price are still no throw for the bot.
    expect(() => dash.feed.pushPrice('NOPE', Number.NaN, Number.NaN)).not.toThrow();
  });
});
