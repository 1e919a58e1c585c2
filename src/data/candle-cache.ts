/**
 * Binary cache of parsed candles: a second load maps the columns straight out of one file read
 * (typed arrays over the file's buffer, no per-value copy) instead of parsing the CSV again.
 *
 * Layout: magic `LADDERC1` (8 bytes), u32 LE header length, JSON header, zero padding to a
 * multiple of 8, then the six Float64 columns (time, open, high, low, close, volume), each
 * `length` values, in the writer's byte order (the header records it; another order is a miss).
 * The file name hashes the sources' paths, sizes and mtimes and the options that change the
 * result, so a changed source is simply a miss; the header repeats the key as a check.
 */
import { createHash } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type CandleSeries, type Gap, seriesOf } from './candle-series.ts';
import { readFileSync } from 'node:fs';
import { CandleFileError } from './candle-file-error.ts';

/**
 * Bump when the parser's output for the same bytes changes: old caches become misses.
 * 2: non-finite values (a high of 1e400) are refused, so a version-1 cache may hold Infinity.
 * 3: the timeframe a file's name says comes before the most common step (a gappy 1h file was 2h).
 * 4: a time outside 2000–2099 is refused (an open time with a 0 too many was a gap of centuries).
 * 5: a row whose close_time says it is a candle of another timeframe is refused (1h rows among 15m were gaps).
 * 6: so is such a row followed by missing rows (a step of 105m after a 1h row among 15m ones).
 */
const CACHE_VERSION = 6;
const MAGIC = 'LADDERC1';
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const COLUMNS = ['time', 'open', 'high', 'low', 'close', 'volume'] as const;

/** Where the CLI keeps candle caches, relative to the working directory (git-ignored). */
export const DEFAULT_CANDLE_CACHE_DIR = '.cache/candles';

export interface SourceStamp {
  readonly path: string;
  readonly size: number;
  readonly mtimeMs: number;
  /**
   * The inode's change time: set by the system on every write, never restorable by a user. A file
   * rewritten at the same size with its mtime put back (cp -p, tar, rsync -t of a corrected file:
   * Binance's fixed-width decimals keep the size) has the same size and mtime, not the same ctime.
   */
  readonly ctimeMs: number;
}

interface CacheHeader {
  key: string;
  littleEndian: boolean;
  length: number;
  timeframeMs: number;
  symbol?: string;
  gaps: Gap[];
  source: string;
}

export function cacheKey(sources: readonly SourceStamp[], options: object): string {
  const h = createHash('sha256');
  h.update(JSON.stringify({ v: CACHE_VERSION, sources, options }));
  return h.digest('hex').slice(0, 32);
}

export const cacheFilePath = (cacheDir: string, key: string): string => join(cacheDir, `${key}.bin`);

/**
 * The cached series for `key`, or undefined on a miss (absent, other version, truncated). A cache
 * file that exists but cannot be read is an error, not a miss: the message names it.
 */
export async function readCandleCache(cacheDir: string, key: string): Promise<CandleSeries | undefined> {
  let buf: Buffer;
  try {
    // One synchronous read: the file is a few MB of columns, and the four thread-pool round trips of
    // an async open/stat/read/close cost more than the read itself (13 files: 8.4 → 6.4 ms).
    buf = readFileSync(cacheFilePath(cacheDir, key));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw new CandleFileError(cacheFilePath(cacheDir, key), undefined, 'file', `the candle cache file cannot be read (${code ?? String(e)}); delete it or the cache directory`);
  }
  if (buf.length < 12 || buf.toString('latin1', 0, 8) !== MAGIC) return undefined;
  const headerLength = buf.readUInt32LE(8);
  if (12 + headerLength > buf.length) return undefined;
  let header: CacheHeader;
  try {
    header = JSON.parse(buf.toString('utf8', 12, 12 + headerLength)) as CacheHeader;
  } catch {
    return undefined;
  }
  if (header.key !== key || header.littleEndian !== LITTLE_ENDIAN) return undefined;
  // The parser never writes an empty series; a header saying so is damaged: parse the source again.
  const n = header.length;
  if (!Number.isSafeInteger(n) || n < 1 || !Number.isSafeInteger(header.timeframeMs) || header.timeframeMs < 1) return undefined;
  const dataStart = align8(12 + headerLength);
  if (buf.length !== dataStart + n * 8 * COLUMNS.length) return undefined;
  // A file this large gets a buffer of its own (offset 0); a small one may sit in the pool: then copy.
  const bytes = (buf.byteOffset + dataStart) % 8 === 0 ? buf : Buffer.from(buf);
  const col = (j: number): Float64Array => new Float64Array(bytes.buffer, bytes.byteOffset + dataStart + j * n * 8, n);
  return seriesOf(header.symbol, {
    timeframeMs: header.timeframeMs,
    length: n,
    time: col(0),
    open: col(1),
    high: col(2),
    low: col(3),
    close: col(4),
    volume: col(5),
    gaps: header.gaps,
    source: header.source,
  });
}

/** Writes the cache for `key` atomically (temp file + rename), so a reader never sees half. */
export async function writeCandleCache(cacheDir: string, key: string, s: CandleSeries): Promise<void> {
  const header: CacheHeader = {
    key,
    littleEndian: LITTLE_ENDIAN,
    length: s.length,
    timeframeMs: s.timeframeMs,
    ...(s.symbol !== undefined ? { symbol: s.symbol } : {}),
    gaps: [...s.gaps],
    source: s.source,
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const dataStart = align8(12 + json.length);
  const out = Buffer.alloc(dataStart + s.length * 8 * COLUMNS.length);
  out.write(MAGIC, 0, 'latin1');
  out.writeUInt32LE(json.length, 8);
  json.copy(out, 12);
  COLUMNS.forEach((name, j) => {
    const a = s[name];
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.length * 8), dataStart + j * s.length * 8);
  });
  await mkdir(cacheDir, { recursive: true });
  const file = cacheFilePath(cacheDir, key);
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await writeFile(tmp, out);
  await rename(tmp, file);
}

function align8(n: number): number {
  return (n + 7) & ~7;
}
