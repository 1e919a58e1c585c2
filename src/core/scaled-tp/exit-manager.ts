import { scaledIntToNumber } from '../decimal.ts';
import type { ApplyError, Command, DomainEvent, FillInput, OrderEndInput, StepResult } from '../model/commands.ts';
import type { LadderPlan, PlannedLevel } from '../model/plan.ts';
import {
  type ExitReason,
  type ExternalReason,
  type LevelState,
  type PartialExit,
  type Position,
  type StopMove,
  closeClientId,
  exitClientId,
  isStopClientId,
  stopClientId,
} from '../model/position.ts';
import { type Result, err, ok } from '../result.ts';
import { type Steps, asSteps, sideSign } from '../units.ts';
import { type LevelInput, nextLevelStatus } from './level-status.ts';
import { isFavourable } from './price-math.ts';

const NONE: readonly never[] = Object.freeze([]);
// Shared by every new position: level states are never changed in place (a transition makes a new
// one), and a backtest keeps thousands of closed trades whose unreached levels are all alike.
const PENDING = levelState('pending', asSteps(0), asSteps(0), false);
const SKIPPED = levelState('skipped', asSteps(0), asSteps(0), false);
const unchanged = (position: Position): StepResult => ({ position, commands: NONE, events: NONE });

export interface OpenInput {
  /** Short and data-derived (client ids `<id>-tp<k>` must fit Binance's 36 characters). */
  readonly id: string;
  readonly symbol: string;
  readonly timeMs: number;
  /** Entry fee in quote currency (taker fee of the entry fill). */
  readonly entryFee: number;
  readonly plan: LadderPlan;
}

/** A new position under its plan: the initial stop, and in limit mode every level's resting order. */
export function openPosition(i: OpenInput): StepResult {
  const { plan } = i;
  const limitMode = plan.execution === 'limit';
  // Loops, not map/forEach with closures: the backtest opens a position on every entry.
  const levels = new Array<LevelState>(plan.levels.length);
  for (let k = 0; k < levels.length; k++) {
    const l = plan.levels[k]!;
    levels[k] = l.skipped !== null ? SKIPPED : limitMode ? levelState('sent', asSteps(0), l.qtySteps, false) : PENDING;
  }
  const base: Position = {
    id: i.id,
    symbol: i.symbol,
    side: plan.side,
    entryPrice: plan.entryPrice,
    entryTimeMs: i.timeMs,
    entryFee: i.entryFee,
    entryFeeBooked: 0,
    originalSteps: plan.originalSteps,
    remainingSteps: plan.originalSteps,
    plan,
    levels,
    partialExits: NONE,
    tpLevelsHit: NONE,
    stopTicks: plan.initialStopTicks,
    stopSeq: 0,
    stopMoves: NONE,
    closing: null,
    closeSeq: 0,
    status: 'open',
    appliedTradeIds: NONE,
    nextTargetPrice: 0,
    stopPrice: 0,
  };
  const position = settle(base);
  const commands: Command[] = [
    { kind: 'placeStop', clientOrderId: stopClientId(i.id, 0), stopTicks: plan.initialStopTicks, stopPrice: plan.initialStopPrice },
  ];
  const events: DomainEvent[] = [{ type: 'plan.made', positionId: i.id, symbol: i.symbol, timeMs: i.timeMs, plan }];
  if (limitMode) {
    for (const l of plan.levels) {
      if (l.skipped !== null) continue;
      const id = exitClientId(i.id, l.reason);
      commands.push(exitCommand(position, l, l.qtySteps, l.targetPrice, id));
      events.push(requested(position, l, l.qtySteps, i.timeMs, id));
    }
  }
  return { position, commands, events };
}

/** Point price update (live ticks): a segment of length zero. */
export const onPrice = (p: Position, price: number, timeMs: number): StepResult => onSegment(p, price, price, timeMs);

/**
 * The price moved in a straight line from `from` to `to` (R1.1–R1.3, R6.1, SPEC "Exit semantics").
 * Touch counts. A level or stop already passed at `from` (a gap) is reached at `from`; one crossed inside
 * the segment at its own price. Every level reached is reported lowest first. When a level is reached,
 * the stop is not checked in this call: the driver applies the fills (the stop may move) and calls again
 * for the rest of the segment, from the fill point.
 */
