/**
 * A tiny stand-in for the bot, for the store's tests only: it drives the real core against a fake,
 * deterministic exchange and writes to the store in the order issue 7 asks for (state and intents in
 * one transaction, then "send", then each fill with the position it produced). Not the bot's logic.
 */
import {
  type Command,
  type FillInput,
  type Position,
  type Side,
  applyFill,
  asSteps,
  onPrice,
  openPosition,
  planLadder,
} from '../../src/core/index.ts';
import type { OrderIntent, OrderRecord, Store } from '../../src/store/index.ts';
import { marketRules } from '../support/market.ts';
import { DEFAULT_SETTINGS } from '../support/settings.ts';

const LIVE: readonly string[] = ['intent', 'sent', 'unknown', 'open'];

export const MARKETS = ['AAAUSDT', 'BBBUSDT', 'CCCUSDT'].map((id) => marketRules({ id, tick: '0.1', step: '0.001', minQtySteps: 1 }));

const exitSide = (side: Side): 'buy' | 'sell' => (side === 'long' ? 'sell' : 'buy');

/** Intents for the orders a core step asks for (none for a stop-triggered close: the stop order does it). */
export function intentsFor(p: Position, commands: readonly Command[], timeMs: number): OrderIntent[] {
  const base = { positionId: p.id, symbol: p.symbol, side: exitSide(p.side), createdAtMs: timeMs, priceTicks: null, price: null };
  const out: OrderIntent[] = [];
  for (const c of commands) {
    if (c.kind === 'placeStop' || c.kind === 'moveStop') {
      out.push({
        ...base,
        clientOrderId: c.clientOrderId,
        kind: 'stop',
        level: null,
        type: 'stop_market',
        qtySteps: null,
        stopTicks: c.kind === 'placeStop' ? c.stopTicks : c.toTicks,
        stopPrice: c.stopPrice,
        reduceOnly: false,
        closePosition: true,
        replacesClientOrderId: c.kind === 'moveStop' ? c.replacesClientOrderId : null,
      });
    } else if (c.kind === 'placeExit') {
      const limit = c.orderType === 'limit';
      out.push({
        ...base,
        clientOrderId: c.clientOrderId,
        kind: 'exit',
        level: c.level,
        type: limit ? 'limit' : 'market',
        qtySteps: c.qtySteps,
        priceTicks: limit ? c.limitTicks : null,
        price: limit ? c.limitPrice : null,
        stopTicks: null,
        stopPrice: null,
        reduceOnly: true,
        closePosition: false,
        replacesClientOrderId: null,
      });
    } else if (c.kind === 'closeRemainder' && c.reason !== 'stop') {
      out.push({
        ...base,
        clientOrderId: c.clientOrderId,
        kind: 'close',
        level: null,
        type: 'market',
        qtySteps: c.qtySteps,
        stopTicks: null,
        stopPrice: null,
        reduceOnly: true,
        closePosition: false,
        replacesClientOrderId: null,
      });
    }
  }
  return out;
}

/** How the fake exchange fills an order: deterministic in its client id and attempt, 1–3 trades. */
export function fakeTrades(o: Pick<OrderRecord, 'clientOrderId' | 'attempt'>, qtySteps: number, price: number, fee: number, timeMs: number): FillInput[] {
  let h = 0;
  for (const ch of o.clientOrderId) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  const parts = Math.min(qtySteps, 1 + (h % 3));
  const each = Math.floor(qtySteps / parts);
  return Array.from({ length: parts }, (_, i) => ({
    clientOrderId: o.clientOrderId,
    tradeId: `${o.clientOrderId}#a${o.attempt}-${i}`,
    orderId: `x-${o.clientOrderId}-${o.attempt}`,
    timeMs: timeMs + i,
    qtySteps: asSteps(i === parts - 1 ? qtySteps - each * (parts - 1) : each),
    price,
    fee: fee * (i + 1),
  }));
}

export interface Driver {
  /** Called after each fill is committed (the kill test journals it). */
  readonly onBooked?: (symbol: string, tradeId: string) => void;
  readonly fee: number;
}

/** Sends the intents written for `commands`, and plays what the fake exchange does with them. */
function execute(store: Store, d: Driver, p: Position, commands: readonly Command[], timeMs: number): Position {
  let position = p;
  for (const c of commands) {
    if (c.kind === 'cancelOrders') {
      for (const id of c.clientOrderIds) store.markOrderStatus(id, 'canceled', { timeMs });
      continue;
    }
    if (c.kind === 'placeStop' || c.kind === 'moveStop') {
      store.markSent(c.clientOrderId, timeMs);
      store.markOrderStatus(c.clientOrderId, 'open', { exchangeOrderId: `x-${c.clientOrderId}`, timeMs });
      if (c.kind === 'moveStop') store.markOrderStatus(c.replacesClientOrderId, 'canceled', { timeMs });
      continue;
    }
    if (c.kind === 'placeExit' || c.kind === 'closeRemainder') {
      if (c.kind === 'placeExit' || c.reason !== 'stop') store.markSent(c.clientOrderId, timeMs);
      position = fillOrder(store, d, position, c.clientOrderId, c.qtySteps, c.triggerPrice, timeMs);
    }
  }
  return position;
}

