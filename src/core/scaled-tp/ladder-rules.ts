import { scaledIntToNumber } from '../decimal.ts';
import type { Command, DomainEvent } from '../model/commands.ts';
import type { LadderPlan, PlannedLevel, StopRule } from '../model/plan.ts';
import {
  type ExitReason,
  type LevelState,
  type PartialExit,
  type Position,
  type StopMove,
  closeClientId,
  exitClientId,
  stopClientId,
} from '../model/position.ts';
import type { Result } from '../result.ts';
import { type Steps, type Ticks, asSteps, sideSign } from '../units.ts';
import { nextLevelStatus } from './level-status.ts';
import { isFavourable } from './price-math.ts';

/**
 * The ladder's exit rules, written once, as in-place transitions of a mutable state (issue 14 part 3).
 * A `LadderState` has the fields of a `Position`; its arrays (levels, exits, stop moves, trade ids) are
 * values that a rule replaces, never changes, so a shallow copy of a `Position` is a state a rule may
 * change without touching the original. The immutable API (exit-manager.ts) copies, runs a rule with
 * an `Out` and returns the copy; the backtest runs the same rules on one state per trade with no `Out`
 * (no commands or events built) and keeps the closed state as the trade's record.
 */
export type LadderState = { -readonly [K in keyof Position]: Position[K] };

/** Where a rule puts the orders to send and the events to log; null: build none (the backtest). */
export interface Out {
  readonly commands: Command[];
  readonly events: DomainEvent[];
}

/**
 * Where the rules write what a position keeps beside its state (R4.1): each fill as (part of) an exit,
 * its trade id as applied, a level's first fill as a level hit, each real stop move. `POSITION_LEDGER`
 * keeps them on the state itself, as the immutable arrays of a `Position` (the bot, the immutable API,
 * a replay that keeps its trades). A backtest's ledger writes them to its own columns and leaves the
 * state's arrays empty, so that a fill allocates nothing (src/backtest/open-trade-rows.ts); one that
 * takes each fill's PnL from its `FillTally` and keeps no record uses `NO_RECORD`. The rules are the
 * same whichever ledger records them: a ledger only keeps, it decides nothing.
 */
export interface Ledger {
  /**
   * A fill of the order `clientOrderId` (R3.5), booked by the rules: fills of one order are one exit
   * (summed quantity, fee and PnL, volume-weighted price: `mergeExit`), `tradeId` is applied, and
   * `level` is hit when `firstOfLevel` (each level once, in the order of their first fills).
   */
  fill(
    s: LadderState,
    reason: ExitReason,
    level: number | null,
    timeMs: number,
    price: number,
    qtySteps: Steps,
    fee: number,
    pnl: number,
    clientOrderId: string,
    orderId: string | null,
    tradeId: string,
    firstOfLevel: boolean,
  ): void;
  /** A real stop move (SPEC "Stop moves"), already made on the state's stop. */
  stopMove(s: LadderState, timeMs: number, fromTicks: Ticks, toTicks: Ticks, fromPrice: number, toPrice: number, rule: StopRule, level: number): void;
}

/** The ledger of a `Position`: its exits, applied trade ids, levels hit and stop moves as its own arrays. */
export const POSITION_LEDGER: Ledger = {
  fill(s, reason, level, timeMs, price, qtySteps, fee, pnl, clientOrderId, orderId, tradeId, firstOfLevel) {
    s.partialExits = mergeExit(s.partialExits, { reason, level, timeMs, price, qtySteps, fee, pnl, clientOrderId, orderId });
    if (level !== null && firstOfLevel && !s.tpLevelsHit.includes(level)) s.tpLevelsHit = appended(s.tpLevelsHit, level);
    s.appliedTradeIds = appended(s.appliedTradeIds, tradeId);
  },
  stopMove(s, timeMs, fromTicks, toTicks, fromPrice, toPrice, rule, level) {
    s.stopMoves = appended(s.stopMoves, { timeMs, fromTicks, toTicks, fromPrice, toPrice, rule, level });
  },
};

/**
 * Keeps nothing: for a driver of instant fills that takes each fill's PnL from its tally and needs no
 * record of the trade (the optimizer's figures). Its states' exits stay empty, so `totalPnl` of them is 0.
 */
export const NO_RECORD: Ledger = {
  fill() {},
  stopMove() {},
};

