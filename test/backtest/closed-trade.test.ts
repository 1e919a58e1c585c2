import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ClosedTrade } from '../../src/backtest/closed-trade.ts';
import { type BacktestOptions, runBacktest } from '../../src/backtest/engine.ts';
import { TradeLog } from '../../src/backtest/trade-log.ts';
import { walkCandle } from '../../src/core/candle-path.ts';
import { closeRemainderNow, feeOf, slippedText } from '../../src/core/fill-model.ts';
import type { Position } from '../../src/core/model/position.ts';
import { EntrySizer } from '../../src/core/position-size.ts';
import { openPosition } from '../../src/core/scaled-tp/exit-manager.ts';
import { LadderPlanner } from '../../src/core/scaled-tp/ladder-plan.ts';
import { type Side, asSteps } from '../../src/core/units.ts';
import { type CandleSeries, closeTimeMs } from '../../src/data/candle-series.ts';
import { HOUR, series } from '../support/candles.ts';
import { marketRules } from '../support/market.ts';
import { backtestOptions } from '../support/settings.ts';

/**
 * A backtest's closed trade keeps only what its walk was made of (trade-log.ts) and is walked again
 * through the core when read: every field a reader sees must be the one the trade had when it closed.
 * The reference here drives the core's immutable API (openPosition, walkCandle, closeRemainderNow)
 * over the same candles and signals, as SPEC R5 says a backtest does on one symbol: an opposite signal
 * closes at the open, an entry at the open is walked from it, the data's end closes at the last close.
 */
const market = marketRules({ id: 'TESTUSDT', tick: '0.01', step: '0.001', minQtySteps: 1, minNotional: 5 });

function reference(c: CandleSeries, sides: readonly (Side | null)[], o: BacktestOptions): Position[] {
  const planner = new LadderPlanner(market, o.settings);
  const sizer = new EntrySizer(market);
  const slip = o.fills.slippagePct;
  const path = new Float64Array(4);
  const out: Position[] = [];
  let p: Position | null = null;
  let n = 0;
  for (let i = 0; i < c.length; i++) {
    const side = sides[i] ?? null;
    if (side !== null && p !== null && p.side !== side) {
      out.push(closeRemainderNow(p, 'signal', c.open[i]!, c.time[i]!, o.fills).position);
      p = null;
    }
    if (side !== null && p === null) {
      const exact: string | null = slip === 0 ? null : slippedText(c.open[i]!, side === 'long', slip);
      const price: number = exact === null ? c.open[i]! : Number(exact);
      const steps = sizer.steps(o.positionSize, price, o.startingBalance, o.settings.stopLossPct);
      const plan: ReturnType<LadderPlanner['plan']> | null = sizer.belowMinimum(steps, price) ? null : planner.plan({ side, entryPrice: exact ?? price, quantitySteps: steps, stopLossPct: o.settings.stopLossPct });
      if (plan?.ok) p = openPosition({ id: `TESTUSDT-${++n}`, symbol: 'TESTUSDT', timeMs: c.time[i]!, entryFee: feeOf(price, sizer.qty(steps), o.fills.takerPct), plan: plan.value }).position;
    }
    if (p === null) continue;
    p = walkCandle(p, path, c.open[i]!, c.high[i]!, c.low[i]!, c.close[i]!, c.time[i]!, o.intrabar, o.fills);
    if (p.status === 'closed') {
      out.push(p);
      p = null;
    }
  }
  const last = c.length - 1;
  if (p !== null) out.push(closeRemainderNow(p, 'end', c.close[last]!, closeTimeMs(c, last), o.fills).position);
  return out;
}

/** The engine's trades and the reference's, each as its JSON (a `ClosedTrade`'s fields are getters). */
function both(rows: [number, number, number, number][], sides: readonly (Side | null)[], o: BacktestOptions) {
  const c = series(rows, HOUR, undefined, 'TESTUSDT');
  const run = runBacktest([{ symbol: 'TESTUSDT', candles: c, market, entryAt: (i) => (sides[i] ? { side: sides[i]!, timeMs: c.time[i]! } : null) }], o);
  const json = (ps: readonly Position[]) => ps.map((p) => JSON.parse(JSON.stringify(p)) as unknown);
  return { engine: json(run.trades), reference: json(reference(c, sides, o)), run };
}

