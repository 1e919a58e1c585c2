import { normCdf, normInv } from './normal.ts';

/** Euler–Mascheroni constant γ. */
const EULER_GAMMA = 0.5772156649015329;

/**
 * Expected maximum Sharpe ratio of N independent trials whose Sharpe ratios have variance V and
 * true value 0 (Bailey & López de Prado 2014, eq. for SR₀):
 * √V · ((1 − γ) Φ⁻¹(1 − 1/N) + γ Φ⁻¹(1 − 1/(N e))). Same unit as the Sharpe ratios (per period).
 */
export function expectedMaxSharpe(trials: number, sharpeVariance: number): number {
  if (trials < 2 || !(sharpeVariance > 0)) return 0;
  return Math.sqrt(sharpeVariance) * ((1 - EULER_GAMMA) * normInv(1 - 1 / trials) + EULER_GAMMA * normInv(1 - 1 / (trials * Math.E)));
}

/**
 * Probabilistic Sharpe ratio: P(true SR > benchmark) given the observed per-period SR of T returns
 * with skewness γ3 and kurtosis γ4 (not excess) (Bailey & López de Prado 2012):
 * Φ((SR − SR*) √(T − 1) / √(1 − γ3 SR + (γ4 − 1)/4 SR²)).
 */
export function probabilisticSharpe(sr: number, benchmark: number, observations: number, skew: number, kurt: number): number {
  if (observations < 2) return 0;
  const denom = 1 - skew * sr + ((kurt - 1) / 4) * sr * sr;
  if (!(denom > 0)) return sr > benchmark ? 1 : 0;
  return normCdf(((sr - benchmark) * Math.sqrt(observations - 1)) / Math.sqrt(denom));
}

export interface DeflatedSharpeInput {
  /** Observed per-period (not annualised) Sharpe ratio of the selected strategy. */
  readonly sharpe: number;
  /** Number of returns it was measured on. */
  readonly observations: number;
  readonly skew: number;
  /** Kurtosis, not excess (3 for a normal). */
  readonly kurt: number;
  /** Number of trials (candidates) the selection was made from. */
  readonly trials: number;
  /** Variance of the per-period Sharpe ratios across the trials. */
  readonly sharpeVariance: number;
}

/** The deflated Sharpe ratio (Bailey & López de Prado 2014): the PSR against the expected maximum of N trials. */
export function deflatedSharpe(i: DeflatedSharpeInput): { dsr: number; benchmark: number } {
  const benchmark = expectedMaxSharpe(i.trials, i.sharpeVariance);
  return { dsr: probabilisticSharpe(i.sharpe, benchmark, i.observations, i.skew, i.kurt), benchmark };
}
