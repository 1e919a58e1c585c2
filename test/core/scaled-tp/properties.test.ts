import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatScaled, parseDec } from '../../../src/core/decimal.ts';
import { advanceSegment } from '../../../src/core/fill-model.ts';
import type { Command } from '../../../src/core/model/commands.ts';
import type { Position } from '../../../src/core/model/position.ts';
import { applyFill, requestClose } from '../../../src/core/scaled-tp/exit-manager.ts';
import type { ExitSettings, LevelSpec, MoveStopTo } from '../../../src/core/scaled-tp/settings.ts';
import type { Side } from '../../../src/core/units.ts';
import { open } from '../../support/ladder.ts';
import { marketRules } from '../../support/market.ts';

const numRuns = Number(process.env.FC_NUM_RUNS ?? 300);

/** A ladder as config validation would accept it: ascending targets, close_pct summing to exactly 100. */
const arbLevels = (stopLossPct: number) =>
  fc.integer({ min: 1, max: 6 }).chain((n) =>
    fc
      .record({
        // profit steps in hundredths of a percent, so every profit_pct is an exact short decimal
        steps: fc.array(fc.integer({ min: 1, max: 400 }), { minLength: n, maxLength: n }),
        weights: fc.array(fc.integer({ min: 1, max: 100 }), { minLength: n, maxLength: n }),
        rules: fc.array(fc.tuple(fc.constantFrom('default', 'breakeven', 'previous_tp', 'none', 'pct'), fc.double({ min: 0, max: 1, noNaN: true })), {
          minLength: n,
          maxLength: n,
        }),
      })
      .map(({ steps, weights, rules }): LevelSpec[] => {
        // weights → basis points summing to exactly 10000
        const total = weights.reduce((a, b) => a + b, 0);
        const bp = weights.map((w) => Math.floor((w * 10000) / total));
        bp[bp.length - 1]! += 10000 - bp.reduce((a, b) => a + b, 0);
        let cum = 0;
        return steps.map((s, k) => {
          cum += s;
          const profitPct = cum / 100;
          const [kind, u] = rules[k]!;
          let moveStopTo: MoveStopTo | undefined;
          if (kind === 'breakeven' || kind === 'none') moveStopTo = kind;
          else if (kind === 'previous_tp' && k > 0) moveStopTo = 'previous_tp';
          else if (kind === 'pct') moveStopTo = { profitPct: Math.round((-stopLossPct + u * (profitPct + stopLossPct)) * 100 - 1) / 100 };
          return { profitPct, closePct: bp[k]! / 100, ...(moveStopTo ? { moveStopTo } : {}) };
        });
      }),
  );

const arbCase = fc
  .record({
    side: fc.constantFrom<Side>('long', 'short'),
    tick: fc.constantFrom('0.1', '0.01', '0.0001', '0.00001', '0.5', '1'),
    step: fc.constantFrom('0.001', '0.01', '0.1', '1'),
    minQtySteps: fc.integer({ min: 1, max: 5 }),
    minNotional: fc.constantFrom(0, 5, 20, 100),
    notionalBindsReduceOnly: fc.boolean(),
    userMin: fc.constantFrom(0, 0, 10, 50, 300),
    entryUnits: fc.integer({ min: 200, max: 5_000_000 }),
    offTick: fc.boolean(),
    qty: fc.oneof(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 50_000 })),
    stopLossPct: fc.integer({ min: 10, max: 2000 }).map((x) => x / 100),
    fallbackToSingle: fc.boolean(),
    execution: fc.constantFrom<'market' | 'limit'>('market', 'limit'),
    scaled: fc.oneof(fc.constant(true), fc.constant(true), fc.constant(false)),
    // price path as moves in % of entry; a gap starts a segment away from where the last one ended
    moves: fc.array(fc.tuple(fc.integer({ min: -800, max: 800 }), fc.integer({ min: 0, max: 9 })), { minLength: 1, maxLength: 40 }),
  })
  // A stop at least two ticks from the entry: one under a tick rounds onto the entry, a plan the planner refuses (stop_at_entry).
  .filter((c) => ((c.offTick ? c.entryUnits / 10 : c.entryUnits) * c.stopLossPct) / 100 >= 2)
  .chain((c) => arbLevels(c.stopLossPct).map((levels) => ({ ...c, levels })));

