import { type Result, err, ok } from '../core/result.ts';
import type { StudyWindow } from './evaluate.ts';

/** Walk-forward folds: K training windows of M months, each followed by a test window of T months. */
export interface FoldSpec {
  readonly folds: number;
  readonly trainMonths: number;
  readonly testMonths: number;
  /** Anchored: every training window starts at the first month (it grows); rolling: it slides by T months. */
  readonly anchored: boolean;
}

const addMonths = (ms: number, months: number): number => {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 1);
};
const month = (ms: number): string => new Date(ms).toISOString().slice(0, 7);

/**
 * The windows of a study: the full data first, then per fold its training and its test window.
 * Folds start at the first whole UTC month of the data; the test windows follow each other, so
 * together they form one out-of-sample stretch. `endMs` is the end (exclusive) of the data.
 */
export function studyWindows(firstMs: number, endMs: number, spec: FoldSpec | null): Result<StudyWindow[], string> {
  const full: StudyWindow = { role: 'full', fold: null, fromMs: firstMs, toMs: endMs };
  if (spec === null) return ok([full]);
  const start = new Date(firstMs).getUTCDate() === 1 && firstMs % 86_400_000 === 0 ? firstMs : addMonths(firstMs, 1);
  const needed = spec.trainMonths + spec.folds * spec.testMonths;
  const last = addMonths(start, needed);
  if (last > endMs) {
    return err(
      `--folds ${spec.folds} --train-months ${spec.trainMonths} --test-months ${spec.testMonths} needs ${needed} months of data from ${month(start)} (to ${month(last)}); ` +
        `the data ends before ${new Date(endMs).toISOString().slice(0, 10)}: use fewer or shorter folds`,
    );
  }
  const windows: StudyWindow[] = [full];
  for (let k = 0; k < spec.folds; k++) {
    const trainTo = addMonths(start, spec.trainMonths + k * spec.testMonths);
    const trainFrom = spec.anchored ? start : addMonths(start, k * spec.testMonths);
    windows.push({ role: 'train', fold: k, fromMs: trainFrom, toMs: trainTo });
    windows.push({ role: 'test', fold: k, fromMs: trainTo, toMs: addMonths(trainTo, spec.testMonths) });
  }
  return ok(windows);
}
