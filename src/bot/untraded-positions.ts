import type { Position } from '../core/model/position.ts';
import { qtyOf } from '../core/scaled-tp/exit-manager.ts';

/** An open position of Ladder's (in the store) on a symbol the bot does not trade now. */
export interface UntradedPosition {
  readonly symbol: string;
  readonly positionId: string;
  readonly side: Position['side'];
  /** Remaining quantity, base units. */
  readonly remaining: number;
}

/**
 * The store's open positions whose symbol is none of `traded` (exchange ids): the symbol left the
 * config across a restart, so no trader sends their take-profits or moves their stop. Said at start.
 */
export function untradedPositions(open: readonly Position[], traded: readonly string[]): UntradedPosition[] {
  return open
    .filter((p) => !traded.includes(p.symbol))
    .map((p) => ({ symbol: p.symbol, positionId: p.id, side: p.side, remaining: qtyOf(p.remainingSteps, p.plan) }));
}
