/**
 * The column layout of a candle CSV: Binance's 12 kline columns (no header, or its header), or
 * the columns a header line names. Roles say which column feeds which field.
 */
import { CandleFileError, type CandleField } from './candle-file-error.ts';

export const SKIP = 0;
export const TIME = 1;
export const OPEN = 2;
export const HIGH = 3;
export const LOW = 4;
export const CLOSE = 5;
export const VOLUME = 6;
export const ROLE_FIELD: CandleField[] = ['columns', 'time', 'open', 'high', 'low', 'close', 'volume'];

export const BINANCE_ROLES = [TIME, OPEN, HIGH, LOW, CLOSE, VOLUME, SKIP, SKIP, SKIP, SKIP, SKIP, SKIP];

const HEADER_NAMES: Record<string, number> = {
  time: TIME,
  timestamp: TIME,
  date: TIME,
  datetime: TIME,
  open_time: TIME,
  opentime: TIME,
  open: OPEN,
  high: HIGH,
  low: LOW,
  close: CLOSE,
  volume: VOLUME,
};

export const LF = 10;
export const CR = 13;
export const COMMA = 44;
const SPACE = 32;
const TAB = 9;

/** Longest header echoed in a message; the rest is cut (a minified JSON is one 400 KB line). */
const HEADER_ECHO_MAX = 120;

/** A line for a message: quoted, cut at `max` characters with its full length said. */
export function echoLine(text: string, max = HEADER_ECHO_MAX): string {
  return text.length > max ? `${JSON.stringify(text.slice(0, max))}… (${text.length} characters)` : JSON.stringify(text);
}

/** How far into a file to look for a NUL byte: a text CSV has none; UTF-16 and binary files do at once. */
const SNIFF_BYTES = 4096;

/**
 * Why `b` is not a text file (UTF-8 or ASCII), or undefined: a UTF-16 byte-order mark, or a NUL byte
 * in its first 4 KB (UTF-16 text has one in every other byte, binary files near the start).
 */
export function notTextProblem(b: Uint8Array): string | undefined {
  if ((b[0] === 0xff && b[1] === 0xfe) || (b[0] === 0xfe && b[1] === 0xff)) {
    return `not a text CSV file: UTF-16 or binary? (it starts with a UTF-16 byte-order mark ${b[0] === 0xff ? 'FF FE' : 'FE FF'}; save it as UTF-8)`;
  }
  const nul = b.subarray(0, SNIFF_BYTES).indexOf(0);
  if (nul >= 0) return `not a text CSV file: UTF-16 or binary? (a NUL byte at offset ${nul}; expected UTF-8 text)`;
  return undefined;
}

/** Column roles from a header line; throws naming the missing or repeated column. */
function rolesFromHeader(file: string, header: string, line: number): number[] {
  const names = header.split(',').map((n) => n.trim().replace(/^"(.*)"$/, '$1').toLowerCase());
  const roles = names.map((n) => HEADER_NAMES[n] ?? SKIP);
  for (let role = TIME; role <= VOLUME; role++) {
    const count = roles.filter((r) => r === role).length;
    const field = ROLE_FIELD[role] as string;
    if (count === 0) throw new CandleFileError(file, line, 'header', `no ${field} column (header ${echoLine(header)}; expected time,open,high,low,close,volume or Binance's kline columns)`);
    if (count > 1) throw new CandleFileError(file, line, 'header', `more than one ${field} column (header ${echoLine(header)})`);
  }
  return roles;
}

export function countColumns(b: Uint8Array, p: number, end: number): number {
  let n = 1;
  for (; p < end; p++) {
    const c = b[p];
    if (c === LF || c === CR) break;
    if (c === COMMA) n++;
  }
  return n;
}

/** The column roles of the file and where its rows start (after the header line, if any). */
export function readLayout(b: Uint8Array, file: string): { roles: number[]; p: number; line: number } {
  const end = b.length;
  const binary = notTextProblem(b);
  if (binary !== undefined) throw new CandleFileError(file, undefined, 'file', binary);
  let p = 0;
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) p = 3; // UTF-8 BOM
  let line = 1;
  // Blank lines before the first one with text, spaces and tabs only included: a file of nothing else is empty.
  for (;;) {
    let q = p;
    while (q < end && (b[q] === SPACE || b[q] === TAB)) q++;
    if (q < end && b[q] !== LF && b[q] !== CR) break;
    if (q >= end) {
      p = end;
      break;
    }
    p = skipNewline(b, q, end);
    line++;
  }
  if (p >= end) throw new CandleFileError(file, undefined, 'file', 'empty file: no candles');
  const first = b[p] as number;
  if (first >= 48 && first <= 57) {
    const n = countColumns(b, p, end);
    if (n !== 12) {
      throw new CandleFileError(file, line, 'columns', `${n} columns and no header line: expected Binance's 12-column kline layout, or a header naming time,open,high,low,close,volume`);
    }
    return { roles: BINANCE_ROLES, p, line };
  }
  const stop = scanLine(b, p, end);
  const roles = rolesFromHeader(file, new TextDecoder().decode(b.subarray(p, stop)), line);
  return { roles, p: skipNewline(b, stop, end), line: line + 1 };
}

function scanLine(b: Uint8Array, p: number, end: number): number {
  while (p < end && b[p] !== LF && b[p] !== CR) p++;
  return p;
}

function skipNewline(b: Uint8Array, p: number, end: number): number {
  if (p < end && b[p] === CR) p++;
  if (p < end && b[p] === LF) p++;
  return p;
}
