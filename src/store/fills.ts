import type Database from 'better-sqlite3';
import type { FillInput, Position, Steps } from '../core/index.ts';
import type { StoredFill } from './records.ts';

interface FillRow {
  symbol: string;
  trade_id: string;
  position_id: string;
  role: 'entry' | 'exit';
  client_order_id: string;
  order_id: string | null;
  time_ms: number;
  qty_steps: number;
  price: number;
  fee: number;
  booked_at_ms: number;
}

const toFill = (r: FillRow): StoredFill => ({
  symbol: r.symbol,
  tradeId: r.trade_id,
  positionId: r.position_id,
  role: r.role,
  clientOrderId: r.client_order_id,
  orderId: r.order_id,
  timeMs: r.time_ms,
  qtySteps: r.qty_steps as Steps,
  price: r.price,
  fee: r.fee,
  bookedAtMs: r.booked_at_ms,
});

export function fillRows(db: Database.Database, now: () => number) {
  const insert = db.prepare(
    `INSERT INTO fills (symbol, trade_id, position_id, role, client_order_id, order_id, time_ms, qty_steps, price, fee, booked_at_ms)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (symbol, trade_id) DO NOTHING`,
  );
  const exists = db.prepare<[string, string]>('SELECT 1 FROM fills WHERE symbol = ? AND trade_id = ?');
  const ofPosition = db.prepare<[string]>('SELECT * FROM fills WHERE position_id = ? ORDER BY time_ms, rowid');
  const latest = db.prepare<[string]>('SELECT MAX(time_ms) AS t FROM fills WHERE symbol = ?');
  return {
    /** Inserts the fill; false when its (symbol, trade id) is already booked, and nothing is written. */
    insert: (f: FillInput, p: Position, role: 'entry' | 'exit'): boolean =>
      insert.run(p.symbol, f.tradeId, p.id, role, f.clientOrderId, f.orderId, f.timeMs, f.qtySteps, f.price, f.fee, now()).changes === 1,
    has: (symbol: string, tradeId: string): boolean => exists.get(symbol, tradeId) !== undefined,
    ofPosition: (positionId: string): StoredFill[] => (ofPosition.all(positionId) as FillRow[]).map(toFill),
    latestTimeMs: (symbol: string): number | null => (latest.get(symbol) as { t: number | null }).t,
  };
}
