/**
 * What a downloaded archive must hold, read with Ladder's own loaders (the ones the backtest uses):
 * klines or mark-price klines opening inside the archive's month, or funding settlements inside it.
 */
import type { CandleChunk } from '../candle-csv.ts';
import { loadFundingRates, type FundingRates } from '../funding-rates.ts';
import { parseCandleFile } from '../load-candles.ts';
import { isoOf } from '../parse-time.ts';
import { formatYearMonth, monthStartMs, nextMonth, type ArchiveRef } from './archive-spec.ts';
import { DownloadError } from './download-error.ts';

/** Parses a kline (or mark-price kline) archive and checks every candle opens inside its month. */
export async function checkCandleArchive(ref: ArchiveRef, path: string): Promise<CandleChunk[]> {
  let chunks: CandleChunk[];
  try {
    chunks = await parseCandleFile(path);
  } catch (e) {
    throw new DownloadError('badArchive', `${ref.label}: the archive passed its checksum but holds no readable kline CSV: ${(e as Error).message}`);
  }
  const from = monthStartMs(ref.month);
  const to = monthStartMs(nextMonth(ref.month));
  for (const c of chunks) {
    const first = c.time[0] as number;
    const last = c.time[c.length - 1] as number;
    if (c.length === 0 || first < from || last >= to) {
      throw new DownloadError('badArchive', `${ref.label}: ${c.file} holds candles from ${isoOf(first)} to ${isoOf(last)}, outside ${formatYearMonth(ref.month)}`);
    }
  }
  return chunks;
}

/**
 * Parses a funding archive with the `--funding` loader and checks every settlement (its time
 * rounded to the minute, as the backtest charges it) falls inside the archive's month.
 */
export async function checkFundingArchive(ref: ArchiveRef, path: string): Promise<FundingRates> {
  let rates: FundingRates;
  try {
    rates = await loadFundingRates(path);
  } catch (e) {
    throw new DownloadError('badArchive', `${ref.label}: the archive passed its checksum but holds no readable funding rates: ${(e as Error).message}`);
  }
  const from = monthStartMs(ref.month);
  const to = monthStartMs(nextMonth(ref.month));
  const outside = rates.time.filter((t) => t < from || t >= to);
  if (outside.length > 0) {
    throw new DownloadError(
      'badArchive',
      `${ref.label}: ${path} holds ${outside.length} settlement${outside.length === 1 ? '' : 's'} outside ${formatYearMonth(ref.month)} (first at ${isoOf(outside[0]!)}); its settlements run from ${isoOf(rates.time[0]!)} to ${isoOf(rates.time[rates.time.length - 1]!)}`,
    );
  }
  return rates;
}