export function onSegment(p: Position, from: number, to: number, timeMs: number): StepResult {
  if (p.status !== 'open' || p.closing !== null) return unchanged(p);
  const long = p.side === 'long';
  if (stopTouched(long, from, p.stopPrice)) return reachStop(p, from, timeMs);
  const best = long ? Math.max(from, to) : Math.min(from, to);
  if (!targetReached(long, best, p.nextTargetPrice)) return stopTouched(long, to, p.stopPrice) ? reachStop(p, p.stopPrice, timeMs) : unchanged(p);

  const levels = p.levels.slice();
  // Made on first use with their first entries (an empty array's first push reserves room for 17).
  let commands: Command[] | null = null;
  let events: DomainEvent[] | null = null;
  let uncommitted = uncommittedSteps(p);
  for (let i = 0; i < levels.length; i++) {
    const st = levels[i]!;
    const pl = p.plan.levels[i]!;
    const resting = st.status === 'sent' && p.plan.execution === 'limit' && !st.reached;
    if (st.status !== 'pending' && !resting) continue;
    if (!targetReached(long, best, pl.targetPrice)) break; // targets ascend: later ones are farther
    const price = targetReached(long, from, pl.targetPrice) ? from : pl.targetPrice;
    const hit: DomainEvent = { type: 'tp.hit', positionId: p.id, symbol: p.symbol, timeMs, level: pl.level, reason: pl.reason, price, profitPct: pl.profitPct };
    if (resting) {
      levels[i] = levelState(st.status, st.filledSteps, st.orderSteps, true);
      events = added(events, hit);
      continue;
    }
    const qty = sendSteps(p, levels, i, uncommitted);
    if (qty === 0) {
      events = added(events, hit);
      continue;
    }
    uncommitted -= qty;
    levels[i] = levelState(must(nextLevelStatus(st.status, 'send')), st.filledSteps, asSteps(qty), true);
    const id = exitClientId(p.id, pl.reason);
    commands = added(commands, exitCommand(p, pl, asSteps(qty), price, id));
    events = added2(events, hit, requested(p, pl, asSteps(qty), timeMs, id));
  }
  const next = clonePosition(p);
  next.levels = levels;
  return { position: settle(next), commands: commands ?? NONE, events: events ?? NONE };
}

// Plain functions, not closures: the backtest calls onSegment on every crossing.
/** Touch counts: a long stop is hit at or below it, a short stop at or above. */
const stopTouched = (long: boolean, x: number, stop: number): boolean => (long ? x <= stop : x >= stop);
/** Touch counts: a long target is reached at or above it, a short target at or below. */
const targetReached = (long: boolean, x: number, target: number): boolean => (long ? x >= target : x <= target);

/**
 * Close the remainder with a market order: an opposite signal, the end of data, or (`stop`) what an
 * exchange stop left when it filled only in part. Resting exits are cancelled first.
 */
export function requestClose(p: Position, reason: 'signal' | 'end' | 'stop', price: number, timeMs: number): StepResult {
  if (p.status !== 'open' || p.closing !== null) return unchanged(p);
  const clientOrderId = closeClientId(p.id, p.closeSeq);
  const resting = restingExitIds(p);
  const commands: Command[] = resting.length ? [{ kind: 'cancelOrders', clientOrderIds: resting }] : [];
  commands.push({ kind: 'closeRemainder', reason, qtySteps: p.remainingSteps, clientOrderId, triggerPrice: price });
  const events: DomainEvent[] = [
    { type: 'order.requested', positionId: p.id, symbol: p.symbol, timeMs, clientOrderId, reason, qtySteps: p.remainingSteps, orderType: 'market' },
  ];
  return { position: settle(withClosing(p, { reason, clientOrderId })), commands, events };
}