/** Candles of a random walk around 100: each a move of the open from the last close, a high and low beyond open and close, a close. */
const arbRows = fc
  .array(fc.tuple(fc.integer({ min: -150, max: 150 }), fc.integer({ min: 0, max: 250 }), fc.integer({ min: 0, max: 250 }), fc.integer({ min: -250, max: 250 })), { minLength: 1, maxLength: 60 })
  .map((moves) => {
    let last = 100;
    return moves.map(([gap, up, down, move]): [number, number, number, number] => {
      const open = Math.round((last + gap / 100) * 100) / 100;
      const close = Math.max(1, Math.round((open + move / 100) * 100) / 100);
      last = close;
      return [open, Math.round((Math.max(open, close) + up / 100) * 100) / 100, Math.max(0.5, Math.round((Math.min(open, close) - down / 100) * 100) / 100), close];
    });
  });

describe('ClosedTrade', () => {
  it('reads back every field of the trade as it closed: random candles, signals, fills, paths and ladders', () => {
    fc.assert(
      fc.property(
        arbRows,
        fc.array(fc.constantFrom<Side | null>('long', 'short', null, null, null), { maxLength: 60 }),
        fc.record({ slippagePct: fc.constantFrom(0, 0.05), takerPct: fc.constantFrom(0, 0.05), intrabar: fc.constantFrom('pessimistic' as const, 'ohlc' as const), scaled: fc.boolean() }),
        (rows, sides, k) => {
          const base = backtestOptions();
          const o = backtestOptions({
            fills: { takerPct: k.takerPct, makerPct: 0, slippagePct: k.slippagePct },
            intrabar: k.intrabar,
            settings: { ...base.settings, scaled: k.scaled, breakevenOffsetPct: 0.1 },
            startingBalance: 1e9,
          });
          const { engine, reference: ref } = both(rows, sides, o);
          expect(engine).toEqual(ref);
        },
      ),
      { numRuns: Number(process.env.FC_NUM_RUNS ?? 300) },
    );
  });

  it('reads every trade back past the first chunks of its rows (2,400 trades)', () => {
    // A zigzag: up 3 % over two candles, down 3 % over the next two; a long at each bottom, a short at each top.
    const rows: [number, number, number, number][] = [];
    const sides: (Side | null)[] = [];
    for (let i = 0; i < 4_800; i++) {
      const phase = i % 4;
      const o = phase < 2 ? 100 + phase * 1.5 : 103 - (phase - 2) * 1.5;
      const c = phase < 2 ? o + 1.5 : o - 1.5;
      rows.push([o, Math.max(o, c) + 0.2, Math.min(o, c) - 0.2, c]);
      sides.push(phase === 0 ? 'long' : phase === 2 ? 'short' : null);
    }
    const { engine, reference: ref, run } = both(rows, sides, backtestOptions({ startingBalance: 1e9 }));
    expect(run.trades.length).toBe(2_400);
    expect(engine).toEqual(ref);
  });

  it('throws when a trade walked again does not book the PnL it closed with', () => {
    const c = series([[100, 103, 99, 102]], HOUR, undefined, 'TESTUSDT');
    const log = new TradeLog({ takerPct: 0, makerPct: 0, slippagePct: 0 }, 'pessimistic');
    const sym = log.symbolIndex({ symbol: 'TESTUSDT', planner: new LadderPlanner(market, backtestOptions().settings), candles: c, detail: undefined });
    // 10 long at 100 (10,000 steps of 0.001): TP1 at 101 takes 3, TP2 at 102 takes 3, the end closes 4 at 102: 3 + 6 + 8.
    const right = log.append(sym, 1, 'long', 0, asSteps(10_000), 2, 0, 'end', 0, NaN, 17);
    expect(new ClosedTrade(log, right).partialExits.map((e) => [e.reason, e.price, e.qtySteps])).toEqual([
      ['tp1', 101, 3000],
      ['tp2', 102, 3000],
      ['end', 102, 4000],
    ]);
    const wrong = log.append(sym, 2, 'long', 0, asSteps(10_000), 2, 0, 'end', 0, NaN, 1);
    expect(() => new ClosedTrade(log, wrong).partialExits).toThrow(/TESTUSDT-2: walked again, it booked 17, not 1/);
    expect(() => log.append(sym, 3, 'long', 0, asSteps(10_000), 2, 0, 'signal', 0, NaN, 0)).toThrow(/TESTUSDT-3: entered at candle 0, signal at 0 of 1/);
  });
});
