import { type Result, err, ok } from '../result.ts';
import { marketsFromExchangeInfo } from './binance-exchange-info.ts';
import { type CcxtMarketOptions, fromCcxtMarket } from './ccxt-market.ts';
import type { MarketRules } from './market-rules.ts';

/*
 * The `--markets FILE` formats (SPEC "Data formats"): a Binance exchangeInfo response, or ccxt
 * markets JSON (`exchange.markets`, keyed by unified symbol, or an array of market structures).
 */

/** Markets keyed by exchange id (`BTCUSDT`). */
export type Markets = ReadonlyMap<string, MarketRules>;

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

function fromCcxtMarkets(entries: readonly (readonly [string, unknown])[], opts: CcxtMarketOptions): Result<Map<string, MarketRules>, string[]> {
  const markets = new Map<string, MarketRules>();
  const errors: string[] = [];
  for (const [where, entry] of entries) {
    const r = fromCcxtMarket(entry, opts);
    if (!r.ok) {
      errors.push(r.error.startsWith(`${where}: `) ? r.error : `${where}: ${r.error}`); // keyed by its symbol: named once
      continue;
    }
    const prev = markets.get(r.value.id);
    // binance (not binanceusdm) lists spot BTC/USDT and swap BTC/USDT:USDT under the same id BTCUSDT.
    if (prev) errors.push(`${where}: id ${r.value.id} is used by both ${prev.symbol} and ${r.value.symbol} (use one market type, e.g. binanceusdm)`);
    else markets.set(r.value.id, r.value);
  }
  return errors.length > 0 ? err(errors) : ok(markets);
}

/**
 * Markets from a parsed `--markets` file: a Binance exchangeInfo response (an object with `symbols`),
 * a ccxt markets object keyed by unified symbol, or an array of ccxt markets. Keyed by exchange id;
 * every problem is reported, one string each.
 */
export function parseMarketsFile(json: unknown, opts: CcxtMarketOptions = {}): Result<Map<string, MarketRules>, string[]> {
  if (isRecord(json) && Array.isArray(json['symbols'])) return marketsFromExchangeInfo(json);
  if (Array.isArray(json)) return fromCcxtMarkets(json.map((m, i) => [`[${i}]`, m] as const), opts);
  if (isRecord(json)) {
    const entries = Object.entries(json);
    const looksCcxt = entries.length > 0 && entries.every(([, m]) => isRecord(m) && 'symbol' in m && 'precision' in m);
    if (looksCcxt) return fromCcxtMarkets(entries, opts);
  }
  return err(['not a markets file: expected a Binance exchangeInfo response (with "symbols") or ccxt markets (an object keyed by symbol, or an array)']);
}

/** The same markets keyed by ccxt unified symbol (`BTC/USDT:USDT`, `BTC/USDT:USDT-241227`). */
export function marketsBySymbol(markets: Markets): Map<string, MarketRules> {
  return new Map([...markets.values()].map((m) => [m.symbol, m]));
}

/** A market by exchange id (`BTCUSDT`) or by ccxt unified symbol (`BTC/USDT:USDT`); undefined if unknown. */
export function findMarket(markets: Markets, idOrSymbol: string): MarketRules | undefined {
  const byId = markets.get(idOrSymbol);
  if (byId) return byId;
  for (const m of markets.values()) if (m.symbol === idOrSymbol) return m;
  return undefined;
}
