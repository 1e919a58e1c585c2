import { type IntrabarModel, intrabarPath } from '../../core/candle-path.ts';
import type { FillModel } from '../../core/fill-model.ts';
import { type MarketRules, priceToTicks } from '../../core/market/market-rules.ts';
import { asSteps } from '../../core/units.ts';
import { type Execution, Ledger, type MatchRules, MatchingEngine, type PriceView, priceOf, qtyOf } from '../matching/index.ts';
import type { AccountModes, Balance, ClosedCandle, ExchangePort, FundingPayment, FundingRate, MarginModeChange, OrderRequest, OrderState, PositionInfo, Trade } from '../port.ts';
import { ExchangeError, isRetryable } from '../errors.ts';
import { migratePaperV1 } from './paper-migrate.ts';
import { algoInputOf, algoOrderState, bookOrderState, exchangeErrorOf, matchRulesOf, orderInputOf, requestRejection, tradeOf } from './paper-orders.ts';
import { type PaperFundingPayment, type PaperStateV1, loadPaperState, savePaperState } from './paper-state.ts';

export interface PaperOptions {
  /** Where prices, candles and market rules come from (public data: no keys needed). */
  readonly source: ExchangePort;
  /** The backtest's fee and slippage model. */
  readonly fills: FillModel;
  readonly balance: number;
  /** JSON file holding the paper account; null keeps it in memory. */
  readonly statePath: string | null;
  readonly now: () => number;
  /** Thin liquidity: the share of an order filling on arrival (or of a triggered stop) that fills, the rest expiring; undefined: whole. */
  readonly fillRatio?: () => number | undefined;
  /** The path a missed candle's price walks (config `intrabar`; default pessimistic for the position held). */
  readonly intrabar?: IntrabarModel;
  /** What paper mode says about replaying missed candles (the bot's logger); not called when there is nothing to say. */
  readonly onNote?: (event: PaperNote) => void;
}

/** Replaying the 1m candles missed while the bot did not look (a restart, an outage): what happened. */
export type PaperNote =
  | { readonly kind: 'caught_up'; readonly symbol: string; readonly fromMs: number; readonly candles: number; readonly fills: number }
  | { readonly kind: 'catch_up_partial'; readonly symbol: string; readonly fromMs: number; readonly firstCandleMs: number | null }
  | { readonly kind: 'catch_up_failed'; readonly symbol: string; readonly fromMs: number; readonly error: string }
  | { readonly kind: 'funding_failed'; readonly symbol: string; readonly error: string }
  | { readonly kind: 'funding'; readonly symbol: string; readonly timeMs: number; readonly rate: number; readonly markPrice: number; readonly amount: number };

/** A symbol not read for this long has its missed 1m candles replayed over its resting orders. */
export const CATCH_UP_AFTER_MS = 120_000;
/**
 * A source whose prices are dated more than this off paper's clock runs on a clock of its own (a
 * simulator replaying history): paper's clock follows the source's then, so that its reads and its
 * missed 1m candles are on one clock. Closer than this the source is live and paper's clock is kept
 * (a quiet market's ticker may be dated at its last trade, minutes old).
 */
const SOURCE_CLOCK_OFF_MS = 3_600_000;
const MINUTE = 60_000;
const HOUR = 3_600_000;
/** Binance's most 1m candles in one read (25 h). */
const MAX_CATCH_UP_CANDLES = 1_500;

/** The last price paper mode read per symbol (ticks) and the time of the call being served. */
class PolledPrices implements PriceView {
  readonly ticks = new Map<string, number>();
  nowMs = 0;

  price(symbol: string): number {
    const p = this.ticks.get(symbol);
    if (p === undefined) throw new Error(`no price read for ${symbol} yet`);
    return p;
  }
}

/**
 * PAPER mode: live market data, simulated fills (SPEC "Modes and CLI") by the same matching engine
 * as the simulator (src/exchange/matching), so paper answers as Binance (and the simulator) would:
 * -2021 for a stop already crossed, -4130 for a second closePosition stop, -2022/-4118 for reduce-only
 * that would increase, flip or overrun the position, MIN_NOTIONAL only on non-reduce-only orders.
 * Resting orders are matched at each price the bot reads (a jump: limits fill at their price, stops
 * at the price read). When a symbol was not read for a while (the bot stopped, the network down),
 * the 1m candles it missed are walked first, as Binance would have matched the resting orders
 * meanwhile (a stop crossed by a wick fires though the price came back). The account is saved after
 * every change.
 */
