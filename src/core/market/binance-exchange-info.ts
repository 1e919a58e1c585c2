import { z } from 'zod';
import { type Dec, ceilRatio, div, floorRatio, formatScaled, parseDec, ratioOf, scaledToNumber } from '../decimal.ts';
import { type Result, err, ok } from '../result.ts';
import { type Steps, asSteps } from '../units.ts';
import type { MarketRules } from './market-rules.ts';

/*
 * Binance `exchangeInfo` → MarketRules (SPEC R3, "Data formats" markets). Built for USDⓈ-M
 * `GET /fapi/v1/exchangeInfo`; spot's variants (`NOTIONAL`, `minNotional`) are accepted too.
 * Filters are looked up by `filterType` and fields by name: Binance sends keys in no fixed order.
 */

/** Binance's "no expiry" delivery date (2100-12-25), which ccxt also reads as a perpetual. */
const PERPETUAL_DELIVERY_MS = 4133404800000;
/** The largest epoch-ms a JS Date can hold. */
const MAX_DATE_MS = 8.64e15;

/** ccxt's currency renames for binance (`commonCurrencies`: base Exchange + binance), so symbols match ccxt. */
const COMMON_CURRENCIES: Readonly<Record<string, string>> = { XBT: 'BTC', BCHSV: 'BSV', YOYO: 'YOYOW' };
const unifiedCode = (assetId: string): string => COMMON_CURRENCIES[assetId] ?? assetId;

const FilterSchema = z.looseObject({ filterType: z.string() });
type BinanceFilter = z.infer<typeof FilterSchema>;

const SymbolSchema = z.looseObject({
  symbol: z.string().min(1),
  baseAsset: z.string().min(1),
  quoteAsset: z.string().min(1),
  marginAsset: z.string().min(1).optional(),
  status: z.string().optional(),
  contractType: z.string().optional(),
  deliveryDate: z.number().int().optional(),
  filters: z.array(FilterSchema),
});
type BinanceSymbol = z.infer<typeof SymbolSchema>;

const ExchangeInfoSchema = z.looseObject({ symbols: z.array(z.unknown()) });

/** The same number with trailing fractional zeros removed ("0.0100" → 0.01), so rules compare equal across sources. */
export function normalizeDec(d: Dec): Dec {
  let { int, scale } = d;
  while (scale > 0 && int % 10n === 0n) {
    int /= 10n;
    scale -= 1;
  }
  return { int, scale };
}

/** A non-negative decimal from a wire value: Binance sends strings ("0.0100"), other dumps may hold numbers. */
export function wireDec(v: unknown, where: string): Result<Dec, string> {
  if (v === undefined || v === null) return err(`${where} missing`);
  if (typeof v !== 'string' && (typeof v !== 'number' || !Number.isFinite(v))) {
    return err(`${where} is not a decimal: ${JSON.stringify(v)}`);
  }
  let d: Dec;
  try {
    d = parseDec(String(v));
  } catch {
    return err(`${where} is not a decimal: ${JSON.stringify(v)}`);
  }
  if (d.int < 0n) return err(`${where} is negative: ${JSON.stringify(v)}`);
  return ok(normalizeDec(d));
}

/** `qty / step` in whole steps, exactly, rounded in the stated direction. */
function stepsOf(qty: Dec, step: Dec, rounding: 'up' | 'down'): bigint {
  const r = div(ratioOf(qty), ratioOf(step));
  return rounding === 'up' ? ceilRatio(r) : floorRatio(r);
}

/**
 * Minimum quantity in steps, rounded UP (a minQty off the step grid still must be met), and never
 * below one step: an order of zero steps is never valid, so a stated minimum of 0 means one step.
 */
export function minQtyToSteps(minQty: Dec, step: Dec, where: string): Result<Steps, string> {
  const n = stepsOf(minQty, step, 'up');
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) return err(`${where} is too large for the step size`);
  return ok(asSteps(Number(n < 1n ? 1n : n)));
}

/** Maximum quantity in steps, rounded DOWN; clamped to the largest safe integer (no real order reaches it). */
export function maxQtyToSteps(maxQty: Dec, step: Dec): Steps {
  const n = stepsOf(maxQty, step, 'down');
  return asSteps(n > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(n));
}

