import { type MarketRules, stepsToQty } from '../core/market/market-rules.ts';
import { type ExchangeError, ExchangeError as ExchangeErrorClass } from '../exchange/errors.ts';
import type { ExchangePort, OrderRequest, OrderState } from '../exchange/port.ts';
import type { OrderIntent, OrderRecord, Store } from '../store/index.ts';
import type { Logger } from './logger.ts';
import { withSendDeadline } from '../exchange/send-deadline.ts';
import { type RetryPolicy, askingAgain, withRetry } from './retry.ts';

/**
 * What became of an order request, as one of three outcomes (never an exception):
 * - done: the exchange has the order (its state as the exchange reported it);
 * - rejected: a definitive refusal (never retried; the caller acts on its code);
 * - unknown: the request may or may not have been executed (timeout, dropped connection, any 5xx)
 *   and looking it up by client id did not settle it. The store keeps it in doubt; the trader's
 *   cycle looks it up again (with backoff) before anything is sent again under that level (R6.3).
 */
export type SendResult =
  | { readonly ok: true; readonly order: OrderState }
  | { readonly ok: false; readonly inDoubt: false; readonly error: ExchangeError }
  | { readonly ok: false; readonly inDoubt: true; readonly error: ExchangeError };

export interface RouterDeps {
  readonly ex: ExchangePort;
  readonly store: Store;
  readonly log: Logger;
  readonly retry: RetryPolicy;
  readonly now: () => number;
}

/** Order states that are final with nothing more to come (what a look-up can find an order ended in). */
const ENDED: readonly OrderState['status'][] = ['canceled', 'expired', 'rejected'];

/** A look-up's answer: the order, none (the exchange does not know the id), or the look-up itself failed. */
export type LookupResult = { readonly ok: true; readonly order: OrderState | null } | { readonly ok: false; readonly error: ExchangeError };

/** A cancel's answer: a look-up's, or a cancel answered "unknown order" (-2011) while the look-up finds the order still open (`stillOpen`). */
type CancelResult = LookupResult | { readonly ok: false; readonly error: ExchangeError; readonly stillOpen: OrderState };

/**
 * Sends orders the safe way (R1.4, R6.3, R6.4): the intent is written before the request; transient
 * failures are retried with backoff; an unknown outcome is looked up by client id and, when that does
 * not settle it, left in doubt for the trader's next cycle: a request is never sent a second time
 * from here, so a level never executes twice (F4, L1). A definitive rejection is recorded and returned.
 */
export class OrderRouter {
  constructor(private readonly d: RouterDeps) {}

