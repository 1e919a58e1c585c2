/**
 * The tight-loop baseline (issue 14, part 3): the engine's job on one symbol, written for speed as
 * the physical limit on this machine. One pass over the typed-array columns with every piece of state
 * in local scalars, no object per candle, per trade or per exit; the trades go to a columnar log and
 * the equity curve to an array, both owned by a workspace reused from run to run.
 *
 * The same job as `runBacktest` with the bench config: ema_cross entries (the strategy's EMA
 * arithmetic, inline), `quote` sizing, the ladder plan (targets rounded away from the entry, the stop
 * ladder, the minimum-size split with its skips, remainder rule and single-TP fallback) computed in
 * integers (no BigInt, no strings), market exits at their prices (a gap fills at the open), the
 * taker fee, realised PnL with the entry fee shared pro rata, the pessimistic (or ohlc) intrabar path,
 * an opposite signal closing at the open and the end of data closing at the last close.
 *
 * Exactness: every price is an exact number of ticks. An entry price P (a double) is read as the
 * decimal n / 10^d it prints as (checked: d ≤ 10, and 10^-d above 4 ulps of P); a target is ceil or floor of n × (100 ± pct) × 10^pp × 10^ts /
 * (10^d × 100 × 10^pp × tickInt), done in doubles while every operand stays below 2^53 (checked, with
 * the quotient corrected by its remainder), else by the core's exact BigInt functions (never on the
 * ten real files). It shares no code with the engine's hot path; `run.ts` checks its trades against the
 * engine's, exit by exit. It refuses what it does not model (limit exits, slippage, other sizing,
 * ATR stops, exit minimums by notional) rather than approximate it.
 */
import type { BacktestOptions } from '../src/backtest/engine.ts';
import { type MarketRules, qtyToSteps, ticksToPrice } from '../src/core/market/market-rules.ts';
import { stopTicksAt } from '../src/core/scaled-tp/price-math.ts';
import { moveStopRule } from '../src/core/scaled-tp/settings.ts';
import type { Ticks } from '../src/core/units.ts';
import type { CandleSeries } from '../src/data/candle-series.ts';
import type { EmaCrossParams } from '../src/strategy/ema-cross.ts';
import type { TradeRecord } from './trade-records.ts';

/** Exit reason codes in the log: ladder level k (1…N) is k. */
export const R_TP = 50;
export const R_STOP = 60;
export const R_SIGNAL = 61;
export const R_END = 62;
const MAX_LEVELS = 16;
const TWO53 = 2 ** 53;
/** 4 ulps relative: 10^-d must exceed 4 ulps of the price for n / 10^d to be its only short decimal. */
const ULP4 = 2 ** -50;
const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

/** The columnar output of a run, and the workspace of the next: arrays grow, never shrink. */
export class TightLog {
  trades = 0;
  exits = 0;
  realized = 0;
  skipped = 0;
  /** Trades in the order they closed. */
  side = new Int8Array(0);
  entryTime = new Float64Array(0);
  entryPrice = new Float64Array(0);
  /** Index of the trade's first exit; its exits run to the next trade's first. */
  firstExit = new Int32Array(0);
  exitReason = new Uint8Array(0);
  exitTime = new Float64Array(0);
  exitPrice = new Float64Array(0);
  exitSteps = new Float64Array(0);
  /** Equity at each candle close (only the first `candles` values are this run's). */
  equity = new Float64Array(0);
  candles = 0;

  reset(candles: number): void {
    this.trades = 0;
    this.exits = 0;
    this.realized = 0;
    this.skipped = 0;
    this.candles = candles;
    if (this.equity.length < candles) this.equity = new Float64Array(candles);
    if (this.side.length === 0) this.growTrades(Math.max(64, candles >> 5));
    if (this.exitReason.length === 0) this.growExits(Math.max(256, candles >> 4));
  }

