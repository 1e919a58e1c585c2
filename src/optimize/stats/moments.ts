/** Sample moments of a return series (pure; no allocation). */

export function mean(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]!;
  return x.length ? s / x.length : 0;
}

/** Sample standard deviation (n − 1); 0 below two values. */
export function stdev(x: ArrayLike<number>): number {
  const n = x.length;
  if (n < 2) return 0;
  const m = mean(x);
  let s = 0;
  for (let i = 0; i < n; i++) s += (x[i]! - m) ** 2;
  return Math.sqrt(s / (n - 1));
}

/** Skewness γ3 = E[(x−μ)³]/σ³ and kurtosis γ4 = E[(x−μ)⁴]/σ⁴ (not excess: 3 for a normal), population moments as in Bailey & López de Prado. */
export function skewKurt(x: ArrayLike<number>): { skew: number; kurt: number } {
  const n = x.length;
  const m = mean(x);
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  for (let i = 0; i < n; i++) {
    const d = x[i]! - m;
    m2 += d * d;
    m3 += d * d * d;
    m4 += d * d * d * d;
  }
  if (n === 0 || m2 === 0) return { skew: 0, kurt: 3 };
  m2 /= n;
  return { skew: m3 / n / m2 ** 1.5, kurt: m4 / n / (m2 * m2) };
}

/** Per-period Sharpe ratio: mean / sample sd (risk-free 0); 0 when the sd is 0. */
export function sharpeRatio(x: ArrayLike<number>): number {
  const sd = stdev(x);
  return sd > 0 ? mean(x) / sd : 0;
}

/** Per-period Sortino ratio: mean / downside deviation √(Σ min(x,0)² / n); 0 when nothing is below 0. */
export function sortinoRatio(x: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < x.length; i++) if (x[i]! < 0) d += x[i]! ** 2;
  if (d === 0 || x.length === 0) return 0;
  return mean(x) / Math.sqrt(d / x.length);
}
