/**
 * Bounds of the numeric config keys. JSON allows 1e308; none of these keys means anything that
 * large, and a value that size overflows to Infinity as soon as it is multiplied (a price × a size
 * × a fee). Each bound is far beyond any real setting, so only a typo or a fuzzer reaches it.
 */

/** Exchanges Ladder trades on today; SPEC "Config keys": any ccxt id later. */
export const SUPPORTED_EXCHANGE_IDS = ['binanceusdm'] as const;

/** Position size in the quote currency (notional) or the base asset (quantity): 1e9. */
export const MAX_POSITION_VALUE = 1e9;

/** A price distance in % (targets, take-profit, breakeven offset): 100× the entry. */
export const MAX_PRICE_PCT = 10_000;

/** A fee or slippage in % of notional; at 100 % slippage a sell would fill at 0. */
export const MAX_COST_PCT = 10;

/** Starting balance of a backtest, in the quote currency. */
export const MAX_BALANCE = 1e12;

/** Positions open at once (Binance USDⓈ-M lists a few hundred perpetuals). */
export const MAX_OPEN_POSITIONS = 1000;

/** An indicator period in candles (EMA, ATR): 10,000 hours is over a year of 1h candles. */
export const MAX_PERIOD = 10_000;

/** An ATR multiple for the initial stop. */
export const MAX_ATR_MULT = 100;
