import { describe, expect, it } from 'vitest';
import { probabilityOfOverfitting } from '../../../src/optimize/stats/pbo.ts';
import { createRng } from '../../../src/sim/random.ts';

/** A series of `blocks` blocks of 4 returns, block b made of ±0.01 noise around means[b]. */
const series = (means: number[]): number[] => means.flatMap((m) => [m + 0.01, m - 0.01, m + 0.02, m - 0.02]);

describe('probability of backtest overfitting (CSCV)', () => {
  it('by hand, S = 2, N = 2: the winner of each half is the loser of the other → both splits λ = ln(1/2) < 0, PBO 1', () => {
    const a = series([0.01, -0.01]); // good in block 0, bad in block 1
    const b = series([-0.01, 0.01]);
    const r = probabilityOfOverfitting([a, b], 2);
    expect(r.splits).toBe(2);
    // In-sample best ranks 1 of 2 out of sample: ω = 1/3, λ = ln((1/3)/(2/3)) = −ln 2.
    expect(r.logits).toHaveLength(2);
    for (const l of r.logits) expect(l).toBeCloseTo(Math.log(0.5), 12);
    expect(r.pbo).toBe(1);
    expect(r.probabilityOfLoss).toBe(1);
  });

  it('by hand: a strategy best in every block is never overfit: λ = ln 2 in each of C(4,2) = 6 splits, PBO 0', () => {
    const good = series([0.02, 0.03, 0.02, 0.03]);
    const bad = series([0.0, -0.01, 0.01, 0.0]);
    const r = probabilityOfOverfitting([bad, good], 4);
    expect(r.splits).toBe(6);
    for (const l of r.logits) expect(l).toBeCloseTo(Math.log(2), 12);
    expect(r.pbo).toBe(0);
    expect(r.probabilityOfLoss).toBe(0);
  });

  it('pure noise strategies overfit about half the time (200 seeded random walks, 16 blocks)', () => {
    const rng = createRng(7);
    const strategies = Array.from({ length: 50 }, () => Array.from({ length: 800 }, () => rng.normal() * 0.01));
    const r = probabilityOfOverfitting(strategies, 16);
    expect(r.splits).toBe(12870);
    expect(r.pbo).toBeGreaterThan(0.3);
    expect(r.pbo).toBeLessThan(0.7);
  });

  it('refuses odd block counts and too short series', () => {
    expect(() => probabilityOfOverfitting([[1, 2, 3], [1, 2, 3]], 3)).toThrow(/even/);
    expect(() => probabilityOfOverfitting([[1, 2, 3], [1, 2, 3]], 2)).toThrow(/too few/);
  });
});
