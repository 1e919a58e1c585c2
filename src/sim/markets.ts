import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { type Dec, decOfNumber, div, floorRatio, formatScaled, parseDec, ratioOf, scaledToNumber } from '../core/decimal.ts';

/** The repository root (this file is src/sim/markets.ts). */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Where the exchange information comes from when `--markets` is not given, first existing wins. */
export const DEFAULT_MARKETS_FILES = [
  path.resolve(REPO_ROOT, '../shared/data/binance-usdm-exchange-info.json'),
  path.resolve(REPO_ROOT, 'data/markets/binance-usdm-excerpt.json'),
];

/** One symbol's trading rules, read from its Binance `exchangeInfo` entry (filters looked up by `filterType`). */
export interface SymbolRules {
  readonly symbol: string;
  readonly status: string;
  readonly contractType: string;
  readonly baseAsset: string;
  readonly quoteAsset: string;
  readonly marginAsset: string;
  readonly pricePrecision: number;
  readonly quantityPrecision: number;
  /** PRICE_FILTER tickSize: prices are integer ticks of it. */
  readonly tickSize: Dec;
  /** LOT_SIZE stepSize: quantities are integer steps of it. */
  readonly stepSize: Dec;
  readonly minPriceTicks: number;
  readonly maxPriceTicks: number;
  /** LOT_SIZE (limit-type orders) and MARKET_LOT_SIZE (market-type orders), in steps. */
  readonly limitQty: { readonly minSteps: number; readonly maxSteps: number };
  readonly marketQty: { readonly minSteps: number; readonly maxSteps: number; readonly stepSteps: number };
  /** MIN_NOTIONAL `notional` (quote currency), and its text for error messages. */
  readonly minNotional: number;
  readonly minNotionalText: string;
  /** PERCENT_PRICE bounds relative to the mark price. */
  readonly multiplierUp: number;
  readonly multiplierDown: number;
  readonly maxNumOrders: number;
  readonly maxNumAlgoOrders: number;
  readonly orderTypes: readonly string[];
  readonly timeInForce: readonly string[];
}

/** A loaded exchange-information document: the JSON served on `/fapi/v1/exchangeInfo` and its parsed rules. */
export interface MarketsTable {
  readonly source: string;
  readonly info: Record<string, unknown>;
  readonly rules: ReadonlyMap<string, SymbolRules>;
}

type Json = Record<string, unknown>;

const str = (o: Json, k: string): string => {
  const v = o[k];
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  throw new Error(`missing field ${k}`);
};

function filterOf(filters: readonly Json[], type: string): Json {
  const f = filters.find((x) => x['filterType'] === type);
  if (!f) throw new Error(`missing filter ${type}`);
  return f;
}

/** `text` as a whole number of `unit`s, or `undefined` when it is not an exact multiple. */
export function exactUnits(text: string, unit: Dec): number | undefined {
  const r = div(ratioOf(parseDec(text)), ratioOf(unit));
  if (r.num % r.den !== 0n) return undefined;
  return Number(r.num / r.den);
}

/** `text` in units, rounded down (used for filter bounds like minQty, which are multiples anyway). */
function floorUnits(text: string, unit: Dec): number {
  const r = div(ratioOf(parseDec(text)), ratioOf(unit));
  return Number(r.num / r.den);
}

/** Number of decimals written in a decimal text ("0.0100" → 4, "5" → 0, "1e-3" → 3). */
export function decimalsOf(text: string): number {
  return Math.max(0, parseDec(text).scale);
}

export function parseSymbolRules(s: Json): SymbolRules {
  const filters = (s['filters'] as Json[] | undefined) ?? [];
  const price = filterOf(filters, 'PRICE_FILTER');
  const lot = filterOf(filters, 'LOT_SIZE');
  const mlot = filters.find((f) => f['filterType'] === 'MARKET_LOT_SIZE') ?? lot;
  const notional = filters.find((f) => f['filterType'] === 'MIN_NOTIONAL');
  const pct = filters.find((f) => f['filterType'] === 'PERCENT_PRICE');
  const maxOrders = filters.find((f) => f['filterType'] === 'MAX_NUM_ORDERS');
  const maxAlgo = filters.find((f) => f['filterType'] === 'MAX_NUM_ALGO_ORDERS');
  const tickSize = parseDec(str(price, 'tickSize'));
  const stepSize = parseDec(str(lot, 'stepSize'));
  const minNotionalText = notional ? str(notional, 'notional') : '0';
  return {
    symbol: str(s, 'symbol'),
    status: typeof s['status'] === 'string' ? s['status'] : 'TRADING',
    contractType: typeof s['contractType'] === 'string' ? s['contractType'] : 'PERPETUAL',
    baseAsset: str(s, 'baseAsset'),
    quoteAsset: str(s, 'quoteAsset'),
    marginAsset: typeof s['marginAsset'] === 'string' ? s['marginAsset'] : str(s, 'quoteAsset'),
    pricePrecision: Number(s['pricePrecision'] ?? decimalsOf(str(price, 'tickSize'))),
    quantityPrecision: Number(s['quantityPrecision'] ?? decimalsOf(str(lot, 'stepSize'))),
    tickSize,
    stepSize,
    minPriceTicks: floorUnits(str(price, 'minPrice'), tickSize),
    maxPriceTicks: floorUnits(str(price, 'maxPrice'), tickSize),
    limitQty: { minSteps: floorUnits(str(lot, 'minQty'), stepSize), maxSteps: floorUnits(str(lot, 'maxQty'), stepSize) },
    marketQty: {
      minSteps: floorUnits(str(mlot, 'minQty'), stepSize),
      maxSteps: floorUnits(str(mlot, 'maxQty'), stepSize),
      stepSteps: Math.max(1, floorUnits(str(mlot, 'stepSize'), stepSize)),
    },
    minNotional: Number(minNotionalText),
    minNotionalText: String(Number(minNotionalText)),
    multiplierUp: pct ? Number(str(pct, 'multiplierUp')) : Infinity,
    multiplierDown: pct ? Number(str(pct, 'multiplierDown')) : 0,
    maxNumOrders: maxOrders ? Number(maxOrders['limit']) : 200,
    maxNumAlgoOrders: maxAlgo ? Number(maxAlgo['limit']) : 10,
    orderTypes: (s['orderTypes'] as string[] | undefined) ?? ['LIMIT', 'MARKET', 'STOP', 'STOP_MARKET', 'TAKE_PROFIT', 'TAKE_PROFIT_MARKET'],
    timeInForce: (s['timeInForce'] as string[] | undefined) ?? ['GTC', 'IOC', 'FOK', 'GTX'],
  };
}