/**
 * Book a fill read back from the exchange (R3.5): by what actually filled, partial fills included.
 * The same trade applied twice changes nothing. After a level completes, the stop climbs the ladder
 * (R1.5), only ever in the position's favour; a fill that closes the position moves nothing and
 * cancels what still rests.
 */
export function applyFill(p: Position, f: FillInput): Result<StepResult, ApplyError> {
  if (p.appliedTradeIds.includes(f.tradeId)) return ok(unchanged(p));
  const target = classify(p, f.clientOrderId);
  if (target === null) return err({ code: 'unknown_order', message: `${f.clientOrderId} is not an order of position ${p.id}` });
  if (f.qtySteps <= 0) return err({ code: 'overfill', message: `fill ${f.tradeId} has no quantity` });
  if (f.qtySteps > p.remainingSteps) {
    return err({ code: 'overfill', message: `fill ${f.tradeId} of ${f.qtySteps} steps exceeds the remaining ${p.remainingSteps}` });
  }
  let levels = p.levels;
  let completedLevel: PlannedLevel | null = null;
  let firstFillOfLevel = false;
  let reason: ExitReason;
  let level: number | null = null;
  if (typeof target === 'number') {
    const st = p.levels[target]!;
    const pl = p.plan.levels[target]!;
    const canFill = nextLevelStatus(st.status, 'fill');
    if (!canFill.ok) return err({ code: 'invalid_transition', message: `${f.clientOrderId}: ${canFill.error}` });
    const filled = st.filledSteps + f.qtySteps;
    if (filled > st.orderSteps) {
      return err({ code: 'overfill', message: `${f.clientOrderId}: ${filled} steps filled on an order of ${st.orderSteps}` });
    }
    const input: LevelInput = filled === st.orderSteps ? 'fill' : 'partialFill';
    const next = input === 'fill' ? canFill : nextLevelStatus(st.status, input);
    if (!next.ok) return err({ code: 'invalid_transition', message: `${f.clientOrderId}: ${next.error}` });
    levels = replaceAt(p.levels, target, levelState(next.value, asSteps(filled), st.orderSteps, true));
    if (next.value === 'filled' && st.status !== 'filled') completedLevel = pl;
    firstFillOfLevel = st.filledSteps === 0;
    reason = pl.reason;
    // A single take-profit is not ladder level 1 (SPEC "Result JSON"): its exits carry no level.
    level = pl.reason === 'tp' ? null : pl.level;
  } else {
    reason = target;
  }

  const remaining = asSteps(p.remainingSteps - f.qtySteps);
  const closed = remaining === 0;
  const qty = qtyOf(f.qtySteps, p.plan);
  const gross = (f.price - p.entryPrice) * qty * sideSign(p.side);
  const entryShare = closed ? p.entryFee - p.entryFeeBooked : (p.entryFee * f.qtySteps) / p.originalSteps;
  const pnl = gross - f.fee - entryShare;
  const partialExits = mergeExit(p.partialExits, {
    reason,
    level,
    timeMs: f.timeMs,
    price: f.price,
    qtySteps: f.qtySteps,
    fee: f.fee,
    pnl,
    clientOrderId: f.clientOrderId,
    orderId: f.orderId,
  });
  const next = clonePosition(p);
  next.levels = levels;
  next.remainingSteps = remaining;
  next.partialExits = partialExits;
  next.entryFeeBooked = p.entryFeeBooked + entryShare;
  if (level !== null && firstFillOfLevel && !p.tpLevelsHit.includes(level)) next.tpLevelsHit = appended(p.tpLevelsHit, level);
  next.appliedTradeIds = appended(p.appliedTradeIds, f.tradeId);
  const applied: DomainEvent = {
    type: 'fill.applied',
    positionId: p.id,
    symbol: p.symbol,
    timeMs: f.timeMs,
    clientOrderId: f.clientOrderId,
    orderId: f.orderId,
    reason,
    level,
    price: f.price,
    qtySteps: f.qtySteps,
    fee: f.fee,
    pnl,
    remainingSteps: remaining,
  };
  // The outputs as arrays of their final size (at most one command and two events).
  let commands: readonly Command[] = NONE;
  let events: readonly DomainEvent[];
  if (closed) {
    next.status = 'closed';
    next.closing = null;
    const resting = restingExitIds(next);
    const leftovers = reason === 'stop' ? resting : prepended(stopClientId(p.id, p.stopSeq), resting);
    if (leftovers.length) commands = [{ kind: 'cancelOrders', clientOrderIds: leftovers }];
    events = [applied, { type: 'position.closed', positionId: p.id, symbol: p.symbol, timeMs: f.timeMs, reason, pnl: totalPnl(next), avgExitPrice: averageExitPrice(next) }];
  } else {
    const move = completedLevel === null ? null : climbStop(next, completedLevel, f.timeMs);
    if (move !== null) commands = [moveStopCommand(next, move)];
    events = move === null ? [applied] : [applied, stopMovedEvent(next, move)];
  }
  return ok({ position: settle(next), commands, events });
}

