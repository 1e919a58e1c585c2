import { type BookOrder, type Side, reducible, sideSign } from './orders.ts';
import { type Rejection, rejection } from './rejections.ts';
import { type MatchRules, priceOf, qtyOf } from './rules.ts';

/**
 * Binance's reduce-only rules at placement: it must not increase or flip the position (-2022), and
 * the resting reduce-only orders on the same side count against the position (-4118, FAILURES F6);
 * closePosition orders and algo orders (not in the matching engine yet) do not count.
 */
export function reduceOnlyRejection(open: readonly BookOrder[], amtSteps: number, side: Side, qtySteps: number): Rejection | null {
  const closable = reducible(side, amtSteps);
  if (closable === 0 || qtySteps > closable) return rejection('-2022');
  let resting = 0;
  for (const o of open) if (o.reduceOnly && !o.closePosition && o.side === side) resting += o.qtySteps - o.executedSteps;
  if (resting + qtySteps > closable) return rejection('-4118');
  return null;
}

/** Initial margin (quote) of the exposure an order adds to the position: notional of the increase / leverage. */
export function addedMargin(r: MatchRules, amtSteps: number, side: Side, qtySteps: number, priceTicks: number, leverage: number): number {
  const added = Math.max(0, Math.abs(amtSteps + sideSign(side) * qtySteps) - Math.abs(amtSteps));
  return (qtyOf(added, r) * priceOf(priceTicks, r)) / leverage;
}
