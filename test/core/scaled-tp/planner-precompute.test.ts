import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ticksToPrice } from '../../../src/core/market/market-rules.ts';
import { LadderPlanner, minExitSteps, planLadder, splitQuantity } from '../../../src/core/scaled-tp/ladder-plan.ts';
import { stopTicksAt, targetTicks } from '../../../src/core/scaled-tp/price-math.ts';
import type { ExitSettings, MoveStopTo } from '../../../src/core/scaled-tp/settings.ts';
import { type Side, asSteps } from '../../../src/core/units.ts';
import { marketRules } from '../../support/market.ts';

const numRuns = Number(process.env.FC_NUM_RUNS ?? 1000);

// The planner works out per market and settings what does not depend on the entry (stop rules, a
// price-free exit minimum, scratch for the split): its plans must be the ones the exported helpers
// give level by level, and one planner reused over many entries must plan as a fresh one does.
const arbSettings = fc.record({
  scaled: fc.boolean(),
  closes: fc.constantFrom([30, 30, 40], [33.3, 33.3, 33.4], [10, 20, 70], [50, 50]),
  rules: fc.array(fc.constantFrom<MoveStopTo>('breakeven', 'previous_tp', 'none', { profitPct: 0.5 }), { minLength: 3, maxLength: 3 }),
  minOrderNotional: fc.constantFrom(0, 0, 20, 150),
  fallbackToSingle: fc.boolean(),
  execution: fc.constantFrom<'market' | 'limit'>('market', 'limit'),
  breakevenOffsetPct: fc.constantFrom(0, 0.1),
});
const arbMarket = fc.record({
  minQtySteps: fc.integer({ min: 1, max: 40 }),
  minNotional: fc.constantFrom(0, 5, 100),
  notionalBindsReduceOnly: fc.boolean(),
  tick: fc.constantFrom('0.1', '0.01', '0.00001'),
});
const arbEntry = fc.record({
  side: fc.constantFrom<Side>('long', 'short'),
  price: fc.integer({ min: 1, max: 9_000_000 }).map((v) => v / 100),
  qty: fc.integer({ min: 1, max: 2_000 }),
});

type Drawn<A> = A extends fc.Arbitrary<infer T> ? T : never;

/** The market and the settings a drawn case stands for (previous_tp on level 1 is a config error: breakeven there). */
function caseOf(o: Drawn<typeof arbSettings>, mk: Drawn<typeof arbMarket>) {
  const market = marketRules({ tick: mk.tick, step: '0.001', minQtySteps: mk.minQtySteps, minNotional: mk.minNotional, notionalBindsReduceOnly: mk.notionalBindsReduceOnly });
  const levels = o.closes.map((closePct, k) => {
    const rule = k === 0 && o.rules[k] === 'previous_tp' ? 'breakeven' : o.rules[k]!;
    return { profitPct: [1, 2, 3.5][k]!, closePct, moveStopTo: rule };
  });
  const settings: ExitSettings = { ...o, levels, stopLossPct: 2, takeProfitPct: 3 };
  return { market, levels, settings };
}

describe('the planner with its per-settings parts worked out once', () => {
  it('plans every level as minExitSteps and splitQuantity say, and a reused planner as a fresh one', () =>
    fc.assert(
      fc.property(arbSettings, arbMarket, fc.array(arbEntry, { minLength: 1, maxLength: 12 }), (o, mk, entries) => {
        const { market, levels, settings } = caseOf(o, mk);
        const planner = new LadderPlanner(market, settings);
        for (const e of entries) {
          const req = { side: e.side, entryPrice: e.price, quantitySteps: asSteps(e.qty) };
          const reused = planner.plan(req);
          const fresh = planLadder({ ...req, market, settings });
          expect(reused).toEqual(fresh);
          if (!reused.ok || reused.value.mode !== 'scaled') continue;
          const p = reused.value;
          const mins = p.levels.map((l) => minExitSteps(l.targetTicks, market, settings));
          expect(p.levels.map((l) => l.minSteps)).toEqual(mins);
          const split = splitQuantity(e.qty, levels, mins);
          const exits = split.filter((s) => s.skipped === null).length;
          const expected =
            exits <= 1 && levels.length > 1
              ? split.map((_, k) => {
                  const last = k === levels.length - 1;
                  return { qtySteps: last ? e.qty : 0, carriedInSteps: last ? e.qty : 0, closesRemainder: last, skipped: last ? null : 'too_small_to_split' };
                })
              : split;
          expect(p.levels.map((l) => ({ qtySteps: l.qtySteps, carriedInSteps: l.carriedInSteps, closesRemainder: l.closesRemainder, skipped: l.skipped }))).toEqual(expected);
          for (const [k, l] of p.levels.entries()) {
            expect(l.targetPrice).toBe(ticksToPrice(l.targetTicks, market));
            if (l.stopAfter !== null) expect(l.stopAfter.price).toBe(ticksToPrice(l.stopAfter.ticks, market));
            if (l.stopAfter?.rule === 'previous_tp') expect(l.stopAfter.ticks).toBe(p.levels[k - 1]!.targetTicks);
            if (l.stopAfter?.rule === 'breakeven') expect(l.stopAfter.ticks).toBe(p.breakevenTicks);
          }
        }
      }),
      { numRuns: Math.ceil(numRuns / 4) },
    ));

  it("plans into its scratch what `plan` gives, entry after entry (scaled, single and fallback plans in turn)", () =>
    fc.assert(
      fc.property(arbSettings, arbMarket, fc.array(fc.tuple(arbEntry, fc.constantFrom(undefined, 1, 4.5)), { minLength: 1, maxLength: 12 }), (o, mk, entries) => {
        const { market, settings } = caseOf(o, mk);
        const planner = new LadderPlanner(market, settings);
        for (const [e, stopLossPct] of entries) {
          const req = { side: e.side, entryPrice: e.price, quantitySteps: asSteps(e.qty), stopLossPct };
          // A copy now: the scratch is written again by the next planScratch.
          const scratch = structuredClone(planner.planScratch(req));
          expect(scratch).toEqual(planLadder({ ...req, market, settings }));
          expect(scratch).toEqual(planner.plan(req));
        }
      }),
      { numRuns: Math.ceil(numRuns / 4) },
    ));
});

