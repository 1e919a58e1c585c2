import type { Side } from '../core/units.ts';
import type { Trade } from '../exchange/port.ts';

/**
 * The index in `trades` (time order, every trade of the account on the symbol in the span read) of the
 * newest one after which the account was flat, found by walking back from what it holds now
 * (`heldSide`, `heldSteps`: the position read made just before the trades read), or null when the
 * walk never meets flat before the newest trade. A position closed by hand and opened again by hand
 * between two reads passes through flat there: what the account holds after it is no longer ours.
 */
export function lastFlatIndex(trades: readonly Trade[], heldSide: Side | null, heldSteps: number): number | null {
  let q = heldSide === 'short' ? -heldSteps : heldSteps;
  for (let i = trades.length - 1; i > 0; i--) {
    const t = trades[i]!;
    q -= t.side === 'buy' ? t.qtySteps : -t.qtySteps;
    if (q === 0) return i - 1;
  }
  return null;
}
