/**
 * The byte-level candle CSV parser. One pass over the buffer, numbers read straight from the bytes
 * (see parse-number.ts), one Float64Array per column, no string per line or per field.
 *
 * Layouts:
 * - Binance klines, 12 columns, with or without a header line: `open_time, open, high, low, close,
 *   volume, close_time, quote_volume, trades, taker_buy_base, taker_buy_quote, ignore`.
 * - Any CSV whose header names `time, open, high, low, close, volume` (in any order; `timestamp`,
 *   `date`, `open_time` also name the time). Other columns are skipped.
 * Times are epoch s/ms/µs (told apart per row by magnitude) or ISO-8601, from 2000 to 2099; see
 * parse-time.ts.
 */
import { CandleFileError } from './candle-file-error.ts';
import { BINANCE_ROLES, CLOSE, COMMA, CR, HIGH, LF, LOW, OPEN, readLayout, ROLE_FIELD, SKIP, TIME } from './candle-layout.ts';
import { bytesText, fieldEnd, parseDecimalField, scanField, withFinalNewline } from './parse-number.ts';
import { EARLIEST_TIME_MS, END_OF_TIME_MS, epochToMs, implausibleTimeProblem, isoOf, isPlausibleTime, parseTimeField, timeFieldEnd } from './parse-time.ts';

/** Parsed rows of one file, before timeframe and gap checks (candle-assemble.ts). */
export interface CandleChunk {
  readonly file: string;
  readonly length: number;
  readonly time: Float64Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
  /** 1-based line of each row, for messages about a row found bad later. */
  readonly lines: Uint32Array;
  /**
   * Binance layout only: how long a row's close_time says its candle is (close_time − open_time +
   * 1 ms), by row, for the first row of the file, the last, and each row after which the step
   * between open times changes: the rows where a candle of another timeframe would show (a 1h row
   * among 15m ones is a step of 1h, which alone reads as a gap). Not read for the other rows.
   */
  readonly spanMs?: ReadonlyMap<number, number>;
}

/** The field's text for a message, cut at 60 characters (a 400-digit number stays readable). */
function fieldText(b: Uint8Array, start: number, stop: number): string {
  return stop - start > 60 ? `${bytesText(b, start, start + 60)}…` : bytesText(b, start, stop);
}

/** The error for a field that did not parse to a finite value (`val`: what it parsed to). */
function fieldError(file: string, line: number, role: number, b: Uint8Array, start: number, val = NaN): CandleFileError {
  const stop = scanField(b, start);
  const text = fieldText(b, start, stop);
  // 1e400 or 400 digits parse to ±Infinity: a valid decimal, but no price or volume can be that.
  const kind = role === TIME ? 'a time' : val === val ? 'a finite number' : 'a number';
  return new CandleFileError(file, line, ROLE_FIELD[role], stop === start ? 'empty' : `not ${kind} ("${text}")`);
}

/** Every field is already finite here (generalRow checks each as it is read). */
function checkRow(file: string, line: number, o: number, h: number, l: number, c: number, v: number): void {
  if (!(l > 0)) throw new CandleFileError(file, line, 'low', `not positive (${l})`);
  if (h < l) throw new CandleFileError(file, line, 'high', `high < low (${h} < ${l})`);
  if (o < l || o > h) throw new CandleFileError(file, line, 'open', `open outside [low, high] (${o} not in [${l}, ${h}])`);
  if (c < l || c > h) throw new CandleFileError(file, line, 'close', `close outside [low, high] (${c} not in [${l}, ${h}])`);
  if (!(v >= 0)) throw new CandleFileError(file, line, 'volume', `negative (${v})`);
}

/** Everything a row parser needs; one per file. Columns live in `buf`, `capacity` apart. */
interface RowContext {
  readonly b: Uint8Array;
  readonly file: string;
  readonly roleOf: Uint8Array;
  readonly ncols: number;
  /** Index of the last column that is read; the ones after it are only counted. */
  readonly lastRead: number;
  readonly buf: Float64Array;
  readonly capacity: number;
  readonly lines: Uint32Array;
  /** The buffer as 32-bit words (for binanceRow's tail) and `b`'s offset in it. */
  readonly words: Int32Array;
  readonly offset: number;
}

/**
 * Fast path for one row of Binance's 12-column layout starting at `p`: stores the row as row `n`
 * and returns the index after its line feed, or -1 for anything unusual (a bad number, a wrong
 * column count, a row out of order, a candle with high < low…). The general path then re-reads
 * the row and names the problem; this one never throws, so it stays small and fast.
 */
