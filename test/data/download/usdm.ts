/**
 * Real USDⓈ-M rows for the downloader's funding and mark-price archives: months cut from the shared
 * files (`../shared/data/binance-usdm-funding/`, `binance-usdm-mark-1h/`, see their READMEs), which
 * were joined from Binance's monthly archives: header line, then that month's rows, untouched.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FUNDING, MARK_1H } from '../paths.ts';
import { linesInMonth } from './klines.ts';

const cache = new Map<string, string[]>();
const linesOf = (path: string): string[] => {
  let lines = cache.get(path);
  if (lines === undefined) cache.set(path, (lines = readFileSync(path, 'utf8').split('\n').filter((l) => l !== '')));
  return lines;
};

function monthCsv(path: string, ym: string): string {
  const lines = linesOf(path);
  return `${lines[0]}\n${linesInMonth(lines.slice(1), ym).join('\n')}\n`;
}

/** `SYMBOL-fundingRate-<ym>`'s CSV: `calc_time,funding_interval_hours,last_funding_rate` and the month's settlements. */
export const fundingCsv = (symbol: string, ym: string): string => monthCsv(join(FUNDING, `${symbol}-fundingRate.csv`), ym);

/** A month of 1h mark-price klines of `symbol`, header line first. */
export const markCsv = (symbol: string, ym: string): string => monthCsv(join(MARK_1H, `${symbol}-1h.csv`), ym);
