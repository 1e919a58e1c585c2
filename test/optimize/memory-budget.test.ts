import { describe, expect, it } from 'vitest';
import type { CandidateResult, StudyWindow } from '../../src/optimize/evaluate.ts';
import { packedResult } from '../../src/optimize/evaluate.ts';
import { bytesPerCandidate, studyMemoryProblem } from '../../src/optimize/memory-budget.ts';

const D = (iso: string) => Date.parse(`${iso}T00:00:00Z`);
const windows: StudyWindow[] = [
  { role: 'full', fold: null, fromMs: D('2022-01-01'), toMs: D('2026-01-01') },
  { role: 'train', fold: 0, fromMs: D('2022-01-01'), toMs: D('2024-01-01') },
  { role: 'test', fold: 0, fromMs: D('2024-01-01'), toMs: D('2025-01-01') },
];

describe('a study that would not fit in memory is refused before it starts', () => {
  it('counts 8 bytes a day of the full and test windows (not the training ones), and the metrics of every window', () => {
    // 1,461 + 1 days full, 366 + 1 test.
    expect(bytesPerCandidate(windows)).toBe(8 * (1462 + 367) + 400 * 3 + 1024);
  });

  it('fits under half the heap limit; above it, one message with the most that fits and what to do', () => {
    const each = bytesPerCandidate(windows);
    const heap = 2 * 1000 * each;
    expect(studyMemoryProblem('--trials', 1000, windows, heap)).toBeNull();
    const m = studyMemoryProblem('--method grid', 1001, windows, heap);
    expect(m).toMatch(/^--method grid: 1,001 ladders would hold ~0\.0 GB of results \(16 KB each: .*\) until the analysis, more than half of this process's 0\.0 GB heap: evaluate at most ~1,000 \(--method random or tpe with --trials\)/);
    expect(m).toContain('NODE_OPTIONS=--max-old-space-size=MB');
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
