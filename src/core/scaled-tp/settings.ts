/**
 * The exit settings the core needs, in the core's own words (camelCase, SPEC vocabulary).
 * `exitSettingsFromConfig` (config layer) maps the snake_case config onto this.
 */
export type MoveStopTo = 'breakeven' | 'previous_tp' | 'none' | { readonly profitPct: number };

export interface LevelSpec {
  /** Distance of the target from the entry, % (> 0, strictly ascending across levels). */
  readonly profitPct: number;
  /** Share of the ORIGINAL quantity closed at this level, % (all levels sum to 100). */
  readonly closePct: number;
  /** Where the stop goes once this level has filled; default: breakeven for level 1, previous_tp after. */
  readonly moveStopTo?: MoveStopTo;
}

export type ExitExecution = 'market' | 'limit';

export interface ExitSettings {
  /** `enable_scaled_take_profit`: false → a single take-profit at `takeProfitPct`. */
  readonly scaled: boolean;
  readonly levels: readonly LevelSpec[];
  /** `scaled_tp_min_order_size`: minimum notional of an exit in quote currency (0 = exchange minimums only). */
  readonly minOrderNotional: number;
  /** `scaled_tp_fallback_to_single`: a position too small to split uses the single take-profit. */
  readonly fallbackToSingle: boolean;
  /** `scaled_tp_execution`: reduce-only MARKET orders when a level is reached, or resting LIMIT orders. */
  readonly execution: ExitExecution;
  /** Added to the entry when the stop moves to breakeven, % (covers fees). */
  readonly breakevenOffsetPct: number;
  /** Initial stop distance from the entry, % (a signal may override it). */
  readonly stopLossPct: number;
  /** The single take-profit, % (scaled TP off, or the fallback). */
  readonly takeProfitPct: number;
}

/** The stop rule of level index `i` (0-based): the level's override or the SPEC default (R1.5). */
export const moveStopRule = (levels: readonly LevelSpec[], i: number): MoveStopTo =>
  levels[i]?.moveStopTo ?? (i === 0 ? 'breakeven' : 'previous_tp');
