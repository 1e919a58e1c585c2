/**
 * Funding of the simulator's perpetuals, as Binance charges it: at each settlement time of a symbol,
 * every open position of it pays (long, positive rate) or receives `|quantity| × mark price × |rate|`:
 * amount = −(signed quantity) × mark × rate, added to the wallet, kept as a FUNDING_FEE income record
 * and told to the user stream (ACCOUNT_UPDATE, reason FUNDING_FEE).
 *
 * Settlements happen on the simulator's own clock (candle time): whenever a price move reaches a time at
 * or past a settlement (replay steps, admin steps, the speed timer), before the move's own fills. The
 * price: a settlement at the very time of the move (a candle opening at 00:00) at the move's price, as
 * the backtest charges it at the open of the candle opening at it; one the clock passed between two
 * points of a candle the data has (several settlements inside one step) at the price held before the
 * move, the price the simulator showed at that time; one in a gap of the data (no candle at it: no
 * price known then) at the move's price, the next candle's open, as the backtest does. Each is charged
 * once: the settled-through time only moves forward.
 */
import { z } from 'zod';
import type { FundingRates } from '../data/funding-rates.ts';
import { bucketStartMs } from '../data/index.ts';
import type { Engine } from './engine.ts';
import { type SymbolRules, priceNum, priceText, qtyNum } from './markets.ts';

/** One settlement that charged a position (a FUNDING_FEE income record). */
export interface FundingCharge {
  readonly symbol: string;
  /** What the wallet got, USDT, rounded to 8 decimals (negative: paid). */
  readonly amount: number;
  readonly timeMs: number;
  readonly rate: number;
  readonly markTicks: number;
  /** Binance's `tranId`: unique among FUNDING_FEE records. */
  readonly tranId: number;
}

/** One row of `GET /fapi/v1/fundingRate`. */
export interface FundingRateRow {
  readonly symbol: string;
  readonly fundingTime: number;
  readonly fundingRate: string;
  readonly markPrice: string;
}

interface Schedule {
  /** Settlement times, ms, ascending. */
  time: number[];
  rate: number[];
  /** The mark price (ticks) each settlement was charged at, once it passed on the simulator's clock. */
  readonly markAt: Map<number, number>;
  /** Settlements at or before this time are done (charged, or history before the simulator's time). */
  settledThroughMs: number;
}

const HOUR_MS = 3_600_000;
const EIGHT_HOURS_MS = 8 * HOUR_MS;
/** How far ahead `{ symbol, rate }` lays out its 8-hourly settlements (10 years). */
const CONSTANT_RATE_SPAN_MS = 10 * 366 * 24 * HOUR_MS;

const rateField = z.number().finite().gt(-1).lt(1, 'a funding rate is a fraction such as 0.0001 for 0.01 % (|rate| < 1)');

/**
 * `POST /_sim/funding` (and `sim.admin.setFunding`): a symbol's rates after the simulator's current time,
 * either listed (`rates`, each `{ timeMs, rate }`, times ascending) or one `rate` charged every 8 h at
 * 00:00, 08:00 and 16:00 UTC from now on. Either replaces every settlement of the symbol after now.
 */
const RatesBodySchema = z.object({
  symbol: z.string().min(1),
  rates: z.array(z.object({ timeMs: z.number().int().positive(), rate: rateField }).strict()).min(1),
}).strict();
const RateBodySchema = z.object({ symbol: z.string().min(1), rate: rateField }).strict();
type FundingBody = z.infer<typeof RatesBodySchema> | z.infer<typeof RateBodySchema>;

/**
 * `POST /_sim/funding` (and `sim.admin.setFunding`): a symbol's rates after the simulator's current time,
 * either listed (`{ symbol, rates: [{ timeMs, rate }] }`, times ascending) or one rate charged every 8 h
 * at 00:00, 08:00 and 16:00 UTC from now on (`{ symbol, rate }`). The body's first problem is one line
 * naming its field (`funding: rates[1].timeMs: …`).
 */
