/**
 * Prices are integer ticks of the symbol's tick size, quantities integer steps of its step size
 * (STYLE §4). Both are safe integers, checked when made, so sums and differences are exact.
 */
export type Ticks = number & { readonly __unit: 'ticks' };
export type Steps = number & { readonly __unit: 'steps' };

export function asTicks(n: number): Ticks {
  if (!Number.isSafeInteger(n)) throw new Error(`ticks must be a safe integer, got ${n}`);
  return n as Ticks;
}

export function asSteps(n: number): Steps {
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`steps must be a non-negative safe integer, got ${n}`);
  return n as Steps;
}

export type Side = 'long' | 'short';

/** +1 for long, −1 for short: the sign of PnL per unit of favourable price move. */
export const sideSign = (side: Side): 1 | -1 => (side === 'long' ? 1 : -1);