/** The position shrank on the exchange outside the bot (R6.6): by hand, auto-deleverage, liquidation. */
export interface ExternalExitInput {
  readonly reason: ExternalReason;
  /** Unique per change (the exchange's trade id, or one derived from the exchange's state). */
  readonly tradeId: string;
  readonly orderId: string | null;
  /** The foreign order's client id when the exchange gave one, else ''. */
  readonly clientOrderId: string;
  readonly timeMs: number;
  readonly qtySteps: Steps;
  readonly price: number;
  /** Fee in quote currency (0 when the exchange did not show the trade). */
  readonly fee: number;
}

/**
 * Takes a change made outside the bot as the exchange says (R6.6): the quantity leaves the position
 * as an exit of its own reason (size conservation holds), the ladder goes on with what is left:
 * resting limit exits are cancelled and their levels go back to pending (they claimed quantity that
 * is gone), pending levels take at most what remains when they fire. A change that leaves nothing
 * ends the position and cancels everything still resting, the stop included.
 */
export function applyExternalExit(p: Position, e: ExternalExitInput): Result<StepResult, ApplyError> {
  if (p.appliedTradeIds.includes(e.tradeId)) return ok(unchanged(p));
  if (p.status !== 'open') return err({ code: 'invalid_transition', message: `${p.id} is closed` });
  if (e.qtySteps <= 0 || e.qtySteps > p.remainingSteps) {
    return err({ code: 'overfill', message: `an outside change of ${e.qtySteps} steps does not fit the remaining ${p.remainingSteps}` });
  }
  const remaining = asSteps(p.remainingSteps - e.qtySteps);
  const closed = remaining === 0;
  const gross = (e.price - p.entryPrice) * qtyOf(e.qtySteps, p.plan) * sideSign(p.side);
  const entryShare = closed ? p.entryFee - p.entryFeeBooked : (p.entryFee * e.qtySteps) / p.originalSteps;
  const pnl = gross - e.fee - entryShare;
  const clientOrderId = e.clientOrderId || `${p.id}-${e.reason}`;
  const next = clonePosition(p);
  next.remainingSteps = remaining;
  next.entryFeeBooked = p.entryFeeBooked + entryShare;
  next.partialExits = mergeExit(p.partialExits, { reason: e.reason, level: null, timeMs: e.timeMs, price: e.price, qtySteps: e.qtySteps, fee: e.fee, pnl, clientOrderId, orderId: e.orderId });
  next.appliedTradeIds = appended(p.appliedTradeIds, e.tradeId);
  const commands: Command[] = [];
  const events: DomainEvent[] = [
    {
      type: 'fill.applied',
      positionId: p.id,
      symbol: p.symbol,
      timeMs: e.timeMs,
      clientOrderId,
      orderId: e.orderId,
      reason: e.reason,
      level: null,
      price: e.price,
      qtySteps: e.qtySteps,
      fee: e.fee,
      pnl,
      remainingSteps: remaining,
    },
  ];
  const resting = restingExitIds(p);
  if (closed) {
    next.status = 'closed';
    const leftovers = [stopClientId(p.id, p.stopSeq), ...resting];
    if (p.closing !== null && !isStopClientId(p.closing.clientOrderId)) leftovers.push(p.closing.clientOrderId);
    next.closing = null;
    commands.push({ kind: 'cancelOrders', clientOrderIds: leftovers });
    events.push({ type: 'position.closed', positionId: p.id, symbol: p.symbol, timeMs: e.timeMs, reason: e.reason, pnl: totalPnl(next), avgExitPrice: averageExitPrice(next) });
  } else if (resting.length) {
    // Resting limit exits: cancelled, their levels pending again (filled parts stay booked as done).
    next.levels = p.levels.map((st) =>
      st.status === 'sent' && p.plan.execution === 'limit' ? (st.filledSteps > 0 ? levelState('filled', st.filledSteps, st.orderSteps, true) : PENDING) : st,
    );
    commands.push({ kind: 'cancelOrders', clientOrderIds: resting });
  }
  return ok({ position: settle(next), commands, events });
}

