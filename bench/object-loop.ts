/**
 * The object-loop baseline: the same job as the engine (ema_cross entries, the ladder's exits on the
 * intrabar path, fees, realised PnL and an equity point per candle) over an array with one object
 * per candle, written as one plain mutable loop. Equivalent logic, not the engine's code: the EMAs are
 * inline (the same arithmetic as trading-signals' EMA), and the exits re-implement advanceSegment →
 * onSegment/applyFill for market exits with a mutable position. Each entry still calls the same
 * functions as the engine for its size (entrySteps) and plan (the core's planLadder), so targets,
 * stops and quantities are identical by construction; run.ts checks that the exits are too.
 */
import type { BacktestOptions } from '../src/backtest/engine.ts';
import { entrySteps } from '../src/core/position-size.ts';
import { feeOf, slipped } from '../src/core/fill-model.ts';
import { type MarketRules, stepsToQty } from '../src/core/market/market-rules.ts';
import type { LadderPlan } from '../src/core/model/plan.ts';
import { qtyOf } from '../src/core/scaled-tp/exit-manager.ts';
import { planLadder } from '../src/core/scaled-tp/ladder-plan.ts';
import type { CandleSeries } from '../src/data/candle-series.ts';
import type { EmaCrossParams } from '../src/strategy/ema-cross.ts';
import type { ExitRecord, TradeRecord } from './trade-records.ts';

export interface CandleObject {
  readonly time: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
}

/** The series as one object per candle (built before timing: it is this baseline's loaded form). */
export function candleObjects(s: CandleSeries): CandleObject[] {
  const out = new Array<CandleObject>(s.length);
  for (let i = 0; i < s.length; i++) {
    out[i] = { time: s.time[i]!, open: s.open[i]!, high: s.high[i]!, low: s.low[i]!, close: s.close[i]!, volume: s.volume[i]! };
  }
  return out;
}

export interface ObjectLoopResult {
  readonly trades: TradeRecord[];
  readonly realizedPnl: number;
  /** Equity at each candle close, as the engine's curve. */
  readonly equity: Float64Array;
  readonly skipped: number;
}

/** Does the segment a → b reach the position's next target or its stop? (the engine's pre-check) */
function touched(a: number, b: number, p: OpenPosition): boolean {
  const hi = a > b ? a : b;
  const lo = a > b ? b : a;
  return p.long ? hi >= p.nextTarget || lo <= p.stopPrice : lo <= p.nextTarget || hi >= p.stopPrice;
}

const PENDING = 0;
const DONE = 1;

interface OpenPosition {
  readonly long: boolean;
  readonly entryPrice: number;
  readonly entryTimeMs: number;
  readonly entryFee: number;
  entryFeeBooked: number;
  readonly originalSteps: number;
  remaining: number;
  readonly plan: LadderPlan;
  /** PENDING or DONE per plan level (skipped levels start DONE). */
  readonly status: Uint8Array;
  stopTicks: number;
  stopPrice: number;
  nextTarget: number;
  readonly exits: ExitRecord[];
}

/**
 * One symbol, market exits (`scaled_tp_execution: market`), ema_cross without an ATR stop: the
 * benchmark's configuration. `timeframeMs` is the candles' (the `end` exit's time is the last close). Anything else is refused rather than approximated.
 */
