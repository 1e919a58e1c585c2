import type { StepResult } from './model/commands.ts';
import { type Position, exitClientId, stopClientId } from './model/position.ts';
import { decOfNumber, formatScaled } from './decimal.ts';
import { type Side, asSteps } from './units.ts';
import {
  type LadderState,
  type Ledger,
  type Out,
  MAX_REACH_LEVELS,
  NONE,
  ONCE_NOTHING,
  ONCE_STOP_AT_FROM,
  ONCE_STOP_AT_STOP,
  NO_RECORD,
  POSITION_LEDGER,
  REACHED_NOTHING,
  STOP_AT_FROM,
  STOP_AT_STOP,
  bookFill,
  clonePosition,
  fillLevelAtOnce,
  levelReached,
  qtyOf,
  reachPrice,
  reachAtOnce,
  reachSegment,
  requestCloseOf,
  stepsAtOnce,
  triggerHigh,
  triggerLow,
} from './scaled-tp/ladder-rules.ts';

/**
 * Fills at the price the path reached, the backtest's and paper mode's exchange (SPEC "Fill prices",
 * "Fees"): market orders (entry, market TPs, stops, signal/end closes) pay the taker fee and slippage
 * against the trader; resting limit TPs fill at their price (or better, at a gap's open) with the
 * maker fee and no slippage. fee = price × quantity × pct / 100, unrounded.
 */
export interface FillModel {
  readonly takerPct: number;
  readonly makerPct: number;
  readonly slippagePct: number;
}

/**
 * A market order's price after slippage against the trader: buys pay more, sells get less. The
 * exact decimal price × (100 ± pct) / 100, then the double nearest it (114 sold at 0.5 % is 113.43,
 * not 113.42999999999999 as in binary floating point, so its breakeven is on the tick).
 */
export const slipped = (price: number, buy: boolean, slippagePct: number): number =>
  slippagePct === 0 ? price : Number(slippedText(price, buy, slippagePct));

/** The exact decimal text of `slipped`: what a plan derives its targets and stops from. */
export function slippedText(price: number, buy: boolean, slippagePct: number): string {
  const p = decOfNumber(price);
  const s = decOfNumber(slippagePct);
  const hundred = 100n * 10n ** BigInt(s.scale);
  return formatScaled(p.int * (buy ? hundred + s.int : hundred - s.int), { int: 1n, scale: p.scale + s.scale + 2 });
}

export const feeOf = (price: number, qty: number, pct: number): number => (price * qty * pct) / 100;

/** Entry at `price` (next candle's open): filled price and taker fee. */
export function entryFill(side: Side, price: number, qty: number, fm: FillModel): { price: number; fee: number } {
  const fill = slipped(price, side === 'long', fm.slippagePct);
  return { price: fill, fee: feeOf(fill, qty, fm.takerPct) };
}

/** Where instant fills add their PnL, one fill at a time in fill order (a driver's running realised PnL). */
export interface FillTally {
  realized: number;
}

/**
 * Walks one straight price segment with immediate fills: every level and stop the segment reaches is
 * filled where it was reached, then the rest of the segment (from the last fill point) is walked again
 * with the stop the fills moved, until nothing more happens. The ladder's own rules (reachSegment, or
 * without an `out` reachAtOnce for its common cases; bookFill) on the state `s`, in place, its fills
 * recorded by `ledger`: with `out` null and a ledger
 * that writes columns, nothing is allocated but the level states an exit changes. Returns whether
 * anything happened.
 */
export function advanceSegmentOf(s: LadderState, from: number, to: number, timeMs: number, fm: FillModel, out: Out | null, tally: FillTally | null, ledger: Ledger = POSITION_LEDGER): boolean {
  if (s.status !== 'open' || s.closing !== null) return false;
  const n = s.levels.length;
  if (n > MAX_REACH_LEVELS) throw new Error(`a ladder of ${n} levels: at most ${MAX_REACH_LEVELS}`);
  if (out !== null) return fillReached(s, from, to, timeMs, fm, out, tally, ledger, 0);
  // Without an `Out`, the common cases (the stop, or one level of a market ladder: reachAtOnce) are
  // filled at once, with no close or exit order between the reach and the fill; any other, and the
  // rest of the segment after it, by fillReached.
  const exitIsBuy = s.side === 'short';
  let start = from;
  for (let guard = 0; guard <= n + 2; guard++) {
    const once = reachAtOnce(s, start, to, guard > 0);
    if (once === ONCE_NOTHING) return guard > 0;
    if (once === ONCE_STOP_AT_FROM || once === ONCE_STOP_AT_STOP) {
      fillNow(s, 'stop', stopClientId(s.id, s.stopSeq), s.remainingSteps, once === ONCE_STOP_AT_FROM ? start : s.stopPrice, false, timeMs, fm, exitIsBuy, null, tally, ledger);
      return true;
    }
    const qty = once >= 0 ? stepsAtOnce(s, once) : 0;
    if (qty === 0) return fillReached(s, start, to, timeMs, fm, null, tally, ledger, guard) || guard > 0;
    start = reachPrice(s, once, start);
    fillNow(s, once, ledger === NO_RECORD ? '' : exitClientId(s.id, s.plan.levels[once]!.reason), qty, start, false, timeMs, fm, exitIsBuy, null, tally, ledger, true);
    if (s.status !== 'open') return true;
    // The rest of the segment strictly inside the new trigger band cannot change anything: no call.
    const lo = triggerLow(s);
    const hi = triggerHigh(s);
    if (start > lo && start < hi && to > lo && to < hi) return true;
  }
  return true;
}

