import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type IntrabarModel, walkCandle, walkCandleOf } from '../../../src/core/candle-path.ts';
import { type FillModel, type FillTally, advanceSegment, advanceSegmentOf, closeRemainderNow, closeRemainderOf } from '../../../src/core/fill-model.ts';
import type { Command, DomainEvent, FillInput } from '../../../src/core/model/commands.ts';
import type { Position } from '../../../src/core/model/position.ts';
import { applyFill, onSegment, openPosition } from '../../../src/core/scaled-tp/exit-manager.ts';
import { type LadderState, type Out, REACHED_NOTHING, bookFill, clonePosition, openLadder, reachSegment } from '../../../src/core/scaled-tp/ladder-rules.ts';
import { planLadder } from '../../../src/core/scaled-tp/ladder-plan.ts';
import type { ExitSettings, LevelSpec } from '../../../src/core/scaled-tp/settings.ts';
import { type Side, asSteps } from '../../../src/core/units.ts';
import { marketRules } from '../../support/market.ts';

/**
 * The backtest runs the ladder's rules in place on one mutable state with no outputs; the bot and the
 * optimizer's replay use the immutable API (a copy, the same rule, its commands and events). These
 * properties hold the two to the same positions, orders and events on random ladders and price paths,
 * and check that no rule ever changes a position the immutable API has handed out. Without an `Out`
 * the walk in place fills its common cases at once (`reachAtOnce`: the stop, or one level of a market
 * ladder, with no close or exit order between the reach and the fill): the first property holds that
 * path to the immutable walk's, which always goes through `reachSegment`.
 */
const numRuns = Number(process.env.FC_NUM_RUNS ?? 200);

const arbLevels = fc.integer({ min: 1, max: 5 }).chain((n) =>
  fc
    .record({
      steps: fc.array(fc.integer({ min: 5, max: 300 }), { minLength: n, maxLength: n }),
      weights: fc.array(fc.integer({ min: 1, max: 9 }), { minLength: n, maxLength: n }),
      rules: fc.array(fc.constantFrom('default', 'breakeven', 'previous_tp', 'none'), { minLength: n, maxLength: n }),
    })
    .map(({ steps, weights, rules }): LevelSpec[] => {
      const total = weights.reduce((a, b) => a + b, 0);
      const bp = weights.map((w) => Math.floor((w * 10000) / total));
      bp[bp.length - 1]! += 10000 - bp.reduce((a, b) => a + b, 0);
      let cum = 0;
      return steps.map((s, k) => {
        cum += s;
        const rule = rules[k]!;
        const moveStopTo = rule === 'default' || (rule === 'previous_tp' && k === 0) ? undefined : rule;
        return { profitPct: cum / 100, closePct: bp[k]! / 100, ...(moveStopTo ? { moveStopTo } : {}) };
      });
    }),
);

const arbCase = fc.record({
  side: fc.constantFrom<Side>('long', 'short'),
  tick: fc.constantFrom('0.1', '0.01', '0.5'),
  step: fc.constantFrom('0.001', '1'),
  minQtySteps: fc.integer({ min: 1, max: 4 }),
  entryUnits: fc.integer({ min: 1000, max: 500_000 }),
  qty: fc.integer({ min: 1, max: 5000 }),
  stopLossPct: fc.integer({ min: 20, max: 800 }).map((x) => x / 100),
  scaled: fc.constantFrom(true, true, false),
  execution: fc.constantFrom<'market' | 'limit'>('market', 'limit'),
  fallbackToSingle: fc.boolean(),
  slippagePct: fc.constantFrom(0, 0, 0.05),
  intrabar: fc.constantFrom<IntrabarModel>('pessimistic', 'ohlc'),
  levels: arbLevels,
  // Candles as moves in hundredths of a percent of the entry: open, two extremes, close.
  candles: fc.array(fc.tuple(fc.integer({ min: -600, max: 600 }), fc.integer({ min: 0, max: 500 }), fc.integer({ min: 0, max: 500 }), fc.integer({ min: -600, max: 600 })), {
    minLength: 1,
    maxLength: 30,
  }),
  // How the bot gets each order's fills: in 1 to 3 parts.
  parts: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 20 }),
});
type Case = typeof arbCase extends fc.Arbitrary<infer T> ? T : never;