/** The zod issues as one line: `filters[1].filterType: expected string` …. */
export function describeZodError(e: z.ZodError): string {
  return e.issues
    .map((i) => {
      const path = i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
      return path ? `${path}: ${i.message}` : i.message;
    })
    .join('; ');
}

/** The ccxt unified symbol of a Binance symbol, built as ccxt 4.5 `binance.parseMarket` does. */
export function unifiedSymbolOf(s: {
  readonly symbol: string;
  readonly baseAsset: string;
  readonly quoteAsset: string;
  readonly marginAsset?: string | undefined;
  readonly contractType?: string | undefined;
  readonly deliveryDate?: number | undefined;
}): Result<string, string> {
  const spot = `${unifiedCode(s.baseAsset)}/${unifiedCode(s.quoteAsset)}`;
  if (s.contractType === undefined) return ok(spot); // spot exchangeInfo has no contract fields
  if (s.marginAsset === undefined) return err(`${s.symbol}: marginAsset missing on a ${s.contractType || 'contract'} symbol`);
  const settle = unifiedCode(s.marginAsset);
  // ccxt: PERPETUAL, or the no-expiry date (BTCSTUSDT has an empty contractType), is a swap.
  if (s.contractType === 'PERPETUAL' || s.deliveryDate === PERPETUAL_DELIVERY_MS) return ok(`${spot}:${settle}`);
  if (s.deliveryDate === undefined) return err(`${s.symbol}: deliveryDate missing on a ${s.contractType || 'contract'} symbol`);
  if (Math.abs(s.deliveryDate) > MAX_DATE_MS) return err(`${s.symbol}: deliveryDate ${s.deliveryDate} is not a date`);
  return ok(`${spot}:${settle}-${yymmdd(s.deliveryDate)}`);
}

/** UTC `YYMMDD` of an epoch-ms time, as ccxt's `yymmdd` (delivery contracts: `BTC/USDT:USDT-241227`). */
function yymmdd(timeMs: number): string {
  const iso = new Date(timeMs).toISOString(); // 2024-12-27T08:00:00.000Z
  return iso.slice(2, 4) + iso.slice(5, 7) + iso.slice(8, 10);
}

function nameOf(s: unknown): string {
  const name = typeof s === 'object' && s !== null ? (s as { symbol?: unknown }).symbol : undefined;
  return typeof name === 'string' && name !== '' ? name : '(symbol without a name)';
}

function findFilter(s: BinanceSymbol, ...types: readonly string[]): BinanceFilter | undefined {
  for (const t of types) {
    const f = s.filters.find((x) => x.filterType === t);
    if (f) return f;
  }
  return undefined;
}

/**
 * One `symbols[]` entry of Binance `GET /fapi/v1/exchangeInfo` as MarketRules: tick from
 * PRICE_FILTER.tickSize, step from LOT_SIZE.stepSize, min quantities (LOT_SIZE for limit orders,
 * MARKET_LOT_SIZE for market orders; LOT_SIZE when the latter is absent) rounded up to steps, max
 * quantities rounded down, MIN_NOTIONAL `notional` (spot: `minNotional`; 0 if no such filter).
 * MIN_NOTIONAL does not bind reduce-only orders on USDⓈ-M (SPEC R3).
 */
