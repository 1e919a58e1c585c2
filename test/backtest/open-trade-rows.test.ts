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
 * The backtest's ledger keeps of each exit what the run's summary and level statistics take (reason,
 * level, PnL) as `POSITION_LEDGER` keeps it on a position, for any fills a position can get (the
 * backtest's instant fills fill each order once; others may come in parts): fills of one order one exit.
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

/** Each exit's reason, ladder level and PnL, as the run's summary and level statistics take them. */
const dump = (r: OpenTradeRows) => Array.from({ length: r.ne }, (_, i) => [r.reasons[i], r.level(i), r.pnl(i)]);

describe('OpenTradeRows', () => {
  it("keeps each exit's reason, level and PnL as POSITION_LEDGER records them on the position, for any fills and stop moves", () => {
    const plan = new LadderPlanner(market, DEFAULT_SETTINGS).plan({ side: 'long', entryPrice: 100, quantitySteps: asSteps(1000), stopLossPct: 2 });
    if (!plan.ok) throw new Error(plan.error.message);
    fc.assert(
      fc.property(fc.array(step, { maxLength: 30 }), fc.boolean(), (steps, reuse) => {
        const s = openLadder({ id: 'T-1', symbol: 'TESTUSDT', timeMs: 0, entryFee: 0, plan: plan.value }, null);
        const rows = new OpenTradeRows();
        // A reused ledger (the engine's, one per symbol) must hold nothing of its last trade.
        if (reuse) {
          rows.fill(s, 'tp1', 1, 5, 100, asSteps(3), 0.1, 1, 'T-1-tp1');
          rows.stopMove();
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
        expect(dump(rows)).toEqual(s.partialExits.map((e) => [e.reason, e.level, e.pnl]));
        expect(rows.totalPnl()).toBe(s.partialExits.reduce((sum, e) => sum + e.pnl, 0));
      }),
      { numRuns: Number(process.env.FC_NUM_RUNS ?? 300) },
    );
  });
});
