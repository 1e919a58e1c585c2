/**
 * Where the benchmark finds its inputs, resolved from this file's location (never the working
 * directory): the shared real data sits beside the checkout (`../shared/data/`, see its README).
 */
import { fileURLToPath } from 'node:url';

/** Binance spot kline CSVs (1h for ten symbols, 15m for three). */
export const KLINES_DIR = fileURLToPath(new URL('../../shared/data/binance-spot-klines/', import.meta.url));
/** One real Binance USDⓈ-M exchangeInfo response: the symbols' tick and step rules. */
export const EXCHANGE_INFO = fileURLToPath(new URL('../../shared/data/binance-usdm-exchange-info.json', import.meta.url));
/** The shipped example config (ema_cross 12/26, three-level ladder, pessimistic path). */
export const EXAMPLE_CONFIG = fileURLToPath(new URL('../examples/scaled.config.json', import.meta.url));
/** The child-process entry of the 10M-candle run. */
export const CHILD_10M = fileURLToPath(new URL('./run-10m.ts', import.meta.url));

/** The ten 1h symbols of the shared data, in a fixed order. */
export const SYMBOLS_1H = ['BTCUSDT', 'ETHUSDT', 'BNBUSDT', 'SOLUSDT', 'XRPUSDT', 'ADAUSDT', 'DOGEUSDT', 'AVAXUSDT', 'LINKUSDT', 'DOTUSDT'] as const;

export const klineFile = (symbol: string, interval: '1h' | '15m'): string => `${KLINES_DIR}${symbol}-${interval}.csv`;