export class PaperExchange implements ExchangePort {
  /** The market data's exchange, marked paper: `binanceusdm (paper)` (in errors and alerts: whose markets, whose ban). */
  readonly name: string;
  private rules = new Map<string, MarketRules>();
  private readonly matchRules = new Map<string, MatchRules>();
  private readonly prices = new PolledPrices();
  private readonly engine: MatchingEngine;
  /** When each symbol's price was last read (saved: a restart replays what it missed from there). */
  private readonly seenAt = new Map<string, number>();
  /** The last read from which a symbol's replay failed (said once per gap; the replay is tried again at each call). */
  private readonly catchUpFailedFrom = new Map<string, number>();
  /** The source's clock minus paper's (o.now), learnt from its dated prices: 0 for a live source (SOURCE_CLOCK_OFF_MS). */
  private sourceOffsetMs = 0;
  /** The offset was learnt in this process (a restart asks the source before judging a gap). */
  private sourceClockKnown = false;
  /** A version 1 file waits for the market rules (its migration needs the step sizes). */
  private pendingV1: PaperStateV1 | null = null;
  /** Funding: per symbol the last settlement looked at, the payments charged, and when the source is asked next. */
  private readonly fundingFrom = new Map<string, number>();
  private readonly fundingPaid: PaperFundingPayment[] = [];
  private readonly fundingNextAsk = new Map<string, number>();
  /** Symbols whose last funding rate read failed (said once until one succeeds). */
  private readonly fundingFailing = new Set<string>();

  constructor(private readonly o: PaperOptions) {
    this.name = `${o.source.name} (paper)`;
    this.engine = new MatchingEngine(this.matchRules, this.prices, new Ledger(o.balance), {
      takerFeePct: o.fills.takerPct, makerFeePct: o.fills.makerPct, slippagePct: o.fills.slippagePct, triggerFillRatio: o.fillRatio,
    });
    const saved = loadPaperState(o.statePath);
    if (saved?.version === 2) {
      this.engine.restore(saved.snapshot);
      for (const [s, t] of Object.entries(saved.marks)) this.prices.ticks.set(s, t);
      for (const [s, t] of Object.entries(saved.seenAt ?? {})) this.seenAt.set(s, t);
      for (const [s, t] of Object.entries(saved.funding?.from ?? {})) this.fundingFrom.set(s, t);
      this.fundingPaid.push(...(saved.funding?.payments ?? []));
    } else if (saved?.version === 1) this.pendingV1 = saved;
  }

  async markets(): Promise<ReadonlyMap<string, MarketRules>> {
    this.rules = new Map(await this.o.source.markets());
    for (const m of this.rules.values()) this.matchRules.set(m.id, matchRulesOf(m));
    if (this.pendingV1) {
      this.engine.restore(migratePaperV1(this.pendingV1, this.matchRules));
      this.pendingV1 = null;
      this.save();
    }
    return this.rules;
  }

  async setLeverage(symbol: string, leverage: number): Promise<void> {
    this.engine.account.setLeverage(symbol, leverage);
    this.save();
  }

  /** The paper account is one-way and single-asset: nothing to refuse. */
  async accountModes(): Promise<AccountModes> {
    return { hedgeMode: false, multiAssets: false };
  }

  /** Paper margin is per position (isolated in effect) whatever the config says: nothing to change. */
  async setMarginMode(): Promise<MarginModeChange> {
    return 'unchanged';
  }

  /** total = wallet + unrealised PnL (Binance's margin balance); free = what new orders may use. */
  async balance(): Promise<Balance> {
    // A restarted account's open positions need their symbols' rules, and the bot's start summary
    // reads the balance before the bot loads the markets.
    if (this.rules.size === 0 && this.engine.account.positions.size > 0) await this.markets();
    this.clock();
    let unrealized = 0;
    for (const p of this.engine.account.positions.values()) {
      if (p.amtSteps !== 0) unrealized += this.engine.account.unrealized(this.engine.rulesOf(p.symbol), this.prices.price(p.symbol));
    }
    return { total: this.engine.account.wallet + unrealized, free: this.engine.availableBalance() };
  }

