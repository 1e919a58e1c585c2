import { type FillModel, feeOf, slipped } from '../../core/fill-model.ts';
import { type MarketRules, stepsToQty, ticksToPrice } from '../../core/market/market-rules.ts';
import { asSteps } from '../../core/units.ts';
import { ExchangeError } from '../errors.ts';
import type { Balance, ClosedCandle, ExchangePort, OrderRequest, OrderState, PositionInfo, Trade } from '../port.ts';
import { type PaperOrder, type PaperState, loadPaperState, savePaperState } from './paper-state.ts';

export interface PaperOptions {
  /** Where prices, candles and market rules come from (public data: no keys needed). */
  readonly source: ExchangePort;
  /** The backtest's fee and slippage model. */
  readonly fills: FillModel;
  readonly balance: number;
  /** JSON file holding the paper account; null keeps it in memory. */
  readonly statePath: string | null;
  readonly now: () => number;
}

/**
 * PAPER mode: live market data, simulated fills (SPEC "Modes and CLI"). Market orders fill at the
 * current price with slippage against the trader and the taker fee; resting reduce-only limits fill
 * at their price (maker fee) once the price reaches them; stops trigger when touched and fill at the
 * market. Reduce-only never increases or flips a position, checked again at fill time (F19). Resting
 * orders are matched whenever the bot reads a price. The account is saved after every change.
 */
export class PaperExchange implements ExchangePort {
  readonly name = 'paper';
  private rules = new Map<string, MarketRules>();
  private s: PaperState;

  constructor(private readonly o: PaperOptions) {
    this.s = loadPaperState(o.statePath, o.balance);
  }

  async markets(): Promise<ReadonlyMap<string, MarketRules>> {
    this.rules = new Map(await this.o.source.markets());
    return this.rules;
  }

  async setLeverage(symbol: string, leverage: number): Promise<void> {
    this.s.leverage[symbol] = leverage;
    this.save();
  }

  async balance(): Promise<Balance> {
    let margin = 0;
    for (const [symbol, p] of Object.entries(this.s.positions)) {
      const m = this.rules.get(symbol);
      if (m && p.steps !== 0) margin += (Math.abs(stepsToQty(asSteps(Math.abs(p.steps)), m)) * p.entryPrice) / (this.s.leverage[symbol] ?? 1);
    }
    return { total: this.s.wallet, free: this.s.wallet - margin };
  }

  async position(symbol: string): Promise<PositionInfo> {
    const p = this.s.positions[symbol];
    if (!p || p.steps === 0) return { symbol, side: null, qtySteps: asSteps(0), entryPrice: 0 };
    return { symbol, side: p.steps > 0 ? 'long' : 'short', qtySteps: asSteps(Math.abs(p.steps)), entryPrice: p.entryPrice };
  }

  async createOrder(r: OrderRequest): Promise<OrderState> {
    const m = this.market(r.symbol);
    if (this.s.orders.some((o) => o.state.clientOrderId === r.clientOrderId && o.state.status === 'open')) {
      throw new ExchangeError('duplicate', `${r.clientOrderId}: an open order has this client id`, -4116);
    }
    const price = await this.o.source.price(r.symbol);
    if (r.reduceOnly && !r.closePosition) this.checkReduceOnly(r, r.amountSteps ?? 0);
    if (r.type === 'stop_market' && this.touched(r, price, m)) throw new ExchangeError('rejected', 'Order would immediately trigger.', -2021);
    if (r.type === 'market' && !r.reduceOnly) this.checkMargin(r, price, m);
    const order: PaperOrder = {
      request: r,
      state: {
        clientOrderId: r.clientOrderId,
        orderId: String(this.s.nextOrderId++),
        symbol: r.symbol,
        side: r.side,
        type: r.type,
        status: 'open',
        amountSteps: asSteps(r.amountSteps ?? 0),
        filledSteps: asSteps(0),
        averagePrice: null,
        reduceOnly: r.reduceOnly || r.closePosition === true,
        closePosition: r.closePosition === true,
        stopPriceTicks: r.stopPriceTicks ?? null,
        timeMs: this.o.now(),
      },
    };
    this.s.orders.push(order);
    if (r.type === 'market') this.fill(order, slipped(price, r.side === 'buy', this.o.fills.slippagePct), false);
    else this.matchOrder(order, price);
    this.save();
    return { ...order.state };
  }

  async fetchOrder(symbol: string, clientOrderId: string, kind: 'order' | 'stop'): Promise<OrderState | null> {
    const o = this.latest(symbol, clientOrderId, kind);
    return o ? { ...o.state } : null;
  }

  async cancelOrder(symbol: string, clientOrderId: string, kind: 'order' | 'stop'): Promise<OrderState | null> {
    const o = this.latest(symbol, clientOrderId, kind);
    if (!o || o.state.status !== 'open') return null;
    o.state = { ...o.state, status: 'canceled' };
    this.save();
    return { ...o.state };
  }

  async openOrders(symbol: string): Promise<OrderState[]> {
    return this.s.orders.filter((o) => o.state.symbol === symbol && o.state.status === 'open').map((o) => ({ ...o.state }));
  }

  async trades(symbol: string, sinceMs: number): Promise<Trade[]> {
    return this.s.trades.filter((t) => t.symbol === symbol && t.timeMs >= sinceMs);
  }

  candles(symbol: string, timeframe: string, limit: number): Promise<ClosedCandle[]> {
    return this.o.source.candles(symbol, timeframe, limit);
  }

