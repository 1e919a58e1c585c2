import { simError } from './errors.ts';
import { type SymbolRules, decimalsOf, exactUnits, priceNum, qtyNum } from './markets.ts';
import type { AlgoInput, OrderInput } from '../exchange/matching/index.ts';
import type { Side, TimeInForce } from './orders.ts';

export type Params = Readonly<Record<string, string>>;

/** A validated `POST /fapi/v1/order`. */
export interface NewOrderInput extends OrderInput {
  readonly respType: 'ACK' | 'RESULT';
}

/** A validated `POST /fapi/v1/algoOrder` (algoType CONDITIONAL). */
export type NewAlgoInput = AlgoInput;

const CLIENT_ID = /^[.A-Z:/a-z0-9_-]{1,36}$/;
const CONDITIONAL = new Set(['STOP', 'STOP_MARKET', 'TAKE_PROFIT', 'TAKE_PROFIT_MARKET', 'TRAILING_STOP_MARKET']);

export function required(p: Params, name: string): string {
  const v = p[name];
  if (v === undefined || v === '') throw simError('-1102', name);
  return v;
}

function bool(p: Params, name: string): boolean {
  const v = p[name];
  if (v === undefined || v === '') return false;
  if (v.toLowerCase() === 'true') return true;
  if (v.toLowerCase() === 'false') return false;
  throw simError('-1130', name);
}

function side(p: Params): Side {
  const s = required(p, 'side');
  if (s !== 'BUY' && s !== 'SELL') throw simError('-1117');
  return s;
}

function positionSide(p: Params): void {
  const ps = p['positionSide'];
  if (ps !== undefined && ps !== 'BOTH') throw simError('-4061');
}

function clientId(p: Params, name: string): string | undefined {
  const id = p[name];
  if (id === undefined || id === '') return undefined;
  if (!CLIENT_ID.test(id)) throw simError('-4015');
  return id;
}

/** What Binance takes for a quantity or a price: plain digits, no sign, exponent or space (else -1100). */
const PLAIN_DECIMAL = /^([0-9]{1,20})(\.[0-9]{1,20})?$/;

/**
 * A quantity or price parameter as Binance reads it: -1100 when it is not plain decimal digits, so a
 * client that sends JavaScript's `String(0.0000002)` ('2e-7') is refused here as it is there.
 */
function decimal(p: Params, name: string): string {
  const text = required(p, name);
  if (!PLAIN_DECIMAL.test(text)) throw simError('-1100', name, PLAIN_DECIMAL.source);
  return text;
}

/** Quantity in steps, checked against precision, step and the LOT_SIZE or MARKET_LOT_SIZE bounds. */
export function quantitySteps(text: string, r: SymbolRules, market: boolean): number {
  if (Number(text) <= 0) throw simError('-4003');
  if (decimalsOf(text) > r.quantityPrecision) throw simError('-1111');
  const steps = exactUnits(text, r.stepSize);
  if (steps === undefined || (market && steps % r.marketQty.stepSteps !== 0)) throw simError('-4023');
  const bounds = market ? r.marketQty : r.limitQty;
  if (steps < bounds.minSteps) throw simError('-4004');
  if (steps > bounds.maxSteps) throw simError('-4005');
  return steps;
}

/** Price in ticks, checked against precision, tick size and PRICE_FILTER bounds. */
export function priceTicks(text: string, r: SymbolRules, stop = false): number {
  if (Number(text) <= 0) throw stop ? simError('-4006') : simError('-4013');
  if (decimalsOf(text) > r.pricePrecision) throw simError('-1111');
  const ticks = exactUnits(text, r.tickSize);
  if (ticks === undefined) throw simError('-4014');
  if (ticks < r.minPriceTicks) throw simError('-4013');
  if (ticks > r.maxPriceTicks) throw simError('-4002');
  return ticks;
}

/** PERCENT_PRICE: a limit price must lie within [mark × multiplierDown, mark × multiplierUp]. */
export function checkPercentPrice(ticks: number, r: SymbolRules, markTicks: number): void {
  const price = priceNum(ticks, r);
  const mark = priceNum(markTicks, r);
  if (price > mark * r.multiplierUp) throw simError('-4016');
  if (price < mark * r.multiplierDown) throw simError('-4024');
}

