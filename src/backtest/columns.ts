const SHIFT = 12;
/** Rows per chunk: 4,096. Only the first chunk is smaller at first (FIRST rows) and grows to it by copying. */
const CHUNK = 1 << SHIFT;
const MASK = CHUNK - 1;
const FIRST = 256;

/**
 * An append-only table of rows of `stride` numbers (the backtest's trade log), in chunks of one
 * Float64Array each: it grows without copying what it holds (beyond its first chunk) and without
 * garbage, a short run does not zero a large array, and writing a row is one chunk lookup and
 * `stride` stores. Integers up to 2^53 and small codes are held exactly as doubles.
 */
export class Rows {
  private readonly chunks: Float64Array[] = [];
  /** Where the row of the last `at` starts in the chunk it returned. */
  off = 0;

  constructor(readonly stride: number) {}

  /** The chunk holding row i (an existing row, or the next one: rows are appended in order); the row starts at `off`. */
  at(i: number): Float64Array {
    const c = i >>> SHIFT;
    const k = i & MASK;
    let a = this.chunks[c];
    if (a === undefined) this.chunks.push((a = new Float64Array((c === 0 ? FIRST : CHUNK) * this.stride)));
    else if (k * this.stride >= a.length) {
      const b = new Float64Array(a.length * 2);
      b.set(a);
      this.chunks[c] = a = b;
    }
    this.off = k * this.stride;
    return a;
  }

  /** The chunk holding row i, which must exist (reading never grows the table); the row starts at `off`. */
  row(i: number): Float64Array {
    const a = this.chunks[i >>> SHIFT];
    const o = (i & MASK) * this.stride;
    if (a === undefined || o >= a.length) throw new RangeError(`row ${i}: not written`);
    this.off = o;
    return a;
  }
}