export const NONE: readonly never[] = Object.freeze([]);
// Shared by every new position: level states are never changed in place (a transition makes a new
// one), and a backtest keeps thousands of closed trades whose unreached levels are all alike.
export const PENDING = levelState('pending', asSteps(0), asSteps(0), false);
const SKIPPED = levelState('skipped', asSteps(0), asSteps(0), false);

export interface OpenInput {
  /** Short and data-derived (client ids `<id>-tp<k>` must fit Binance's 36 characters). */
  readonly id: string;
  readonly symbol: string;
  readonly timeMs: number;
  /** Entry fee in quote currency (taker fee of the entry fill). */
  readonly entryFee: number;
  readonly plan: LadderPlan;
}

/**
 * A new position under its plan: the initial stop, and in limit mode every level's resting order.
 * `into`: a closed state of the caller's own to write the new one into instead of a new object, for a
 * driver that drops each state when its trade closes (the backtest, the optimizer's figures); every
 * field is written, so nothing of the old trade is left.
 */
export function openLadder(i: OpenInput, out: Out | null, into: LadderState | null = null): LadderState {
  const { plan } = i;
  const limitMode = plan.execution === 'limit';
  // Loops, not map/forEach with closures: the backtest opens a position on every entry.
  const levels = new Array<LevelState>(plan.levels.length);
  for (let k = 0; k < levels.length; k++) {
    const l = plan.levels[k]!;
    levels[k] = l.skipped !== null ? SKIPPED : limitMode ? levelState('sent', asSteps(0), l.qtySteps, false) : PENDING;
  }
  if (into !== null && into.status !== 'closed') throw new Error(`${into.id}: an open position cannot be reused for ${i.id}`);
  const s = into ?? newState();
  s.id = i.id;
  s.symbol = i.symbol;
  s.side = plan.side;
  s.entryPrice = plan.entryPrice;
  s.entryTimeMs = i.timeMs;
  s.entryFee = i.entryFee;
  s.entryFeeBooked = 0;
  s.originalSteps = plan.originalSteps;
  s.remainingSteps = plan.originalSteps;
  s.plan = plan;
  s.levels = levels;
  s.partialExits = NONE;
  s.tpLevelsHit = NONE;
  s.stopTicks = plan.initialStopTicks;
  s.stopSeq = 0;
  s.stopMoves = NONE;
  s.closing = null;
  s.closeSeq = 0;
  s.status = 'open';
  s.appliedTradeIds = NONE;
  settle(s);
  if (out === null) return s;
  out.commands.push({ kind: 'placeStop', clientOrderId: stopClientId(i.id, 0), stopTicks: plan.initialStopTicks, stopPrice: plan.initialStopPrice });
  out.events.push({ type: 'plan.made', positionId: i.id, symbol: i.symbol, timeMs: i.timeMs, plan });
  if (limitMode) {
    for (const l of plan.levels) {
      if (l.skipped !== null) continue;
      const id = exitClientId(i.id, l.reason);
      out.commands.push(exitCommand(s, l, l.qtySteps, l.targetPrice, id));
      out.events.push(requested(s, l, l.qtySteps, i.timeMs, id));
    }
  }
  return s;
}

/** `reachSegment` results: bit flags, plus bit `LEVEL_BIT << i` for each level i now to be filled. */
export const REACHED_NOTHING = 0;
/** Something happened (an event at least). */
export const REACHED = 1;
/** The stop was reached at the segment's start (a gap) / at its own price. */
export const STOP_AT_FROM = 2;
export const STOP_AT_STOP = 4;
const LEVEL_BIT = 8;
/** Levels a result can name (the config allows 20). */
export const MAX_REACH_LEVELS = 27;
export const levelReached = (r: number, i: number): boolean => (r & (LEVEL_BIT << i)) !== 0;

/**
 * The price moved in a straight line from `from` to `to` (R1.1–R1.3, R6.1, SPEC "Exit semantics").
 * Touch counts. A level or stop already passed at `from` (a gap) is reached at `from`; one crossed inside
 * the segment at its own price. Every level reached is reported lowest first. When a level is reached,
 * the stop is not checked in this call: the driver applies the fills (the stop may move) and calls again
 * for the rest of the segment, from the fill point. Returns what happened (REACHED… flags; a level's bit
 * when its order was sent now, or it rests and was reached now: a fill can come), REACHED_NOTHING with
 * the state untouched. The caller checked that the position is open with no close requested.
 */
