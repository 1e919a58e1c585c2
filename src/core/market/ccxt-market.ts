import { z } from 'zod';
import { type Dec, cmpRatio, formatScaled, ratioOf, scaledToNumber } from '../decimal.ts';
import { type Result, err, ok } from '../result.ts';
import { type Steps, asSteps } from '../units.ts';
import { fromBinanceSymbol, describeZodError, maxQtyToSteps, minQtyToSteps, normalizeDec, wireDec } from './binance-exchange-info.ts';
import type { MarketRules } from './market-rules.ts';

/*
 * ccxt `market()` structure → MarketRules. The core never imports ccxt: the structure arrives as
 * plain data (from the exchange adapter, or a markets JSON file) and is checked here with zod.
 */

/** How `precision.price` / `precision.amount` are written: ccxt's TICK_SIZE (binance: 0.1) or DECIMAL_PLACES (1). */
export type CcxtPrecisionMode = 'tickSize' | 'decimalPlaces';

export interface CcxtMarketOptions {
  /** Default `'tickSize'`, the mode ccxt 4 uses for binance. Only used when `info.filters` is absent. */
  readonly precisionMode?: CcxtPrecisionMode;
  /**
   * Whether the exchange's minimum notional binds reduce-only orders. Default `false`, as on Binance
   * USDⓈ-M (SPEC R3); pass `true` for an exchange that enforces it on exits too.
   */
  readonly minNotionalAppliesToReduceOnly?: boolean;
}

const NumLike = z.union([z.number(), z.string()]).nullish();
const MinMax = z.looseObject({ min: NumLike, max: NumLike }).nullish();

const CcxtMarketSchema = z.looseObject({
  id: z.string().min(1),
  symbol: z.string().min(1),
  base: z.string().min(1),
  quote: z.string().min(1),
  precision: z.looseObject({ price: NumLike, amount: NumLike }),
  limits: z.looseObject({ amount: MinMax, market: MinMax, cost: MinMax }),
  info: z.unknown().optional(),
});
type CcxtMarket = z.infer<typeof CcxtMarketSchema>;

/** `info` is a raw Binance symbol when it carries Binance's `filters` list. */
function binanceInfo(info: unknown): (Record<string, unknown> & { filters: unknown[] }) | undefined {
  if (typeof info !== 'object' || info === null) return undefined;
  const filters = (info as { filters?: unknown }).filters;
  if (!Array.isArray(filters)) return undefined;
  const binanceShaped = filters.some((f) => typeof f === 'object' && f !== null && 'filterType' in f);
  return binanceShaped ? (info as Record<string, unknown> & { filters: unknown[] }) : undefined;
}

const infoString = (info: unknown, key: string): string | undefined => {
  const v = typeof info === 'object' && info !== null ? (info as Record<string, unknown>)[key] : undefined;
  return typeof v === 'string' && v !== '' ? v : undefined;
};

/** A precision value as an exact size: the number's shortest text (0.1 → "0.1"), or 10^-places. */
function sizeOf(v: unknown, mode: CcxtPrecisionMode, where: string): Result<Dec, string> {
  if (mode === 'tickSize') {
    const d = wireDec(v, where);
    if (d.ok && d.value.int === 0n) return err(`${where} must be positive`);
    return d;
  }
  const places = typeof v === 'string' ? Number(v) : v;
  if (typeof places !== 'number' || !Number.isInteger(places)) return err(`${where} is not a number of decimal places: ${JSON.stringify(v)}`);
  return ok(places >= 0 ? { int: 1n, scale: places } : { int: 10n ** BigInt(-places), scale: 0 });
}

