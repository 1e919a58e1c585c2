import { type Result, err, ok } from '../../core/result.ts';
import { addedMargin, reduceOnlyRejection } from './checks.ts';
import type { MatchEvent, MatchingOptions, MatchingSnapshot, PriceView } from './engine-types.ts';
import type { Ledger } from './ledger.ts';
import {
  type AlgoInput, type AlgoOrder, type AlgoOrderType, type BookOrder, type Execution, type OrderInput,
  algoTriggered, isOpenAlgo, isOpenOrder, limitTouched, reducible, sideSign,
} from './orders.ts';
import { type Rejection, rejection } from './rejections.ts';
import { type MatchRules, priceOf, qtyOf } from './rules.ts';

/** What the engine needs to place an order in the book (from a request or from a trigger). */
type Placement = Pick<BookOrder, 'symbol' | 'side' | 'type' | 'origType' | 'timeInForce' | 'qtySteps' | 'priceTicks' | 'stopPriceTicks' | 'reduceOnly' | 'closePosition' | 'clientOrderId'> & {
  readonly algoId?: number;
};

/**
 * One matching engine for the simulator and paper mode, with Binance USDⓈ-M's rules: orders rest and
 * fill when the price touches them (infinite liquidity unless a fill ratio says otherwise), algo
 * (conditional) orders trigger on the price into the book, reduce-only is checked at placement
 * (-2022, -4118) and clamped again at fill time (F19), closePosition stops expire when the position is
 * flat, fills move the ledger. Every change is published as a `MatchEvent`.
 */
export class MatchingEngine<R extends MatchRules = MatchRules, A extends Ledger = Ledger> {
  readonly orders = new Map<number, BookOrder>();
  readonly algos = new Map<number, AlgoOrder>();
  readonly fills: Execution[] = [];
  private readonly openIds = new Set<number>();
  private readonly openAlgoIds = new Set<number>();
  private readonly listeners: Array<(e: MatchEvent) => void> = [];
  /** The fill ratio of the request being handled (see withFillRatio). */
  private fillRatio: number | undefined = undefined;
  private nextOrderId = 8_100_000_001;
  private nextAlgoId = 3_000_000_001;
  private nextTradeId = 600_000_001;

  constructor(
    readonly rules: ReadonlyMap<string, R>,
    readonly view: PriceView,
    readonly account: A,
    private readonly opts: MatchingOptions = {},
  ) {}

  onEvent(l: (e: MatchEvent) => void): void {
    this.listeners.push(l);
  }

  rulesOf(symbol: string | undefined): R {
    const r = symbol === undefined ? undefined : this.rules.get(symbol);
    if (!r) throw new Error(`unknown symbol ${String(symbol)}`);
    return r;
  }

  now(): number {
    return this.view.nowMs;
  }

  mark(symbol: string): number {
    return this.view.price(symbol);
  }

  openOrders(symbol?: string): BookOrder[] {
    return [...this.openIds].map((id) => this.orders.get(id)!).filter((o) => symbol === undefined || o.symbol === symbol);
  }

  openAlgos(symbol?: string): AlgoOrder[] {
    return [...this.openAlgoIds].map((id) => this.algos.get(id)!).filter((a) => symbol === undefined || a.symbol === symbol);
  }

  /** Margin free for new orders: wallet + unrealised PnL − position margin − open-order margin (cross). */
  availableBalance(): number {
    let free = this.account.wallet;
    for (const p of this.account.positions.values()) {
      if (p.amtSteps === 0) continue;
      const r = this.rulesOf(p.symbol);
      const mark = this.mark(p.symbol);
      free += this.account.unrealized(r, mark) - this.account.positionMargin(r, mark);
    }
    return free - this.openOrderMargin();
  }

  openOrderMargin(symbol?: string): number {
    let m = 0;
    for (const o of this.openOrders(symbol)) {
      if (o.reduceOnly || o.closePosition) continue;
      const r = this.rulesOf(o.symbol);
      m += (qtyOf(o.qtySteps - o.executedSteps, r) * priceOf(o.priceTicks, r)) / this.account.leverage(o.symbol);
    }
    return m;
  }