export function reachSegment(s: LadderState, from: number, to: number, timeMs: number, out: Out | null, fromIsFill = false): number {
  const long = s.side === 'long';
  // `fromIsFill`: the rest of a segment after a fill at `from`, with the stop that fill moved. The
  // fill point is where the price was when the stop moved there, not a touch of it (a live bot sees
  // the price beyond it next): only the path after it can reach the stop (below, at its own price).
  if (!fromIsFill && stopTouched(long, from, s.stopPrice)) {
    reachStop(s, from, timeMs, out);
    return REACHED | STOP_AT_FROM;
  }
  const best = long ? Math.max(from, to) : Math.min(from, to);
  if (!targetReached(long, best, s.nextTargetPrice)) {
    if (!stopTouched(long, to, s.stopPrice)) return REACHED_NOTHING;
    reachStop(s, s.stopPrice, timeMs, out);
    return REACHED | STOP_AT_STOP;
  }
  const plan = s.plan;
  const levels = s.levels.slice();
  let result = REACHED;
  let uncommitted = uncommittedSteps(s);
  for (let i = 0; i < levels.length; i++) {
    const st = levels[i]!;
    const pl = plan.levels[i]!;
    const resting = st.status === 'sent' && plan.execution === 'limit' && !st.reached;
    if (st.status !== 'pending' && !resting) continue;
    if (!targetReached(long, best, pl.targetPrice)) break; // targets ascend: later ones are farther
    const hit: DomainEvent | null =
      out === null ? null : { type: 'tp.hit', positionId: s.id, symbol: s.symbol, timeMs, level: levelOf(pl), reason: pl.reason, price: reachPrice(s, i, from), profitPct: pl.profitPct };
    if (resting) {
      levels[i] = levelState(st.status, st.filledSteps, st.orderSteps, true);
      result |= LEVEL_BIT << i;
      if (hit !== null) out!.events.push(hit);
      continue;
    }
    const qty = sendSteps(s, levels, i, uncommitted);
    if (qty === 0) {
      if (hit !== null) out!.events.push(hit);
      continue;
    }
    uncommitted -= qty;
    levels[i] = levelState(must(nextLevelStatus(st.status, 'send')), st.filledSteps, asSteps(qty), true);
    result |= LEVEL_BIT << i;
    if (out !== null) {
      const id = exitClientId(s.id, pl.reason);
      out.commands.push(exitCommand(s, pl, asSteps(qty), reachPrice(s, i, from), id));
      out.events.push(hit!, requested(s, pl, asSteps(qty), timeMs, id));
    }
  }
  s.levels = levels;
  settle(s);
  return result;
}

/** `reachAtOnce` answers beside a level index: the stop at the segment's start, at its own price; nothing reached; a case for `reachSegment`. */
export const ONCE_STOP_AT_FROM = -1;
export const ONCE_STOP_AT_STOP = -2;
export const ONCE_NOTHING = -3;
const ONCE_GENERIC = -4;

/**
 * What `reachSegment` would reach on the segment `from`→`to`, for a driver of instant fills with no
 * `Out` (the backtest, the optimizer's replay), without changing the state: the stop (at `from`, or at
 * its own price), nothing, or the index of the one level reached when sending it and filling it
 * whole at once is all that `reachSegment` and the fills that follow would do (`fillLevelAtOnce`):
 * market exits, no exit order in flight, the level the first pending one with nothing filled, and no
 * later pending level reached. Anything else (limit exits, an order in flight, two levels in one
 * segment) is `ONCE_GENERIC`: `reachSegment` decides. The same touch rules as `reachSegment`.
 */
export function reachAtOnce(s: LadderState, from: number, to: number, fromIsFill: boolean): number {
  const long = s.side === 'long';
  if (!fromIsFill && stopTouched(long, from, s.stopPrice)) return ONCE_STOP_AT_FROM;
  const best = long ? Math.max(from, to) : Math.min(from, to);
  if (!targetReached(long, best, s.nextTargetPrice)) return stopTouched(long, to, s.stopPrice) ? ONCE_STOP_AT_STOP : ONCE_NOTHING;
  const plan = s.plan;
  if (plan.execution !== 'market') return ONCE_GENERIC;
  const levels = s.levels;
  let first = -1;
  for (let i = 0; i < levels.length; i++) {
    const st = levels[i]!;
    if (st.status === 'pending') {
      if (first >= 0) {
        if (targetReached(long, best, plan.levels[i]!.targetPrice)) return ONCE_GENERIC;
      } else if (st.filledSteps === 0) first = i;
      else return ONCE_GENERIC;
    } else if (st.status !== 'filled' && st.status !== 'skipped') return ONCE_GENERIC;
  }
  return first < 0 ? ONCE_GENERIC : first;
}

