import type { Engine } from './engine.ts';
import { simError, simErrorWithMessage } from './errors.ts';
import { intParam } from './market-routes.ts';
import { type Params, parseNewAlgoOrder, parseNewOrder, required } from './order-params.ts';
import type { SimAlgoOrder, SimOrder } from './orders.ts';
import type { RestContext, Route } from './routes.ts';
import { algoJson, orderJson, tradeJson } from './wire.ts';

const CANCEL_ALL_DONE = { code: 200, msg: 'The operation of cancel all open order is done.' };

/**
 * The simulator trades one-way only: in hedge mode (switched on by `POST /fapi/v1/positionSide/dual`)
 * Binance wants LONG or SHORT on every order, and refuses one without it (-4061) as it does here.
 */
function oneWayMode(engine: Engine): void {
  if (engine.account.modes.dualSidePosition) throw simError('-4061');
}

function lookupOrder(engine: Engine, p: Params): SimOrder | undefined {
  const symbol = engine.rulesOf(required(p, 'symbol')).symbol;
  const orderId = intParam(p, 'orderId');
  const cid = p['origClientOrderId'];
  if (orderId === undefined && !cid) throw simErrorWithMessage('-1102', "Param 'orderId' or 'origClientOrderId' must be sent, but both were empty/null!");
  return engine.findOrder(symbol, orderId, cid);
}

function lookupAlgo(engine: Engine, p: Params): SimAlgoOrder | undefined {
  const algoId = intParam(p, 'algoId');
  const cid = p['clientAlgoId'];
  if (algoId === undefined && !cid) throw simErrorWithMessage('-1102', "Param 'algoId' or 'clientAlgoId' must be sent, but both were empty/null!");
  const a = engine.findAlgo(algoId, cid);
  return a && (p['symbol'] === undefined || a.symbol === p['symbol']) ? a : undefined;
}

/**
 * Binance history queries: with `fromId`/`orderId`, the first `limit` from that id; otherwise the most
 * recent `limit` within [startTime, endTime].
 */
function page<T>(items: T[], p: Params, id: (t: T) => number, time: (t: T) => number, fromParam: string): T[] {
  const limit = Math.min(1000, Math.max(1, intParam(p, 'limit') ?? 500));
  const from = intParam(p, fromParam);
  const start = intParam(p, 'startTime') ?? -Infinity;
  const end = intParam(p, 'endTime') ?? Infinity;
  const sorted = [...items].sort((a, b) => id(a) - id(b)).filter((x) => time(x) >= start && time(x) <= end);
  if (from !== undefined) return sorted.filter((x) => id(x) >= from).slice(0, limit);
  return sorted.slice(-limit);
}

const ordersOf = (ctx: RestContext, symbol: string): SimOrder[] => [...ctx.engine.orders.values()].filter((o) => o.symbol === symbol);
const algosOf = (ctx: RestContext, symbol: string | undefined): SimAlgoOrder[] =>
  [...ctx.engine.algos.values()].filter((a) => symbol === undefined || a.symbol === symbol);

