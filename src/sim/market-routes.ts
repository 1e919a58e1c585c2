import { simError } from './errors.ts';
import { type SymbolRules, priceNum, priceText, qtyText } from './markets.ts';
import type { Params } from './order-params.ts';
import type { RestContext, Route } from './routes.ts';
import { type TickCandle, intervalMs } from './tape.ts';

/** An optional integer parameter (-1130 when malformed). */
export function intParam(p: Params, name: string): number | undefined {
  const v = p[name];
  if (v === undefined || v === '') return undefined;
  if (!/^-?\d+$/.test(v)) throw simError('-1130', name);
  return Number(v);
}

const vol = (x: number): string => x.toFixed(3);

function klineRow(c: TickCandle & { closeTime: number }, r: SymbolRules): unknown[] {
  return [c.t, priceText(c.o, r), priceText(c.h, r), priceText(c.l, r), priceText(c.c, r), vol(c.v), c.closeTime, c.q.toFixed(5), c.n, vol(c.tb), c.tq.toFixed(5), '0'];
}

function klines(ctx: RestContext, p: Params, symbolParam: string): unknown[] {
  const r = ctx.engine.rulesOf(p[symbolParam]);
  const ms = intervalMs(p['interval'] ?? '');
  if (p['interval'] === undefined) throw simError('-1102', 'interval');
  if (ms === undefined || ms % ctx.feed.intervalMs !== 0) throw simError('-1120');
  const limit = Math.min(1500, Math.max(1, intParam(p, 'limit') ?? 500));
  const tape = ctx.feed.tape(r.symbol);
  return tape.klines(ms, limit, intParam(p, 'startTime'), intParam(p, 'endTime')).map((c) => klineRow(c, r));
}

/** Weight of `GET /fapi/v1/klines` by `limit` (Binance: 1 / 2 / 5 / 10). */
const klinesWeight = (p: Params): number => {
  const limit = Number(p['limit'] ?? 500);
  return limit < 100 ? 1 : limit < 500 ? 2 : limit <= 1000 ? 5 : 10;
};

/** Symbols a symbol-less ticker request lists: the ones with a tape (replayed or already used); Binance lists all. */
function symbolsOf(ctx: RestContext, p: Params): SymbolRules[] {
  if (p['symbol'] !== undefined) return [ctx.engine.rulesOf(p['symbol'])];
  return ctx.feed.activeSymbols.map((s) => ctx.engine.rulesOf(s));
}

const one = <T>(ctx: RestContext, p: Params, f: (r: SymbolRules) => T): T | T[] =>
  p['symbol'] !== undefined ? f(ctx.engine.rulesOf(p['symbol'])) : symbolsOf(ctx, p).map(f);

function ticker24h(ctx: RestContext, r: SymbolRules): Record<string, unknown> {
  const now = ctx.feed.nowMs;
  const w = ctx.feed.tape(r.symbol).window(now, 86_400_000);
  const last = ctx.engine.lastPrice(r.symbol);
  const open = w?.o ?? last;
  const change = priceNum(last, r) - priceNum(open, r);
  return {
    symbol: r.symbol, priceChange: change.toFixed(r.pricePrecision), priceChangePercent: ((change / priceNum(open, r)) * 100).toFixed(3),
    weightedAvgPrice: w && w.v > 0 ? (w.q / w.v).toFixed(r.pricePrecision) : priceText(last, r), lastPrice: priceText(last, r),
    lastQty: qtyText(1, r), openPrice: priceText(open, r), highPrice: priceText(w?.h ?? last, r), lowPrice: priceText(w?.l ?? last, r),
    volume: vol(w?.v ?? 0), quoteVolume: (w?.q ?? 0).toFixed(2), openTime: w?.t ?? now, closeTime: now, firstId: 1, lastId: w?.n ?? 1, count: w?.n ?? 0,
  };
}

function premiumIndex(ctx: RestContext, r: SymbolRules): Record<string, unknown> {
  const now = ctx.feed.nowMs;
  const mark = priceText(ctx.engine.mark(r.symbol), r);
  const f = ctx.funding.premium(r.symbol);
  return {
    symbol: r.symbol, markPrice: mark, indexPrice: mark, estimatedSettlePrice: mark, lastFundingRate: f.lastFundingRate, interestRate: '0.00000000',
    nextFundingTime: f.nextFundingTime, time: now,
  };
}

function bookTicker(ctx: RestContext, r: SymbolRules): Record<string, unknown> {
  const p = ctx.engine.mark(r.symbol);
  return { symbol: r.symbol, bidPrice: priceText(p, r), bidQty: '10', askPrice: priceText(p + 1, r), askQty: '10', time: ctx.feed.nowMs, lastUpdateId: ctx.feed.nowMs };
}