type Case = typeof arbCase extends fc.Arbitrary<infer T> ? T : never;

function setUp(c: Case) {
  const market = marketRules({ tick: c.tick, step: c.step, minQtySteps: c.minQtySteps, minNotional: c.minNotional, notionalBindsReduceOnly: c.notionalBindsReduceOnly });
  // Entry on the tick, or (backtests on spot data) a tenth of a tick off it.
  const entry = formatScaled(c.entryUnits, c.offTick ? { int: parseDec(c.tick).int, scale: parseDec(c.tick).scale + 1 } : parseDec(c.tick));
  const breakevenLevels = c.levels.filter((l, k) => (l.moveStopTo ?? (k === 0 ? 'breakeven' : 'previous_tp')) === 'breakeven');
  const maxOffset = Math.min(...breakevenLevels.map((l) => l.profitPct), 1);
  const settings: ExitSettings = {
    scaled: c.scaled,
    levels: c.levels,
    minOrderNotional: c.userMin,
    fallbackToSingle: c.fallbackToSingle,
    execution: c.execution,
    breakevenOffsetPct: Math.floor(maxOffset * 50) / 100,
    stopLossPct: c.stopLossPct,
    takeProfitPct: c.levels.at(-1)!.profitPct,
  };
  return { market, entry: Number(entry), settings, opened: open({ side: c.side, entry, qty: c.qty, market, settings }) };
}

/** Segments of the path: each continues from the last end, except gaps, which jump (R6.1). */
function segments(c: Case, entry: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let at = entry;
  for (const [pctX100, gapRoll] of c.moves) {
    const to = entry * (1 + pctX100 / 10000);
    const from = gapRoll === 0 ? entry * (1 + (pctX100 * 0.9) / 10000) : at;
    out.push([from, to]);
    at = to;
  }
  return out;
}

interface Run {
  states: Position[];
  commands: Command[];
  final: Position;
}

function run(c: Case): Run & ReturnType<typeof setUp> {
  const s = setUp(c);
  let p = s.opened.position;
  const states = [p];
  const commands: Command[] = [...s.opened.commands];
  let t = 1;
  for (const [from, to] of segments(c, s.entry)) {
    const r = advanceSegment(p, from, to, t++, { takerPct: 0.05, makerPct: 0.02, slippagePct: 0 });
    p = r.position;
    states.push(p);
    commands.push(...r.commands);
  }
  if (p.status === 'open') {
    const r = requestClose(p, 'end', p.entryPrice, t);
    commands.push(...r.commands);
    const done = applyFill(r.position, { clientOrderId: `${p.id}-close`, tradeId: 'end', orderId: null, timeMs: t, qtySteps: r.position.remainingSteps, price: p.entryPrice, fee: 0 });
    if (!done.ok) throw new Error(done.error.message);
    p = done.value.position;
    commands.push(...done.value.commands);
    states.push(p);
  }
  return { ...s, states, commands, final: p };
}

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
const prop = (name: string, check: (r: ReturnType<typeof run>) => void) =>
  it(name, () => fc.assert(fc.property(arbCase, (c) => check(run(c))), { numRuns }));

