import type { Account } from './account.ts';
import { simError } from './errors.ts';
import { type SymbolRules, priceNum, qtyNum } from './markets.ts';
import { addedMargin, checkReduceOnly } from './order-checks.ts';
import type { NewAlgoInput, NewOrderInput } from './order-params.ts';
import {
  type AlgoOrderType, type SimAlgoOrder, type SimFill, type SimOrder,
  algoTriggered, isOpenAlgo, isOpenOrder, limitTouched, reducible, sideSign,
} from './orders.ts';
import type { PriceFeed, PriceWalker } from './price-feed.ts';

export interface EngineOptions {
  /** Taker fee in percent of notional (Binance default 0.05). */
  readonly takerFeePct?: number;
  /** Maker fee in percent of notional (Binance default 0.02). */
  readonly makerFeePct?: number;
  /** Slippage of market fills in percent, against the trader (default 0). */
  readonly slippagePct?: number;
  /** The `partialFill` fault for an algo order being triggered (see Faults.forTrigger). */
  readonly triggerFillRatio?: () => number | undefined;
}

export type EngineEvent =
  | { readonly kind: 'order'; readonly order: SimOrder; readonly execType: 'NEW' | 'TRADE' | 'CANCELED' | 'EXPIRED'; readonly fill?: SimFill; readonly timeMs: number }
  | { readonly kind: 'algo'; readonly algo: SimAlgoOrder; readonly timeMs: number }
  | { readonly kind: 'account'; readonly symbol: string; readonly timeMs: number };

/** What the engine needs to place an order in the matching engine (from the API or from a trigger). */
type EnginePlacement = Pick<SimOrder, 'symbol' | 'side' | 'type' | 'origType' | 'timeInForce' | 'qtySteps' | 'priceTicks' | 'stopPriceTicks' | 'reduceOnly' | 'closePosition' | 'clientOrderId'> & {
  readonly algoId?: number;
};

/**
 * The matching engine and account: orders rest and fill when the price touches them (infinite
 * liquidity, whole fills), algo (conditional) orders trigger into it, fills move the position and the
 * wallet. Every change is published as an `EngineEvent` for the user-data stream.
 */
export class Engine implements PriceWalker {
  readonly orders = new Map<number, SimOrder>();
  readonly algos = new Map<number, SimAlgoOrder>();
  readonly fills: SimFill[] = [];
  private readonly openIds = new Set<number>();
  private readonly openAlgoIds = new Set<number>();
  private readonly listeners: Array<(e: EngineEvent) => void> = [];
  /** The `partialFill` fault of the request being handled (see withFillRatio). */
  private fillRatio: number | undefined = undefined;
  private nextOrderId = 8_100_000_001;
  private nextAlgoId = 3_000_000_001;
  private nextTradeId = 600_000_001;

  constructor(
    readonly rules: ReadonlyMap<string, SymbolRules>,
    readonly feed: PriceFeed,
    readonly account: Account,
    private readonly opts: EngineOptions = {},
  ) {}

  onEvent(l: (e: EngineEvent) => void): void {
    this.listeners.push(l);
  }

  /** Rules of a symbol the exchange trades, else -1121. */
  rulesOf(symbol: string | undefined): SymbolRules {
    const r = symbol === undefined ? undefined : this.rules.get(symbol);
    if (!r) throw simError('-1121');
    return r;
  }

  now(): number {
    return this.feed.nowMs;
  }

  mark(symbol: string): number {
    return this.feed.price(symbol);
  }

  openOrders(symbol?: string): SimOrder[] {
    return [...this.openIds].map((id) => this.orders.get(id)!).filter((o) => symbol === undefined || o.symbol === symbol);
  }

