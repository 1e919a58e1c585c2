/**
 * Funding rates of a USDⓈ-M perpetual, read from Binance's own archive layout
 * (data.binance.vision `futures/um/monthly/fundingRate/`: `BTCUSDT-fundingRate-2024-01.zip`, or one
 * joined `BTCUSDT-fundingRate.csv`): `calc_time,funding_interval_hours,last_funding_rate`, header
 * line optional. A file, a directory of them, or several files: one symbol, joined in time order.
 *
 * The settlement times are the rows' own: the interval is not assumed to be 8 h (Binance shortens it
 * in stress, e.g. SOLUSDT at 2 h in 2022-11). `calc_time` carries a few ms of jitter in the archive
 * (`1654070400011`): it is rounded to the nearest minute.
 */
import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { readCsvFile } from './archive.ts';
import { epochToMs, implausibleTimeProblem, isPlausibleTime, isoOf } from './parse-time.ts';

/** Settlements of one symbol, ascending, each at a whole minute. */
export interface FundingRates {
  readonly symbol?: string;
  /** Settlement times, ms (calc_time rounded to the minute). */
  readonly time: Float64Array;
  /** The rate paid at each: longs pay shorts `notional × rate` when it is positive. */
  readonly rate: Float64Array;
  /** Each row's own `funding_interval_hours` (1–24), as the archive gives it (never derived from the times). */
  readonly intervalHours: Uint8Array;
  /** Where they were read from (files, comma-separated). */
  readonly source: string;
}

/** A funding file that cannot be used as it is: `file:line: field: problem`. */
export class FundingFileError extends Error {
  override readonly name = 'FundingFileError';
  constructor(file: string, line: number | undefined, problem: string) {
    super(`${file}${line !== undefined ? `:${line}` : ''}: ${problem}`);
  }
}

export const FUNDING_HEADER = 'calc_time,funding_interval_hours,last_funding_rate';
const FUNDING_FILE_RE = /\.(?:csv|csv\.gz|zip)$/i;
const NAME_RE = /^([A-Za-z0-9]{2,})[-_]fundingRate(?:[-_.]|$)/i;
const MINUTE = 60_000;
/** No real rate comes near: Binance caps them at a few %. A larger value is a broken file. */
const MAX_ABS_RATE = 1;
const INTEGER_RE = /^\d{1,16}$/;
const DECIMAL_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** The symbol a funding file's name gives (`BTCUSDT-fundingRate-2024-01.zip` → BTCUSDT), or undefined. */
export function fundingSymbolOfName(path: string): string | undefined {
  const m = NAME_RE.exec(basename(path));
  return m ? m[1]!.toUpperCase() : undefined;
}

interface Row {
  readonly time: number;
  readonly rate: number;
  readonly hours: number;
  readonly where: string;
}

/** The rows of one CSV; every bad line is named. */
function parseFundingCsv(name: string, bytes: Uint8Array): Row[] {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8').replace(/^\uFEFF/, '');
  const lines = text.split('\n');
  const rows: Row[] = [];
  // Only the first line with text may be the header: a bad time on a row after it is said as that row's.
  let firstLine = true;
  for (let k = 0; k < lines.length; k++) {
    const line = lines[k]!.replace(/\r$/, '').trim();
    const at = k + 1;
    if (line === '') continue;
    const fields = line.split(',').map((f) => f.trim());
    const mayBeHeader = firstLine;
    firstLine = false;
    if (mayBeHeader && !/^\d/.test(fields[0]!)) {
      if (fields.join(',').toLowerCase() !== FUNDING_HEADER) throw new FundingFileError(name, at, `header: expected "${FUNDING_HEADER}" (Binance's fundingRate archive layout), got "${line.slice(0, 80)}"`);
      continue;
    }
    if (fields.length !== 3) throw new FundingFileError(name, at, `expected 3 fields (${FUNDING_HEADER}), got ${fields.length}`);
    const [t, hours, r] = fields as [string, string, string];
    if (!INTEGER_RE.test(t) || !Number.isSafeInteger(Number(t))) throw new FundingFileError(name, at, `calc_time: not a time in ms ("${t.slice(0, 40)}")`);
    // Epoch ms as Binance writes it (µs or s told apart by magnitude, as in candle files); a time outside
    // 2000-2099 is a corrupt field (a digit too many, a 0), which would otherwise never be reached.
    const ms = epochToMs(Number(t));
    if (!isPlausibleTime(ms)) throw new FundingFileError(name, at, `calc_time: ${implausibleTimeProblem(t, ms)}`);
    if (!INTEGER_RE.test(hours) || !(Number(hours) >= 1 && Number(hours) <= 24)) throw new FundingFileError(name, at, `funding_interval_hours: not a whole number of hours from 1 to 24 ("${hours.slice(0, 40)}")`);
    const rate = Number(r);
    if (!DECIMAL_RE.test(r) || !Number.isFinite(rate)) throw new FundingFileError(name, at, `last_funding_rate: not a number ("${r.slice(0, 40)}")`);
    if (Math.abs(rate) >= MAX_ABS_RATE) throw new FundingFileError(name, at, `last_funding_rate: ${r} is not a funding rate (a fraction such as 0.0001 for 0.01 %; |rate| < 1)`);
    rows.push({ time: Math.round(ms / MINUTE) * MINUTE, rate, hours: Number(hours), where: `${name}:${at}` });
  }
  return rows;
}