describe('scaled take-profit invariants (fast-check)', () => {
  prop('P1 levels are hit in order: a level fills only after every active level below it', ({ final }) => {
    const tpLevels = final.partialExits.filter((e) => e.level !== null).map((e) => e.level!);
    expect(tpLevels).toEqual([...tpLevels].sort((a, b) => a - b));
    expect(final.tpLevelsHit).toEqual(tpLevels);
    for (const lv of tpLevels) {
      for (const below of final.plan.levels.filter((l) => l.level < lv && l.skipped === null)) expect(tpLevels).toContain(below.level);
    }
  });

  prop('P2 size conservation: original = remaining + Σ exits, exactly, at every step', ({ states, final }) => {
    for (const s of states) expect(s.remainingSteps + sum(s.partialExits.map((e) => e.qtySteps))).toBe(s.originalSteps);
    expect(final.remainingSteps).toBe(0);
  });

  prop('the plan gives away exactly the original quantity, and skipped levels get none', ({ final }) => {
    expect(sum(final.plan.levels.map((l) => l.qtySteps))).toBe(final.originalSteps);
    for (const l of final.plan.levels) if (l.skipped !== null) expect(l.qtySteps).toBe(0);
  });

  prop('P3/P4 the stop only moves in the position favour (up for longs, down for shorts)', ({ states, final }) => {
    const dir = final.side === 'long' ? 1 : -1;
    for (let i = 1; i < states.length; i++) expect(dir * (states[i]!.stopTicks - states[i - 1]!.stopTicks)).toBeGreaterThanOrEqual(0);
    for (const m of final.stopMoves) expect(dir * (m.toTicks - m.fromTicks)).toBeGreaterThan(0);
  });

  prop('P6 every exit meets its level minimum or closes the whole remainder', ({ final }) => {
    let remaining = final.originalSteps as number;
    for (const e of final.partialExits) {
      remaining -= e.qtySteps;
      if (e.level === null || remaining === 0) continue;
      expect(e.qtySteps).toBeGreaterThanOrEqual(final.plan.levels[e.level - 1]!.minSteps);
    }
  });

  prop('no remainder below the minimum is ever left open after a take-profit', ({ states }) => {
    for (const s of states) {
      if (s.status !== 'open' || s.partialExits.length === 0) continue;
      const later = s.plan.levels.filter((l, i) => l.skipped === null && s.levels[i]!.status !== 'filled');
      expect(s.remainingSteps).toBeGreaterThanOrEqual(Math.max(0, ...later.map((l) => l.minSteps)));
    }
  });

  prop('each level order is sent at most once and fills at most its planned quantity', ({ commands, final }) => {
    const ids = commands.filter((c) => c.kind === 'placeExit').map((c) => (c.kind === 'placeExit' ? c.clientOrderId : ''));
    expect(new Set(ids).size).toBe(ids.length);
    for (const e of final.partialExits) if (e.level !== null) expect(e.qtySteps).toBeLessThanOrEqual(final.plan.levels[e.level - 1]!.qtySteps);
    expect(final.partialExits.filter((e) => e.level !== null && final.plan.levels[e.level - 1]!.skipped !== null)).toEqual([]);
  });

  prop('targets are beyond the entry in the right direction and fills are never worse than their trigger', ({ final }) => {
    const dir = final.side === 'long' ? 1 : -1;
    for (const l of final.plan.levels) expect(dir * (l.targetPrice - final.entryPrice)).toBeGreaterThan(0);
    for (const e of final.partialExits) {
      if (e.level !== null) expect(dir * (e.price - final.plan.levels[e.level - 1]!.targetPrice)).toBeGreaterThanOrEqual(0);
    }
  });

  prop('at most one protective stop rests at any time, and none once flat (F11, F12)', ({ commands, final }) => {
    const live = new Set<string>();
    for (const c of commands) {
      if (c.kind === 'placeStop') live.add(c.clientOrderId);
      if (c.kind === 'moveStop') {
        expect(live.has(c.replacesClientOrderId)).toBe(true);
        live.add(c.clientOrderId);
        live.delete(c.replacesClientOrderId);
      }
      if (c.kind === 'cancelOrders') for (const id of c.clientOrderIds) live.delete(id);
      expect(live.size).toBeLessThanOrEqual(1);
    }
    // A stop that fired is consumed by its own fill; anything else must have been cancelled.
    for (const e of final.partialExits) if (e.reason === 'stop') live.delete(e.clientOrderId);
    expect([...live]).toEqual([]);
  });
});