/** MIN_NOTIONAL binds orders that are not reduce-only (SPEC R3; error -4164). */
export function checkMinNotional(steps: number, ticks: number, r: SymbolRules): void {
  if (qtyNum(steps, r) * priceNum(ticks, r) < r.minNotional) throw simError('-4164', r.minNotionalText);
}

function respType(p: Params): 'ACK' | 'RESULT' {
  const t = p['newOrderRespType'] ?? 'ACK';
  if (t !== 'ACK' && t !== 'RESULT') throw simError('-1130', 'newOrderRespType');
  return t;
}

/** Validates a `POST /fapi/v1/order` against Binance's parameter rules and the symbol's filters. */
export function parseNewOrder(p: Params, r: SymbolRules, markTicks: number): NewOrderInput {
  const s = side(p);
  const type = required(p, 'type');
  if (CONDITIONAL.has(type)) throw simError('-4120');
  if (type !== 'LIMIT' && type !== 'MARKET') throw simError('-1116');
  positionSide(p);
  if (bool(p, 'closePosition')) throw simError('-1106', 'closePosition');
  const reduceOnly = bool(p, 'reduceOnly');
  const market = type === 'MARKET';
  const qtySteps = quantitySteps(decimal(p, 'quantity'), r, market);
  let ticks = 0;
  let tif: TimeInForce = 'GTC';
  if (market) {
    if (p['price'] !== undefined) throw simError('-1106', 'price');
  } else {
    ticks = priceTicks(decimal(p, 'price'), r);
    const t = required(p, 'timeInForce');
    if (t !== 'GTC' && t !== 'IOC' && t !== 'FOK' && t !== 'GTX') throw simError('-1115');
    tif = t;
    checkPercentPrice(ticks, r, markTicks);
  }
  if (!reduceOnly) checkMinNotional(qtySteps, market ? markTicks : ticks, r);
  return { symbol: r.symbol, side: s, type, timeInForce: tif, qtySteps, priceTicks: ticks, reduceOnly, clientOrderId: clientId(p, 'newClientOrderId'), respType: respType(p) };
}

/** Validates a `POST /fapi/v1/algoOrder` (conditional orders since Binance's December 2025 migration). */
export function parseNewAlgoOrder(p: Params, r: SymbolRules): NewAlgoInput {
  const algoType = required(p, 'algoType');
  if (algoType !== 'CONDITIONAL') throw simError('-1130', 'algoType');
  const s = side(p);
  const type = required(p, 'type');
  if (type !== 'STOP' && type !== 'STOP_MARKET' && type !== 'TAKE_PROFIT' && type !== 'TAKE_PROFIT_MARKET') throw simError('-1116');
  positionSide(p);
  const closePosition = bool(p, 'closePosition');
  const reduceOnly = bool(p, 'reduceOnly');
  const market = type.endsWith('_MARKET');
  if (closePosition && !market) throw simError('-1106', 'closePosition');
  if (closePosition && p['quantity'] !== undefined) throw simError('-1106', 'quantity');
  if (closePosition && reduceOnly) throw simError('-1106', 'reduceOnly');
  const qtySteps = closePosition ? 0 : quantitySteps(decimal(p, 'quantity'), r, market);
  if (market && p['price'] !== undefined) throw simError('-1106', 'price');
  const ticks = market ? 0 : priceTicks(decimal(p, 'price'), r);
  const triggerPriceTicks = priceTicks(decimal(p, 'triggerPrice'), r, true);
  const tifText = p['timeInForce'] ?? 'GTC';
  if (tifText !== 'GTC' && tifText !== 'IOC' && tifText !== 'FOK' && tifText !== 'GTX') throw simError('-1115');
  const workingType = p['workingType'] ?? 'CONTRACT_PRICE';
  if (workingType !== 'CONTRACT_PRICE' && workingType !== 'MARK_PRICE') throw simError('-1130', 'workingType');
  if (!reduceOnly && !closePosition) checkMinNotional(qtySteps, market ? triggerPriceTicks : ticks, r);
  return {
    symbol: r.symbol,
    side: s,
    orderType: type,
    qtySteps,
    priceTicks: ticks,
    triggerPriceTicks,
    timeInForce: closePosition ? 'GTE_GTC' : tifText,
    workingType,
    closePosition,
    reduceOnly,
    priceProtect: bool(p, 'priceProtect'),
    clientAlgoId: clientId(p, 'clientAlgoId'),
  };
}
