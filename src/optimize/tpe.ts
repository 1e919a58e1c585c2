import type { Rng } from '../sim/random.ts';
import type { Dimension } from './space-grid.ts';

/**
 * Tree-structured Parzen estimator (Bergstra, Bardenet, Bengio & Kégl 2011, "Algorithms for
 * hyper-parameter optimization"), over a space of discrete dimensions. The observations are split
 * at the γ-quantile of their scores into the good ones (l) and the rest (g); every dimension gets
 * a Parzen estimate under each (ordinal: Gaussian kernels on the option index, bandwidth from the
 * neighbours, plus a wide prior kernel; categorical: counts plus a uniform prior); candidates are
 * drawn from l and the one maximising l(x)/g(x) (Σ log l − log g over its active dimensions) wins.
 * Conditional dimensions (a level's target exists only when the ladder has that many levels) are
 * estimated from the observations where they are active: the "tree" of the name.
 */

export interface TpeSpace {
  readonly dims: readonly Dimension[];
  /** Whether dimension d is used when dimension 0 (the root) has value c. */
  active(d: number, c: number): boolean;
}

export interface TpeObservation {
  readonly vector: readonly number[];
  /** Bigger is better; −Infinity for a disqualified candidate. */
  readonly score: number;
}

export interface TpeOptions {
  /** Share of observations that count as good (default 0.25). */
  readonly gamma?: number;
  /** Candidates drawn from l per suggestion (default 24). */
  readonly candidates?: number;
}

/** Probability of each option of a dimension given observed option indices (Parzen estimate). */
export function parzenPmf(dim: Dimension, values: readonly number[]): Float64Array {
  const K = dim.size;
  const pmf = new Float64Array(K);
  if (!dim.ordinal || K === 1) {
    for (let k = 0; k < K; k++) pmf[k] = 1;
    for (const v of values) pmf[v]! += K; // the prior weighs as much as one observation
    return normalise(pmf);
  }
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const span = K - 1;
  const minSigma = span / Math.min(100, 1 + n);
  const add = (mu: number, sigma: number, weight: number) => {
    for (let k = 0; k < K; k++) pmf[k]! += (weight * Math.exp(-0.5 * ((k - mu) / sigma) ** 2)) / sigma;
  };
  add(span / 2, Math.max(span, 1), 1); // prior: wide, centred
  for (let i = 0; i < n; i++) {
    const left = i > 0 ? sorted[i]! - sorted[i - 1]! : sorted[i]!;
    const right = i < n - 1 ? sorted[i + 1]! - sorted[i]! : span - sorted[i]!;
    const sigma = Math.min(Math.max(Math.max(left, right), minSigma, 0.5), Math.max(span, 1));
    add(sorted[i]!, sigma, 1);
  }
  return normalise(pmf);
}

function normalise(p: Float64Array): Float64Array {
  let s = 0;
  for (const x of p) s += x;
  for (let k = 0; k < p.length; k++) p[k]! /= s;
  return p;
}

function draw(pmf: Float64Array, rng: Rng): number {
  let u = rng.next();
  for (let k = 0; k < pmf.length; k++) {
    u -= pmf[k]!;
    if (u < 0) return k;
  }
  return pmf.length - 1;
}

/** Good and rest: the best ⌈γ·n⌉ observations (at least 1) and the others. */
export function splitObservations(obs: readonly TpeObservation[], gamma: number): { good: TpeObservation[]; bad: TpeObservation[] } {
  const sorted = [...obs].sort((a, b) => b.score - a.score);
  const nGood = Math.max(1, Math.ceil(gamma * sorted.length));
  return { good: sorted.slice(0, nGood), bad: sorted.slice(nGood) };
}

/**
 * Candidate vectors ranked best first by l(x)/g(x): `candidates` draws from l, without repeats.
 * The caller takes the first that it has not tried yet.
 */
export function tpeRank(space: TpeSpace, obs: readonly TpeObservation[], rng: Rng, o: TpeOptions = {}): number[][] {
  const { good, bad } = splitObservations(obs, o.gamma ?? 0.25);
  const D = space.dims.length;
  const est = (set: readonly TpeObservation[], d: number) => parzenPmf(space.dims[d]!, set.map((x) => x.vector[d]!).filter((v) => v >= 0));
  const l: Float64Array[] = [];
  const g: Float64Array[] = [];
  for (let d = 0; d < D; d++) {
    l.push(est(good, d));
    g.push(est(bad, d));
  }
  const scored = new Map<string, { v: number[]; s: number }>();
  for (let i = 0; i < (o.candidates ?? 24); i++) {
    const v = new Array<number>(D).fill(-1);
    v[0] = draw(l[0]!, rng);
    let s = 0;
    for (let d = 0; d < D; d++) {
      if (d > 0) {
        if (!space.active(d, v[0])) continue;
        v[d] = draw(l[d]!, rng);
      }
      s += Math.log(l[d]![v[d]!]!) - Math.log(g[d]![v[d]!]!);
    }
    scored.set(v.join(','), { v, s });
  }
  return [...scored.values()].sort((a, b) => b.s - a.s).map((x) => x.v);
}