/**
 * The protective stop order is gone for good while the position stays open (it fired and filled only
 * in part, so its client id is spent): a new stop at the same price under the next sequence number,
 * so that the position is never left without one (invariant 9).
 */
export function replaceStop(p: Position): StepResult {
  if (p.status !== 'open') return unchanged(p);
  const next = clonePosition(p);
  next.stopSeq = p.stopSeq + 1;
  const commands: Command[] = [{ kind: 'placeStop', clientOrderId: stopClientId(p.id, next.stopSeq), stopTicks: p.stopTicks, stopPrice: stopPriceOf(p) }];
  return { position: settle(next), commands, events: NONE };
}

/**
 * An order ended without filling fully. A level that never filled returns to pending when rejected or
 * expired (it never executed, it may be sent again) and stays canceled when canceled; a level that
 * filled in part is done by what filled (F15) and the stop climbs as for a fill.
 */
export function applyOrderEnd(p: Position, e: OrderEndInput): Result<StepResult, ApplyError> {
  const target = classify(p, e.clientOrderId);
  if (target === null) return err({ code: 'unknown_order', message: `${e.clientOrderId} is not an order of position ${p.id}` });
  if (typeof target !== 'number') {
    // A close that did not fill (or only in part) may be requested again, under the next close id; a
    // stop order's end is the driver's alarm.
    if (p.closing?.clientOrderId === e.clientOrderId && p.status === 'open') {
      const next = withClosing(p, null);
      if (e.clientOrderId === closeClientId(p.id, p.closeSeq)) next.closeSeq = p.closeSeq + 1;
      return ok(unchanged(settle(next)));
    }
    return ok(unchanged(p));
  }
  const st = p.levels[target]!;
  if (st.status === 'filled' || st.status === 'skipped') return ok(unchanged(p));
  const input: LevelInput = st.filledSteps > 0 ? 'endPartial' : e.status === 'canceled' ? 'cancel' : 'reject';
  const to = nextLevelStatus(st.status, input);
  if (!to.ok) return err({ code: 'invalid_transition', message: `${e.clientOrderId}: ${to.error}` });
  const back = to.value === 'pending';
  const next = clonePosition(p);
  next.levels = replaceAt(p.levels, target, levelState(to.value, st.filledSteps, back ? asSteps(0) : st.orderSteps, back ? false : st.reached));
  const move = to.value === 'filled' && p.status === 'open' ? climbStop(next, p.plan.levels[target]!, e.timeMs) : null;
  const commands: Command[] = move === null ? [] : [moveStopCommand(next, move)];
  const events: DomainEvent[] = move === null ? [] : [stopMovedEvent(next, move)];
  return ok({ position: settle(next), commands, events });
}

/**
 * Move the stop of a position being built to where the completed level says, if that is in its favour
 * (R1.5): the move is recorded on the position (stopMoves, stopTicks, stopSeq) and returned, for the
 * `moveStop` command and the `stop.moved` event (moveStopCommand, stopMovedEvent); null when it stays.
 */