function binanceRow(x: RowContext, p: number, n: number, prevT: number): number {
  const { b, buf, capacity } = x;
  // Open time: Binance writes a plain integer (ms, or µs since 2025).
  const start = p;
  let e = 0;
  let d = (b[p] as number) - 48;
  while (d >= 0 && d <= 9) {
    e = e * 10 + d;
    d = (b[++p] as number) - 48;
  }
  const t = epochToMs(e);
  if (d !== COMMA - 48 || p === start || !(t > prevT) || !(t >= EARLIEST_TIME_MS && t < END_OF_TIME_MS)) return -1;
  const o = parseDecimalField(b, p + 1);
  p = fieldEnd;
  if (b[p] !== COMMA) return -1;
  const h = parseDecimalField(b, p + 1);
  p = fieldEnd;
  if (b[p] !== COMMA) return -1;
  const l = parseDecimalField(b, p + 1);
  p = fieldEnd;
  if (b[p] !== COMMA) return -1;
  const c = parseDecimalField(b, p + 1);
  p = fieldEnd;
  if (b[p] !== COMMA) return -1;
  const v = parseDecimalField(b, p + 1);
  p = fieldEnd;
  if (b[p] !== COMMA) return -1;
  // NaN fails every comparison, so this also rejects unparsable numbers; with 0 < low ≤ open,
  // close ≤ high, a finite high makes every price finite (1e400 parses to Infinity).
  if (!(l > 0 && h >= l && o >= l && o <= h && c >= l && c <= h && v >= 0 && h < Infinity && v < Infinity)) return -1;
  // The six columns we skip: exactly five more commas before the line feed. Counted a 32-bit word
  // at a time (SWAR), since these bytes are half the file and we read none of them.
  p++;
  const { words, offset } = x;
  let commas = 0;
  while (((offset + p) & 3) !== 0) {
    const ch = b[p] as number;
    if (ch === LF || ch === CR) break;
    if (ch === COMMA) commas++;
    p++;
  }
  if (((offset + p) & 3) === 0) {
    let wi = (offset + p) >> 2;
    const nw = words.length;
    while (wi < nw) {
      const w = words[wi] as number;
      const lf = w ^ 0x0a0a0a0a;
      if ((((lf - 0x01010101) | 0) & ~lf & 0x80808080) !== 0) break; // a line feed in this word
      commas += countBytes(w, 0x2c2c2c2c);
      wi++;
    }
    p = (wi << 2) - offset;
    for (;;) {
      const ch = b[p] as number;
      if (ch === LF || ch === CR) break;
      if (ch === COMMA) commas++;
      p++;
    }
  }
  if (commas !== 5) return -1;
  if (b[p] === CR) p++;
  if (b[p] !== LF) return -1;
  buf[n] = t;
  buf[capacity + n] = o;
  buf[2 * capacity + n] = h;
  buf[3 * capacity + n] = l;
  buf[4 * capacity + n] = c;
  buf[5 * capacity + n] = v;
  return p + 1;
}

/**
 * The general path, for any column layout: reads the row at `p` as row `n`, or throws a
 * CandleFileError naming the line, the field and the problem. Returns the index after the row.
 */
function generalRow(x: RowContext, p: number, n: number, prevT: number, line: number): number {
  const { b, file, roleOf, ncols, lastRead, buf, capacity } = x;
  let t = NaN;
  let o = NaN;
  let h = NaN;
  let l = NaN;
  let c = NaN;
  let v = NaN;
  let col = 0;
  for (;;) {
    const role = roleOf[col] as number;
    let q: number;
    if (role === SKIP) q = scanField(b, p);
    else if (role === TIME) {
      t = parseTimeField(b, p);
      q = timeFieldEnd;
      if (!Number.isFinite(t)) throw fieldError(file, line, role, b, p);
      if (!isPlausibleTime(t)) throw new CandleFileError(file, line, 'time', implausibleTimeProblem(fieldText(b, p, q), t));
    } else {
      const val = parseDecimalField(b, p);
      q = fieldEnd;
      if (!Number.isFinite(val)) throw fieldError(file, line, role, b, p, val);
      if (role === OPEN) o = val;
      else if (role === HIGH) h = val;
      else if (role === LOW) l = val;
      else if (role === CLOSE) c = val;
      else v = val;
    }
    col++;
    p = q;
    if (b[q] !== COMMA) break;
    p++;
    if (col > lastRead) {
      // The rest of the line is only counted: 1 + its commas columns.
      let commas = 0;
      for (;;) {
        const ch = b[p] as number;
        if (ch === COMMA) commas++;
        else if (ch === LF || ch === CR) break;
        p++;
      }
      col += commas + 1;
      break;
    }
  }
  if (col !== ncols) throw new CandleFileError(file, line, 'columns', `${col} columns, expected ${ncols}`);
  if (b[p] === CR) p++;
  if (b[p] !== LF) throw new CandleFileError(file, line, 'columns', 'stray carriage return');
  checkRow(file, line, o, h, l, c, v);
  if (t <= prevT) {
    const prevLine = x.lines[n - 1] as number;
    const problem = t === prevT ? `duplicate timestamp ${isoOf(t)}, also on line ${prevLine}` : `${isoOf(t)} is earlier than line ${prevLine} (${isoOf(prevT)}): rows must be in time order`;
    throw new CandleFileError(file, line, 'time', problem);
  }
  buf[n] = t;
  buf[capacity + n] = o;
  buf[2 * capacity + n] = h;
  buf[3 * capacity + n] = l;
  buf[4 * capacity + n] = c;
  buf[5 * capacity + n] = v;
  return p + 1;
}

