import type { Exchange, Order, Trade as CcxtTrade } from 'ccxt';
import { fromCcxtMarket } from '../../core/market/ccxt-market.ts';
import { type MarketRules, formatPrice, formatQty, qtyToSteps } from '../../core/market/market-rules.ts';
import { asSteps } from '../../core/units.ts';
import { parseClientId } from '../../core/model/position.ts';
import { priceToTicks } from '../../core/market/market-rules.ts';
import type { AccountModes, Balance, ClosedCandle, ExchangePort, FundingPayment, FundingRate, MarginMode, MarginModeChange, OrderRequest, OrderState, OrderStatus, OrderType, PositionInfo, Trade } from '../port.ts';
import { apiOrigin, sharedBudget } from './budgets.ts';
import { ExchangeError } from '../errors.ts';
import { toExchangeError } from './errors.ts';
import { FeeConverter } from './fees.ts';
import { tapExchange } from './http-tap.ts';
import { tradesSince } from './trades-since.ts';
import type { WeightBudget } from './weight-budget.ts';

/** Binance's largest page of account trades. */
const TRADES_PAGE = 1000;
/** Funding records a page (Binance's income history: at most 1000). */
const FUNDING_PAGE = 1000;
/** Binance: "No need to change margin type." (ccxt's binanceusdm throws it by default). */
const MARGIN_TYPE_SET = -4046;
/** Binance: the margin type cannot change while an order (-4047) or a position (-4048) is open. */
const MARGIN_TYPE_BLOCKED: ReadonlySet<number> = new Set([-4047, -4048]);
/** Binance's recvWindow when a request carries none (ms). */
const BINANCE_DEFAULT_RECV_WINDOW_MS = 5_000;
/** Binance: "An open stop or take profit order with GTE and closePosition in the direction is existing." */
const CLOSE_POSITION_TAKEN = -4130;

export interface CcxtExchangeOptions {
  /** The rate-limit budget to spend from; default: the process's budget for the exchange's API origin. */
  readonly budget?: WeightBudget;
  /** How long a price used to convert a fee (BNB → quote) is reused (default 60 s). */
  readonly feePriceTtlMs?: number;
}

/**
 * The exchange port over a ccxt `binanceusdm` (REST; the bot polls). Every ccxt error leaves here
 * as an ExchangeError (one closed set); every ccxt structure is turned into domain types with the
 * symbol's market rules. Conditional orders (the protective stop) go to Binance's Algo Order
 * endpoints: ccxt 4.5.84 routes `trigger: true` requests there.
 */
export class CcxtExchange implements ExchangePort {
  readonly name: string;
  private rules = new Map<string, MarketRules>();
  private unified = new Map<string, string>();
  /** orderId → clientOrderId, learnt from every order seen (trades carry only the order id). */
  private clientIds = new Map<string, string>();
  /** `symbol:side` → client id of our closePosition stop there (Binance allows one: -4130). */
  private closePositionStops = new Map<string, string>();
  /** Exchange id → settle asset (USDT, USDC) of each linear market. */
  private settles = new Map<string, string>();
  /** A loadMarkets() failed: ccxt keeps its rejected promise, so the next load must be a reload (L2). */
  private marketsFailed = false;
  /** This machine's clock minus the server's (ms), as last measured after a -1021. */
  clockOffsetMs = 0;
  private readonly fees: FeeConverter;
  /**
   * The rate-limit budget every REST request of this client waits at (shared per API origin). The bot
   * slows its polling by it: `budget.suggestedPollMs(pollMs)`, `budget.pressure()` (0 … 1),
   * `budget.nextCallDelayMs()`.
   */
  readonly budget: WeightBudget;

  constructor(
    private readonly ex: Exchange,
    o: CcxtExchangeOptions = {},
  ) {
    this.name = ex.id;
    this.budget = o.budget ?? sharedBudget(apiOrigin(ex.urls, ex.id));
    tapExchange(ex, this.budget);
    this.fees = new FeeConverter((base, quote) => this.marketPrice(base, quote), o.feePriceTtlMs);
  }

