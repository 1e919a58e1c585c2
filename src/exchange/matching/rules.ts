import { type Dec, scaledToNumber } from '../../core/decimal.ts';

/**
 * What the matching engine needs of a symbol: its tick and step (to turn ticks and steps into money)
 * and its algo-order cap. The simulator's `SymbolRules` has these fields; paper mode builds them from
 * the core's `MarketRules`.
 */
export interface MatchRules {
  readonly symbol: string;
  readonly tickSize: Dec;
  readonly stepSize: Dec;
  /** MAX_NUM_ALGO_ORDERS: open conditional orders per symbol (-4045 beyond). */
  readonly maxNumAlgoOrders: number;
}

/** Price of `ticks` as a number (for money arithmetic). */
export const priceOf = (ticks: number, r: MatchRules): number => scaledToNumber(ticks, r.tickSize);
/** Quantity of `steps` as a number (for money arithmetic). */
export const qtyOf = (steps: number, r: MatchRules): number => scaledToNumber(steps, r.stepSize);