/** The steps `reachSegment` sends for level i when no exit order is in flight (`reachAtOnce` said so): 0 when it would send none. */
export const stepsAtOnce = (s: LadderState, i: number): number => sendSteps(s, s.levels, i, s.remainingSteps);

/**
 * Level i, which `reachAtOnce` named, sent for `qtySteps` (`stepsAtOnce`) and filled whole at once at
 * `price`: its state pending → sent → filled in one step (the table's path for a whole fill), then
 * booked as `bookFill` books it. Returns the fill's PnL.
 */
export function fillLevelAtOnce(s: LadderState, i: number, qtySteps: Steps, clientOrderId: string, timeMs: number, price: number, fee: number, ledger: Ledger): number {
  const pl = s.plan.levels[i]!;
  s.levels = replaceAt(s.levels, i, levelState('filled', qtySteps, qtySteps, true));
  return bookExit(s, pl.reason, levelOf(pl), pl, true, clientOrderId, clientOrderId, null, timeMs, qtySteps, price, fee, null, ledger);
}

/**
 * Limit mode: every pending level rests again as a reduce-only limit at its own target, each for its
 * share of what is left (the last takes the remainder, R3.2), as at entry (R1.4). For a position whose
 * resting exits were withdrawn by a change made outside the bot, once every cancel is confirmed.
 */
export function restPendingExits(s: LadderState, timeMs: number, out: Out): void {
  if (s.plan.execution !== 'limit' || s.status !== 'open' || s.closing !== null) return;
  const levels = s.levels.slice();
  let uncommitted = uncommittedSteps(s);
  for (let i = 0; i < levels.length; i++) {
    const st = levels[i]!;
    if (st.status !== 'pending') continue;
    const qty = sendSteps(s, levels, i, uncommitted);
    if (qty === 0) continue;
    uncommitted -= qty;
    const pl = s.plan.levels[i]!;
    levels[i] = levelState('sent', st.filledSteps, asSteps(qty), false);
    const id = exitClientId(s.id, pl.reason);
    out.commands.push(exitCommand(s, pl, asSteps(qty), pl.targetPrice, id));
    out.events.push(requested(s, pl, asSteps(qty), timeMs, id));
  }
  s.levels = levels;
  settle(s);
}

/** Where a segment starting at `from` that reached level i reached it: at `from` when already past it. */
export function reachPrice(s: Position, i: number, from: number): number {
  const target = s.plan.levels[i]!.targetPrice;
  return targetReached(s.side === 'long', from, target) ? from : target;
}

// Plain functions, not closures: the backtest calls them on every crossing.
/** Touch counts: a long stop is hit at or below it, a short stop at or above. */
const stopTouched = (long: boolean, x: number, stop: number): boolean => (long ? x <= stop : x >= stop);
/** Touch counts: a long target is reached at or above it, a short target at or below. */
const targetReached = (long: boolean, x: number, target: number): boolean => (long ? x >= target : x <= target);

function reachStop(s: LadderState, price: number, timeMs: number, out: Out | null): void {
  const clientOrderId = stopClientId(s.id, s.stopSeq);
  s.closing = { reason: 'stop', clientOrderId };
  if (out !== null) {
    out.commands.push({ kind: 'closeRemainder', reason: 'stop', qtySteps: s.remainingSteps, clientOrderId, triggerPrice: price });
    out.events.push({ type: 'stop.reached', positionId: s.id, symbol: s.symbol, timeMs, price });
  }
  settle(s);
}

/**
 * Close the remainder with a market order: an opposite signal, the end of data, or (`stop`) what an
 * exchange stop left when it filled only in part. Resting exits are cancelled first. The caller checked
 * that the position is open with no close requested; the close's client id is in `s.closing`.
 */
export function requestCloseOf(s: LadderState, reason: 'signal' | 'end' | 'stop', price: number, timeMs: number, out: Out | null): void {
  const clientOrderId = closeClientId(s.id, s.closeSeq);
  if (out !== null) {
    const resting = restingExitIds(s);
    if (resting.length) out.commands.push({ kind: 'cancelOrders', clientOrderIds: resting });
    out.commands.push({ kind: 'closeRemainder', reason, qtySteps: s.remainingSteps, clientOrderId, triggerPrice: price });
    out.events.push({ type: 'order.requested', positionId: s.id, symbol: s.symbol, timeMs, clientOrderId, reason, qtySteps: s.remainingSteps, orderType: 'market' });
  }
  s.closing = { reason, clientOrderId };
  settle(s);
}