  growTrades(n: number): void {
    const g = <T extends Int8Array | Int32Array | Float64Array>(a: T, make: (k: number) => T): T => {
      const b = make(n);
      b.set(a);
      return b;
    };
    this.side = g(this.side, (k) => new Int8Array(k));
    this.entryTime = g(this.entryTime, (k) => new Float64Array(k));
    this.entryPrice = g(this.entryPrice, (k) => new Float64Array(k));
    this.firstExit = g(this.firstExit, (k) => new Int32Array(k + 1));
  }

  growExits(n: number): void {
    const r = new Uint8Array(n);
    r.set(this.exitReason);
    this.exitReason = r;
    for (const key of ['exitTime', 'exitPrice', 'exitSteps'] as const) {
      const b = new Float64Array(n);
      b.set(this[key]);
      this[key] = b;
    }
  }
}

/** What the loop needs of one market and one exit config, worked out once (outside the candle loop). */
export interface TightLadder {
  readonly levels: number;
  /** (100 ± pct) × 10^pp per level, for a long (+) and a short (−) target; the signed pcts for the exact fallback. */
  readonly targetF: Float64Array;
  readonly targetFShort: Float64Array;
  readonly targetPct: Float64Array;
  readonly closePctInt: Float64Array;
  readonly closeDen: number;
  /** Stop rule after level k: 0 none, 1 breakeven, 2 previous_tp, 3 profit_pct (factors below). */
  readonly stopRule: Uint8Array;
  readonly stopRuleF: Float64Array;
  readonly stopRuleFShort: Float64Array;
  readonly stopRulePct: Float64Array;
  readonly singleF: number;
  readonly singleFShort: number;
  readonly singlePct: number;
  readonly stopF: number;
  readonly stopFShort: number;
  readonly stopPct: number;
  readonly beF: number;
  readonly beFShort: number;
  readonly bePct: number;
  /** 100 × 10^pp. */
  readonly pctDen: number;
  readonly scaled: boolean;
  readonly fallbackToSingle: boolean;
  readonly minExitSteps: number;
  readonly tickInt: number;
  readonly tickScale: number;
  readonly stepInt: number;
  readonly stepScale: number;
  readonly stepNumber: number;
  readonly minQtyMarket: number;
  readonly maxEntrySteps: number;
  readonly minNotional: number;
}

/** The smallest power of ten that makes every value an integer (at most 10^6). */
function decimalsOf(xs: readonly number[]): number {
  for (let pp = 0; pp <= 6; pp++) if (xs.every((x) => Math.round(x * POW10[pp]!) / POW10[pp]! === x)) return pp;
  throw new Error(`tightLoop: a percentage with more than 6 decimals (${xs.join(', ')})`);
}

