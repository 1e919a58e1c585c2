import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConfigValue } from '../../../src/core/config/index.ts';

const numRuns = Number(process.env.FC_NUM_RUNS ?? 300);

type Level = { profit_pct: number; close_pct: number };

const check = (ls: Level[]) => parseConfigValue({ enable_scaled_take_profit: true, scaled_tp_levels: ls }, 'config.json');
const build = (profits: number[], closes: number[]): Level[] => profits.map((profit_pct, i) => ({ profit_pct, close_pct: closes[i] ?? 0 }));

/** 1–20 strictly ascending positive targets. */
const arbAscending = (n: number) =>
  fc.uniqueArray(fc.double({ min: 0.01, max: 1000, noNaN: true }), { minLength: n, maxLength: n }).map((ps) => [...ps].sort((a, b) => a - b));

/** n shares in (0, 100] that sum to 100 up to float rounding: integer weights, the last level takes the rest. */
const arbSharesOf100 = (n: number) =>
  fc.array(fc.integer({ min: 1, max: 1000 }), { minLength: n, maxLength: n }).map((ws) => {
    const total = ws.reduce((a, w) => a + w, 0);
    const closes = ws.slice(0, -1).map((w) => (w * 100) / total);
    const rest = closes.reduce((a, c) => a + c, 0);
    return [...closes, 100 - rest];
  });

/** n shares in (0, 100] whose sum misses 100 by more than 1e-9: random ones, or an exact set nudged. */
const arbSharesNot100 = (n: number) =>
  fc
    .oneof(
      fc.array(fc.double({ min: 1e-6, max: 100, noNaN: true }), { minLength: n, maxLength: n }),
      fc
        .tuple(arbSharesOf100(n), fc.double({ min: 2e-9, max: 50, noNaN: true }), fc.boolean())
        .map(([closes, delta, up]) => closes.map((c, i) => (i === n - 1 ? c + (up || c - delta <= 0 ? delta : -delta) : c))),
    )
    .filter((closes) => closes.every((c) => c > 0 && c <= 100) && Math.abs(closes.reduce((a, c) => a + c, 0) - 100) > 1e-9);

const arbCount = fc.integer({ min: 1, max: 20 });

describe('Property 5: close_pct sums to 100 (R2.4)', () => {
  it('P5 rejects every ladder whose close_pct do not sum to 100 ± 1e-9, naming the sum', () =>
    fc.assert(
      fc.property(
        arbCount.chain((n) => fc.tuple(arbAscending(n), arbSharesNot100(n))),
        ([profits, closes]) => {
          const r = check(build(profits, closes));
          expect(r.ok).toBe(false);
          if (r.ok) return;
          const sumIssues = r.error.filter((i) => i.path === 'scaled_tp_levels');
          expect(sumIssues).toHaveLength(1);
          expect(sumIssues[0]?.message).toMatch(/^close_pct values must sum to 100, got -?[0-9.e+-]+$/);
        },
      ),
      { numRuns },
    ));

  it('P5 accepts every ascending ladder whose close_pct sum to 100', () =>
    fc.assert(
      fc.property(
        arbCount.chain((n) => fc.tuple(arbAscending(n), arbSharesOf100(n))),
        ([profits, closes]) => {
          const r = check(build(profits, closes));
          expect(r.ok ? [] : r.error).toEqual([]);
        },
      ),
      { numRuns },
    ));
});

describe('Property 7: profit_pct strictly ascending (R2.5)', () => {
  /** Targets from a small pool so that ties and drops are common. */
  const arbTarget = fc.oneof(fc.double({ min: 0.01, max: 50, noNaN: true }), fc.constantFrom(0.5, 1, 1.5, 2, 3.5));

  it('P7 rejects every ladder with a target not above the one before it, at that level', () =>
    fc.assert(
      fc.property(
        fc
          .integer({ min: 2, max: 20 })
          .chain((n) => fc.tuple(fc.array(arbTarget, { minLength: n, maxLength: n }), arbSharesOf100(n)))
          .filter(([profits]) => profits.some((p, k) => k > 0 && !(p > (profits[k - 1] ?? 0)))),
        ([profits, closes]) => {
          const r = check(build(profits, closes));
          expect(r.ok).toBe(false);
          if (r.ok) return;
          const expected = profits.flatMap((p, k) => {
            const prev = profits[k - 1];
            return k > 0 && prev !== undefined && !(p > prev) ? [`must be greater than the level before it (scaled_tp_levels[${k - 1}].profit_pct: ${prev})@${k}`] : [];
          });
          const got = r.error.flatMap((i) => {
            const m = /^scaled_tp_levels\[(\d+)\]\.profit_pct$/.exec(i.path);
            return m === null ? [] : [`${i.message}@${m[1]}`];
          });
          expect(got).toEqual(expected);
        },
      ),
      { numRuns },
    ));

  it('P7 never flags a level whose target is above the one before it', () =>
    fc.assert(
      fc.property(
        arbCount.chain((n) => fc.tuple(arbAscending(n), arbSharesOf100(n))),
        ([profits, closes]) => {
          const r = check(build(profits, closes));
          expect(r.ok).toBe(true);
        },
      ),
      { numRuns },
    ));
});
