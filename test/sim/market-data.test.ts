import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import path from 'node:path';
import { BTC, BTC_1H, type Harness, REPO, harness } from './harness.ts';

/** First rows of the real BTCUSDT-1h file, as Binance published them. */
function fileRows(n: number): string[][] {
  return readFileSync(BTC_1H, 'utf8').split('\n').slice(0, n).map((l) => l.split(','));
}

describe('market data through ccxt', () => {
  let h: Harness;
  afterEach(async () => h.close());

  it('loads the real exchange information: BTCUSDT rules as Binance states them', async () => {
    h = await harness();
    await h.ex.loadMarkets();
    const m = h.ex.market(BTC);
    expect(m.id).toBe('BTCUSDT');
    expect(m.precision.price).toBe(0.1);
    expect(m.precision.amount).toBe(0.001);
    expect(m.limits.amount?.min).toBe(0.001);
    expect(m.limits.cost?.min).toBe(100);
    expect(h.sim.marketsSource).toMatch(/binance-usdm-exchange-info\.json$/);
  });

  it('answers server time from the wall clock', async () => {
    h = await harness();
    const t = await h.ex.fetchTime();
    expect(Math.abs((t ?? 0) - Date.now())).toBeLessThan(2000);
  });

  it('replays a Binance kline file: history before the start, candle times, prices on the futures tick', async () => {
    h = await harness({ dataFiles: [BTC_1H], warmupCandles: 10 });
    const rows = fileRows(11);
    const candles = await h.ex.fetchOHLCV(BTC, '1h', undefined, 11);
    expect(candles).toHaveLength(11);
    // candles 0..9: history from the file (spot prices rounded to BTCUSDT's 0.10 tick)
    for (let i = 0; i < 10; i++) {
      const [t, o, hi, lo, c] = candles[i]!;
      const row = rows[i]!;
      expect(t).toBe(Number(row[0]));
      expect(o).toBeCloseTo(Math.round(Number(row[1]) * 10) / 10, 6);
      expect(hi).toBeCloseTo(Math.round(Number(row[2]) * 10) / 10, 6);
      expect(lo).toBeCloseTo(Math.round(Number(row[3]) * 10) / 10, 6);
      expect(c).toBeCloseTo(Math.round(Number(row[4]) * 10) / 10, 6);
    }
    // candle 10: forming, only its open walked so far
    const [t10, o10, h10, l10, c10] = candles[10]!;
    expect(t10).toBe(Number(rows[10]![0]));
    expect([h10, l10, c10]).toEqual([o10, o10, o10]);
  });

  it('walks each candle open → extreme → extreme → close and aggregates 4h candles', async () => {
    h = await harness({ dataFiles: [BTC_1H], warmupCandles: 8 });
    const rows = fileRows(12);
    await h.admin.call('POST', 'step', { candles: 4 }); // candles 8, 9, 10, 11 fully walked
    const hours = await h.ex.fetchOHLCV(BTC, '1h', Number(rows[8]![0]), 4);
    for (let i = 0; i < 4; i++) {
      const row = rows[8 + i]!;
      expect(hours[i]!.slice(1, 5)).toEqual([1, 2, 3, 4].map((k) => Math.round(Number(row[k]) * 10) / 10));
    }
    const fours = await h.ex.fetchOHLCV(BTC, '4h', Number(rows[8]![0]), 1);
    expect(fours[0]![0]).toBe(Number(rows[8]![0]));
    expect(fours[0]![2]).toBe(Math.max(...hours.map((c) => c[2]!)));
    expect(fours[0]![3]).toBe(Math.min(...hours.map((c) => c[3]!)));
    expect(fours[0]![4]).toBe(hours[3]![4]);
  });

  it('serves ticker and mark price at the current simulated price', async () => {
    h = await harness();
    await h.admin.setPrice('BTCUSDT', '61234.5');
    const ticker = await h.ex.fetchTicker(BTC);
    const mark = await h.ex.fetchMarkPrice(BTC);
    expect(ticker.last).toBe(61234.5);
    expect(mark.markPrice).toBe(61234.5);
  });

  it("replays the repository's own excerpt (three symbols in lockstep) with its market rules", async () => {
    const shipped = (f: string): string => path.join(REPO, f);
    h = await harness({
      marketsFile: shipped('data/markets/binance-usdm-excerpt.json'),
      dataFiles: ['BTCUSDT', 'ETHUSDT', 'SOLUSDT'].map((s) => shipped(`data/candles/${s}-1h.csv`)),
    });
    await h.ex.loadMarkets();
    expect(Object.keys(h.ex.markets ?? {})).toHaveLength(10);
    await h.admin.call('POST', 'step', { candles: 2 });
    const last = await Promise.all(['BTC', 'ETH', 'SOL'].map(async (b) => (await h.ex.fetchOHLCV(`${b}/USDT:USDT`, '1h', undefined, 1))[0]![0]));
    expect(new Set(last).size).toBe(1); // the same candle time on every symbol
  });

  it('gives the same random-walk prices for the same seed', async () => {
    h = await harness({ seed: 7 });
    await h.admin.call('POST', 'step', { candles: 5 });
    const a = await h.ex.fetchOHLCV('ETH/USDT:USDT', '1h', undefined, 20);
    await h.close();
    h = await harness({ seed: 7 });
    await h.admin.call('POST', 'step', { candles: 5 });
    const b = await h.ex.fetchOHLCV('ETH/USDT:USDT', '1h', undefined, 20);
    expect(b).toEqual(a);
  });

  it('a parameter sent twice (in the query, or in the query and the body) is refused -1101 as Binance does, not read as its last value', async () => {
    h = await harness();
    const get = async (q: string, init: RequestInit = {}) => {
      const res = await fetch(`${h.sim.url}/fapi/v1/klines?${q}`, init);
      return [res.status, await res.json()] as const;
    };
    const dup = [400, { code: -1101, msg: 'Duplicate values for a parameter detected.' }];
    expect(await get('symbol=BTCUSDT&interval=1h&symbol=ETHUSDT')).toEqual(dup);
    expect(await get('symbol=BTCUSDT&interval=1h&limit=2&limit=2')).toEqual(dup);
    const [status, rows] = await get('symbol=BTCUSDT&interval=1h&limit=2');
    expect([status, (rows as unknown[]).length]).toEqual([200, 2]);
    const post = await fetch(`${h.sim.url}/fapi/v1/order?symbol=BTCUSDT`, { method: 'POST', body: 'symbol=BTCUSDT&side=BUY', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect([post.status, await post.json()]).toEqual(dup);
  });
});
