/**
 * What to download and where: Binance's public monthly archives on data.binance.vision.
 *
 *   <base>/data/futures/um/monthly/klines/<SYMBOL>/<interval>/<SYMBOL>-<interval>-<YYYY-MM>.zip           (USDⓈ-M futures)
 *   <base>/data/spot/monthly/klines/<SYMBOL>/<interval>/<SYMBOL>-<interval>-<YYYY-MM>.zip                 (spot)
 *   <base>/data/futures/um/monthly/markPriceKlines/<SYMBOL>/<interval>/<SYMBOL>-<interval>-<YYYY-MM>.zip   (mark price, futures only)
 *   <base>/data/futures/um/monthly/fundingRate/<SYMBOL>/<SYMBOL>-fundingRate-<YYYY-MM>.zip                (funding, futures only)
 *
 * each beside `<name>.zip.CHECKSUM`, whose text is `sha256sum`'s output: `<sha256>  <name>.zip`.
 * (binance/binance-public-data: python/download-futures-markPriceKlines.py and utility.py get_path at
 * 5c7f319; the fundingRate names as in its pull request #322, python/download-futures-fundingRates.py.)
 */
import { join } from 'node:path';
import { assertNever } from '../../core/result.ts';
import { isTimeframeName, parseTimeframe, type TimeframeName } from '../timeframe.ts';
import { DownloadError } from './download-error.ts';

export const MARKETS = ['futures', 'spot'] as const;
export type Market = (typeof MARKETS)[number];

export const DEFAULT_BASE_URL = 'https://data.binance.vision';

/** `klines` (the default), `mark` (mark-price klines) or `funding` (funding rates). */
export const DATA_TYPES = ['klines', 'mark', 'funding'] as const;
export type DataType = (typeof DATA_TYPES)[number];

/** One series of monthly archives: its type, and what places it (market, interval). */
export type ArchiveKind =
  | { readonly type: 'klines'; readonly market: Market; readonly interval: TimeframeName }
  | { readonly type: 'mark'; readonly interval: TimeframeName }
  | { readonly type: 'funding' };

/** Where each market's monthly klines live under the base URL. */
const MARKET_PATH: Record<Market, string> = {
  futures: 'data/futures/um/monthly/klines',
  spot: 'data/spot/monthly/klines',
};
const MARK_PATH = 'data/futures/um/monthly/markPriceKlines';
const FUNDING_PATH = 'data/futures/um/monthly/fundingRate';

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

export function parseDataType(text: string): DataType {
  const s = text.trim().toLowerCase();
  if ((DATA_TYPES as readonly string[]).includes(s)) return s as DataType;
  throw new DownloadError('badInput', `--type: ${JSON.stringify(text)} is not one of ${DATA_TYPES.join(', ')}`);
}

/**
 * The archives `--type`, `--market` and `--interval` ask for. Mark prices and funding rates exist
 * for USDⓈ-M futures only; funding archives have no interval (one file a month holds every
 * settlement, whatever its interval).
 */
export function archiveKind(type: DataType, market: Market, interval: string | undefined): ArchiveKind {
  if (type !== 'klines' && market !== 'futures') {
    throw new DownloadError('badInput', `--type ${type}: Binance publishes ${type === 'funding' ? 'funding rates' : 'mark-price klines'} for USDⓈ-M futures only, not for --market ${market}`);
  }
  if (type === 'funding') {
    if (interval !== undefined) throw new DownloadError('badInput', '--interval: --type funding takes none (each monthly archive holds every settlement, whatever its interval)');
    return { type };
  }
  if (interval === undefined) throw new DownloadError('badInput', `--interval: required for --type ${type}`);
  return type === 'mark' ? { type, interval: parseInterval(interval) } : { type, market, interval: parseInterval(interval) };
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
  readonly kind: ArchiveKind;
  readonly month: YearMonth;
  /** `BTCUSDT-1h-2024-01.zip` */
  readonly fileName: string;
  readonly url: string;
  readonly checksumUrl: string;
  /** `BTCUSDT 1h 2024-01`, `BTCUSDT mark 1h 2024-01`, `BTCUSDT funding 2024-01`, for messages. */
  readonly label: string;
}

/** `1h`, `mark 1h`, `funding`: what a kind is called in messages, after the symbol. */
export function kindLabel(kind: ArchiveKind): string {
  switch (kind.type) {
    case 'klines':
      return kind.interval;
    case 'mark':
      return `mark ${kind.interval}`;
    case 'funding':
      return 'funding';
    default:
      return assertNever(kind);
  }
}

export function archiveRef(baseUrl: string, kind: ArchiveKind, symbol: string, month: YearMonth): ArchiveRef {
  const ym = formatYearMonth(month);
  const fileName = kind.type === 'funding' ? `${symbol}-fundingRate-${ym}.zip` : `${symbol}-${kind.interval}-${ym}.zip`;
  const dir =
    kind.type === 'funding' ? `${FUNDING_PATH}/${symbol}` : `${kind.type === 'mark' ? MARK_PATH : MARKET_PATH[kind.market]}/${symbol}/${kind.interval}`;
  const url = `${baseUrl}/${dir}/${fileName}`;
  return { symbol, kind, month, fileName, url, checksumUrl: `${url}.CHECKSUM`, label: `${symbol} ${kindLabel(kind)} ${ym}` };
}

/**
 * Relative to the working directory: `data/binance/<market>/<SYMBOL>/<interval>` for klines,
 * `data/binance/futures/<SYMBOL>/mark-<interval>` and `data/binance/futures/<SYMBOL>/funding`.
 */
export function defaultOutDir(kind: ArchiveKind, symbol: string): string {
  switch (kind.type) {
    case 'klines':
      return join('data', 'binance', kind.market, symbol, kind.interval);
    case 'mark':
      return join('data', 'binance', 'futures', symbol, `mark-${kind.interval}`);
    case 'funding':
      return join('data', 'binance', 'futures', symbol, 'funding');
    default:
      return assertNever(kind);
  }
}

