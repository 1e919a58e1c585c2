/**
 * Signal files: entries decided anywhere else, backtested here. CSV with a header line:
 * `time,symbol,side[,stop_loss_pct]` — time ISO-8601 or epoch ms (epoch s and µs are told apart
 * by magnitude, as for candles; from 2000 to 2099, see parse-time.ts), symbol as the exchange id `BTCUSDT` or the ccxt symbol
 * `BTC/USDT:USDT`, side `long` or `short`, stop_loss_pct optional (%, overrides the config's).
 */
import { liquidationDistancePct } from '../core/config/index.ts';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { Side } from '../core/units.ts';
import { echoLine, notTextProblem } from '../data/candle-layout.ts';
import { lowerBoundTime, type CandleSeries } from '../data/candle-series.ts';
import { parseDecimal } from '../data/parse-number.ts';
import { implausibleTimeProblem, isPlausibleTime, parseTimeText } from '../data/parse-time.ts';
import type { Signal } from './strategy.ts';

export interface FileSignal extends Signal {
  /** Exchange id (`BTCUSDT`), whichever way the file wrote it. */
  readonly symbol: string;
  /** 1-based line in the file. */
  readonly line: number;
}

export type SignalField = 'time' | 'symbol' | 'side' | 'stop_loss_pct' | 'header' | 'columns' | 'file';

/** A bad signal file: the message is `file:line: field: problem`, for the CLI to print. */
export class SignalFileError extends Error {
  override readonly name = 'SignalFileError';
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly field: SignalField | undefined,
    problem: string,
  ) {
    super(`${file}${line !== undefined ? `:${line}` : ''}: ${field !== undefined ? `${field}: ` : ''}${problem}`);
  }
}

const COLUMNS = ['time', 'symbol', 'side', 'stop_loss_pct'] as const;
type Column = (typeof COLUMNS)[number];

/**
 * A ccxt symbol: `BASE/QUOTE` (spot), `BASE/QUOTE:SETTLE` (a swap settled in SETTLE) or
 * `BASE/QUOTE:SETTLE-YYMMDD` (a future delivered that day).
 */
const CCXT_SYMBOL = /^([A-Za-z0-9]+)\/([A-Za-z0-9]+)(?::([A-Za-z0-9]+)(?:-(\d{6}))?)?$/;

/**
 * `BTC/USDT:USDT` (ccxt, the linear perpetual) or `btcusdt` → `BTCUSDT`, and a USDⓈ-M delivery
 * contract `BTC/USDT:USDT-241227` or `btcusdt_241227` → `BTCUSDT_241227` (Binance's id; config.json
 * and the markets files take them); undefined for anything else, including ccxt's spot `BTC/USDT`
 * and coin-margined `BTC/USDT:BTC`: they are other markets, not the USDⓈ-M contract a backtest
 * trades (symbolProblem says which).
 */
export function toExchangeSymbol(text: string): string | undefined {
  const m = CCXT_SYMBOL.exec(text);
  if (m) return m[3] !== undefined && m[3].toUpperCase() === (m[2] as string).toUpperCase() ? `${m[1]}${m[2]}${m[4] !== undefined ? `_${m[4]}` : ''}`.toUpperCase() : undefined;
  return /^[A-Za-z0-9]+(?:_\d{6})?$/.test(text) ? text.toUpperCase() : undefined;
}

/** Why `text` is not a symbol toExchangeSymbol takes, and what would be. */
export function symbolProblem(text: string): string {
  const m = CCXT_SYMBOL.exec(text);
  if (!m) return `not a symbol (${echoLine(text, 60)}; expected BTCUSDT or BTC/USDT:USDT)`;
  const [base, quote] = [(m[1] as string).toUpperCase(), (m[2] as string).toUpperCase()];
  const expected = `expected the perpetual ${base}${quote} or ${base}/${quote}:${quote}`;
  if (m[3] === undefined) return `${JSON.stringify(text)} is a spot symbol (${expected})`;
  return `${JSON.stringify(text)} settles in ${m[3].toUpperCase()} (coin-margined), not in ${quote} (${expected})`;
}