function parseFundingBody(body: unknown): FundingBody {
  // The shape is told by its keys, so the message is about the shape the body meant.
  const listed = body !== null && typeof body === 'object' && 'rates' in body;
  const r = (listed ? RatesBodySchema : RateBodySchema).safeParse(body);
  if (r.success) return r.data;
  const i = r.error.issues[0]!;
  const where = i.path.map((k) => (typeof k === 'number' ? `[${k}]` : `.${String(k)}`)).join('').replace(/^\./, '');
  throw new Error(`funding: ${where === '' ? 'the body' : where}: ${i.message} (expected { symbol, rates: [{ timeMs, rate }] } or { symbol, rate })`);
}

/** The settlements of every symbol with rates, and what they charged. */
export class Funding {
  private readonly schedules = new Map<string, Schedule>();
  readonly charges: FundingCharge[] = [];
  private readonly listeners: Array<(c: FundingCharge) => void> = [];

  constructor(private readonly engine: Engine) {
    engine.onBeforeMove((symbol, toTicks, timeMs) => this.settle(symbol, toTicks, timeMs));
  }

  onCharge(l: (c: FundingCharge) => void): void {
    this.listeners.push(l);
  }

  /** Rates read by `loadFundingRates` (`--funding`): settlements at or before now are history, never charged. */
  load(symbol: string, f: FundingRates): void {
    this.schedules.set(symbol, { time: Array.from(f.time), rate: Array.from(f.rate), markAt: new Map(), settledThroughMs: this.engine.now() });
  }

  /** Replaces the symbol's settlements after now (`POST /_sim/funding`); returns the first few to come. */
  set(body: unknown): { symbol: string; next: Array<{ timeMs: number; rate: number }>; settlements: number } {
    const b = parseFundingBody(body);
    if (!this.engine.rules.has(b.symbol)) throw new Error(`funding: symbol: ${JSON.stringify(b.symbol)} is not in the simulator's exchange information (a Binance id such as BTCUSDT)`);
    const symbol = b.symbol;
    const now = this.engine.now();
    let times: number[];
    let rates: number[];
    if ('rates' in b) {
      b.rates.forEach((x, k) => {
        if (x.timeMs <= now) throw new Error(`funding: rates[${k}].timeMs: ${x.timeMs} is not after the simulator's time ${now} (${new Date(now).toISOString()}): only settlements to come can be set`);
        if (k > 0 && x.timeMs <= b.rates[k - 1]!.timeMs) throw new Error(`funding: rates[${k}].timeMs: ${x.timeMs} is not after rates[${k - 1}].timeMs (${b.rates[k - 1]!.timeMs}): times must be ascending`);
      });
      times = b.rates.map((x) => x.timeMs);
      rates = b.rates.map((x) => x.rate);
    } else {
      const first = (Math.floor(now / EIGHT_HOURS_MS) + 1) * EIGHT_HOURS_MS;
      times = [];
      for (let t = first; t <= now + CONSTANT_RATE_SPAN_MS; t += EIGHT_HOURS_MS) times.push(t);
      rates = times.map(() => b.rate);
    }
    const s = this.schedules.get(symbol) ?? { time: [], rate: [], markAt: new Map<number, number>(), settledThroughMs: now };
    const keep = s.time.findIndex((t) => t > now);
    const cut = keep < 0 ? s.time.length : keep;
    s.time = [...s.time.slice(0, cut), ...times];
    s.rate = [...s.rate.slice(0, cut), ...rates];
    s.settledThroughMs = Math.max(s.settledThroughMs, now);
    this.schedules.set(symbol, s);
    return { symbol, next: times.slice(0, 3).map((t, k) => ({ timeMs: t, rate: rates[k]! })), settlements: times.length };
  }

