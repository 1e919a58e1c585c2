import { sendTimeLeftMs } from '../send-deadline.ts';
import { ExchangeError } from '../errors.ts';

/**
 * Binance's IP rate limits as a budget the process spends (issue 12 item 3, fault 5): request weight
 * per minute and order counts per 10 s and per minute, in fixed wall-clock windows as Binance counts
 * them. Every REST request waits at `acquire` first:
 * - after a 429/418 (`penalize`), nothing leaves before Retry-After has passed (ignoring it is what
 *   gets the IP banned: 418);
 * - above `softShare` of a limit, requests are spaced so the rest of the window's budget lasts until
 *   the window rolls over; a request that would pass `hardShare` waits for the next window.
 * The count is ours (weight reserved as requests leave) corrected upwards by the exchange's own
 * `X-MBX-USED-WEIGHT-1M` / `X-MBX-ORDER-COUNT-*` headers (`observe`), which also see other clients on
 * the same IP.
 */

export interface BudgetLimits {
  /** REQUEST_WEIGHT per minute (Binance USDⓈ-M: 2400). */
  readonly weightPerMinute: number;
  /** ORDERS per 10 seconds (300) and per minute (1200). */
  readonly ordersPer10s: number;
  readonly ordersPerMinute: number;
}

export const BINANCE_USDM_LIMITS: BudgetLimits = { weightPerMinute: 2400, ordersPer10s: 300, ordersPerMinute: 1200 };

