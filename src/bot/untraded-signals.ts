import type { FileSignal } from '../strategy/signals-file.ts';

/** What a signals file holds for symbols the bot does not trade: their ids (sorted) and how many signals. */
export interface UntradedSignals {
  readonly symbols: readonly string[];
  readonly signals: number;
}

/**
 * The signals of a file whose symbol is none of `traded` (exchange ids): the bot never enters them,
 * so they are said at start, as the backtest notes a file's symbols without candles. Null when none.
 */
export function untradedSignals(signals: readonly FileSignal[], traded: readonly string[]): UntradedSignals | null {
  const other = signals.filter((s) => !traded.includes(s.symbol));
  if (other.length === 0) return null;
  return { symbols: [...new Set(other.map((s) => s.symbol))].sort(), signals: other.length };
}
