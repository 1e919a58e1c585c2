/**
 * Loading candles from disk: `.csv`, `.csv.gz`, Binance's monthly `.zip` (one CSV inside), a
 * directory of those, or a list of files — all one symbol, joined in time order. With `cacheDir`,
 * the parsed columns are cached (candle-cache.ts) and a second load skips parsing.
 */
import { type Stats, closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { gunzipBytes, unzipCsvs } from './archive.ts';
import { assembleSeries } from './candle-assemble.ts';
import { cacheKey, readCandleCache, writeCandleCache, type SourceStamp } from './candle-cache.ts';
import { parseCandleCsv, type CandleChunk } from './candle-csv.ts';
import { CandleFileError } from './candle-file-error.ts';
import { CANDLE_FILE_RE, infoFromFileName } from './candle-name.ts';
import type { CandleSeries } from './candle-series.ts';
import { formatTimeframe } from './timeframe.ts';

export interface LoadCandlesOptions {
  /** Exchange symbol (`BTCUSDT`); default: from the file names (`BTCUSDT-1h.csv`). */
  readonly symbol?: string;
  /** Timeframe in ms (see parseTimeframe); default: the most common step between candles. */
  readonly timeframeMs?: number;
  /** Directory of the binary cache (e.g. DEFAULT_CANDLE_CACHE_DIR); no caching when absent. */
  readonly cacheDir?: string;
}

/** A candle file and its size and time stamp (the cache key is made of them). */
interface Listed {
  readonly path: string;
  readonly stamp: SourceStamp;
}

async function statOf(path: string): Promise<Stats> {
  try {
    return await stat(path);
  } catch (e) {
    throw new CandleFileError(path, undefined, 'file', `cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
}

const listed = (path: string, st: Stats): Listed => ({ path, stamp: { path: resolve(path), size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs } });

/** The candle files a path stands for: itself, or a directory's candle files sorted by name. */
async function listFiles(path: string): Promise<Listed[]> {
  const st = await statOf(path);
  if (!st.isDirectory()) return [listed(path, st)];
  const names = (await readdir(path)).filter((n) => CANDLE_FILE_RE.test(n)).sort();
  if (names.length === 0) throw new CandleFileError(path, undefined, 'file', 'directory holds no .csv, .csv.gz or .zip candle files');
  return Promise.all(names.map(async (n) => listed(join(path, n), await statOf(join(path, n)))));
}

/** Largest scratch buffer kept between loads; a larger file gets a buffer of its own. */
const SCRATCH_MAX = 32 * 1024 * 1024;
let scratch = Buffer.alloc(0);

/**
 * The file's bytes, in the shared scratch buffer (valid until the next call) unless the file is
 * larger than SCRATCH_MAX: a directory of monthly files, or the same files loaded again, then
 * allocates nothing per file (the 13 shared kline files: 75 MB less garbage per load).
 */
function readIntoScratch(path: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size > SCRATCH_MAX) return readFileSync(fd);
    if (scratch.length < size) scratch = Buffer.allocUnsafeSlow(Math.min(SCRATCH_MAX, Math.max(size, scratch.length * 2)));
    let at = 0;
    while (at < size) {
      const n = readSync(fd, scratch, at, size - at, at);
      if (n === 0) break;
      at += n;
    }
    return scratch.subarray(0, at);
  } finally {
    closeSync(fd);
  }
}

/** Parses one file into chunks (a zip may hold several CSVs). */
export async function parseCandleFile(path: string): Promise<CandleChunk[]> {
  // Synchronous: the parse that follows blocks as long anyway, and the thread-pool round trips of an
  // async read cost more than the read (fs/promises readFile: 36 ms against 15 ms for 13 kline files).
  if (!/\.(gz|zip)$/i.test(path)) {
    // A plain CSV is read into one reused scratch buffer and parsed before anything else runs (no
    // await in between), so the file's bytes are not a new allocation on every load.
    return [parseCandleCsv(readIntoScratch(path), path)];
  }
  const raw = readFileSync(path);
  const fail = (problem: string) => new CandleFileError(path, undefined, 'file', problem);
  if (/\.gz$/i.test(path)) return [parseCandleCsv(await gunzipBytes(path, raw, fail), path)];
  if (/\.zip$/i.test(path)) return unzipCsvs(path, raw, fail).map((c) => parseCandleCsv(c.bytes, c.name));
  return [parseCandleCsv(raw, path)];
}

/** The one value every defined entry agrees on, or undefined; `conflict` if they differ. */
function agreed<T>(values: readonly (T | undefined)[]): T | undefined | 'conflict' {
  const set = new Set(values.filter((v) => v !== undefined));
  if (set.size > 1) return 'conflict';
  return set.values().next().value;
}

/**
 * The values the files' names disagree on, and the first file saying each:
 * `(BTCUSDT, ETHUSDT): BTCUSDT-1h-a.csv says BTCUSDT, ETHUSDT-1h-b.csv says ETHUSDT`.
 */
function disagreement<T>(files: readonly Listed[], said: readonly (T | undefined)[], show: (v: T) => string): string {
  const first = new Map<T, string>();
  said.forEach((v, k) => {
    if (v !== undefined && !first.has(v)) first.set(v, basename((files[k] as Listed).path));
  });
  const values = [...first.keys()].map(show).join(', ');
  return `(${values}): ${[...first].map(([v, f]) => `${f} says ${show(v)}`).join(', ')}`;
}

/**
 * Loads the candles of one symbol from a file, a directory, or several files (joined in time
 * order; overlapping files are an error). Throws CandleFileError with `file:line: field: problem`.
 */
export async function loadCandles(input: string | readonly string[], opts: LoadCandlesOptions = {}): Promise<CandleSeries> {
  const inputs = typeof input === 'string' ? [input] : [...input];
  if (inputs.length === 0) throw new Error('loadCandles: no candle file given');
  const files = (await Promise.all(inputs.map(listFiles))).flat();
  const source = inputs.join(',');

  const nameInfo = files.map((f) => infoFromFileName(f.path));
  // Files named for different symbols are never one series, whatever symbol is given: a given
  // symbol names the series, it does not make BTCUSDT and ETHUSDT prices one price history.
  const named = agreed(nameInfo.map((i) => i.symbol));
  if (named === 'conflict') {
    throw new CandleFileError(source, undefined, 'file', `files are named for different symbols ${disagreement(files, nameInfo.map((i) => i.symbol), String)}; a series is one symbol: put each symbol's files in a directory of its own`);
  }
  const symbol = opts.symbol ?? named;
  // Likewise timeframes: 1h and 15m files joined would be one 15m series with gaps, not data.
  const timeframeHintMs = agreed(nameInfo.map((i) => i.timeframeMs));
  if (timeframeHintMs === 'conflict') {
    throw new CandleFileError(source, undefined, 'file', `files are named for different timeframes ${disagreement(files, nameInfo.map((i) => i.timeframeMs), formatTimeframe)}; a series is one timeframe: give a finer one as --detail`);
  }

  let key: string | undefined;
  if (opts.cacheDir !== undefined) {
    key = cacheKey(files.map((f) => f.stamp), { timeframeMs: opts.timeframeMs ?? null, timeframeHintMs: timeframeHintMs ?? null });
    const cached = await readCandleCache(opts.cacheDir, key);
    if (cached !== undefined) return withIdentity(cached, symbol, source);
  }

  const chunks = (await Promise.all(files.map((f) => parseCandleFile(f.path)))).flat();
  const series = assembleSeries(chunks, {
    source,
    ...(symbol !== undefined ? { symbol } : {}),
    ...(opts.timeframeMs !== undefined ? { timeframeMs: opts.timeframeMs } : {}),
    ...(timeframeHintMs !== undefined ? { timeframeHintMs } : {}),
  });
  if (opts.cacheDir !== undefined && key !== undefined) {
    // A cache that cannot be written (read-only disk, full disk) only costs the next load a parse.
    await writeCandleCache(opts.cacheDir, key, series).catch(() => undefined);
  }
  return series;
}

function withIdentity(s: CandleSeries, symbol: string | undefined, source: string): CandleSeries {
  const { symbol: _old, ...rest } = s;
  return { ...rest, ...(symbol !== undefined ? { symbol } : {}), source };
}