const unquote = (s: string): string => s.trim().replace(/^"(.*)"$/, '$1').trim();

/** Parses a signal file's text; throws SignalFileError on the first bad line. Sorted by time (stable). */
export function parseSignalsCsv(text: string, file: string): FileSignal[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const headerIndex = lines.findIndex((l) => l.trim() !== '');
  if (headerIndex < 0) throw new SignalFileError(file, undefined, 'file', 'empty file: expected a header line time,symbol,side[,stop_loss_pct]');
  const headerLine = lines[headerIndex] as string;
  const names = headerLine.split(',').map((n) => unquote(n).toLowerCase());
  if (names[0] !== undefined && Number.isFinite(parseTimeText(names[0]))) {
    throw new SignalFileError(file, headerIndex + 1, 'header', `a header line is required (time,symbol,side[,stop_loss_pct]), found data: ${echoLine(headerLine)}`);
  }
  const at = new Map<Column, number>();
  names.forEach((n, k) => {
    if (!(COLUMNS as readonly string[]).includes(n)) throw new SignalFileError(file, headerIndex + 1, 'header', `unknown column ${echoLine(n)} (expected time,symbol,side[,stop_loss_pct])`);
    if (at.has(n as Column)) throw new SignalFileError(file, headerIndex + 1, 'header', `column ${n} appears twice`);
    at.set(n as Column, k);
  });
  for (const required of ['time', 'symbol', 'side'] as const) {
    if (!at.has(required)) throw new SignalFileError(file, headerIndex + 1, 'header', `no ${required} column (expected time,symbol,side[,stop_loss_pct])`);
  }
  const reasonFile = basename(file);
  const out: FileSignal[] = [];
  for (let k = headerIndex + 1; k < lines.length; k++) {
    const raw = lines[k] as string;
    if (raw.trim() === '') continue;
    const line = k + 1;
    const cells = raw.split(',').map(unquote);
    if (cells.length !== names.length) throw new SignalFileError(file, line, 'columns', `${cells.length} column${cells.length === 1 ? '' : 's'}, expected ${names.length}`);
    const cell = (c: Column): string => cells[at.get(c) as number] as string;

    const timeText = cell('time');
    const timeMs = parseTimeText(timeText);
    if (!Number.isFinite(timeMs)) throw new SignalFileError(file, line, 'time', `not a time (${echoLine(timeText, 60)}; expected ISO-8601 or epoch ms)`);
    if (!isPlausibleTime(timeMs)) throw new SignalFileError(file, line, 'time', implausibleTimeProblem(timeText.length > 60 ? `${timeText.slice(0, 60)}…` : timeText, timeMs));
    const symbol = toExchangeSymbol(cell('symbol'));
    if (symbol === undefined) throw new SignalFileError(file, line, 'symbol', symbolProblem(cell('symbol')));
    const sideText = cell('side').toLowerCase();
    if (sideText !== 'long' && sideText !== 'short') throw new SignalFileError(file, line, 'side', `unknown side ${echoLine(cell('side'), 60)} (expected long or short)`);
    const side: Side = sideText;
    let stopLossPct: number | undefined;
    if (at.has('stop_loss_pct') && cell('stop_loss_pct') !== '') {
      const v = parseDecimal(cell('stop_loss_pct'));
      if (!(v > 0 && v < 100)) throw new SignalFileError(file, line, 'stop_loss_pct', `must be a number above 0 and below 100, got ${echoLine(cell('stop_loss_pct'), 60)}`);
      stopLossPct = v;
    }
    out.push({ timeMs, symbol, side, ...(stopLossPct !== undefined ? { stopLossPct } : {}), reason: `${reasonFile}:${line}`, line });
  }
  out.sort((a, b) => a.timeMs - b.timeMs);
  refuseContradictions(out, file);
  return out;
}