/**
 * Books a fill (R3.5) on the order `target` names (a level index, or the stop / the close by its
 * reason): by what actually filled, partial fills included, recorded by `ledger`. After a level
 * completes, the stop climbs the ladder (R1.5), only ever in the position's favour; a fill that closes
 * the position moves nothing and cancels what still rests. Returns the fill's PnL. The caller checked
 * the fill (applyFill's checks: a known order, a new trade id, a quantity that fits, a level that can
 * take it). With an `out`, the ledger must be `POSITION_LEDGER` (the events read the position's exits).
 */
export function bookFill(
  s: LadderState,
  target: number | 'stop' | 'signal' | 'end',
  clientOrderId: string,
  tradeId: string,
  orderId: string | null,
  timeMs: number,
  qtySteps: Steps,
  price: number,
  fee: number,
  out: Out | null,
  ledger: Ledger = POSITION_LEDGER,
): number {
  if (out !== null && ledger !== POSITION_LEDGER) throw new Error(`${s.id}: a fill with an out is recorded on the position (POSITION_LEDGER)`);
  let completedLevel: PlannedLevel | null = null;
  let firstFillOfLevel = false;
  let reason: ExitReason;
  let level: number | null = null;
  if (typeof target === 'number') {
    const st = s.levels[target]!;
    const pl = s.plan.levels[target]!;
    const filled = st.filledSteps + qtySteps;
    const next = must(nextLevelStatus(st.status, filled === st.orderSteps ? 'fill' : 'partialFill'));
    s.levels = replaceAt(s.levels, target, levelState(next, asSteps(filled), st.orderSteps, true));
    if (next === 'filled' && st.status !== 'filled') completedLevel = pl;
    firstFillOfLevel = st.filledSteps === 0;
    reason = pl.reason;
    // A single take-profit is not ladder level 1 (SPEC "Result JSON"): its exits carry no level.
    level = levelOf(pl);
  } else {
    reason = target;
  }
  return bookExit(s, reason, level, completedLevel, firstFillOfLevel, clientOrderId, tradeId, orderId, timeMs, qtySteps, price, fee, out, ledger);
}

/**
 * The booking of a fill once its order's level state has moved (`bookFill`, `fillLevelAtOnce`): the
 * fill's PnL with its share of the entry fee, the remainder, the ledger's record, then the close or
 * the stop's climb after `completedLevel` (R1.5), and the trigger prices. Returns the fill's PnL.
 */
function bookExit(
  s: LadderState,
  reason: ExitReason,
  level: number | null,
  completedLevel: PlannedLevel | null,
  firstFillOfLevel: boolean,
  clientOrderId: string,
  tradeId: string,
  orderId: string | null,
  timeMs: number,
  qtySteps: Steps,
  price: number,
  fee: number,
  out: Out | null,
  ledger: Ledger,
): number {
  const stopSeq = s.stopSeq;
  const remaining = asSteps(s.remainingSteps - qtySteps);
  const closed = remaining === 0;
  const qty = qtyOf(qtySteps, s.plan);
  const gross = (price - s.entryPrice) * qty * sideSign(s.side);
  const entryShare = closed ? s.entryFee - s.entryFeeBooked : (s.entryFee * qtySteps) / s.originalSteps;
  const pnl = gross - fee - entryShare;
  s.remainingSteps = remaining;
  s.entryFeeBooked = s.entryFeeBooked + entryShare;
  ledger.fill(s, reason, level, timeMs, price, qtySteps, fee, pnl, clientOrderId, orderId, tradeId, firstFillOfLevel);
  const applied: DomainEvent | null =
    out === null
      ? null
      : { type: 'fill.applied', positionId: s.id, symbol: s.symbol, timeMs, clientOrderId, orderId, reason, level, price, qtySteps, fee, pnl, remainingSteps: remaining };
  if (closed) {
    s.status = 'closed';
    s.closing = null;
    if (out !== null) {
      const resting = restingExitIds(s);
      const leftovers = reason === 'stop' ? resting : prepended(stopClientId(s.id, stopSeq), resting);
      if (leftovers.length) out.commands.push({ kind: 'cancelOrders', clientOrderIds: leftovers });
      out.events.push(applied!, { type: 'position.closed', positionId: s.id, symbol: s.symbol, timeMs, reason, pnl: totalPnl(s), avgExitPrice: averageExitPrice(s) });
    }
  } else {
    const moved = completedLevel !== null && raiseStop(s, completedLevel, timeMs, ledger);
    if (out !== null) {
      // The move just recorded on the position (an out means POSITION_LEDGER).
      const move = moved ? s.stopMoves[s.stopMoves.length - 1]! : null;
      if (move !== null) out.commands.push(moveStopCommand(s, move));
      out.events.push(applied!);
      if (move !== null) out.events.push(stopMovedEvent(s, move));
    }
  }
  settle(s);
  return pnl;
}

