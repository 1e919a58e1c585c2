import { type Clearances, DEFAULT_LIQUIDATION_FEE_RATE } from './clearance.ts';
import type { Engine } from './engine.ts';
import type { FaultRule, Faults } from './faults.ts';
import type { Funding } from './funding.ts';
import { type SymbolRules, exactUnits, nearestTicks, priceText, qtyText } from './markets.ts';
import type { PriceFeed } from './price-feed.ts';
import type { RateLimitConfig, RateLimiter } from './rate-limit.ts';
import { algoJson, orderJson } from './wire.ts';
import type { StreamHub } from './ws-streams.ts';

/** One handled HTTP request, as the simulator saw it (admin routes are not logged). */
export interface RequestLogEntry {
  readonly wallMs: number;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  /** Binance error code when rejected. */
  readonly code?: number;
  /** Fault kinds applied to this request. */
  readonly faults?: readonly string[];
  /** Client order id of an order request (`newClientOrderId` / `clientAlgoId` / `origClientOrderId`). */
  readonly clientOrderId?: string;
}

export interface AdminDeps {
  readonly engine: Engine;
  readonly feed: PriceFeed;
  readonly faults: Faults;
  readonly limiter: RateLimiter;
  readonly streams: StreamHub;
  readonly requests: RequestLogEntry[];
  readonly funding: Funding;
  readonly clearances: Clearances;
  wallNowMs(): number;
}

/**
 * An admin price (`/_sim/price`, `wick`, `liquidate`) in ticks of the symbol: exact when it is on the
 * tick, else the nearest tick. Not above zero is refused before anything moves: '-5' walked the price
 * down to -5 (every stop firing on the way) and '0' to zero, prices no exchange shows.
 */
function priceTicksOf(price: unknown, r: SymbolRules): number {
  const n = Number(price);
  const ticks = n > 0 ? (exactUnits(String(price), r.tickSize) ?? nearestTicks(n, r)) : 0;
  if (!(ticks > 0)) throw new Error(`price: must be a positive multiple of the tick ${priceText(1, r)}, got ${JSON.stringify(price)}`);
  return ticks;
}

/**
 * The simulator's own controls and its true state, for tests and the demo (never on Binance):
 * reachable in-process as `sim.admin` and over HTTP under `/_sim/` without a signature.
 */
export class SimAdmin {
  constructor(private readonly d: AdminDeps) {}

  /** Positions, open and past orders, every fill with its client order id, balances, prices, clock. */
  state(): Record<string, unknown> {
    const { engine, feed } = this.d;
    const prices: Record<string, string> = {};
    for (const s of feed.activeSymbols) prices[s] = priceText(feed.price(s), engine.rulesOf(s));
    return {
      timeMs: feed.nowMs,
      wallTimeMs: this.d.wallNowMs(),
      speed: feed.currentSpeed,
      balance: { asset: engine.account.asset, wallet: engine.account.wallet, available: engine.availableBalance() },
      positions: [...engine.account.positions.values()].map((p) => {
        const r = engine.rulesOf(p.symbol);
        return { symbol: p.symbol, positionAmt: qtyText(p.amtSteps, r), entryPrice: p.entryPrice, leverage: p.leverage, marginType: p.marginType, unrealizedPnl: engine.account.unrealized(r, feed.price(p.symbol)) };
      }),
      openOrders: engine.openOrders().map((o) => orderJson(o, engine.rulesOf(o.symbol), true)),
      openAlgoOrders: engine.openAlgos().map((a) => algoJson(a, engine.rulesOf(a.symbol), engine)),
      orders: [...engine.orders.values()].map((o) => orderJson(o, engine.rulesOf(o.symbol), true)),
      algoOrders: [...engine.algos.values()].map((a) => algoJson(a, engine.rulesOf(a.symbol), engine)),
      fills: engine.fills.map((f) => {
        const r = engine.rulesOf(f.symbol);
        return {
          tradeId: f.tradeId, orderId: f.orderId, clientOrderId: f.clientOrderId, algoId: f.algoId, symbol: f.symbol, side: f.side,
          price: priceText(f.priceTicks, r), qty: qtyText(f.qtySteps, r), commission: f.commission, realizedPnl: f.realizedPnl,
          maker: f.maker, reduceOnly: f.reduceOnly, time: f.time, positionAfter: qtyText(f.positionAfterSteps, r),
        };
      }),
      prices,
      // Every funding settlement that charged a position: symbol, amount (USDT, negative: paid), time, rate, mark (ticks).
      funding: this.d.funding.charges,
      websockets: this.d.streams.counts(),
    };
  }

