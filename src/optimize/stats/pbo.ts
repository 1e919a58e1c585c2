/**
 * Probability of backtest overfitting by combinatorially symmetric cross-validation (CSCV; Bailey,
 * Borwein, López de Prado & Zhu 2015). The T × N matrix of returns (N strategies) is cut into S
 * equal blocks of rows; for every way to choose S/2 blocks as the training set J (the rest J̄ is
 * the test set), the strategy with the best Sharpe ratio on J is ranked among all N on J̄:
 * ω = rank / (N + 1), λ = ln(ω / (1 − ω)). PBO is the share of splits with λ ≤ 0, i.e. where the
 * in-sample best is at or below the median out of sample.
 */

export interface PboResult {
  /** Probability of backtest overfitting, in [0, 1]. */
  readonly pbo: number;
  /** λ of every split, in the order of the splits. */
  readonly logits: readonly number[];
  /** Share of splits where the in-sample best lost money out of sample (its test mean < 0). */
  readonly probabilityOfLoss: number;
  readonly splits: number;
  readonly blocks: number;
  /** Rows used (the oldest T mod S rows are left out so the blocks are equal). */
  readonly rows: number;
}

/** `returns[n]` is strategy n's series; all of one length T ≥ S. S even, 2…24. */
export function probabilityOfOverfitting(returns: readonly ArrayLike<number>[], blocks = 16): PboResult {
  const N = returns.length;
  if (N < 2) throw new RangeError('CSCV needs at least 2 strategies');
  if (blocks < 2 || blocks % 2 !== 0 || blocks > 24) throw new RangeError(`CSCV blocks must be even, 2 to 24 (got ${blocks})`);
  const T = returns[0]!.length;
  for (const r of returns) if (r.length !== T) throw new RangeError('CSCV: every series must have the same length');
  const size = Math.floor(T / blocks);
  if (size < 2) throw new RangeError(`CSCV: ${T} rows are too few for ${blocks} blocks`);
  const skip = T - size * blocks;
  // Per strategy and block: count, Σx, Σx².
  const sum = new Float64Array(N * blocks);
  const sq = new Float64Array(N * blocks);
  for (let n = 0; n < N; n++) {
    const r = returns[n]!;
    for (let b = 0; b < blocks; b++) {
      let s = 0;
      let q = 0;
      for (let t = skip + b * size; t < skip + (b + 1) * size; t++) {
        s += r[t]!;
        q += r[t]! * r[t]!;
      }
      sum[n * blocks + b] = s;
      sq[n * blocks + b] = q;
    }
  }
  const half = blocks / 2;
  const count = half * size;
  const sharpeOn = (n: number, mask: number): { sr: number; mean: number } => {
    let s = 0;
    let q = 0;
    for (let b = 0; b < blocks; b++) {
      if (mask & (1 << b)) {
        s += sum[n * blocks + b]!;
        q += sq[n * blocks + b]!;
      }
    }
    const mean = s / count;
    const variance = (q - count * mean * mean) / (count - 1);
    return { sr: variance > 1e-300 ? mean / Math.sqrt(variance) : 0, mean };
  };
  const all = (1 << blocks) - 1;
  const logits: number[] = [];
  let losses = 0;
  const oos = new Float64Array(N);
  for (let mask = 0; mask <= all; mask++) {
    if (popcount(mask) !== half) continue;
    let best = 0;
    let bestSr = -Infinity;
    for (let n = 0; n < N; n++) {
      const sr = sharpeOn(n, mask).sr;
      if (sr > bestSr) {
        bestSr = sr;
        best = n;
      }
    }
    const test = all ^ mask;
    for (let n = 0; n < N; n++) oos[n] = sharpeOn(n, test).sr;
    if (sharpeOn(best, test).mean < 0) losses++;
    // Average rank (1 = worst … N = best) of the in-sample best among all N out of sample.
    let below = 0;
    let equal = 0;
    for (let n = 0; n < N; n++) {
      if (oos[n]! < oos[best]!) below++;
      else if (oos[n] === oos[best]) equal++;
    }
    const omega = (below + (equal + 1) / 2) / (N + 1);
    logits.push(Math.log(omega / (1 - omega)));
  }
  return {
    pbo: logits.filter((l) => l <= 0).length / logits.length,
    logits,
    probabilityOfLoss: losses / logits.length,
    splits: logits.length,
    blocks,
    rows: size * blocks,
  };
}

function popcount(x: number): number {
  let c = 0;
  for (let v = x; v; v &= v - 1) c++;
  return c;
}
