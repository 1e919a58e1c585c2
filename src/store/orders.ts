import type Database from 'better-sqlite3';
import { type Result, type Steps, type Ticks, err, ok } from '../core/index.ts';
import { IN_DOUBT, type OrderStatus, REUSABLE, canMoveTo } from './order-status.ts';
import type { IntentRefused, OrderIntent, OrderKind, OrderRecord, OrderSide, OrderType, OrderUpdate, OrderUpdateRefused } from './records.ts';
import { StoreError } from './store-error.ts';

interface OrderRow {
  client_order_id: string;
  attempt: number;
  position_id: string;
  symbol: string;
  kind: OrderKind;
  level: number | null;
  side: OrderSide;
  type: OrderType;
  qty_steps: number | null;
  price_ticks: number | null;
  price: number | null;
  stop_ticks: number | null;
  stop_price: number | null;
  reduce_only: 0 | 1;
  close_position: 0 | 1;
  replaces_client_order_id: string | null;
  status: OrderStatus;
  exchange_order_id: string | null;
  exchange_filled_steps: number | null;
  error_code: string | null;
  error_message: string | null;
  created_at_ms: number;
  sent_at_ms: number | null;
  updated_at_ms: number;
  booked_steps: number;
  stop_loss_pct: number | null;
  sent_from_flat: 0 | 1 | null;
}

const toRecord = (r: OrderRow): OrderRecord => ({
  clientOrderId: r.client_order_id,
  positionId: r.position_id,
  symbol: r.symbol,
  kind: r.kind,
  level: r.level,
  side: r.side,
  type: r.type,
  qtySteps: r.qty_steps as Steps | null,
  priceTicks: r.price_ticks as Ticks | null,
  price: r.price,
  stopTicks: r.stop_ticks as Ticks | null,
  stopPrice: r.stop_price,
  reduceOnly: r.reduce_only === 1,
  closePosition: r.close_position === 1,
  replacesClientOrderId: r.replaces_client_order_id,
  createdAtMs: r.created_at_ms,
  stopLossPct: r.stop_loss_pct,
  sentFromFlat: r.sent_from_flat === null ? null : r.sent_from_flat === 1,
  status: r.status,
  attempt: r.attempt,
  exchangeOrderId: r.exchange_order_id,
  exchangeFilledSteps: r.exchange_filled_steps as Steps | null,
  bookedSteps: r.booked_steps as Steps,
  error: r.error_code === null ? null : { code: r.error_code, message: r.error_message ?? '' },
  sentAtMs: r.sent_at_ms,
  updatedAtMs: r.updated_at_ms,
});

/** Contradictions in an intent are bugs in the caller: they throw (the table's CHECKs are the last line). */
function checkIntent(o: OrderIntent): void {
  const bad = (why: string) => new StoreError('invalid_intent', `${o.clientOrderId}: ${why}`);
  if (o.clientOrderId === '') throw bad('empty client order id');
  if (o.closePosition !== (o.qtySteps === null)) throw bad('a quantity is given exactly when closePosition is false');
  if (o.qtySteps !== null && !(Number.isSafeInteger(o.qtySteps) && o.qtySteps > 0)) throw bad(`quantity ${o.qtySteps} is not a positive integer of steps`);
  if (o.reduceOnly && o.closePosition) throw bad('reduceOnly and closePosition together');
  if ((o.kind === 'entry') !== (!o.reduceOnly && !o.closePosition)) throw bad('only an entry may increase the position (F12)');
  if ((o.type === 'limit') !== (o.price !== null)) throw bad('a limit price is given exactly for limit orders');
  if ((o.type === 'stop_market') !== (o.stopPrice !== null)) throw bad('a stop price is given exactly for stop orders');
  if ((o.priceTicks === null) !== (o.price === null) || (o.stopTicks === null) !== (o.stopPrice === null)) throw bad('ticks and price go together');
}

const SELECT = `SELECT o.*, COALESCE((SELECT SUM(f.qty_steps) FROM fills f WHERE f.symbol = o.symbol AND f.client_order_id = o.client_order_id), 0) AS booked_steps
  FROM orders o`;

