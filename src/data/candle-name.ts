/**
 * What a candle file's name says: `BTCUSDT-1h.csv`, `BTCUSDT-1h-2024-01.zip` (Binance's archive
 * names) → symbol `BTCUSDT`, timeframe `1h`; `BTCUSDT_241227-1h-2024-10.zip` → `BTCUSDT_241227`.
 */
import { basename } from 'node:path';
import { isTimeframeName, TIMEFRAMES } from './timeframe.ts';

/** File endings the loader reads. */
export const CANDLE_FILE_RE = /\.(?:csv|csv\.gz|zip)$/i;

// A USDⓈ-M delivery contract carries its date: Binance's archives name it BTCUSDT_241227-1h-2024-10.zip.
const NAME_RE = /^([A-Za-z0-9]{2,}(?:_\d{6})?)[-_](\d+[mhdwM])(?:[-_.]|$)/;

export interface NameInfo {
  readonly symbol?: string;
  readonly timeframeMs?: number;
}

/** Symbol and timeframe from a `SYMBOL-<interval>[...]` file name; empty if it is not one. */
export function infoFromFileName(path: string): NameInfo {
  const m = NAME_RE.exec(basename(path));
  if (!m) return {};
  const tf = m[2] as string;
  return { symbol: (m[1] as string).toUpperCase(), ...(isTimeframeName(tf) ? { timeframeMs: TIMEFRAMES[tf] } : {}) };
}