const DEFAULT_RATE_LIMITS = [
  { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 2400 },
  { rateLimitType: 'ORDERS', interval: 'MINUTE', intervalNum: 1, limit: 1200 },
  { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 300 },
];

/**
 * Accepts a Binance `exchangeInfo` response, or ccxt markets JSON (an object or array of markets whose
 * `info` is the Binance symbol entry), and returns an `exchangeInfo` document either way.
 */
export function toExchangeInfo(doc: unknown): Json {
  if (doc && typeof doc === 'object' && Array.isArray((doc as Json)['symbols'])) return doc as Json;
  const markets = Array.isArray(doc) ? doc : doc && typeof doc === 'object' ? Object.values(doc) : [];
  const symbols = markets
    .map((m) => (m && typeof m === 'object' ? (m as Json)['info'] : undefined))
    .filter((i): i is Json => !!i && typeof i === 'object' && Array.isArray((i as Json)['filters']));
  if (symbols.length === 0) throw new Error('not a Binance exchangeInfo document nor ccxt markets JSON');
  return { timezone: 'UTC', serverTime: 0, futuresType: 'U_MARGINED', rateLimits: DEFAULT_RATE_LIMITS, exchangeFilters: [], assets: [], symbols };
}

export function loadMarkets(file?: string): MarketsTable {
  const source = file ?? DEFAULT_MARKETS_FILES.find((f) => existsSync(f));
  if (!source) throw new Error(`no exchange information found; looked for ${DEFAULT_MARKETS_FILES.join(', ')} (use --markets FILE)`);
  // Every problem names the file (a bare 'Unexpected end of JSON input' did not say which).
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(source, 'utf8').replace(/^\uFEFF/, ''));
  } catch (e) {
    throw new Error(`${source}: ${e instanceof SyntaxError ? 'malformed JSON: ' : ''}${(e as Error).message}`);
  }
  let info: Json;
  try {
    info = toExchangeInfo(doc);
  } catch (e) {
    throw new Error(`${source}: ${(e as Error).message}`);
  }
  const rules = new Map<string, SymbolRules>();
  (info['symbols'] as Json[]).forEach((s, i) => {
    const where = `${source}: symbols[${i}] ${String(s['symbol'])}`;
    // A zero tick or step made the symbol fail below and vanish without a word (a file of it alone served no market).
    const filters = Array.isArray(s['filters']) ? (s['filters'] as Json[]) : [];
    for (const [type, key] of [['PRICE_FILTER', 'tickSize'], ['LOT_SIZE', 'stepSize']] as const) {
      const size = filters.find((f) => f['filterType'] === type)?.[key];
      if (typeof size === 'string' && /^[0-9.]+$/.test(size) && !/[1-9]/.test(size)) throw new Error(`${where}: ${type}.${key} must be positive (got ${JSON.stringify(size)})`);
    }
    let r: SymbolRules;
    try {
      r = parseSymbolRules(s);
    } catch {
      // A symbol without the filters we need (none in the real snapshot) is simply not tradable here.
      return;
    }
    // A second entry of a symbol replaced the first.
    if (rules.has(r.symbol)) throw new Error(`${where}: duplicate symbol`);
    rules.set(r.symbol, r);
  });
  return { source, info, rules };
}

/** Exact price text of `ticks` ("60000.1"). */
export const priceText = (ticks: number, r: SymbolRules): string => formatScaled(ticks, r.tickSize);
/** Exact quantity text of `steps` ("0.005"). */
export const qtyText = (steps: number, r: SymbolRules): string => formatScaled(steps, r.stepSize);
/** Price of `ticks` as a number (for money arithmetic). */
export const priceNum = (ticks: number, r: SymbolRules): number => scaledToNumber(ticks, r.tickSize);
/** Quantity of `steps` as a number (for money arithmetic). */
export const qtyNum = (steps: number, r: SymbolRules): number => scaledToNumber(steps, r.stepSize);

/**
 * A price (spot candles, a random walk, an admin request) rounded to the nearest tick, half up, using
 * the decimal the number stands for (47255.85 → 47255.9 on a 0.1 tick, not 47255.8 by float error).
 */
export function nearestTicks(price: number, r: SymbolRules): number {
  const q = div(ratioOf(decOfNumber(price)), ratioOf(r.tickSize));
  return Math.max(1, Number(floorRatio({ num: 2n * q.num + q.den, den: 2n * q.den })));
}