/** The funding files a path stands for: itself, or a directory's files sorted by name. */
async function listFiles(path: string): Promise<string[]> {
  let st;
  try {
    st = await stat(path);
  } catch (e) {
    throw new FundingFileError(path, undefined, `cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  if (!st.isDirectory()) return [path];
  const names = (await readdir(path)).filter((n) => FUNDING_FILE_RE.test(n)).sort();
  if (names.length === 0) throw new FundingFileError(path, undefined, 'directory holds no .csv, .csv.gz or .zip funding files');
  return names.map((n) => join(path, n));
}

/**
 * Loads one symbol's funding rates from a file, a directory or several files. Files named for two
 * symbols and a settlement given twice are errors; rows are taken in time order (monthly files are
 * read in name order, and a file's rows need not be sorted).
 */
export async function loadFundingRates(input: string | readonly string[]): Promise<FundingRates> {
  const inputs = typeof input === 'string' ? [input] : [...input];
  const files = (await Promise.all(inputs.map(listFiles))).flat();
  const source = inputs.join(',');
  const symbols = new Set(files.map(fundingSymbolOfName).filter((s) => s !== undefined));
  if (symbols.size > 1) throw new FundingFileError(source, undefined, `files are named for different symbols (${[...symbols].join(', ')}): one symbol per entry`);
  const rows: Row[] = [];
  for (const file of files) {
    const fail = (problem: string) => new FundingFileError(file, undefined, problem);
    for (const csv of await readCsvFile(file, fail)) rows.push(...parseFundingCsv(csv.name, csv.bytes));
  }
  if (rows.length === 0) throw new FundingFileError(source, undefined, 'holds no funding rates');
  // Monthly files come sorted by name, so their rows are in time order; a file given twice or two
  // overlapping sources are not.
  rows.sort((a, b) => a.time - b.time);
  for (let k = 1; k < rows.length; k++) {
    if (rows[k]!.time === rows[k - 1]!.time) throw new FundingFileError(rows[k]!.where, undefined, `calc_time: a second settlement at ${isoOf(rows[k]!.time)} (the first: ${rows[k - 1]!.where})`);
  }
  const [symbol] = symbols;
  return {
    ...(symbol !== undefined ? { symbol } : {}),
    time: Float64Array.from(rows, (r) => r.time),
    rate: Float64Array.from(rows, (r) => r.rate),
    intervalHours: Uint8Array.from(rows, (r) => r.hours),
    source,
  };
}

/**
 * Rates read part by part (a download's months, in order) as one series, without reading the files
 * again: each part's settlements must all come after the previous part's.
 */
export function joinFundingRates(parts: readonly FundingRates[], source: string): FundingRates {
  if (parts.length === 0) throw new FundingFileError(source, undefined, 'holds no funding rates');
  for (let k = 1; k < parts.length; k++) {
    const before = parts[k - 1]!;
    const part = parts[k]!;
    const last = before.time[before.time.length - 1]!;
    if (!(part.time[0]! > last)) throw new FundingFileError(part.source, undefined, `calc_time: starts at ${isoOf(part.time[0]!)}, not after the last settlement of ${before.source} (${isoOf(last)})`);
  }
  const concat = <A extends Float64Array | Uint8Array>(pick: (r: FundingRates) => A, make: (n: number) => A): A => {
    const out = make(parts.reduce((n, r) => n + r.time.length, 0));
    let at = 0;
    for (const r of parts) {
      out.set(pick(r), at);
      at += r.time.length;
    }
    return out;
  };
  const symbol = parts[0]!.symbol;
  return {
    ...(symbol !== undefined ? { symbol } : {}),
    time: concat((r) => r.time, (n) => new Float64Array(n)),
    rate: concat((r) => r.rate, (n) => new Float64Array(n)),
    intervalHours: concat((r) => r.intervalHours, (n) => new Uint8Array(n)),
    source,
  };
}

/**
 * The open of the candle opening at each settlement time (mark-price klines: the mark price at the
 * settlement), NaN where the candles have none (a gap, or outside their span).
 */
export function opensAt(candles: { readonly time: Float64Array; readonly open: Float64Array }, times: Float64Array): Float64Array {
  const out = new Float64Array(times.length).fill(NaN);
  let j = 0;
  for (let k = 0; k < times.length; k++) {
    const t = times[k]!;
    while (j < candles.time.length && candles.time[j]! < t) j++;
    if (j < candles.time.length && candles.time[j] === t) out[k] = candles.open[j]!;
  }
  return out;
}
