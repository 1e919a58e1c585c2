import { maintRate } from './account.ts';
import type { Engine } from './engine.ts';
import { type SymbolRules, priceNum, priceText, qtyNum, qtyText } from './markets.ts';
import type { SimAlgoOrder, SimFill, SimOrder } from './orders.ts';

/**
 * Binance USDⓈ-M JSON shapes (REST responses and user-data events), built from the engine's records.
 * Numbers are strings as Binance sends them; ids and times are numbers.
 */
const money = (x: number): string => (Object.is(x, -0) ? 0 : x).toFixed(8);
const avgDecimals = (r: SymbolRules): number => Math.max(5, r.pricePrecision + 2);

function avgPrice(o: SimOrder, r: SymbolRules): string {
  return o.executedSteps === 0 ? (0).toFixed(avgDecimals(r)) : (o.cumQuote / qtyNum(o.executedSteps, r)).toFixed(avgDecimals(r));
}

/** A matching-engine order (`/fapi/v1/order`); `time` is on queries, not on create/cancel answers. */
export function orderJson(o: SimOrder, r: SymbolRules, withTime: boolean): Record<string, unknown> {
  return {
    orderId: o.orderId,
    symbol: o.symbol,
    status: o.status,
    clientOrderId: o.clientOrderId,
    price: priceText(o.priceTicks, r),
    avgPrice: avgPrice(o, r),
    origQty: qtyText(o.qtySteps, r),
    executedQty: qtyText(o.executedSteps, r),
    cumQty: qtyText(o.executedSteps, r),
    cumQuote: o.cumQuote.toFixed(5),
    timeInForce: o.timeInForce,
    type: o.type,
    reduceOnly: o.reduceOnly,
    closePosition: o.closePosition,
    side: o.side,
    positionSide: 'BOTH',
    stopPrice: priceText(o.stopPriceTicks, r),
    workingType: o.workingType,
    priceProtect: o.priceProtect,
    origType: o.origType,
    priceMatch: 'NONE',
    selfTradePreventionMode: 'EXPIRE_MAKER',
    goodTillDate: 0,
    ...(withTime ? { time: o.time } : {}),
    updateTime: o.updateTime,
  };
}

/** An Algo Service order (`/fapi/v1/algoOrder`), with the triggered order's fill once it has one. */
export function algoJson(a: SimAlgoOrder, r: SymbolRules, engine: Engine): Record<string, unknown> {
  const actual = a.actualOrderId === undefined ? undefined : engine.orders.get(a.actualOrderId);
  return {
    algoId: a.algoId,
    clientAlgoId: a.clientAlgoId,
    algoType: 'CONDITIONAL',
    orderType: a.orderType,
    symbol: a.symbol,
    side: a.side,
    positionSide: 'BOTH',
    timeInForce: a.timeInForce,
    quantity: qtyText(a.qtySteps, r),
    algoStatus: a.algoStatus,
    actualOrderId: actual ? String(actual.orderId) : '',
    actualPrice: actual ? avgPrice(actual, r) : '',
    executedQty: qtyText(actual?.executedSteps ?? 0, r),
    avgPrice: actual ? avgPrice(actual, r) : (0).toFixed(avgDecimals(r)),
    triggerPrice: priceText(a.triggerPriceTicks, r),
    price: priceText(a.priceTicks, r),
    icebergQuantity: null,
    selfTradePreventionMode: 'EXPIRE_MAKER',
    workingType: a.workingType,
    priceMatch: 'NONE',
    closePosition: a.closePosition,
    priceProtect: a.priceProtect,
    reduceOnly: a.reduceOnly,
    activatePrice: '',
    callbackRate: '',
    createTime: a.createTime,
    updateTime: a.updateTime,
    triggerTime: a.triggerTime,
    goodTillDate: 0,
  };
}

export function tradeJson(f: SimFill, r: SymbolRules): Record<string, unknown> {
  return {
    buyer: f.side === 'BUY',
    commission: money(f.commission),
    commissionAsset: f.commissionAsset,
    id: f.tradeId,
    maker: f.maker,
    orderId: f.orderId,
    price: priceText(f.priceTicks, r),
    qty: qtyText(f.qtySteps, r),
    quoteQty: f.quoteQty.toFixed(8),
    realizedPnl: money(f.realizedPnl),
    side: f.side,
    positionSide: 'BOTH',
    symbol: f.symbol,
    time: f.time,
  };
}

interface PositionNumbers {
  amt: number;
  entry: number;
  mark: number;
  unrealized: number;
  notional: number;
  initialMargin: number;
  maintMargin: number;
  openOrderMargin: number;
}

function positionNumbers(engine: Engine, r: SymbolRules): PositionNumbers {
  const p = engine.account.position(r.symbol);
  const markTicks = engine.mark(r.symbol);
  const mark = priceNum(markTicks, r);
  const amt = qtyNum(p.amtSteps, r);
  const notional = amt * mark;
  return {
    amt, entry: p.entryPrice, mark, notional,
    unrealized: engine.account.unrealized(r, markTicks),
    initialMargin: engine.account.positionMargin(r, markTicks),
    maintMargin: Math.abs(notional) * maintRate(r.symbol, Math.abs(notional)),
    openOrderMargin: engine.openOrderMargin(r.symbol),
  };
}