  /** Whether the replayed data ran out (the clock stopped for good), and the simulator's time: cheap to poll (the demo). */
  replay(): { ended: boolean; timeMs: number } {
    return { ended: this.d.feed.replayEnded, timeMs: this.d.feed.nowMs };
  }

  /** Advances the clock: `points` path points, or to the close of `candles` candles (default 1 point). */
  step(opts: { points?: number; candles?: number } = {}): { timeMs: number } {
    if (opts.candles !== undefined) this.d.feed.stepCandles(opts.candles);
    else for (let i = 0; i < (opts.points ?? 1); i++) if (!this.d.feed.step()) break;
    return { timeMs: this.d.feed.nowMs };
  }

  /**
   * Moves `symbol` to `price` now. A walk (default) fires every order in between at its own price;
   * `gap: true` jumps, so crossed orders fill at the new price.
   */
  setPrice(symbol: string, price: string | number, gap = false): { symbol: string; price: string; timeMs: number } {
    const r = this.d.engine.rulesOf(symbol);
    const ticks = priceTicksOf(price, r);
    this.d.engine.walkPrice(symbol, ticks, this.d.feed.nowMs, gap);
    return { symbol, price: priceText(ticks, r), timeMs: this.d.feed.nowMs };
  }

  /**
   * The exchange closes (part of) the position itself (`POST /_sim/liquidate`: `{ symbol, price, qty?,
   * adl?, liquidationFee? }`, qty default all): a liquidation (`autoclose-<time>`, every open order and
   * algo order of the symbol expired first, as Binance does, and its clearance fee charged: `liquidationFee`
   * × the notional, default DEFAULT_LIQUIDATION_FEE_RATE, an INSURANCE_CLEAR income record) or, with
   * `adl: true`, auto-deleveraging (`adl_autoclose`, orders kept, no fee), filled at `price` whatever the mark.
   */
  liquidate(body: Record<string, unknown>): { symbol: string; clientOrderId: string; qty: string; price: string; clearanceFee: number } {
    const symbol = String(body['symbol']);
    const r = this.d.engine.rulesOf(symbol);
    const held = Math.abs(this.d.engine.account.position(symbol).amtSteps);
    if (held === 0) throw new Error(`liquidate: no position on ${symbol}`);
    const qty = body['qty'] === undefined ? held : exactUnits(String(body['qty']), r.stepSize);
    if (qty === undefined || qty <= 0 || qty > held) throw new Error(`liquidate: qty must be a positive multiple of the step, at most ${qtyText(held, r)}`);
    const ticks = priceTicksOf(body['price'], r);
    const adl = body['adl'] === true;
    // Checked before anything is closed: a refused request changes nothing.
    const rate = body['liquidationFee'] === undefined ? DEFAULT_LIQUIDATION_FEE_RATE : Number(body['liquidationFee']);
    if (!(rate >= 0 && rate < 1)) throw new Error(`liquidate: liquidationFee must be a rate from 0 to less than 1 (got ${JSON.stringify(body['liquidationFee'])})`);
    const clientOrderId = adl ? 'adl_autoclose' : `autoclose-${this.d.feed.nowMs}`;
    const order = this.d.engine.forceClose(symbol, qty, ticks, clientOrderId, !adl);
    const fee = adl || rate === 0 ? 0 : this.d.clearances.charge(r.symbol, qty, ticks, rate, order.updateTime).amount;
    return { symbol, clientOrderId, qty: qtyText(qty, r), price: priceText(ticks, r), clearanceFee: fee };
  }

  /** A wick of the last price to `price` that the mark price does not follow (see Engine.wickLast). */
  wickLast(symbol: string, price: string | number): { symbol: string; lastPrice: string; markPrice: string } {
    const r = this.d.engine.rulesOf(symbol);
    const ticks = priceTicksOf(price, r);
    this.d.engine.wickLast(symbol, ticks);
    return { symbol, lastPrice: priceText(ticks, r), markPrice: priceText(this.d.engine.mark(symbol), r) };
  }

