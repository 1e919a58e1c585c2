/**
 * Informal speed measurement (not a test): the byte-level candle parser against a naive
 * `split(',')`/`Number` parser, and a cached reload, on the real BTCUSDT 1h file.
 * Run: `npx tsx test/data/measure-parse-speed.ts [file]`.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCandleCsv } from '../../src/data/candle-csv.ts';
import { loadCandles } from '../../src/data/load-candles.ts';

const file = process.argv[2] ?? fileURLToPath(new URL('../../../shared/data/binance-spot-klines/BTCUSDT-1h.csv', import.meta.url));
const buf = readFileSync(file);

function naive(text: string): number {
  const lines = text.split('\n');
  const time: number[] = [];
  const open: number[] = [];
  const high: number[] = [];
  const low: number[] = [];
  const close: number[] = [];
  const volume: number[] = [];
  for (const line of lines) {
    if (line === '') continue;
    const f = line.split(',');
    time.push(Number(f[0]));
    open.push(Number(f[1]));
    high.push(Number(f[2]));
    low.push(Number(f[3]));
    close.push(Number(f[4]));
    volume.push(Number(f[5]));
  }
  return time.length;
}

function best(label: string, runs: number, fn: () => number): number {
  let bestMs = Infinity;
  let rows = 0;
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    rows = fn();
    bestMs = Math.min(bestMs, performance.now() - t0);
  }
  const rate = rows / (bestMs / 1000);
  console.log(`${label.padEnd(34)} ${rows} rows  best ${bestMs.toFixed(2)} ms  ${(rate / 1e6).toFixed(2)} M lines/s`);
  return rate;
}

const RUNS = 20;
// Interleave warm-ups so neither side gets a JIT advantage.
best('warm-up naive', 3, () => naive(buf.toString('latin1')));
best('warm-up byte-level', 3, () => parseCandleCsv(buf, file).length);
const naiveRate = best('naive split/Number (incl. decode)', RUNS, () => naive(buf.toString('latin1')));
const fastRate = best('byte-level parseCandleCsv', RUNS, () => parseCandleCsv(buf, file).length);
console.log(`speed-up: ${(fastRate / naiveRate).toFixed(1)}×`);

const dir = mkdtempSync(join(tmpdir(), 'ladder-cache-'));
try {
  let t0 = performance.now();
  await loadCandles(file, { cacheDir: dir });
  const first = performance.now() - t0;
  let cachedBest = Infinity;
  for (let r = 0; r < RUNS; r++) {
    t0 = performance.now();
    await loadCandles(file, { cacheDir: dir });
    cachedBest = Math.min(cachedBest, performance.now() - t0);
  }
  let uncachedBest = Infinity;
  for (let r = 0; r < RUNS; r++) {
    t0 = performance.now();
    await loadCandles(file);
    uncachedBest = Math.min(uncachedBest, performance.now() - t0);
  }
  console.log(`loadCandles: first (parse + write cache) ${first.toFixed(2)} ms, uncached best ${uncachedBest.toFixed(2)} ms, cached best ${cachedBest.toFixed(2)} ms (${(uncachedBest / cachedBest).toFixed(1)}× faster)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
