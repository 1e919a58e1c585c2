/**
 * What to download and where: Binance's public monthly kline archives on data.binance.vision.
 *
 *   <base>/data/futures/um/monthly/klines/<SYMBOL>/<interval>/<SYMBOL>-<interval>-<YYYY-MM>.zip   (USDⓈ-M futures)
 *   <base>/data/spot/monthly/klines/<SYMBOL>/<interval>/<SYMBOL>-<interval>-<YYYY-MM>.zip         (spot)
 *
 * each beside `<name>.zip.CHECKSUM`, whose text is `sha256sum`'s output: `<sha256>  <name>.zip`.
 */
import { join } from 'node:path';
import { isTimeframeName, parseTimeframe, type TimeframeName } from '../timeframe.ts';
import { DownloadError } from './download-error.ts';

export const MARKETS = ['futures', 'spot'] as const;
export type Market = (typeof MARKETS)[number];

export const DEFAULT_BASE_URL = 'https://data.binance.vision';

/** Where each market's monthly klines live under the base URL. */
const MARKET_PATH: Record<Market, string> = {
  futures: 'data/futures/um/monthly/klines',
  spot: 'data/spot/monthly/klines',
};

/** A calendar month, UTC; `month` is 1–12. */
export interface YearMonth {
  readonly year: number;
  readonly month: number;
}

export const formatYearMonth = (m: YearMonth): string => `${m.year}-${String(m.month).padStart(2, '0')}`;

/** First instant of the month, ms UTC. */
export const monthStartMs = (m: YearMonth): number => Date.UTC(m.year, m.month - 1, 1);

export const nextMonth = (m: YearMonth): YearMonth => (m.month === 12 ? { year: m.year + 1, month: 1 } : { year: m.year, month: m.month + 1 });

/** `2024-01` → { year: 2024, month: 1 }; throws `badInput` naming the option otherwise. */
export function parseYearMonth(option: string, text: string): YearMonth {
  const m = /^(\d{4})-(\d{2})$/.exec(text.trim());
  const month = m ? Number(m[2]) : 0;
  if (!m || month < 1 || month > 12) throw new DownloadError('badInput', `${option}: not a month (${JSON.stringify(text)}; expected YYYY-MM like 2024-01)`);
  return { year: Number(m[1]), month };
}

/** Every month from `from` to `to`, both included; throws when `from` is after `to`. */
export function monthsBetween(from: YearMonth, to: YearMonth): YearMonth[] {
  if (monthStartMs(from) > monthStartMs(to)) throw new DownloadError('badInput', `--from ${formatYearMonth(from)} is after --to ${formatYearMonth(to)}`);
  const out: YearMonth[] = [];
  for (let m = from; monthStartMs(m) <= monthStartMs(to); m = nextMonth(m)) out.push(m);
  return out;
}

/** `btcusdt` → `BTCUSDT`. Binance's exchange ids are upper-case letters and digits (`1000PEPEUSDT`). */
export function parseSymbol(text: string): string {
  const s = text.trim().toUpperCase();
  if (/^[A-Z0-9]{2,30}$/.test(s)) return s;
  const hint = /[/:_-]/.test(s) ? `; use the exchange id, e.g. ${s.split(':')[0]?.replace(/[/_-]/g, '')}` : '';
  throw new DownloadError('badInput', `--symbol: not a Binance symbol (${JSON.stringify(text)}; expected letters and digits like BTCUSDT${hint})`);
}

/** A Binance kline interval that Ladder's loaders read (`1m` … `1w`; not `1s`, `3d`, `1mo`). */
export function parseInterval(text: string): TimeframeName {
  const s = text.trim();
  if (isTimeframeName(s)) return s;
  let why = `unknown interval ${JSON.stringify(text)}`;
  try {
    parseTimeframe(s); // only for its message, which lists the valid names
  } catch (e) {
    why = (e as Error).message.replace(/^unknown timeframe/, 'unknown interval');
  }
  throw new DownloadError('badInput', `--interval: ${why}`);
}

export function parseMarket(text: string): Market {
  const s = text.trim().toLowerCase();
  if ((MARKETS as readonly string[]).includes(s)) return s as Market;
  throw new DownloadError('badInput', `--market: ${JSON.stringify(text)} is not one of ${MARKETS.join(', ')}`);
}

/** An http(s) URL without a trailing slash; a path prefix (a mirror's root) is kept. */
export function parseBaseUrl(text: string): string {
  let u: URL;
  try {
    u = new URL(text.trim());
  } catch {
    throw new DownloadError('badInput', `--base-url: not a URL (${JSON.stringify(text)})`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new DownloadError('badInput', `--base-url: must be http or https (${JSON.stringify(text)})`);
  if (u.search || u.hash) throw new DownloadError('badInput', `--base-url: no query or fragment, please (${JSON.stringify(text)})`);
  return u.href.replace(/\/+$/, '');
}

/** One month's archive. */
export interface ArchiveRef {
  readonly symbol: string;
  readonly interval: TimeframeName;
  readonly market: Market;
  readonly month: YearMonth;
  /** `BTCUSDT-1h-2024-01.zip` */
  readonly fileName: string;
  readonly url: string;
  readonly checksumUrl: string;
  /** `BTCUSDT 1h 2024-01`, for messages. */
  readonly label: string;
}

export function archiveRef(baseUrl: string, market: Market, symbol: string, interval: TimeframeName, month: YearMonth): ArchiveRef {
  const ym = formatYearMonth(month);
  const fileName = `${symbol}-${interval}-${ym}.zip`;
  const url = `${baseUrl}/${MARKET_PATH[market]}/${symbol}/${interval}/${fileName}`;
  return { symbol, interval, market, month, fileName, url, checksumUrl: `${url}.CHECKSUM`, label: `${symbol} ${interval} ${ym}` };
}

/** `data/binance/<market>/<SYMBOL>/<interval>`, relative to the working directory. */
export const defaultOutDir = (market: Market, symbol: string, interval: TimeframeName): string => join('data', 'binance', market, symbol, interval);