function climbStop(p: Mutable<Position>, pl: PlannedLevel, timeMs: number): StopMove | null {
  const to = pl.stopAfter;
  if (to === null || !isFavourable(to.ticks, p.stopTicks, p.side)) return null;
  const move: StopMove = { timeMs, fromTicks: p.stopTicks, toTicks: to.ticks, fromPrice: stopPriceOf(p), toPrice: to.price, rule: to.rule, level: pl.level };
  p.stopMoves = appended(p.stopMoves, move);
  p.stopTicks = to.ticks;
  p.stopSeq = p.stopSeq + 1;
  return move;
}

/** The command of a stop move `climbStop` just made on `p`: place the new stop, replacing the previous one. */
function moveStopCommand(p: Position, m: StopMove): Command {
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

const stopMovedEvent = (p: Position, m: StopMove): DomainEvent => ({
  type: 'stop.moved',
  positionId: p.id,
  symbol: p.symbol,
  timeMs: m.timeMs,
  fromPrice: m.fromPrice,
  toPrice: m.toPrice,
  rule: m.rule,
  level: m.level,
});

function reachStop(p: Position, price: number, timeMs: number): StepResult {
  const clientOrderId = stopClientId(p.id, p.stopSeq);
  return {
    position: settle(withClosing(p, { reason: 'stop', clientOrderId })),
    commands: [{ kind: 'closeRemainder', reason: 'stop', qtySteps: p.remainingSteps, clientOrderId, triggerPrice: price }],
    events: [{ type: 'stop.reached', positionId: p.id, symbol: p.symbol, timeMs, price }],
  };
}

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
  for (const st of p.levels) if (st.status === 'sent') inFlight += st.orderSteps - st.filledSteps;
  return Math.max(0, p.remainingSteps - inFlight);
}

// Sticky: matched from lastIndex (just after `<id>-`) to the end, so the suffix is never cut out.
const STOP_SUFFIX = /sl\d+$/y;
const CLOSE_SUFFIX = /close\d*$/y;

/** Which order of this position a client id names: a level index, or the stop / the close. */
function classify(p: Position, clientOrderId: string): number | 'stop' | 'signal' | 'end' | null {
  const n = p.id.length;
  if (clientOrderId.charCodeAt(n) !== 45 /* - */ || !clientOrderId.startsWith(p.id)) return null;
  const suffixLength = clientOrderId.length - n - 1;
  for (let i = 0; i < p.plan.levels.length; i++) {
    const reason = p.plan.levels[i]!.reason;
    if (reason.length === suffixLength && clientOrderId.endsWith(reason)) return i;
  }
  STOP_SUFFIX.lastIndex = n + 1;
  if (STOP_SUFFIX.test(clientOrderId)) return 'stop';
  // A market close sent because an exchange stop did not fire is still the stop's exit.
  CLOSE_SUFFIX.lastIndex = n + 1;
  if (CLOSE_SUFFIX.test(clientOrderId)) return p.closing?.reason ?? 'signal';
  return null;
}

/** `clientOrderId`: exitClientId(p.id, pl.reason), made once by the caller for the command and its event. */
function exitCommand(p: Position, pl: PlannedLevel, qtySteps: Steps, triggerPrice: number, clientOrderId: string): Command {
  return {
    kind: 'placeExit',
    level: pl.level,
    reason: pl.reason,
    orderType: p.plan.execution,
    qtySteps,
    clientOrderId,
    limitTicks: pl.targetTicks,
    limitPrice: pl.targetPrice,
    triggerPrice,
  };
}

