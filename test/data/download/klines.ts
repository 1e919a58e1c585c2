/**
 * Real kline rows for the downloader's archives: months cut from the shared Binance spot file
 * (`../shared/data/binance-spot-klines/BTCUSDT-1h.csv`, see its README), in the layouts Binance
 * publishes: spot without a header (µs open times from 2025), USDⓈ-M futures with one.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KLINES } from '../paths.ts';

/** The header line of Binance's USDⓈ-M futures kline archives. */
export const FUTURES_HEADER = 'open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore';

let lines: string[] | undefined;

/** The BTCUSDT 1h rows whose open time falls in `ym` (`2024-01`), as CSV text lines. */
export function monthLines(ym: string): string[] {
  lines ??= readFileSync(join(KLINES, 'BTCUSDT-1h.csv'), 'utf8').split('\n').filter((l) => l !== '');
  return linesInMonth(lines, ym);
}

/** The CSV lines whose first field (a time in ms) falls in `ym` (`2024-01`); a header line never does. */
export function linesInMonth(lines: readonly string[], ym: string): string[] {
  const [y, m] = ym.split('-').map(Number) as [number, number];
  const from = Date.UTC(y, m - 1, 1);
  const to = Date.UTC(y, m, 1);
  return lines.filter((l) => {
    const t = Number(l.slice(0, l.indexOf(',')));
    return t >= from && t < to;
  });
}

/** A futures-style month: header line, then the rows. */
export const futuresCsv = (ym: string): string => `${FUTURES_HEADER}\n${monthLines(ym).join('\n')}\n`;

/** A spot-style month from 2025 on: no header, open and close times in µs. */
export const spotMicrosCsv = (ym: string): string =>
  `${monthLines(ym)
    .map((l) => {
      const f = l.split(',');
      f[0] = `${f[0]}000`;
      f[6] = `${f[6]}999`;
      return f.join(',');
    })
    .join('\n')}\n`;