function setUp(c: Case) {
  const market = marketRules({ tick: c.tick, step: c.step, minQtySteps: c.minQtySteps });
  const entry = (c.entryUnits * Number(c.tick)).toFixed(c.tick.length - 2);
  const settings: ExitSettings = {
    scaled: c.scaled,
    levels: c.levels,
    minOrderNotional: 0,
    fallbackToSingle: c.fallbackToSingle,
    execution: c.execution,
    breakevenOffsetPct: 0,
    stopLossPct: c.stopLossPct,
    takeProfitPct: c.levels.at(-1)!.profitPct,
  };
  const plan = planLadder({ side: c.side, entryPrice: entry, quantitySteps: asSteps(c.qty), market, settings });
  if (!plan.ok) throw new Error(plan.error.message);
  const fm: FillModel = { takerPct: 0.05, makerPct: 0.02, slippagePct: c.slippagePct };
  const e = Number(entry);
  const at = (x: number) => e * (1 + x / 10000);
  const candles = c.candles.map(([o, up, down, cl]) => {
    const open = at(o);
    const close = at(cl);
    return { o: open, h: Math.max(open, close) + e * (up / 10000), l: Math.max(e * 0.05, Math.min(open, close) - e * (down / 10000)), c: close };
  });
  return { open: { id: 'X-1', symbol: market.id, timeMs: 0, entryFee: 0.5, plan: plan.value }, fm, candles, entry: e };
}

const fillPnls = (events: readonly DomainEvent[]) => events.flatMap((e) => (e.type === 'fill.applied' ? [e.pnl] : []));
const snapshot = (p: Position) => JSON.stringify(p);

