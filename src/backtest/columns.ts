type Numbers = Float64Array | Int32Array | Uint8Array;

const SHIFT = 14;
/** Rows per chunk: 16,384. Only the first chunk is smaller at first (FIRST rows) and grows to it by copying. */
const CHUNK = 1 << SHIFT;
const MASK = CHUNK - 1;
const FIRST = 512;

/**
 * One column of numbers of an append-only table (the backtest's trade log): rows in chunks, so it
 * grows without copying what it holds (beyond its first 16,384 rows) and without garbage, and a
 * short run does not zero a large array.
 */
export class Column<A extends Numbers> {
  private readonly chunks: A[] = [];

  constructor(private readonly make: (rows: number) => A) {}

  /** Sets row i: an existing row, or the next one (rows are appended in order). */
  set(i: number, v: number): void {
    const c = i >>> SHIFT;
    const k = i & MASK;
    let a = this.chunks[c];
    if (a === undefined) this.chunks.push((a = this.make(c === 0 ? FIRST : CHUNK)));
    else if (k >= a.length) {
      const b = this.make(a.length * 2);
      b.set(a);
      this.chunks[c] = a = b;
    }
    a[k] = v;
  }

  get(i: number): number {
    return this.chunks[i >>> SHIFT]![i & MASK]!;
  }
}

export const f64 = (): Column<Float64Array> => new Column((n) => new Float64Array(n));
export const i32 = (): Column<Int32Array> => new Column((n) => new Int32Array(n));
export const u8 = (): Column<Uint8Array> => new Column((n) => new Uint8Array(n));
