import { getHeapStatistics } from 'node:v8';
import type { StudyWindow } from './evaluate.ts';

const DAY_MS = 86_400_000;
/** Share of this process's heap limit that a study's results may take (the rest: data, analysis, the event loop). */
const SHARE = 0.5;

/**
 * Bytes a study holds for each candidate until its analysis (measured: 22 KB a candidate over four
 * years of data with three test windows): its daily returns, packed, on the full and the test
 * windows (8 bytes a day), and each window's metrics.
 */
export function bytesPerCandidate(windows: readonly StudyWindow[]): number {
  let days = 0;
  for (const w of windows) if (w.role !== 'train') days += Math.ceil((w.toMs - w.fromMs) / DAY_MS) + 1;
  return 8 * days + 400 * windows.length + 1024;
}

/**
 * Null when `candidates` results fit in this process's memory, else what to do instead: a grid of
 * 125,000 ladders over four years of data would hold ~2.8 GB and end, minutes later, in an out of
 * memory crash.
 */
export function studyMemoryProblem(flag: string, candidates: number, windows: readonly StudyWindow[], heapLimit = getHeapStatistics().heap_size_limit): string | null {
  const each = bytesPerCandidate(windows);
  const budget = heapLimit * SHARE;
  if (candidates * each <= budget) return null;
  const gb = (b: number) => `${(b / 2 ** 30).toFixed(1)} GB`;
  const most = Math.floor(budget / each);
  return (
    `${flag}: ${candidates.toLocaleString('en')} ladders would hold ~${gb(candidates * each)} of results (${Math.round(each / 1024)} KB each: their daily returns on every full and test window) ` +
    `until the analysis, more than half of this process's ${gb(heapLimit)} heap: evaluate at most ~${most.toLocaleString('en')} (--method random or tpe with --trials), ` +
    `narrow the space or the data, or raise the heap (NODE_OPTIONS=--max-old-space-size=MB)`
  );
}