  openAlgos(symbol?: string): SimAlgoOrder[] {
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
      m += (qtyNum(o.qtySteps - o.executedSteps, r) * priceNum(o.priceTicks, r)) / this.account.leverage(o.symbol);
    }
    return m;
  }

  /** `POST /fapi/v1/order`. */
  newOrder(i: NewOrderInput): SimOrder {
    const r = this.rulesOf(i.symbol);
    if (r.status !== 'TRADING') throw simError('-1121');
    const clientOrderId = i.clientOrderId ?? `sim-${this.nextOrderId}`;
    if (this.openOrders(i.symbol).some((o) => o.clientOrderId === clientOrderId)) throw simError('-4116');
    const mark = this.mark(i.symbol);
    if (i.reduceOnly) checkReduceOnly(this.openOrders(i.symbol), this.account.position(i.symbol).amtSteps, i.side, i.qtySteps);
    else this.checkMargin(r, i.side, i.qtySteps, i.type === 'LIMIT' ? i.priceTicks : mark);
    if (i.type === 'LIMIT' && i.timeInForce === 'GTX' && limitTouched(i, mark)) throw simError('-5022');
    return this.place({ ...i, origType: i.type, stopPriceTicks: 0, closePosition: false, clientOrderId });
  }

  /** `POST /fapi/v1/algoOrder`: the order waits in the Algo Service until its trigger is touched. */
  newAlgoOrder(i: NewAlgoInput): SimAlgoOrder {
    const r = this.rulesOf(i.symbol);
    if (r.status !== 'TRADING') throw simError('-1121');
    const clientAlgoId = i.clientAlgoId ?? `sim-${this.nextAlgoId}`;
    const open = this.openAlgos(i.symbol);
    if (open.some((a) => a.clientAlgoId === clientAlgoId)) throw simError('-4116');
    if (open.length >= r.maxNumAlgoOrders) throw simError('-4045');
    const family = (t: AlgoOrderType): string => (t.startsWith('STOP') ? 'stop' : 'tp');
    if (i.closePosition && open.some((a) => a.closePosition && a.side === i.side && family(a.orderType) === family(i.orderType))) throw simError('-4130');
    if (algoTriggered(i, this.mark(i.symbol))) throw simError('-2021');
    const now = this.now();
    const algo: SimAlgoOrder = { ...i, clientAlgoId, algoId: this.nextAlgoId++, algoStatus: 'NEW', createTime: now, updateTime: now, triggerTime: 0 };
    this.algos.set(algo.algoId, algo);
    this.openAlgoIds.add(algo.algoId);
    this.emit({ kind: 'algo', algo, timeMs: now });
    return algo;
  }

  findOrder(symbol: string, orderId?: number, clientOrderId?: string): SimOrder | undefined {
    if (orderId !== undefined) {
      const o = this.orders.get(orderId);
      return o && o.symbol === symbol ? o : undefined;
    }
    let found: SimOrder | undefined;
    for (const o of this.orders.values()) if (o.symbol === symbol && o.clientOrderId === clientOrderId) found = o;
    return found;
  }

  findAlgo(algoId?: number, clientAlgoId?: string): SimAlgoOrder | undefined {
    if (algoId !== undefined) return this.algos.get(algoId);
    let found: SimAlgoOrder | undefined;
    for (const a of this.algos.values()) if (a.clientAlgoId === clientAlgoId) found = a;
    return found;
  }

  cancelOrder(o: SimOrder | undefined): SimOrder {
    if (!o || !isOpenOrder(o)) throw simError('-2011');
    this.finish(o, 'CANCELED');
    return o;
  }

  cancelAlgo(a: SimAlgoOrder | undefined): SimAlgoOrder {
    if (!a || !isOpenAlgo(a)) throw simError('-2011');
    this.setAlgoStatus(a, 'CANCELED');
    return a;
  }

  /** Moves the price, stopping at every resting limit and trigger price crossed on the way (not on a gap). */
  walkPrice(symbol: string, to: number, timeMs: number, gap: boolean): void {
    let cur = this.feed.tape(symbol).price;
    for (let guard = 0; !gap && cur !== undefined && guard < 10_000; guard++) {
      const next = this.nextLevel(symbol, cur, to);
      if (next === undefined) break;
      this.feed.setPrice(symbol, next, timeMs);
      this.match(symbol);
      cur = next;
    }
    this.feed.setPrice(symbol, to, timeMs);
    this.match(symbol);
  }

  private nextLevel(symbol: string, from: number, to: number): number | undefined {
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
  private match(symbol: string): void {
    const p = this.mark(symbol);
    for (let guard = 0; guard < 10_000; guard++) {
      const algo = this.openAlgos(symbol).find((a) => a.algoStatus === 'NEW' && algoTriggered(a, p));
      if (algo) {
        this.trigger(algo);
        continue;
      }
      const o = this.openOrders(symbol).find((x) => x.type === 'LIMIT' && limitTouched(x, p));
      if (!o) return;
      this.fill(o, o.qtySteps - o.executedSteps, o.priceTicks, true);
    }
  }

  private trigger(a: SimAlgoOrder): void {
    const now = this.now();
    a.triggerTime = now;
    this.setAlgoStatus(a, 'TRIGGERING');
    const pos = this.account.position(a.symbol).amtSteps;
    const qty = a.closePosition ? reducible(a.side, pos) : a.qtySteps;
    if (qty === 0 && a.closePosition) return this.setAlgoStatus(a, 'EXPIRED');
    try {
      if (a.reduceOnly && reducible(a.side, pos) === 0) throw simError('-2022');
      if (!a.reduceOnly && !a.closePosition) this.checkMargin(this.rulesOf(a.symbol), a.side, qty, a.priceTicks || this.mark(a.symbol));
    } catch (e) {
      a.rejectReason = e instanceof Error ? e.message : String(e);
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

  private place(p: EnginePlacement): SimOrder {
    const now = this.now();
    const o: SimOrder = { ...p, orderId: this.nextOrderId++, workingType: 'CONTRACT_PRICE', priceProtect: false, time: now, status: 'NEW', executedSteps: 0, cumQuote: 0, updateTime: now };
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

  /**
   * Runs `f` (one request's handler) with the `partialFill` fault's ratio applied to the orders it
   * fills at once; the handler is synchronous, so no other request sees it.
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

  /** An order that fills on arrival: whole, or under a `partialFill` fault only in part, the rest expiring. */
  private fillAtOnce(o: SimOrder, ticks: number): void {
    if (this.fillRatio === undefined || o.qtySteps < 2) return this.fill(o, o.qtySteps, ticks, false);
    this.fill(o, Math.max(1, Math.floor(o.qtySteps * this.fillRatio)), ticks, false);
    if (o.status === 'PARTIALLY_FILLED') this.finish(o, 'EXPIRED');
  }

  private slipped(o: SimOrder, mark: number): number {
    const pct = this.opts.slippagePct ?? 0;
    if (pct === 0) return mark;
    const moved = mark * (1 + (sideSign(o.side) * pct) / 100);
    return Math.max(1, o.side === 'BUY' ? Math.ceil(moved) : Math.floor(moved));
  }

  /** One fill; a reduce-only order is clamped to what the position still holds at fill time (F19). */
  private fill(o: SimOrder, steps: number, ticks: number, maker: boolean): void {
    const r = this.rulesOf(o.symbol);
    const pos = this.account.position(o.symbol).amtSteps;
    const q = o.reduceOnly || o.closePosition ? Math.min(steps, reducible(o.side, pos)) : steps;
    if (q <= 0) return this.finish(o, 'EXPIRED');
    const now = this.now();
    const quoteQty = qtyNum(q, r) * priceNum(ticks, r);
    const commission = (quoteQty * ((maker ? this.opts.makerFeePct ?? 0.02 : this.opts.takerFeePct ?? 0.05) / 100));
    const t = this.account.trade(r, sideSign(o.side) * q, ticks, commission, now);
    o.executedSteps += q;
    o.cumQuote += quoteQty;
    o.updateTime = now;
    o.status = o.executedSteps >= o.qtySteps ? 'FILLED' : 'PARTIALLY_FILLED';
    const fill: SimFill = {
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

  private finish(o: SimOrder, status: 'CANCELED' | 'EXPIRED'): void {
    o.status = status;
    o.updateTime = this.now();
    this.openIds.delete(o.orderId);
    this.emit({ kind: 'order', order: o, execType: status, timeMs: o.updateTime });
    this.algoDone(o);
  }

  private algoDone(o: SimOrder): void {
    const a = o.algoId === undefined ? undefined : this.algos.get(o.algoId);
    if (a && a.algoStatus === 'TRIGGERED') this.setAlgoStatus(a, 'FINISHED');
  }

  private setAlgoStatus(a: SimAlgoOrder, s: SimAlgoOrder['algoStatus']): void {
    a.algoStatus = s;
    a.updateTime = this.now();
    if (!isOpenAlgo(a)) this.openAlgoIds.delete(a.algoId);
    this.emit({ kind: 'algo', algo: a, timeMs: a.updateTime });
  }

  /** -2019 when the margin the order adds exceeds the available balance. */
  private checkMargin(r: SymbolRules, side: 'BUY' | 'SELL', qtySteps: number, priceTicks: number): void {
    const pos = this.account.position(r.symbol).amtSteps;
    if (addedMargin(r, pos, side, qtySteps, priceTicks, this.account.leverage(r.symbol)) > this.availableBalance()) throw simError('-2019');
  }

  private emit(e: EngineEvent): void {
    for (const l of this.listeners) l(e);
  }
}
