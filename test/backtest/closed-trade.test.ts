import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ClosedTrade } from '../../src/backtest/closed-trade.ts';
import { OpenTradeRows } from '../../src/backtest/open-trade-rows.ts';
import { TradeLog } from '../../src/backtest/trade-log.ts';
import { walkCandleOf } from '../../src/core/candle-path.ts';
import { type FillModel, closeRemainderOf } from '../../src/core/fill-model.ts';
import type { Position } from '../../src/core/model/position.ts';
import { applyFill, onSegment, openPosition, requestClose } from '../../src/core/scaled-tp/exit-manager.ts';
import { LadderPlanner } from '../../src/core/scaled-tp/ladder-plan.ts';
import { type LadderState, clonePosition, openLadder, totalPnl } from '../../src/core/scaled-tp/ladder-rules.ts';
import type { ExitSettings } from '../../src/core/scaled-tp/settings.ts';
import { type Side, asSteps } from '../../src/core/units.ts';
import { marketRules } from '../support/market.ts';

/**
 * A backtest's closed trade keeps neither its plan nor its exits as objects (the plan is made again
 * by the planner, the exits live in the run's columnar log): every field a reader sees must be the
 * closed ladder state's, exactly. Checked on random ladders and price paths (the backtest's path),
 * and on states the bot's path makes (fills in parts, trade ids of their own, order ids, a second
 * close order), whose client and trade ids are not the ones a trade's id gives.
 */
const market = marketRules({ id: 'TESTUSDT', tick: '0.1', step: '0.001', minQtySteps: 2 });
const fm: FillModel = { takerPct: 0.05, makerPct: 0.02, slippagePct: 0 };
function planOf() {
  const plan = new LadderPlanner(market, settingsOf(true, 2)).plan({ side: 'long', entryPrice: 100, quantitySteps: asSteps(100), stopLossPct: 2 });
  if (!plan.ok) throw new Error(plan.error.message);
  return plan.value;
}
function settingsOf(scaled: boolean, stopLossPct: number): ExitSettings {
  return {
    scaled,
    levels: [
      { profitPct: 1, closePct: 30 },
      { profitPct: 2, closePct: 30, moveStopTo: 'previous_tp' },
      { profitPct: 3.5, closePct: 40 },
    ],
    minOrderNotional: 0,
    fallbackToSingle: true,
    execution: 'market',
    breakevenOffsetPct: 0.1,
    stopLossPct,
    takeProfitPct: 3,
  };
}

/** The fields of `p` by the names of a plain state's own fields (every field a `Position` has, whatever is added later). */
const KEYS = Object.keys(openLadder({ id: 'K-1', symbol: 'K', timeMs: 0, entryFee: 0, plan: planOf() }, null)) as (keyof Position)[];
const fieldsOf = (p: Position) => Object.fromEntries(KEYS.map((k) => [k, p[k]]));

