import { describe, expect, it } from 'vitest';
import { deflatedSharpe, expectedMaxSharpe, probabilisticSharpe } from '../../../src/optimize/stats/deflated-sharpe.ts';
import { normCdf, normInv } from '../../../src/optimize/stats/normal.ts';

describe('normal distribution', () => {
  it('matches the printed tables: Φ(1.96) = 0.9750, Φ(−3) = 0.00135, Φ⁻¹(0.975) = 1.95996, Φ⁻¹(0.01) = −2.32635', () => {
    expect(normCdf(1.96)).toBeCloseTo(0.975002, 5);
    expect(normCdf(-3)).toBeCloseTo(0.0013499, 6);
    expect(normCdf(0)).toBeCloseTo(0.5, 7);
    expect(normInv(0.975)).toBeCloseTo(1.959964, 6);
    expect(normInv(0.01)).toBeCloseTo(-2.326348, 6);
    expect(normInv(0.5)).toBeCloseTo(0, 9);
  });
});

describe('deflated Sharpe ratio (Bailey & López de Prado 2014)', () => {
  it("reproduces the paper's worked example: SR 2.5 a year, 1,250 daily returns, N = 100, V = 0.5, skew −3, kurtosis 10 → DSR 0.9004", () => {
    // Per-period units: SR = 2.5/√250, V[SR] = 0.5/250. The paper's SR₀ is 0.1132 a day (1.7894 a year).
    const r = deflatedSharpe({ sharpe: 2.5 / Math.sqrt(250), observations: 1250, skew: -3, kurt: 10, trials: 100, sharpeVariance: 0.5 / 250 });
    expect(r.benchmark).toBeCloseTo(0.1132, 4);
    expect(expectedMaxSharpe(100, 0.5)).toBeCloseTo(1.7894, 4);
    expect(r.dsr).toBeCloseTo(0.9004, 4);
  });

  it('by hand: normal returns, benchmark 0, SR 0.1 on 101 returns → Φ(0.1·10/√(1 + 0.5·0.01)) = Φ(0.99751) = 0.84074', () => {
    expect(probabilisticSharpe(0.1, 0, 101, 0, 3)).toBeCloseTo(0.84074, 4);
  });

  it('more trials raise the bar: the same Sharpe is less credible after 1,000 trials than after 10', () => {
    const at = (trials: number) => deflatedSharpe({ sharpe: 0.08, observations: 1000, skew: 0, kurt: 3, trials, sharpeVariance: 0.001 }).dsr;
    expect(at(1000)).toBeLessThan(at(10));
    expect(expectedMaxSharpe(1, 0.001)).toBe(0);
  });
});
