import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ClosedTrade } from '../../src/backtest/closed-trade.ts';
import { ExitLog } from '../../src/backtest/exit-log.ts';
import { walkCandleOf } from '../../src/core/candle-path.ts';
import { type FillModel, closeRemainderOf } from '../../src/core/fill-model.ts';
import type { Position } from '../../src/core/model/position.ts';
import { applyFill, onSegment, openPosition, requestClose } from '../../src/core/scaled-tp/exit-manager.ts';
import { LadderPlanner } from '../../src/core/scaled-tp/ladder-plan.ts';
import { type LadderState, clonePosition, openLadder } from '../../src/core/scaled-tp/ladder-rules.ts';
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
const KEYS: readonly (keyof Position)[] = [
  'id', 'symbol', 'side', 'entryPrice', 'entryTimeMs', 'entryFee', 'entryFeeBooked', 'originalSteps', 'remainingSteps', 'plan', 'levels',
  'partialExits', 'tpLevelsHit', 'stopTicks', 'stopSeq', 'stopMoves', 'closing', 'closeSeq', 'status', 'appliedTradeIds', 'nextTargetPrice', 'stopPrice',
];
const fieldsOf = (p: Position) => Object.fromEntries(KEYS.map((k) => [k, p[k]]));

const market = marketRules({ id: 'TESTUSDT', tick: '0.1', step: '0.001', minQtySteps: 2 });
const fm: FillModel = { takerPct: 0.05, makerPct: 0.02, slippagePct: 0 };
const settingsOf = (scaled: boolean, stopLossPct: number): ExitSettings => ({
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
});

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
          const s = openLadder({ id: 'TESTUSDT-7', symbol: 'TESTUSDT', timeMs: 1000, entryFee: 0.25, plan: plan.value }, null);
          const path = new Float64Array(4);
          const tally = { realized: 0 };
          const at = (x: number) => entry * (1 + x / 10_000);
          let t = 3_600_000;
          for (const [o, up, down, cl] of c.moves) {
            if (s.status !== 'open') break;
            const open = at(o);
            const close = at(cl);
            walkCandleOf(s, path, open, Math.max(open, close) + entry * (up / 10_000), Math.min(open, close) - entry * (down / 10_000), close, (t += 3_600_000), 'pessimistic', fm, tally);
          }
          if (s.status === 'open') closeRemainderOf(s, 'end', at(0), t + 1, fm, null, tally);
          const log = new ExitLog();
          log.append('OTHER-1', [{ reason: 'stop', level: null, timeMs: 1, price: 1, qtySteps: asSteps(1), fee: 0, pnl: 0, clientOrderId: 'OTHER-1-close', orderId: null }]);
          const closed = new ClosedTrade(s, planner, planned, c.stopLossPct, log);
          expect(fieldsOf(closed)).toEqual(fieldsOf(s));
          expect(closed.plan).toEqual(s.plan);
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
    const closed = new ClosedTrade(p as LadderState, planner, 100, 2, new ExitLog());
    expect(fieldsOf(closed)).toEqual(fieldsOf(p));
    expect(closed.partialExits.map((e) => [e.clientOrderId, e.orderId])).toEqual([
      ['TESTUSDT-3-tp1', 'o-T1'],
      ['TESTUSDT-3-close1', 'o-T3'],
    ]);
  });

  it('refuses a ladder that is still open', () => {
    const planner = new LadderPlanner(market, settingsOf(true, 2));
    const plan = planner.plan({ side: 'short', entryPrice: 100, quantitySteps: asSteps(100), stopLossPct: 2 });
    if (!plan.ok) throw new Error(plan.error.message);
    const s = openLadder({ id: 'TESTUSDT-1', symbol: 'TESTUSDT', timeMs: 0, entryFee: 0.1, plan: plan.value }, null);
    expect(() => new ClosedTrade(s, planner, 100, 2, new ExitLog())).toThrow(/only a closed ladder/);
  });

  it('stores rows past one chunk of the exit log and reads each back', () => {
    const log = new ExitLog();
    const rows = 40_000;
    for (let i = 0; i < rows; i++) {
      const id = `X-${i}`;
      log.append(id, [{ reason: i % 3 === 0 ? 'tp2' : 'stop', level: i % 3 === 0 ? 2 : null, timeMs: i * 1000, price: 100 + i / 7, qtySteps: asSteps(i + 1), fee: i / 3, pnl: -i / 9, clientOrderId: i % 3 === 0 ? `${id}-tp2` : `${id}-close`, orderId: null }]);
    }
    expect(log.length).toBe(rows);
    for (const i of [0, 1, 16_383, 16_384, 16_385, 32_768, rows - 1]) {
      expect(log.read(`X-${i}`, i, 1)).toEqual([{ reason: i % 3 === 0 ? 'tp2' : 'stop', level: i % 3 === 0 ? 2 : null, timeMs: i * 1000, price: 100 + i / 7, qtySteps: i + 1, fee: i / 3, pnl: -i / 9, clientOrderId: i % 3 === 0 ? `X-${i}-tp2` : `X-${i}-close`, orderId: null }]);
    }
  });
});
