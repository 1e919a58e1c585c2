/**
 * `ladder data download`'s work: for each month, fetch the archive unless a verified copy is
 * already on disk, check its SHA-256 against Binance's `.CHECKSUM`, keep the checksum beside it
 * (so `sha256sum -c *.CHECKSUM` works and a rerun needs no network), and check with Ladder's own
 * loaders that the zip holds that month's klines (or mark-price klines, or funding rates).
 */
import { access, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { assembleSeries } from '../candle-assemble.ts';
import type { CandleChunk } from '../candle-csv.ts';
import type { CandleSeries } from '../candle-series.ts';
import { joinFundingRates, type FundingRates } from '../funding-rates.ts';
import { TIMEFRAMES, type TimeframeName } from '../timeframe.ts';
import { checkCandleArchive, checkFundingArchive } from './archive-content.ts';
import { archiveRef, formatYearMonth, kindLabel, monthStartMs, nextMonth, type ArchiveKind, type ArchiveRef, type Market, type YearMonth } from './archive-spec.ts';
import { parseChecksumText, sha256File } from './checksum.ts';
import { DownloadError, fromNetworkError } from './download-error.ts';
import type { DownloadEvent, MonthRows } from './download-event.ts';
import { DEFAULT_RETRY_POLICY, downloadToPart, fetchText, type RetryInfo, type RetryPolicy } from './fetch-archive.ts';

interface MonthsRequest {
  readonly symbol: string;
  readonly months: readonly YearMonth[];
  readonly outDir: string;
  /** `https://data.binance.vision`, or a mirror / test server (no trailing slash). */
  readonly baseUrl: string;
}

/** Klines, or (`type: 'mark'`, futures only) mark-price klines. */
export interface DownloadRequest extends MonthsRequest {
  readonly type?: 'klines' | 'mark';
  readonly interval: TimeframeName;
  /** Whose klines; mark-price klines are USDⓈ-M futures' whatever it says. */
  readonly market: Market;
}

/** A USDⓈ-M perpetual's funding rates: one archive a month, no interval. */
export type FundingDownloadRequest = MonthsRequest;

export interface DownloadRunOptions {
  readonly policy?: RetryPolicy;
  readonly onEvent?: (ev: DownloadEvent) => void;
  /** Now, ms UTC: only to explain a 404 for a month that has not ended yet. */
  readonly nowMs?: number;
}

export type DownloadedArchive<Rows extends MonthRows = { readonly candles: number }> = {
  readonly month: YearMonth;
  readonly path: string;
  readonly checksumPath: string;
  readonly bytes: number;
  /** `present`: a copy on disk already matched the checksum; nothing was fetched. */
  readonly outcome: 'downloaded' | 'present';
} & Rows;

export interface DownloadResult {
  readonly archives: readonly DownloadedArchive[];
  /** All months' candles joined, as the backtest will load them (gaps listed, never filled). */
  readonly series: CandleSeries;
}

export interface FundingDownloadResult {
  readonly archives: readonly DownloadedArchive<{ readonly settlements: number }>[];
  /** All months' settlements joined, as `ladder backtest --funding <dir>` will load them. */
  readonly rates: FundingRates;
}

const exists = (path: string): Promise<boolean> => access(path).then(() => true, () => false);

/** Downloads and verifies every month's klines (or mark-price klines) in order; throws a DownloadError at the first failure. */
export async function downloadArchives(req: DownloadRequest, opts: DownloadRunOptions = {}): Promise<DownloadResult> {
  const kind: ArchiveKind = req.type === 'mark' ? { type: 'mark', interval: req.interval } : { type: 'klines', market: req.market, interval: req.interval };
  const chunks: CandleChunk[] = [];
  const archives = await downloadMonths(req, kind, opts, async (ref, path) => {
    const monthChunks = await checkCandleArchive(ref, path);
    chunks.push(...monthChunks);
    return { candles: monthChunks.reduce((n, c) => n + c.length, 0) };
  });
  let series: CandleSeries;
  try {
    series = assembleSeries(chunks, { source: req.outDir, symbol: req.symbol, timeframeMs: TIMEFRAMES[req.interval] });
  } catch (e) {
    throw new DownloadError('badArchive', `${req.symbol} ${kindLabel(kind)}: the archives do not join into one ${req.interval} series: ${(e as Error).message}`);
  }
  return { archives, series };
}

/** Downloads and verifies every month's funding rates in order; throws a DownloadError at the first failure. */
export async function downloadFundingArchives(req: FundingDownloadRequest, opts: DownloadRunOptions = {}): Promise<FundingDownloadResult> {
  const months: FundingRates[] = [];
  const archives = await downloadMonths(req, { type: 'funding' }, opts, async (ref, path) => {
    const month = await checkFundingArchive(ref, path);
    months.push(month);
    return { settlements: month.time.length };
  });
  let rates: FundingRates;
  try {
    // The months as read by their check (each inside its month), joined without reading them again.
    rates = joinFundingRates(months, archives.map((a) => a.path).join(','));
  } catch (e) {
    throw new DownloadError('badArchive', `${req.symbol} funding: the archives do not join into one series of settlements: ${(e as Error).message}`);
  }
  return { archives, rates };
}

/** Each month in order: fetched and verified (or found on disk), then read by `check`. */
async function downloadMonths<Rows extends MonthRows>(
  req: MonthsRequest,
  kind: ArchiveKind,
  opts: DownloadRunOptions,
  check: (ref: ArchiveRef, path: string) => Promise<Rows>,
): Promise<DownloadedArchive<Rows>[]> {
  if (req.months.length === 0) throw new DownloadError('badInput', 'no month to download');
  try {
    await mkdir(req.outDir, { recursive: true });
  } catch (e) {
    throw fromNetworkError(e, req.outDir);
  }
  const archives: DownloadedArchive<Rows>[] = [];
  for (const [i, month] of req.months.entries()) {
    const ref = archiveRef(req.baseUrl, kind, req.symbol, month);
    const ctx: FileContext = { ref, index: i + 1, count: req.months.length, outDir: req.outDir, policy: opts.policy ?? DEFAULT_RETRY_POLICY, emit: opts.onEvent ?? (() => undefined), nowMs: opts.nowMs ?? Date.now() };
    const { resumedFromBytes, ...got } = await fetchArchive(ctx);
    const rows = await check(ref, got.path);
    archives.push({ month, ...got, ...rows });
    ctx.emit({ type: 'file.done', index: ctx.index, count: ctx.count, fileName: ref.fileName, path: got.path, bytes: got.bytes, outcome: got.outcome, resumedFromBytes, ...rows });
  }
  return archives;
}

interface FileContext {
  readonly ref: ArchiveRef;
  readonly index: number;
  readonly count: number;
  readonly outDir: string;
  readonly policy: RetryPolicy;
  readonly emit: (ev: DownloadEvent) => void;
  readonly nowMs: number;
}

interface Fetched {
  readonly path: string;
  readonly checksumPath: string;
  readonly bytes: number;
  readonly outcome: 'downloaded' | 'present';
  readonly resumedFromBytes: number;
}

function notFound(ctx: FileContext): DownloadError {
  const { ref } = ctx;
  const host = new URL(ref.url).host;
  const hint =
    monthStartMs(nextMonth(ref.month)) > ctx.nowMs
      ? `${formatYearMonth(ref.month)} has not ended yet; Binance publishes a month's archive in the first days of the next month`
      : ref.kind.type === 'klines'
        ? `check the symbol, the interval and --market (${ref.kind.market} now); spot and futures list different symbols, and a symbol's archives start the month it was listed`
        : `check the symbol${ref.kind.type === 'mark' ? ' and the interval' : ''} (USDⓈ-M futures symbols only); a symbol's archives start the month it was listed`;
  return new DownloadError('notFound', `${ref.label}: no such archive on ${host} (404); ${hint}`);
}

/** Brings `<outDir>/<name>.zip` and its `.CHECKSUM` onto disk, verified. */
async function fetchArchive(ctx: FileContext): Promise<Fetched> {
  const { ref } = ctx;
  const path = join(ctx.outDir, ref.fileName);
  const checksumPath = `${path}.CHECKSUM`;
  const partPath = `${path}.part`;
  const partBytes = await stat(partPath).then((s) => s.size, () => 0);
  ctx.emit({ type: 'file.start', index: ctx.index, count: ctx.count, fileName: ref.fileName, resumeFromBytes: partBytes });
  // The line already names the file: the reason need not repeat its URL.
  const onRetry = (r: RetryInfo) =>
    ctx.emit({ type: 'file.retry', index: ctx.index, count: ctx.count, fileName: ref.fileName, ...r, reason: r.reason.replace(`${ref.checksumUrl}: `, '.CHECKSUM: ').replace(`${ref.url}: `, '') });
  const present = async (expected: string, checksumText?: string): Promise<Fetched | undefined> => {
    if (!(await exists(path)) || (await sha256File(path)) !== expected) return undefined;
    if (checksumText !== undefined) await writeFile(checksumPath, checksumText);
    return { path, checksumPath, bytes: (await stat(path)).size, outcome: 'present', resumedFromBytes: 0 };
  };

  // A copy verified by an earlier run: no network needed.
  if (await exists(checksumPath)) {
    let expected: string | undefined;
    try {
      expected = parseChecksumText(await readFile(checksumPath, 'utf8'), ref.fileName, checksumPath);
    } catch {
      expected = undefined; // unreadable: fetch a fresh one below
    }
    const done = expected === undefined ? undefined : await present(expected);
    if (done) return done;
  }

  let checksumText: string;
  try {
    checksumText = await fetchText(ref.checksumUrl, ctx.policy, onRetry);
  } catch (e) {
    throw e instanceof DownloadError && e.code === 'notFound' ? notFound(ctx) : e;
  }
  const expected = parseChecksumText(checksumText, ref.fileName, ref.checksumUrl);
  const done = await present(expected, checksumText);
  if (done) return done;
  await rm(path, { force: true }); // a stale or damaged copy

  let resumedFromBytes = 0;
  if (!(partBytes > 0 && (await sha256File(partPath)) === expected)) {
    for (let fresh = false; ; fresh = true) {
      let r;
      try {
        r = await downloadToPart(ref.url, partPath, ctx.policy, onRetry, (bytes, totalBytes) =>
          ctx.emit({ type: 'file.progress', index: ctx.index, count: ctx.count, fileName: ref.fileName, bytes, totalBytes }),
        );
      } catch (e) {
        throw e instanceof DownloadError && e.code === 'notFound' ? notFound(ctx) : e;
      }
      const actual = await sha256File(partPath);
      if (actual === expected) {
        resumedFromBytes = r.resumedFromBytes;
        break;
      }
      await rm(partPath, { force: true });
      // A part left by an older run may belong to an earlier version of the archive (Binance
      // re-publishes fixed files): one clean download settles whether the server's copy is bad.
      if (r.resumedFromBytes > 0 && !fresh) {
        ctx.emit({ type: 'file.restart', index: ctx.index, count: ctx.count, fileName: ref.fileName, reason: 'checksum mismatch after resuming' });
        continue;
      }
      throw new DownloadError('checksum', `${ref.fileName}: checksum mismatch: ${ref.fileName}.CHECKSUM says sha256 ${expected}, the downloaded file has ${actual}; the bad file was removed (from ${ref.url})`);
    }
  }
  await rename(partPath, path);
  await writeFile(checksumPath, checksumText);
  return { path, checksumPath, bytes: (await stat(path)).size, outcome: 'downloaded', resumedFromBytes };
}