  /** A new order for the book: checked against the account and the open orders, then placed (and maybe filled). */
  submitOrder(i: OrderInput): Result<BookOrder, Rejection> {
    const r = this.rulesOf(i.symbol);
    const clientOrderId = i.clientOrderId ?? `sim-${this.nextOrderId}`;
    if (this.openOrders(i.symbol).some((o) => o.clientOrderId === clientOrderId)) return err(rejection('-4116'));
    const mark = this.mark(i.symbol);
    const refused = i.reduceOnly
      ? reduceOnlyRejection(this.openOrders(i.symbol), this.account.position(i.symbol).amtSteps, i.side, i.qtySteps)
      : this.marginRejection(r, i.side, i.qtySteps, i.type === 'LIMIT' ? i.priceTicks : mark);
    if (refused) return err(refused);
    if (i.type === 'LIMIT' && i.timeInForce === 'GTX' && limitTouched(i, mark)) return err(rejection('-5022'));
    return ok(this.place({ ...i, origType: i.type, stopPriceTicks: 0, closePosition: false, clientOrderId }));
  }

  /** A new conditional order: it waits until its trigger price is touched (Binance's Algo Service). */
  submitAlgo(i: AlgoInput): Result<AlgoOrder, Rejection> {
    const r = this.rulesOf(i.symbol);
    const clientAlgoId = i.clientAlgoId ?? `sim-${this.nextAlgoId}`;
    const open = this.openAlgos(i.symbol);
    if (open.some((a) => a.clientAlgoId === clientAlgoId)) return err(rejection('-4116'));
    if (open.length >= r.maxNumAlgoOrders) return err(rejection('-4045'));
    const family = (t: AlgoOrderType): string => (t.startsWith('STOP') ? 'stop' : 'tp');
    // Binance keeps one closePosition order per direction and family (stop / take profit).
    if (i.closePosition && open.some((a) => a.closePosition && a.side === i.side && family(a.orderType) === family(i.orderType))) return err(rejection('-4130'));
    // closePosition is GTE_GTC, which Binance takes only while the symbol has a position or an open order.
    if (i.closePosition && this.account.position(i.symbol).amtSteps === 0 && this.openOrders(i.symbol).length === 0) return err(rejection('-4509'));
    if (algoTriggered(i, this.mark(i.symbol))) return err(rejection('-2021'));
    const now = this.now();
    const algo: AlgoOrder = { ...i, clientAlgoId, algoId: this.nextAlgoId++, algoStatus: 'NEW', createTime: now, updateTime: now, triggerTime: 0 };
    this.algos.set(algo.algoId, algo);
    this.openAlgoIds.add(algo.algoId);
    this.emit({ kind: 'algo', algo, timeMs: now });
    return ok(algo);
  }

  /** The order by id, else the newest one with this client id. */
  findOrder(symbol: string, orderId?: number, clientOrderId?: string): BookOrder | undefined {
    if (orderId !== undefined) {
      const o = this.orders.get(orderId);
      return o && o.symbol === symbol ? o : undefined;
    }
    let found: BookOrder | undefined;
    for (const o of this.orders.values()) if (o.symbol === symbol && o.clientOrderId === clientOrderId) found = o;
    return found;
  }

  findAlgo(algoId?: number, clientAlgoId?: string): AlgoOrder | undefined {
    if (algoId !== undefined) return this.algos.get(algoId);
    let found: AlgoOrder | undefined;
    for (const a of this.algos.values()) if (a.clientAlgoId === clientAlgoId) found = a;
    return found;
  }

  /** Cancels an open order; -2011 when it is unknown or no longer open. */
  cancelBookOrder(o: BookOrder | undefined): Result<BookOrder, Rejection> {
    if (!o || !isOpenOrder(o)) return err(rejection('-2011'));
    this.finish(o, 'CANCELED');
    return ok(o);
  }

  /**
   * Cancels an algo order waiting for its trigger; -2011 when it is unknown or no longer waiting. One
   * TRIGGERING (handed to the matching engine) is no longer the algo service's to cancel: Binance answered
   * -2011 "Unknown order sent." to the cancel of a stop stuck so (nautilus_trader discussion 5378; its
   * docs do not say), and the order stays TRIGGERING, still listed among the open algo orders.
   */
  cancelAlgoOrder(a: AlgoOrder | undefined): Result<AlgoOrder, Rejection> {
    if (!a || a.algoStatus !== 'NEW') return err(rejection('-2011'));
    this.setAlgoStatus(a, 'CANCELED');
    return ok(a);
  }