describe('a stop about one tick from the entry', () => {
  // The planner rounds the entry itself only when the stop distance may be under a tick (a distance of a
  // tick or more cannot land on the entry): stop_at_entry must still be said exactly when the exact
  // rounding (price-math's BigInt functions) puts the stop at or past the entry.
  it('is refused (stop_at_entry) exactly when the exact stop lands at or past the entry, and moved one tick past it when asked', () =>
    fc.assert(
      fc.property(
        fc.constantFrom('0.1', '0.01', '0.5'),
        fc.integer({ min: 1, max: 2_000_000 }),
        fc.integer({ min: 0, max: 9 }),
        fc.double({ min: 0.3, max: 2.5, noNaN: true }),
        fc.constantFrom<Side>('long', 'short'),
        (tick, ticks, extra, perTick, side) => {
          const market = marketRules({ tick, step: '0.001', minQtySteps: 1, minNotional: 0, notionalBindsReduceOnly: false });
          // An entry on the tick or between ticks (a slipped fill), and a stop perTick ticks away from it.
          const entryPrice = Number(((ticks + extra / 10) * Number(tick)).toFixed(6));
          const stopLossPct = Number(((perTick * Number(tick) * 100) / entryPrice).toPrecision(6));
          if (!(stopLossPct > 0 && stopLossPct < 50)) return;
          const settings: ExitSettings = {
            scaled: true, fallbackToSingle: true, execution: 'market', breakevenOffsetPct: 0, minOrderNotional: 0, stopLossPct, takeProfitPct: 3,
            levels: [{ profitPct: 1, closePct: 50, moveStopTo: 'breakeven' }, { profitPct: 2, closePct: 50, moveStopTo: 'previous_tp' }],
          };
          const stop = stopTicksAt(entryPrice, -stopLossPct, side, market);
          const onEntry = stopTicksAt(entryPrice, 0, side, market);
          const atOrPast = side === 'long' ? stop >= onEntry : stop <= onEntry;
          const planner = new LadderPlanner(market, settings);
          const req = { side, entryPrice, quantitySteps: asSteps(1000) };
          const r = planner.planScratch(req);
          if (stop <= 0) return;
          expect(!r.ok && r.error.code === 'stop_at_entry').toBe(atOrPast);
          if (r.ok) expect(r.value.initialStopTicks).toBe(stop);
          const moved = planner.plan({ ...req, stopAtLeastOneTick: true });
          // An entry one tick above zero has no tick below it for a long's stop to move to.
          if (atOrPast && side === 'long' && onEntry - 1 <= 0) {
            expect(!moved.ok && moved.error.code).toBe('stop_not_positive');
            return;
          }
          // A short's entry a tick or two above zero has no positive tick for a target 1% or 2% below it.
          if (settings.levels.some((l) => targetTicks(entryPrice, l.profitPct, side, market) <= 0)) {
            expect(!moved.ok && moved.error.code).toBe('target_not_positive');
            return;
          }
          expect(moved.ok).toBe(true);
          if (moved.ok) expect(moved.value.initialStopTicks).toBe(atOrPast ? (side === 'long' ? onEntry - 1 : onEntry + 1) : stop);
        },
      ),
      { numRuns },
    ));
});