export interface BudgetClock {
  nowMs(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: BudgetClock = { nowMs: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };

export interface BudgetOptions {
  /** Fixed limits; when given, exchangeInfo's `rateLimits` no longer replace them. */
  readonly limits?: Partial<BudgetLimits>;
  /** Share of a limit above which requests are spaced out (default 0.8). */
  readonly softShare?: number;
  /** Share of a limit never passed: the rest is a margin for other clients and clock drift (default 0.95). */
  readonly hardShare?: number;
  /** Waited past a window's end, for the exchange's clock being a little behind ours (default 1000 ms). */
  readonly rolloverMarginMs?: number;
  readonly clock?: BudgetClock;
  /**
   * A 429/418 block longer than this is not waited out inside a call: the call fails at once as
   * `rateLimited` with the time left, and the bot's loop waits (`suggestedPollMs`) where a stop can
   * end it. Default 65 s: a 429's Retry-After (at most the rest of Binance's minute) is waited in the
   * call; an IP ban (418: 2 minutes to 3 days) is not.
   */
  readonly maxWaitMs?: number;
}

export const DEFAULT_MAX_BUDGET_WAIT_MS = 65_000;

/** What one request costs. */
export interface RequestCost {
  /** REQUEST_WEIGHT against the IP (0: none, as a new order on Binance USDⓈ-M). */
  readonly weight: number;
  /** Counts against the ORDERS limits (a new order). */
  readonly order: boolean;
}

/** Headers of one response (any case) and when its request left, to tell which window it counts in. */
export interface ObservedResponse {
  readonly headers: Readonly<Record<string, string>>;
  readonly sentAtMs: number;
}

const MINUTE_MS = 60_000;
const TEN_S_MS = 10_000;

/** A fixed window of Binance's: its count resets when `floor(now / lengthMs)` changes. */
class Window {
  private index = -1;
  used = 0;
  /** Requests sent just before this window ends: they may arrive in the next one, so they count there too. */
  private carry = 0;
  constructor(readonly lengthMs: number) {}

  roll(nowMs: number): void {
    const i = Math.floor(nowMs / this.lengthMs);
    if (i !== this.index) {
      this.used = i === this.index + 1 ? this.carry : 0;
      this.carry = 0;
      this.index = i;
    }
  }

  /** Counts `n` for a request leaving at `nowMs`; within `edgeMs` of the end, for the next window as well. */
  add(n: number, nowMs: number, edgeMs: number): void {
    this.roll(nowMs);
    this.used += n;
    if (this.msToEnd(nowMs) <= edgeMs) this.carry += n;
  }

  /** The exchange's count for a request sent at `sentAtMs`: only raises ours, and only for this window. */
  correct(value: number, sentAtMs: number, nowMs: number): void {
    this.roll(nowMs);
    if (Math.floor(sentAtMs / this.lengthMs) === this.index && value > this.used) this.used = value;
  }

  msToEnd(nowMs: number): number {
    return (Math.floor(nowMs / this.lengthMs) + 1) * this.lengthMs - nowMs;
  }
}

export class WeightBudget {
  private limitsValue: BudgetLimits;
  private readonly pinned: boolean;
  private readonly softShare: number;
  private readonly hardShare: number;
  private readonly marginMs: number;
  private readonly clock: BudgetClock;
  private readonly weight = new Window(MINUTE_MS);
  private readonly orders10s = new Window(TEN_S_MS);
  private readonly orders1m = new Window(MINUTE_MS);
  private blockedUntilMs = 0;
  /** The end of the last 418 ban (its block is `blockedUntilMs` too). */
  private bannedUntilMs = 0;
  private readonly maxWaitMs: number;
  /** When the last request left (spacing in the soft zone counts from it). */
  private lastLeftMs = -Infinity;

  constructor(o: BudgetOptions = {}) {
    this.limitsValue = { ...BINANCE_USDM_LIMITS, ...o.limits };
    this.pinned = o.limits !== undefined;
    this.softShare = o.softShare ?? 0.8;
    this.hardShare = o.hardShare ?? 0.95;
    this.marginMs = o.rolloverMarginMs ?? 1000;
    this.clock = o.clock ?? realClock;
    this.maxWaitMs = o.maxWaitMs ?? DEFAULT_MAX_BUDGET_WAIT_MS;
  }

  /** The budget's clock (the tap stamps requests with it). */
  nowMs(): number {
    return this.clock.nowMs();
  }

  get limits(): BudgetLimits {
    return this.limitsValue;
  }

  /** Binance exchangeInfo `rateLimits` (REQUEST_WEIGHT / ORDERS entries); ignored when limits were fixed. */
  setLimitsFromExchangeInfo(rateLimits: unknown): void {
    if (this.pinned || !Array.isArray(rateLimits)) return;
    const next = { ...this.limitsValue };
    for (const r of rateLimits as Array<Record<string, unknown>>) {
      const limit = Number(r['limit']);
      const span = Number(r['intervalNum'] ?? 1) * (r['interval'] === 'SECOND' ? 1000 : r['interval'] === 'MINUTE' ? MINUTE_MS : NaN);
      if (!(limit > 0)) continue;
      if (r['rateLimitType'] === 'REQUEST_WEIGHT' && span === MINUTE_MS) next.weightPerMinute = limit;
      if (r['rateLimitType'] === 'ORDERS' && span === TEN_S_MS) next.ordersPer10s = limit;
      if (r['rateLimitType'] === 'ORDERS' && span === MINUTE_MS) next.ordersPerMinute = limit;
    }
    this.limitsValue = next;
  }

  /**
   * Waits until a request of this cost may leave, then counts it. Under a 429/418 block longer than
   * `maxWaitMs` it fails at once (`rateLimited`, `retryAfterMs` the time left; `ipBanned` for a 418):
   * nothing is sent, and nothing waits hours inside a call.
   */
  async acquire(cost: RequestCost): Promise<void> {
    for (;;) {
      const wait = this.delayFor(cost);
      if (wait <= 0) return this.reserve(cost);
      const now = this.clock.nowMs();
      if (this.blockedUntilMs > now && this.blockedUntilMs - now > this.maxWaitMs) {
        const banned = this.bannedUntilMs > now;
        throw new ExchangeError('rateLimited', `not sent: the exchange ${banned ? 'banned this IP (418)' : 'limited this IP (429)'} until ${new Date(this.blockedUntilMs).toISOString()}`, null, this.blockedUntilMs - now, banned);
      }
      const left = sendTimeLeftMs();
      if (wait > left) {
        const blocked = this.blockedUntilMs > now;
        throw new ExchangeError('rateLimited', `not sent: the rate limit would hold it ${Math.ceil(wait)} ms, past its deadline (${Math.max(0, Math.floor(left))} ms left)`, null, wait, blocked && this.bannedUntilMs > now);
      }
      await this.clock.sleep(wait);
    }
  }

  /** Raises the counts to what the exchange reports (`X-MBX-USED-WEIGHT-1M`, `X-MBX-ORDER-COUNT-10S`/`-1M`). */
  observe(r: ObservedResponse): void {
    const now = this.clock.nowMs();
    const read = (name: string): number | null => {
      const key = Object.keys(r.headers).find((k) => k.toLowerCase() === name);
      const v = key === undefined ? NaN : Number(r.headers[key]);
      return Number.isFinite(v) ? v : null;
    };
    const w = read('x-mbx-used-weight-1m');
    if (w !== null) this.weight.correct(w, r.sentAtMs, now);
    const o10 = read('x-mbx-order-count-10s');
    if (o10 !== null) this.orders10s.correct(o10, r.sentAtMs, now);
    const o1 = read('x-mbx-order-count-1m');
    if (o1 !== null) this.orders1m.correct(o1, r.sentAtMs, now);
  }

  /**
   * A 429 or 418 (`banned`): nothing leaves before `retryAfterMs` (Binance's Retry-After). Without
   * one, the rest of the current minute.
   */
  penalize(retryAfterMs: number | null, banned = false): void {
    const now = this.clock.nowMs();
    const wait = retryAfterMs ?? this.weight.msToEnd(now) + this.marginMs;
    this.blockedUntilMs = Math.max(this.blockedUntilMs, now + wait);
    if (banned) this.bannedUntilMs = Math.max(this.bannedUntilMs, now + wait);
  }

  /**
   * How long a request of this cost would wait now (0: it may leave). The bot's polling can use it
   * to skip a round instead of queueing reads behind the gate.
   */
  nextCallDelayMs(cost: RequestCost = { weight: 1, order: false }): number {
    return Math.max(0, this.delayFor(cost));
  }

  /**
   * How close the process is to a limit, 0 … 1: the largest used share of the three windows, 1
   * while blocked by a 429/418. Above `softShare` requests are already being spaced; a poller
   * should slow down (see `suggestedPollMs`).
   */
  pressure(): number {
    const now = this.clock.nowMs();
    if (this.blockedUntilMs > now) return 1;
    this.roll(now);
    const l = this.limitsValue;
    return Math.min(1, Math.max(this.weight.used / l.weightPerMinute, this.orders10s.used / l.ordersPer10s, this.orders1m.used / l.ordersPerMinute));
  }

  /** When the 429/418 block ends (0 when none is in force). */
  get blockedUntil(): number {
    return this.blockedUntilMs > this.clock.nowMs() ? this.blockedUntilMs : 0;
  }

  /**
   * A polling interval for this pressure: `basePollMs` below the soft share, then stretched up to
   * the rest of the minute as the weight runs out, and at least the remaining block after a 429.
   */
  suggestedPollMs(basePollMs: number): number {
    const now = this.clock.nowMs();
    const p = this.pressure();
    if (this.blockedUntilMs > now) return Math.max(basePollMs, this.blockedUntilMs - now);
    if (p <= this.softShare) return basePollMs;
    const stretch = (p - this.softShare) / (1 - this.softShare);
    return Math.max(basePollMs, Math.round(basePollMs + stretch * this.weight.msToEnd(now)));
  }

  private roll(now: number): void {
    this.weight.roll(now);
    this.orders10s.roll(now);
    this.orders1m.roll(now);
  }

  private delayFor(cost: RequestCost): number {
    const now = this.clock.nowMs();
    if (this.blockedUntilMs > now) return this.blockedUntilMs - now;
    this.roll(now);
    const l = this.limitsValue;
    const hardWeight = l.weightPerMinute * this.hardShare;
    // A fresh window always lets one request through, however heavy (else it could never leave). A
    // request of no weight (a new order on Binance) spends none: only the order limits and a block hold it.
    if (cost.weight > 0 && this.weight.used > 0 && this.weight.used + cost.weight > hardWeight) return this.weight.msToEnd(now) + this.marginMs;
    if (cost.order) {
      if (this.orders10s.used + 1 > l.ordersPer10s * this.hardShare) return this.orders10s.msToEnd(now) + this.marginMs;
      if (this.orders1m.used + 1 > l.ordersPerMinute * this.hardShare) return this.orders1m.msToEnd(now) + this.marginMs;
    }
    if (cost.weight > 0 && this.weight.used > l.weightPerMinute * this.softShare) {
      // Soft zone: what is left of this minute's weight is spread evenly over the rest of the minute
      // (one slot more than requests, so the last one does not land on the rollover).
      const requestsLeft = (hardWeight - this.weight.used) / Math.max(1, cost.weight);
      const spacingMs = this.weight.msToEnd(now) / (requestsLeft + 1);
      return this.lastLeftMs + spacingMs - now;
    }
    return 0;
  }

  private reserve(cost: RequestCost): void {
    const now = this.clock.nowMs();
    // The exchange counts a request when it arrives: one sent within the rollover margin of a
    // window's end may land in the next window (a 429 there on a loaded machine), so it counts in both.
    this.weight.add(cost.weight, now, this.marginMs);
    if (cost.order) {
      this.orders10s.add(1, now, this.marginMs);
      this.orders1m.add(1, now, this.marginMs);
    }
    this.lastLeftMs = now;
  }
}