  /**
   * The exchange's own close of `qtySteps` of the position at `priceTicks`, whatever the mark: Binance's
   * liquidation engine (client id `autoclose-…`), which first expires every open order and conditional
   * order of the symbol (expiry reason 5, `expireOrders`), or auto-deleveraging (`adl_autoclose`).
   */
  forceClose(symbol: string, qtySteps: number, priceTicks: number, clientOrderId: string, expireOrders: boolean): BookOrder {
    if (expireOrders) {
      for (const o of this.openOrders(symbol)) this.finish(o, 'EXPIRED');
      for (const a of this.openAlgos(symbol)) this.setAlgoStatus(a, 'EXPIRED');
    }
    const pos = this.account.position(symbol).amtSteps;
    const now = this.now();
    const o: BookOrder = {
      symbol, side: pos < 0 ? 'BUY' : 'SELL', type: 'MARKET', origType: 'MARKET', timeInForce: 'IOC', qtySteps, priceTicks: 0, stopPriceTicks: 0, reduceOnly: true, closePosition: false,
      clientOrderId, orderId: this.nextOrderId++, workingType: 'CONTRACT_PRICE', priceProtect: false, time: now, status: 'NEW', executedSteps: 0, cumQuote: 0, updateTime: now,
    };
    this.orders.set(o.orderId, o);
    this.openIds.add(o.orderId);
    this.emit({ kind: 'order', order: o, execType: 'NEW', timeMs: now });
    this.fill(o, qtySteps, priceTicks, false);
    return o;
  }

  /** The resting limit or trigger price nearest to `from` strictly between `from` and `to` (a walk stops there). */
  nextLevel(symbol: string, from: number, to: number): number | undefined {
    let best: number | undefined;
    const consider = (lvl: number): void => {
      const inside = to > from ? lvl > from && lvl < to : lvl < from && lvl > to;
      if (inside && (best === undefined || Math.abs(lvl - from) < Math.abs(best - from))) best = lvl;
    };
    for (const o of this.openOrders(symbol)) if (o.type === 'LIMIT') consider(o.priceTicks);
    for (const a of this.openAlgos(symbol)) consider(a.triggerPriceTicks);
    return best;
  }

  /** Fires everything the current price touches: triggers first, then resting limits, in id order. */
  match(symbol: string): void {
    const p = this.mark(symbol);
    // Resting orders filled in part by this match (restingFillRatio): the rest waits for the next one.
    const partly = new Set<number>();
    for (let guard = 0; guard < 10_000; guard++) {
      const algo = this.openAlgos(symbol).find((a) => a.algoStatus === 'NEW' && algoTriggered(a, p));
      if (algo) {
        this.trigger(algo);
        continue;
      }
      // Stuck in TRIGGERING (a fault): placed once the fault is gone, at the price then.
      const stuck = this.opts.holdStuckTriggers?.() === true ? undefined : this.openAlgos(symbol).find((a) => a.algoStatus === 'TRIGGERING');
      if (stuck) {
        this.placeTriggered(stuck);
        continue;
      }
      const o = this.openOrders(symbol).find((x) => x.type === 'LIMIT' && !partly.has(x.orderId) && limitTouched(x, p));
      if (!o) return;
      const left = o.qtySteps - o.executedSteps;
      const ratio = left >= 2 ? this.opts.restingFillRatio?.() : undefined;
      if (ratio !== undefined) partly.add(o.orderId);
      this.fill(o, ratio === undefined ? left : Math.max(1, Math.floor(left * ratio)), o.priceTicks, true);
    }
  }

  /**
   * Runs `f` (one request) with `ratio` of each order it fills at once filling, the rest expiring
   * (thin liquidity, or the simulator's `partialFill` fault). `f` is synchronous: no other request sees it.
   */
  withFillRatio<T>(ratio: number | undefined, f: () => T): T {
    const outer = this.fillRatio;
    this.fillRatio = ratio;
    try {
      return f();
    } finally {
      this.fillRatio = outer;
    }
  }

