import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LevelTally } from '../../../src/core/analytics/level-stats.ts';
import type { LadderPlan } from '../../../src/core/model/plan.ts';

// LevelTally keeps the rows of the last reasons seen at each plan level and exit level at hand: its
// rows must be those of a plain map keyed on the reason, whatever the order of reasons and levels
// (scaled plans, single take-profit plans, a level's reason changing from one trade to the next).
describe('LevelTally', () => {
  it('counts eligible levels, hits and PnL per reason as a plain map does, for any sequence of plans and exits', () => {
    const reason = fc.constantFrom('tp', 'tp1', 'tp2', 'tp3', 'tp4');
    const level = fc.record({ reason, skipped: fc.boolean() });
    const exit = fc.record({ reason: fc.constantFrom('tp', 'tp1', 'tp2', 'tp3', 'tp4', 'stop', 'signal', 'end'), pnl: fc.integer({ min: -50, max: 50 }) });
    const trade = fc.record({ levels: fc.array(level, { minLength: 1, maxLength: 4 }), exits: fc.array(exit, { maxLength: 5 }) });
    const levelOf = (r: string): number | null => (r === 'tp' || !r.startsWith('tp') ? null : Number(r.slice(2)));
    fc.assert(
      fc.property(fc.array(trade, { maxLength: 30 }), (trades) => {
        const tally = new LevelTally();
        const expected = new Map<string, { level: number | null; eligible: number; hits: number; pnl: number }>();
        const rowOf = (r: string, l: number | null) => {
          if (!expected.has(r)) expected.set(r, { level: l, eligible: 0, hits: 0, pnl: 0 });
          return expected.get(r)!;
        };
        for (const t of trades) {
          const levels = t.levels.map((l, k) => ({ level: k + 1, reason: l.reason, skipped: l.skipped ? 'below_minimum' : null }));
          tally.addPlan({ levels } as unknown as LadderPlan);
          for (const l of levels) if (l.skipped === null) rowOf(l.reason, l.reason === 'tp' ? null : l.level).eligible++;
          for (const e of t.exits) {
            tally.addExit(e.reason, levelOf(e.reason), e.pnl);
            if (!e.reason.startsWith('tp')) continue;
            const r = rowOf(e.reason, levelOf(e.reason));
            r.hits++;
            r.pnl += e.pnl;
          }
        }
        const want = [...expected.entries()]
          .sort(([, x], [, y]) => (x.level ?? Infinity) - (y.level ?? Infinity))
          .map(([r, x]) => ({ level: x.level, reason: r, eligible: x.eligible, hits: x.hits, hit_rate: x.eligible ? x.hits / x.eligible : 0, avg_pnl: x.hits ? x.pnl / x.hits : 0 }));
        expect(tally.stats()).toEqual(want);
      }),
      { numRuns: Number(process.env.FC_NUM_RUNS ?? 1000) },
    );
  });
});
