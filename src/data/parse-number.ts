/**
 * Byte-level decimal parsing for candle files: the value comes straight from the bytes, without
 * making a string, and is the same double `Number(text)` gives.
 *
 * Why that is exact: the digits are collected as an integer `m` and the number of fraction digits
 * `k`; while `m < 2^53` and `k ≤ 22`, both `m` and `10^k` are exact doubles, and IEEE division
 * rounds `m / 10^k` correctly, which is what `Number` does with the decimal text (Clinger's fast
 * path). Trailing fraction zeros ("123456789.00000000") are dropped when they would cost range.
 * Anything else (more digits, exponents) falls back to `Number(text)` after a strict syntax check.
 *
 * Precondition of every `…Field` function here: the buffer's last byte is a line feed. That
 * sentinel ends every field, so the per-byte loops need no bounds test (see withFinalNewline).
 */

const POW10 = new Float64Array(23);
for (let i = 0, p = 1; i <= 22; i++, p *= 10) POW10[i] = p;

const TWO_53 = 9007199254740992;
const COMMA = 44;
const LF = 10;
const CR = 13;
const DOT = 46;
const MINUS = 45;
const PLUS = 43;

/** Strict decimal syntax for the slow path: no hex, no `Infinity`, no spaces, no empty string. */
const DECIMAL_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** `b` itself if its last byte is a line feed, else a copy with one appended. */
export function withFinalNewline(b: Uint8Array): Uint8Array {
  if (b.length > 0 && b[b.length - 1] === LF) return b;
  const out = new Uint8Array(b.length + 1);
  out.set(b);
  out[b.length] = LF;
  return out;
}

/** Index of the byte that ended the last field parsed here (a comma, CR or LF). */
export let fieldEnd = 0;

/** Index of the first comma, CR or LF at or after `p`. */
export function scanField(b: Uint8Array, p: number): number {
  for (;;) {
    const c = b[p] as number;
    if (c === COMMA || c === LF || c === CR) return p;
    p++;
  }
}

/** Latin-1 text of `b[start, end)`, for messages and the slow path. */
export function bytesText(b: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i++) s += String.fromCharCode(b[i] as number);
  return s;
}

function slowDecimal(b: Uint8Array, start: number, end: number): number {
  const text = bytesText(b, start, end);
  return DECIMAL_RE.test(text) ? Number(text) : NaN;
}

/**
 * Parses the decimal field starting at `start`; it ends at the first comma, CR or LF (stored in
 * `fieldEnd`). Returns NaN if the field is empty or not a decimal number.
 */
export function parseDecimalField(b: Uint8Array, start: number): number {
  let p = start;
  let c = b[p] as number;
  const neg = c === MINUS;
  if (neg || c === PLUS) c = b[++p] as number;
  const intStart = p;
  let m = 0;
  let d = c - 48;
  while (d >= 0 && d <= 9) {
    m = m * 10 + d;
    d = (b[++p] as number) - 48;
  }
  let digits = p - intStart;
  let k = 0;
  if (d === DOT - 48) {
    const fracStart = ++p;
    d = (b[p] as number) - 48;
    while (d >= 0 && d <= 9) {
      m = m * 10 + d;
      d = (b[++p] as number) - 48;
    }
    k = p - fracStart;
    digits += k;
  }
  fieldEnd = p;
  c = d + 48;
  if (c !== COMMA && c !== LF && c !== CR) {
    fieldEnd = scanField(b, p);
    return slowDecimal(b, start, fieldEnd);
  }
  if (digits === 0) return NaN;
  // Rounding is monotonic, so an `m` whose exact value reached 2^53 is still ≥ 2^53 here.
  if (m >= TWO_53 || k > 22) return withoutTrailingZeros(b, start, p, neg);
  const v = k === 0 ? m : m / (POW10[k] as number);
  return neg ? -v : v;
}

/**
 * Second try for a decimal with too many digits for the fast path: trailing fraction zeros
 * ("123456789.00000000", common in volumes) carry no value, so drop them and try again.
 */
function withoutTrailingZeros(b: Uint8Array, start: number, end: number, neg: boolean): number {
  let last = end;
  const dot = b.indexOf(DOT, start);
  if (dot >= 0 && dot < end) {
    while (last > dot + 1 && b[last - 1] === 48) last--;
  }
  let m = 0;
  let k = 0;
  let inFraction = false;
  for (let p = neg || b[start] === PLUS ? start + 1 : start; p < last; p++) {
    const c = b[p] as number;
    if (c === DOT) inFraction = true;
    else {
      m = m * 10 + (c - 48);
      if (inFraction) k++;
    }
  }
  if (m >= TWO_53 || k > 22) return slowDecimal(b, start, end);
  const v = k === 0 ? m : m / (POW10[k] as number);
  return neg ? -v : v;
}

/** Parses a whole string with the same rules (for tests and small inputs); NaN if invalid. */
export function parseDecimal(text: string): number {
  if (/[\r\n,]/.test(text)) return NaN;
  const b = Buffer.from(`${text}\n`, 'latin1');
  return parseDecimalField(b, 0);
}