  async position(symbol: string): Promise<PositionInfo> {
    // The bot reads the position first in each cycle: it sees what the missed candles did from there on.
    if (this.rules.has(symbol)) await this.catchUp(symbol);
    const p = this.engine.account.positions.get(symbol);
    if (!p || p.amtSteps === 0) return { symbol, side: null, qtySteps: asSteps(0), entryPrice: 0 };
    return { symbol, side: p.amtSteps > 0 ? 'long' : 'short', qtySteps: asSteps(Math.abs(p.amtSteps)), entryPrice: p.entryPrice };
  }

  async createOrder(r: OrderRequest): Promise<OrderState> {
    const m = this.market(r.symbol);
    await this.observe(r.symbol);
    const refused = requestRejection(r, m, this.prices.price(r.symbol));
    if (refused) throw refused;
    const mr = this.matchRules.get(r.symbol)!;
    if (r.type === 'stop_market') return this.placeStop(r, mr);
    const placed = this.engine.withFillRatio(this.o.fillRatio?.(), () => this.engine.submitOrder(orderInputOf(r)));
    if (!placed.ok) throw exchangeErrorOf(placed.error);
    this.save();
    return bookOrderState(placed.value, mr);
  }

  /**
   * A stop goes to the Algo Service. A protective stop takes Binance's closePosition form (it follows
   * the position's size by itself) while that slot is free; Binance keeps one per direction (-4130),
   * so during a stop move it rests as a reduce-only stop of what is held, as the ccxt adapter sends it.
   */
  private placeStop(r: OrderRequest, mr: MatchRules): OrderState {
    const protective = r.protective === true && r.amountSteps !== undefined;
    let a = this.engine.submitAlgo(algoInputOf(protective ? { ...r, reduceOnly: false, closePosition: true } : r));
    if (protective && !a.ok && a.error.code === '-4130') a = this.engine.submitAlgo(algoInputOf({ ...r, reduceOnly: true, closePosition: false }));
    if (!a.ok) throw exchangeErrorOf(a.error);
    this.save();
    return algoOrderState(a.value, undefined, mr);
  }

  async fetchOrder(symbol: string, clientOrderId: string, kind: 'order' | 'stop'): Promise<OrderState | null> {
    const mr = this.matchRules.get(symbol);
    if (!mr) return null;
    if (kind === 'order') {
      const o = this.engine.findOrder(symbol, undefined, clientOrderId);
      return o ? bookOrderState(o, mr) : null;
    }
    const a = this.findStop(symbol, clientOrderId);
    return a ? algoOrderState(a, this.actualOf(a.actualOrderId), mr) : null;
  }

  async cancelOrder(symbol: string, clientOrderId: string, kind: 'order' | 'stop'): Promise<OrderState | null> {
    const mr = this.matchRules.get(symbol);
    if (!mr) return null;
    this.clock();
    if (kind === 'order') {
      const c = this.engine.cancelBookOrder(this.engine.findOrder(symbol, undefined, clientOrderId));
      if (!c.ok) return null;
      this.save();
      return bookOrderState(c.value, mr);
    }
    const c = this.engine.cancelAlgoOrder(this.findStop(symbol, clientOrderId));
    if (!c.ok) return null;
    this.save();
    return algoOrderState(c.value, this.actualOf(c.value.actualOrderId), mr);
  }

  async openOrders(symbol: string): Promise<OrderState[]> {
    const mr = this.matchRules.get(symbol);
    if (!mr) return [];
    const plain = this.engine.openOrders(symbol).map((o) => bookOrderState(o, mr));
    const stops = this.engine.openAlgos(symbol).map((a) => algoOrderState(a, this.actualOf(a.actualOrderId), mr));
    return [...plain, ...stops];
  }

