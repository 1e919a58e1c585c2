import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_FOLDS, resolveFolds, studyWindows } from '../../src/optimize/folds.ts';

const D = (iso: string) => Date.parse(`${iso}T00:00:00Z`);
const ym = (ms: number) => new Date(ms).toISOString().slice(0, 7);
const ok = <T>(r: { ok: true; value: T } | { ok: false; error: string }): T => {
  if (!r.ok) throw new Error(r.error);
  return r.value;
};

describe('resolveFolds: what the command line leaves out, the data decides', () => {
  // 2023-01-01 … 2024-01-01: 12 whole months.
  const from = D('2023-01-01');
  const to = D('2024-01-01');

  it('all three given: as given (studyWindows checks the fit)', () => {
    expect(ok(resolveFolds(from, to, { folds: 4, trainMonths: 12, testMonths: 6, anchored: true }))).toEqual({ folds: 4, trainMonths: 12, testMonths: 6, anchored: true });
  });

  it('--folds alone: test windows of ⌊W / (K + 2)⌋ months, training the rest (at least twice a test window), every month used', () => {
    const spec = ok(resolveFolds(from, to, { folds: 4, anchored: false }));
    expect(spec).toEqual({ folds: 4, trainMonths: 4, testMonths: 2, anchored: false });
    expect(ok(resolveFolds(from, to, { folds: 1, anchored: false }))).toEqual({ folds: 1, trainMonths: 8, testMonths: 4, anchored: false });
    const w = ok(studyWindows(from, to, spec));
    expect(w.filter((x) => x.role === 'test').map((x) => `${ym(x.fromMs)}…${ym(x.toMs)}`)).toEqual(['2023-05…2023-07', '2023-07…2023-09', '2023-09…2023-11', '2023-11…2024-01']);
  });

  it('--folds with --test-months: training is what is left; with --train-months: the test windows share what is left', () => {
    expect(ok(resolveFolds(from, to, { folds: 3, testMonths: 2, anchored: false }))).toEqual({ folds: 3, trainMonths: 6, testMonths: 2, anchored: false });
    expect(ok(resolveFolds(from, to, { folds: 3, trainMonths: 5, anchored: true }))).toEqual({ folds: 3, trainMonths: 5, testMonths: 2, anchored: true });
  });

  it('--train-months and --test-months without --folds: as many folds as fit, at most MAX_FOLDS (as --folds)', () => {
    expect(ok(resolveFolds(from, to, { trainMonths: 6, testMonths: 2, anchored: false }))).toEqual({ folds: 3, trainMonths: 6, testMonths: 2, anchored: false });
    // Ten years of months, training and tests of one month: 119 would fit.
    expect(ok(resolveFolds(D('2015-01-01'), D('2025-01-01'), { trainMonths: 1, testMonths: 1, anchored: false })).folds).toBe(MAX_FOLDS);
  });

  it('what cannot fit, or cannot be decided, is one error naming the flags and the data span', () => {
    const e = (r: ReturnType<typeof resolveFolds>) => (r.ok ? 'ok' : r.error);
    expect(e(resolveFolds(from, to, { folds: 11, anchored: false }))).toMatch(/^--folds 11: the data has 12 whole months \(2023-01 to 2023-12\), and 13 months at least \(one test month per fold and two of training\) are needed: use fewer folds$/);
    expect(e(resolveFolds(from, to, { folds: 6, testMonths: 2, anchored: false }))).toMatch(/^--folds 6 --test-months 2: the data has 12 whole months .*13 months at least/);
    expect(e(resolveFolds(from, to, { folds: 2, trainMonths: 11, anchored: false }))).toMatch(/^--folds 2 --train-months 11: .*13 months at least/);
    expect(e(resolveFolds(from, to, { trainMonths: 9, testMonths: 4, anchored: false }))).toMatch(/^--train-months 9 --test-months 4: the data has 12 whole months.*not enough for one fold \(13 months\)/);
    expect(e(resolveFolds(from, to, { trainMonths: 6, anchored: false }))).toMatch(/^--folds: give the number of folds, or both --train-months and --test-months/);
    expect(e(resolveFolds(from, to, { anchored: true }))).toMatch(/^--folds: give/);
  });

  it('data that starts inside a month counts from the next whole month', () => {
    // 2023-01-15 … 2024-01-01: whole months Feb…Dec, 11 of them.
    expect(ok(resolveFolds(D('2023-01-15'), to, { folds: 1, anchored: false }))).toEqual({ folds: 1, trainMonths: 8, testMonths: 3, anchored: false });
  });

  it('whatever it works out fits the data: studyWindows accepts it, inside the data, the tests back to back (property)', () =>
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 1, max: 80 }),
        fc.record({ folds: fc.option(fc.integer({ min: 1, max: 12 }), { nil: undefined }), trainMonths: fc.option(fc.integer({ min: 1, max: 30 }), { nil: undefined }), testMonths: fc.option(fc.integer({ min: 1, max: 12 }), { nil: undefined }) }),
        fc.boolean(),
        (startMonth, months, given, anchored) => {
          const first = Date.UTC(2020, startMonth, 1);
          const end = Date.UTC(2020, startMonth + months, 1);
          const req = { ...Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)), anchored };
          const r = resolveFolds(first, end, req);
          if (!r.ok) return;
          const spec = r.value;
          for (const k of ['folds', 'trainMonths', 'testMonths'] as const) if (given[k] !== undefined) expect(spec[k]).toBe(given[k]);
          const all = given.folds !== undefined && given.trainMonths !== undefined && given.testMonths !== undefined;
          const w = studyWindows(first, end, spec);
          if (all && !w.ok) return; // as given: studyWindows alone says it does not fit
          expect(w.ok).toBe(true);
          if (!w.ok) return;
          const tests = w.value.filter((x) => x.role === 'test');
          expect(tests).toHaveLength(spec.folds);
          for (const x of w.value) expect(x.toMs).toBeLessThanOrEqual(end);
          for (let k = 1; k < tests.length; k++) expect(tests[k]!.fromMs).toBe(tests[k - 1]!.toMs);
          // Nothing given was left unused: --folds alone or with one window length uses every whole month but the rounding's.
          if (!all && given.folds !== undefined) expect(months - (spec.trainMonths + spec.folds * spec.testMonths)).toBeLessThan(spec.folds);
        },
      ),
    ));
});