/** Symbols with a position or open orders (what v3 account/positionRisk list). */
export function activeSymbols(engine: Engine): string[] {
  const out = new Set<string>();
  for (const p of engine.account.positions.values()) if (p.amtSteps !== 0) out.add(p.symbol);
  for (const o of engine.openOrders()) out.add(o.symbol);
  return [...out].sort();
}

/** `GET /fapi/v3/positionRisk` (v2 adds leverage and margin type). */
export function positionRiskJson(engine: Engine, r: SymbolRules, v2: boolean): Record<string, unknown> {
  const n = positionNumbers(engine, r);
  const p = engine.account.position(r.symbol);
  const base = {
    symbol: r.symbol,
    positionSide: 'BOTH',
    positionAmt: qtyText(p.amtSteps, r),
    entryPrice: n.entry.toFixed(8),
    breakEvenPrice: n.entry.toFixed(8),
    markPrice: n.mark.toFixed(8),
    unRealizedProfit: money(n.unrealized),
    liquidationPrice: engine.account.liquidationPrice(r).toFixed(8),
    isolatedMargin: '0',
    notional: money(n.notional),
    marginAsset: r.marginAsset,
    isolatedWallet: '0',
    initialMargin: money(n.initialMargin + n.openOrderMargin),
    maintMargin: money(n.maintMargin),
    positionInitialMargin: money(n.initialMargin),
    openOrderInitialMargin: money(n.openOrderMargin),
    adl: 0,
    bidNotional: '0',
    askNotional: '0',
    updateTime: p.updateTime,
  };
  if (!v2) return base;
  return { ...base, leverage: String(p.leverage), marginType: p.marginType === 'CROSSED' ? 'cross' : 'isolated', isAutoAddMargin: 'false', maxNotionalValue: '0' };
}

/** `GET /fapi/v2|v3/account`. */
export function accountJson(engine: Engine): Record<string, unknown> {
  const acc = engine.account;
  let upnl = 0;
  let im = 0;
  let mm = 0;
  const positions = activeSymbols(engine).map((s) => {
    const r = engine.rulesOf(s);
    const n = positionNumbers(engine, r);
    upnl += n.unrealized;
    im += n.initialMargin;
    mm += n.maintMargin;
    return {
      symbol: s, positionSide: 'BOTH', positionAmt: qtyText(acc.position(s).amtSteps, r), unrealizedProfit: money(n.unrealized),
      isolatedMargin: '0', notional: money(n.notional), isolatedWallet: '0', initialMargin: money(n.initialMargin + n.openOrderMargin),
      maintMargin: money(n.maintMargin), updateTime: acc.position(s).updateTime,
    };
  });
  const orderIm = engine.openOrderMargin();
  const available = engine.availableBalance();
  const asset = {
    asset: acc.asset, walletBalance: money(acc.wallet), unrealizedProfit: money(upnl), marginBalance: money(acc.wallet + upnl),
    maintMargin: money(mm), initialMargin: money(im + orderIm), positionInitialMargin: money(im), openOrderInitialMargin: money(orderIm),
    crossWalletBalance: money(acc.wallet), crossUnPnl: money(upnl), availableBalance: money(available),
    maxWithdrawAmount: money(Math.max(0, Math.min(acc.wallet, available))), marginAvailable: true, updateTime: engine.now(),
  };
  return {
    totalInitialMargin: money(im + orderIm), totalMaintMargin: money(mm), totalWalletBalance: money(acc.wallet),
    totalUnrealizedProfit: money(upnl), totalMarginBalance: money(acc.wallet + upnl), totalPositionInitialMargin: money(im),
    totalOpenOrderInitialMargin: money(orderIm), totalCrossWalletBalance: money(acc.wallet), totalCrossUnPnl: money(upnl),
    availableBalance: money(available), maxWithdrawAmount: asset.maxWithdrawAmount, assets: [asset], positions,
  };
}

/** `GET /fapi/v2|v3/balance`. */
export function balanceJson(engine: Engine): Array<Record<string, unknown>> {
  const a = accountJson(engine)['assets'] as Array<Record<string, unknown>>;
  return a.map((x) => ({
    accountAlias: 'SimAccount', asset: x['asset'], balance: x['walletBalance'], crossWalletBalance: x['crossWalletBalance'],
    crossUnPnl: x['crossUnPnl'], availableBalance: x['availableBalance'], maxWithdrawAmount: x['maxWithdrawAmount'],
    marginAvailable: true, updateTime: x['updateTime'],
  }));
}

