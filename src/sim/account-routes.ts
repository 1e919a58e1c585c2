import { bracketsFor, maxLeverage, maxNotionalAt } from './account.ts';
import { simError } from './errors.ts';
import { intParam } from './market-routes.ts';
import { required } from './order-params.ts';
import { MODE_ROUTES } from './mode-routes.ts';
import type { Route } from './routes.ts';
import type { Params } from './order-params.ts';
import type { RestContext } from './routes.ts';
import { accountJson, activeSymbols, balanceJson, incomeJson, positionRiskJson } from './wire.ts';

const SUCCESS = { code: 200, msg: 'success' };
const WEEK_MS = 7 * 86_400_000;

type IncomeRecord = Parameters<typeof incomeJson>[0];

/**
 * `GET /fapi/v1/income`: the account's FUNDING_FEE records (funding.ts), INSURANCE_CLEAR (liquidations'
 * clearance fees, clearance.ts), and REALIZED_PNL and COMMISSION from its fills (tranId 10 × tradeId + 1 / + 2). Binance's rules: startTime/endTime inclusive; with
 * neither, the last 7 days (of the simulator's clock); limit default 100, max 1000; ascending by time.
 */
function income(ctx: RestContext, p: Params): Array<Record<string, unknown>> {
  const symbol = p['symbol'] !== undefined ? ctx.engine.rulesOf(p['symbol']).symbol : undefined;
  const type = p['incomeType'];
  const limit = Math.min(1000, Math.max(1, intParam(p, 'limit') ?? 100));
  let start = intParam(p, 'startTime');
  const end = intParam(p, 'endTime') ?? Infinity;
  if (start === undefined && end === Infinity) start = ctx.feed.nowMs - WEEK_MS;
  const asset = ctx.engine.account.asset;
  const all: IncomeRecord[] = ctx.funding.charges.map((c) => ({ symbol: c.symbol, incomeType: 'FUNDING_FEE', income: c.amount, asset, time: c.timeMs, tranId: c.tranId, tradeId: '' }));
  for (const c of ctx.clearances.charges) all.push({ symbol: c.symbol, incomeType: 'INSURANCE_CLEAR', income: c.amount, asset, time: c.timeMs, tranId: c.tranId, tradeId: '' });
  for (const f of ctx.engine.fills) {
    if (f.realizedPnl !== 0) all.push({ symbol: f.symbol, incomeType: 'REALIZED_PNL', income: f.realizedPnl, asset, time: f.time, tranId: f.tradeId * 10 + 1, tradeId: String(f.tradeId) });
    if (f.commission !== 0) all.push({ symbol: f.symbol, incomeType: 'COMMISSION', income: -f.commission, asset: f.commissionAsset, time: f.time, tranId: f.tradeId * 10 + 2, tradeId: String(f.tradeId) });
  }
  return all
    .filter((x) => (symbol === undefined || x.symbol === symbol) && (type === undefined || x.incomeType === type) && x.time >= (start ?? -Infinity) && x.time <= end)
    .sort((a, b) => a.time - b.time || a.tranId - b.tranId)
    .slice(0, limit)
    .map(incomeJson);
}

function bracketJson(symbol: string): Record<string, unknown> {
  return { symbol, notionalCoef: 1.0, brackets: bracketsFor(symbol) };
}

