import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/sim/random.ts';
import { parzenPmf, splitObservations, tpeRank, type TpeObservation, type TpeSpace } from '../../src/optimize/tpe.ts';

/** Two ordinal dimensions of 21 options; the score peaks at (15, 4). */
const space: TpeSpace = {
  dims: [
    { name: 'x', size: 21, ordinal: true },
    { name: 'y', size: 21, ordinal: true },
  ],
  active: () => true,
};
const f = (v: readonly number[]) => -((v[0]! - 15) ** 2) - (v[1]! - 4) ** 2;

function search(seed: number, model: boolean, budget: number): number {
  const rng = createRng(seed);
  const obs: TpeObservation[] = [];
  const seen = new Set<string>();
  while (obs.length < budget) {
    let v: number[];
    if (!model || obs.length < 10) v = [Math.floor(rng.next() * 21), Math.floor(rng.next() * 21)];
    else v = tpeRank(space, obs, rng).find((c) => !seen.has(c.join(','))) ?? [Math.floor(rng.next() * 21), Math.floor(rng.next() * 21)];
    if (seen.has(v.join(','))) continue;
    seen.add(v.join(','));
    obs.push({ vector: v, score: f(v) });
  }
  return Math.max(...obs.map((o) => o.score));
}

describe('TPE', () => {
  it('splits at the γ-quantile: the best ⌈γ·n⌉ are good', () => {
    const obs = [1, 5, 3, 2, 4, 0, 6, 7].map((s) => ({ vector: [s], score: s }));
    const { good, bad } = splitObservations(obs, 0.25);
    expect(good.map((o) => o.score)).toEqual([7, 6]);
    expect(bad).toHaveLength(6);
  });

  it('the Parzen estimate of an ordinal dimension peaks at the observations; categories get counts plus a prior', () => {
    const p = parzenPmf({ name: 'x', size: 11, ordinal: true }, [8, 8, 9]);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(p.indexOf(Math.max(...p))).toBeGreaterThanOrEqual(8);
    expect(p[8]!).toBeGreaterThan(p[2]!);
    const c = parzenPmf({ name: 'c', size: 3, ordinal: false }, [2, 2]);
    // weights: 1 + 0, 1 + 0, 1 + 2·3 → 1/9, 1/9, 7/9
    expect([...c].map((x) => x * 9)).toEqual([1, 1, 7].map((x) => expect.closeTo(x, 12)));
  });

  it('is deterministic for a seed', () => {
    const obs = [[1, 2], [5, 5], [14, 3], [20, 20]].map((v) => ({ vector: v, score: f(v) }));
    expect(tpeRank(space, obs, createRng(3))).toEqual(tpeRank(space, obs, createRng(3)));
  });

  it('finds a better optimum than random search with the same budget (sum over 10 seeds of 40 trials)', () => {
    let tpe = 0;
    let random = 0;
    for (let seed = 1; seed <= 10; seed++) {
      tpe += search(seed, true, 40);
      random += search(seed, false, 40);
    }
    expect(tpe).toBeGreaterThan(random);
  });
});
