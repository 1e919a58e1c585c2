import { totalmem } from 'node:os';
import { getHeapStatistics } from 'node:v8';
import type { StudyWindow } from './evaluate.ts';

const DAY_MS = 86_400_000;
/** Share of the machine's memory, and of this process's heap, that a study's results may take. */
const SHARE = 0.5;

/** What a study holds of each candidate until its analysis. */
export interface CandidateBytes {
  /** Its daily returns on the full and test windows, packed (8 bytes a day, in buffers outside the JS heap). */
  readonly packed: number;
  /** Its metrics and the objects around them, on the JS heap. */
  readonly heap: number;
}

/** Measured: 20 KB packed and ~2.9 KB on the heap a candidate over four years of data with three test windows. */
export function bytesPerCandidate(windows: readonly StudyWindow[]): CandidateBytes {
  let days = 0;
  for (const w of windows) if (w.role !== 'train') days += Math.ceil((w.toMs - w.fromMs) / DAY_MS) + 1;
  return { packed: 8 * days, heap: 400 * windows.length + 1024 };
}

/** How many candidates' results fit: half the machine's memory for the packed returns, half the heap for the rest. */
export function candidatesThatFit(windows: readonly StudyWindow[], limits = { memory: totalmem(), heap: getHeapStatistics().heap_size_limit }): number {
  const each = bytesPerCandidate(windows);
  return Math.floor(Math.min((limits.memory * SHARE) / each.packed, (limits.heap * SHARE) / each.heap));
}

/**
 * Null when `candidates` results fit, else what to do instead: a run that does not fit would end,
 * maybe an hour later, in an out-of-memory crash.
 */
export function studyMemoryProblem(flag: string, candidates: number, windows: readonly StudyWindow[], limits = { memory: totalmem(), heap: getHeapStatistics().heap_size_limit }): string | null {
  const most = candidatesThatFit(windows, limits);
  if (candidates <= most) return null;
  const each = bytesPerCandidate(windows);
  const gb = (b: number) => `${(b / 2 ** 30).toFixed(1)} GB`;
  return (
    `${flag}: ${candidates.toLocaleString('en')} ladders would hold ~${gb(candidates * each.packed)} of daily returns and ~${gb(candidates * each.heap)} of figures until the analysis; ` +
    `about ${most.toLocaleString('en')} fit (half of this machine's ${gb(limits.memory)} of memory, half of this process's ${gb(limits.heap)} heap): ` +
    `use --method random or tpe with --trials up to that, narrow the space or the data, or raise the heap (NODE_OPTIONS=--max-old-space-size=MB)`
  );
}