  /**
   * The recvWindow ccxt signs every private request with (its `options.recvWindow`: 10 s in ccxt
   * 4.5.84's binance classes), or Binance's own default when ccxt sends none: how long a request whose
   * answer was lost may still be executed by the exchange.
   */
  get recvWindowMs(): number {
    const w = Number((this.ex.options as Record<string, unknown> | undefined)?.['recvWindow']);
    return Number.isFinite(w) && w > 0 ? w : BINANCE_DEFAULT_RECV_WINDOW_MS;
  }

  async markets(only?: readonly string[]): Promise<ReadonlyMap<string, MarketRules>> {
    const reload = this.marketsFailed;
    const markets = await this.call(() => this.ex.loadMarkets(reload), false).catch((e: unknown) => {
      this.marketsFailed = true;
      throw e;
    });
    this.marketsFailed = false;
    const wanted = only ? new Set(only) : null;
    for (const m of Object.values(markets)) {
      if (!m || !m.linear || !m.swap) continue;
      if (wanted && !wanted.has(m.id ?? '') && !wanted.has(m.symbol)) continue;
      const r = fromCcxtMarket(m);
      if (!r.ok) continue;
      this.rules.set(r.value.id, r.value);
      this.unified.set(r.value.id, m.symbol);
      if (m.settle) this.settles.set(r.value.id, m.settle);
    }
    return this.rules;
  }

  /** The asset `symbol` settles in (USDT, USDC): the one to pass to `balance`. Its quote when unknown. */
  settleAsset(symbol: string): string {
    return this.settles.get(symbol) ?? this.market(symbol).quote;
  }

  async setLeverage(symbol: string, leverage: number): Promise<void> {
    await this.call(() => this.ex.setLeverage(leverage, this.sym(symbol)), true);
  }

  async setMarginMode(symbol: string, mode: MarginMode): Promise<MarginModeChange> {
    try {
      await this.call(() => this.ex.setMarginMode(mode, this.sym(symbol)), true);
      return 'changed';
    } catch (e) {
      // A code is believed only on a definitive answer: the body of a 5xx (or a timeout) says nothing of
      // what was done, and a -4046 believed there left the symbol in cross margin while the bot took it
      // as set. Thrown as unknownOutcome: start-up asks again, and the next answer tells.
      if (!(e instanceof ExchangeError) || e.code === 'unknownOutcome') throw e;
      if (e.exchangeCode === MARGIN_TYPE_SET) return 'unchanged';
      if (e.exchangeCode !== null && MARGIN_TYPE_BLOCKED.has(e.exchangeCode)) return 'blocked';
      throw e;
    }
  }

  async accountModes(): Promise<AccountModes> {
    // Both weigh 30 on Binance and are read once per start. ccxt's own pacing (50 ms a unit) would hold
    // the next request 1.5 s after each (3 s more at every start), so they are sent at cost 1 through
    // ccxt's request(); the shared weight budget (http-tap) learns their real weight from Binance's
    // used-weight header on the answer.
    const raw = this.ex as unknown as { request(path: string, api: string, method: string, params: object, headers?: undefined, body?: undefined, config?: object): Promise<Record<string, unknown>> };
    const get = (path: string) => this.call(() => raw.request(path, 'fapiPrivate', 'GET', {}, undefined, undefined, { cost: 1 }), false);
    const dual = await get('positionSide/dual');
    const multi = await get('multiAssetsMargin');
    return { hedgeMode: isTrue(dual['dualSidePosition']), multiAssets: isTrue(multi['multiAssetsMargin']) };
  }

  async balance(asset = 'USDT'): Promise<Balance> {
    const b = await this.call(() => this.ex.fetchBalance(), false);
    const a = (b as unknown as Record<string, { total?: number; free?: number } | undefined>)[asset] ?? {};
    return { total: Number(a.total ?? 0), free: Number(a.free ?? 0) };
  }