  /**
   * Charges every settlement of `symbol` after the settled-through time and at or before `timeMs`, before
   * the price moves to `toTicks` at `timeMs`: one at `timeMs` at `toTicks`, earlier ones at the price held.
   */
  settle(symbol: string, toTicks: number, timeMs: number): void {
    const s = this.schedules.get(symbol);
    if (s === undefined || timeMs <= s.settledThroughMs) return;
    const feed = this.engine.feed;
    const tape = feed.tape(symbol);
    const held = tape.price;
    let k = upperBound(s.time, s.settledThroughMs);
    for (; k < s.time.length && s.time[k]! <= timeMs; k++) {
      const t = s.time[k]!;
      const inData = tape.source.candleAt(bucketStartMs(t, feed.intervalMs)) !== undefined;
      const markTicks = t === timeMs || held === undefined || !inData ? toTicks : held;
      s.markAt.set(t, markTicks);
      this.charge(symbol, t, s.rate[k]!, markTicks);
    }
    s.settledThroughMs = timeMs;
  }

  private charge(symbol: string, timeMs: number, rate: number, markTicks: number): void {
    const r = this.engine.rulesOf(symbol);
    const p = this.engine.account.positions.get(symbol);
    if (!p || p.amtSteps === 0) return;
    // Binance: funding fee = position notional at the mark price × rate; longs pay a positive rate.
    const amount = round8(-qtyNum(p.amtSteps, r) * priceNum(markTicks, r) * rate);
    this.engine.account.wallet += amount;
    // tranIds ending in 3: the income route numbers a fill's REALIZED_PNL and COMMISSION records 10 × tradeId + 1 and + 2.
    const c: FundingCharge = { symbol, amount, timeMs, rate, markTicks, tranId: (this.charges.length + 1) * 10 + 3 };
    this.charges.push(c);
    for (const l of this.listeners) l(c);
  }

  /** `GET /fapi/v1/fundingRate`: settlements at or before now (never a rate still to come), ascending. */
  history(symbol: string | undefined, o: { startTime?: number; endTime?: number; limit: number }): FundingRateRow[] {
    const now = this.engine.now();
    const end = Math.min(now, o.endTime ?? Infinity);
    const rows: FundingRateRow[] = [];
    const symbols = symbol === undefined ? [...this.schedules.keys()] : [symbol];
    for (const sym of symbols) {
      const s = this.schedules.get(sym);
      if (!s) continue;
      const r = this.engine.rulesOf(sym);
      for (let k = 0; k < s.time.length; k++) {
        const t = s.time[k]!;
        if (t > end || (o.startTime !== undefined && t < o.startTime)) continue;
        rows.push({ symbol: sym, fundingTime: t, fundingRate: rateText(s.rate[k]!), markPrice: this.markText(sym, s, t, r) });
      }
    }
    rows.sort((a, b) => a.fundingTime - b.fundingTime || a.symbol.localeCompare(b.symbol));
    // Binance: from startTime, the first `limit`; without it, the most recent `limit`.
    return o.startTime !== undefined ? rows.slice(0, o.limit) : rows.slice(Math.max(0, rows.length - o.limit));
  }

  /** `premiumIndex`: the last settlement's rate (else the next one's, else 0) and the next settlement's time. */
  premium(symbol: string): { lastFundingRate: string; nextFundingTime: number } {
    const now = this.engine.now();
    const grid = (Math.floor(now / EIGHT_HOURS_MS) + 1) * EIGHT_HOURS_MS;
    const s = this.schedules.get(symbol);
    if (!s || s.time.length === 0) return { lastFundingRate: rateText(0), nextFundingTime: grid };
    const next = upperBound(s.time, now);
    const last = next - 1;
    const rate = last >= 0 ? s.rate[last]! : s.rate[next]!;
    return { lastFundingRate: rateText(rate), nextFundingTime: next < s.time.length ? s.time[next]! : grid };
  }

  /** The mark price of a settlement: the one charged at, else the candle opening at it (history before the start), else "". */
  private markText(symbol: string, s: Schedule, t: number, r: SymbolRules): string {
    const charged = s.markAt.get(t);
    if (charged !== undefined) return priceText(charged, r);
    const c = this.engine.feed.tape(symbol).source.candleAt(t);
    return c === undefined ? '' : priceText(c.o, r);
  }
}

/** The first index whose time is after `t`. */
function upperBound(times: readonly number[], t: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (times[mid]! <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Binance's 8 decimals; −0 is 0. */
const round8 = (x: number): number => Math.round(x * 1e8) / 1e8 || 0;
const rateText = (rate: number): string => rate.toFixed(8);
