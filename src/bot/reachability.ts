import { ExchangeError } from '../exchange/errors.ts';
import type { ExchangePort } from '../exchange/port.ts';

export interface ReachabilityOptions {
  /** No answer for this long is "unreachable", ms. */
  readonly afterMs: number;
  readonly now?: () => number;
  /** Once per outage, when it has lasted `afterMs`: since when, and the last error. */
  readonly onDown: (sinceMs: number, error: string) => void;
  /** The first answer after an outage that was reported, with how long it lasted. */
  readonly onUp: (downForMs: number) => void;
  /**
   * At once, once per ban: the exchange banned this IP (HTTP 418) until `untilMs`. Every request of
   * the process waits for its end (the adapter's budget); the first answer after it tells `onUp`.
   */
  readonly onBanned?: (untilMs: number, error: string) => void;
  /**
   * Once until a signed call is answered again: the exchange refuses the API key (-2015, -1022: the
   * key's IP list or permissions changed, or, to a key that has worked, Binance's ban of the IP) on
   * two signed calls in a row. The exchange answers, so no outage is told, yet nothing can be read or
   * sent with the key. (One refusal between answered calls is a permission one endpoint lacks, the
   * income history's: its caller says so.)
   */
  readonly onKeyRefused?: (error: string) => void;
  /** The first signed call answered after `onKeyRefused`. */
  readonly onKeyTaken?: () => void;
}

/** Signed calls refused in a row that say the key is refused (not one endpoint's permission). */
const KEY_REFUSALS = 2;

/** Calls made without the key: their answers say nothing of whether the exchange takes it. */
const UNSIGNED: ReadonlySet<PropertyKey> = new Set(['markets', 'settleAsset', 'candles', 'price', 'priceAt', 'fundingRates']);

/**
 * What a failed call says about reachability: no answer at all (a timeout, a reset, a 5xx: the
 * adapter's `transient` / `unknownOutcome`; a rate limit: a 429, or a 403 of Binance's WAF, the
 * request refused before the API, so calls refused so for the set time are an outage too), an IP ban
 * (418: no answer before its end), the key refused (`auth`: an answer, but none to anything signed),
 * an answer (a refusal, a 4xx), or nothing (an error of ours, not the exchange's).
 */
const failureKind = (e: unknown): 'unanswered' | 'banned' | 'keyRefused' | 'answered' | 'ours' =>
  !(e instanceof ExchangeError) ? 'ours' : e.ipBanned ? 'banned' : e.code === 'transient' || e.code === 'unknownOutcome' || e.code === 'rateLimited' ? 'unanswered' : e.code === 'auth' ? 'keyRefused' : 'answered';

/**
 * The exchange port, watched for an outage ([operate] 5, "exchange unreachable for N minutes"): from
 * the first call that got no answer, and while no call is answered, `onDown` is told once `afterMs`
 * have passed; the next answered call tells `onUp`. Calls and their results pass through unchanged;
 * the callbacks must not throw.
 */
export function watchReachability(ex: ExchangePort, o: ReachabilityOptions): ExchangePort {
  const now = o.now ?? Date.now;
  let failingSinceMs: number | null = null;
  let reported = false;
  /** The end of the ban last told (a 418 before it is the same ban: requests in flight when it began). */
  let bannedUntilMs: number | null = null;
  /** Signed calls refused for the key since the last one answered; told at KEY_REFUSALS. */
  let keyRefusals = 0;
  const answered = () => {
    if (reported) o.onUp(now() - failingSinceMs!);
    failingSinceMs = null;
    reported = false;
    bannedUntilMs = null;
  };
  const banned = (e: ExchangeError) => {
    const t = now();
    const until = t + (e.retryAfterMs ?? 0);
    failingSinceMs ??= t;
    if (bannedUntilMs === null || t >= bannedUntilMs) {
      reported = true;
      o.onBanned?.(until, e.message);
    }
    bannedUntilMs = Math.max(bannedUntilMs ?? 0, until);
  };
  const failed = (e: unknown) => {
    const t = now();
    failingSinceMs ??= t;
    if (!reported && t - failingSinceMs >= o.afterMs) {
      reported = true;
      o.onDown(failingSinceMs, e instanceof Error ? e.message : String(e));
    }
  };
  return new Proxy(ex, {
    get(target, prop, receiver) {
      const v: unknown = Reflect.get(target, prop, receiver);
      if (typeof v !== 'function') return v;
      const fn = v as (...a: unknown[]) => unknown;
      // watchOrders runs for the bot's lifetime and close() is ours: neither says anything about reachability.
      if (prop === 'watchOrders' || prop === 'close' || prop === 'pollDelayMs') return fn.bind(target);
      return (...args: unknown[]) => {
        const r = fn.apply(target, args);
        if (!(r instanceof Promise)) return r;
        return r.then(
          (value: unknown) => {
            answered();
            if (!UNSIGNED.has(prop)) {
              if (keyRefusals >= KEY_REFUSALS) o.onKeyTaken?.();
              keyRefusals = 0;
            }
            return value;
          },
          (e: unknown) => {
            const kind = failureKind(e);
            if (kind === 'unanswered') failed(e);
            else if (kind === 'banned') banned(e as ExchangeError);
            else if (kind === 'answered' || kind === 'keyRefused') answered();
            if (kind === 'keyRefused' && ++keyRefusals === KEY_REFUSALS) o.onKeyRefused?.((e as ExchangeError).message);
            throw e;
          },
        );
      };
    },
  });
}
