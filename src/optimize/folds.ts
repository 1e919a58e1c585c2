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

/** The first whole UTC month of data starting at `firstMs`: that month when it starts on its 1st at 00:00, else the next. */
const firstWholeMonth = (firstMs: number): number => (new Date(firstMs).getUTCDate() === 1 && firstMs % 86_400_000 === 0 ? firstMs : addMonths(firstMs, 1));

/** The most folds a study runs (`--folds` takes 1 to this). */
export const MAX_FOLDS = 100;

/** What the command line gave of a fold spec: any of the three numbers may be left for the data to decide. */
export interface FoldRequest {
  readonly folds?: number;
  readonly trainMonths?: number;
  readonly testMonths?: number;
  readonly anchored: boolean;
}

/**
 * A whole fold spec from what was given and the data's span, using every whole month of it: with W
 * whole months, K folds and T test months, training windows are W − K·T months (rolling; anchored,
 * the first one is); with K alone, T = ⌊W / (K + 2)⌋ (so training is at least twice the test
 * window); with K and M, T = ⌊(W − M) / K⌋; with M and T, K = ⌊(W − M) / T⌋ (at most MAX_FOLDS). All three given: as
 * they are (studyWindows checks that they fit). The error names what does not fit.
 */
export function resolveFolds(firstMs: number, endMs: number, r: FoldRequest): Result<FoldSpec, string> {
  const start = firstWholeMonth(firstMs);
  let W = 0;
  while (addMonths(start, W + 1) <= endMs) W++;
  const span = `the data has ${W} whole month${W === 1 ? '' : 's'}${W > 0 ? ` (${month(start)} to ${month(addMonths(start, W - 1))})` : ''}`;
  const { folds: K, trainMonths: M, testMonths: T, anchored } = r;
  if (K !== undefined && M !== undefined && T !== undefined) return ok({ folds: K, trainMonths: M, testMonths: T, anchored });
  if (K === undefined) {
    if (M === undefined || T === undefined) return err('--folds: give the number of folds, or both --train-months and --test-months (the folds are then as many as the data holds)');
    const k = Math.floor((W - M) / T);
    if (k < 1) return err(`--train-months ${M} --test-months ${T}: ${span}, not enough for one fold (${M + T} months): use shorter windows`);
    // As many as fit, up to the most --folds takes (the latest data then goes unused).
    return ok({ folds: Math.min(k, MAX_FOLDS), trainMonths: M, testMonths: T, anchored });
  }
  if (T === undefined) {
    const t = M === undefined ? Math.floor(W / (K + 2)) : Math.floor((W - M) / K);
    const need = M === undefined ? `${K + 2} months at least (one test month per fold and two of training)` : `${M + K} months at least (${M} of training and a test month per fold)`;
    if (t < 1) return err(`--folds ${K}${M === undefined ? '' : ` --train-months ${M}`}: ${span}, and ${need} are needed: use fewer folds${M === undefined ? '' : ' or a shorter training window'}`);
    return ok({ folds: K, trainMonths: M ?? W - K * t, testMonths: t, anchored });
  }
  const m = W - K * T;
  if (m < 1) return err(`--folds ${K} --test-months ${T}: ${span}, and ${K * T + 1} months at least are needed (${K} test windows of ${T} months and one month of training): use fewer or shorter folds`);
  return ok({ folds: K, trainMonths: m, testMonths: T, anchored });
}

/**
 * The windows of a study: the full data first, then per fold its training and its test window.
 * Folds start at the first whole UTC month of the data; the test windows follow each other, so
 * together they form one out-of-sample stretch. `endMs` is the end (exclusive) of the data.
 */
export function studyWindows(firstMs: number, endMs: number, spec: FoldSpec | null): Result<StudyWindow[], string> {
  const full: StudyWindow = { role: 'full', fold: null, fromMs: firstMs, toMs: endMs };
  if (spec === null) return ok([full]);
  const start = firstWholeMonth(firstMs);
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
