import { type Dec, add, ceilRatio, decOf, directedRound, div, floorRatio, intRatio, mul, ratioOf, scaledIntToNumber } from '../decimal.ts';
import type { MarketRules } from '../market/market-rules.ts';
import { type Side, type Ticks, asTicks } from '../units.ts';

/**
 * Price levels of a position, computed exactly from the decimal entry price: entry × (1 ± pct/100)
 * as a rational, then rounded to whole ticks in a stated direction. Each function first tries a
 * float estimate (`directedRound`) and falls back to exact BigInt rationals when the estimate sits
 * too close to a whole tick to decide: same answers, a fraction of the cost on the backtest's path.
 */

/** entry × (1 + signedPct/100) / tick, exactly, rounded up or down. */
function scaledEntryTicks(entry: string | number, signedPct: number, m: MarketRules, up: boolean): Ticks {
  const fast = directedRound((Number(entry) * (100 + signedPct)) / 100 / tickNumber(m), up);
  if (fast !== null) return asTicks(fast);
  if (signedPct === 0 && typeof entry === 'number') {
    const onTick = ticksOfPriceOnTick(entry, m);
    if (onTick !== null) return asTicks(onTick);
  }
  const e: Dec = decOf(entry);
  const factor = div(add(intRatio(100), ratioOf(decOf(signedPct))), intRatio(100));
  const r = div(mul(ratioOf(e), factor), ratioOf(m.tickSize));
  return asTicks(Number(up ? ceilRatio(r) : floorRatio(r)));
}

/**
 * `price / tick` when `price` (a double) stands for a whole number of ticks, else null: the breakeven
 * stop (offset 0) of an entry on the tick, which the float estimate can never decide. The double
 * nearest r ticks equal to `price` proves it: `price`'s shortest text (what the exact path parses)
 * has no more digits than r × tick, so at most scale + 1 decimals, and the two lie within an ulp of
 * `price`, below 10^-(scale+1) here; two multiples of 10^-(scale+1) that close are equal.
 */
function ticksOfPriceOnTick(price: number, m: MarketRules): number | null {
  const int = Number(m.tickSize.int);
  const scale = m.tickSize.scale;
  if (!Number.isSafeInteger(int) || !(Math.abs(price) * 2 ** -52 < 10 ** -(scale + 1))) return null;
  const r = Math.round(price / tickNumber(m));
  return scaledIntToNumber(r, int, scale) === price ? r : null;
}

const tickNumber = (m: MarketRules) => Number(m.tickSize.int) / 10 ** m.tickSize.scale;
const stepNumber = (m: MarketRules) => Number(m.stepSize.int) / 10 ** m.stepSize.scale;

/** Target of a level, rounded to the tick AWAY from the entry: never a worse target (R1.3). */
export function targetTicks(entry: string | number, profitPct: number, side: Side, m: MarketRules): Ticks {
  return side === 'long' ? scaledEntryTicks(entry, profitPct, m, true) : scaledEntryTicks(entry, -profitPct, m, false);
}

/**
 * A stop at `pctFromEntry` % in the position's favour (negative = on the loss side), rounded to the
 * tick in the position's favour: up for longs, down for shorts (SPEC "Rounding").
 */
export function stopTicksAt(entry: string | number, pctFromEntry: number, side: Side, m: MarketRules): Ticks {
  return side === 'long' ? scaledEntryTicks(entry, pctFromEntry, m, true) : scaledEntryTicks(entry, -pctFromEntry, m, false);
}

/** Is `candidate` a stop in the position's favour compared with `current` (strictly)? */
export const isFavourable = (candidate: Ticks, current: Ticks, side: Side): boolean =>
  side === 'long' ? candidate > current : candidate < current;

/** Quantity in whole steps needed for `notional` at `priceTicks` (rounded up: the minimum is met). */
export function notionalMinSteps(notional: number, priceTicks: Ticks, m: MarketRules): number {
  if (notional <= 0) return 0;
  const fast = directedRound(notional / (priceTicks * tickNumber(m) * stepNumber(m)), true);
  if (fast !== null) return fast;
  const perStep = mul(mul(intRatio(priceTicks), ratioOf(m.tickSize)), ratioOf(m.stepSize));
  return Number(ceilRatio(div(ratioOf(decOf(notional)), perStep)));
}

/** floor(q × pct / 100), exactly (SPEC "Splitting"). */
export function shareOfSteps(q: number, pct: number): number {
  const fast = directedRound((q * pct) / 100, false);
  if (fast !== null) return fast;
  return Number(floorRatio(div(mul(intRatio(q), ratioOf(decOf(pct))), intRatio(100))));
}
