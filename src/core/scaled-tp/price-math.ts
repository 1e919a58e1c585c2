import { type Dec, add, ceilRatio, decOf, div, floorRatio, intRatio, mul, ratioOf } from '../decimal.ts';
import type { MarketRules } from '../market/market-rules.ts';
import { type Side, type Ticks, asTicks } from '../units.ts';

/**
 * Price levels of a position, computed exactly from the decimal entry price: entry × (1 ± pct/100)
 * as a rational, then rounded to whole ticks in a stated direction.
 */

/** entry × (1 + signedPct/100) in ticks, unrounded (exact rational). */
function scaledEntryInTicks(entry: Dec, signedPct: number, m: MarketRules) {
  const factor = div(add(intRatio(100), ratioOf(decOf(signedPct))), intRatio(100));
  return div(mul(ratioOf(entry), factor), ratioOf(m.tickSize));
}

/** Target of a level, rounded to the tick AWAY from the entry: never a worse target (R1.3). */
export function targetTicks(entry: Dec, profitPct: number, side: Side, m: MarketRules): Ticks {
  const r = scaledEntryInTicks(entry, side === 'long' ? profitPct : -profitPct, m);
  return asTicks(Number(side === 'long' ? ceilRatio(r) : floorRatio(r)));
}

/**
 * A stop at `pctFromEntry` % in the position's favour (negative = on the loss side), rounded to the
 * tick in the position's favour: up for longs, down for shorts (SPEC "Rounding").
 */
export function stopTicksAt(entry: Dec, pctFromEntry: number, side: Side, m: MarketRules): Ticks {
  const r = scaledEntryInTicks(entry, side === 'long' ? pctFromEntry : -pctFromEntry, m);
  return asTicks(Number(side === 'long' ? ceilRatio(r) : floorRatio(r)));
}

/** Is `candidate` a stop in the position's favour compared with `current` (strictly)? */
export const isFavourable = (candidate: Ticks, current: Ticks, side: Side): boolean =>
  side === 'long' ? candidate > current : candidate < current;

/** Quantity in whole steps needed for `notional` at `priceTicks` (rounded up: the minimum is met). */
export function notionalMinSteps(notional: number, priceTicks: Ticks, m: MarketRules): number {
  if (notional <= 0) return 0;
  const perStep = mul(mul(intRatio(priceTicks), ratioOf(m.tickSize)), ratioOf(m.stepSize));
  return Number(ceilRatio(div(ratioOf(decOf(notional)), perStep)));
}

/** floor(q × pct / 100), exactly (SPEC "Splitting"). */
export function shareOfSteps(q: number, pct: number): number {
  return Number(floorRatio(div(mul(intRatio(q), ratioOf(decOf(pct))), intRatio(100))));
}
