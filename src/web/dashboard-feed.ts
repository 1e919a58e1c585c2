/**
 * What the bot side feeds the dashboard running in the same process. Prices are throttled by the
 * dashboard; `notify` only says "look at the store now" (the events themselves are read from the store,
 * so the dashboard shows the same thing whether the bot runs beside it or in another process).
 * The dashboard defines it and never calls the bot: `src/cli/exchange-tap.ts` wires the two.
 */
export interface DashboardFeed {
  /** A price the bot read from the exchange (ms: when it was read). */
  pushPrice(symbol: string, price: number, timeMs: number): void;
  /** The bot reached the exchange (any successful read): the feed is alive. */
  feedOk(timeMs: number): void;
  /** A read from the exchange failed: after a while without success the page shows "feed down". */
  feedError(message: string, timeMs: number): void;
  /** A domain event was stored (fill, stop move, plan, close). */
  notify(): void;
}