describe('ClosedTrade', () => {
  it('reads back every field of the closed ladder state, on the backtest path (random ladders and candles)', () => {
    fc.assert(
      fc.property(
        fc.record({
          side: fc.constantFrom<Side>('long', 'short'),
          scaled: fc.boolean(),
          // Round entries often put a target exactly on a tick, where the last digit of the price decides.
          entryTenths: fc.oneof(fc.integer({ min: 10_000, max: 900_000 }), fc.integer({ min: 100, max: 9_000 }).map((x) => x * 100)),
          // The double itself, or an exact decimal text (a slipped entry's) longer than a double holds.
          asText: fc.boolean(),
          steps: fc.integer({ min: 1, max: 400 }),
          stopLossPct: fc.integer({ min: 50, max: 400 }).map((x) => x / 100),
          moves: fc.array(fc.tuple(fc.integer({ min: -300, max: 300 }), fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 300 }), fc.integer({ min: -300, max: 300 })), { maxLength: 20 }),
        }),
        (c) => {
          const planner = new LadderPlanner(market, settingsOf(c.scaled, c.stopLossPct));
          const entry = c.entryTenths / 10;
          const planned = c.asText ? `${entry.toFixed(1)}00000000000000003` : entry;
          const plan = planner.plan({ side: c.side, entryPrice: planned, quantitySteps: asSteps(c.steps), stopLossPct: c.stopLossPct });
          if (!plan.ok) return;
          const path = new Float64Array(4);
          // The same trade twice: recorded on the position itself (the reference), and as the engine
          // records it, in a ledger of rows with the state's own arrays left empty.
          const s = openLadder({ id: 'TESTUSDT-7', symbol: 'TESTUSDT', timeMs: 1000, entryFee: 0.25, plan: plan.value }, null);
          // Written into the closed state of an earlier trade (the engine reuses its states): nothing of it may be left.
          const before = openLadder({ id: 'TESTUSDT-2', symbol: 'TESTUSDT', timeMs: 5, entryFee: 0.5, plan: plan.value }, null);
          walkCandleOf(before, path, entry, entry * 1.2, entry * 0.99, entry * 1.1, 7, 'pessimistic', fm, { realized: 0 });
          closeRemainderOf(before, 'end', entry, 9, fm, null, { realized: 0 });
          const lean = openLadder({ id: 'TESTUSDT-7', symbol: 'TESTUSDT', timeMs: 1000, entryFee: 0.25, plan: plan.value }, null, before);
          expect(lean).toBe(before);
          expect(fieldsOf(lean)).toEqual(fieldsOf(openLadder({ id: 'TESTUSDT-7', symbol: 'TESTUSDT', timeMs: 1000, entryFee: 0.25, plan: plan.value }, null)));
          const rows = new OpenTradeRows(true);
          const tally = { realized: 0 };
          const leanTally = { realized: 0 };
          const at = (x: number) => entry * (1 + x / 10_000);
          let t = 3_600_000;
          for (const [o, up, down, cl] of c.moves) {
            if (s.status !== 'open') break;
            const open = at(o);
            const close = at(cl);
            const [high, low] = [Math.max(open, close) + entry * (up / 10_000), Math.min(open, close) - entry * (down / 10_000)];
            walkCandleOf(s, path, open, high, low, close, (t += 3_600_000), 'pessimistic', fm, tally);
            walkCandleOf(lean, path, open, high, low, close, t, 'pessimistic', fm, leanTally, rows);
          }
          if (s.status === 'open') closeRemainderOf(s, 'end', at(0), t + 1, fm, null, tally);
          if (lean.status === 'open') closeRemainderOf(lean, 'end', at(0), t + 1, fm, null, leanTally, rows);
          expect(lean.partialExits).toEqual([]);
          expect(leanTally.realized).toBe(tally.realized);
          expect(rows.totalPnl()).toBe(totalPnl(s));
          // Another trade first: the record must read its own rows, not the log's first ones.
          const log = new TradeLog();
          const other = openLadder({ id: 'TESTUSDT-6', symbol: 'TESTUSDT', timeMs: 0, entryFee: 0.1, plan: plan.value }, null);
          closeRemainderOf(other, 'signal', entry, 10, fm, null, { realized: 0 });
          log.append(other, planner, planned, c.stopLossPct);
          const closed = new ClosedTrade(log, log.append(s, planner, planned, c.stopLossPct));
          expect(fieldsOf(closed)).toEqual(fieldsOf(s));
          expect(closed.plan).toEqual(s.plan);
          const fromRows = new ClosedTrade(log, log.append(lean, planner, planned, c.stopLossPct, rows));
          expect(fieldsOf(fromRows)).toEqual(fieldsOf(s));
        },
      ),
      { numRuns: Number(process.env.FC_NUM_RUNS ?? 300) },
    );
  });

  it('keeps what the trade id does not give: client and trade ids of their own, order ids, fills in parts, a second close', () => {
    const planner = new LadderPlanner(market, settingsOf(true, 2));
    const plan = planner.plan({ side: 'long', entryPrice: 100, quantitySteps: asSteps(100), stopLossPct: 2 });
    if (!plan.ok) throw new Error(plan.error.message);
    let p: Position = openPosition({ id: 'TESTUSDT-3', symbol: 'TESTUSDT', timeMs: 0, entryFee: 0.1, plan: plan.value }).position;
    const fill = (clientOrderId: string, tradeId: string, qty: number, price: number) => {
      const r = applyFill(p, { clientOrderId, tradeId, orderId: `o-${tradeId}`, timeMs: 10, qtySteps: asSteps(qty), price, fee: 0.01 });
      if (!r.ok) throw new Error(r.error.message);
      p = r.value.position;
    };
    // TP1 reached (its market order sent), filled in two parts (one exit, two trade ids), then a close
    // that is sent again as `-close1`.
    p = onSegment(p, 100, 101.05, 5).position;
    fill('TESTUSDT-3-tp1', 'T1', 10, 101);
    fill('TESTUSDT-3-tp1', 'T2', 20, 101.2);
    p = requestClose(p, 'signal', 100.5, 20).position;
    expect(p.closing?.clientOrderId).toBe('TESTUSDT-3-close');
    const again = clonePosition(p) as LadderState;
    again.closing = { reason: 'signal', clientOrderId: 'TESTUSDT-3-close1' };
    again.closeSeq = 2;
    p = again;
    fill('TESTUSDT-3-close1', 'T3', 70, 100.4);
    expect(p.status).toBe('closed');
    expect(p.appliedTradeIds).toEqual(['T1', 'T2', 'T3']);
    const log = new TradeLog();
    const closed = new ClosedTrade(log, log.append(p as LadderState, planner, 100, 2));
    expect(fieldsOf(closed)).toEqual(fieldsOf(p));
    expect(closed.partialExits.map((e) => [e.clientOrderId, e.orderId])).toEqual([
      ['TESTUSDT-3-tp1', 'o-T1'],
      ['TESTUSDT-3-close1', 'o-T3'],
    ]);
  });

  it('refuses to write a new position into one that is still open', () => {
    const planner = new LadderPlanner(market, settingsOf(true, 2));
    const plan = planner.plan({ side: 'long', entryPrice: 100, quantitySteps: asSteps(100), stopLossPct: 2 });
    if (!plan.ok) throw new Error(plan.error.message);
    const open = openLadder({ id: 'TESTUSDT-1', symbol: 'TESTUSDT', timeMs: 0, entryFee: 0.1, plan: plan.value }, null);
    expect(() => openLadder({ id: 'TESTUSDT-2', symbol: 'TESTUSDT', timeMs: 0, entryFee: 0.1, plan: plan.value }, null, open)).toThrow(/open position cannot be reused/);
  });

  it('refuses a ladder that is still open', () => {
    const planner = new LadderPlanner(market, settingsOf(true, 2));
    const plan = planner.plan({ side: 'short', entryPrice: 100, quantitySteps: asSteps(100), stopLossPct: 2 });
    if (!plan.ok) throw new Error(plan.error.message);
    const s = openLadder({ id: 'TESTUSDT-1', symbol: 'TESTUSDT', timeMs: 0, entryFee: 0.1, plan: plan.value }, null);
    expect(() => new TradeLog().append(s, planner, 100, 2)).toThrow(/only a closed ladder/);
  });

  it('reads every trade back past the first chunks of its columns (40,000 trades, ids of its own among them)', () => {
    const planner = new LadderPlanner(market, settingsOf(true, 2));
    const plan = planner.plan({ side: 'long', entryPrice: 100, quantitySteps: asSteps(100), stopLossPct: 2 });
    if (!plan.ok) throw new Error(plan.error.message);
    const log = new TradeLog();
    const states: LadderState[] = [];
    for (let i = 1; i <= 40_000; i++) {
      const id = i % 7 === 0 ? `TESTUSDT-0${i}` : i % 11 === 0 ? `OTHER-${i}` : `TESTUSDT-${i}`;
      const s = openLadder({ id, symbol: 'TESTUSDT', timeMs: i * 1000, entryFee: i / 100, plan: plan.value }, null);
      closeRemainderOf(s, i % 2 ? 'signal' : 'end', 100 + i / 1000, i * 1000 + 500, fm, null, { realized: 0 });
      expect(log.append(s, planner, 100, 2)).toBe(i - 1);
      states.push(s);
    }
    for (const i of [1, 2, 511, 512, 513, 16_384, 16_385, 16_386, 32_769, 40_000]) expect(fieldsOf(new ClosedTrade(log, i - 1)), `trade ${i}`).toEqual(fieldsOf(states[i - 1]!));
  });

  it('shows its fields to JSON.stringify, as a plain position would', () => {
    const planner = new LadderPlanner(market, settingsOf(true, 2));
    const plan = planner.plan({ side: 'short', entryPrice: 100, quantitySteps: asSteps(100), stopLossPct: 2 });
    if (!plan.ok) throw new Error(plan.error.message);
    const s = openLadder({ id: 'TESTUSDT-1', symbol: 'TESTUSDT', timeMs: 0, entryFee: 0.1, plan: plan.value }, null);
    closeRemainderOf(s, 'end', 99, 10, fm, null, { realized: 0 });
    const log = new TradeLog();
    expect(JSON.parse(JSON.stringify(new ClosedTrade(log, log.append(s, planner, 100, 2))))).toEqual(JSON.parse(JSON.stringify(s)));
  });
});