/** Orders (matching engine), conditional orders (Algo Service) and the account's trades. */
export const TRADE_ROUTES: Route[] = [
  {
    method: 'POST', path: '/fapi/v1/order', security: 'SIGNED', weight: 0, order: true,
    handler: (ctx, p) => {
      const r = ctx.engine.rulesOf(required(p, 'symbol'));
      const input = parseNewOrder(p, r, ctx.engine.mark(r.symbol));
      oneWayMode(ctx.engine);
      const o = ctx.engine.newOrder(input);
      if (input.respType === 'ACK') return { ...orderJson({ ...o, status: 'NEW', executedSteps: 0, cumQuote: 0 }, r, false) };
      return orderJson(o, r, false);
    },
  },
  {
    method: 'GET', path: '/fapi/v1/order', security: 'SIGNED', weight: 1,
    handler: (ctx, p) => {
      const o = lookupOrder(ctx.engine, p);
      if (!o) throw simError('-2013');
      return orderJson(o, ctx.engine.rulesOf(o.symbol), true);
    },
  },
  {
    method: 'GET', path: '/fapi/v1/openOrder', security: 'SIGNED', weight: 1,
    handler: (ctx, p) => {
      const o = lookupOrder(ctx.engine, p);
      if (!o || (o.status !== 'NEW' && o.status !== 'PARTIALLY_FILLED')) throw simErrorWithMessage('-2013', 'Order does not exist.');
      return orderJson(o, ctx.engine.rulesOf(o.symbol), true);
    },
  },
  {
    method: 'DELETE', path: '/fapi/v1/order', security: 'SIGNED', weight: 1,
    handler: (ctx, p) => {
      const o = ctx.engine.cancelOrder(lookupOrder(ctx.engine, p));
      return orderJson(o, ctx.engine.rulesOf(o.symbol), false);
    },
  },
  {
    method: 'DELETE', path: '/fapi/v1/allOpenOrders', security: 'SIGNED', weight: 1,
    handler: (ctx, p) => {
      const symbol = ctx.engine.rulesOf(required(p, 'symbol')).symbol;
      for (const o of ctx.engine.openOrders(symbol)) ctx.engine.cancelOrder(o);
      return CANCEL_ALL_DONE;
    },
  },
  {
    method: 'GET', path: '/fapi/v1/openOrders', security: 'SIGNED', weight: (p) => (p['symbol'] ? 1 : 40),
    handler: (ctx, p) => {
      const symbol = p['symbol'] === undefined ? undefined : ctx.engine.rulesOf(p['symbol']).symbol;
      return ctx.engine.openOrders(symbol).map((o) => orderJson(o, ctx.engine.rulesOf(o.symbol), true));
    },
  },
  {
    method: 'GET', path: '/fapi/v1/allOrders', security: 'SIGNED', weight: 5,
    handler: (ctx, p) => {
      const r = ctx.engine.rulesOf(required(p, 'symbol'));
      return page(ordersOf(ctx, r.symbol), p, (o) => o.orderId, (o) => o.time, 'orderId').map((o) => orderJson(o, r, true));
    },
  },
  {
    method: 'GET', path: '/fapi/v1/userTrades', security: 'SIGNED', weight: 5,
    handler: (ctx, p) => {
      const r = ctx.engine.rulesOf(required(p, 'symbol'));
      let fills = ctx.engine.fills.filter((f) => f.symbol === r.symbol);
      const orderId = intParam(p, 'orderId');
      if (orderId !== undefined) fills = fills.filter((f) => f.orderId === orderId);
      return page(fills, p, (f) => f.tradeId, (f) => f.time, 'fromId').map((f) => tradeJson(f, r));
    },
  },
  {
    method: 'POST', path: '/fapi/v1/algoOrder', security: 'SIGNED', weight: 0, order: true,
    handler: (ctx, p) => {
      const r = ctx.engine.rulesOf(required(p, 'symbol'));
      const input = parseNewAlgoOrder(p, r);
      oneWayMode(ctx.engine);
      return algoJson(ctx.engine.newAlgoOrder(input), r, ctx.engine);
    },
  },
  {
    method: 'GET', path: '/fapi/v1/algoOrder', security: 'SIGNED', weight: 1,
    handler: (ctx, p) => {
      const a = lookupAlgo(ctx.engine, p);
      if (!a) throw simError('-2013');
      return algoJson(a, ctx.engine.rulesOf(a.symbol), ctx.engine);
    },
  },
  {
    method: 'DELETE', path: '/fapi/v1/algoOrder', security: 'SIGNED', weight: 1,
    handler: (ctx, p) => {
      const a = ctx.engine.cancelAlgo(lookupAlgo(ctx.engine, p));
      return { algoId: a.algoId, clientAlgoId: a.clientAlgoId, code: '200', msg: 'success' };
    },
  },
  {
    method: 'DELETE', path: '/fapi/v1/algoOpenOrders', security: 'SIGNED', weight: 1,
    handler: (ctx, p) => {
      const symbol = ctx.engine.rulesOf(required(p, 'symbol')).symbol;
      // One TRIGGERING cannot be cancelled (cancelAlgoOrder): passed over, the others cancelled (an assumption: Binance's docs do not say).
      for (const a of ctx.engine.openAlgos(symbol)) if (a.algoStatus === 'NEW') ctx.engine.cancelAlgo(a);
      return CANCEL_ALL_DONE;
    },
  },
  {
    method: 'GET', path: '/fapi/v1/openAlgoOrders', security: 'SIGNED', weight: (p) => (p['symbol'] ? 1 : 40),
    handler: (ctx, p) => {
      const symbol = p['symbol'] === undefined ? undefined : ctx.engine.rulesOf(p['symbol']).symbol;
      return ctx.engine.openAlgos(symbol).map((a) => algoJson(a, ctx.engine.rulesOf(a.symbol), ctx.engine));
    },
  },
  {
    method: 'GET', path: '/fapi/v1/allAlgoOrders', security: 'SIGNED', weight: 5,
    handler: (ctx, p) => {
      const r = ctx.engine.rulesOf(required(p, 'symbol'));
      return page(algosOf(ctx, r.symbol), p, (a) => a.algoId, (a) => a.createTime, 'algoId').map((a) => algoJson(a, r, ctx.engine));
    },
  },
];