export function tightLadder(m: MarketRules, o: BacktestOptions): TightLadder {
  const s = o.settings;
  if (s.execution !== 'market') throw new Error('tightLoop: only market exits');
  if (o.fills.slippagePct !== 0) throw new Error('tightLoop: no slippage');
  if (o.positionSize.mode !== 'quote') throw new Error('tightLoop: quote sizing only');
  if (s.minOrderNotional !== 0 || m.minNotionalAppliesToReduceOnly) throw new Error('tightLoop: exit minimums by quantity only');
  const n = s.scaled ? s.levels.length : 0;
  if (n > MAX_LEVELS) throw new Error(`tightLoop: at most ${MAX_LEVELS} levels`);
  const rules = s.levels.slice(0, n).map((_, k) => moveStopRule(s.levels, k));
  const ruleX = rules.map((r) => (typeof r === 'object' ? r.profitPct : 0));
  const pp = decimalsOf([...s.levels.map((l) => l.profitPct), ...ruleX, s.takeProfitPct, s.stopLossPct, s.breakevenOffsetPct]);
  const S = POW10[pp]!;
  const cp = decimalsOf(s.levels.map((l) => l.closePct));
  const tickInt = Number(m.tickSize.int);
  const stepInt = Number(m.stepSize.int);
  if (!Number.isSafeInteger(tickInt) || !Number.isSafeInteger(stepInt) || m.tickSize.scale > 22 || m.stepSize.scale > 22) throw new Error('tightLoop: tick or step too fine');
  const f = (pct: number) => Math.round((100 + pct) * S);
  return {
    levels: n,
    targetF: Float64Array.from(s.levels.slice(0, n), (l) => f(l.profitPct)),
    targetFShort: Float64Array.from(s.levels.slice(0, n), (l) => f(-l.profitPct)),
    targetPct: Float64Array.from(s.levels.slice(0, n), (l) => l.profitPct),
    closePctInt: Float64Array.from(s.levels.slice(0, n), (l) => Math.round(l.closePct * POW10[cp]!)),
    closeDen: 100 * POW10[cp]!,
    stopRule: Uint8Array.from(rules, (r) => (r === 'none' ? 0 : r === 'breakeven' ? 1 : r === 'previous_tp' ? 2 : 3)),
    stopRuleF: Float64Array.from(ruleX, (x) => f(x)),
    stopRuleFShort: Float64Array.from(ruleX, (x) => f(-x)),
    stopRulePct: Float64Array.from(ruleX),
    singleF: f(s.takeProfitPct),
    singleFShort: f(-s.takeProfitPct),
    singlePct: s.takeProfitPct,
    stopF: f(-s.stopLossPct),
    stopFShort: f(s.stopLossPct),
    stopPct: -s.stopLossPct,
    beF: f(s.breakevenOffsetPct),
    beFShort: f(-s.breakevenOffsetPct),
    bePct: s.breakevenOffsetPct,
    pctDen: 100 * S,
    scaled: s.scaled,
    fallbackToSingle: s.fallbackToSingle,
    minExitSteps: Math.max(1, m.minQtySteps.market),
    tickInt,
    tickScale: m.tickSize.scale,
    stepInt,
    stepScale: m.stepSize.scale,
    stepNumber: stepInt / POW10[m.stepSize.scale]!,
    minQtyMarket: m.minQtySteps.market,
    maxEntrySteps: Math.min(m.maxQtySteps.market, m.maxQtySteps.limit),
    minNotional: m.minNotional,
  };
}

/**
 * One symbol through the loop; the trades and the equity curve land in `log` (reset first). `ladder`
 * comes from `tightLadder(market, o)`: make it once per symbol, outside a timed run or inside it, it
 * costs microseconds.
 */
