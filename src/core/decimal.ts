/**
 * Exact decimal arithmetic on BigInt, for the few places where a float would round the wrong way:
 * exchange strings ("0.0100") to integer ticks/steps, and targets/stops rounded in a stated direction.
 * A decimal is `int / 10^scale`. Only the operations the core needs; nothing here is on a hot path.
 * (big.js/decimal.js round to a fixed number of places; we need exact floor/ceil of rationals.)
 */
export interface Dec {
  readonly int: bigint;
  readonly scale: number;
}

const DECIMAL_RE = /^([+-])?(\d+)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$|^([+-])?\.(\d+)(?:[eE]([+-]?\d+))?$/;

/** Parses "0.0100", "-1.5", "1e-8", ".5"; throws on anything else (a bug or unchecked wire input). */
export function parseDec(text: string): Dec {
  const m = DECIMAL_RE.exec(text.trim());
  if (!m) throw new Error(`not a decimal number: ${JSON.stringify(text)}`);
  const sign = (m[1] ?? m[5]) === '-' ? -1n : 1n;
  const whole = m[2] ?? '0';
  const frac = m[3] ?? m[6] ?? '';
  const exp = Number(m[4] ?? m[7] ?? '0');
  let int = BigInt(whole + frac) * sign;
  let scale = frac.length - exp;
  if (scale < 0) {
    int *= 10n ** BigInt(-scale);
    scale = 0;
  }
  return { int, scale };
}

/** The exact decimal a JS number stands for, by its shortest round-trip text (what the user typed). */
export function decOfNumber(x: number): Dec {
  if (!Number.isFinite(x)) throw new Error(`not a finite number: ${x}`);
  return parseDec(String(x));
}

export const decOf = (x: string | number | Dec): Dec =>
  typeof x === 'string' ? parseDec(x) : typeof x === 'number' ? decOfNumber(x) : x;

/** Exact rational num/den with den > 0. */
export interface Ratio {
  readonly num: bigint;
  readonly den: bigint;
}

export const ratioOf = (d: Dec): Ratio => ({ num: d.int, den: 10n ** BigInt(d.scale) });

export function mul(a: Ratio, b: Ratio): Ratio {
  return { num: a.num * b.num, den: a.den * b.den };
}

export function div(a: Ratio, b: Ratio): Ratio {
  if (b.num === 0n) throw new Error('division by zero');
  const sign = b.num < 0n ? -1n : 1n;
  return { num: a.num * b.den * sign, den: a.den * b.num * sign };
}

export function add(a: Ratio, b: Ratio): Ratio {
  return { num: a.num * b.den + b.num * a.den, den: a.den * b.den };
}

export const intRatio = (n: number | bigint): Ratio => ({ num: BigInt(n), den: 1n });

export function floorRatio(r: Ratio): bigint {
  const q = r.num / r.den;
  return r.num < 0n && q * r.den !== r.num ? q - 1n : q;
}

export function ceilRatio(r: Ratio): bigint {
  const q = r.num / r.den;
  return r.num > 0n && q * r.den !== r.num ? q + 1n : q;
}

export function cmpRatio(a: Ratio, b: Ratio): number {
  const l = a.num * b.den;
  const r = b.num * a.den;
  return l < r ? -1 : l > r ? 1 : 0;
}

/** Canonical text of `n × unit` (unit a Dec): 1234 × "0.010" → "12.34". Exact, no float. */
export function formatScaled(n: bigint | number, unit: Dec): string {
  const v = BigInt(n) * unit.int;
  const neg = v < 0n;
  const digits = (neg ? -v : v).toString().padStart(unit.scale + 1, '0');
  const cut = digits.length - unit.scale;
  let whole = digits.slice(0, cut);
  const frac = digits.slice(cut).replace(/0+$/, '');
  if (whole === '') whole = '0';
  const text = frac ? `${whole}.${frac}` : whole;
  return neg && text !== '0' ? `-${text}` : text;
}

/** Exact powers of ten as doubles (literals parse exactly up to 1e22). */
const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

/**
 * The double nearest to `n × int / 10^scale`, correctly rounded: an exact integer product divided
 * once by an exact power of ten. Plain numbers, no BigInt: this is on the fill path.
 */
export function scaledIntToNumber(n: number, int: number, scale: number): number {
  const v = n * int;
  if (Number.isSafeInteger(v) && scale <= 22) return scale === 0 ? v : v / POW10[scale]!;
  return Number(formatScaled(n, { int: BigInt(int), scale }));
}

/** The double nearest to `n × unit`, correctly rounded. */
export function scaledToNumber(n: number, unit: Dec): number {
  const int = Number(unit.int);
  if (Number.isSafeInteger(int)) return scaledIntToNumber(n, int, unit.scale);
  return Number(formatScaled(n, unit));
}

/**
 * floor (or ceil) of the exact rational that the double `x` estimates to within a few ulps, or null
 * when `x` lies too close to an integer to tell (the caller then computes exactly). The cheap path
 * for directed rounding: right whenever it answers, because no integer lies between `x` and the
 * exact value.
 */
export function directedRound(x: number, up: boolean): number | null {
  const r = Math.round(x);
  if (!Number.isFinite(x) || Math.abs(x - r) <= Math.abs(x) * 1e-12 + 1e-9) return null;
  return up ? Math.ceil(x) : Math.floor(x);
}
