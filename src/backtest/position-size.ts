import { type MarketRules, qtyToSteps, stepsToQty } from '../core/market/market-rules.ts';
import type { Steps } from '../core/units.ts';

export type PositionSize = { readonly mode: 'quote' | 'base' | 'risk_pct'; readonly value: number };

/**
 * Entry quantity in whole steps, rounded down (SPEC "Config keys" `position_size`): a quote notional,
 * a base quantity, or the equity % lost if the initial stop is hit.
 */
export function entrySteps(size: PositionSize, price: number, equity: number, stopLossPct: number, m: MarketRules): Steps {
  const qty =
    size.mode === 'quote' ? size.value / price : size.mode === 'base' ? size.value : (equity * size.value) / 100 / ((price * stopLossPct) / 100);
  if (!(qty > 0) || !Number.isFinite(qty)) return qtyToSteps(0, m);
  // Through the shortest decimal text of the double, so 0.3 stays 0.3 and never becomes 0.29999…
  return qtyToSteps(qty, m, 'down');
}

/**
 * Why an entry of `steps` at `price` would be refused by the exchange's own minimums, or null: it must
 * meet MARKET_LOT_SIZE minQty and, unlike a reduce-only exit, MIN_NOTIONAL (SPEC R3). Shared by the
 * backtest and the bot, so both refuse the same entries.
 */
export function entryBelowMinimum(steps: Steps, price: number, m: MarketRules): { why: 'below_min_qty' | 'below_min_notional'; detail: string } | null {
  if (steps === 0 || steps < m.minQtySteps.market) return { why: 'below_min_qty', detail: `size rounds to ${steps} steps` };
  const notional = price * stepsToQty(steps, m);
  if (notional < m.minNotional) return { why: 'below_min_notional', detail: `${notional.toFixed(2)} < ${m.minNotional}` };
  return null;
}