/**
 * `advanceSegmentOf`'s walk by `reachSegment`, from `from` (a fill point when `guard` > 0: the rest of
 * the segment after an earlier fill), the segment's `guard`-th step: what it reaches is filled, until
 * nothing more happens. Returns whether anything happened in it.
 */
function fillReached(s: LadderState, from: number, to: number, timeMs: number, fm: FillModel, out: Out | null, tally: FillTally | null, ledger: Ledger, guard: number): boolean {
  const exitIsBuy = s.side === 'short';
  const n = s.levels.length;
  let start = from;
  let changed = false;
  for (; guard <= n + 2; guard++) {
    const stop = s.stopPrice;
    const r = reachSegment(s, start, to, timeMs, out, guard > 0);
    if (r === REACHED_NOTHING) break;
    changed = true;
    let last = start;
    if ((r & (STOP_AT_FROM | STOP_AT_STOP)) !== 0) {
      last = (r & STOP_AT_FROM) !== 0 ? start : stop;
      fillNow(s, 'stop', s.closing!.clientOrderId, s.remainingSteps, last, false, timeMs, fm, exitIsBuy, out, tally, ledger);
    } else {
      const maker = s.plan.execution === 'limit';
      for (let i = 0; i < n && s.status === 'open'; i++) {
        if (!levelReached(r, i)) continue;
        const st = s.levels[i]!;
        last = reachPrice(s, i, start);
        // The order's client id is a string made per fill: none when nothing keeps it (no out, NO_RECORD).
        fillNow(s, i, out === null && ledger === NO_RECORD ? '' : exitClientId(s.id, s.plan.levels[i]!.reason), st.orderSteps - st.filledSteps, last, maker, timeMs, fm, exitIsBuy, out, tally, ledger);
      }
    }
    if (s.status !== 'open') break;
    start = last;
    // The rest of the segment strictly inside the new trigger band cannot change anything: no call.
    const lo = triggerLow(s);
    const hi = triggerHigh(s);
    if (start > lo && start < hi && to > lo && to < hi) break;
  }
  return changed;
}

/** `advanceSegmentOf` on a copy of `p`: the new position, the orders the walk sent and filled, its events. */
export function advanceSegment(p: Position, from: number, to: number, timeMs: number, fm: FillModel): StepResult {
  const s = clonePosition(p);
  const out: Out = { commands: [], events: [] };
  if (!advanceSegmentOf(s, from, to, timeMs, fm, out, null)) return { position: p, commands: NONE, events: NONE };
  return { position: s, commands: out.commands.length ? out.commands : NONE, events: out.events.length ? out.events : NONE };
}

/** Fills an order at `at` (slippage on market orders, maker fee for resting limits) and books it. */
function fillNow(
  s: LadderState,
  target: number | 'stop' | 'signal' | 'end',
  clientOrderId: string,
  qtySteps: number,
  at: number,
  maker: boolean,
  timeMs: number,
  fm: FillModel,
  exitIsBuy: boolean,
  out: Out | null,
  tally: FillTally | null,
  ledger: Ledger,
  atOnce = false,
): void {
  const price = maker ? at : slipped(at, exitIsBuy, fm.slippagePct);
  const fee = feeOf(price, qtyOf(qtySteps, s.plan), maker ? fm.makerPct : fm.takerPct);
  // An instant fill fills its order whole, once: the order's id names its only trade (no new string per fill).
  // `atOnce`: level `target`, which reachAtOnce named, sent and filled in one step.
  const pnl =
    atOnce && typeof target === 'number'
      ? fillLevelAtOnce(s, target, asSteps(qtySteps), clientOrderId, timeMs, price, fee, ledger)
      : bookFill(s, target, clientOrderId, clientOrderId, null, timeMs, asSteps(qtySteps), price, fee, out, ledger);
  if (tally !== null) tally.realized += pnl;
}

/** Closes the remainder of `s` at once with a market order at `price` (opposite signal, end of data), in place, recorded by `ledger`. */
export function closeRemainderOf(
  s: LadderState,
  reason: 'signal' | 'end',
  price: number,
  timeMs: number,
  fm: FillModel,
  out: Out | null,
  tally: FillTally | null,
  ledger: Ledger = POSITION_LEDGER,
): boolean {
  if (s.status !== 'open' || s.closing !== null) return false;
  const qtySteps = s.remainingSteps;
  requestCloseOf(s, reason, price, timeMs, out);
  const fill = slipped(price, s.side === 'short', fm.slippagePct);
  const fee = feeOf(fill, qtyOf(qtySteps, s.plan), fm.takerPct);
  const id = s.closing!.clientOrderId;
  const pnl = bookFill(s, reason, id, id, null, timeMs, qtySteps, fill, fee, out, ledger);
  if (tally !== null) tally.realized += pnl;
  return true;
}

/** `closeRemainderOf` on a copy of `p` (opposite signal, end of data). */
export function closeRemainderNow(p: Position, reason: 'signal' | 'end', price: number, timeMs: number, fm: FillModel): StepResult {
  const s = clonePosition(p);
  const out: Out = { commands: [], events: [] };
  if (!closeRemainderOf(s, reason, price, timeMs, fm, out, null)) return { position: p, commands: NONE, events: NONE };
  return { position: s, commands: out.commands, events: out.events };
}