export function orderRows(db: Database.Database, now: () => number) {
  const byId = db.prepare<[string]>(`${SELECT} WHERE o.client_order_id = ?`);
  const insert = db.prepare(
    `INSERT INTO orders (client_order_id, attempt, position_id, symbol, kind, level, side, type, qty_steps, price_ticks, price,
       stop_ticks, stop_price, reduce_only, close_position, replaces_client_order_id, status, created_at_ms, updated_at_ms, stop_loss_pct, sent_from_flat)
     VALUES (@clientOrderId, @attempt, @positionId, @symbol, @kind, @level, @side, @type, @qtySteps, @priceTicks, @price,
       @stopTicks, @stopPrice, @reduceOnly, @closePosition, @replacesClientOrderId, 'intent', @createdAtMs, @createdAtMs, @stopLossPct, @sentFromFlat)
     ON CONFLICT (client_order_id) DO UPDATE SET
       attempt = excluded.attempt, position_id = excluded.position_id, symbol = excluded.symbol, kind = excluded.kind,
       level = excluded.level, side = excluded.side, type = excluded.type, qty_steps = excluded.qty_steps,
       price_ticks = excluded.price_ticks, price = excluded.price, stop_ticks = excluded.stop_ticks,
       stop_price = excluded.stop_price, reduce_only = excluded.reduce_only, close_position = excluded.close_position,
       replaces_client_order_id = excluded.replaces_client_order_id, status = 'intent', exchange_order_id = NULL,
       exchange_filled_steps = NULL, error_code = NULL, error_message = NULL, created_at_ms = excluded.created_at_ms,
       sent_at_ms = NULL, updated_at_ms = excluded.updated_at_ms, stop_loss_pct = excluded.stop_loss_pct,
       sent_from_flat = excluded.sent_from_flat`,
  );
  const update = db.prepare(
    `UPDATE orders SET status = @status,
       exchange_order_id = COALESCE(@exchangeOrderId, exchange_order_id),
       exchange_filled_steps = COALESCE(@exchangeFilledSteps, exchange_filled_steps),
       error_code = CASE WHEN @status <> status THEN @errorCode ELSE COALESCE(@errorCode, error_code) END,
       error_message = CASE WHEN @status <> status THEN @errorMessage ELSE COALESCE(@errorMessage, error_message) END,
       sent_at_ms = CASE WHEN @status = 'sent' AND sent_at_ms IS NULL THEN @timeMs ELSE sent_at_ms END,
       updated_at_ms = @timeMs
     WHERE client_order_id = @clientOrderId`,
  );
  const log = db.prepare(
    `INSERT INTO order_log (client_order_id, attempt, status, time_ms, exchange_order_id, exchange_filled_steps, error_code, error_message)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const inDoubt = db.prepare<[]>(
    `${SELECT} WHERE o.status IN (${IN_DOUBT.map((s) => `'${s}'`).join(', ')}) ORDER BY o.created_at_ms, o.client_order_id`,
  );
  const open = db.prepare<[]>(`${SELECT} WHERE o.status = 'open' ORDER BY o.created_at_ms, o.client_order_id`);
  const openOf = db.prepare<[string]>(`${SELECT} WHERE o.status = 'open' AND o.position_id = ? ORDER BY o.created_at_ms, o.client_order_id`);
  const ofPosition = db.prepare<[string]>(`${SELECT} WHERE o.position_id = ? ORDER BY o.created_at_ms, o.client_order_id`);

  const get = (clientOrderId: string): OrderRecord | null => {
    const r = byId.get(clientOrderId) as OrderRow | undefined;
    return r === undefined ? null : toRecord(r);
  };
  const must = (clientOrderId: string): OrderRecord => {
    const r = get(clientOrderId);
    if (r === null) throw new Error(`order ${clientOrderId} vanished inside its own transaction`);
    return r;
  };

  /** Writes the intent unless its client id is live (invariant 8: one level's order executes at most once). */
  function recordIntent(o: OrderIntent): Result<OrderRecord, IntentRefused> {
    checkIntent(o);
    const existing = get(o.clientOrderId);
    if (existing !== null && !REUSABLE.includes(existing.status)) {
      return err({ code: existing.status === 'filled' ? 'already_filled' : 'in_flight', existing });
    }
    const attempt = (existing?.attempt ?? 0) + 1;
    insert.run({
      ...o,
      attempt,
      reduceOnly: o.reduceOnly ? 1 : 0,
      closePosition: o.closePosition ? 1 : 0,
      stopLossPct: o.stopLossPct ?? null,
      sentFromFlat: o.sentFromFlat === undefined || o.sentFromFlat === null ? null : o.sentFromFlat ? 1 : 0,
    });
    log.run(o.clientOrderId, attempt, 'intent', o.createdAtMs, null, null, null, null);
    return ok(must(o.clientOrderId));
  }

  function markStatus(clientOrderId: string, status: OrderStatus, u: OrderUpdate = {}): Result<OrderRecord, OrderUpdateRefused> {
    const existing = get(clientOrderId);
    if (existing === null) return err({ code: 'unknown_order', clientOrderId });
    if (!canMoveTo(existing.status, status)) return err({ code: 'invalid_transition', from: existing.status, to: status, existing });
    const timeMs = u.timeMs ?? now();
    const row = {
      clientOrderId,
      status,
      exchangeOrderId: u.exchangeOrderId ?? null,
      exchangeFilledSteps: u.exchangeFilledSteps ?? null,
      errorCode: u.error?.code ?? null,
      errorMessage: u.error?.message ?? null,
      timeMs,
    };
    update.run(row);
    log.run(clientOrderId, existing.attempt, status, timeMs, row.exchangeOrderId, row.exchangeFilledSteps, row.errorCode, row.errorMessage);
    return ok(must(clientOrderId));
  }

  return {
    get,
    recordIntent,
    markStatus,
    inDoubt: (): OrderRecord[] => (inDoubt.all() as OrderRow[]).map(toRecord),
    open: (positionId?: string): OrderRecord[] =>
      ((positionId === undefined ? open.all() : openOf.all(positionId)) as OrderRow[]).map(toRecord),
    ofPosition: (positionId: string): OrderRecord[] => (ofPosition.all(positionId) as OrderRow[]).map(toRecord),
  };
}
