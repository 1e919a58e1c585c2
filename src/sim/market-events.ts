import { bucketStartMs as bucketStart } from '../data/index.ts';
import { intervalMs } from './tape.ts';
import { type SymbolRules, priceNum, priceText, qtyText } from './markets.ts';
import type { PriceFeed } from './price-feed.ts';
import type { TickCandle } from './tape.ts';

/**
 * Market stream payloads (Binance USDⓈ-M websocket shapes) for one stream name such as
 * `btcusdt@kline_1h`, `btcusdt@markPrice@1s`, `btcusdt@miniTicker`, `btcusdt@trade`.
 * Returns undefined when the stream is not about `symbol` or not supported.
 */
export function marketEvent(stream: string, symbol: string, r: SymbolRules, feed: PriceFeed, closed?: TickCandle): unknown {
  const [sym, kind = ''] = splitStream(stream);
  if (sym !== symbol.toLowerCase() && !(sym === '!markprice' && kind.startsWith('arr'))) return undefined;
  const now = feed.nowMs;
  const tape = feed.tape(symbol);
  const last = tape.price;
  if (last === undefined) return undefined;
  const p = priceText(last, r);
  if (sym === '!markprice') return [markPrice(symbol, p, now)];
  if (kind.startsWith('kline_')) {
    const ms = intervalMs(kind.slice(6));
    if (ms === undefined || ms % feed.intervalMs !== 0) return undefined;
    if (closed) {
      const bucket = bucketStart(closed.t, ms);
      if (closed.t + feed.intervalMs !== bucket + ms) return undefined; // not the bucket's last base candle
      const k = tape.klines(ms, 1, bucket, bucket + ms - 1)[0];
      return k ? klineEvent(symbol, kind.slice(6), k, r, now, true) : undefined;
    }
    const k = tape.klines(ms, 1)[0];
    return k ? klineEvent(symbol, kind.slice(6), k, r, now, false) : undefined;
  }
  if (closed) return undefined;
  switch (kind) {
    case 'markprice':
    case 'markprice@1s':
      return markPrice(symbol, p, now);
    case 'miniticker':
    case 'ticker': {
      const w = tape.window(now, 86_400_000);
      const open = w?.o ?? last;
      const base = { E: now, s: symbol, c: p, o: priceText(open, r), h: priceText(w?.h ?? last, r), l: priceText(w?.l ?? last, r), v: (w?.v ?? 0).toFixed(3), q: (w?.q ?? 0).toFixed(2) };
      if (kind === 'miniticker') return { e: '24hrMiniTicker', ...base };
      const change = priceNum(last, r) - priceNum(open, r);
      return {
        e: '24hrTicker', ...base, p: change.toFixed(r.pricePrecision), P: ((change / priceNum(open, r)) * 100).toFixed(3),
        w: w && w.v > 0 ? (w.q / w.v).toFixed(r.pricePrecision) : p, Q: qtyText(r.limitQty.minSteps, r), O: w?.t ?? now, C: now, F: 1, L: w?.n ?? 1, n: w?.n ?? 0,
      };
    }
    case 'aggtrade':
      return { e: 'aggTrade', E: now, a: now, s: symbol, p, q: qtyText(r.limitQty.minSteps, r), f: now, l: now, T: now, m: false };
    case 'trade':
      return { e: 'trade', E: now, T: now, s: symbol, t: now, p, q: qtyText(r.limitQty.minSteps, r), X: 'MARKET', m: false };
    case 'bookticker':
      return { e: 'bookTicker', u: now, s: symbol, b: p, B: '10', a: priceText(last + 1, r), A: '10', T: now, E: now };
    default:
      return undefined;
  }
}

/** `btcusdt@markPrice@1s` → [`btcusdt`, `markprice@1s`] (case-insensitive). */
export function splitStream(stream: string): [string, string | undefined] {
  const s = stream.toLowerCase();
  const at = s.indexOf('@');
  return at < 0 ? [s, undefined] : [s.slice(0, at), s.slice(at + 1)];
}

function markPrice(symbol: string, p: string, now: number): Record<string, unknown> {
  return { e: 'markPriceUpdate', E: now, s: symbol, p, i: p, P: p, r: '0.00000000', T: (Math.floor(now / 28_800_000) + 1) * 28_800_000 };
}

function klineEvent(symbol: string, interval: string, k: TickCandle & { closeTime: number }, r: SymbolRules, now: number, closed: boolean): Record<string, unknown> {
  return {
    e: 'kline', E: now, s: symbol,
    k: {
      t: k.t, T: k.closeTime, s: symbol, i: interval, f: 0, L: 0, o: priceText(k.o, r), c: priceText(k.c, r), h: priceText(k.h, r), l: priceText(k.l, r),
      v: k.v.toFixed(3), n: k.n, x: closed, q: k.q.toFixed(5), V: k.tb.toFixed(3), Q: k.tq.toFixed(5), B: '0',
    },
  };
}