  async position(symbol: string): Promise<PositionInfo> {
    const m = this.market(symbol);
    const ps = await this.call(() => this.ex.fetchPositions([this.sym(symbol)]), false);
    const p = ps.find((x) => x.symbol === this.sym(symbol) && Number(x.contracts ?? 0) !== 0);
    if (!p) return { symbol, side: null, qtySteps: asSteps(0), entryPrice: 0 };
    return { symbol, side: p.side === 'short' ? 'short' : 'long', qtySteps: qtyToSteps(String(Math.abs(Number(p.contracts))), m), entryPrice: Number(p.entryPrice ?? 0) };
  }

  async openPositionSymbols(): Promise<string[]> {
    const ps = await this.call(() => this.ex.fetchPositions(), false);
    return [...new Set(ps.filter((p) => Number(p.contracts ?? 0) !== 0).map((p) => this.ex.market(p.symbol).id as string))];
  }

  async createOrder(r: OrderRequest): Promise<OrderState> {
    if (r.type === 'stop_market' && r.protective && r.amountSteps !== undefined) return this.protectiveStop(r);
    return this.place(r);
  }

  /**
   * Binance keeps one closePosition stop per symbol and direction (-4130 for a second), and a stop
   * ladder move places the new stop before it cancels the old one (never unprotected, F8). So the
   * protective stop is a closePosition stop when that slot is free (it follows the position's size
   * by itself, F13) and a reduce-only stop of the position's size when it is not.
   *
   * Nothing is looked up first (a look-up that hangs would hold the stop up by the client's timeout,
   * and the whole cycle with it: no take-profit meanwhile). A slot held by another position's stop is
   * tried at once: that position has ended (one per symbol), so its stop most likely fired or was
   * cancelled, and if it still rests the exchange answers -4130. A slot held by an earlier stop of the
   * same position is a stop move: that stop rests until the move cancels it, so the new one is
   * reduce-only (the cancel frees the slot for the next move).
   */
  private async protectiveStop(r: OrderRequest): Promise<OrderState> {
    const key = `${r.symbol}:${r.side}`;
    const holder = this.closePositionStops.get(key);
    if (holder === undefined || holder === r.clientOrderId || !ofSamePosition(holder, r.clientOrderId)) {
      try {
        const o = await this.place({ ...r, reduceOnly: false, closePosition: true });
        this.closePositionStops.set(key, r.clientOrderId);
        return o;
      } catch (e) {
        // Only a definitive -4130 says the slot is taken: the same code in the body of a 5xx (or a timeout)
        // says nothing of what was done, and the stop may rest under this id (in doubt: looked up by it).
        if (!(e instanceof ExchangeError && e.code !== 'unknownOutcome' && e.exchangeCode === CLOSE_POSITION_TAKEN)) throw e;
      }
    }
    return this.place({ ...r, reduceOnly: true, closePosition: false });
  }

  /** Stop `clientOrderId` ended (fired, cancelled, expired, gone): the closePosition slot it held, if any, is free again. */
  private freeSlotOf(clientOrderId: string): void {
    for (const [key, id] of this.closePositionStops) if (id === clientOrderId) this.closePositionStops.delete(key);
  }

  private async place(r: OrderRequest): Promise<OrderState> {
    const m = this.market(r.symbol);
    const params: Record<string, unknown> = { clientOrderId: r.clientOrderId };
    if (r.reduceOnly && !r.closePosition) params['reduceOnly'] = true;
    let type: string = r.type;
    let amount: number | undefined = r.amountSteps === undefined ? undefined : Number(formatQty(r.amountSteps, m));
    let price: number | undefined = r.priceTicks === undefined ? undefined : Number(formatPrice(r.priceTicks, m));
    if (r.type === 'limit') params['timeInForce'] = 'GTC';
    if (r.type === 'stop_market') {
      type = 'STOP_MARKET';
      params['stopPrice'] = Number(formatPrice(r.stopPriceTicks!, m));
      params['workingType'] = 'MARK_PRICE';
      if (r.closePosition) {
        params['closePosition'] = true;
        amount = undefined;
      }
      price = undefined;
    }
    const o = await this.call(() => this.ex.createOrder(this.sym(r.symbol), type, r.side, amount as number, price, params), true);
    return this.state(o, m, r.type === 'stop_market' ? 'stop_market' : undefined);
  }

