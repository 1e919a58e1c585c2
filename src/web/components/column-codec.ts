/**
 * Compact numeric columns for the self-contained report: each column is stored as integers
 * (`value × 10^scale`), delta-coded and written as zigzag varints, so a year of candles or thousands of
 * exits become a few bytes per value before compression. Runs in Node (writing the report) and in the
 * page (reading it); no Buffer, no DOM.
 *
 * A column is exact unless it says `roundedTo`: the smallest scale in −6…15 at which every value
 * round-trips to the same double is used, else the raw doubles (`f64`). Money columns (fee, PnL,
 * equity) are rounded to a stated number of decimals.
 */

/** How one column was written; kept beside the bytes in the page's JSON. */
export interface ColumnSpec {
  /** Number of values. */
  readonly n: number;
  /** Bytes taken in the blob. */
  readonly bytes: number;
  /** value = integer / 10^scale (scale < 0: integer × 10^−scale); ignored for `f64`. */
  readonly scale: number;
  /** Integers stored as differences from the previous one (the first from 0). */
  readonly delta: boolean;
  /** Raw little-endian doubles (a value that no scale represents exactly, or not finite). */
  readonly f64?: true;
  /** Lossy on purpose: rounded to this many decimals (money), not exact. */
  readonly roundedTo?: number;
  /** Newline-joined UTF-8 text (`encodeTextColumn`), not numbers. */
  readonly text?: true;
}

export interface EncodeOptions {
  /** Delta-code (default true: sorted times and prices change little from one to the next). */
  readonly delta?: boolean;
  /** Round to this many decimals instead of keeping every value exact (money only). */
  readonly roundTo?: number;
}

const MIN_SCALE = -6;
const MAX_SCALE = 15;
/** Integers are delta-coded in doubles: keep them where a difference is still exact. */
const MAX_INT = 2 ** 51;

const pow10 = (e: number) => 10 ** Math.abs(e);
const toInt = (v: number, e: number) => (e >= 0 ? Math.round(v * pow10(e)) : Math.round(v / pow10(e)));
const fromInt = (q: number, e: number) => (e >= 0 ? q / pow10(e) : q * pow10(e));

/** The smallest scale at which every value is an integer that decodes to the same double; null if none. */
export function exactScale(values: ArrayLike<number>): number | null {
  let e = MIN_SCALE;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) return null;
    while (e <= MAX_SCALE && (Math.abs(toInt(v, e)) > MAX_INT || fromInt(toInt(v, e), e) !== v)) e++;
    if (e > MAX_SCALE) return null;
  }
  return values.length === 0 ? 0 : e;
}

/** Encodes one column; `bytes.length === spec.bytes`. */
export function encodeColumn(values: ArrayLike<number>, o: EncodeOptions = {}): { spec: ColumnSpec; bytes: Uint8Array } {
  const delta = o.delta ?? true;
  const scale = o.roundTo !== undefined ? o.roundTo : exactScale(values);
  const fits = scale !== null && Array.prototype.every.call(values, (v: number) => Number.isFinite(v) && Math.abs(toInt(v, scale)) <= MAX_INT);
  if (scale === null || !fits) {
    const out = new Uint8Array(values.length * 8);
    const view = new DataView(out.buffer);
    for (let i = 0; i < values.length; i++) view.setFloat64(i * 8, values[i]!, true);
    return { spec: { n: values.length, bytes: out.length, scale: 0, delta: false, f64: true }, bytes: out };
  }
  const w = new VarintWriter(values.length * 2 + 16);
  let prev = 0;
  for (let i = 0; i < values.length; i++) {
    const q = toInt(values[i]!, scale);
    w.zigzag(delta ? q - prev : q);
    prev = q;
  }
  const bytes = w.done();
  return { spec: { n: values.length, bytes: bytes.length, scale, delta, ...(o.roundTo !== undefined ? { roundedTo: o.roundTo } : {}) }, bytes };
}

/** Decodes the column that starts at `offset` in `blob`. */
export function decodeColumn(blob: Uint8Array, offset: number, spec: ColumnSpec): Float64Array {
  const out = new Float64Array(spec.n);
  if (spec.f64) {
    const view = new DataView(blob.buffer, blob.byteOffset + offset, spec.bytes);
    for (let i = 0; i < spec.n; i++) out[i] = view.getFloat64(i * 8, true);
    return out;
  }
  let p = offset;
  let q = 0;
  for (let i = 0; i < spec.n; i++) {
    // Zigzag varint, in doubles (values up to 2^53, beyond 32-bit operators).
    let z = 0;
    let mul = 1;
    for (;;) {
      const b = blob[p++];
      if (b === undefined) throw new Error(`column ends early at value ${i} of ${spec.n}`);
      z += (b & 0x7f) * mul;
      if (b < 0x80) break;
      mul *= 128;
    }
    const d = z % 2 === 0 ? z / 2 : -(z + 1) / 2;
    q = spec.delta ? q + d : d;
    out[i] = fromInt(q, spec.scale);
  }
  if (p - offset !== spec.bytes) throw new Error(`column of ${spec.n} values took ${p - offset} bytes, ${spec.bytes} expected`);
  return out;
}

/** Text values (ids, names) as one newline-joined UTF-8 column; the text must hold no newline. */
export function encodeTextColumn(values: readonly string[]): { spec: ColumnSpec; bytes: Uint8Array } {
  for (const v of values) if (v.includes('\n')) throw new Error(`text column value ${JSON.stringify(v)} holds a newline`);
  const bytes = new TextEncoder().encode(values.join('\n'));
  return { spec: { n: values.length, bytes: bytes.length, scale: 0, delta: false, text: true }, bytes };
}

export function decodeTextColumn(blob: Uint8Array, offset: number, spec: ColumnSpec): string[] {
  if (spec.n === 0) return [];
  const out = new TextDecoder().decode(blob.subarray(offset, offset + spec.bytes)).split('\n');
  if (out.length !== spec.n) throw new Error(`text column holds ${out.length} values, ${spec.n} expected`);
  return out;
}

class VarintWriter {
  private buf: Uint8Array;
  private len = 0;
  constructor(capacity: number) {
    this.buf = new Uint8Array(capacity);
  }
  zigzag(x: number): void {
    let z = x >= 0 ? x * 2 : -x * 2 - 1;
    if (this.len + 8 > this.buf.length) {
      const next = new Uint8Array(this.buf.length * 2 + 16);
      next.set(this.buf);
      this.buf = next;
    }
    while (z >= 128) {
      this.buf[this.len++] = (z % 128) | 0x80;
      z = Math.floor(z / 128);
    }
    this.buf[this.len++] = z;
  }
  done(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}