  async trades(symbol: string, sinceMs: number, fromTradeId?: string): Promise<Trade[]> {
    const mr = this.matchRules.get(symbol);
    if (!mr) return [];
    const from = fromTradeId !== undefined && /^\d+$/.test(fromTradeId) ? Number(fromTradeId) : null;
    return this.engine.fills
      .filter((f) => f.symbol === symbol && (from === null ? f.time >= sinceMs : f.tradeId >= from))
      .map((f) => tradeOf(f, mr));
  }

  /** The funding paper charged the symbol's positions (from its source's settlements; none from a source without them). */
  async funding(symbol: string, sinceMs: number): Promise<FundingPayment[]> {
    if (this.rules.has(symbol)) await this.chargeFunding(symbol, true);
    return this.fundingPaid.filter((f) => f.symbol === symbol && f.timeMs >= sinceMs).map(({ id, timeMs, amount }) => ({ id, timeMs, amount }));
  }

  candles(symbol: string, timeframe: string, limit: number): Promise<ClosedCandle[]> {
    return this.o.source.candles(symbol, timeframe, limit);
  }

  /** The live price; resting limits and stops it reaches fill now. */
  async price(symbol: string): Promise<number> {
    await this.observe(symbol);
    return priceOf(this.prices.price(symbol), this.matchRules.get(symbol)!);
  }

  /** Paper polls its source's public endpoints: the source's rate-limit budget paces the bot. */
  pollDelayMs(basePollMs: number): number {
    return this.o.source.pollDelayMs?.(basePollMs) ?? basePollMs;
  }

  async close(): Promise<void> {
    this.save();
    await this.o.source.close();
  }

  /**
   * Reads the symbol's live price and matches the resting orders it reaches (after the candles it
   * missed, up to the source's time of that price); saves when anything happened.
   */
  private async observe(symbol: string): Promise<void> {
    const m = this.market(symbol);
    const price = await this.sourcePrice(symbol);
    // The candles refused for a while (a 503, a 429 as the source comes back): matching this price now
    // would give the gap up, a stop crossed meanwhile never firing. The read fails instead, the gap stays owed.
    const owed = await this.catchUp(symbol);
    if (owed !== undefined) throw owed;
    const before = this.engine.fills.length;
    const open = this.openCount(symbol);
    this.clock();
    this.seenAt.set(symbol, this.prices.nowMs);
    this.prices.ticks.set(symbol, priceToTicks(price, m, 'down'));
    this.engine.match(symbol);
    if (this.engine.fills.length !== before || this.openCount(symbol) !== open) this.save();
    // A funding rate read that fails holds up no price read and no order: it is said once (until one
    // succeeds) and asked again a minute later; the bot's own funding read (funding()) fails with it.
    await this.chargeFunding(symbol).catch((e: unknown) => {
      if (this.fundingFailing.has(symbol)) return;
      this.fundingFailing.add(symbol);
      this.o.onNote?.({ kind: 'funding_failed', symbol, error: e instanceof Error ? e.message : String(e) });
    });
  }

