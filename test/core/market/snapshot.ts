/**
 * The real Binance USDⓈ-M exchangeInfo snapshot (../shared/data beside the checkout; see its README)
 * and small readers of its raw entries, for expected values taken from the file itself.
 */
import ccxt from 'ccxt';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url));
export const SNAPSHOT_PATH = path.resolve(REPO_ROOT, '../shared/data/binance-usdm-exchange-info.json');
export const EXCERPT_PATH = path.resolve(REPO_ROOT, 'data/markets/binance-usdm-excerpt.json');

export interface RawFilter {
  readonly filterType: string;
  readonly [key: string]: unknown;
}
export interface RawSymbol {
  readonly symbol: string;
  readonly contractType: string;
  readonly status: string;
  readonly deliveryDate: number;
  readonly baseAsset: string;
  readonly quoteAsset: string;
  readonly marginAsset: string;
  readonly filters: readonly RawFilter[];
  readonly [key: string]: unknown;
}
export interface RawExchangeInfo {
  readonly symbols: readonly RawSymbol[];
  readonly [key: string]: unknown;
}

export const readJson = (file: string): unknown => JSON.parse(readFileSync(file, 'utf8'));
/** A fresh parse each call, so tests may alter their copy. */
export const loadSnapshot = (): RawExchangeInfo => readJson(SNAPSHOT_PATH) as RawExchangeInfo;

/** The ten symbols the bot trades (data README table). */
export const TEN = ['BTCUSDT', 'ETHUSDT', 'BNBUSDT', 'SOLUSDT', 'XRPUSDT', 'ADAUSDT', 'DOGEUSDT', 'AVAXUSDT', 'LINKUSDT', 'DOTUSDT'] as const;

export function rawSymbol(info: RawExchangeInfo, id: string): RawSymbol {
  const s = info.symbols.find((x) => x.symbol === id);
  if (!s) throw new Error(`snapshot has no ${id}`);
  return s;
}

/** A filter field's text, looked up by filterType and name. */
export function rawField(s: RawSymbol, filterType: string, key: string): string {
  const f = s.filters.find((x) => x.filterType === filterType);
  const v = f?.[key];
  if (typeof v !== 'string') throw new Error(`${s.symbol}: ${filterType}.${key} is not a string`);
  return v;
}

/** `qty / step` for on-grid snapshot values, computed independently of the code under test. */
export function onGridSteps(qty: string, step: string): number {
  const scale = Math.max(decimals(qty), decimals(step));
  const q = BigInt(Math.round(Number(qty) * 10 ** scale));
  const st = BigInt(Math.round(Number(step) * 10 ** scale));
  if (q % st !== 0n) throw new Error(`${qty} is not a multiple of ${step}`);
  return Number(q / st);
}
const decimals = (s: string): number => (s.split('.')[1] ?? '').length;

/** The canonical text of a decimal string: no trailing fractional zeros ("0.0100" → "0.01"). */
export const canonical = (s: string): string => (s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s);

/** A ccxt market as ccxt's own parser builds it, with id and symbol known to be set. */
export type ParsedCcxtMarket = Record<string, unknown> & { readonly id: string; readonly symbol: string; readonly precision: unknown };

/** ccxt 4.5 `binanceusdm.parseMarket` over every symbol: exactly what `loadMarkets()` would hold. */
export function ccxtMarketsOf(info: RawExchangeInfo): ParsedCcxtMarket[] {
  const exchange = new ccxt.binanceusdm();
  return info.symbols.map((s) => {
    const m = exchange.parseMarket(structuredClone(s) as Record<string, unknown>);
    if (m?.id === undefined || m.symbol === undefined) throw new Error(`ccxt could not parse ${s.symbol}`);
    return { ...m, id: m.id, symbol: m.symbol };
  });
}
