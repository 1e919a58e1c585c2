/**
 * Strategies: closed candles in, entry signals out. A signal returned for candle i is entered at
 * the open of candle i + 1 (SPEC R5), so a strategy may only read candles 0…i when asked about i.
 */
import type { Side } from '../core/units.ts';
import type { CandleSeries } from '../data/candle-series.ts';

export interface Signal {
  /** When the signal became known, ms UTC: for a candle strategy the close of candle i (`time[i] + timeframeMs`). */
  readonly timeMs: number;
  readonly side: Side;
  /** Stop distance from the entry for this trade, in % (overrides `stop_loss_pct`); e.g. an ATR stop. */
  readonly stopLossPct?: number;
  /** Why, for logs and results: `ema_cross up`, `signals.csv:12`. */
  readonly reason: string;
  /** The signal's own id where it has one (a webhook signal's): part of its position id, so two signals of one second and side are two positions. */
  readonly key?: string;
}

export interface Strategy {
  readonly name: string;
  /** Index of the first candle on which a signal can appear; earlier candles only warm indicators up. */
  readonly warmup: number;
  /**
   * Called once per closed candle i, in order, reading only indices ≤ i. Returns the signal known
   * at the close of candle i, or null (without allocating). A call out of order, or on another
   * series, is still answered correctly: the strategy replays its state from candle 0.
   */
  onCandle(series: CandleSeries, i: number): Signal | null;
  /**
   * A signal already known when candle 0 opens, entered at that open. Only strategies fed from
   * outside the candles (a signal file) have one; a candle strategy needs a closed candle first.
   */
  beforeFirst?(series: CandleSeries): Signal | null;
  /**
   * Optional: `onCandle`'s answers for every candle of `series` at once, as a function of i, for a
   * strategy that can work them out in one pass (ema_cross). It must answer exactly what
   * `onCandle(series, i)` answers; a backtest then makes no call into the strategy per candle.
   */
  signalsOf?(series: CandleSeries): (i: number) => Signal | null;
}

/**
 * What the paper and live bot call: a {@link Strategy}, or a user's module in a worker thread
 * (module-thread.ts), whose answers arrive asynchronously.
 */
export interface LiveStrategy {
  readonly name: string;
  readonly warmup: number;
  onCandle(series: CandleSeries, i: number): Signal | null | Promise<Signal | null>;
  /** Why the strategy is stopped for good (a module that hung: every later call fails at once), or null while it runs. */
  readonly stopped?: Error | null;
}

/**
 * The signal to enter at the open of candle i (the backtest's question): `beforeFirst` for
 * candle 0, else the strategy's answer for the close of candle i − 1. Call with i = 0, 1, 2, ….
 */
export function entryAtOf(strategy: Strategy, series: CandleSeries): (i: number) => Signal | null {
  const at = strategy.signalsOf?.(series);
  if (at !== undefined) return (i) => (i === 0 ? (strategy.beforeFirst?.(series) ?? null) : at(i - 1));
  return (i) => (i === 0 ? (strategy.beforeFirst?.(series) ?? null) : strategy.onCandle(series, i - 1));
}