  /**
   * Charges the symbol's position at each funding settlement of the source since the last one looked at,
   * as Binance does: −(signed quantity held just before the settlement) × its mark price × its rate,
   * to the wallet. The quantity is the account's fills before the settlement's time, so a settlement
   * read late is charged on what was held then. The source is asked once an hour (a minute past it:
   * settlements are on the hour), or at once when `now` (the bot reading its funding).
   */
  private async chargeFunding(symbol: string, now = false): Promise<void> {
    const rates = this.o.source.fundingRates?.bind(this.o.source);
    if (rates === undefined) return;
    const t = this.now();
    if (!now && t < (this.fundingNextAsk.get(symbol) ?? -Infinity)) return;
    const from = this.fundingFrom.get(symbol);
    const fills = this.engine.fills.filter((f) => f.symbol === symbol);
    const held = this.engine.account.positions.get(symbol)?.amtSteps ?? 0;
    // Nothing held since the last settlement looked at (or, never looked at, nothing held now): no settlement to charge, nothing to ask.
    if (held === 0 && (from === undefined || !fills.some((f) => f.time > from))) {
      this.fundingFrom.set(symbol, t);
      return;
    }
    // Never looked at (a file written before funding was charged, or a version 1 file): the trades it
    // closed were booked without funding and are not charged now; what is held, from its first fill on.
    const since = from ?? (runStartMs(fills) ?? t) - 1;
    let settlements: FundingRate[];
    try {
      settlements = await rates(symbol, since);
    } catch (e) {
      this.fundingNextAsk.set(symbol, t + MINUTE);
      throw e;
    }
    this.fundingFailing.delete(symbol);
    this.fundingNextAsk.set(symbol, (Math.floor(t / HOUR) + 1) * HOUR + MINUTE);
    const mr = this.matchRules.get(symbol)!;
    let last = since;
    for (const r of settlements) {
      if (r.timeMs <= last || r.timeMs > t) continue;
      last = r.timeMs;
      let steps = 0;
      for (const f of fills) if (f.time < r.timeMs) steps += f.side === 'BUY' ? f.qtySteps : -f.qtySteps;
      if (steps === 0) continue;
      const price = r.markPrice ?? priceOf(this.prices.price(symbol), mr);
      const amount = -(steps < 0 ? -qtyOf(-steps, mr) : qtyOf(steps, mr)) * price * r.rate;
      this.engine.account.wallet += amount;
      this.fundingPaid.push({ symbol, id: `${symbol}-${r.timeMs}`, timeMs: r.timeMs, amount });
      this.o.onNote?.({ kind: 'funding', symbol, timeMs: r.timeMs, rate: r.rate, markPrice: price, amount });
    }
    this.fundingFrom.set(symbol, last);
    this.save();
  }

  private openCount(symbol: string): number {
    return this.engine.openOrders(symbol).length + this.engine.openAlgos(symbol).length;
  }

  /**
   * Walks the closed 1m candles that opened after the symbol was last read (none when it was read
   * within CATCH_UP_AFTER_MS or nothing rests), each along its path, stopping at every resting price
   * it crosses; fills are dated at their candle's open. Orders rest since before that read (placing
   * one reads the price first), and the replay counts as a read, so no candle is walked twice or over
   * an order not yet placed. A failing read is said (once per gap) and leaves the gap owed: during an
   * outage every call fails, and the candles are walked by the first call after the source answers
   * again (the position read, first in each cycle), not lost to the attempts made while it was down.
   * A price read that succeeds while the candle read is refused for good (a source without 1m candles)
   * gives the gap up: from then on the current price matches (as it did before replays existed). A
   * passing failure (a 5xx, a 429, a timeout) is returned, for a price read to fail on (observe).
   */
  private async catchUp(symbol: string): Promise<ExchangeError | undefined> {
    const since = this.seenAt.get(symbol);
    if (since === undefined || this.openCount(symbol) === 0) return;
    let candles: ClosedCandle[];
    let now: number;
    try {
      // After a restart the source's clock is not known yet: asked first (a simulator's moved on meanwhile).
      if (!this.sourceClockKnown && this.o.source.priceAt) await this.sourcePrice(symbol);
      now = this.now();
      if (now - since < CATCH_UP_AFTER_MS) return;
      const limit = Math.min(MAX_CATCH_UP_CANDLES, Math.ceil((now - since) / MINUTE) + 1);
      candles = await this.o.source.candles(symbol, '1m', limit);
    } catch (e) {
      if (this.catchUpFailedFrom.get(symbol) !== since) {
        this.catchUpFailedFrom.set(symbol, since);
        this.o.onNote?.({ kind: 'catch_up_failed', symbol, fromMs: since, error: e instanceof Error ? e.message : String(e) });
      }
      // Only a refusal that will last (a source without 1m candles) gives the gap up.
      return e instanceof ExchangeError && (isRetryable(e) || e.code === 'unknownOutcome') ? e : undefined;
    }
    // Another call may have replayed these candles while this one read them.
    if (this.seenAt.get(symbol) !== since) return;
    this.seenAt.set(symbol, now);
    const missed = candles.filter((c) => c.openTimeMs >= since && c.openTimeMs + MINUTE <= now);
    const first = missed[0]?.openTimeMs ?? null;
    if (first === null || first >= since + MINUTE) this.o.onNote?.({ kind: 'catch_up_partial', symbol, fromMs: since, firstCandleMs: first });
    const fills = this.engine.fills.length;
    for (const c of missed) {
      if (this.openCount(symbol) === 0) break;
      this.walkMissedCandle(symbol, c);
    }
    this.clock();
    this.save();
    this.o.onNote?.({ kind: 'caught_up', symbol, fromMs: since, candles: missed.length, fills: this.engine.fills.length - fills });
  }