/**
 * Two signals of one symbol at one time that differ (side, or stop): the one entered would be the later
 * line, so the result would depend on the order of the lines. Refused at the later line, naming the
 * other; a repeated identical line is harmless. `sorted`: by time, file order within a time.
 */
function refuseContradictions(sorted: readonly FileSignal[], file: string): void {
  const first = new Map<string, FileSignal>();
  for (const x of sorted) {
    const key = `${x.symbol} ${x.timeMs}`;
    const o = first.get(key);
    if (o === undefined) {
      first.set(key, x);
      continue;
    }
    const what = o.side !== x.side ? 'side' : o.stopLossPct !== x.stopLossPct ? 'stop_loss_pct' : null;
    if (what === null) continue;
    const said = (s: FileSignal) => (what === 'side' ? s.side : s.stopLossPct === undefined ? "the config's" : String(s.stopLossPct));
    throw new SignalFileError(file, x.line, what, `${said(x)} for ${x.symbol} at ${new Date(x.timeMs).toISOString()}, and line ${o.line} says ${said(o)} at that same time: which one is meant cannot depend on the order of the lines`);
  }
}

/**
 * Refuses a signal whose own stop lies at or beyond the liquidation distance at `leverage` (SPEC R2:
 * such a stop could never fire before liquidation), naming its line, as config.json's own stop is.
 */
export function checkSignalStops(signals: readonly FileSignal[], file: string, leverage: number): void {
  const liq = liquidationDistancePct(leverage);
  for (const x of signals) {
    if (x.stopLossPct !== undefined && x.stopLossPct >= liq) {
      throw new SignalFileError(file, x.line, 'stop_loss_pct', `${x.stopLossPct} is at or beyond the liquidation distance at ${leverage}x leverage (${liq.toFixed(2)} %): such a stop could never fire before liquidation`);
    }
  }
}

/** Reads and parses a signal file (see parseSignalsCsv). */
export function loadSignalsFile(path: string): FileSignal[] {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new SignalFileError(path, undefined, 'file', `cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  const binary = notTextProblem(bytes);
  if (binary !== undefined) throw new SignalFileError(path, undefined, 'file', binary);
  return parseSignalsCsv(bytes.toString('utf8'), path);
}

export interface SignalPlacement {
  readonly signal: FileSignal;
  /** The candle at whose open the signal is entered: the first whose open time ≥ the signal's time. */
  readonly entryIndex: number;
}

export interface SignalPlan {
  /** In time order; several may share an entry candle. */
  readonly placed: readonly SignalPlacement[];
  /** Older than one candle before the first candle: stale for this data, never entered. */
  readonly beforeStart: readonly FileSignal[];
  /** After the last candle's open: no candle left to enter at. */
  readonly afterEnd: readonly FileSignal[];
}

/**
 * The signals of the series' symbol (all of them if the series has no symbol and the file names
 * only one), each mapped to its entry candle: the first whose open time ≥ the signal's time.
 * A signal inside a gap enters at the first candle after it.
 */
export function mapSignalsToCandles(signals: readonly FileSignal[], series: CandleSeries): SignalPlan {
  let mine: readonly FileSignal[];
  if (series.symbol !== undefined) mine = signals.filter((s) => s.symbol === series.symbol);
  else {
    const symbols = [...new Set(signals.map((s) => s.symbol))];
    if (symbols.length > 1) throw new Error(`the candles of ${series.source} have no symbol and the signal file names several (${symbols.join(', ')}): give the symbol`);
    mine = signals;
  }
  const placed: SignalPlacement[] = [];
  const beforeStart: FileSignal[] = [];
  const afterEnd: FileSignal[] = [];
  const first = series.length > 0 ? (series.time[0] as number) : Infinity;
  for (const signal of mine) {
    const entryIndex = lowerBoundTime(series.time, signal.timeMs);
    if (entryIndex >= series.length) afterEnd.push(signal);
    else if (signal.timeMs <= first - series.timeframeMs) beforeStart.push(signal);
    else placed.push({ signal, entryIndex });
  }
  return { placed, beforeStart, afterEnd };
}