/**
 * How long the candle of the Binance row starting at `p` says it is: its close_time (the 7th
 * field, ms or µs) less its open time `openMs`, plus the 1 ms Binance leaves out; NaN if unreadable.
 */
function closeSpanMs(b: Uint8Array, p: number, openMs: number): number {
  for (let commas = 0; commas < 6; p++) {
    const ch = b[p] as number;
    if (ch === LF) return NaN;
    if (ch === COMMA) commas++;
  }
  let v = 0;
  let d = (b[p] as number) - 48;
  if (!(d >= 0 && d <= 9)) return NaN;
  while (d >= 0 && d <= 9) {
    v = v * 10 + d;
    d = (b[++p] as number) - 48;
  }
  return Math.floor(epochToMs(v) - openMs) + 1;
}

/**
 * How many of the four bytes of `w` equal the byte repeated in `pattern` (0x2c2c2c2c: commas): 0x80
 * in every byte of `w ^ pattern` that is zero, exactly (no borrow between bytes), then a popcount.
 */
function countBytes(w: number, pattern: number): number {
  const x = w ^ pattern;
  const z = ~((((x & 0x7f7f7f7f) + 0x7f7f7f7f) | 0) | x | 0x7f7f7f7f);
  return Math.imul(z >>> 7, 0x01010101) >>> 24;
}

/**
 * Line feeds in `b` from `p` on: an upper bound of the rows, to size the columns once. Counted a
 * 32-bit word at a time (as binanceRow's tail) instead of one `indexOf` call per line.
 */
function countLineFeeds(b: Uint8Array, p: number): number {
  let n = 0;
  const end = b.length;
  while (p < end && ((b.byteOffset + p) & 3) !== 0) if (b[p++] === LF) n++;
  // At the end already (a header-only file), p may be unaligned: an Int32Array there would throw.
  if (p >= end) return n;
  const words = new Int32Array(b.buffer, b.byteOffset + p, (end - p) >> 2);
  for (let i = 0; i < words.length; i++) {
    n += countBytes(words[i] as number, 0x0a0a0a0a);
  }
  for (p += words.length << 2; p < end; p++) if (b[p] === LF) n++;
  return n;
}

/**
 * Parses one candle CSV held in `input`. `file` names it in errors. Rows must be in strictly
 * increasing time order; the first offending row is reported with the line it collides with.
 */
export function parseCandleCsv(input: Uint8Array, file: string): CandleChunk {
  const b = withFinalNewline(input); // the sentinel every field loop relies on
  const end = b.length;
  const layout = readLayout(b, file);
  let { p, line } = layout;
  const roleOf = Uint8Array.from(layout.roles);
  const binance = layout.roles.length === 12 && layout.roles.every((r, i) => r === BINANCE_ROLES[i]);
  let lastRead = roleOf.length - 1;
  while (roleOf[lastRead] === SKIP) lastRead--;

  const capacity = countLineFeeds(b, p) + 1;
  const buf = new Float64Array(capacity * 6);
  const lines = new Uint32Array(capacity);
  const x: RowContext = {
    b,
    file,
    roleOf,
    ncols: roleOf.length,
    lastRead,
    buf,
    capacity,
    lines,
    words: new Int32Array(b.buffer, 0, (b.byteOffset + b.length) >> 2),
    offset: b.byteOffset,
  };
  let n = 0;
  let prevT = -Infinity;
  // Where the step between open times changes, the row before's close_time is read (spanMs).
  const spanMs = new Map<number, number>();
  let prevStart = 0;
  let prevStep = NaN;
  while (p < end) {
    const c0 = b[p];
    if (c0 === LF || (c0 === CR && b[p + 1] === LF)) {
      p += c0 === LF ? 1 : 2; // a blank line
      line++;
      continue;
    }
    const start = p;
    let q = binance ? binanceRow(x, p, n, prevT) : -1;
    if (q < 0) q = generalRow(x, p, n, prevT, line);
    p = q;
    const t = buf[n] as number;
    if (binance && t - prevT !== prevStep) {
      if (n > 0) spanMs.set(n - 1, closeSpanMs(b, prevStart, prevT));
      prevStep = t - prevT;
    }
    prevStart = start;
    prevT = t;
    lines[n] = line;
    n++;
    line++;
  }
  if (n === 0) throw new CandleFileError(file, undefined, 'file', 'empty file: no candles after the header');
  if (binance) spanMs.set(n - 1, closeSpanMs(b, prevStart, prevT));
  const col = (k: number): Float64Array => buf.subarray(k * capacity, k * capacity + n);
  return { file, length: n, time: col(0), open: col(1), high: col(2), low: col(3), close: col(4), volume: col(5), lines: lines.subarray(0, n), ...(binance ? { spanMs } : {}) };
}
