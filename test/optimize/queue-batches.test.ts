import { describe, expect, it } from 'vitest';
import type { EvalTask } from '../../src/optimize/candidate.ts';
import { batchesOf, doneIndices } from '../../src/optimize/queue.ts';

const tasks = (n: number): EvalTask[] => Array.from({ length: n }, (_, k) => ({ key: `k${k}`, kind: 'ladder', params: null }));
const sizes = (n: number, candles: number, workers: number) => batchesOf(tasks(n), candles, workers).map((b) => b.length);

describe('batchesOf: the candidates of a queued run as jobs', () => {
  it('keeps every task once, in order, in jobs that shrink toward the end of the run', () => {
    for (const [n, candles, workers] of [[200, 350_000, 2], [42, 90_000, 1], [1000, 10_000, 24], [2, 22_000, 0], [1, 1, 1]] as const) {
      const b = batchesOf(tasks(n), candles, workers);
      expect(b.flat().map((t) => t.key)).toEqual(tasks(n).map((t) => t.key));
      const s = b.map((x) => x.length);
      expect(s.every((x, i) => x >= 1 && (i === 0 || x <= s[i - 1]!))).toBe(true);
      expect(s.at(-1)).toBe(1);
    }
  });

  it('a job is ~2.5 M candles of work (at most 32 candidates), and at most a 2 × workers-th (2 workers at least) of what is left', () => {
    // The bench's ten 1h files: ~350,000 candles a candidate, 7 a job (~0.25 s), the last 17 in 5, 4, 3, 2, 1, 1, 1, 1.
    expect(sizes(200, 350_000, 2)).toEqual([...Array<number>(26).fill(7), 5, 4, 3, 2, 1, 1, 1, 1]);
    expect(Math.max(...sizes(1000, 1000, 1))).toBe(32);
    expect(sizes(5, 2_500_000, 2)).toEqual([1, 1, 1, 1, 1]);
    expect(sizes(5, 10_000_000, 2)).toEqual([1, 1, 1, 1, 1]);
    // Many workers: smaller jobs, so that each has work to the end.
    expect(sizes(200, 350_000, 24)[0]).toBe(5);
    expect(sizes(16, 22_000, 1)).toEqual([4, 3, 3, 2, 1, 1, 1, 1]);
  });
});

describe('doneIndices: what an earlier attempt at a job reported', () => {
  it('reads the indices of the last progress, and nothing else', () => {
    expect([...doneIndices({ i: 2, result: {}, done: [0, 2, 1] }, 4)].sort()).toEqual([0, 1, 2]);
    expect(doneIndices(0, 4).size).toBe(0); // BullMQ's progress of a job never reported
    expect(doneIndices(null, 4).size).toBe(0);
    expect([...doneIndices({ done: [-1, 4, 1.5, '2', 3] }, 4)]).toEqual([3]);
  });
});