describe('the mutable ladder path and the immutable API (fast-check)', () => {
  it('a candle walk in place gives the positions, fills and PnL order of the immutable walk, and leaves handed-out positions unchanged', () => {
    fc.assert(
      fc.property(arbCase, (c) => {
        const { open, fm, candles } = setUp(c);
        const path = new Float64Array(4);
        const opened = openPosition(open);
        const s = openLadder(open, null);
        expect(s).toStrictEqual(opened.position);
        let p = opened.position;
        const kept: Array<[Position, string]> = [[p, snapshot(p)]];
        const pnls: number[] = [];
        const tally: FillTally = { realized: 0 };
        let realized = 0;
        candles.forEach((k, t) => {
          if (p.status !== 'open') return;
          p = walkCandle(p, path, k.o, k.h, k.l, k.c, t + 1, c.intrabar, fm, (r) => {
            for (const x of fillPnls(r.events)) {
              pnls.push(x);
              realized += x;
            }
            kept.push([r.position, snapshot(r.position)]);
          });
          walkCandleOf(s, path, k.o, k.h, k.l, k.c, t + 1, c.intrabar, fm, tally);
          expect(s).toStrictEqual(p);
        });
        if (p.status === 'open') {
          const r = closeRemainderNow(p, 'end', candles.at(-1)!.c, 99, fm);
          for (const x of fillPnls(r.events)) realized += x;
          p = r.position;
          closeRemainderOf(s, 'end', candles.at(-1)!.c, 99, fm, null, tally);
        }
        expect(s).toStrictEqual(p);
        expect(s.status).toBe('closed');
        // The running PnL is the same double, added fill by fill in the same order.
        expect(Object.is(tally.realized, realized)).toBe(true);
        for (const [q, before] of kept) expect(snapshot(q)).toBe(before);
      }),
      { numRuns },
    );
  });

  it('with an Out, a segment walk in place emits the commands and events of the immutable one', () => {
    fc.assert(
      fc.property(arbCase, (c) => {
        const { open, fm, candles } = setUp(c);
        const outs: Out = { commands: [], events: [] };
        const s = openLadder(open, outs);
        const opened = openPosition(open);
        const commands: Command[] = [...opened.commands];
        const events: DomainEvent[] = [...opened.events];
        let p = opened.position;
        let from = candles[0]!.o;
        for (const [t, k] of candles.entries()) {
          for (const to of [k.l, k.h, k.c]) {
            const r = advanceSegment(p, from, to, t, fm);
            commands.push(...r.commands);
            events.push(...r.events);
            p = r.position;
            advanceSegmentOf(s, from, to, t, fm, outs, null);
            from = to;
          }
        }
        expect(s).toStrictEqual(p);
        expect(outs.commands).toStrictEqual(commands);
        expect(outs.events).toStrictEqual(events);
      }),
      { numRuns },
    );
  });

  it('as the bot drives it (orders sent, fills arriving in parts): the rules in place equal onSegment and applyFill', () => {
    fc.assert(
      fc.property(arbCase, (c) => {
        const { open, candles } = setUp(c);
        const opened = openPosition(open);
        let p = opened.position;
        const s: LadderState = clonePosition(p);
        const kept: Array<[Position, string]> = [[p, snapshot(p)]];
        let part = 0;
        let trade = 0;
        let from = candles[0]!.o;
        for (const [t, k] of candles.entries()) {
          for (const to of [k.l, k.h, k.c]) {
            if (p.status !== 'open') break;
            const r = onSegment(p, from, to, t);
            const out: Out = { commands: [], events: [] };
            const reached = p.closing === null ? reachSegment(s, from, to, t, out) : REACHED_NOTHING;
            expect(s).toStrictEqual(r.position);
            expect(out.commands).toStrictEqual([...r.commands]);
            expect(out.events).toStrictEqual([...r.events]);
            expect(reached === REACHED_NOTHING).toBe(r.position === p);
            p = r.position;
            kept.push([p, snapshot(p)]);
            from = to;
            // The exchange fills what was sent, each order in parts: market exits and the stop's close at
            // their trigger, resting limit exits once the price reached them.
            const orders: Array<{ id: string; target: number | 'stop'; qty: number; price: number }> = [];
            for (const cmd of r.commands) {
              // The single take-profit (level null) is its plan's only level.
              if (cmd.kind === 'placeExit' && cmd.orderType === 'market') orders.push({ id: cmd.clientOrderId, target: (cmd.level ?? 1) - 1, qty: cmd.qtySteps, price: cmd.triggerPrice });
              if (cmd.kind === 'closeRemainder') orders.push({ id: cmd.clientOrderId, target: 'stop', qty: cmd.qtySteps, price: cmd.triggerPrice });
            }
            for (const e of r.events) {
              if (e.type !== 'tp.hit' || p.plan.execution !== 'limit') continue;
              // The single take-profit (level null) is its plan's only level.
              const i = (e.level ?? 1) - 1;
              const st = p.levels[i]!;
              if (st.status === 'sent') orders.push({ id: `${p.id}-${e.reason}`, target: i, qty: st.orderSteps - st.filledSteps, price: e.price });
            }
            for (const o of orders) {
              const n = Math.min(o.qty, c.parts[part++ % c.parts.length]!);
              let left = o.qty;
              for (let j = 0; j < n && p.status === 'open'; j++) {
                const q = j === n - 1 ? left : Math.floor(o.qty / n);
                left -= q;
                const f: FillInput = { clientOrderId: o.id, tradeId: `t${++trade}`, orderId: `o-${o.id}`, timeMs: t, qtySteps: asSteps(q), price: o.price, fee: q * 0.001 };
                const applied = applyFill(p, f);
                if (!applied.ok) throw new Error(applied.error.message);
                const fo: Out = { commands: [], events: [] };
                bookFill(s, o.target, f.clientOrderId, f.tradeId, f.orderId, f.timeMs, f.qtySteps, f.price, f.fee, fo);
                expect(s).toStrictEqual(applied.value.position);
                expect(fo.commands).toStrictEqual([...applied.value.commands]);
                expect(fo.events).toStrictEqual([...applied.value.events]);
                p = applied.value.position;
                kept.push([p, snapshot(p)]);
              }
            }
          }
        }
        for (const [q, before] of kept) expect(snapshot(q)).toBe(before);
      }),
      { numRuns },
    );
  });
});
