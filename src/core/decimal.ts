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

/** The double nearest to `n × unit`, correctly rounded (an integer divided by a power of ten). */
export function scaledToNumber(n: number, unit: Dec): number {
  const v = BigInt(n) * unit.int;
  if (unit.scale === 0) return Number(v);
  // Number(v) is exact below 2^53; dividing two exact doubles rounds once, correctly.
  if (v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= -BigInt(Number.MAX_SAFE_INTEGER) && unit.scale <= 22) {
    return Number(v) / 10 ** unit.scale;
  }
  return Number(formatScaled(n, unit));
}
