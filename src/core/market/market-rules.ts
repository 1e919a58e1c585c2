import { type Dec, ceilRatio, directedRound, div, floorRatio, formatScaled, parseDec, ratioOf, scaledToNumber } from '../decimal.ts';
import { type Steps, type Ticks, asSteps, asTicks } from '../units.ts';

/**
 * One symbol's trading rules, as the exchange states them (Binance filters or ccxt `market()`).
 * Sizes are already converted to integer steps and ticks; decimals keep the exchange's exact text.
 */
export interface MarketRules {
  /** Exchange id, e.g. `BTCUSDT`. */
  readonly id: string;
  /** ccxt unified symbol, e.g. `BTC/USDT:USDT`. */
  readonly symbol: string;
  readonly base: string;
  readonly quote: string;
  /** PRICE_FILTER tickSize, exact. */
  readonly tickSize: Dec;
  /** LOT_SIZE stepSize, exact. */
  readonly stepSize: Dec;
  /** Minimum quantity in steps: LOT_SIZE (limit orders) and MARKET_LOT_SIZE (market orders). */
  readonly minQtySteps: { readonly limit: Steps; readonly market: Steps };
  /** Maximum quantity of one order in steps (MARKET_LOT_SIZE is usually the lower one). */
  readonly maxQtySteps: { readonly limit: Steps; readonly market: Steps };
  /** MIN_NOTIONAL (quote currency); 0 when the exchange sets none. */
  readonly minNotional: number;
  /**
   * Whether MIN_NOTIONAL binds reduce-only orders. Binance USDⓈ-M: false (error -4164 says
   * "unless you choose reduce only"), so a reduce-only exit only has to meet minQty (SPEC R3).
   */
  readonly minNotionalAppliesToReduceOnly: boolean;
  /** e.g. TRADING, SETTLING; `undefined` when the source does not say. */
  readonly status?: string;
  /** e.g. PERPETUAL; `undefined` when the source does not say. */
  readonly contractType?: string;
}

export type OrderKind = 'market' | 'limit';

/** Exact price of `ticks`, as the exchange would print it ("12.34"). */
export const formatPrice = (t: Ticks, m: MarketRules): string => formatScaled(t, m.tickSize);
/** Exact quantity of `steps`, as the exchange would print it ("0.005"). */
export const formatQty = (s: Steps, m: MarketRules): string => formatScaled(s, m.stepSize);

/** The double nearest to the price of `ticks` (equal to parsing the exchange's own text). */
export const ticksToPrice = (t: Ticks, m: MarketRules): number => scaledToNumber(t, m.tickSize);
/** The double nearest to the quantity of `steps`. */
export const stepsToQty = (s: Steps, m: MarketRules): number => scaledToNumber(s, m.stepSize);

export type Rounding = 'down' | 'up';

/** A decimal quantity ("0.0126" or 0.0126) in whole steps, rounded in the stated direction. */
export function qtyToSteps(qty: string | number, m: MarketRules, rounding: Rounding = 'down'): Steps {
  if (typeof qty === 'number') {
    // The float estimate, when it is clearly off a whole step (else the exact path below decides).
    const fast = directedRound(qty / (Number(m.stepSize.int) / 10 ** m.stepSize.scale), rounding === 'up');
    if (fast !== null) return asSteps(fast);
  }
  const r = div(ratioOf(parseDec(String(qty))), ratioOf(m.stepSize));
  return asSteps(Number(rounding === 'down' ? floorRatio(r) : ceilRatio(r)));
}

/** A decimal price in whole ticks, rounded in the stated direction. */
export function priceToTicks(price: string | number, m: MarketRules, rounding: Rounding): Ticks {
  const r = div(ratioOf(parseDec(String(price))), ratioOf(m.tickSize));
  return asTicks(Number(rounding === 'down' ? floorRatio(r) : ceilRatio(r)));
}
