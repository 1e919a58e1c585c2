import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { type StoredCandle, openStore } from '../../src/store/index.ts';
import { tempDir } from '../support/temp-dir.ts';

const H = 3_600_000;
const T0 = Date.UTC(2025, 0, 1);
const candle = (i: number, close = 100 + i): StoredCandle => ({ openTimeMs: T0 + i * H, open: 100 + i, high: 101 + i, low: 99 + i, close, volume: 10 * i });

describe('stored candles (migration 2)', () => {
  it('saves closed candles and reads a window back oldest first, exactly', () => {
    const s = openStore(join(tempDir('ladder-store-'), 'ladder.db'));
    expect(s.saveCandles('BTCUSDT', H, [0, 1, 2, 3, 4].map((i) => candle(i)))).toBe(5);
    expect(s.candles('BTCUSDT', H)).toEqual([0, 1, 2, 3, 4].map((i) => candle(i)));
    expect(s.candles('BTCUSDT', H, { fromMs: T0 + H, toMs: T0 + 3 * H })).toEqual([candle(1), candle(2)]);
    s.close();
  });

  it('with a limit returns the oldest candles of the window, or the newest with `newest`, always oldest first', () => {
    const s = openStore(join(tempDir('ladder-store-'), 'ladder.db'));
    s.saveCandles('BTCUSDT', H, [0, 1, 2, 3, 4].map((i) => candle(i)));
    expect(s.candles('BTCUSDT', H, { fromMs: T0 + H, limit: 2 }).map((c) => c.openTimeMs)).toEqual([T0 + H, T0 + 2 * H]);
    expect(s.candles('BTCUSDT', H, { limit: 2, newest: true }).map((c) => c.openTimeMs)).toEqual([T0 + 3 * H, T0 + 4 * H]);
    s.close();
  });

  it('writing the same open time again replaces the candle (the bot re-reads its last candles every poll)', () => {
    const s = openStore(join(tempDir('ladder-store-'), 'ladder.db'));
    s.saveCandles('BTCUSDT', H, [candle(0), candle(1)]);
    s.saveCandles('BTCUSDT', H, [candle(1, 555), candle(2)]);
    expect(s.candles('BTCUSDT', H).map((c) => c.close)).toEqual([100, 555, 102]);
    s.close();
  });

  it('keeps symbols and timeframes apart and lists what is stored', () => {
    const s = openStore(join(tempDir('ladder-store-'), 'ladder.db'));
    s.saveCandles('BTCUSDT', H, [candle(0), candle(1)]);
    s.saveCandles('ETHUSDT', H, [candle(5)]);
    s.saveCandles('BTCUSDT', 60_000, [candle(0)]);
    expect(s.candles('ETHUSDT', H)).toEqual([candle(5)]);
    expect(s.candleSeries()).toEqual([
      { symbol: 'BTCUSDT', timeframeMs: 60_000, count: 1, firstOpenMs: T0, lastOpenMs: T0 },
      { symbol: 'BTCUSDT', timeframeMs: H, count: 2, firstOpenMs: T0, lastOpenMs: T0 + H },
      { symbol: 'ETHUSDT', timeframeMs: H, count: 1, firstOpenMs: T0 + 5 * H, lastOpenMs: T0 + 5 * H },
    ]);
    s.close();
  });

  it('a second connection (the dashboard) reads what the bot connection wrote, and the table is STRICT', () => {
    const path = join(tempDir('ladder-store-'), 'ladder.db');
    const bot = openStore(path);
    const dash = openStore(path);
    bot.saveCandles('BTCUSDT', H, [candle(0)]);
    expect(dash.candles('BTCUSDT', H)).toEqual([candle(0)]);
    bot.close();
    dash.close();
    const db = new Database(path);
    expect(() => db.prepare("INSERT INTO candles VALUES ('X', 1, 'not a time', 1, 1, 1, 1, 1)").run()).toThrow();
    db.close();
  });
});
