import type { LevelConfig } from './schema.ts';

/**
 * Defaults the cross-field rules need when a key is absent. The schema uses the same constants, so
 * a rule checked on a raw file and on a parsed config sees the same values.
 */
export const DEFAULT_LEVERAGE = 1;
export const DEFAULT_STOP_LOSS_PCT = 2;
export const DEFAULT_BREAKEVEN_OFFSET_PCT = 0;
export const DEFAULT_EMA_FAST = 12;
export const DEFAULT_EMA_SLOW = 26;

/**
 * Maintenance margin rate assumed by the liquidation check, in % of notional. Binance USDⓈ-M
 * charges 0.4–0.5 % on the lowest notional bracket of the major perpetuals; 0.5 % is the cautious
 * end. Liquidation distance ≈ 100 / leverage − this, in % of the entry price (SPEC R2).
 */
export const MAINTENANCE_MARGIN_PCT = 0.5;

/**
 * Distance from the entry to the liquidation price, in % of the entry, at `leverage` (SPEC R2).
 * One division of exact operands, so a distance with a short decimal (0.3 at 125x) is the double a
 * stop written the same way parses to: 100/125 − 0.5 would be 0.30000000000000004.
 */
export const liquidationDistancePct = (leverage: number): number => (100 - MAINTENANCE_MARGIN_PCT * leverage) / leverage;

/**
 * The example ladder of SPEC R2.2: 30 % at +1 %, 30 % at +2 %, 40 % at +3.5 %. The stop moves to
 * breakeven after level 0 and to the previous target after the others (R1.5), written out.
 */
export const DEFAULT_LEVELS: readonly LevelConfig[] = Object.freeze([
  Object.freeze({ profit_pct: 1.0, close_pct: 30, move_stop_to: 'breakeven' as const }),
  Object.freeze({ profit_pct: 2.0, close_pct: 30, move_stop_to: 'previous_tp' as const }),
  Object.freeze({ profit_pct: 3.5, close_pct: 40, move_stop_to: 'previous_tp' as const }),
]);

/** The stop move of level `index` when the file does not say: breakeven first, then the previous target (R1.5). */
export const defaultMoveStopTo = (index: number): 'breakeven' | 'previous_tp' =>
  index === 0 ? 'breakeven' : 'previous_tp';
