/**
 * A growable column of doubles that keeps its room: `clear` and `truncate` only move the count, so a
 * column reused from candidate to candidate allocates nothing once grown (a plain array set to a
 * shorter length may let its store go, to grow it again). Read `a[i]` for i < n.
 */
export class NumColumn {
  a: Float64Array = new Float64Array(64);
  n = 0;

  push(x: number): void {
    if (this.n === this.a.length) {
      const b = new Float64Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = x;
  }

  /** The last value, removed. */
  pop(): number {
    if (this.n === 0) throw new RangeError('pop of an empty column');
    return this.a[--this.n]!;
  }

  /** Keeps the first n values. */
  truncate(n: number): void {
    this.n = n;
  }
}
