import { describe, expect, it } from 'vitest';
import { mean, sharpeRatio, skewKurt, sortinoRatio, stdev } from '../../../src/optimize/stats/moments.ts';

describe('moments', () => {
  it('by hand on [1, 2, 3, 4]: mean 2.5, sample sd √(5/3), skew 0, kurtosis 1.64', () => {
    const x = [1, 2, 3, 4];
    expect(mean(x)).toBe(2.5);
    expect(stdev(x)).toBeCloseTo(Math.sqrt(5 / 3), 12);
    const m = skewKurt(x);
    expect(m.skew).toBeCloseTo(0, 12);
    // m2 = 1.25, m4 = (2·5.0625 + 2·0.0625)/4 = 2.5625 → 2.5625 / 1.5625 = 1.64
    expect(m.kurt).toBeCloseTo(1.64, 12);
  });

  it('by hand: Sharpe of [0.01, −0.01, 0.02] = 0.006667/0.015275; Sortino = 0.006667/√(0.0001/3)', () => {
    const x = [0.01, -0.01, 0.02];
    expect(sharpeRatio(x)).toBeCloseTo(0.0066667 / 0.0152753, 4);
    expect(sortinoRatio(x)).toBeCloseTo(0.0066667 / Math.sqrt(0.0001 / 3), 4);
    expect(sortinoRatio([0.01, 0.02])).toBe(0);
  });

  it('a right-skewed sample has positive skew', () => {
    expect(skewKurt([0, 0, 0, 0, 10]).skew).toBeGreaterThan(1);
  });
});
