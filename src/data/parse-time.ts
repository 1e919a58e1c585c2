/**
 * Time fields of candle and signal files, parsed from bytes: epoch integers (seconds, ms or µs,
 * told apart by magnitude) and ISO-8601 (`2024-01-01`, `2024-01-01T00:00:00Z`,
 * `2024-01-01 00:00:00.000+02:00`). A time without an offset is UTC, never local time.
 */
import { parseDecimalField, scanField } from './parse-number.ts';

/** Epoch values below this are seconds (1e11 s is the year 5138; 1e11 ms is 1973). */
const SECONDS_BELOW = 1e11;
/** Epoch values below this are ms, above it µs (Binance spot archives moved to µs in 2025). */
const MILLIS_BELOW = 1e14;
const MICROS_BELOW = 1e17;

/**
 * An epoch number in seconds, milliseconds or microseconds → ms, decided per value by magnitude.
 * µs are floored to the ms. NaN for a negative or absurdly large value.
 */
export function epochToMs(v: number): number {
  if (!(v >= 0)) return NaN;
  if (v < SECONDS_BELOW) return Math.round(v * 1000);
  if (v < MILLIS_BELOW) return Math.floor(v);
  if (v < MICROS_BELOW) return Math.floor(v / 1000);
  return NaN;
}

/**
 * The times a candle or signal file may hold: from 2000-01-01 (inclusive) to 2100-01-01 (exclusive),
 * UTC. No crypto market traded before 2009, so a time outside is a corrupt field — a digit too
 * many (an open time of 2533), a 0 (1970), a date written 20260105 (read as epoch seconds: 1970) —
 * which would otherwise pass as a gap of centuries. Checked by the loaders, not by epochToMs: a
 * query bound (`from=0`) is no data.
 */
export const EARLIEST_TIME_MS = 946_684_800_000; // 2000-01-01T00:00:00Z
export const END_OF_TIME_MS = 4_102_444_800_000; // 2100-01-01T00:00:00Z

export const isPlausibleTime = (ms: number): boolean => ms >= EARLIEST_TIME_MS && ms < END_OF_TIME_MS;

/** What a time field outside EARLIEST_TIME_MS … END_OF_TIME_MS is, for `file:line: time: …`. */
export function implausibleTimeProblem(text: string, ms: number): string {
  let read = 'is';
  if (/^\d+$/.test(text)) {
    const v = Number(text);
    read = `reads as epoch ${v < SECONDS_BELOW ? 'seconds' : v < MILLIS_BELOW ? 'ms' : 'µs'} ${isoOf(ms)},`;
  }
  return `${JSON.stringify(text)} ${read} outside 2000-01-01 … 2099-12-31 UTC (a corrupt time? expected ISO-8601 or epoch ms)`;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

/** `n` decimal digits at `p` as an integer, or -1 if any of them is not a digit. */
function digitsAt(b: Uint8Array, p: number, n: number, end: number): number {
  if (p + n > end) return -1;
  let v = 0;
  for (let i = 0; i < n; i++) {
    const d = (b[p + i] as number) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/** Parses an ISO-8601 date-time occupying exactly `b[start, end)` → ms UTC, or NaN. */
export function parseIsoBytes(b: Uint8Array, start: number, end: number): number {
  const y = digitsAt(b, start, 4, end);
  const mo = digitsAt(b, start + 5, 2, end);
  const d = digitsAt(b, start + 8, 2, end);
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || b[start + 4] !== 45 || b[start + 7] !== 45) return NaN;
  if (d > (DAYS_IN_MONTH[mo - 1] as number) || (mo === 2 && d === 29 && !isLeap(y))) return NaN;
  let ms = daysFromCivil(y, mo, d) * 86_400_000;
  let p = start + 10;
  if (p === end) return ms;
  const sep = b[p];
  if (sep !== 84 && sep !== 116 && sep !== 32) return NaN; // 'T', 't', ' '
  const h = digitsAt(b, p + 1, 2, end);
  const mi = digitsAt(b, p + 4, 2, end);
  if (h < 0 || h > 23 || mi < 0 || mi > 59 || b[p + 3] !== 58) return NaN;
  ms += h * 3_600_000 + mi * 60_000;
  p += 6;
  if (p < end && b[p] === 58) {
    const s = digitsAt(b, p + 1, 2, end);
    if (s < 0 || s > 59) return NaN;
    ms += s * 1000;
    p += 3;
    if (p < end && (b[p] === 46 || b[p] === 44)) {
      // Fraction of a second: keep the ms, truncate the rest.
      p++;
      let scale = 100;
      const fracStart = p;
      while (p < end && (b[p] as number) >= 48 && (b[p] as number) <= 57) {
        ms += ((b[p] as number) - 48) * scale;
        scale = scale === 1 ? 0 : scale / 10;
        p++;
      }
      if (p === fracStart) return NaN;
    }
  }
  if (p === end) return ms;
  const z = b[p];
  if ((z === 90 || z === 122) && p + 1 === end) return ms; // 'Z', 'z'
  if (z !== 43 && z !== 45) return NaN;
  const sign = z === 43 ? 1 : -1;
  const oh = digitsAt(b, p + 1, 2, end);
  if (oh < 0 || oh > 23) return NaN;
  p += 3;
  let om = 0;
  if (p < end) {
    if (b[p] === 58) p++;
    om = digitsAt(b, p, 2, end);
    if (om < 0 || om > 59 || p + 2 !== end) return NaN;
  }
  return ms - sign * (oh * 3_600_000 + om * 60_000);
}

/** Index of the byte that ended the last time field parsed (a comma, CR or LF). */
export let timeFieldEnd = 0;

/**
 * Parses a time field at `start` (ending at a comma, CR or LF, stored in `timeFieldEnd`; the
 * buffer must end with a line feed, see parse-number.ts): an epoch number (s/ms/µs by magnitude)
 * or ISO-8601. Returns ms UTC, or NaN.
 */
export function parseTimeField(b: Uint8Array, start: number): number {
  // Fast path: a plain integer, as Binance writes it.
  let p = start;
  let v = 0;
  let d = (b[p] as number) - 48;
  while (d >= 0 && d <= 9) {
    v = v * 10 + d;
    d = (b[++p] as number) - 48;
  }
  const c = d + 48;
  if (p > start && (c === 44 || c === 10 || c === 13)) {
    timeFieldEnd = p;
    return epochToMs(v);
  }
  const stop = scanField(b, p);
  timeFieldEnd = stop;
  if (c === 45 && p - start === 4) return parseIsoBytes(b, start, stop);
  const x = parseDecimalField(b, start);
  return epochToMs(x);
}

/** Parses a whole time string with the same rules; NaN if invalid. */
export function parseTimeText(text: string): number {
  const t = text.trim();
  if (/[\r\n,]/.test(t)) return NaN;
  const b = Buffer.from(`${t}\n`, 'latin1');
  return parseTimeField(b, 0);
}

/** ms UTC → ISO text for messages. */
export const isoOf = (ms: number): string => (Number.isFinite(ms) ? new Date(ms).toISOString() : String(ms));