/** Account, positions (one-way mode only), leverage, margin type, the account modes and the user-data listenKey. */
export const ACCOUNT_ROUTES: Route[] = [
  { method: 'GET', path: '/fapi/v2/account', security: 'SIGNED', weight: 5, handler: (ctx) => accountJson(ctx.engine) },
  { method: 'GET', path: '/fapi/v3/account', security: 'SIGNED', weight: 5, handler: (ctx) => accountJson(ctx.engine) },
  { method: 'GET', path: '/fapi/v2/balance', security: 'SIGNED', weight: 5, handler: (ctx) => balanceJson(ctx.engine) },
  { method: 'GET', path: '/fapi/v3/balance', security: 'SIGNED', weight: 5, handler: (ctx) => balanceJson(ctx.engine) },
  ...(['v2', 'v3'] as const).map(
    (v): Route => ({
      method: 'GET', path: `/fapi/${v}/positionRisk`, security: 'SIGNED', weight: 5,
      handler: (ctx, p) => {
        const symbols = p['symbol'] !== undefined ? [ctx.engine.rulesOf(p['symbol']).symbol] : activeSymbols(ctx.engine);
        return symbols.map((s) => positionRiskJson(ctx.engine, ctx.engine.rulesOf(s), v === 'v2'));
      },
    }),
  ),
  {
    method: 'GET', path: '/fapi/v1/leverageBracket', security: 'SIGNED', weight: 1,
    handler: (ctx, p) => {
      if (p['symbol'] !== undefined) return [bracketJson(ctx.engine.rulesOf(p['symbol']).symbol)];
      return [...ctx.engine.rules.values()].filter((r) => r.status === 'TRADING').map((r) => bracketJson(r.symbol));
    },
  },
  {
    method: 'POST', path: '/fapi/v1/leverage', security: 'SIGNED', weight: 1,
    handler: (ctx, p) => {
      const r = ctx.engine.rulesOf(required(p, 'symbol'));
      const lev = intParam(p, 'leverage');
      if (lev === undefined) throw simError('-1102', 'leverage');
      if (lev < 1 || lev > maxLeverage(r.symbol)) throw simError('-4028', lev);
      ctx.engine.account.setLeverage(r.symbol, lev);
      return { leverage: lev, maxNotionalValue: String(maxNotionalAt(r.symbol, lev)), symbol: r.symbol };
    },
  },
  {
    method: 'POST', path: '/fapi/v1/marginType', security: 'SIGNED', weight: 1,
    handler: (ctx, p) => {
      const r = ctx.engine.rulesOf(required(p, 'symbol'));
      const t = required(p, 'marginType').toUpperCase();
      if (t !== 'ISOLATED' && t !== 'CROSSED') throw simError('-1130', 'marginType');
      if (t === 'ISOLATED' && ctx.engine.account.modes.multiAssetsMargin) throw simError('-4168');
      if (ctx.engine.account.marginType(r.symbol) === t) throw simError('-4046');
      if (ctx.engine.account.position(r.symbol).amtSteps !== 0) throw simError('-4048');
      if (ctx.engine.openOrders(r.symbol).length > 0) throw simError('-4047');
      ctx.engine.account.setMarginType(r.symbol, t);
      return SUCCESS;
    },
  },
  {
    method: 'GET', path: '/fapi/v1/symbolConfig', security: 'SIGNED', weight: 5,
    handler: (ctx, p) => {
      const all = [...ctx.engine.rules.values()].filter((r) => r.status === 'TRADING').map((r) => r.symbol);
      const symbols = p['symbol'] !== undefined ? [ctx.engine.rulesOf(p['symbol']).symbol] : all;
      return symbols.map((s) => {
        const lev = ctx.engine.account.leverage(s);
        return { symbol: s, marginType: ctx.engine.account.marginType(s), isAutoAddMargin: 'false', leverage: lev, maxNotionalValue: String(maxNotionalAt(s, lev)) };
      });
    },
  },
  { method: 'GET', path: '/fapi/v1/income', security: 'SIGNED', weight: 30, handler: (ctx, p) => income(ctx, p) },
  ...MODE_ROUTES,
  {
    method: 'GET', path: '/fapi/v1/commissionRate', security: 'SIGNED', weight: 20,
    handler: (ctx, p) => ({
      symbol: ctx.engine.rulesOf(required(p, 'symbol')).symbol,
      makerCommissionRate: (ctx.fees.makerFeePct / 100).toFixed(6),
      takerCommissionRate: (ctx.fees.takerFeePct / 100).toFixed(6),
    }),
  },
  { method: 'POST', path: '/fapi/v1/listenKey', security: 'USER_STREAM', weight: 1, handler: (ctx) => ({ listenKey: ctx.listenKeys.create() }) },
  {
    method: 'PUT', path: '/fapi/v1/listenKey', security: 'USER_STREAM', weight: 1,
    handler: (ctx) => {
      const key = ctx.listenKeys.current();
      if (!key) throw simError('-1125');
      return { listenKey: key };
    },
  },
  {
    method: 'DELETE', path: '/fapi/v1/listenKey', security: 'USER_STREAM', weight: 1,
    handler: (ctx) => {
      ctx.listenKeys.close();
      return {};
    },
  },
];