  /** The live price; resting limits and stops it reaches fill now. */
  async price(symbol: string): Promise<number> {
    const p = await this.o.source.price(symbol);
    let changed = false;
    for (const o of this.s.orders) if (o.state.symbol === symbol && o.state.status === 'open') changed = this.matchOrder(o, p) || changed;
    if (changed) this.save();
    return p;
  }

  async close(): Promise<void> {
    this.save();
    await this.o.source.close();
  }

  private matchOrder(o: PaperOrder, price: number): boolean {
    const m = this.market(o.state.symbol);
    const r = o.request;
    if (r.type === 'limit') {
      const limit = ticksToPrice(r.priceTicks!, m);
      const reached = r.side === 'sell' ? price >= limit : price <= limit;
      if (!reached) return false;
      this.fill(o, limit, true);
      return true;
    }
    if (r.type === 'stop_market' && this.touched(r, price, m)) {
      this.fill(o, slipped(price, r.side === 'buy', this.o.fills.slippagePct), false);
      return true;
    }
    return false;
  }

  private touched(r: OrderRequest, price: number, m: MarketRules): boolean {
    const stop = ticksToPrice(r.stopPriceTicks!, m);
    return r.side === 'sell' ? price <= stop : price >= stop;
  }

  /** Fills what is left of the order at `price`, clamped so reduce-only never flips (F19). */
  private fill(o: PaperOrder, price: number, maker: boolean): void {
    const m = this.market(o.state.symbol);
    const pos = this.s.positions[o.state.symbol] ?? { steps: 0, entryPrice: 0 };
    const dir = o.state.side === 'buy' ? 1 : -1;
    let qty = o.state.closePosition ? Math.abs(pos.steps) : o.state.amountSteps - o.state.filledSteps;
    if (o.state.reduceOnly) qty = Math.min(qty, pos.steps * dir < 0 ? Math.abs(pos.steps) : 0);
    if (qty <= 0) {
      o.state = { ...o.state, status: o.state.closePosition ? 'expired' : 'canceled' };
      return;
    }
    const q = stepsToQty(asSteps(qty), m);
    const fee = feeOf(price, q, maker ? this.o.fills.makerPct : this.o.fills.takerPct);
    // Realised PnL of the part that reduces the position; the rest opens or adds.
    const reducing = pos.steps * dir < 0 ? Math.min(qty, Math.abs(pos.steps)) : 0;
    const realized = reducing ? (price - pos.entryPrice) * stepsToQty(asSteps(reducing), m) * (pos.steps > 0 ? 1 : -1) : 0;
    const after = pos.steps + dir * qty;
    const entryPrice = after === 0 ? 0 : Math.sign(after) !== Math.sign(pos.steps) || pos.steps === 0 ? price : reducing ? pos.entryPrice : (pos.entryPrice * Math.abs(pos.steps) + price * qty) / Math.abs(after);
    this.s.positions[o.state.symbol] = { steps: after, entryPrice };
    this.s.wallet += realized - fee;
    const filled = o.state.filledSteps + qty;
    o.state = { ...o.state, filledSteps: asSteps(filled), averagePrice: price, status: o.state.closePosition || filled >= o.state.amountSteps ? 'filled' : 'open' };
    this.s.trades.push({ tradeId: String(this.s.nextTradeId++), orderId: o.state.orderId, clientOrderId: o.state.clientOrderId, symbol: o.state.symbol, side: o.state.side, qtySteps: asSteps(qty), price, fee, timeMs: this.o.now() });
    // Flat: closePosition stops expire, as on Binance.
    if (after === 0) for (const x of this.s.orders) if (x.state.symbol === o.state.symbol && x.state.status === 'open' && x.state.closePosition && x !== o) x.state = { ...x.state, status: 'expired' };
  }

  private checkReduceOnly(r: OrderRequest, qty: number): void {
    const pos = this.s.positions[r.symbol]?.steps ?? 0;
    const closable = r.side === 'sell' ? Math.max(0, pos) : Math.max(0, -pos);
    if (closable === 0 || qty > closable) throw new ExchangeError('reduceOnlyRejected', 'ReduceOnly Order is rejected.', -2022);
  }

  private checkMargin(r: OrderRequest, price: number, m: MarketRules): void {
    const need = (stepsToQty(asSteps(r.amountSteps ?? 0), m) * price) / (this.s.leverage[r.symbol] ?? 1);
    let used = 0;
    for (const [symbol, p] of Object.entries(this.s.positions)) {
      const mm = this.rules.get(symbol);
      if (mm && p.steps !== 0) used += (stepsToQty(asSteps(Math.abs(p.steps)), mm) * p.entryPrice) / (this.s.leverage[symbol] ?? 1);
    }
    if (need > this.s.wallet - used) throw new ExchangeError('insufficientMargin', 'Margin is insufficient.', -2019);
  }

  private latest(symbol: string, clientOrderId: string, kind: 'order' | 'stop'): PaperOrder | undefined {
    for (let i = this.s.orders.length - 1; i >= 0; i--) {
      const o = this.s.orders[i]!;
      if (o.state.symbol === symbol && o.state.clientOrderId === clientOrderId && (o.state.type === 'stop_market') === (kind === 'stop')) return o;
    }
    return undefined;
  }

  private market(symbol: string): MarketRules {
    const m = this.rules.get(symbol);
    if (!m) throw new Error(`unknown symbol ${symbol}: call markets() first`);
    return m;
  }

  private save(): void {
    savePaperState(this.o.statePath, this.s);
  }
}
