import { describe, expect, it } from 'vitest';
import type { CandidateResult, StudyWindow } from '../../src/optimize/evaluate.ts';
import { packedResult } from '../../src/optimize/evaluate.ts';
import { bytesPerCandidate, candidatesThatFit, studyMemoryProblem } from '../../src/optimize/memory-budget.ts';

const D = (iso: string) => Date.parse(`${iso}T00:00:00Z`);
const windows: StudyWindow[] = [
  { role: 'full', fold: null, fromMs: D('2022-01-01'), toMs: D('2026-01-01') },
  { role: 'train', fold: 0, fromMs: D('2022-01-01'), toMs: D('2024-01-01') },
  { role: 'test', fold: 0, fromMs: D('2024-01-01'), toMs: D('2025-01-01') },
];

describe('a study that would not fit in memory is refused before it starts', () => {
  it('counts 8 bytes a day of the full and test windows (not the training ones) outside the heap, and the figures of every window on it', () => {
    // 1,461 + 1 days full, 366 + 1 test.
    expect(bytesPerCandidate(windows)).toEqual({ packed: 8 * (1462 + 367), heap: 400 * 3 + 1024 });
  });

  it('fits in half the memory (packed returns) and half the heap (figures), whichever binds first; above, one message with what fits and what to do', () => {
    const each = bytesPerCandidate(windows);
    // Memory binds: 1,000 fit.
    const byMemory = { memory: 2 * 1000 * each.packed, heap: 2 * 10_000 * each.heap };
    expect(candidatesThatFit(windows, byMemory)).toBe(1000);
    expect(studyMemoryProblem('--trials', 1000, windows, byMemory)).toBeNull();
    const m = studyMemoryProblem('--method grid', 1001, windows, byMemory);
    expect(m).toMatch(/^--method grid: 1,001 ladders would hold ~0\.0 GB of daily returns and ~0\.0 GB of figures until the analysis; about 1,000 fit \(half of this machine's .* of memory, half of this process's .* heap\): use --method random or tpe with --trials up to that/);
    // The heap binds: 500 fit.
    expect(candidatesThatFit(windows, { memory: 2 * 10_000 * each.packed, heap: 2 * 500 * each.heap })).toBe(500);
  });
});

describe('packedResult: what a study holds of a result', () => {
  it('daily returns become Float64Arrays with every double kept (NaN, −0, ±∞); windows without them and the metrics are the same objects', () => {
    const metrics = { trades: 3 } as unknown as CandidateResult['windows'][number]['metrics'];
    const r: CandidateResult = {
      windows: [{ metrics, daily: { firstDayMs: 5, returns: [0.01, -0, NaN, Infinity, -Infinity, 1e-300] } }, { metrics }],
      fullRuns: 1,
    };
    const p = packedResult(r);
    const returns = p.windows[0]!.daily!.returns;
    expect(returns).toBeInstanceOf(Float64Array);
    expect(Array.from(returns).every((x, i) => Object.is(x, r.windows[0]!.daily!.returns[i]))).toBe(true);
    expect(p.windows[0]!.daily!.firstDayMs).toBe(5);
    expect(p.windows[0]!.metrics).toBe(metrics);
    expect(p.windows[1]).toBe(r.windows[1]);
    expect(p.fullRuns).toBe(1);
    // Packed once: a packed result is held as it is.
    expect(packedResult(p).windows[0]).toBe(p.windows[0]);
  });
});