function depth(ctx: RestContext, p: Params): Record<string, unknown> {
  const r = ctx.engine.rulesOf(p['symbol']);
  const last = ctx.engine.mark(r.symbol);
  const n = Math.min(1000, intParam(p, 'limit') ?? 500);
  const side = (sign: number): string[][] => Array.from({ length: n }, (_, i) => [priceText(last + sign * (i + (sign > 0 ? 1 : 0)), r), '10']);
  return { lastUpdateId: ctx.feed.nowMs, E: ctx.feed.nowMs, T: ctx.feed.nowMs, bids: side(-1), asks: side(1) };
}

/** Public market-data endpoints. Prices are the simulator's (candle replay or random walk); mark = last. */
export const MARKET_ROUTES: Route[] = [
  { method: 'GET', path: '/fapi/v1/ping', security: 'NONE', weight: 1, handler: () => ({}) },
  { method: 'GET', path: '/fapi/v1/time', security: 'NONE', weight: 1, handler: (ctx) => ({ serverTime: ctx.wallNowMs() }) },
  { method: 'GET', path: '/fapi/v1/exchangeInfo', security: 'NONE', weight: 1, raw: true, handler: (ctx) => ctx.exchangeInfoText() },
  { method: 'GET', path: '/fapi/v1/klines', security: 'NONE', weight: klinesWeight, handler: (ctx, p) => klines(ctx, p, 'symbol') },
  { method: 'GET', path: '/fapi/v1/continuousKlines', security: 'NONE', weight: klinesWeight, handler: (ctx, p) => klines(ctx, p, 'pair') },
  { method: 'GET', path: '/fapi/v1/markPriceKlines', security: 'NONE', weight: klinesWeight, handler: (ctx, p) => klines(ctx, p, 'symbol') },
  { method: 'GET', path: '/fapi/v1/indexPriceKlines', security: 'NONE', weight: klinesWeight, handler: (ctx, p) => klines(ctx, p, 'pair') },
  { method: 'GET', path: '/fapi/v1/ticker/24hr', security: 'NONE', weight: (p) => (p['symbol'] ? 1 : 40), handler: (ctx, p) => one(ctx, p, (r) => ticker24h(ctx, r)) },
  {
    method: 'GET', path: '/fapi/v1/ticker/price', security: 'NONE', weight: (p) => (p['symbol'] ? 1 : 2),
    handler: (ctx, p) => one(ctx, p, (r) => ({ symbol: r.symbol, price: priceText(ctx.engine.lastPrice(r.symbol), r), time: ctx.feed.nowMs })),
  },
  {
    method: 'GET', path: '/fapi/v2/ticker/price', security: 'NONE', weight: (p) => (p['symbol'] ? 1 : 2),
    handler: (ctx, p) => one(ctx, p, (r) => ({ symbol: r.symbol, price: priceText(ctx.engine.lastPrice(r.symbol), r), time: ctx.feed.nowMs })),
  },
  { method: 'GET', path: '/fapi/v1/ticker/bookTicker', security: 'NONE', weight: (p) => (p['symbol'] ? 2 : 5), handler: (ctx, p) => one(ctx, p, (r) => bookTicker(ctx, r)) },
  { method: 'GET', path: '/fapi/v1/premiumIndex', security: 'NONE', weight: 1, handler: (ctx, p) => one(ctx, p, (r) => premiumIndex(ctx, r)) },
  { method: 'GET', path: '/fapi/v1/depth', security: 'NONE', weight: 5, handler: (ctx, p) => depth(ctx, p) },
  {
    method: 'GET', path: '/fapi/v1/aggTrades', security: 'NONE', weight: 20,
    handler: (ctx, p) => {
      const r = ctx.engine.rulesOf(p['symbol']);
      const t = ctx.feed.nowMs;
      return [{ a: t, p: priceText(ctx.engine.mark(r.symbol), r), q: qtyText(r.limitQty.minSteps, r), f: t, l: t, T: t, m: false }];
    },
  },
  {
    // Binance: startTime/endTime inclusive, limit default 100, max 1000; settlements up to now only.
    method: 'GET', path: '/fapi/v1/fundingRate', security: 'NONE', weight: 1,
    handler: (ctx, p) => {
      const symbol = p['symbol'] !== undefined ? ctx.engine.rulesOf(p['symbol']).symbol : undefined;
      const limit = Math.min(1000, Math.max(1, intParam(p, 'limit') ?? 100));
      const startTime = intParam(p, 'startTime');
      const endTime = intParam(p, 'endTime');
      return ctx.funding.history(symbol, { limit, ...(startTime !== undefined ? { startTime } : {}), ...(endTime !== undefined ? { endTime } : {}) });
    },
  },
];
