import { withoutSignature } from '../exchange/errors.ts';
import type { ExchangePort } from '../exchange/port.ts';
import type { DashboardFeed } from '../web/dashboard-feed.ts';

/**
 * The exchange port the bot trades through, with its market-data reads reported to the dashboard:
 * every `price` becomes a price tick, every `candles` poll a heartbeat, a failed read a feed error.
 * Everything else (orders included) goes to the port untouched; the dashboard never gets the port.
 * Lives in src/cli, not src/web: the dashboard may not import the exchange (the lint fence).
 */
export function tapExchange(ex: ExchangePort, feed: DashboardFeed, now: () => number = Date.now): ExchangePort {
  // A dashboard fault must not turn the bot's good read into a failed one (R6.6): the feed is best effort.
  const tell = (f: () => void) => {
    try {
      f();
    } catch {
      // the dashboard reports its own errors; the read's result stands
    }
  };
  const report = <T>(p: Promise<T>, ok: (v: T) => void): Promise<T> =>
    p.then(
      (v) => {
        tell(() => ok(v));
        return v;
      },
      (e: unknown) => {
        tell(() => feed.feedError(withoutSignature(e instanceof Error ? e.message : String(e)), now()));
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
