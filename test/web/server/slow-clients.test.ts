import { type Socket, connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { DomainEvent } from '../../../src/core/index.ts';
import { openStore } from '../../../src/store/index.ts';
import type { DashboardOptions } from '../../../src/web/server/dashboard-server.ts';
import { raw } from '../raw-http.ts';
import { dashboardPerTest } from './started-dashboard.ts';

const per = dashboardPerTest();
/** The fixture dashboard, polling its store every 20 ms. */
const start = (o: Partial<DashboardOptions> = {}) => per.start({ pollMs: 20, ...o });
const errors = () => per.errors();

/** An event stream opened on a raw socket; resolves once its first bytes arrived. */
const openStream = (port: number): Promise<{ s: Socket; closed: Promise<void>; bytes: () => number }> =>
  new Promise((done) => {
    let n = 0;
    const s = connect(port, '127.0.0.1', () => s.write('GET /api/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'));
    const closed = new Promise<void>((r) => s.on('close', () => r()));
    s.on('error', () => {});
    s.on('data', (b: Buffer) => {
      if (n === 0) done({ s, closed, bytes: () => n });
      n += b.length;
    });
  });

const health = async (port: number) => (await raw(port, 'GET /api/health HTTP/1.1')).status;
const until = async (what: string, f: () => boolean, ms: number) => {
  const t = Date.now();
  while (!f()) {
    if (Date.now() - t > ms) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('slow and stalled clients cannot hold the dashboard (in the bot process)', () => {
  it('a page that stops reading its event stream is dropped once 512 KiB are unread; a page that reads keeps its stream', async () => {
    const { dash, dbPath } = await start({ maxStreamBacklogBytes: 512 * 1024 });
    const stalled = await openStream(dash.port);
    stalled.s.pause(); // reads nothing more: the kernel's buffers fill, then the server's
    const reading = await openStream(dash.port);
    // Events the hub tails from the store and pushes to every page: ~1 KB each, 200 a batch (each batch a
    // burst below the cap), up to 60 MB in all: more than loopback's socket buffers can absorb.
    const store = openStore(dbPath);
    try {
      const big = 'p'.repeat(1000);
      let written = 0;
      for (let batch = 0; batch < 300 && !errors().some(([w]) => w === 'stream'); batch++) {
        const events: DomainEvent[] = Array.from({ length: 200 }, (_, i) => ({ type: 'stop.reached', positionId: `${big}${batch}-${i}`, symbol: 'BTCUSDT', timeMs: 1_700_000_000_000 + i, price: 60_000 }));
        store.recordEvents(events);
        written += events.length;
        const before = reading.bytes();
        await until('the reading page got the batch', () => reading.bytes() >= before + 200 * 1000 || errors().some(([w]) => w === 'stream'), 20_000);
      }
      await until('the stalled page dropped', () => errors().some(([w]) => w === 'stream'), 20_000);
      // Reading again, it gets what was in flight, then the end: the server closed it.
      stalled.s.resume();
      await stalled.closed;
      expect(errors().find(([w]) => w === 'stream')![1]).toMatch(/still unread/);
      expect(written).toBeGreaterThan(0);
      // The page that reads was not dropped: it still gets what follows, and the server answers.
      const before = reading.bytes();
      store.recordEvents([{ type: 'stop.reached', positionId: 'after', symbol: 'BTCUSDT', timeMs: 1_700_000_000_000, price: 60_000 }]);
      await until('the reading page got the event after the drop', () => reading.bytes() > before, 5_000);
      expect(reading.s.destroyed).toBe(false);
      expect(await health(dash.port)).toBe(200);
      expect(errors().filter(([w]) => w === 'stream')).toHaveLength(1);
    } finally {
      store.close();
      stalled.s.destroy();
      reading.s.destroy();
    }
  }, 60_000);

  it("a request whose headers never end is closed after 10 s, while an event stream lives on past it", async () => {
    const { dash } = await start();
    const stream = await openStream(dash.port);
    const slow = connect(dash.port, '127.0.0.1');
    slow.on('error', () => {});
    let answer = '';
    slow.on('data', (b: Buffer) => (answer += b.toString('latin1')));
    const closedAt = new Promise<number>((r) => slow.on('close', () => r(Date.now())));
    const t0 = Date.now();
    slow.write('GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    // One more header line every 2 s: never the blank line that ends them.
    const drip = setInterval(() => slow.write(`X-Slow-${Date.now()}: 1\r\n`), 2000);
    try {
      const at = await closedAt;
      expect(at - t0).toBeGreaterThanOrEqual(9_000);
      expect(at - t0).toBeLessThan(15_000);
      expect(answer).toMatch(/^HTTP\/1\.1 408/);
      // The stream, opened before, outlived the request timeout and still gets data (its heartbeat or a poll).
      expect(stream.s.destroyed).toBe(false);
      const before = stream.bytes();
      dash.feed.notify();
      expect(await health(dash.port)).toBe(200);
      await new Promise((r) => setTimeout(r, 200));
      expect(stream.s.destroyed).toBe(false);
      expect(before).toBeGreaterThan(0);
    } finally {
      clearInterval(drip);
      slow.destroy();
      stream.s.destroy();
    }
  }, 30_000);
});
