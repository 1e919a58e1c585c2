import { decOfNumber, directedRound, div, floorRatio, mul, ratioOf, scaledIntToNumber } from './decimal.ts';
import { type MarketRules, qtyToSteps, stepsToQty } from './market/market-rules.ts';
import { type Steps, asSteps } from './units.ts';
import { liquidationDistancePct } from './config/defaults.ts';

export type PositionSize = { readonly mode: 'quote' | 'base' | 'risk_pct'; readonly value: number };

/**
 * The largest position one order may open and close: the exchange's maximum quantity for market and
 * for limit orders (MARKET_LOT_SIZE is usually the lower one, e.g. 120 BTC against 1000 on BTCUSDT).
 * An entry is capped there, so every exit of the ladder, the whole remainder included, fits in one
 * reduce-only order and is never refused for its size.
 */
export const maxEntrySteps = (m: MarketRules): Steps => asSteps(Math.min(m.maxQtySteps.market, m.maxQtySteps.limit));

/**
 * Entry quantity in whole steps, rounded down (SPEC "Config keys" `position_size`): a quote notional,
 * a base quantity, or the equity % lost if the initial stop is hit; at most `maxEntrySteps`.
 */
export function entrySteps(size: PositionSize, price: number, equity: number, stopLossPct: number, m: MarketRules): Steps {
  return stepsOf(size, price, equity, stopLossPct, m, Number(m.stepSize.int) / 10 ** m.stepSize.scale, maxEntrySteps(m));
}

/** `entrySteps` with the market's step as a double (`step`) and `maxEntrySteps` (`max`) given. */
function stepsOf(size: PositionSize, price: number, equity: number, stopLossPct: number, m: MarketRules, step: number, max: number): Steps {
  const qty =
    size.mode === 'quote' ? size.value / price : size.mode === 'base' ? size.value : (equity * size.value) / 100 / ((price * stopLossPct) / 100);
  if (!(qty > 0) || !Number.isFinite(qty)) return qtyToSteps(0, m);
  if (size.mode === 'base') {
    // Through the shortest decimal text of the double, so 0.3 stays 0.3 and never becomes 0.29999…
    return asSteps(Math.min(qtyToSteps(qty, m, 'down'), max));
  }
  // A quotient of decimals: the double estimate decides when it is clearly off a whole step, else the
  // exact quotient of the inputs' decimals does (risk 3 % of 10,000 at a 1.5 % stop from 12.8 is
  // 1562.5 exactly, which binary floating point makes 1562.4999…: a step short).
  const fast = directedRound(qty / step, false);
  const steps = fast ?? exactSteps(size, price, equity, stopLossPct, m);
  return asSteps(Math.min(steps, max));
}

/**
 * `entrySteps`, `entryBelowMinimum` and `stepsToQty` for one market, with what depends on the market
 * alone (its step as a double and as a safe integer, its largest entry) worked out once: a driver that
 * sizes every entry of a symbol (the backtest) converts no BigInt per entry. Same answers by construction:
 * the same functions, given the same numbers.
 */
export class EntrySizer {
  private readonly step: number;
  private readonly stepInt: number;
  readonly maxSteps: Steps;

  constructor(readonly market: MarketRules) {
    this.step = Number(market.stepSize.int) / 10 ** market.stepSize.scale;
    this.stepInt = Number(market.stepSize.int);
    this.maxSteps = maxEntrySteps(market);
  }

  steps(size: PositionSize, price: number, equity: number, stopLossPct: number): Steps {
    return stepsOf(size, price, equity, stopLossPct, this.market, this.step, this.maxSteps);
  }

  /** `stepsToQty(steps, market)`. */
  qty(steps: Steps): number {
    return Number.isSafeInteger(this.stepInt) ? scaledIntToNumber(steps, this.stepInt, this.market.stepSize.scale) : stepsToQty(steps, this.market);
  }

  belowMinimum(steps: Steps, price: number): { why: 'below_min_qty' | 'below_min_notional'; detail: string } | null {
    return belowMinimumOf(steps, price, this.market, steps === 0 ? 0 : this.qty(steps));
  }
}

/** floor(qty / step) of the exact decimals: quote value / price, or equity × risk % / (price × stop %). */
function exactSteps(size: PositionSize, price: number, equity: number, stopLossPct: number, m: MarketRules): number {
  const r = (x: number) => ratioOf(decOfNumber(x));
  const step = ratioOf(m.stepSize);
  const qty = size.mode === 'quote' ? div(r(size.value), r(price)) : div(mul(r(equity), r(size.value)), mul(r(price), r(stopLossPct)));
  return Number(floorRatio(div(qty, step)));
}

/**
 * Why an entry of `steps` at `price` would be refused by the exchange's own minimums, or null: it must
 * meet MARKET_LOT_SIZE minQty and, unlike a reduce-only exit, MIN_NOTIONAL (SPEC R3). Shared by the
 * backtest and the bot, so both refuse the same entries.
 */
export function entryBelowMinimum(steps: Steps, price: number, m: MarketRules): { why: 'below_min_qty' | 'below_min_notional'; detail: string } | null {
  return belowMinimumOf(steps, price, m, steps === 0 ? 0 : stepsToQty(steps, m));
}

/** `entryBelowMinimum` with the quantity of `steps` given. */
function belowMinimumOf(steps: Steps, price: number, m: MarketRules, qty: number): { why: 'below_min_qty' | 'below_min_notional'; detail: string } | null {
  if (steps === 0 || steps < m.minQtySteps.market) return { why: 'below_min_qty', detail: `size rounds to ${steps} steps` };
  const notional = price * qty;
  if (notional < m.minNotional) return { why: 'below_min_notional', detail: `${notional.toFixed(2)} < ${m.minNotional}` };
  return null;
}

/**
 * A signal's own stop (an ATR stop of ema_cross) at or beyond the liquidation distance at `leverage`
 * (SPEC R2: such a stop could never fire before liquidation): why its entry is not taken, else null.
 * The config's stop_loss_pct, a module's and a signal file's are refused before this.
 */
export function stopPastLiquidation(stopPct: number, leverage: number): string | null {
  const liq = liquidationDistancePct(leverage);
  return stopPct < liq ? null : `stop ${stopPct.toFixed(2)} % at or beyond the liquidation distance at ${leverage}x leverage (${liq.toFixed(2)} %)`;
}