  /**
   * `settleLater`: leave the order in doubt in the store even once the exchange answered, until the
   * caller has booked what it did (an entry becomes a position): a kill in between is then resolved
   * by reconciliation instead of leaving a filled entry nobody knows about. `sendBy`: nothing sent after this
   * time (the router's clock): no retry, and no wait at the rate-limit gate, ends past it; the failure
   * (`rateLimited`, nothing executed) is returned instead. Entries only (their max lag): exits wait.
   */
  async send(intent: Omit<OrderIntent, 'createdAtMs'>, m: MarketRules, opts: { settleLater?: boolean; sendBy?: number } = {}): Promise<SendResult> {
    const { store, log } = this.d;
    const kind = intent.type === 'stop_market' ? 'stop' : 'order';
    let written = store.recordIntent({ ...intent, createdAtMs: this.d.now() });
    if (!written.ok) {
      // The same client id is still live here: what the exchange has decides.
      const found = await this.lookup(intent.symbol, intent.clientOrderId, kind, opts.settleLater);
      // An earlier order under this id that ended with nothing filled (its cancel's answer was lost):
      // the look-up recorded its end, so the id is free again and the request goes out (a level sent
      // again after a change outside the bot, R6.6).
      const dead = found.ok && found.order !== null && found.order.filledSteps === 0 && ENDED.includes(found.order.status);
      if (dead && !opts.settleLater) {
        log.info({ symbol: intent.symbol, clientOrderId: intent.clientOrderId, status: found.order!.status }, 'order.id_free_again');
        written = store.recordIntent({ ...intent, createdAtMs: this.d.now() });
      }
      // Still live (or still unknown): nothing is sent.
      if (!written.ok) {
        if (found.ok && found.order) return { ok: true, order: found.order };
        return { ok: false, inDoubt: true, error: new ExchangeErrorClass('unknownOutcome', `${intent.clientOrderId} is ${written.error.existing.status} in the store and not settled on the exchange`) };
      }
    }
    store.markSent(intent.clientOrderId, this.d.now());
    log.info({ symbol: intent.symbol, clientOrderId: intent.clientOrderId, kind: intent.kind, tpLevel: intent.level, side: intent.side, type: intent.type, qty: intent.qtySteps === null ? null : stepsToQty(intent.qtySteps, m), price: intent.price, stopPrice: intent.stopPrice }, 'order.sent');
    try {
      const sendBy = opts.sendBy;
      const order =
        sendBy === undefined
          ? await withRetry(() => this.d.ex.createOrder(toRequest(intent)), this.d.retry)
          : // Neither a retry nor a rate-limit gate inside the call may send it after sendBy.
            await withRetry(() => withSendDeadline(sendBy - this.d.now(), () => this.d.ex.createOrder(toRequest(intent))), { ...this.d.retry, deadline: { atMs: sendBy, now: this.d.now } });
      return { ok: true, order: opts.settleLater ? order : this.record(order) };
    } catch (e) {
      const err = asExchangeError(e);
      if (err.code !== 'unknownOutcome' && err.code !== 'duplicate' && err.code !== 'transient') {
        store.markOrderStatus(intent.clientOrderId, 'rejected', { error: { code: String(err.exchangeCode ?? err.code), message: err.message }, timeMs: this.d.now() });
        log.warn({ symbol: intent.symbol, clientOrderId: intent.clientOrderId, code: err.code, exchangeCode: err.exchangeCode, message: err.message }, 'order.rejected');
        return { ok: false, inDoubt: false, error: err };
      }
      // Transient retries exhausted: the last try may have arrived too, so it is in doubt as well.
      store.markOrderStatus(intent.clientOrderId, 'unknown', { error: { code: err.code, message: err.message }, timeMs: this.d.now() });
      log.warn({ symbol: intent.symbol, clientOrderId: intent.clientOrderId, code: err.code, exchangeCode: err.exchangeCode, message: err.message }, 'order.outcome_unknown');
      const found = await this.lookup(intent.symbol, intent.clientOrderId, kind, opts.settleLater);
      if (found.ok && found.order) {
        log.info({ symbol: intent.symbol, clientOrderId: intent.clientOrderId, orderId: found.order.orderId, status: found.order.status }, 'order.found_by_client_id');
        return { ok: true, order: found.order };
      }
      return { ok: false, inDoubt: true, error: err };
    }
  }

