/**
 * The three ways the benchmark loads candle files, each from the file on disk to six Float64Array
 * columns: the project's loader (byte-level parser), the naive baseline (`split`/`Number`), and the
 * binary cache reload.
 */
import { readFile } from 'node:fs/promises';
import { loadCandles } from '../src/data/load-candles.ts';

/** `loadCandles` without a cache: read, byte-level parse, join and gap check. Returns the rows. */
export async function loadWithParser(file: string): Promise<number> {
  return (await loadCandles(file)).length;
}

/** `loadCandles` reading the binary cache in `cacheDir` (written by an earlier, untimed load). */
export async function loadFromCache(file: string, cacheDir: string): Promise<number> {
  return (await loadCandles(file, { cacheDir })).length;
}

/**
 * The naive baseline: read, decode, `split('\n')`, `split(',')` and `Number` per field into the same
 * six columns. No validation at all (the parser checks every row), so this flatters the baseline.
 */
export async function loadNaive(file: string): Promise<number> {
  const lines = (await readFile(file, 'latin1')).split('\n');
  const n = lines[lines.length - 1] === '' ? lines.length - 1 : lines.length;
  const cols = [0, 1, 2, 3, 4, 5].map(() => new Float64Array(n));
  const [time, open, high, low, close, volume] = cols as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
  for (let i = 0; i < n; i++) {
    const f = lines[i]!.split(',');
    time[i] = Number(f[0]);
    open[i] = Number(f[1]);
    high[i] = Number(f[2]);
    low[i] = Number(f[3]);
    close[i] = Number(f[4]);
    volume[i] = Number(f[5]);
  }
  return n;
}