export function fromBinanceSymbol(s: unknown): Result<MarketRules, string> {
  const parsed = SymbolSchema.safeParse(s);
  if (!parsed.success) {
    return err(`${nameOf(s)}: ${describeZodError(parsed.error)}`);
  }
  const sym = parsed.data;
  const id = sym.symbol;

  const priceFilter = findFilter(sym, 'PRICE_FILTER');
  if (!priceFilter) return err(`${id}: PRICE_FILTER missing`);
  const lot = findFilter(sym, 'LOT_SIZE');
  if (!lot) return err(`${id}: LOT_SIZE missing`);
  const marketLot = findFilter(sym, 'MARKET_LOT_SIZE') ?? lot;
  const marketLotName = marketLot === lot ? 'LOT_SIZE' : 'MARKET_LOT_SIZE';
  const notionalFilter = findFilter(sym, 'MIN_NOTIONAL', 'NOTIONAL');

  const tick = wireDec(priceFilter['tickSize'], `${id}: PRICE_FILTER.tickSize`);
  if (!tick.ok) return tick;
  if (tick.value.int === 0n) return err(`${id}: PRICE_FILTER.tickSize must be positive`);
  const step = wireDec(lot['stepSize'], `${id}: LOT_SIZE.stepSize`);
  if (!step.ok) return step;
  if (step.value.int === 0n) return err(`${id}: LOT_SIZE.stepSize must be positive`);

  const qty = (f: BinanceFilter, name: string, key: 'minQty' | 'maxQty'): Result<Dec, string> => wireDec(f[key], `${id}: ${name}.${key}`);
  const minLimit = qty(lot, 'LOT_SIZE', 'minQty');
  if (!minLimit.ok) return minLimit;
  const maxLimit = qty(lot, 'LOT_SIZE', 'maxQty');
  if (!maxLimit.ok) return maxLimit;
  const minMarket = qty(marketLot, marketLotName, 'minQty');
  if (!minMarket.ok) return minMarket;
  const maxMarket = qty(marketLot, marketLotName, 'maxQty');
  if (!maxMarket.ok) return maxMarket;

  const minLimitSteps = minQtyToSteps(minLimit.value, step.value, `${id}: LOT_SIZE.minQty`);
  if (!minLimitSteps.ok) return minLimitSteps;
  const minMarketSteps = minQtyToSteps(minMarket.value, step.value, `${id}: ${marketLotName}.minQty`);
  if (!minMarketSteps.ok) return minMarketSteps;

  // An order size no order can have: every entry would be refused, for a reason no message would name.
  const maxLimitSteps = maxQtyToSteps(maxLimit.value, step.value);
  const maxMarketSteps = maxQtyToSteps(maxMarket.value, step.value);
  for (const [name, min, max, minSteps, maxSteps] of [
    ['LOT_SIZE', minLimit.value, maxLimit.value, minLimitSteps.value, maxLimitSteps],
    [marketLotName, minMarket.value, maxMarket.value, minMarketSteps.value, maxMarketSteps],
  ] as const) {
    if (maxSteps === 0) return err(`${id}: ${name}.maxQty ${formatScaled(1, max)} allows no order of step ${formatScaled(1, step.value)}`);
    if (maxSteps < minSteps) return err(`${id}: ${name}.maxQty ${formatScaled(1, max)} is below its minQty ${formatScaled(1, min)}`);
  }

  let minNotional = 0;
  if (notionalFilter) {
    // USDⓈ-M says `notional`, spot `minNotional`; a missing value is reported under the USDⓈ-M name.
    const key = notionalFilter['notional'] === undefined && notionalFilter['minNotional'] !== undefined ? 'minNotional' : 'notional';
    const n = wireDec(notionalFilter[key], `${id}: ${notionalFilter.filterType}.${key}`);
    if (!n.ok) return n;
    minNotional = scaledToNumber(1, n.value);
  }

  const symbol = unifiedSymbolOf(sym);
  if (!symbol.ok) return symbol;

  return ok({
    id,
    symbol: symbol.value,
    base: unifiedCode(sym.baseAsset),
    quote: unifiedCode(sym.quoteAsset),
    tickSize: tick.value,
    stepSize: step.value,
    minQtySteps: { limit: minLimitSteps.value, market: minMarketSteps.value },
    maxQtySteps: { limit: maxLimitSteps, market: maxMarketSteps },
    minNotional,
    minNotionalAppliesToReduceOnly: false,
    status: sym.status,
    contractType: sym.contractType === '' ? undefined : sym.contractType,
  });
}

/**
 * Every symbol of a Binance exchangeInfo response, keyed by exchange id (`BTCUSDT`). All-or-nothing:
 * any malformed symbol (or a duplicate id) is reported, one string per problem.
 */
export function marketsFromExchangeInfo(json: unknown): Result<Map<string, MarketRules>, string[]> {
  const parsed = ExchangeInfoSchema.safeParse(json);
  if (!parsed.success) return err([`exchangeInfo: ${describeZodError(parsed.error)}`]);
  const markets = new Map<string, MarketRules>();
  const errors: string[] = [];
  parsed.data.symbols.forEach((entry, i) => {
    const r = fromBinanceSymbol(entry);
    if (!r.ok) errors.push(`symbols[${i}] ${r.error}`);
    else if (markets.has(r.value.id)) errors.push(`symbols[${i}] ${r.value.id}: duplicate symbol`);
    else markets.set(r.value.id, r.value);
  });
  return errors.length > 0 ? err(errors) : ok(markets);
}