  /**
   * Cancels by client id. An order the exchange no longer has open (-2011: filled, or cancelled, in the
   * meantime) is looked up, and what it became is recorded: an exit that filled while its cancel was
   * on the way is a fill, never a cancel (else its level could be sent again: invariant 8); one the
   * look-up still finds open was not cancelled (`stillOpen`). Failures (the cancel's, that look-up's, or
   * the order still open) are returned, not thrown, and record nothing but what the look-up found.
   */
  async cancel(symbol: string, clientOrderId: string, kind: 'order' | 'stop', m: MarketRules): Promise<CancelResult> {
    try {
      const r = await withRetry(() => this.d.ex.cancelOrder(symbol, clientOrderId, kind), this.d.retry);
      if (r === null) {
        const found = await this.lookup(symbol, clientOrderId, kind);
        if (!found.ok) return found;
        if (found.order?.status === 'open') {
          // "Unknown order" for one the exchange still shows working (its services out of step, a stop
          // whose order is executing): not a cancel. Said as a failure, so the caller tries again (a stop
          // move would leave two stops, an entry go out over an old take-profit still resting). A stop the
          // exchange is triggering is not its algo service's to cancel any more (Binance): expected, so an
          // info line; the caller backs off and warns once (SymbolTrader.cancelListed).
          const fields = { symbol, clientOrderId, filled: stepsToQty(found.order.filledSteps, m), ...(found.order.triggered ? { triggered: true } : {}) };
          if (found.order.triggered) this.d.log.info(fields, 'order.cancel_found_open');
          else this.d.log.warn(fields, 'order.cancel_found_open');
          return { ok: false, error: new ExchangeErrorClass('notFound', `${clientOrderId}: the cancel was answered "unknown order" while the order is still open`, -2011), stillOpen: found.order };
        }
        if (found.order !== null) {
          this.d.log.info({ symbol, clientOrderId, status: found.order.status, filled: stepsToQty(found.order.filledSteps, m) }, 'order.cancel_found_ended');
          return found;
        }
      }
      const existing = this.d.store.getOrder(clientOrderId);
      if (existing && !['filled', 'canceled', 'rejected', 'expired'].includes(existing.status)) {
        // The answer's own state, with what filled before the cancel landed (Binance: CANCELED with
        // executedQty > 0): a part whose trade is not listed yet is known from here, never taken as
        // nothing filled (its level would rest again over it, the shortfall be booked as by hand).
        if (r !== null) this.record({ ...r, status: r.status === 'open' ? 'canceled' : r.status });
        else this.d.store.markOrderStatus(clientOrderId, 'canceled', { timeMs: this.d.now() });
      }
      this.d.log.info({ symbol, clientOrderId, found: r !== null }, 'order.canceled');
      return { ok: true, order: r };
    } catch (e) {
      const error = asExchangeError(e);
      this.d.log.warn({ symbol, clientOrderId, code: error.code, exchangeCode: error.exchangeCode, message: error.message }, 'order.cancel_failed');
      return { ok: false, error };
    }
  }

  /** The exchange's view of one order (retrying transient failures), recorded in the store. Never throws. */
  async lookup(symbol: string, clientOrderId: string, kind: 'order' | 'stop', dontRecord = false): Promise<LookupResult> {
    try {
      const o = await withRetry(() => this.d.ex.fetchOrder(symbol, clientOrderId, kind), askingAgain(this.d.retry));
      return { ok: true, order: o && !dontRecord ? this.record(o) : o };
    } catch (e) {
      const error = asExchangeError(e);
      this.d.log.warn({ symbol, clientOrderId, code: error.code, exchangeCode: error.exchangeCode, message: error.message }, 'order.lookup_failed');
      return { ok: false, error };
    }
  }

  /** Records what the exchange says of an order (after a `settleLater` send was booked). */
  settle(o: OrderState): void {
    this.record(o);
  }

  private record(o: OrderState): OrderState {
    // (statuses only move forward; the store refuses anything else as a value)
    const existing: OrderRecord | null = this.d.store.getOrder(o.clientOrderId);
    if (existing) this.d.store.markOrderStatus(o.clientOrderId, o.status, { exchangeOrderId: o.orderId, exchangeFilledSteps: o.filledSteps, timeMs: this.d.now() });
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
    // Every stop of ours protects the whole position: the adapter picks the venue's form for it.
    ...(i.kind === 'stop' ? { protective: true } : {}),
    clientOrderId: i.clientOrderId,
  };
}

/** Anything that is not an adapter error is a bug or an unknown failure: never a definitive rejection. */
export function asExchangeError(e: unknown): ExchangeError {
  if (e instanceof ExchangeErrorClass) return e;
  return new ExchangeErrorClass('unknownOutcome', e instanceof Error ? e.message : String(e));
}