/**
 * Move the stop of a position being built to where the completed level says, if that is in its favour
 * (R1.5): the stop (stopTicks, stopSeq) moves and `ledger` records the move. False when it stays.
 */
function raiseStop(s: LadderState, pl: PlannedLevel, timeMs: number, ledger: Ledger): boolean {
  const to = pl.stopAfter;
  if (to === null || !isFavourable(to.ticks, s.stopTicks, s.side)) return false;
  const fromTicks = s.stopTicks;
  const fromPrice = stopPriceOf(s);
  s.stopTicks = to.ticks;
  s.stopSeq = s.stopSeq + 1;
  ledger.stopMove(s, timeMs, fromTicks, to.ticks, fromPrice, to.price, to.rule, pl.level);
  return true;
}

/**
 * `raiseStop` recorded on the position itself: the move made, for the `moveStop` command and the
 * `stop.moved` event (moveStopCommand, stopMovedEvent); null when the stop stays.
 */
export function climbStop(s: LadderState, pl: PlannedLevel, timeMs: number): StopMove | null {
  return raiseStop(s, pl, timeMs, POSITION_LEDGER) ? s.stopMoves[s.stopMoves.length - 1]! : null;
}

/** The command of a stop move `climbStop` just made on `p`: place the new stop, replacing the previous one. */
export function moveStopCommand(p: Position, m: StopMove): Command {
  return {
    kind: 'moveStop',
    clientOrderId: stopClientId(p.id, p.stopSeq),
    replacesClientOrderId: stopClientId(p.id, p.stopSeq - 1),
    fromTicks: m.fromTicks,
    toTicks: m.toTicks,
    stopPrice: m.toPrice,
    rule: m.rule,
  };
}

export const stopMovedEvent = (p: Position, m: StopMove): DomainEvent => ({
  type: 'stop.moved',
  positionId: p.id,
  symbol: p.symbol,
  timeMs: m.timeMs,
  fromPrice: m.fromPrice,
  toPrice: m.toPrice,
  rule: m.rule,
  level: m.level,
});

/**
 * Quantity to send for level i now. The plan's quantity, capped by what no in-flight order claims yet;
 * the last level still to come, or a level whose leftover would be below a later level's minimum,
 * takes everything (R3.2: never leave dust). Equal to the plan when earlier levels filled as planned.
 */
function sendSteps(p: Position, levels: readonly LevelState[], i: number, uncommitted: number): number {
  const pl = p.plan.levels[i]!;
  let laterMin = 0;
  let laterExists = false;
  for (let j = i + 1; j < levels.length; j++) {
    if (levels[j]!.status !== 'pending') continue;
    laterExists = true;
    laterMin = Math.max(laterMin, p.plan.levels[j]!.minSteps);
  }
  const qty = Math.min(pl.qtySteps, uncommitted);
  if (!laterExists || pl.closesRemainder) return uncommitted;
  const left = uncommitted - qty;
  return left > 0 && left < laterMin ? uncommitted : qty;
}

/** Remaining steps not yet claimed by an exit order in flight or resting. */
function uncommittedSteps(p: Position): number {
  let inFlight = 0;
  for (const st of p.levels) if (st.status === 'sent' || st.status === 'withdrawn') inFlight += st.orderSteps - st.filledSteps;
  return Math.max(0, p.remainingSteps - inFlight);
}

/** A planned level's ladder level: null for the single take-profit, which is not ladder level 1 (SPEC "Result JSON"). */
export const levelOf = (pl: PlannedLevel): number | null => (pl.reason === 'tp' ? null : pl.level);