  async fetchOrder(symbol: string, clientOrderId: string, kind: 'order' | 'stop'): Promise<OrderState | null> {
    const m = this.market(symbol);
    try {
      const o = await this.call(() => this.ex.fetchOrder(undefined as unknown as string, this.sym(symbol), { clientOrderId, ...(kind === 'stop' ? { trigger: true } : {}) }), false);
      return this.state(o, m, kind === 'stop' ? 'stop_market' : undefined);
    } catch (e) {
      if ((e as { code?: string }).code === 'notFound') return null;
      throw e;
    }
  }

  async cancelOrder(symbol: string, clientOrderId: string, kind: 'order' | 'stop'): Promise<OrderState | null> {
    const m = this.market(symbol);
    try {
      const o = await this.call(() => this.ex.cancelOrder(undefined as unknown as string, this.sym(symbol), { clientOrderId, ...(kind === 'stop' ? { trigger: true } : {}) }), true);
      this.freeSlotOf(clientOrderId);
      const s = this.state(o, m, kind === 'stop' ? 'stop_market' : undefined);
      // Binance answers an algo cancel with a bare acknowledgement: the call succeeding is the news.
      return s.status === 'open' ? { ...s, status: 'canceled' } : s;
    } catch (e) {
      if ((e as { code?: string }).code !== 'notFound') throw e;
      // Gone either way (fired, cancelled by hand): its closePosition slot is free again.
      this.freeSlotOf(clientOrderId);
      return null;
    }
  }

  async openOrders(symbol: string): Promise<OrderState[]> {
    const m = this.market(symbol);
    const plain = await this.call(() => this.ex.fetchOpenOrders(this.sym(symbol)), false);
    const stops = await this.call(() => this.ex.fetchOpenOrders(this.sym(symbol), undefined, undefined, { trigger: true }), false);
    return [...plain.map((o) => this.state(o, m)), ...stops.map((o) => this.state(o, m, 'stop_market'))];
  }

  async trades(symbol: string, sinceMs: number, fromTradeId?: string): Promise<Trade[]> {
    const m = this.market(symbol);
    const ts = fromTradeId !== undefined && /^\d+$/.test(fromTradeId) ? await this.tradesFromId(symbol, Number(fromTradeId)) : await this.tradesSince(symbol, sinceMs);
    const out: Trade[] = [];
    for (const t of ts) {
      const orderId = String(t.order ?? '');
      let clientOrderId = this.clientIds.get(orderId);
      let orderUnknown = false;
      if (clientOrderId === undefined && orderId) {
        const o = await this.orderById(symbol, orderId);
        // An order the exchange no longer finds (-2013: Binance drops old ones) cannot be ours to tell:
        // its trade is taken as not ours (asked again next read), never a failure of every read.
        orderUnknown = o === null;
        clientOrderId = o?.clientOrderId ?? '';
        if (o !== null) this.clientIds.set(orderId, clientOrderId);
      }
      out.push({
        ...(orderUnknown ? { orderUnknown: true as const } : {}),
        tradeId: String(t.id),
        orderId,
        clientOrderId: clientOrderId ?? '',
        symbol,
        side: t.side === 'sell' ? 'sell' : 'buy',
        qtySteps: qtyToSteps(String(t.amount), m),
        price: Number(t.price),
        ...(await this.fees.toQuote(Number(t.fee?.cost ?? 0), t.fee?.currency, m.quote)),
        timeMs: Number(t.timestamp ?? 0),
      });
    }
    return out.sort((a, b) => a.timeMs - b.timeMs || Number(a.tradeId) - Number(b.tradeId));
  }