  /** One missed candle: a jump to its open (orders it passes fill as on a gap), then its path point by point. */
  private walkMissedCandle(symbol: string, c: ClosedCandle): void {
    const m = this.market(symbol);
    const held = this.engine.account.positions.get(symbol)?.amtSteps ?? 0;
    const path = new Float64Array(4);
    intrabarPath(path, c.open, c.high, c.low, c.close, held < 0 ? 'short' : 'long', this.o.intrabar ?? 'pessimistic');
    this.prices.nowMs = c.openTimeMs;
    this.markPositions();
    let cur: number = priceToTicks(c.open, m, 'down');
    this.prices.ticks.set(symbol, cur);
    this.engine.match(symbol);
    for (let k = 1; k < 4; k++) {
      const to = priceToTicks(path[k]!, m, 'down');
      for (let guard = 0; guard < 10_000; guard++) {
        const next = this.engine.nextLevel(symbol, cur, to);
        if (next === undefined) break;
        this.prices.ticks.set(symbol, next);
        this.engine.match(symbol);
        cur = next;
      }
      this.prices.ticks.set(symbol, to);
      this.engine.match(symbol);
      cur = to;
    }
  }

  /** The engine reads the time of the call it serves (it has no clock of its own) and a price for every position. */
  private clock(): void {
    this.prices.nowMs = this.now();
    this.markPositions();
  }

  /** Paper's time: its clock, moved to the source's when the source runs on one of its own (SOURCE_CLOCK_OFF_MS). */
  private now(): number {
    return this.o.now() + this.sourceOffsetMs;
  }

  /** The source's price; a dated one also tells the source's clock. */
  private async sourcePrice(symbol: string): Promise<number> {
    if (!this.o.source.priceAt) return this.o.source.price(symbol);
    const { price, timeMs } = await this.o.source.priceAt(symbol);
    if (timeMs !== null) {
      const off = timeMs - this.o.now();
      this.sourceOffsetMs = Math.abs(off) > SOURCE_CLOCK_OFF_MS ? off : 0;
      this.sourceClockKnown = true;
    }
    return price;
  }

  /** A position whose symbol has not been polled since a restart is valued at its entry until it is. */
  private markPositions(): void {
    for (const p of this.engine.account.positions.values()) {
      const mr = this.matchRules.get(p.symbol);
      if (p.amtSteps !== 0 && mr && !this.prices.ticks.has(p.symbol)) this.prices.ticks.set(p.symbol, priceToTicks(p.entryPrice, this.market(p.symbol), 'down'));
    }
  }

  private findStop(symbol: string, clientOrderId: string) {
    const a = this.engine.findAlgo(undefined, clientOrderId);
    return a && a.symbol === symbol ? a : undefined;
  }

  private actualOf(orderId: number | undefined) {
    return orderId === undefined ? undefined : this.engine.orders.get(orderId);
  }

  private market(symbol: string): MarketRules {
    const m = this.rules.get(symbol);
    if (!m) throw new Error(`unknown symbol ${symbol}: call markets() first`);
    return m;
  }

  private save(): void {
    savePaperState(this.o.statePath, {
      version: 2,
      snapshot: this.engine.snapshot(),
      marks: Object.fromEntries(this.prices.ticks),
      seenAt: Object.fromEntries(this.seenAt),
      funding: { from: Object.fromEntries(this.fundingFrom), payments: this.fundingPaid },
    });
  }
}

/** When the position held after the last of `fills` began: its fill from flat, or the one that reversed it (null: flat after them). */
function runStartMs(fills: readonly Execution[]): number | null {
  let steps = 0;
  let startMs: number | null = null;
  for (const f of fills) {
    const next = steps + (f.side === 'BUY' ? f.qtySteps : -f.qtySteps);
    if (next !== 0 && Math.sign(next) !== Math.sign(steps)) startMs = f.time;
    steps = next;
  }
  return steps === 0 ? null : startMs;
}
