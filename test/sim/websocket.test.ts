import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Order } from 'ccxt';
import { BTC, BTC_1H, type Harness, harness, waitFor } from './harness.ts';

/**
 * Keeps a `watchOrders` loop running and returns what ccxt.pro has cached from the user stream.
 * (A new `watchOrders` call waits for the next message, so tests read ccxt's order cache instead.)
 */
function watchOrdersInBackground(h: Harness): () => Order[] {
  let running = true;
  void (async () => {
    while (running) {
      try {
        await h.ex.watchOrders(BTC);
      } catch {
        running = false;
      }
    }
  })();
  return () => Array.from((h.ex as unknown as { orders?: Order[] }).orders ?? []);
}

describe('websocket streams through ccxt.pro', () => {
  let h: Harness;
  afterEach(async () => h.close());

  describe('user data stream (listenKey)', () => {
    beforeEach(async () => {
      h = await harness();
      await h.ex.loadMarkets();
      await h.admin.setPrice('BTCUSDT', '60000');
    });

    it('receives order updates: the entry fill, the stop placed, the stop triggered and filled', async () => {
      const seen = watchOrdersInBackground(h);
      await waitFor(async () => (await h.admin.state()).websockets.user === 1);
      await h.ex.createOrder(BTC, 'market', 'buy', 0.002, undefined, { clientOrderId: 'ws-entry' });
      await waitFor(() => seen().some((o) => o.clientOrderId === 'ws-entry' && o.status === 'closed'));
      expect(seen().find((o) => o.clientOrderId === 'ws-entry')).toMatchObject({ status: 'closed', filled: 0.002, average: 60000 });

      const stop = await h.ex.createOrder(BTC, 'market', 'sell', undefined as unknown as number, undefined, { stopLossPrice: 59000, closePosition: true, clientOrderId: 'ws-sl' });
      await waitFor(() => seen().some((o) => o.id === stop.id && o.status === 'open'));
      await h.admin.setPrice('BTCUSDT', '58000');
      await waitFor(() => seen().some((o) => o.clientOrderId === 'ws-sl' && o.id !== stop.id && o.status === 'closed'));
      const filled = seen().find((o) => o.clientOrderId === 'ws-sl' && o.id !== stop.id)!;
      expect(filled).toMatchObject({ filled: 0.002, average: 59000 });
      expect(filled.info['ot']).toBe('STOP_MARKET'); // the matching-engine order the algo order placed
      await waitFor(() => seen().some((o) => o.id === stop.id && o.status === 'closed')); // ALGO_UPDATE FINISHED
    });

    it('pushes ACCOUNT_UPDATE with the position after a fill (watchPositions)', async () => {
      expect(await h.ex.watchPositions([BTC])).toEqual([]); // ccxt's first call answers with the REST snapshot
      const watching = h.ex.watchPositions([BTC]);
      await waitFor(async () => (await h.admin.state()).websockets.user === 1);
      await h.ex.createOrder(BTC, 'market', 'sell', 0.002);
      const positions = await watching;
      expect(positions.find((p) => p.symbol === BTC)).toMatchObject({ contracts: 0.002, side: 'short', entryPrice: 60000 });
    });

    it('survives a websocket disconnect: the next watch reconnects with the same listenKey', async () => {
      const first = h.ex.watchOrders(BTC).catch((e: unknown) => e);
      await waitFor(async () => (await h.admin.state()).websockets.user === 1);
      // ccxt's positions snapshot (REST) must be done first: a drop before it leaves a ccxt future unhandled
      await waitFor(async () => (await h.admin.call<Array<{ path: string; status: number }>>('GET', 'requests')).some((r) => r.path === '/fapi/v3/positionRisk' && r.status === 200));
      await h.admin.call('POST', 'ws/disconnect', { target: 'user' });
      expect(String(await first)).toMatch(/closed|1006/);
      const again = h.ex.watchOrders(BTC);
      await waitFor(async () => (await h.admin.state()).websockets.user === 1);
      await h.ex.createOrder(BTC, 'market', 'buy', 0.002, undefined, { clientOrderId: 'after-drop' });
      const orders = await again;
      expect(orders.map((o) => o.clientOrderId)).toContain('after-drop');
    });
  });

  describe('market streams', () => {
    it('streams klines of the replayed file with candle times, and closes them', async () => {
      h = await harness({ dataFiles: [BTC_1H], warmupCandles: 20 });
      const first = await h.ex.fetchOHLCV(BTC, '1h', undefined, 1);
      const openTime = first[0]![0]!;
      const watching = h.ex.watchOHLCV(BTC, '1h');
      await waitFor(async () => (await h.admin.state()).websockets.market === 1);
      await h.admin.call('POST', 'step', { points: 1 });
      const candles = await watching;
      expect(candles.at(-1)![0]).toBe(openTime);
      const next = h.ex.watchOHLCV(BTC, '1h');
      await h.admin.call('POST', 'step', { points: 3 }); // close of this candle, open of the next
      await next;
      const cached = (h.ex as unknown as { ohlcvs: Record<string, Record<string, number[][]>> }).ohlcvs[BTC]!['1h']!;
      expect(cached.map((c) => c[0])).toEqual([openTime, openTime + 3_600_000]);
    });

    it('streams ticker, mark price and trades at the simulated price', async () => {
      h = await harness();
      await h.ex.loadMarkets();
      const ticker = h.ex.watchTicker(BTC);
      const mark = h.ex.watchMarkPrice(BTC);
      const trades = h.ex.watchTrades(BTC);
      await waitFor(async () => (await h.admin.state()).websockets.market === 3);
      await h.admin.setPrice('BTCUSDT', '60100.5');
      expect((await ticker).last).toBe(60100.5);
      expect((await mark).markPrice).toBe(60100.5);
      expect((await trades).at(-1)!.price).toBe(60100.5);
    });
  });
});
