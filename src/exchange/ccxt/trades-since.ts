/**
 * Every account trade of a symbol from a time on, read from Binance's userTrades, whatever order it
 * answers a full page of a time range in. Binance answers a time range of 7 days at most and a page of
 * 1000 at most; whether a range holding more gives its oldest or its newest trades is not documented
 * (the simulator gives the newest). Reading on by trade id (`fromId`: ascending, no time limit) is the
 * one certain way through many trades, so the search finds the id of the first trade from `sinceMs`,
 * then reads on from it.
 */

/** A trade as read: its exchange id and time. */
export interface TradeRow {
  readonly id: string | number | undefined;
  readonly timestamp: number | undefined;
}

export interface TradeReads<T extends TradeRow> {
  /** Binance's largest page. */
  readonly page: number;
  /** The page of trades in [startMs, untilMs] (untilMs undefined: Binance's 7 days from startMs). */
  range(startMs: number, untilMs?: number): Promise<T[]>;
  /** The newest page of the last 7 days (no time sent). */
  recent(): Promise<T[]>;
  /** Every trade from trade id `fromId` on, paged by id. */
  fromId(fromId: number): Promise<T[]>;
  /** The client's clock. */
  nowMs(): number;
}

const WEEK_MS = 7 * 86_400_000;
/** Binance answers userTrades of the past 6 months only (its Account Trade List): weeks walked at most. */
const MAX_WEEKS = 27;
const idOf = (t: TradeRow): number => Number(t.id);
const timeOf = (t: TradeRow): number => Number(t.timestamp ?? 0);
const oldest = <T extends TradeRow>(ts: T[]): T => ts.reduce((a, b) => (idOf(b) < idOf(a) ? b : a));
const newestId = (ts: TradeRow[]): number => ts.reduce((n, t) => Math.max(n, idOf(t)), -1);

/**
 * Trades from `sinceMs` on. The week from `sinceMs` is read; when it holds none, the following weeks
 * up to the account's newest trade (of its last 7 days) until one holds a trade. A week's range not
 * full holds all of that week (the rest is read on by id after its newest); a full one is searched
 * back for its first trade, and all is read on by id from there.
 */
export async function tradesSince<T extends TradeRow>(r: TradeReads<T>, sinceMs: number): Promise<T[]> {
  let start = sinceMs;
  let week = await r.range(start);
  if (week.length === 0) {
    if (r.nowMs() - start < WEEK_MS) return [];
    // The exchange's clock is not ours (a simulator's is years back): its newest trade bounds the walk.
    const recent = await r.recent();
    const newestMs = recent.length > 0 ? Math.max(...recent.map(timeOf)) : r.nowMs() - WEEK_MS;
    for (let n = 1; week.length === 0; n++) {
      start += WEEK_MS;
      if (start > newestMs || n >= MAX_WEEKS) return recent.filter((t) => timeOf(t) >= sinceMs);
      week = await r.range(start);
    }
  }
  if (week.length < r.page) return r.nowMs() - start < WEEK_MS ? week : [...week, ...(await r.fromId(newestId(week) + 1))];
  const first = await firstTradeFrom(r, start, oldest(week));
  return (await r.fromId(idOf(first))).filter((t) => timeOf(t) >= sinceMs);
}

/**
 * The first trade from `startMs`, given `low`, the oldest of a full page of its week. Ranges ending just
 * before the oldest trade found so far are read until one is not full (its oldest is the first) or
 * empty (then the first is among the trades of `low`'s millisecond: a page cut inside it leaves some
 * out). A page of one millisecond holding more than a page of trades is the one case not searched.
 */
async function firstTradeFrom<T extends TradeRow>(r: TradeReads<T>, startMs: number, low: T): Promise<T> {
  for (;;) {
    const before = timeOf(low) > startMs ? await r.range(startMs, timeOf(low) - 1) : [];
    if (before.length === 0) {
      const sameMs = await r.range(timeOf(low), timeOf(low));
      return sameMs.length === 0 ? low : [low, oldest(sameMs)].reduce((a, b) => (idOf(b) < idOf(a) ? b : a));
    }
    if (before.length < r.page) return oldest(before);
    low = oldest(before);
  }
}
