import { decOfNumber } from '../decimal.ts';

/**
 * Targets and stops of an entry in plain integer arithmetic: the planner's common path, without BigInt
 * or strings. A price level is entry × (100 + pct) / 100 / tick rounded to a whole tick; with the entry
 * the decimal v / 10^d, pct the decimal p / 10^s and the tick t / 10^ts, that is
 *   v × (100·10^s + p) × 10^ts / (10^d × 100·10^s × t)
 * whose floor or ceil is taken from an exact integer quotient and remainder while every operand stays
 * below 2^52 (so every product and the remainder are exact doubles). Where it cannot answer it says so
 * (NaN) and the caller takes the exact BigInt functions of price-math.ts: same answers by construction,
 * which a property test checks against exact rationals.
 */

/** (100 + pct) as the exact integer ratio num / den, den = 100 × 10^s (s: the decimals of pct's shortest text). */
export interface PctFactor {
  readonly num: number;
  readonly den: number;
}

const LIMIT = 2 ** 52;
const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];
/** 32 ulps relative (2^-47): 10^-d must exceed this much of the entry for v / 10^d to be its shortest text. */
const ULP32 = 2 ** -47;
/** The most decimals an entry is read with; more goes to the exact path. */
const MAX_DECIMALS = 15;

/** The exact factor of a signed percentage (BigInt once per value: a planner makes these up front), or null. */
export function pctFactor(signedPct: number): PctFactor | null {
  if (!Number.isFinite(signedPct)) return null;
  const d = decOfNumber(signedPct);
  if (d.scale > MAX_DECIMALS) return null;
  const den = 100 * POW10[d.scale]!;
  const num = Number(d.int) + den;
  if (!Number.isSafeInteger(num) || !(num > 0) || den >= LIMIT) return null;
  return { num, den };
}

/**
 * An entry price read as the decimal v / 10^d that the exact path would parse, and the tick levels of
 * it. One per planner; `read` sets the entry of the plan being made (a mutable scratch: no allocation).
 */
export class EntryTicks {
  private v = 0;
  private d = 0;
  private ok = false;
  private readonly tickInt: number;
  private readonly tickScale: number;

  constructor(tick: { readonly int: number; readonly scale: number }) {
    this.tickInt = tick.int;
    this.tickScale = Number.isSafeInteger(tick.int) && tick.int > 0 && tick.scale <= 22 ? tick.scale : -1;
  }

  /** Reads the entry; false when it cannot be read exactly here (then `ticks` answers NaN). */
  read(entry: string | number): boolean {
    this.ok = this.tickScale >= 0 && (typeof entry === 'number' ? this.readNumber(entry) : this.readText(entry));
    return this.ok;
  }

  /**
   * The double `x` is the decimal v / 10^d, d its fewest decimals, when that decimal gives `x` back and
   * no other decimal with d + 1 or fewer decimals lies within an ulp of it (10^-d above 32 ulps of x):
   * then v / 10^d is exactly the shortest round-trip text of x, what `decOfNumber` parses.
   */
  private readNumber(x: number): boolean {
    if (!(x > 0) || x >= LIMIT) return false;
    // A symbol's prices mostly share their decimals: the last entry's count first.
    const d0 = this.d;
    const v0 = Math.round(x * POW10[d0]!);
    if (v0 / POW10[d0]! === x && (d0 === 0 || Math.round(x * POW10[d0 - 1]!) / POW10[d0 - 1]! !== x)) return this.accept(x, v0, d0);
    for (let d = 0; d <= MAX_DECIMALS; d++) {
      const v = Math.round(x * POW10[d]!);
      if (v / POW10[d]! === x) return this.accept(x, v, d);
    }
    return false;
  }

  private accept(x: number, v: number, d: number): boolean {
    if (!(v < LIMIT) || !(x * ULP32 < 1 / POW10[d]!)) return false;
    this.v = v;
    this.d = d;
    return true;
  }

  /** Plain `digits[.digits]` text (a slipped fill's exact price); anything else goes to the exact path. */
  private readText(s: string): boolean {
    let v = 0;
    let d = -1;
    if (s.length === 0 || s.length > 16) return false;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c === 46 /* . */ && d < 0 && i > 0 && i < s.length - 1) d = 0;
      else if (c >= 48 && c <= 57) {
        v = v * 10 + (c - 48);
        if (d >= 0) d++;
      } else return false;
    }
    // At most 15 digits (16 characters with the point): v < 10^15, exact.
    if (!(v > 0) || (d < 0 && s.length > 15)) return false;
    this.v = v;
    this.d = d < 0 ? 0 : d;
    return true;
  }

  /**
   * floor (or ceil, `up`) of entry × f / tick in whole ticks, exactly; NaN when the operands leave the
   * exact range, or no entry was read.
   */
  ticks(f: PctFactor | null, up: boolean): number {
    if (!this.ok || f === null) return NaN;
    let num = this.v * f.num;
    let den = f.den * this.tickInt;
    const ts = this.tickScale;
    if (ts >= this.d) num *= POW10[ts - this.d]!;
    else den *= POW10[this.d - ts]!;
    if (!(num < LIMIT && den < LIMIT)) return NaN;
    // q within one of the true quotient; the remainder (exact: q × den < 2^53) puts it right.
    let q = Math.floor(num / den);
    let r = num - q * den;
    if (r < 0) {
      q--;
      r += den;
    } else if (r >= den) {
      q++;
      r -= den;
    }
    return up && r > 0 ? q + 1 : q;
  }
}

/**
 * floor(q × closePct / 100) exactly (SPEC "Splitting"), `c` being `pctFactor(closePct)` (so c.num − c.den
 * is closePct × 10^s); NaN when out of the exact range.
 */
export function shareOf(q: number, c: PctFactor | null): number {
  if (c === null) return NaN;
  const num = q * (c.num - c.den);
  if (!(num < LIMIT && num >= 0)) return NaN;
  const den = c.den;
  let s = Math.floor(num / den);
  const r = num - s * den;
  if (r < 0) s--;
  else if (r >= den) s++;
  return s;
}