function requested(p: Position, pl: PlannedLevel, qtySteps: Steps, timeMs: number, clientOrderId: string): DomainEvent {
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

function restingExitIds(p: Position): string[] {
  const ids: string[] = [];
  if (p.plan.execution !== 'limit') return ids;
  for (let i = 0; i < p.levels.length; i++) if (p.levels[i]!.status === 'sent') ids.push(exitClientId(p.id, p.plan.levels[i]!.reason));
  return ids;
}

/** Fills of the same order are one exit: summed quantity, fee and PnL, volume-weighted price. */
function mergeExit(exits: readonly PartialExit[], e: PartialExit): PartialExit[] {
  let i = -1;
  for (let k = 0; k < exits.length && i < 0; k++) if (exits[k]!.clientOrderId === e.clientOrderId) i = k;
  if (i < 0) return appended(exits, e);
  const a = exits[i]!;
  const qty = a.qtySteps + e.qtySteps;
  const merged: PartialExit = {
    ...a,
    price: (a.price * a.qtySteps + e.price * e.qtySteps) / qty,
    qtySteps: asSteps(qty),
    fee: a.fee + e.fee,
    pnl: a.pnl + e.pnl,
    orderId: a.orderId ?? e.orderId,
  };
  return replaceAt(exits, i, merged) as PartialExit[];
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * A field-by-field copy to change before handing it out. Not `{ ...p, x }`: V8 clones a spread and
 * then stores the overrides one by one, which was half of applyFill's time on the backtest's path;
 * one literal in one field order keeps every position on one hidden class.
 */
function clonePosition(p: Position): Mutable<Position> {
  return {
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
}

/** A level state as one literal (one hidden class; a spread copy and overrides cost more). */
function levelState(status: LevelState['status'], filledSteps: Steps, orderSteps: Steps, reached: boolean): LevelState {
  return { status, filledSteps, orderSteps, reached };
}

function withClosing(p: Position, closing: Position['closing']): Mutable<Position> {
  const next = clonePosition(p);
  next.closing = closing;
  return next;
}

/**
 * Sets the hot-loop trigger prices of a position this module has just built (never one already
 * handed out: positions are immutable once returned). They are derived from the state, never stored
 * independently of it. Done in place so that a transition copies the position once.
 */
function settle(p: Position): Position {
  const long = p.side === 'long';
  const none = long ? Infinity : -Infinity;
  const active = p.status === 'open' && p.closing === null;
  let nextTargetPrice = none;
  if (active) {
    for (let i = 0; i < p.levels.length; i++) {
      const st = p.levels[i]!;
      const eligible = st.status === 'pending' || (st.status === 'sent' && p.plan.execution === 'limit' && !st.reached);
      if (eligible) {
        nextTargetPrice = p.plan.levels[i]!.targetPrice;
        break;
      }
    }
  }
  const m = p as Mutable<Position>;
  m.nextTargetPrice = nextTargetPrice;
  m.stopPrice = active ? stopPriceOf(p) : -none;
  return p;
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

const stopPriceOf = (p: Position): number =>
  p.stopTicks === p.plan.initialStopTicks ? p.plan.initialStopPrice : scaledIntToNumber(p.stopTicks, p.plan.tickUnit.int, p.plan.tickUnit.scale);

/** Base-asset quantity of `steps` (a double; sizes themselves stay exact in steps). */
export const qtyOf = (steps: number, plan: Pick<LadderPlan, 'stepUnit'>): number => scaledIntToNumber(steps, plan.stepUnit.int, plan.stepUnit.scale);

/** Realised PnL of all exits so far (R4.3). */
export function totalPnl(p: Position): number {
  let s = 0;
  for (const e of p.partialExits) s += e.pnl;
  return s;
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

/** Adds to an output array made on first use (`[x]`, not `[]` and a push that reserves room for 17). */
function added<T>(xs: T[] | null, x: T): T[] {
  if (xs === null) return [x];
  xs.push(x);
  return xs;
}

function added2<T>(xs: T[] | null, a: T, b: T): T[] {
  if (xs === null) return [a, b];
  xs.push(a, b);
  return xs;
}

/**
 * `[...xs, x]` without spare room: a spread or a push leaves capacity for ~16 more elements, and a
 * closed position keeps four such arrays for good (a backtest keeps every closed position).
 */
function appended<T>(xs: readonly T[], x: T): T[] {
  const out = new Array<T>(xs.length + 1);
  for (let i = 0; i < xs.length; i++) out[i] = xs[i]!;
  out[xs.length] = x;
  return out;
}

function replaceAt<T>(xs: readonly T[], i: number, x: T): readonly T[] {
  const out = xs.slice();
  out[i] = x;
  return out;
}

function must<T>(r: Result<T, string>): T {
  if (!r.ok) throw new Error(r.error);
  return r.value;
}