/** User-data `ORDER_TRADE_UPDATE`. */
export function orderTradeUpdate(o: SimOrder, r: SymbolRules, execType: string, fill: SimFill | undefined, timeMs: number): Record<string, unknown> {
  return {
    e: 'ORDER_TRADE_UPDATE', E: timeMs, T: timeMs,
    o: {
      s: o.symbol, c: o.clientOrderId, S: o.side, o: o.type, f: o.timeInForce, q: qtyText(o.qtySteps, r), p: priceText(o.priceTicks, r),
      ap: avgPrice(o, r), sp: priceText(o.stopPriceTicks, r), x: execType, X: o.status, i: o.orderId,
      l: qtyText(fill?.qtySteps ?? 0, r), z: qtyText(o.executedSteps, r), L: priceText(fill?.priceTicks ?? 0, r),
      ...(fill ? { N: fill.commissionAsset, n: money(fill.commission) } : {}),
      T: timeMs, t: fill?.tradeId ?? 0, b: '0', a: '0', m: fill?.maker ?? false, R: o.reduceOnly, wt: o.workingType, ot: o.origType,
      ps: 'BOTH', cp: o.closePosition, rp: money(fill?.realizedPnl ?? 0), pP: o.priceProtect, si: 0, ss: 0, V: 'EXPIRE_MAKER', pm: 'NONE', gtd: 0,
    },
  };
}

/** User-data `ALGO_UPDATE`. */
export function algoUpdate(a: SimAlgoOrder, r: SymbolRules, engine: Engine, timeMs: number): Record<string, unknown> {
  const actual = a.actualOrderId === undefined ? undefined : engine.orders.get(a.actualOrderId);
  return {
    e: 'ALGO_UPDATE', T: timeMs, E: timeMs,
    o: {
      caid: a.clientAlgoId, aid: a.algoId, at: 'CONDITIONAL', o: a.orderType, s: a.symbol, S: a.side, ps: 'BOTH', f: a.timeInForce,
      q: qtyText(a.qtySteps, r), X: a.algoStatus, ai: actual ? String(actual.orderId) : '', ap: actual ? avgPrice(actual, r) : '0.00000',
      aq: qtyText(actual?.executedSteps ?? 0, r), act: actual ? actual.type : '0', tp: priceText(a.triggerPriceTicks, r),
      p: priceText(a.priceTicks, r), V: 'EXPIRE_MAKER', wt: a.workingType, pm: 'NONE', cp: a.closePosition, pP: a.priceProtect,
      R: a.reduceOnly, tt: a.triggerTime, gtd: 0, ...(a.rejectReason ? { rm: a.rejectReason } : {}),
    },
  };
}

/** User-data `ACCOUNT_UPDATE` after a fill (reason ORDER): the balance and the symbol's position. */
export function accountUpdate(engine: Engine, r: SymbolRules, timeMs: number): Record<string, unknown> {
  const p = engine.account.position(r.symbol);
  const n = positionNumbers(engine, r);
  const realized = engine.fills.filter((f) => f.symbol === r.symbol).reduce((s, f) => s + f.realizedPnl, 0);
  return {
    e: 'ACCOUNT_UPDATE', E: timeMs, T: timeMs,
    a: {
      m: 'ORDER',
      B: [{ a: engine.account.asset, wb: money(engine.account.wallet), cw: money(engine.account.wallet), bc: '0' }],
      P: [{ s: r.symbol, pa: qtyText(p.amtSteps, r), ep: n.entry.toFixed(8), bep: n.entry.toFixed(8), cr: money(realized), up: money(n.unrealized), mt: 'cross', iw: '0', ps: 'BOTH' }],
    },
  };
}

/**
 * User-data `ACCOUNT_UPDATE` of a funding settlement (reason FUNDING_FEE), as Binance sends it: the
 * balance only (`bc`: the funding amount), and the position only when it is isolated.
 */
export function fundingAccountUpdate(engine: Engine, r: SymbolRules, amount: number, timeMs: number): Record<string, unknown> {
  const acc = engine.account;
  const isolated = acc.marginType(r.symbol) === 'ISOLATED';
  const P = isolated ? (accountUpdate(engine, r, timeMs)['a'] as { P: unknown[] }).P.map((p) => ({ ...(p as object), mt: 'isolated' })) : [];
  return {
    e: 'ACCOUNT_UPDATE', E: timeMs, T: timeMs,
    a: { m: 'FUNDING_FEE', B: [{ a: acc.asset, wb: money(acc.wallet), cw: money(acc.wallet), bc: money(amount) }], P },
  };
}

/** `GET /fapi/v1/income` records: Binance's shape (`income` a string with 8 decimals, `tranId` a number, `tradeId` a string). */
export function incomeJson(x: { symbol: string; incomeType: string; income: number; asset: string; time: number; tranId: number; tradeId: string }): Record<string, unknown> {
  return { symbol: x.symbol, incomeType: x.incomeType, income: money(x.income), asset: x.asset, info: x.incomeType, time: x.time, tranId: x.tranId, tradeId: x.tradeId };
}
