import { statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Position, analyzeRun, fundingBooked, levelStats, totalPnl } from '../../../src/core/index.ts';
import { openStore } from '../../../src/store/index.ts';
import type { AnalyticsResponse, CandlesResponse, HistoryResponse, PositionsResponse } from '../../../src/web/components/dashboard-model.ts';
import { realisedEquity } from '../../../src/web/server/analytics.ts';
import { type Dashboard, startDashboard } from '../../../src/web/server/dashboard-server.ts';
import { testConfig } from '../../support/bot-harness.ts';
import { HOUR, T0, storeWithTrades } from '../store-fixture.ts';
import { tempDir } from '../../support/temp-dir.ts';

let dash: Dashboard | null = null;
afterEach(async () => {
  await dash?.close();
  dash = null;
});

async function get<T>(path: string): Promise<{ status: number; body: T }> {
  const r = await fetch(`${dash!.url.replace(/\/$/, '')}${path}`);
  return { status: r.status, body: (await r.json()) as T };
}

/** Reads the event stream until `until` says enough (frames as [event, data]). */
function stream(port: number, until: (frames: [string, unknown][]) => boolean): Promise<[string, unknown][]> {
  return new Promise((done, fail) => {
    const frames: [string, unknown][] = [];
    let buf = '';
    const req = request({ host: '127.0.0.1', port, path: '/api/stream' }, (res) => {
      res.on('data', (b: Buffer) => {
        buf += b.toString();
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const frame = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const name = /^event: (.*)$/m.exec(frame)?.[1];
          const data = /^data: (.*)$/m.exec(frame)?.[1];
          if (name && data) frames.push([name, JSON.parse(data)]);
        }
        if (until(frames)) {
          res.destroy();
          done(frames);
        }
      });
    });
    req.on('error', fail);
    req.end();
  });
}

async function standalone() {
  const fx = storeWithTrades();
  dash = await startDashboard({ dbPath: fx.dbPath, port: 0, token: '', config: testConfig({ take_profit_pct: 3 }), mode: 'standalone', pollMs: 50 });
  return fx;
}

