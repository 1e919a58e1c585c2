/**
 * The bytes of a data file as Binance publishes them: a plain `.csv`, a gzipped `.csv.gz`, or a
 * monthly `.zip` holding CSVs (data.binance.vision). The one place that unpacks them, for candle
 * files (load-candles.ts) and funding-rate files (funding-rates.ts) alike.
 */
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { unzipSync } from 'fflate';

const gunzipAsync = promisify(gunzip);

/** One CSV of a file: its name (`file.zip:inner.csv` inside a zip) and its bytes. */
export interface CsvBytes {
  readonly name: string;
  readonly bytes: Uint8Array;
}

/** A gzip file's bytes, unpacked; `fail` makes the error a caller throws for a file that is not gzip. */
export async function gunzipBytes(path: string, raw: Uint8Array, fail: (problem: string) => Error): Promise<Uint8Array> {
  if (raw[0] !== 0x1f || raw[1] !== 0x8b) throw fail("not a gzip file (it does not start with gzip's header)");
  try {
    return await gunzipAsync(raw);
  } catch (e) {
    // A gzip file that ends early is a download or copy that stopped: the trader's fix is to fetch it again.
    if ((e as NodeJS.ErrnoException).code === 'Z_BUF_ERROR') throw fail(`gzip file cut short (${(e as Error).message}): it was not downloaded or copied whole; fetch it again`);
    throw fail(`damaged gzip file (${(e as Error).message}): fetch it again`);
  }
}

/** The CSVs of a zip file, sorted by name (macOS resource forks left out). */
export function unzipCsvs(path: string, raw: Uint8Array, fail: (problem: string) => Error): CsvBytes[] {
  let entries: Record<string, Uint8Array>;
  // A zip starts with a local file header (PK\3\4), or is an empty archive's end record (PK\5\6).
  if (raw[0] !== 0x50 || raw[1] !== 0x4b) throw fail('not a zip file (it does not start with a zip header)');
  try {
    entries = unzipSync(raw, { filter: (f) => /\.csv$/i.test(f.name) && !f.name.startsWith('__MACOSX/') });
  } catch (e) {
    throw fail(`zip file cut short or damaged (${(e as Error).message}): fetch it again`);
  }
  const names = Object.keys(entries).sort();
  if (names.length === 0) throw fail('zip archive holds no .csv file');
  return names.map((n) => ({ name: `${path}:${n}`, bytes: entries[n]! }));
}

/** Every CSV a `.csv`, `.csv.gz` or `.zip` file holds. */
export async function readCsvFile(path: string, fail: (problem: string) => Error): Promise<CsvBytes[]> {
  let raw: Buffer;
  try {
    raw = await readFile(path);
  } catch (e) {
    throw fail(`cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  if (/\.gz$/i.test(path)) return [{ name: path, bytes: await gunzipBytes(path, raw, fail) }];
  if (/\.zip$/i.test(path)) return unzipCsvs(path, raw, fail);
  return [{ name: path, bytes: raw }];
}