/** `clientOrderId`: exitClientId(p.id, pl.reason), made once by the caller for the command and its event. */
export function exitCommand(p: Position, pl: PlannedLevel, qtySteps: Steps, triggerPrice: number, clientOrderId: string): Extract<Command, { kind: 'placeExit' }> {
  return {
    kind: 'placeExit',
    level: levelOf(pl),
    reason: pl.reason,
    orderType: p.plan.execution,
    qtySteps,
    clientOrderId,
    limitTicks: pl.targetTicks,
    limitPrice: pl.targetPrice,
    triggerPrice,
  };
}

export function requested(p: Position, pl: PlannedLevel, qtySteps: Steps, timeMs: number, clientOrderId: string): DomainEvent {
  return {
    type: 'order.requested',
    positionId: p.id,
    symbol: p.symbol,
    timeMs,
    clientOrderId,
    reason: pl.reason,
    qtySteps,
    orderType: p.plan.execution,
  };
}

export function restingExitIds(p: Position): string[] {
  const ids: string[] = [];
  if (p.plan.execution !== 'limit') return ids;
  // A withdrawn exit's cancel may not have landed yet: cancelled again with the rest.
  for (let i = 0; i < p.levels.length; i++) if (p.levels[i]!.status === 'sent' || p.levels[i]!.status === 'withdrawn') ids.push(exitClientId(p.id, p.plan.levels[i]!.reason));
  return ids;
}

/** The volume-weighted price of two fills of one order (a ledger's merge of an exit). */
export const mergedPrice = (price: number, qtySteps: number, addPrice: number, addSteps: number): number => (price * qtySteps + addPrice * addSteps) / (qtySteps + addSteps);

/** Fills of the same order are one exit: summed quantity, fee and PnL, volume-weighted price. */
export function mergeExit(exits: readonly PartialExit[], e: PartialExit): PartialExit[] {
  let i = -1;
  for (let k = 0; k < exits.length && i < 0; k++) if (exits[k]!.clientOrderId === e.clientOrderId) i = k;
  if (i < 0) return appended(exits, e);
  const a = exits[i]!;
  const qty = a.qtySteps + e.qtySteps;
  const merged: PartialExit = {
    ...a,
    price: mergedPrice(a.price, a.qtySteps, e.price, e.qtySteps),
    qtySteps: asSteps(qty),
    fee: a.fee + e.fee,
    pnl: a.pnl + e.pnl,
    orderId: a.orderId ?? e.orderId,
  };
  return replaceAt(exits, i, merged) as PartialExit[];
}

/** A state with every field, in the one order all states have (one hidden class), for openLadder to fill. */
function newState(): LadderState {
  return {
    id: '',
    symbol: '',
    side: 'long',
    entryPrice: 0,
    entryTimeMs: 0,
    entryFee: 0,
    entryFeeBooked: 0,
    originalSteps: asSteps(0),
    remainingSteps: asSteps(0),
    plan: null as unknown as LadderPlan,
    levels: NONE,
    partialExits: NONE,
    tpLevelsHit: NONE,
    stopTicks: 0 as Ticks,
    stopSeq: 0,
    stopMoves: NONE,
    closing: null,
    closeSeq: 0,
    status: 'closed',
    appliedTradeIds: NONE,
    nextTargetPrice: 0,
    stopPrice: 0,
  };
}

/**
 * A field-by-field copy to change before handing it out. Not `{ ...p, x }`: V8 clones a spread and
 * then stores the overrides one by one, which was half of applyFill's time on the backtest's path;
 * one literal in one field order keeps every position on one hidden class.
 */
export function clonePosition(p: Position): LadderState {
  const c: LadderState = {
    id: p.id,
    symbol: p.symbol,
    side: p.side,
    entryPrice: p.entryPrice,
    entryTimeMs: p.entryTimeMs,
    entryFee: p.entryFee,
    entryFeeBooked: p.entryFeeBooked,
    originalSteps: p.originalSteps,
    remainingSteps: p.remainingSteps,
    plan: p.plan,
    levels: p.levels,
    partialExits: p.partialExits,
    tpLevelsHit: p.tpLevelsHit,
    stopTicks: p.stopTicks,
    stopSeq: p.stopSeq,
    stopMoves: p.stopMoves,
    closing: p.closing,
    closeSeq: p.closeSeq,
    status: p.status,
    appliedTradeIds: p.appliedTradeIds,
    nextTargetPrice: p.nextTargetPrice,
    stopPrice: p.stopPrice,
  };
  // Only a live position learns its funding (fundingBooked): the backtest's keep one hidden class.
  if (p.funding !== undefined) c.funding = p.funding;
  if (p.fundingThroughMs !== undefined) c.fundingThroughMs = p.fundingThroughMs;
  return c;
}