describe('the dashboard API over a store (standalone: `ladder dashboard --db FILE`)', () => {
  it('/api/positions: a card per open position from the core’s tpStatus, priced at the last stored close', async () => {
    const { ids } = await standalone();
    const { body } = await get<PositionsResponse>('/api/positions');
    expect(body.feed.state).toBe('standalone');
    expect(body.positions.map((p) => p.id)).toEqual([ids.open]);
    const p = body.positions[0]!;
    expect(p.levels.map((l) => [l.reason, l.hit, l.fillPrice])).toEqual([
      ['tp1', true, 60700], // filled where the price crossed it (the fixture fills at the trigger)
      ['tp2', false, null],
      ['tp3', false, null],
    ]);
    expect([p.originalQty, p.remainingQty, p.stopPrice, p.previousStopPrice, p.leverage]).toEqual([0.01, 0.007, 60000, 58800, 5]);
    expect(p.markPrice).toBe(60050); // the last stored candle's close
    expect(p.nextTarget).toEqual({ level: 2, reason: 'tp2', price: 61200, distancePct: ((61200 - 60050) * 100) / 60050 });
    expect(p.unrealizedPnl).toBeCloseTo((60050 - 60000) * 0.007, 9);
    const btc = body.symbols.find((s) => s.symbol === 'BTCUSDT')!;
    expect([btc.tickSize, btc.stepSize, btc.priceDecimals, btc.qtyDecimals, btc.timeframeMs, btc.priceSource]).toEqual(['0.1', '0.001', 1, 3, HOUR, 'candle']);
  });

  it('/api/history: trades grouped by entry with every exit, newest first, filtered by symbol and entry time', async () => {
    const { dbPath, ids } = await standalone();
    const store = openStore(dbPath);
    const { body } = await get<HistoryResponse>('/api/history');
    expect(body.trades.map((t) => t.id)).toEqual([ids.open, ids.stopped, ids.tp1Stop, ids.ladder]);
    for (const t of body.trades) {
      const p = store.getPosition(t.id)!;
      expect(t.exits.map((e) => [e.reason, e.price, e.quantity])).toEqual(p.partialExits.map((e) => [e.reason, e.price, e.qtySteps / 1000]));
      expect(t.pnl).toBe(totalPnl(p));
    }
    store.close();
    expect((await get<HistoryResponse>(`/api/history?from=${T0 + 4 * HOUR}&to=${T0 + 10 * HOUR}`)).body.trades.map((t) => t.id)).toEqual([ids.stopped, ids.tp1Stop]);
    expect((await get<HistoryResponse>(`/api/history?from=${new Date(T0 + 4 * HOUR).toISOString()}`)).body.trades).toHaveLength(3);
    expect((await get<HistoryResponse>('/api/history?symbol=ETHUSDT')).body.trades).toEqual([]);
    // The symbol as `ladder history --symbol` takes it (before: the ccxt form or lower case silently gave no trade).
    const all = (await get<HistoryResponse>('/api/history')).body.trades.map((t) => t.id);
    for (const form of ['BTCUSDT', 'btcusdt', 'BTC/USDT:USDT', '%20BTCUSDT%20']) expect((await get<HistoryResponse>(`/api/history?symbol=${encodeURIComponent(decodeURIComponent(form))}`)).body.trades.map((t) => t.id)).toEqual(all);
    expect(await get('/api/history?symbol=BTC/USDT')).toEqual({ status: 400, body: { error: { code: 'bad_request', message: 'symbol: "BTC/USDT" is a spot symbol (expected the perpetual BTCUSDT or BTC/USDT:USDT)' } } });
    expect(await get('/api/history?from=yesterday')).toEqual({ status: 400, body: { error: { code: 'bad_request', message: 'from: not a time (epoch ms or ISO 8601): yesterday' } } });
    // A window that ends before it starts (or where it starts: entries are from ≤ entry < to) is a 400
    // naming both fields, as `ladder history --from/--to` refuses it; before, an empty list as if no trade matched.
    const backwards = { status: 400, body: { error: { code: 'bad_request', message: 'from: 2025-03-05 is not before to: 2025-03-04' } } };
    expect(await get('/api/history?from=2025-03-05&to=2025-03-04')).toEqual(backwards);
    expect(await get('/api/history.csv?from=2025-03-05&to=2025-03-04')).toEqual(backwards);
    expect(await get('/api/analytics?from=2025-03-05&to=2025-03-04')).toEqual(backwards);
    expect(await get('/api/candles?symbol=BTCUSDT&from=2025-03-05&to=2025-03-04')).toEqual(backwards);
    expect(await get(`/api/history?from=${T0}&to=${T0}`)).toEqual({ status: 400, body: { error: { code: 'bad_request', message: `from: ${T0} (${new Date(T0).toISOString()}) is not before to: ${T0} (${new Date(T0).toISOString()})` } } });
    expect((await get<HistoryResponse>(`/api/history?from=${T0}&to=${T0 + 1}`)).status).toBe(200);
  });

  it('/api/analytics: analyzeRun over the closed trades (the code ladder compare uses), and the single TP on the same entries', async () => {
    const { dbPath } = await standalone();
    const store = openStore(dbPath);
    const closed: Position[] = store.tradeHistory().map((r) => store.getPosition(r.positionId)!);
    store.close();
    const { body } = await get<AnalyticsResponse>('/api/analytics');
    const expected = analyzeRun(closed, 10_000, realisedEquity('x', closed, 10_000).v);
    expect(body.scaled.summary).toEqual(expected.summary);
    expect(body.scaled.levels.map((l) => [l.reason, l.eligible, l.hits, l.hit_rate])).toEqual(levelStats(closed).map((l) => [l.reason, l.eligible, l.hits, l.hit_rate]));
    expect(body.scaled.levels.map((l) => [l.reason, l.hits, l.eligible])).toEqual([
      ['tp1', 2, 3],
      ['tp2', 1, 3],
      ['tp3', 1, 3],
    ]);
    // The stored candles are flat (59950–60100): neither the single TP (61800) nor the stop (58800) is
    // reached, so every single outcome is still open at the last candle and closes there (end).
    expect(body.comparison.entries).toBe(3);
    expect(body.comparison.closedAtEnd).toBe(3);
    expect(body.comparison.trades.map((t) => t.singleReason)).toEqual(['end', 'end', 'end']);
    expect(body.comparison.single.levels.map((l) => [l.reason, l.eligible, l.hits])).toEqual([['tp', 3, 0]]);
    expect(body.equity.map((e) => e.name)).toEqual(['scaled', 'single TP 3 %']);
    expect(body.equity[0]!.v.at(-1)).toBeCloseTo(10_000 + closed.reduce((s, t) => s + totalPnl(t), 0), 9);
  });

  it('/api/candles: stored candles as columns, the newest `limit`; a symbol is required', async () => {
    await standalone();
    const { body } = await get<CandlesResponse>('/api/candles?symbol=BTCUSDT&limit=3');
    expect(body.timeframeMs).toBe(HOUR);
    expect(body.candles.t).toEqual([T0 + 12 * HOUR, T0 + 13 * HOUR, T0 + 14 * HOUR]);
    expect((await get('/api/candles')).status).toBe(400);
    expect((await get('/api/nothing')).status).toBe(404);
  });

  it('/api/candles reads symbol as /api/history does: btcusdt and BTC/USDT:USDT are BTCUSDT, a spot symbol is a 400 saying why', async () => {
    await standalone();
    for (const symbol of ['btcusdt', 'BTC/USDT:USDT', ' BTCUSDT ']) {
      const { status, body } = await get<CandlesResponse>(`/api/candles?symbol=${encodeURIComponent(symbol)}&limit=2`);
      expect([status, body.symbol, body.timeframeMs, body.candles.t], symbol).toEqual([200, 'BTCUSDT', HOUR, [T0 + 13 * HOUR, T0 + 14 * HOUR]]);
    }
    const spot = await get<{ error: { code: string; message: string } }>('/api/candles?symbol=BTC%2FUSDT');
    expect([spot.status, spot.body.error.message]).toEqual([400, 'symbol: "BTC/USDT" is a spot symbol (expected the perpetual BTCUSDT or BTC/USDT:USDT)']);
  });

  it('pushes what another process writes to the store: an event, then the positions it changed', async () => {
    const { dbPath, ids } = await standalone();
    const writer = openStore(dbPath);
    const frames = stream(dash!.port, (f) => f.some(([n]) => n === 'event'));
    // The stream's first frame is the snapshot; then the writer books a fill elsewhere.
    await new Promise((r) => setTimeout(r, 100));
    const p = writer.getPosition(ids.open)!;
    writer.recordEvents([{ type: 'stop.reached', positionId: p.id, symbol: p.symbol, timeMs: T0 + 14 * HOUR, price: 60000 }]);
    const got = await frames;
    writer.close();
    expect(got[0]![0]).toBe('positions');
    expect(got.find(([n]) => n === 'event')![1]).toMatchObject({ type: 'stop.reached', positionId: ids.open });
  });

  it('shows a change the bot saved without an event (funding booked on the open position), on /api/positions and the stream', async () => {
    const { dbPath, ids } = await standalone();
    // The open long after TP1 at 60,700: 0.003 × 700 − 0.01 fee − 0.006 of the entry fee = 2.084 realised.
    expect((await get<PositionsResponse>('/api/positions')).body.positions[0]!.realizedPnl).toBeCloseTo(2.084, 9);
    const frames = stream(dash!.port, (f) => f.some(([n, d]) => n === 'positions' && (d as PositionsResponse).positions[0]?.realizedPnl !== 2.084 && f.length > 1));
    await new Promise((r) => setTimeout(r, 100));
    // As the bot books a settlement: the position saved, no event (fundingBooked makes none).
    const writer = openStore(dbPath);
    writer.savePosition(fundingBooked(writer.getPosition(ids.open)!, -5, T0 + 13 * HOUR).position);
    writer.close();
    const got = await Promise.race([frames, new Promise<null>((r) => setTimeout(() => r(null), 2_000))]);
    expect(got?.at(-1)?.[1] as PositionsResponse | undefined, 'no positions frame after the save').toBeDefined();
    expect((got!.at(-1)![1] as PositionsResponse).positions[0]!.realizedPnl).toBeCloseTo(2.084 - 5, 9);
    expect((await get<PositionsResponse>('/api/positions')).body.positions[0]!.realizedPnl).toBeCloseTo(2.084 - 5, 9);
  });

  it('standalone over a file that is no Ladder store (an empty file): refused, and nothing written to it', async () => {
    const file = join(tempDir('ladder-dash-empty-'), 'empty.db');
    writeFileSync(file, '');
    await expect(startDashboard({ dbPath: file, port: 0, token: '', mode: 'standalone' })).rejects.toThrow(`${file}: not a Ladder store (an empty file)`);
    expect(statSync(file).size).toBe(0); // before: made a Ladder store (188 KB of tables) and served as one
  });
});
