import type { MarketRules } from '../../core/market/market-rules.ts';
import { asSteps, asTicks } from '../../core/units.ts';
import { ExchangeError, type ExchangeErrorCode } from '../errors.ts';
import {
  type AlgoInput, type AlgoOrder, type AlgoStatus, type BookOrder, type Execution, type MatchRules, type OrderInput,
  type OrderStatus as BookStatus, priceOf, qtyOf,
} from '../matching/index.ts';
import type { OrderRequest, OrderState, OrderStatus, Trade } from '../port.ts';

/**
 * Between the port's vocabulary and the matching engine's records, for paper mode: requests become
 * engine inputs the way the ccxt adapter sends them to Binance (a stop goes to the Algo Service as
 * STOP_MARKET on the mark price), records come back as the adapter reads Binance's answers.
 */

/** What the matching engine needs of a market. */
export const matchRulesOf = (m: MarketRules): MatchRules => ({ symbol: m.id, tickSize: m.tickSize, stepSize: m.stepSize, maxNumAlgoOrders: 10 });

const upper = (s: 'buy' | 'sell'): 'BUY' | 'SELL' => (s === 'buy' ? 'BUY' : 'SELL');
const lower = (s: 'BUY' | 'SELL'): 'buy' | 'sell' => (s === 'BUY' ? 'buy' : 'sell');

export function orderInputOf(r: OrderRequest): OrderInput {
  return {
    symbol: r.symbol, side: upper(r.side), type: r.type === 'limit' ? 'LIMIT' : 'MARKET', timeInForce: 'GTC',
    qtySteps: r.amountSteps ?? 0, priceTicks: r.type === 'limit' ? (r.priceTicks ?? 0) : 0, reduceOnly: r.reduceOnly, clientOrderId: r.clientOrderId,
  };
}

export function algoInputOf(r: OrderRequest): AlgoInput {
  const closePosition = r.closePosition === true;
  return {
    symbol: r.symbol, side: upper(r.side), orderType: 'STOP_MARKET', qtySteps: closePosition ? 0 : (r.amountSteps ?? 0), priceTicks: 0,
    triggerPriceTicks: r.stopPriceTicks ?? 0, timeInForce: closePosition ? 'GTE_GTC' : 'GTC', workingType: 'MARK_PRICE',
    // Binance refuses reduceOnly beside closePosition (-1106): a closePosition order is reduce-only by nature.
    closePosition, reduceOnly: closePosition ? false : r.reduceOnly, priceProtect: false, clientAlgoId: r.clientOrderId,
  };
}

/**
 * The checks Binance makes on the request itself before the matching engine sees it (the simulator
 * makes them on its wire): a quantity within LOT_SIZE / MARKET_LOT_SIZE, and MIN_NOTIONAL on orders
 * that are not reduce-only (-4164 says "unless you choose reduce only"; SPEC R3, F17).
 */
export function requestRejection(r: OrderRequest, m: MarketRules, markTicks: number): ExchangeError | null {
  const reject = (code: number, msg: string): ExchangeError => new ExchangeError('rejected', msg, code);
  if (r.type === 'limit' && (r.priceTicks ?? 0) <= 0) return reject(-4013, 'Price less than min price.');
  if (r.type === 'stop_market' && (r.stopPriceTicks ?? 0) <= 0) return reject(-4006, 'Stop price less than zero.');
  if (r.type === 'stop_market' && r.closePosition) return null;
  const steps = r.amountSteps ?? 0;
  if (steps <= 0) return reject(-4003, 'Quantity less than or equal to zero.');
  const kind = r.type === 'limit' ? 'limit' : 'market';
  if (steps < m.minQtySteps[kind]) return reject(-4004, 'Quantity less than min quantity.');
  if (steps > m.maxQtySteps[kind]) return reject(-4005, 'Quantity greater than max quantity.');
  if (r.reduceOnly && !m.minNotionalAppliesToReduceOnly) return null;
  const at = r.type === 'limit' ? r.priceTicks! : r.type === 'stop_market' ? r.stopPriceTicks! : markTicks;
  const rules = matchRulesOf(m);
  if (qtyOf(steps, rules) * priceOf(at, rules) < m.minNotional) return reject(-4164, `Order's notional must be no smaller than ${m.minNotional} (unless you choose reduce only).`);
  return null;
}

/** The port's class of each refusal the matching engine gives (the same classes the ccxt adapter gives). */
const CLASS_OF: Readonly<Record<string, ExchangeErrorCode>> = {
  '-2011': 'notFound',
  '-2019': 'insufficientMargin',
  '-2022': 'reduceOnlyRejected',
  '-4118': 'reduceOnlyRejected',
  '-4116': 'duplicate',
};

export const exchangeErrorOf = (e: { code: string; msg: string }): ExchangeError => new ExchangeError(CLASS_OF[e.code] ?? 'rejected', e.msg, Number(e.code));

const BOOK_STATUS: Record<BookStatus, OrderStatus> = { NEW: 'open', PARTIALLY_FILLED: 'open', FILLED: 'filled', CANCELED: 'canceled', EXPIRED: 'expired' };
/** A triggered stop is done once its market order is: FINISHED, as ccxt reads Binance's algo status. */
const ALGO_STATUS: Record<AlgoStatus, OrderStatus> = { NEW: 'open', TRIGGERING: 'open', TRIGGERED: 'filled', FINISHED: 'filled', CANCELED: 'canceled', EXPIRED: 'expired', REJECTED: 'rejected' };

const average = (o: BookOrder | undefined, r: MatchRules): number | null => (o && o.executedSteps > 0 ? o.cumQuote / qtyOf(o.executedSteps, r) : null);

export function bookOrderState(o: BookOrder, r: MatchRules): OrderState {
  return {
    clientOrderId: o.clientOrderId, orderId: String(o.orderId), symbol: o.symbol, side: lower(o.side), type: o.type === 'LIMIT' ? 'limit' : 'market',
    status: BOOK_STATUS[o.status], amountSteps: asSteps(o.qtySteps), filledSteps: asSteps(o.executedSteps), averagePrice: average(o, r),
    reduceOnly: o.reduceOnly || o.closePosition, closePosition: o.closePosition, stopPriceTicks: null, timeMs: o.time,
  };
}

/** A stop, with the fill of the market order its trigger placed (`actual`). */
export function algoOrderState(a: AlgoOrder, actual: BookOrder | undefined, r: MatchRules): OrderState {
  return {
    clientOrderId: a.clientAlgoId, orderId: String(a.algoId), symbol: a.symbol, side: lower(a.side), type: 'stop_market',
    status: ALGO_STATUS[a.algoStatus], amountSteps: asSteps(a.qtySteps), filledSteps: asSteps(actual?.executedSteps ?? 0), averagePrice: average(actual, r),
    reduceOnly: a.reduceOnly || a.closePosition, closePosition: a.closePosition, stopPriceTicks: asTicks(a.triggerPriceTicks), timeMs: a.createTime,
  };
}

export function tradeOf(f: Execution, r: MatchRules): Trade {
  return {
    tradeId: String(f.tradeId), orderId: String(f.orderId), clientOrderId: f.clientOrderId, symbol: f.symbol, side: lower(f.side),
    qtySteps: asSteps(f.qtySteps), price: priceOf(f.priceTicks, r), fee: f.commission, timeMs: f.time,
  };
}