  /** Trades from `sinceMs` on, every one of them however many (trades-since.ts). */
  private tradesSince(symbol: string, sinceMs: number): Promise<CcxtTrade[]> {
    return tradesSince<CcxtTrade>({
      page: TRADES_PAGE,
      range: (startMs, untilMs) => this.call(() => this.ex.fetchMyTrades(this.sym(symbol), startMs, TRADES_PAGE, untilMs === undefined ? {} : { until: untilMs }), false),
      recent: () => this.call(() => this.ex.fetchMyTrades(this.sym(symbol), undefined, TRADES_PAGE), false),
      fromId: (id) => this.tradesFromId(symbol, id),
      nowMs: () => this.ex.milliseconds(),
    }, sinceMs);
  }

  /** The order `orderId` (to learn its client id), or null when the exchange does not know it (-2013). */
  private async orderById(symbol: string, orderId: string): Promise<Order | null> {
    try {
      return await this.call(() => this.ex.fetchOrder(orderId, this.sym(symbol)), false);
    } catch (e) {
      if ((e as { code?: string }).code === 'notFound') return null;
      throw e;
    }
  }

  /** userTrades by `fromId`, a page of 1000 at a time: no 7-day window applies (ccxt sets one with `since`). */
  private async tradesFromId(symbol: string, fromId: number): Promise<CcxtTrade[]> {
    const out: CcxtTrade[] = [];
    for (let from = fromId; ; ) {
      const page: CcxtTrade[] = await this.call(() => this.ex.fetchMyTrades(this.sym(symbol), undefined, TRADES_PAGE, { fromId: from }), false);
      out.push(...page);
      if (page.length < TRADES_PAGE) return out;
      from = Number(page.at(-1)!.id) + 1;
    }
  }

  async funding(symbol: string, sinceMs: number): Promise<FundingPayment[]> {
    return this.income(symbol, sinceMs, 'FUNDING_FEE', 'funding record');
  }

  /** Binance takes a liquidation's clearance fee apart from its trade: INSURANCE_CLEAR records (negative). */
  async clearanceFees(symbol: string, sinceMs: number): Promise<FundingPayment[]> {
    return this.income(symbol, sinceMs, 'INSURANCE_CLEAR', 'clearance fee record');
  }

  /**
   * Binance's income history of one type from `sinceMs` (GET /fapi/v1/income, weight 30, through ccxt's
   * fetchFundingHistory, whose incomeType a param overrides), in quote, oldest first.
   */
  private async income(symbol: string, sinceMs: number, incomeType: 'FUNDING_FEE' | 'INSURANCE_CLEAR', what: string): Promise<FundingPayment[]> {
    const m = this.market(symbol);
    const out: FundingPayment[] = [];
    // Pages of FUNDING_PAGE from the time after the last one read.
    for (let from = sinceMs; ; ) {
      const page = await this.call(() => this.ex.fetchFundingHistory(this.sym(symbol), from, FUNDING_PAGE, { incomeType }), false);
      for (const f of page) {
        const amount = Number(f.amount);
        const timeMs = Number(f.timestamp);
        if (!Number.isFinite(amount) || !Number.isFinite(timeMs)) throw new Error(`${symbol}: a ${what} without a number amount or time (${JSON.stringify(f.info)})`);
        const { fee } = await this.fees.toQuote(amount, f.code, m.quote);
        out.push({ id: String(f.id ?? `${symbol}-${timeMs}`), timeMs, amount: fee });
      }
      if (page.length < FUNDING_PAGE) break;
      from = Number(page.at(-1)!.timestamp) + 1;
    }
    return out.sort((a, b) => a.timeMs - b.timeMs);
  }

  async fundingRates(symbol: string, sinceMs: number): Promise<FundingRate[]> {
    const out: FundingRate[] = [];
    for (let from = sinceMs + 1; ; ) {
      const page = await this.call(() => this.ex.fetchFundingRateHistory(this.sym(symbol), from, FUNDING_PAGE), false);
      for (const r of page) {
        const rate = Number(r.fundingRate);
        const timeMs = Number(r.timestamp);
        if (!Number.isFinite(rate) || !Number.isFinite(timeMs)) throw new Error(`${symbol}: a funding rate record without a number rate or time (${JSON.stringify(r.info)})`);
        const mark = Number((r.info as { markPrice?: unknown } | undefined)?.markPrice);
        out.push({ timeMs, rate, markPrice: mark > 0 ? mark : null });
      }
      if (page.length < FUNDING_PAGE) break;
      from = Number(page.at(-1)!.timestamp) + 1;
    }
    return out.filter((r) => r.timeMs > sinceMs).sort((a, b) => a.timeMs - b.timeMs);
  }

