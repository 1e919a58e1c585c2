import type Database from 'better-sqlite3';
import type { CandleQuery, CandleSeriesInfo, StoredCandle } from './records.ts';

interface CandleRow {
  open_time_ms: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

const toCandle = (r: CandleRow): StoredCandle => ({ openTimeMs: r.open_time_ms, open: r.open, high: r.high, low: r.low, close: r.close, volume: r.volume });

/**
 * Closed candles per symbol and timeframe (migration 2): written by the bot as it sees them, read by the
 * dashboard's charts and its single-TP recomputation (R8.5). Writing a candle again replaces it.
 */
export function candleRows(db: Database.Database) {
  const upsert = db.prepare(
    `INSERT INTO candles (symbol, timeframe_ms, open_time_ms, open, high, low, close, volume) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (symbol, timeframe_ms, open_time_ms) DO UPDATE SET open = excluded.open, high = excluded.high, low = excluded.low, close = excluded.close, volume = excluded.volume`,
  );
  const window = `SELECT open_time_ms, open, high, low, close, volume FROM candles
     WHERE symbol = @symbol AND timeframe_ms = @tf AND open_time_ms >= @fromMs AND open_time_ms < @toMs`;
  const oldest = db.prepare(`${window} ORDER BY open_time_ms LIMIT @limit`);
  // The newest `limit` of the window, newest first; reversed below.
  const newest = db.prepare(`${window} ORDER BY open_time_ms DESC LIMIT @limit`);
  const series = db.prepare(
    `SELECT symbol, timeframe_ms, COUNT(*) AS n, MIN(open_time_ms) AS first_ms, MAX(open_time_ms) AS last_ms FROM candles GROUP BY symbol, timeframe_ms ORDER BY symbol, timeframe_ms`,
  );
  return {
    save(symbol: string, timeframeMs: number, candles: readonly StoredCandle[]): number {
      for (const c of candles) upsert.run(symbol, timeframeMs, c.openTimeMs, c.open, c.high, c.low, c.close, c.volume);
      return candles.length;
    },
    list(symbol: string, timeframeMs: number, q: CandleQuery = {}): StoredCandle[] {
      const params = {
        symbol,
        tf: timeframeMs,
        fromMs: q.fromMs ?? Number.MIN_SAFE_INTEGER,
        toMs: q.toMs ?? Number.MAX_SAFE_INTEGER,
        limit: q.limit ?? -1,
      };
      if (q.newest) return (newest.all(params) as CandleRow[]).reverse().map(toCandle);
      return (oldest.all(params) as CandleRow[]).map(toCandle);
    },
    series(): CandleSeriesInfo[] {
      const rows = series.all() as { symbol: string; timeframe_ms: number; n: number; first_ms: number; last_ms: number }[];
      return rows.map((r) => ({ symbol: r.symbol, timeframeMs: r.timeframe_ms, count: r.n, firstOpenMs: r.first_ms, lastOpenMs: r.last_ms }));
    },
  };
}
