/**
 * The strategy module API: what a user's strategy file (config `strategy: { name: "module", path,
 * params }`) exports and gets. Published as `ladder/strategy` (package.json "exports"); a module
 * imports it with `import type`, so the file runs wherever it lives. Guide: docs/strategies.md.
 *
 * A module exports:
 * - `params`: a zod schema; the config's `strategy.params` are parsed with it (defaults applied),
 * - `create(params)`: returns a fresh {@link CandleStrategy} (one per symbol, and again on a replay),
 * - optionally `name`: a short name for logs and results (default: the file name).
 */
import type { Side } from '../core/units.ts';
import type { CandleSeries } from '../data/candle-series.ts';

export type { CandleSeries, Gap } from '../data/candle-series.ts';
export type { Side } from '../core/units.ts';
/** The interface every strategy of Ladder implements; a module's CandleStrategy is wrapped into one. */
export type { Signal, Strategy } from './strategy.ts';

/** What `onCandle` returns to enter: long or short at the next candle's open. */
export interface EntrySignal {
  readonly side: Side;
  /** Stop distance from the entry for this trade, in % (0 < x < 100); default: the config's `stop_loss_pct`. */
  readonly stopLossPct?: number;
  /** Why, for logs and results (default: the module's name). */
  readonly reason?: string;
}

/** One strategy instance: fed every closed candle of one symbol, once each, in order, from index 0. */
export interface CandleStrategy {
  /** Candles before this index only warm indicators up (default 0); live, at least this many are read at start (up to 1499). */
  readonly warmup?: number;
  /**
   * Candle `i` has just closed. `candles` holds candles 0…i only (columnar: `candles.close[i]`), so
   * nothing later can be read; it is valid during this call (keep values, not the object). Return an entry signal, or null for none. Throwing is reported with
   * the file and line: a backtest stops; the live bot logs it, skips this candle and goes on.
   */
  onCandle(candles: CandleSeries, i: number): EntrySignal | null;
}

/** The shape of a strategy module's exports (checked when it loads). `P` is the parsed params' type. */
export interface StrategyModule<P = unknown> {
  readonly params: { safeParse(input: unknown): { success: true; data: P } | { success: false; error: { issues: readonly ZodLikeIssue[] } } };
  readonly create: (params: P) => CandleStrategy;
  readonly name?: string;
}

/** The part of a zod issue the loader reads to report bad params. */
export interface ZodLikeIssue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}
