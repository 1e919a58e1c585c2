import type { ExchangePort } from '../exchange/port.ts';

/**
 * What the bot side feeds the dashboard running in the same process. Prices are throttled by the
 * dashboard; `notify` only says "look at the store now" (the events themselves are read from the store,
 * so the dashboard shows the same thing whether the bot runs beside it or in another process).
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

/**
 * The exchange port the bot trades through, with its market-data reads reported to the dashboard:
 * every `price` becomes a price tick, every `candles` poll a heartbeat, a failed read a feed error.
 * Everything else (orders included) goes to the port untouched; the dashboard never gets the port.
 */
export function tapExchange(ex: ExchangePort, feed: DashboardFeed, now: () => number = Date.now): ExchangePort {
  const report = <T>(p: Promise<T>, ok: (v: T) => void): Promise<T> =>
    p.then(
      (v) => {
        ok(v);
        return v;
      },
      (e: unknown) => {
        feed.feedError(e instanceof Error ? e.message : String(e), now());
        throw e;
      },
    );
  return new Proxy(ex, {
    get(target, prop, receiver) {
      if (prop === 'price') {
        return (symbol: string) =>
          report(target.price(symbol), (price) => {
            const t = now();
            feed.feedOk(t);
            feed.pushPrice(symbol, price, t);
          });
      }
      if (prop === 'candles') return (symbol: string, timeframe: string, limit: number) => report(target.candles(symbol, timeframe, limit), () => feed.feedOk(now()));
      const v: unknown = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}
