import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OpenTradeRows } from '../../src/backtest/open-trade-rows.ts';
import type { StopRule } from '../../src/core/model/plan.ts';
import type { ExitReason } from '../../src/core/model/position.ts';
import { LadderPlanner } from '../../src/core/scaled-tp/ladder-plan.ts';
import { type Ledger, POSITION_LEDGER, openLadder } from '../../src/core/scaled-tp/ladder-rules.ts';
import { type Steps, type Ticks, asSteps } from '../../src/core/units.ts';
import { marketRules } from '../support/market.ts';
import { DEFAULT_SETTINGS } from '../support/settings.ts';

/**
 * The backtest's ledger keeps what `POSITION_LEDGER` keeps on a position, the same way, for any
 * fills a position can get (the backtest's instant fills fill each order once; the bot's may come in
 * parts, under trade ids of their own, with order ids): fills of one order merged into one exit,
 * each level hit once in the order of its first fill, every trade id, every stop move.
 */
const market = marketRules({ id: 'TESTUSDT', tick: '0.1', step: '0.001', minQtySteps: 1 });

const ORDERS: readonly { id: string; reason: ExitReason; level: number | null }[] = [
  { id: 'T-1-tp1', reason: 'tp1', level: 1 },
  { id: 'T-1-tp2', reason: 'tp2', level: 2 },
  { id: 'T-1-tp3', reason: 'tp3', level: 3 },
  { id: 'T-1-sl0', reason: 'stop', level: null },
  { id: 'T-1-close', reason: 'signal', level: null },
  { id: 'T-1-close1', reason: 'signal', level: null },
];

const step = fc.oneof(
  fc.record({
    kind: fc.constant('fill' as const),
    order: fc.integer({ min: 0, max: ORDERS.length - 1 }),
    timeMs: fc.integer({ min: 0, max: 1e12 }),
    price: fc.double({ min: 1, max: 1e5, noNaN: true }),
    qty: fc.integer({ min: 1, max: 500 }),
    fee: fc.double({ min: 0, max: 10, noNaN: true }),
    pnl: fc.double({ min: -1e4, max: 1e4, noNaN: true }),
    orderId: fc.option(fc.constantFrom('o1', 'o2', 'o3')),
    tradeId: fc.option(fc.constantFrom('x1', 'x2', 'x3')),
    firstOfLevel: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant('move' as const),
    timeMs: fc.integer({ min: 0, max: 1e12 }),
    from: fc.integer({ min: 1, max: 1e6 }),
    to: fc.integer({ min: 1, max: 1e6 }),
    rule: fc.constantFrom<StopRule>('breakeven', 'previous_tp', 'profit_pct'),
    level: fc.integer({ min: 1, max: 3 }),
  }),
);

function dump(r: OpenTradeRows) {
  return {
    exits: Array.from({ length: r.ne }, (_, i) => [...Array.from({ length: 6 }, (_, x) => r.exit(i, x)), r.reasons[i], r.clientIds[i], r.orderIds[i]]),
    moves: Array.from({ length: r.nm }, (_, i) => {
      const m = new Float64Array(6);
      r.copyMove(i, m, 0);
      return [...m, r.rules[i]];
    }),
    levelsHit: r.levelsHit.slice(0, r.nh),
    tradeIds: r.tradeIds.slice(0, r.nt),
  };
}

describe('OpenTradeRows', () => {
  it('records any fills and stop moves as POSITION_LEDGER records them on the position', () => {
    const plan = new LadderPlanner(market, DEFAULT_SETTINGS).plan({ side: 'long', entryPrice: 100, quantitySteps: asSteps(1000), stopLossPct: 2 });
    if (!plan.ok) throw new Error(plan.error.message);
    fc.assert(
      fc.property(fc.array(step, { maxLength: 30 }), fc.boolean(), (steps, reuse) => {
        const s = openLadder({ id: 'T-1', symbol: 'TESTUSDT', timeMs: 0, entryFee: 0, plan: plan.value }, null);
        const rows = new OpenTradeRows();
        // A reused ledger (the engine's, one per symbol) must hold nothing of its last trade.
        if (reuse) {
          rows.fill(s, 'tp1', 1, 5, 100, asSteps(3), 0.1, 1, 'old-tp1', 'o9', 'old', true);
          rows.stopMove(s, 5, 1 as Ticks, 2 as Ticks, 0.1, 0.2, 'breakeven', 1);
          rows.clear();
        }
        const ledgers: Ledger[] = [POSITION_LEDGER, rows];
        for (const x of steps) {
          for (const l of ledgers) {
            if (x.kind === 'move') l.stopMove(s, x.timeMs, x.from as Ticks, x.to as Ticks, x.from / 10, x.to / 10, x.rule, x.level);
            else {
              const o = ORDERS[x.order]!;
              l.fill(s, o.reason, o.level, x.timeMs, x.price, x.qty as Steps, x.fee, x.pnl, o.id, x.orderId, x.tradeId ?? o.id, x.firstOfLevel);
            }
          }
        }
        expect(dump(rows)).toEqual(dump(OpenTradeRows.of(s)));
        expect(rows.totalPnl()).toBe(s.partialExits.reduce((sum, e) => sum + e.pnl, 0));
      }),
      { numRuns: Number(process.env.FC_NUM_RUNS ?? 300) },
    );
  });

  it('with instant fills, refuses what its derived ids cannot stand for: a later close order, a stop that leaves a remainder, a trade id of its own', () => {
    const plan = new LadderPlanner(market, DEFAULT_SETTINGS).plan({ side: 'long', entryPrice: 100, quantitySteps: asSteps(1000), stopLossPct: 2 });
    if (!plan.ok) throw new Error(plan.error.message);
    const s = openLadder({ id: 'T-1', symbol: 'TESTUSDT', timeMs: 0, entryFee: 0, plan: plan.value }, null);
    const rows = new OpenTradeRows(true);
    // A stop fill that leaves part of the position open (only an exchange's partial fill does that).
    expect(() => rows.fill(s, 'stop', null, 1, 98, asSteps(10), 0, 0, 'T-1-sl0', null, 'T-1-sl0', false)).toThrow(/closes the whole/);
    s.remainingSteps = asSteps(0);
    s.closeSeq = 1;
    expect(() => rows.fill(s, 'signal', null, 1, 99, asSteps(1000), 0, 0, 'T-1-close1', null, 'T-1-close1', false)).toThrow(/closes the whole first close/);
    s.closeSeq = 0;
    expect(() => rows.fill(s, 'signal', null, 1, 99, asSteps(1000), 0, 0, 'T-1-close', null, 'x9', false)).toThrow(/own trade/);
    rows.fill(s, 'signal', null, 1, 99, asSteps(1000), 0, 0, 'T-1-close', null, 'T-1-close', false);
    expect(rows.ne).toBe(1);
  });
});