  /**
   * Sets a symbol's funding rates after the simulator's time (`POST /_sim/funding`): `{ symbol, rates: [{ timeMs, rate }] }`
   * (times ascending, after now), or `{ symbol, rate }`: that rate every 8 h at 00:00, 08:00 and 16:00 UTC from now on.
   * Either replaces the symbol's settlements after now; a bad body throws one line naming the field.
   */
  setFunding(body: unknown): { symbol: string; next: Array<{ timeMs: number; rate: number }>; settlements: number } {
    return this.d.funding.set(body);
  }

  faults(): { clockSkewMs: number; rules: unknown[] } {
    return { clockSkewMs: this.d.faults.clockSkewMs, rules: this.d.faults.list() };
  }

  /** Adds rules (a rule or an array), or replaces everything with a fault file `{ seed, clockSkewMs, rules }`. */
  setFaults(body: unknown): { clockSkewMs: number; rules: unknown[] } {
    if (body && typeof body === 'object' && !Array.isArray(body) && !('kind' in body)) this.d.faults.load(body);
    else this.d.faults.add(body as FaultRule | FaultRule[]);
    return this.faults();
  }

  clearFaults(): void {
    this.d.faults.clear();
  }

  setClockSkew(ms: number): void {
    this.d.faults.clockSkewMs = ms;
  }

  disconnectWs(target: 'user' | 'market' | 'all' = 'all'): { closed: number } {
    return { closed: this.d.streams.disconnect(target) };
  }

  setSpeed(speed: number): void {
    this.d.feed.setSpeed(speed);
  }

  setLimits(c: Partial<RateLimitConfig> & { reset?: boolean }): RateLimitConfig {
    const { reset, ...limits } = c;
    this.d.limiter.configure(limits);
    if (reset) this.d.limiter.reset();
    return this.d.limiter.limits;
  }

  /** The account's modes and each symbol's leverage and margin type: what a bot sets at start. */
  accountConfig(): { dualSidePosition: boolean; multiAssetsMargin: boolean; symbols: Record<string, { leverage: number; marginType: string }> } {
    const a = this.d.engine.account;
    const symbols = Object.fromEntries([...this.d.engine.rules.keys()].map((s) => [s, { leverage: a.leverage(s), marginType: a.marginType(s) }]));
    return { ...a.modes, symbols };
  }

  requests(): readonly RequestLogEntry[] {
    return this.d.requests;
  }

  /** HTTP front of the same operations: `/_sim/<name>`; returns [status, body]. */
  handle(method: string, name: string, body: Record<string, unknown>): [number, unknown] {
    const key = `${method} ${name}`;
    switch (key) {
      case 'GET state':
        return [200, this.state()];
      case 'GET account':
        return [200, this.accountConfig()];
      case 'GET requests':
        return [200, this.requests()];
      case 'POST step':
        return [200, this.step(body as { points?: number; candles?: number })];
      case 'POST price':
        return [200, this.setPrice(String(body['symbol']), body['price'] as string | number, body['gap'] === true)];
      case 'POST liquidate':
        return [200, this.liquidate(body)];
      case 'POST wick':
        return [200, this.wickLast(String(body['symbol']), body['price'] as string | number)];
      case 'POST funding':
        return [200, this.setFunding(body)];
      case 'GET faults':
        return [200, this.faults()];
      case 'POST faults':
        return [200, this.setFaults(body)];
      case 'DELETE faults':
        this.clearFaults();
        return [200, this.faults()];
      case 'POST clock':
        this.setClockSkew(Number(body['skewMs'] ?? 0));
        return [200, { skewMs: this.d.faults.clockSkewMs }];
      case 'POST ws/disconnect':
        return [200, this.disconnectWs((body['target'] as 'user' | 'market' | 'all' | undefined) ?? 'all')];
      case 'POST speed':
        this.setSpeed(Number(body['speed'] ?? 0));
        return [200, { speed: this.d.feed.currentSpeed }];
      case 'POST limits':
        return [200, this.setLimits(body as Partial<RateLimitConfig>)];
      default:
        return [404, { error: `unknown admin route ${method} /_sim/${name}` }];
    }
  }
}
