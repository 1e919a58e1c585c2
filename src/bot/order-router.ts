import type { MarketRules } from '../core/market/market-rules.ts';
import { ticksToPrice } from '../core/market/market-rules.ts';
import { type ExchangeError, ExchangeError as ExchangeErrorClass } from '../exchange/errors.ts';
import type { ExchangePort, OrderRequest, OrderState } from '../exchange/port.ts';
import type { OrderIntent, OrderRecord, Store } from '../store/index.ts';
import type { Logger } from './logger.ts';
import { type RetryPolicy, withRetry } from './retry.ts';

export type SendResult = { readonly ok: true; readonly order: OrderState } | { readonly ok: false; readonly error: ExchangeError };

export type OrderKindOf = OrderIntent['kind'];

export interface RouterDeps {
  readonly ex: ExchangePort;
  readonly store: Store;
  readonly log: Logger;
  readonly retry: RetryPolicy;
  readonly now: () => number;
}

/**
 * Sends orders the safe way (R1.4, R6.3, R6.4): the intent is written before the request; transient
 * failures are retried; an unknown outcome (timeout after sending, dropped connection) is resolved by
 * looking the order up by its client id before anything is sent again, so a level never executes
 * twice (F4); a definitive rejection is recorded and returned, never retried.
 */
export class OrderRouter {
  constructor(private readonly d: RouterDeps) {}

  /**
   * `settleLater`: leave the order in doubt in the store even once the exchange answered, until the
   * caller has booked what it did (an entry becomes a position): a kill in between is then resolved
   * by reconciliation instead of leaving a filled entry nobody knows about.
   */
  async send(intent: Omit<OrderIntent, 'createdAtMs'>, m: MarketRules, opts: { settleLater?: boolean } = {}): Promise<SendResult> {
    const { store, log } = this.d;
    const req = toRequest(intent);
    const kind = intent.type === 'stop_market' ? 'stop' : 'order';
    const written = store.recordIntent({ ...intent, createdAtMs: this.d.now() });
    if (!written.ok) {
      // The same client id is still live here: find out what the exchange has before sending.
      const found = await this.lookup(intent.symbol, intent.clientOrderId, kind, opts.settleLater);
      if (found) return { ok: true, order: found };
    }
    for (let attempt = 1; attempt <= 3; attempt++) {
      store.markSent(intent.clientOrderId, this.d.now());
      log.info({ symbol: intent.symbol, clientOrderId: intent.clientOrderId, kind: intent.kind, level: intent.level, side: intent.side, type: intent.type, qty: intent.qtySteps === null ? null : intent.qtySteps, price: intent.price, stopPrice: intent.stopPrice, attempt, market: m.id }, 'order.sent');
      try {
        const order = await withRetry(() => this.d.ex.createOrder(req), this.d.retry);
        return { ok: true, order: opts.settleLater ? order : this.record(order) };
      } catch (e) {
        const err = asExchangeError(e);
        if (err.code !== 'unknownOutcome' && err.code !== 'duplicate') {
          store.markOrderStatus(intent.clientOrderId, 'rejected', { error: { code: String(err.exchangeCode ?? err.code), message: err.message }, timeMs: this.d.now() });
          log.warn({ symbol: intent.symbol, clientOrderId: intent.clientOrderId, code: err.code, exchangeCode: err.exchangeCode, msg: err.message }, 'order.rejected');
          return { ok: false, error: err };
        }
        store.markOrderStatus(intent.clientOrderId, 'unknown', { error: { code: err.code, message: err.message }, timeMs: this.d.now() });
        log.warn({ symbol: intent.symbol, clientOrderId: intent.clientOrderId, code: err.code }, 'order.outcome_unknown');
        const found = await this.lookup(intent.symbol, intent.clientOrderId, kind, opts.settleLater);
        if (found) {
          log.info({ symbol: intent.symbol, clientOrderId: intent.clientOrderId, orderId: found.orderId, status: found.status }, 'order.found_by_client_id');
          return { ok: true, order: found };
        }
        // Not on the exchange: the request never arrived. Sending it again is safe.
      }
    }
    const err = new ExchangeErrorClass('unknownOutcome', `${intent.clientOrderId}: no answer after 3 attempts and not found by client id`);
    return { ok: false, error: err };
  }

  /** Cancels by client id; an order already gone is not an error. */
  async cancel(symbol: string, clientOrderId: string, kind: 'order' | 'stop'): Promise<OrderState | null> {
    const r = await withRetry(() => this.d.ex.cancelOrder(symbol, clientOrderId, kind), this.d.retry);
    const existing = this.d.store.getOrder(clientOrderId);
    if (existing && !['filled', 'canceled', 'rejected', 'expired'].includes(existing.status)) {
      this.d.store.markOrderStatus(clientOrderId, r?.status === 'filled' ? 'filled' : 'canceled', { timeMs: this.d.now() });
    }
    this.d.log.info({ symbol, clientOrderId, found: r !== null }, 'order.canceled');
    return r;
  }

  /** The exchange's view of one order (retrying transient failures), recorded in the store. */
  async lookup(symbol: string, clientOrderId: string, kind: 'order' | 'stop', dontRecord = false): Promise<OrderState | null> {
    const o = await withRetry(() => this.d.ex.fetchOrder(symbol, clientOrderId, kind), this.d.retry);
    return o && !dontRecord ? this.record(o) : o;
  }

  /** Records what the exchange says of an order (after a `settleLater` send was booked). */
  settle(o: OrderState): void {
    this.record(o);
  }

  private record(o: OrderState): OrderState {
    // (statuses only move forward; the store refuses anything else as a value)
    const existing: OrderRecord | null = this.d.store.getOrder(o.clientOrderId);
    if (existing) {
      const status = o.status === 'open' ? 'open' : o.status;
      this.d.store.markOrderStatus(o.clientOrderId, status, { exchangeOrderId: o.orderId, exchangeFilledSteps: o.filledSteps, timeMs: this.d.now() });
    }
    return o;
  }
}

function toRequest(i: Omit<OrderIntent, 'createdAtMs'>): OrderRequest {
  return {
    symbol: i.symbol,
    side: i.side,
    type: i.type,
    ...(i.qtySteps !== null ? { amountSteps: i.qtySteps } : {}),
    ...(i.priceTicks !== null ? { priceTicks: i.priceTicks } : {}),
    ...(i.stopTicks !== null ? { stopPriceTicks: i.stopTicks } : {}),
    reduceOnly: i.reduceOnly,
    ...(i.closePosition ? { closePosition: true } : {}),
    clientOrderId: i.clientOrderId,
  };
}

function asExchangeError(e: unknown): ExchangeError {
  if (e instanceof ExchangeErrorClass) return e;
  return new ExchangeErrorClass('rejected', e instanceof Error ? e.message : String(e));
}

/** Price double of ticks for the intent's display fields. */
export const priceOf = (ticks: number, m: MarketRules): number => ticksToPrice(ticks as never, m);