/** Books every trade of an order (already booked ones are skipped), then marks it filled. */
export function fillOrder(store: Store, d: Driver, p: Position, clientOrderId: string, qtySteps: number, price: number, timeMs: number): Position {
  const order = store.getOrder(clientOrderId);
  if (order === null) throw new Error(`no order ${clientOrderId}`);
  let position = p;
  for (const f of fakeTrades(order, qtySteps, price, d.fee, timeMs)) {
    const r = applyFill(position, f);
    if (!r.ok) throw new Error(`${f.tradeId}: ${r.error.message}`);
    const next = r.value;
    const booked = store.transaction(() => {
      const ok = store.bookFill(f, next.position, { events: next.events });
      if (ok) for (const i of intentsFor(next.position, next.commands, f.timeMs)) store.recordIntent(i);
      return ok;
    });
    if (!booked) continue;
    d.onBooked?.(position.symbol, f.tradeId);
    position = execute(store, d, next.position, next.commands, f.timeMs);
  }
  store.markOrderStatus(clientOrderId, 'filled', { exchangeOrderId: `x-${clientOrderId}-${order.attempt}`, exchangeFilledSteps: asSteps(qtySteps), timeMs });
  return position;
}

/** Entry: intent, "send", the entry fill booked with the opened position, then the protective stop. */
export function openLadder(store: Store, d: Driver, o: { id: string; market: number; side: Side; qtySteps: number; entry: number; timeMs: number }): Position {
  const m = MARKETS[o.market]!;
  const entryId = `${o.id}-entry`;
  const side: 'buy' | 'sell' = o.side === 'long' ? 'buy' : 'sell';
  const intent: OrderIntent = {
    clientOrderId: entryId, positionId: o.id, symbol: m.id, kind: 'entry', level: null, side, type: 'market',
    qtySteps: asSteps(o.qtySteps), priceTicks: null, price: null, stopTicks: null, stopPrice: null,
    reduceOnly: false, closePosition: false, replacesClientOrderId: null, createdAtMs: o.timeMs,
  };
  const written = store.recordIntent(intent);
  if (!written.ok) throw new Error(`entry ${entryId}: ${written.error.code}`);
  store.markSent(entryId, o.timeMs);
  const plan = planLadder({ side: o.side, entryPrice: o.entry, quantitySteps: asSteps(o.qtySteps), market: m, settings: DEFAULT_SETTINGS });
  if (!plan.ok) throw new Error(plan.error.message);
  const opened = openPosition({ id: o.id, symbol: m.id, timeMs: o.timeMs, entryFee: d.fee, plan: plan.value });
  const fill: FillInput = { clientOrderId: entryId, tradeId: `${entryId}#1`, orderId: `x-${entryId}`, timeMs: o.timeMs, qtySteps: asSteps(o.qtySteps), price: o.entry, fee: d.fee };
  store.transaction(() => {
    store.bookFill(fill, opened.position, { entry: true, events: opened.events });
    for (const i of intentsFor(opened.position, opened.commands, o.timeMs)) store.recordIntent(i);
  });
  d.onBooked?.(m.id, fill.tradeId);
  store.markOrderStatus(entryId, 'filled', { exchangeOrderId: `x-${entryId}`, exchangeFilledSteps: asSteps(o.qtySteps), timeMs: o.timeMs });
  return execute(store, d, opened.position, opened.commands, o.timeMs);
}

/** A price tick: the core's step saved with its intents in one transaction, then executed. */
export function priceTick(store: Store, d: Driver, p: Position, price: number, timeMs: number): Position {
  const r = onPrice(p, price, timeMs);
  if (r.position === p && r.commands.length === 0) return p;
  store.transaction(() => {
    store.savePosition(r.position);
    for (const i of intentsFor(r.position, r.commands, timeMs)) {
      const w = store.recordIntent(i);
      if (!w.ok) throw new Error(`${i.clientOrderId}: ${w.error.code}`);
    }
    store.recordEvents(r.events);
  });
  return execute(store, d, r.position, r.commands, timeMs);
}

/**
 * What a restart does here (a stand-in for the bot's reconciliation): every exit or close order not
 * known to be done, and a stop-triggered close in progress, get their trades fetched from the fake
 * exchange and booked (the ones already booked are skipped); other doubts are settled.
 */
export function recover(store: Store, d: Driver, timeMs: number): void {
  for (const p0 of store.openPositions()) {
    let p = p0;
    for (const o of store.ordersOf(p.id)) {
      if ((o.kind !== 'exit' && o.kind !== 'close') || !LIVE.includes(o.status) || o.qtySteps === null) continue;
      const current = store.getPosition(p.id)!;
      if (current.status !== 'open') break;
      const level = o.level === null ? null : current.plan.levels[o.level - 1]!;
      p = fillOrder(store, d, current, o.clientOrderId, o.qtySteps, level?.targetPrice ?? current.entryPrice, timeMs);
    }
    p = store.getPosition(p.id)!;
    if (p.status === 'open' && p.closing?.reason === 'stop') {
      const stop = store.getOrder(p.closing.clientOrderId)!;
      p = fillOrder(store, d, p, stop.clientOrderId, p.remainingSteps, stop.stopPrice!, timeMs);
    }
  }
  for (const o of store.ordersInDoubt()) {
    const p = store.getPosition(o.positionId);
    if (o.kind === 'exit' || o.kind === 'close') {
      // Its position is closed (open ones were handled above): all of it filled, or nothing more can.
      const all = o.qtySteps !== null && o.bookedSteps >= o.qtySteps;
      store.markOrderStatus(o.clientOrderId, all ? 'filled' : 'canceled', { timeMs });
    } else if (o.kind === 'entry') store.markOrderStatus(o.clientOrderId, p === null ? 'canceled' : 'filled', p === null ? { error: { code: 'not_found', message: 'never reached the exchange' }, timeMs } : { timeMs });
    else if (o.kind === 'stop') {
      store.markOrderStatus(o.clientOrderId, 'open', { timeMs });
      if (o.replacesClientOrderId !== null) store.markOrderStatus(o.replacesClientOrderId, 'canceled', { timeMs });
      if (p !== null && p.status === 'closed') store.markOrderStatus(o.clientOrderId, 'canceled', { timeMs });
    }
  }
}