  async candles(symbol: string, timeframe: string, limit: number): Promise<ClosedCandle[]> {
    const rows = await this.call(() => this.ex.fetchOHLCV(this.sym(symbol), timeframe, undefined, limit + 1), false);
    // The last row is the candle still forming: only closed candles leave here.
    return rows.slice(0, -1).map((r) => ({ symbol, openTimeMs: Number(r[0]), open: Number(r[1]), high: Number(r[2]), low: Number(r[3]), close: Number(r[4]), volume: Number(r[5]) }));
  }

  async price(symbol: string): Promise<number> {
    return (await this.priceAt(symbol)).price;
  }

  async priceAt(symbol: string): Promise<{ price: number; timeMs: number | null }> {
    const t = await this.call(() => this.ex.fetchTicker(this.sym(symbol)), false);
    const timeMs = Number(t.timestamp);
    return { price: Number(t.last ?? t.close), timeMs: Number.isFinite(timeMs) && timeMs > 0 ? timeMs : null };
  }

  /** Last price of the linear market `base/quote:quote`; null when there is no such market (fee conversion). */
  private async marketPrice(base: string, quote: string): Promise<number | null> {
    const symbol = `${base}/${quote}:${quote}`;
    if (!this.ex.markets?.[symbol]) return null;
    const t = await this.call(() => this.ex.fetchTicker(symbol), false);
    const p = Number(t.last ?? t.close);
    return Number.isFinite(p) ? p : null;
  }

  async watchOrders(onUpdate: (symbol: string, clientOrderId: string) => void, signal: AbortSignal, onError?: (e: unknown) => void): Promise<void> {
    const pro = this.ex as unknown as { watchOrders?: () => Promise<Order[]> };
    if (typeof pro.watchOrders !== 'function') return;
    const byUnified = new Map([...this.unified].map(([id, u]) => [u, id]));
    let backoffMs = 250;
    while (!signal.aborted) {
      try {
        // One watch loop per stream: ccxt resolves it on the next message; after a drop the next call reconnects.
        const orders = await pro.watchOrders.call(this.ex);
        backoffMs = 250;
        for (const o of orders) {
          if (o.symbol && o.clientOrderId) onUpdate(byUnified.get(o.symbol) ?? o.symbol, o.clientOrderId);
        }
      } catch (e) {
        if (signal.aborted) return;
        onError?.(e);
        // Under a 429/418 block the reconnect (its listenKey request) could not leave anyway: wait for its end.
        await abortableSleep(Math.max(backoffMs, this.budget.blockedUntil - this.budget.nowMs()), signal);
        backoffMs = Math.min(5000, backoffMs * 2);
      }
    }
  }

  pollDelayMs(basePollMs: number): number {
    return this.budget.suggestedPollMs(basePollMs);
  }

  async close(): Promise<void> {
    const closable = this.ex as unknown as { close?: () => Promise<void>; httpAgent?: { destroy?: () => void } };
    await closable.close?.();
    // Keep-alive sockets would hold the process open after the bot stops.
    closable.httpAgent?.destroy?.();
  }

  private market(symbol: string): MarketRules {
    const m = this.rules.get(symbol);
    if (!m) throw new Error(`unknown symbol ${symbol}: call markets() first`);
    return m;
  }

  private sym(symbol: string): string {
    return this.unified.get(symbol) ?? symbol;
  }