/** A level state as one literal (one hidden class; a spread copy and overrides cost more). */
export function levelState(status: LevelState['status'], filledSteps: Steps, orderSteps: Steps, reached: boolean): LevelState {
  return { status, filledSteps, orderSteps, reached };
}

/**
 * Sets the hot-loop trigger prices of a state from its other fields (never stored independently of
 * them): every rule ends with it.
 */
export function settle(s: LadderState): LadderState {
  const long = s.side === 'long';
  const none = long ? Infinity : -Infinity;
  const active = s.status === 'open' && s.closing === null;
  let nextTargetPrice = none;
  if (active) {
    for (let i = 0; i < s.levels.length; i++) {
      const st = s.levels[i]!;
      const eligible = st.status === 'pending' || (st.status === 'sent' && s.plan.execution === 'limit' && !st.reached);
      if (eligible) {
        nextTargetPrice = s.plan.levels[i]!.targetPrice;
        break;
      }
    }
  }
  s.nextTargetPrice = nextTargetPrice;
  s.stopPrice = active ? stopPriceOf(s) : -none;
  return s;
}

/**
 * The trigger band of a position: the open interval (low, high) of prices at which nothing can happen
 * to it (STYLE §2). Below `triggerLow` or above `triggerHigh` (touch counts: at them too) the stop or the
 * next target, resting limit exits included, can be reached. A price path that stays strictly inside
 * the band changes nothing, so a driver may skip it without calling the core. A position that cannot
 * change on a price (closed, or a close requested) has the band (−∞, +∞). Plain numbers, no allocation.
 */
export const triggerLow = (p: Position): number => (p.side === 'long' ? p.stopPrice : p.nextTargetPrice);
/** The upper end of the trigger band (see `triggerLow`). */
export const triggerHigh = (p: Position): number => (p.side === 'long' ? p.nextTargetPrice : p.stopPrice);

export const stopPriceOf = (p: Position): number =>
  p.stopTicks === p.plan.initialStopTicks ? p.plan.initialStopPrice : scaledIntToNumber(p.stopTicks, p.plan.tickUnit.int, p.plan.tickUnit.scale);

/** Base-asset quantity of `steps` (a double; sizes themselves stay exact in steps). */
export const qtyOf = (steps: number, plan: Pick<LadderPlan, 'stepUnit'>): number => scaledIntToNumber(steps, plan.stepUnit.int, plan.stepUnit.scale);

/** Realised PnL of all exits so far (R4.3). */
export function totalPnl(p: Position): number {
  let s = 0;
  for (const e of p.partialExits) s += e.pnl;
  // SPEC "Fees": with funding modelled, a trade's pnl is its exits' pnl plus its funding.
  return p.funding === undefined ? s : s + p.funding;
}

/** Volume-weighted average exit price (R4.3); NaN before the first exit. */
export function averageExitPrice(p: Position): number {
  let q = 0;
  let v = 0;
  for (const e of p.partialExits) {
    q += e.qtySteps;
    v += e.price * e.qtySteps;
  }
  return q === 0 ? NaN : v / q;
}

/** `[x, ...xs]` at its size. */
function prepended<T>(x: T, xs: readonly T[]): T[] {
  const out = new Array<T>(xs.length + 1);
  out[0] = x;
  for (let i = 0; i < xs.length; i++) out[i + 1] = xs[i]!;
  return out;
}

/**
 * `[...xs, x]` without spare room: a spread or a push leaves capacity for ~16 more elements, and a
 * closed position keeps four such arrays for good (a backtest keeps every closed position).
 */
export function appended<T>(xs: readonly T[], x: T): T[] {
  const out = new Array<T>(xs.length + 1);
  for (let i = 0; i < xs.length; i++) out[i] = xs[i]!;
  out[xs.length] = x;
  return out;
}

export function replaceAt<T>(xs: readonly T[], i: number, x: T): readonly T[] {
  const out = xs.slice();
  out[i] = x;
  return out;
}

export function must<T>(r: Result<T, string>): T {
  if (!r.ok) throw new Error(r.error);
  return r.value;
}