  snapshot(): MatchingSnapshot {
    return {
      orders: [...this.orders.values()].map((o) => ({ ...o })),
      algos: [...this.algos.values()].map((a) => ({ ...a })),
      fills: [...this.fills],
      ledger: this.account.snapshot(),
      nextIds: { order: this.nextOrderId, algo: this.nextAlgoId, trade: this.nextTradeId },
    };
  }

  /** Replaces everything with a saved snapshot (no events: nothing happens, the state is only reloaded). */
  restore(s: MatchingSnapshot): void {
    this.orders.clear();
    this.openIds.clear();
    for (const o of s.orders) {
      this.orders.set(o.orderId, { ...o });
      if (isOpenOrder(o)) this.openIds.add(o.orderId);
    }
    this.algos.clear();
    this.openAlgoIds.clear();
    for (const a of s.algos) {
      this.algos.set(a.algoId, { ...a });
      if (isOpenAlgo(a)) this.openAlgoIds.add(a.algoId);
    }
    this.fills.length = 0;
    this.fills.push(...s.fills);
    this.account.restore(s.ledger);
    this.nextOrderId = s.nextIds.order;
    this.nextAlgoId = s.nextIds.algo;
    this.nextTradeId = s.nextIds.trade;
  }

  private trigger(a: AlgoOrder): void {
    a.triggerTime = this.now();
    this.setAlgoStatus(a, 'TRIGGERING');
    if (this.opts.stickTrigger?.() === true) return;
    this.placeTriggered(a);
  }

  /** The order of a TRIGGERING algo order goes into the book (or the algo order ends refused or expired). */
  private placeTriggered(a: AlgoOrder): void {
    const pos = this.account.position(a.symbol).amtSteps;
    const qty = a.closePosition ? reducible(a.side, pos) : a.qtySteps;
    if (qty === 0 && a.closePosition) return this.setAlgoStatus(a, 'EXPIRED');
    let refused: Rejection | null = null;
    if (a.reduceOnly && reducible(a.side, pos) === 0) refused = rejection('-2022');
    else if (!a.reduceOnly && !a.closePosition) refused = this.marginRejection(this.rulesOf(a.symbol), a.side, qty, a.priceTicks || this.mark(a.symbol));
    if (refused) {
      a.rejectReason = refused.msg;
      return this.setAlgoStatus(a, 'REJECTED');
    }
    const market = a.orderType.endsWith('_MARKET');
    this.setAlgoStatus(a, 'TRIGGERED');
    this.withFillRatio(this.opts.triggerFillRatio?.(), () => this.place({
      symbol: a.symbol, side: a.side, type: market ? 'MARKET' : 'LIMIT', origType: a.orderType,
      timeInForce: market ? 'GTC' : a.timeInForce === 'GTE_GTC' ? 'GTC' : a.timeInForce, qtySteps: qty,
      priceTicks: a.priceTicks, stopPriceTicks: a.triggerPriceTicks, reduceOnly: a.reduceOnly || a.closePosition,
      closePosition: a.closePosition, clientOrderId: a.clientAlgoId, algoId: a.algoId,
    }));
  }

  private place(p: Placement): BookOrder {
    const now = this.now();
    const o: BookOrder = { ...p, orderId: this.nextOrderId++, workingType: 'CONTRACT_PRICE', priceProtect: false, time: now, status: 'NEW', executedSteps: 0, cumQuote: 0, updateTime: now };
    this.orders.set(o.orderId, o);
    this.openIds.add(o.orderId);
    if (p.algoId !== undefined) this.algos.get(p.algoId)!.actualOrderId = o.orderId;
    this.emit({ kind: 'order', order: o, execType: 'NEW', timeMs: now });
    const mark = this.mark(o.symbol);
    if (o.type === 'MARKET') this.fillAtOnce(o, this.slipped(o, mark));
    else if (limitTouched(o, mark)) this.fillAtOnce(o, mark);
    else if (o.timeInForce === 'IOC' || o.timeInForce === 'FOK') this.finish(o, 'EXPIRED');
    return o;
  }

  /** An order that fills on arrival: whole, or with a fill ratio only in part, the rest expiring (ratio 0: nothing fills). */
  private fillAtOnce(o: BookOrder, ticks: number): void {
    if (this.fillRatio === 0) return this.finish(o, 'EXPIRED');
    if (this.fillRatio === undefined || o.qtySteps < 2) return this.fill(o, o.qtySteps, ticks, false);
    this.fill(o, Math.max(1, Math.floor(o.qtySteps * this.fillRatio)), ticks, false);
    if (o.status === 'PARTIALLY_FILLED') this.finish(o, 'EXPIRED');
  }