export function objectLoop(candles: readonly CandleObject[], m: MarketRules, o: BacktestOptions, params: EmaCrossParams, timeframeMs: number): ObjectLoopResult {
  if (o.settings.execution !== 'market') throw new Error('objectLoop: only market exits');
  if (params.atr_stop_mult !== undefined) throw new Error('objectLoop: ema_cross without atr_stop_mult only');
  const { fills, settings } = o;
  const trades: TradeRecord[] = [];
  const equity = new Float64Array(candles.length);
  const wf = 2 / (params.fast + 1);
  const ws = 2 / (params.slow + 1);
  const warmup = params.slow;
  let fastEma = 0;
  let slowEma = 0;
  let prevDiff = NaN;
  let signal = 0;
  let realized = 0;
  let skipped = 0;
  // Assigned inside the closures below; the cast keeps TypeScript from narrowing it to null.
  let pos = null as OpenPosition | null;

  const nextTargetOf = (p: OpenPosition): number => {
    for (let k = 0; k < p.status.length; k++) if (p.status[k] === PENDING) return p.plan.levels[k]!.targetPrice;
    return p.long ? Infinity : -Infinity;
  };

  /** Books `steps` at `price` (already slipped for market orders); true when the position is closed. */
  const fill = (p: OpenPosition, reason: string, steps: number, price: number, timeMs: number): boolean => {
    const qty = qtyOf(steps, p.plan);
    const fee = feeOf(price, qty, fills.takerPct);
    p.remaining -= steps;
    const closed = p.remaining === 0;
    const gross = (price - p.entryPrice) * qty * (p.long ? 1 : -1);
    const entryShare = closed ? p.entryFee - p.entryFeeBooked : (p.entryFee * steps) / p.originalSteps;
    realized += gross - fee - entryShare;
    p.entryFeeBooked += entryShare;
    p.exits.push({ reason, timeMs, price, qtySteps: steps });
    if (closed) {
      trades.push({ side: p.long ? 'long' : 'short', entryTimeMs: p.entryTimeMs, entryPrice: p.entryPrice, exits: p.exits });
      pos = null;
    }
    return closed;
  };

  const closeAll = (p: OpenPosition, reason: string, at: number, timeMs: number): void => {
    fill(p, reason, p.remaining, slipped(at, !p.long, fills.slippagePct), timeMs);
  };

  /** Steps to send for level k now (exit-manager sendSteps, with nothing in flight). */
  const sendSteps = (p: OpenPosition, k: number, uncommitted: number): number => {
    const pl = p.plan.levels[k]!;
    let laterMin = 0;
    let laterExists = false;
    for (let j = k + 1; j < p.status.length; j++) {
      if (p.status[j] !== PENDING) continue;
      laterExists = true;
      laterMin = Math.max(laterMin, p.plan.levels[j]!.minSteps);
    }
    const qty = Math.min(pl.qtySteps, uncommitted);
    if (!laterExists || pl.closesRemainder) return uncommitted;
    const left = uncommitted - qty;
    return left > 0 && left < laterMin ? uncommitted : qty;
  };

  /** advanceSegment: the straight path from → to, filling every level and stop it reaches. */
  const segment = (p: OpenPosition, from: number, to: number, timeMs: number): void => {
    const long = p.long;
    let start = from;
    for (let guard = 0; guard <= p.status.length + 2; guard++) {
      if (long ? start <= p.stopPrice : start >= p.stopPrice) return closeAll(p, 'stop', start, timeMs);
      const best = long ? Math.max(start, to) : Math.min(start, to);
      if (!(long ? best >= p.nextTarget : best <= p.nextTarget)) {
        if (long ? to <= p.stopPrice : to >= p.stopPrice) closeAll(p, 'stop', p.stopPrice, timeMs);
        return;
      }
      let uncommitted = p.remaining;
      let last = start;
      for (let k = 0; k < p.status.length; k++) {
        if (p.status[k] !== PENDING) continue;
        const pl = p.plan.levels[k]!;
        if (!(long ? best >= pl.targetPrice : best <= pl.targetPrice)) break;
        const at = (long ? start >= pl.targetPrice : start <= pl.targetPrice) ? start : pl.targetPrice;
        const qty = sendSteps(p, k, uncommitted);
        if (qty === 0) continue;
        uncommitted -= qty;
        p.status[k] = DONE;
        last = at;
        if (fill(p, pl.reason, qty, slipped(at, !long, fills.slippagePct), timeMs)) return;
        const to2 = pl.stopAfter;
        if (to2 !== null && (long ? to2.ticks > p.stopTicks : to2.ticks < p.stopTicks)) {
          p.stopTicks = to2.ticks;
          p.stopPrice = to2.price;
        }
      }
      p.nextTarget = nextTargetOf(p);
      start = last;
    }
  };

  const enter = (long: boolean, c: CandleObject): void => {
    const price = slipped(c.open, long, fills.slippagePct);
    const stopPct = settings.stopLossPct;
    const balance = o.startingBalance + realized;
    const steps = entrySteps(o.positionSize, price, o.sizingBalance === 'starting' ? o.startingBalance : balance, stopPct, m);
    if (steps < m.minQtySteps.market || steps === 0) return void skipped++;
    const qty = stepsToQty(steps, m);
    const notional = price * qty;
    if (notional < m.minNotional || notional / o.leverage > balance) return void skipped++;
    const plan = planLadder({ side: long ? 'long' : 'short', entryPrice: price, quantitySteps: steps, market: m, settings, stopLossPct: stopPct });
    if (!plan.ok) return void skipped++;
    const status = new Uint8Array(plan.value.levels.length);
    plan.value.levels.forEach((l, k) => (status[k] = l.skipped === null ? PENDING : DONE));
    const p: OpenPosition = {
      long,
      entryPrice: price,
      entryTimeMs: c.time,
      entryFee: feeOf(price, qty, fills.takerPct),
      entryFeeBooked: 0,
      originalSteps: steps,
      remaining: steps,
      plan: plan.value,
      status,
      stopTicks: plan.value.initialStopTicks,
      stopPrice: plan.value.initialStopPrice,
      nextTarget: 0,
      exits: [],
    };
    p.nextTarget = nextTargetOf(p);
    pos = p;
  };

  for (let i = 0; i < candles.length; i++) {
    const c = candles[i]!;
    if (signal !== 0) {
      const long = signal > 0;
      if (pos !== null && pos.long !== long) closeAll(pos, 'signal', c.open, c.time);
      if (pos === null) enter(long, c);
    }
    const p0: OpenPosition | null = pos;
    if (p0 !== null) {
      const lowFirst = o.intrabar === 'ohlc' && c.close !== c.open ? c.close > c.open : p0.long;
      const p1 = lowFirst ? c.low : c.high;
      const p2 = lowFirst ? c.high : c.low;
      if (touched(c.open, p1, p0)) segment(p0, c.open, p1, c.time);
      const pa: OpenPosition | null = pos;
      if (pa !== null && touched(p1, p2, pa)) segment(pa, p1, p2, c.time);
      const pb: OpenPosition | null = pos;
      if (pb !== null && touched(p2, c.close, pb)) segment(pb, p2, c.close, c.time);
    }
    // Indicators on this close: the signal entered at the next open.
    const close = c.close;
    fastEma = close * wf + (i === 0 ? close : fastEma) * (1 - wf);
    slowEma = close * ws + (i === 0 ? close : slowEma) * (1 - ws);
    const diff = fastEma - slowEma;
    const prev = prevDiff;
    prevDiff = i >= params.slow - 1 ? diff : NaN;
    signal = i < warmup ? 0 : prev <= 0 && diff > 0 ? 1 : prev >= 0 && diff < 0 ? -1 : 0;
    let e = o.startingBalance + realized;
    const p: OpenPosition | null = pos;
    if (p !== null) e += (p.long ? close - p.entryPrice : p.entryPrice - close) * qtyOf(p.remaining, p.plan) - (p.entryFee - p.entryFeeBooked);
    equity[i] = e;
  }
  const last = candles[candles.length - 1];
  const open: OpenPosition | null = pos;
  if (open !== null && last !== undefined) {
    // At the last candle's close time (SPEC "Times": an `end` exit closes at the last candle's close).
    closeAll(open, 'end', last.close, last.time + timeframeMs);
    equity[candles.length - 1] = o.startingBalance + realized;
  }
  return { trades, realizedPnl: realized, equity, skipped };
}