function fromNumbers(m: CcxtMarket, opts: CcxtMarketOptions): Result<MarketRules, string> {
  const name = m.symbol;
  const mode = opts.precisionMode ?? 'tickSize';
  const tick = sizeOf(m.precision.price, mode, `${name}: precision.price`);
  if (!tick.ok) return tick;
  const step = sizeOf(m.precision.amount, mode, `${name}: precision.amount`);
  if (!step.ok) return step;

  // Absent limits mean "none stated": one step minimum, no maximum, no minimum notional.
  const optDec = (v: unknown, where: string): Result<Dec | undefined, string> => (v === undefined || v === null ? ok(undefined) : wireDec(v, where));
  const amountMin = optDec(m.limits.amount?.min, `${name}: limits.amount.min`);
  if (!amountMin.ok) return amountMin;
  const amountMax = optDec(m.limits.amount?.max, `${name}: limits.amount.max`);
  if (!amountMax.ok) return amountMax;
  const marketMin = optDec(m.limits.market?.min, `${name}: limits.market.min`);
  if (!marketMin.ok) return marketMin;
  const marketMax = optDec(m.limits.market?.max, `${name}: limits.market.max`);
  if (!marketMax.ok) return marketMax;
  const costMin = optDec(m.limits.cost?.min, `${name}: limits.cost.min`);
  if (!costMin.ok) return costMin;

  // A step coarser than the stated minimum: precision written as decimal places (3) read as a size (3 BTC).
  if (mode === 'tickSize' && amountMin.value !== undefined && amountMin.value.int > 0n && cmpRatio(ratioOf(step.value), ratioOf(amountMin.value)) > 0) {
    return err(`${name}: precision.amount ${formatScaled(1, step.value)} is larger than limits.amount.min ${formatScaled(1, amountMin.value)}: written as decimal places (ccxt's DECIMAL_PLACES mode)? Ladder reads precision as tick and step sizes (TICK_SIZE, Binance's mode)`);
  }
  const zero: Dec = { int: 0n, scale: 0 };
  const minLimit = minQtyToSteps(amountMin.value ?? zero, step.value, `${name}: limits.amount.min`);
  if (!minLimit.ok) return minLimit;
  const minMarket = minQtyToSteps(marketMin.value ?? amountMin.value ?? zero, step.value, `${name}: limits.market.min`);
  if (!minMarket.ok) return minMarket;
  const maxLimit: Steps = amountMax.value === undefined ? asSteps(Number.MAX_SAFE_INTEGER) : maxQtyToSteps(amountMax.value, step.value);
  const maxMarket: Steps = marketMax.value === undefined ? maxLimit : maxQtyToSteps(marketMax.value, step.value);
  // An order size no order can have: every entry would be refused, for a reason no message would name.
  if (maxLimit === 0 || maxLimit < minLimit.value) return err(`${name}: limits.amount.max ${formatScaled(1, amountMax.value!)} is below the smallest order (limits.amount.min, one step of ${formatScaled(1, step.value)})`);
  if (maxMarket === 0 || maxMarket < minMarket.value) return err(`${name}: limits.market.max ${formatScaled(1, marketMax.value!)} is below the smallest market order (limits.market.min, one step of ${formatScaled(1, step.value)})`);

  return ok({
    id: m.id,
    symbol: m.symbol,
    base: m.base,
    quote: m.quote,
    tickSize: normalizeDec(tick.value),
    stepSize: normalizeDec(step.value),
    minQtySteps: { limit: minLimit.value, market: minMarket.value },
    maxQtySteps: { limit: maxLimit, market: maxMarket },
    minNotional: costMin.value === undefined ? 0 : scaledToNumber(1, costMin.value),
    minNotionalAppliesToReduceOnly: opts.minNotionalAppliesToReduceOnly ?? false,
    status: infoString(m.info, 'status'),
    contractType: infoString(m.info, 'contractType'),
  });
}

/**
 * MarketRules from a ccxt `market()` structure (binanceusdm). When `info` is the raw Binance symbol
 * its filters are used (the exchange's exact strings); otherwise `precision.price`/`precision.amount`
 * (TICK_SIZE mode by default), `limits.amount`, `limits.market` and `limits.cost.min`. The id, the
 * unified symbol and the currency codes are always ccxt's own.
 */
export function fromCcxtMarket(m: unknown, opts: CcxtMarketOptions = {}): Result<MarketRules, string> {
  const parsed = CcxtMarketSchema.safeParse(m);
  if (!parsed.success) {
    const name = typeof m === 'object' && m !== null ? ((m as { symbol?: unknown; id?: unknown }).symbol ?? (m as { id?: unknown }).id) : undefined;
    return err(`${typeof name === 'string' ? name : '(market without a symbol)'}: ${describeZodError(parsed.error)}`);
  }
  const market = parsed.data;
  const info = binanceInfo(market.info);
  if (!info) return fromNumbers(market, opts);
  const raw = fromBinanceSymbol(info);
  if (!raw.ok) return err(`${market.symbol}: info: ${raw.error}`);
  return ok({
    ...raw.value,
    id: market.id,
    symbol: market.symbol,
    base: market.base,
    quote: market.quote,
    minNotionalAppliesToReduceOnly: opts.minNotionalAppliesToReduceOnly ?? false,
  });
}