  private state(o: Order, m: MarketRules, forcedType?: OrderType): OrderState {
    const info = (o.info ?? {}) as Record<string, unknown>;
    const clientOrderId = o.clientOrderId ?? '';
    const orderId = String(o.id ?? '');
    if (orderId && clientOrderId) this.clientIds.set(orderId, clientOrderId);
    const actual = info['actualOrderId'];
    if (typeof actual === 'string' && actual) this.clientIds.set(actual, clientOrderId);
    const type: OrderType = forcedType ?? (o.type === 'limit' ? 'limit' : o.type === 'market' ? 'market' : 'stop_market');
    const filledSteps = qtyToSteps(String(o.filled ?? 0), m);
    const status = statusOf(o.status, info['algoStatus'], filledSteps);
    const closePosition = info['closePosition'] === true || info['closePosition'] === 'true';
    // A closePosition stop seen ended (fired, cancelled, expired): its slot is free again.
    if (status !== 'open' && clientOrderId) this.freeSlotOf(clientOrderId);
    const stop = o.triggerPrice ?? (info['stopPrice'] !== undefined ? Number(info['stopPrice']) : undefined);
    return {
      clientOrderId,
      orderId,
      symbol: m.id,
      side: o.side === 'sell' ? 'sell' : 'buy',
      type,
      status,
      amountSteps: qtyToSteps(String(o.amount ?? 0), m),
      filledSteps,
      averagePrice: o.average ?? (o.filled ? (o.price ?? null) : null),
      reduceOnly: o.reduceOnly === true || closePosition,
      closePosition,
      stopPriceTicks: stop ? priceToTicks(String(stop), m, 'down') : null,
      timeMs: Number(o.timestamp ?? 0),
      ...(status === 'open' && filledSteps === 0 && (info['algoStatus'] === 'TRIGGERING' || info['algoStatus'] === 'TRIGGERED') ? { triggered: true as const } : {}),
    };
  }

  /**
   * Runs one ccxt call and maps its failure through the outcomes table (`errors.ts`). Each REST
   * request inside it has already waited at the budget's gate (`http-tap.ts`).
   */
  private async call<T>(fn: () => Promise<T>, stateChanging: boolean): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      const err = toExchangeError(e, { stateChanging });
      // -1021: our timestamps are outside the server's recvWindow (this machine's clock drifted). The
      // request was refused, not executed; re-read the server's time so that the caller's retry is
      // signed with a corrected timestamp (R6.4), instead of failing the same way every time.
      if (err.code === 'clockSkew') await this.resyncClock();
      throw err;
    }
  }

  /**
   * Measures the offset of this machine's clock from the server's; ccxt then signs with server time.
   * Its own failure is dropped on purpose: the caller still gets the -1021 (clockSkew) it is handling,
   * and its retry comes back here, so nothing is hidden.
   */
  private async resyncClock(): Promise<void> {
    this.clockOffsetMs = await this.ex.loadTimeDifference().catch(() => this.clockOffsetMs);
  }
}

/**
 * An order's status from ccxt's. ccxt 4.5.84 calls a stop (Binance Algo Service) 'closed' once it is
 * TRIGGERED (its order placed in the matching engine, still working) and once FINISHED (that order
 * ended, filled or not). Taken as filled with nothing filled, a stop whose order expired empty was
 * spent: its id was never placed again and the position stayed without a stop. So TRIGGERED is still
 * open, and FINISHED with nothing filled expired.
 */
function statusOf(ccxtStatus: string | undefined, algoStatus: unknown, filledSteps: number): OrderStatus {
  if (algoStatus === 'TRIGGERED') return 'open';
  if (algoStatus === 'FINISHED' && filledSteps === 0) return 'expired';
  return ccxtStatus === 'closed' ? 'filled' : ccxtStatus === 'canceled' ? 'canceled' : ccxtStatus === 'rejected' ? 'rejected' : ccxtStatus === 'expired' ? 'expired' : 'open';
}

/** Whether two client ids of ours name orders of the same position. */
function ofSamePosition(a: string, b: string): boolean {
  const pa = parseClientId(a);
  return pa !== null && pa.positionId === parseClientId(b)?.positionId;
}

/** Binance answers these flags as booleans (or "true" on some endpoints). */
const isTrue = (v: unknown): boolean => v === true || v === 'true';

/** Resolves after `ms`, or at once when `signal` aborts. */
function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