  /** The market fill price after slippage, rounded to the tick against the trader. */
  private slipped(o: BookOrder, mark: number): number {
    const pct = this.opts.slippagePct ?? 0;
    if (pct === 0) return mark;
    const moved = mark * (1 + (sideSign(o.side) * pct) / 100);
    return Math.max(1, o.side === 'BUY' ? Math.ceil(moved) : Math.floor(moved));
  }

  /** One fill; a reduce-only order is clamped to what the position still holds at fill time (F19). */
  private fill(o: BookOrder, steps: number, ticks: number, maker: boolean): void {
    const r = this.rulesOf(o.symbol);
    const pos = this.account.position(o.symbol).amtSteps;
    const q = o.reduceOnly || o.closePosition ? Math.min(steps, reducible(o.side, pos)) : steps;
    if (q <= 0) return this.finish(o, 'EXPIRED');
    const now = this.now();
    const quoteQty = qtyOf(q, r) * priceOf(ticks, r);
    const commission = (quoteQty * ((maker ? this.opts.makerFeePct ?? 0.02 : this.opts.takerFeePct ?? 0.05) / 100));
    const t = this.account.trade(r, sideSign(o.side) * q, ticks, commission, now);
    o.executedSteps += q;
    o.cumQuote += quoteQty;
    o.updateTime = now;
    o.status = o.executedSteps >= o.qtySteps ? 'FILLED' : 'PARTIALLY_FILLED';
    const fill: Execution = {
      tradeId: this.nextTradeId++, orderId: o.orderId, clientOrderId: o.clientOrderId, algoId: o.algoId, symbol: o.symbol, side: o.side,
      priceTicks: ticks, qtySteps: q, quoteQty, commission, commissionAsset: this.account.asset, realizedPnl: t.realizedPnl, maker,
      reduceOnly: o.reduceOnly, time: now, positionAfterSteps: t.positionAfterSteps,
    };
    this.fills.push(fill);
    if (o.status === 'FILLED') this.openIds.delete(o.orderId);
    this.emit({ kind: 'account', symbol: o.symbol, timeMs: now });
    this.emit({ kind: 'order', order: o, execType: 'TRADE', fill, timeMs: now });
    if (o.status === 'FILLED') this.algoDone(o);
    else if (q < steps) this.finish(o, 'EXPIRED');
    if (t.positionAfterSteps === 0) {
      for (const a of this.openAlgos(o.symbol)) if (a.closePosition) this.setAlgoStatus(a, 'EXPIRED');
    }
  }

  private finish(o: BookOrder, status: 'CANCELED' | 'EXPIRED'): void {
    o.status = status;
    o.updateTime = this.now();
    this.openIds.delete(o.orderId);
    this.emit({ kind: 'order', order: o, execType: status, timeMs: o.updateTime });
    this.algoDone(o);
  }

  private algoDone(o: BookOrder): void {
    const a = o.algoId === undefined ? undefined : this.algos.get(o.algoId);
    if (a && a.algoStatus === 'TRIGGERED') this.setAlgoStatus(a, 'FINISHED');
  }

  private setAlgoStatus(a: AlgoOrder, s: AlgoOrder['algoStatus']): void {
    a.algoStatus = s;
    a.updateTime = this.now();
    if (!isOpenAlgo(a)) this.openAlgoIds.delete(a.algoId);
    this.emit({ kind: 'algo', algo: a, timeMs: a.updateTime });
  }

  /** -2019 when the margin the order adds exceeds the available balance. */
  private marginRejection(r: MatchRules, side: 'BUY' | 'SELL', qtySteps: number, priceTicks: number): Rejection | null {
    const pos = this.account.position(r.symbol).amtSteps;
    return addedMargin(r, pos, side, qtySteps, priceTicks, this.account.leverage(r.symbol)) > this.availableBalance() ? rejection('-2019') : null;
  }

  private emit(e: MatchEvent): void {
    for (const l of this.listeners) l(e);
  }
}