export function tightLoop(c: CandleSeries, m: MarketRules, L: TightLadder, o: BacktestOptions, params: EmaCrossParams, log: TightLog): TightLog {
  if (params.atr_stop_mult !== undefined) throw new Error('tightLoop: ema_cross without atr_stop_mult only');
  const n = c.length;
  log.reset(n);
  const { open, high, low, close, time } = c;
  const equity = log.equity;
  const taker = o.fills.takerPct;
  const start = o.startingBalance;
  const leverage = o.leverage;
  const quote = o.positionSize.value;
  const pessimistic = o.intrabar === 'pessimistic';
  const nL = L.levels;
  const tickInt = L.tickInt;
  const tickPow = POW10[L.tickScale]!;
  const stepInt = L.stepInt;
  const stepPow = POW10[L.stepScale]!;
  const tickScale = L.tickScale;
  const pctDen = L.pctDen;

  // The open position, in scalars (inPos false: none). Levels: 0..nLev-1 of the plan in use.
  let inPos = false;
  let long = true;
  let entry = 0;
  let entryFee = 0;
  let booked = 0;
  let origSteps = 0;
  let remaining = 0;
  let remQty = 0;
  let stopTicks = 0;
  let stopPrice = 0;
  let nextTarget = 0;
  let nLev = 0;
  let firstPending = 0;
  const lvTarget = new Float64Array(MAX_LEVELS);
  const lvTicks = new Float64Array(MAX_LEVELS);
  const lvQty = new Float64Array(MAX_LEVELS);
  const lvClosesRem = new Uint8Array(MAX_LEVELS);
  /** 1 = pending, 0 = filled or skipped. */
  const lvPending = new Uint8Array(MAX_LEVELS);
  const lvStopTicks = new Float64Array(MAX_LEVELS);
  const lvStopPrice = new Float64Array(MAX_LEVELS);
  const lvReason = new Uint8Array(MAX_LEVELS);
  const split = new Float64Array(MAX_LEVELS);
  const splitSkip = new Uint8Array(MAX_LEVELS);
  const splitRem = new Uint8Array(MAX_LEVELS);
  let realized = 0;
  let skipped = 0;

  let nt = log.trades;
  let ne = log.exits;

  const tickPrice = (t: number): number => {
    const v = t * tickInt;
    return Number.isSafeInteger(v) ? (tickScale === 0 ? v : v / tickPow) : ticksToPrice(t as Ticks, m);
  };
  const stepsQty = (s: number): number => (s * stepInt) / stepPow;

  // Entry price P = pInt / 10^pD exactly (set per entry by `enter`).
  let pInt = 0;
  let pD = 0;
  let exactEntry = true;
  /** ceil (up) or floor of P × F / pctDen / tick, exactly; the core's BigInt path when out of range. */
  const ticksAt = (F: number, signedPct: number, up: boolean): number => {
    if (exactEntry) {
      let num = pInt * F;
      let den = pctDen * tickInt;
      if (tickScale >= pD) num *= POW10[tickScale - pD]!;
      else den *= POW10[pD - tickScale]!;
      if (num < TWO53 && den < TWO53) {
        let q = Math.floor(num / den);
        let r = num - q * den;
        if (r < 0) {
          q--;
          r += den;
        } else if (r >= den) {
          q++;
          r -= den;
        }
        return up && r > 0 ? q + 1 : q;
      }
    }
    return up ? stopTicksAt(entry, signedPct, 'long', m) : stopTicksAt(entry, -signedPct, 'short', m);
  };

  const pushExit = (reason: number, timeMs: number, price: number, steps: number): void => {
    if (ne >= log.exitReason.length) log.growExits(log.exitReason.length * 2);
    log.exitReason[ne] = reason;
    log.exitTime[ne] = timeMs;
    log.exitPrice[ne] = price;
    log.exitSteps[ne] = steps;
    ne++;
  };

  /** Books `steps` at `price`; true when that closed the position. */
  const fill = (reason: number, steps: number, price: number, timeMs: number): boolean => {
    const qty = stepsQty(steps);
    const fee = (price * qty * taker) / 100;
    remaining -= steps;
    const closed = remaining === 0;
    const gross = (price - entry) * qty * (long ? 1 : -1);
    const share = closed ? entryFee - booked : (entryFee * steps) / origSteps;
    realized += gross - fee - share;
    booked += share;
    pushExit(reason, timeMs, price, steps);
    if (closed) {
      inPos = false;
      nt++;
      log.firstExit[nt] = ne;
    } else remQty = stepsQty(remaining);
    return closed;
  };

  const nextTargetOf = (): number => {
    for (let k = firstPending; k < nLev; k++) if (lvPending[k] === 1) return lvTarget[k]!;
    return long ? Infinity : -Infinity;
  };

  /** The plan (SPEC "Splitting", R3.1–R3.3) and the position, at the open of candle i; false if skipped. */
  const enter = (isLong: boolean, i: number): void => {
    const price = open[i]!;
    const balance = start + realized;
    // quote sizing: floor(value / price / step), the exact path only when the estimate is on a whole step
    const x = quote / price / L.stepNumber;
    const rx = Math.round(x);
    let steps = Math.abs(x - rx) <= Math.abs(x) * 1e-12 + 1e-9 ? qtyToSteps(quote / price, m, 'down') : Math.floor(x);
    if (!(x > 0) || !Number.isFinite(x)) steps = 0;
    if (steps > L.maxEntrySteps) steps = L.maxEntrySteps;
    if (steps === 0 || steps < L.minQtyMarket) return void skipped++;
    const qty = stepsQty(steps);
    const notional = price * qty;
    if (notional < L.minNotional || notional / leverage > balance) return void skipped++;
    // The entry as a decimal n / 10^d.
    // (A symbol's prices mostly share their decimals: the previous entry's count is tried first.)
    exactEntry = false;
    const v0 = Math.round(price * POW10[pD]!);
    if (v0 / POW10[pD]! === price) {
      pInt = v0;
      exactEntry = v0 < TWO53 && price * ULP4 < 1 / POW10[pD]!;
    } else {
      for (let d = 0; d <= 10; d++) {
        const v = Math.round(price * POW10[d]!);
        if (v / POW10[d]! === price) {
          pInt = v;
          pD = d;
          exactEntry = v < TWO53 && price * ULP4 < 1 / POW10[d]!;
          break;
        }
      }
    }
    long = isLong;
    entry = price;
    const initStop = long ? ticksAt(L.stopF, L.stopPct, true) : ticksAt(L.stopFShort, -L.stopPct, false);
    if (initStop <= 0) return void skipped++;
    let single = !L.scaled;
    if (!single) {
      for (let k = 0; k < nL; k++) {
        const t = long ? ticksAt(L.targetF[k]!, L.targetPct[k]!, true) : ticksAt(L.targetFShort[k]!, -L.targetPct[k]!, false);
        if (t <= 0) return void skipped++;
        lvTicks[k] = t;
      }
      // splitQuantity with one minimum for every level (exits are bounded by minQty alone here).
      const min = L.minExitSteps;
      let rem = steps;
      let carry = 0;
      let exits = 0;
      for (let k = 0; k < nL; k++) {
        splitSkip[k] = 0;
        splitRem[k] = 0;
        if (rem === 0) {
          splitSkip[k] = 1;
          split[k] = 0;
          continue;
        }
        const last = k === nL - 1;
        let q = rem;
        if (!last) {
          const num = steps * L.closePctInt[k]!;
          let share = Math.floor(num / L.closeDen);
          if (share * L.closeDen > num) share--;
          else if ((share + 1) * L.closeDen <= num) share++;
          q = Math.min(share + carry, rem);
          if (q < min) {
            splitSkip[k] = 1;
            split[k] = 0;
            carry = q;
            continue;
          }
        }
        const left = rem - q;
        if (last || left === 0 || left < min) {
          q = rem;
          splitRem[k] = 1;
        }
        split[k] = q;
        rem -= q;
        carry = 0;
        exits++;
      }
      if (exits <= 1 && nL > 1) {
        if (L.fallbackToSingle) single = true;
        else {
          for (let k = 0; k < nL; k++) {
            const last = k === nL - 1;
            split[k] = last ? steps : 0;
            splitSkip[k] = last ? 0 : 1;
            splitRem[k] = last ? 1 : 0;
          }
        }
      }
    }
    if (single) {
      const t = long ? ticksAt(L.singleF, L.singlePct, true) : ticksAt(L.singleFShort, -L.singlePct, false);
      if (t <= 0) return void skipped++;
      nLev = 1;
      lvTicks[0] = t;
      lvTarget[0] = tickPrice(t);
      lvQty[0] = steps;
      lvClosesRem[0] = 1;
      lvPending[0] = 1;
      lvStopTicks[0] = NaN;
      lvReason[0] = R_TP;
    } else {
      nLev = nL;
      let be = NaN;
      for (let k = 0; k < nL; k++) {
        lvTarget[k] = tickPrice(lvTicks[k]!);
        lvQty[k] = split[k]!;
        lvClosesRem[k] = splitRem[k]!;
        lvPending[k] = splitSkip[k] === 1 ? 0 : 1;
        lvReason[k] = k + 1;
        const rule = L.stopRule[k]!;
        let st = NaN;
        if (rule === 1) {
          if (be !== be) be = long ? ticksAt(L.beF, L.bePct, true) : ticksAt(L.beFShort, -L.bePct, false);
          st = be;
        } else if (rule === 2) st = lvTicks[k - 1]!;
        else if (rule === 3) st = long ? ticksAt(L.stopRuleF[k]!, L.stopRulePct[k]!, true) : ticksAt(L.stopRuleFShort[k]!, -L.stopRulePct[k]!, false);
        lvStopTicks[k] = st;
        lvStopPrice[k] = st === st ? tickPrice(st) : NaN;
      }
    }
    if (nt >= log.side.length) log.growTrades(log.side.length * 2);
    log.side[nt] = long ? 1 : -1;
    log.entryTime[nt] = time[i]!;
    log.entryPrice[nt] = price;
    log.firstExit[nt] = ne;
    inPos = true;
    entryFee = (price * qty * taker) / 100;
    booked = 0;
    origSteps = steps;
    remaining = steps;
    remQty = qty;
    stopTicks = initStop;
    stopPrice = tickPrice(initStop);
    firstPending = 0;
    nextTarget = nextTargetOf();
  };

  /** Steps to send for level k now (the exit manager's sendSteps with nothing in flight). */
  const sendSteps = (k: number, uncommitted: number): number => {
    let laterMin = 0;
    let laterExists = false;
    for (let j = k + 1; j < nLev; j++) {
      if (lvPending[j] !== 1) continue;
      laterExists = true;
      laterMin = Math.max(laterMin, L.minExitSteps);
    }
    const qty = Math.min(lvQty[k]!, uncommitted);
    if (!laterExists || lvClosesRem[k] === 1) return uncommitted;
    const left = uncommitted - qty;
    return left > 0 && left < laterMin ? uncommitted : qty;
  };

  /** The straight path from → to: every level and stop it reaches, in order (advanceSegment). */
  const segment = (from: number, to: number, timeMs: number): void => {
    let s = from;
    for (let guard = 0; guard <= nLev + 2; guard++) {
      if (long ? s <= stopPrice : s >= stopPrice) return void fill(R_STOP, remaining, s, timeMs);
      const best = long ? (s > to ? s : to) : s < to ? s : to;
      if (!(long ? best >= nextTarget : best <= nextTarget)) {
        if (long ? to <= stopPrice : to >= stopPrice) fill(R_STOP, remaining, stopPrice, timeMs);
        return;
      }
      let uncommitted = remaining;
      let last = s;
      for (let k = firstPending; k < nLev; k++) {
        if (lvPending[k] !== 1) continue;
        const tp = lvTarget[k]!;
        if (!(long ? best >= tp : best <= tp)) break;
        const at = (long ? s >= tp : s <= tp) ? s : tp;
        const q = sendSteps(k, uncommitted);
        if (q === 0) continue;
        uncommitted -= q;
        lvPending[k] = 0;
        last = at;
        if (fill(lvReason[k]!, q, at, timeMs)) return;
        const st = lvStopTicks[k]!;
        if (st === st && (long ? st > stopTicks : st < stopTicks)) {
          stopTicks = st;
          stopPrice = lvStopPrice[k]!;
        }
      }
      while (firstPending < nLev && lvPending[firstPending] !== 1) firstPending++;
      nextTarget = nextTargetOf();
      s = last;
    }
  };

  const wf = 2 / (params.fast + 1);
  const kf = 1 - wf;
  const ws = 2 / (params.slow + 1);
  const ks = 1 - ws;
  const warmup = params.slow;
  const stable = params.slow - 1;
  let fast = 0;
  let slow = 0;
  let prevDiff = NaN;
  let signal = 0;

  // Hot copies of the position's state for the candle loop (registers, not the closures' context):
  // refreshed after every call that can change it (an entry, a signal close, a walked candle).
  let hPos = false;
  let hLong = true;
  let hNext = 0;
  let hStop = 0;
  let hEntry = 0;
  /** ± the remaining quantity (− for a short: (close − entry) × −q is (entry − close) × q exactly). */
  let hQ = 0;
  /** start + realised, and the entry fee not yet booked: equity = hBase + ((close − entry) × hQ − hFee). */
  let hBase = start;
  let hFee = 0;

  for (let i = 0; i < n; i++) {
    if (signal !== 0) {
      const sl = signal > 0;
      if (hPos && hLong !== sl) fill(R_SIGNAL, remaining, open[i]!, time[i]!);
      if (!inPos) enter(sl, i);
      hPos = inPos;
      hLong = long;
      hNext = nextTarget;
      hStop = stopPrice;
      hEntry = entry;
      hQ = long ? remQty : -remQty;
      hBase = start + realized;
      hFee = entryFee - booked;
    }
    const cl = close[i]!;
    if (hPos) {
      const h = high[i]!;
      const l = low[i]!;
      // Nothing inside the candle's range: no segment can reach a trigger (the engine's per-segment check).
      if (hLong ? h >= hNext || l <= hStop : l <= hNext || h >= hStop) {
        const o = open[i]!;
        const t = time[i]!;
        const lowFirst = !pessimistic && cl !== o ? cl > o : hLong;
        const p1 = lowFirst ? l : h;
        const p2 = lowFirst ? h : l;
        let a = o;
        for (let k = 0; k < 3 && inPos; k++) {
          const b = k === 0 ? p1 : k === 1 ? p2 : cl;
          const hi = a > b ? a : b;
          const lo = a > b ? b : a;
          if (long ? hi >= nextTarget || lo <= stopPrice : lo <= nextTarget || hi >= stopPrice) segment(a, b, t);
          a = b;
        }
        hPos = inPos;
        hNext = nextTarget;
        hStop = stopPrice;
        hQ = long ? remQty : -remQty;
        hBase = start + realized;
        hFee = entryFee - booked;
      }
    }
    // The EMAs on this close (trading-signals' recurrence); a cross enters at the next open.
    fast = i === 0 ? cl * wf + cl * kf : cl * wf + fast * kf;
    slow = i === 0 ? cl * ws + cl * ks : cl * ws + slow * ks;
    const diff = fast - slow;
    const prev = prevDiff;
    prevDiff = i >= stable ? diff : NaN;
    signal = i < warmup ? 0 : prev <= 0 && diff > 0 ? 1 : prev >= 0 && diff < 0 ? -1 : 0;
    equity[i] = hPos ? hBase + ((cl - hEntry) * hQ - hFee) : hBase;
  }
  if (inPos && n > 0) {
    fill(R_END, remaining, close[n - 1]!, time[n - 1]! + c.timeframeMs);
    equity[n - 1] = start + realized;
  }
  log.trades = nt;
  log.exits = ne;
  log.realized = realized;
  log.skipped = skipped;
  return log;
}

const reasonText = (r: number): string => (r === R_TP ? 'tp' : r === R_STOP ? 'stop' : r === R_SIGNAL ? 'signal' : r === R_END ? 'end' : `tp${r}`);

/** The log's trades as records for `matchTrades` (outside the timed run). */
export function tightRecords(log: TightLog): TradeRecord[] {
  const out: TradeRecord[] = [];
  for (let t = 0; t < log.trades; t++) {
    const exits = [];
    for (let e = log.firstExit[t]!; e < log.firstExit[t + 1]!; e++) {
      exits.push({ reason: reasonText(log.exitReason[e]!), timeMs: log.exitTime[e]!, price: log.exitPrice[e]!, qtySteps: log.exitSteps[e]! });
    }
    out.push({ side: log.side[t]! > 0 ? 'long' : 'short', entryTimeMs: log.entryTime[t]!, entryPrice: log.entryPrice[t]!, exits });
  }
  return out;
}
