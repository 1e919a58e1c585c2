export interface RateLimitConfig {
  /** REQUEST_WEIGHT per minute (exchangeInfo: 2400). */
  readonly weightPerMinute: number;
  /** ORDERS per minute (1200) and per 10 seconds (300). */
  readonly ordersPerMinute: number;
  readonly ordersPer10s: number;
  /** How long an IP that keeps sending after a 429 is banned (Binance: 2 minutes to 3 days). */
  readonly banSec: number;
  /**
   * A request arriving this soon after a 429, on another connection than the ones that got it, may
   * have been sent before the client could read the 429: it gets 429 again, not a ban (Binance bans
   * clients that keep sending *after* receiving 429s). Default 1000 ms: a round trip is ~1 ms here,
   * but a loaded 2-core test machine can hold a request already handed to the socket that long.
   */
  readonly inFlightGraceMs: number;
}

export const DEFAULT_RATE_LIMITS: RateLimitConfig = { weightPerMinute: 2400, ordersPerMinute: 1200, ordersPer10s: 300, banSec: 120, inFlightGraceMs: 1000 };

/** The limits as exchangeInfo states them (`rateLimits`), so a client can budget for what is enforced. */
export function exchangeInfoRateLimits(c: RateLimitConfig): Array<Record<string, unknown>> {
  return [
    { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: c.weightPerMinute },
    { rateLimitType: 'ORDERS', interval: 'MINUTE', intervalNum: 1, limit: c.ordersPerMinute },
    { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: c.ordersPer10s },
  ];
}

export type RateDecision =
  | { readonly ok: true; readonly headers: Record<string, string> }
  | { readonly ok: false; readonly status: 429 | 418; readonly code: number; readonly msg: string; readonly headers: Record<string, string> };

/**
 * Binance's IP limits on the wall clock: request weight per minute and order counts per 10 s and per
 * minute (fixed windows). Over a limit: 429 with `Retry-After`; a request before that time has
 * passed: 418 and a ban (`banSec`) — "429, then 418 when ignored".
 */
export class RateLimiter {
  private config: RateLimitConfig;
  private minute = -1;
  private weight = 0;
  private orders1m = 0;
  private tenSec = -1;
  private orders10s = 0;
  private limitedUntil = 0;
  private limitedAt = 0;
  /** Connections that were answered 429 in the current limited period: the client has seen it there. */
  private told = new WeakSet<object>();
  private bannedUntil = 0;

  constructor(
    config: Partial<RateLimitConfig>,
    private readonly wallMs: () => number,
  ) {
    this.config = { ...DEFAULT_RATE_LIMITS, ...config };
  }

  get limits(): RateLimitConfig {
    return this.config;
  }

  configure(c: Partial<RateLimitConfig>): void {
    this.config = { ...this.config, ...c };
  }

  /** Clears windows, the 429 state and any ban. */
  reset(): void {
    this.minute = this.tenSec = -1;
    this.weight = this.orders1m = this.orders10s = 0;
    this.limitedUntil = this.bannedUntil = 0;
  }

  /**
   * Counts a request of `weight` (and one order when `order`) and says whether it may proceed.
   * `conn` identifies the request's connection (its socket), to tell in-flight requests from ignored 429s.
   */
  check(weight: number, order: boolean, ip: string, conn?: object): RateDecision {
    const now = this.wallMs();
    const ban = this.banCheck(now, ip, conn);
    if (ban) return ban;
    this.roll(now);
    this.weight += weight;
    if (order) {
      this.orders1m++;
      this.orders10s++;
    }
    const headers: Record<string, string> = { 'X-MBX-USED-WEIGHT-1M': String(this.weight) };
    if (order) {
      headers['X-MBX-ORDER-COUNT-1M'] = String(this.orders1m);
      headers['X-MBX-ORDER-COUNT-10S'] = String(this.orders10s);
    }
    const nextMinute = (Math.floor(now / 60_000) + 1) * 60_000;
    if (this.weight > this.config.weightPerMinute) {
      return this.limited(now, nextMinute, -1003, `Too many requests; current limit of IP(${ip}) request weight per minute is ${this.config.weightPerMinute}. Please use WebSocket Streams for live updates to avoid polling the API.`, headers, conn);
    }
    if (order && this.orders10s > this.config.ordersPer10s) {
      return this.limited(now, (Math.floor(now / 10_000) + 1) * 10_000, -1015, `Too many new orders; current limit is ${this.config.ordersPer10s} orders per 10 SECOND.`, headers, conn);
    }
    if (order && this.orders1m > this.config.ordersPerMinute) {
      return this.limited(now, nextMinute, -1015, `Too many new orders; current limit is ${this.config.ordersPerMinute} orders per MINUTE.`, headers, conn);
    }
    return { ok: true, headers };
  }

  /** A forced 429 (the `rateLimit` fault): the client must wait `retryAfterSec` or be banned. */
  force(retryAfterSec: number, ip: string, conn?: object): RateDecision {
    const now = this.wallMs();
    return this.banCheck(now, ip, conn) ?? this.limited(now, now + retryAfterSec * 1000, -1003, `Too many requests; current limit of IP(${ip}) request weight per minute is ${this.config.weightPerMinute}. Please use WebSocket Streams for live updates to avoid polling the API.`, {}, conn);
  }

  private banCheck(now: number, ip: string, conn: object | undefined): RateDecision | undefined {
    if (this.bannedUntil <= now && this.limitedUntil > now) {
      if (conn !== undefined && !this.told.has(conn) && now - this.limitedAt <= this.config.inFlightGraceMs) {
        // Already on its way when the 429 went out: another 429, not a ban.
        this.told.add(conn);
        const retry = String(Math.max(1, Math.ceil((this.limitedUntil - now) / 1000)));
        return { ok: false, status: 429, code: -1003, msg: `Too many requests; current limit of IP(${ip}) is exceeded.`, headers: { 'Retry-After': retry } };
      }
      this.bannedUntil = now + this.config.banSec * 1000;
      this.limitedUntil = 0;
    }
    if (this.bannedUntil <= now) return undefined;
    const retry = String(Math.max(1, Math.ceil((this.bannedUntil - now) / 1000)));
    return {
      ok: false, status: 418, code: -1003,
      msg: `Way too many requests; IP(${ip}) banned until ${this.bannedUntil}. Please use the websocket for live updates to avoid bans.`,
      headers: { 'Retry-After': retry },
    };
  }

  private limited(now: number, until: number, code: number, msg: string, headers: Record<string, string>, conn: object | undefined): RateDecision {
    this.limitedUntil = until;
    this.limitedAt = now;
    this.told = new WeakSet();
    if (conn !== undefined) this.told.add(conn);
    return { ok: false, status: 429, code, msg, headers: { ...headers, 'Retry-After': String(Math.max(1, Math.ceil((until - now) / 1000))) } };
  }

  private roll(now: number): void {
    const m = Math.floor(now / 60_000);
    if (m !== this.minute) {
      this.minute = m;
      this.weight = 0;
      this.orders1m = 0;
    }
    const t = Math.floor(now / 10_000);
    if (t !== this.tenSec) {
      this.tenSec = t;
      this.orders10s = 0;
    }
  }
}
