import type { ApplyError, Command, DomainEvent, FillInput, OrderEndInput, StepResult } from '../model/commands.ts';
import { type ExternalReason, type Position, closeClientId, isStopClientId, stopClientId } from '../model/position.ts';
import { type Result, err, ok } from '../result.ts';
import { type Steps, asSteps, sideSign } from '../units.ts';
import {
  type LadderState,
  type OpenInput,
  type Out,
  NONE,
  REACHED_NOTHING,
  appended,
  averageExitPrice,
  bookFill,
  climbStop,
  clonePosition,
  levelState,
  mergeExit,
  moveStopCommand,
  openLadder,
  qtyOf,
  reachSegment,
  replaceAt,
  restPendingExits,
  requestCloseOf,
  restingExitIds,
  settle,
  stopMovedEvent,
  stopPriceOf,
  totalPnl,
} from './ladder-rules.ts';
import { type LevelInput, nextLevelStatus } from './level-status.ts';

/**
 * The immutable API of the ladder, for drivers that keep each value (the live bot, the store, the
 * dashboard, the optimizer's replay): every transition copies the position, runs the one rule of
 * ladder-rules.ts on the copy with an `Out`, and returns the copy with what the rule emitted.
 */
export { averageExitPrice, qtyOf, totalPnl, triggerHigh, triggerLow, type OpenInput } from './ladder-rules.ts';

const unchanged = (position: Position): StepResult => ({ position, commands: NONE, events: NONE });
const newOut = (): Out => ({ commands: [], events: [] });
/** The step's result; empty outputs as the shared empty array (nothing is kept for them). */
const stepOf = (position: Position, out: Out): StepResult => ({
  position,
  commands: out.commands.length ? out.commands : NONE,
  events: out.events.length ? out.events : NONE,
});

/** A new position under its plan: the initial stop, and in limit mode every level's resting order. */
export function openPosition(i: OpenInput): StepResult {
  const out = newOut();
  const position = openLadder(i, out);
  return { position, commands: out.commands, events: out.events };
}

/** Point price update (live ticks): a segment of length zero. */
export const onPrice = (p: Position, price: number, timeMs: number): StepResult => onSegment(p, price, price, timeMs);

/** The price moved in a straight line from `from` to `to`: `reachSegment` on a copy. */
export function onSegment(p: Position, from: number, to: number, timeMs: number): StepResult {
  if (p.status !== 'open' || p.closing !== null) return unchanged(p);
  const s = clonePosition(p);
  const out = newOut();
  return reachSegment(s, from, to, timeMs, out) === REACHED_NOTHING ? unchanged(p) : stepOf(s, out);
}

/**
 * Close the remainder with a market order: an opposite signal, the end of data, or (`stop`) what an
 * exchange stop left when it filled only in part. Resting exits are cancelled first.
 */
export function requestClose(p: Position, reason: 'signal' | 'end' | 'stop', price: number, timeMs: number): StepResult {
  if (p.status !== 'open' || p.closing !== null) return unchanged(p);
  const s = clonePosition(p);
  const out = newOut();
  requestCloseOf(s, reason, price, timeMs, out);
  return stepOf(s, out);
}

/**
 * Book a fill read back from the exchange (R3.5): its checks here, then `bookFill` on a copy. The same
 * trade applied twice changes nothing.
 */
export function applyFill(p: Position, f: FillInput): Result<StepResult, ApplyError> {
  if (p.appliedTradeIds.includes(f.tradeId)) return ok(unchanged(p));
  const target = classify(p, f.clientOrderId);
  if (target === null) return err({ code: 'unknown_order', message: `${f.clientOrderId} is not an order of position ${p.id}` });
  if (f.qtySteps <= 0) return err({ code: 'overfill', message: `fill ${f.tradeId} has no quantity` });
  if (f.qtySteps > p.remainingSteps) {
    return err({ code: 'overfill', message: `fill ${f.tradeId} of ${f.qtySteps} steps exceeds the remaining ${p.remainingSteps}` });
  }
  if (typeof target === 'number') {
    const st = p.levels[target]!;
    const canFill = nextLevelStatus(st.status, 'fill');
    if (!canFill.ok) return err({ code: 'invalid_transition', message: `${f.clientOrderId}: ${canFill.error}` });
    const filled = st.filledSteps + f.qtySteps;
    if (filled > st.orderSteps) {
      return err({ code: 'overfill', message: `${f.clientOrderId}: ${filled} steps filled on an order of ${st.orderSteps}` });
    }
    const next = filled === st.orderSteps ? canFill : nextLevelStatus(st.status, 'partialFill');
    if (!next.ok) return err({ code: 'invalid_transition', message: `${f.clientOrderId}: ${next.error}` });
  }
  const s = clonePosition(p);
  const out = newOut();
  bookFill(s, target, f.clientOrderId, f.tradeId, f.orderId, f.timeMs, f.qtySteps, f.price, f.fee, out);
  // A withdrawn exit filled before its cancel landed, the last one withdrawn: the others rest again (applyOrderEnd).
  if (typeof target === 'number' && p.levels[target]!.status === 'withdrawn' && !s.levels.some((l) => l.status === 'withdrawn')) restPendingExits(s, f.timeMs, out);
  return ok(stepOf(s, out));
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
    // Resting limit exits: cancelled, their levels withdrawn until the cancel is confirmed (a fill on its
    // way is booked, never sent twice: invariant 8), then pending again; one that filled in part is done
    // by what filled once its end is confirmed (applyOrderEnd): until then the rest of it may still rest
    // and fill, so it stays withdrawn, claiming that rest (the others never rest again over it: -4118).
    next.levels = p.levels.map((st) => (st.status === 'sent' && p.plan.execution === 'limit' ? levelState('withdrawn', st.filledSteps, st.orderSteps, st.reached) : st));
    commands.push({ kind: 'cancelOrders', clientOrderIds: resting });
    // A level filled in part climbs the stop at once, as one ended in part does (applyOrderEnd, R1.5).
    for (let i = 0; i < p.levels.length; i++) {
      if (p.levels[i]!.status !== 'sent' || p.levels[i]!.filledSteps === 0 || next.levels[i]!.status !== 'withdrawn') continue;
      const move = climbStop(next, p.plan.levels[i]!, e.timeMs);
      if (move === null) continue;
      commands.push(moveStopCommand(next, move));
      events.push(stopMovedEvent(next, move));
    }
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
 * The stop the price reached did not trigger (live: the exchange triggers it on the mark price, the
 * driver saw the last price wick through it) and the price is back on the position's side of it: the
 * position is open again, its targets and stop as before. Unchanged unless the position is closing on
 * its current stop with nothing of that stop filled, and `price` is strictly inside the stop.
 */
export function stopNotTriggered(p: Position, price: number, timeMs: number): StepResult {
  const c = p.closing;
  if (p.status !== 'open' || c === null || c.reason !== 'stop' || c.clientOrderId !== stopClientId(p.id, p.stopSeq)) return unchanged(p);
  if (p.partialExits.some((e) => e.clientOrderId === c.clientOrderId)) return unchanged(p);
  const stop = stopPriceOf(p);
  if (!(p.side === 'long' ? price > stop : price < stop)) return unchanged(p);
  const next = clonePosition(p);
  next.closing = null;
  // Withdrawn exits whose cancels were all confirmed while it was closing (restPendingExits sends
  // nothing then) rest again now (limit mode, R1.4).
  const out = newOut();
  if (!next.levels.some((l) => l.status === 'withdrawn')) restPendingExits(next, timeMs, out);
  return stepOf(settle(next), out);
}

/**
 * The entry's fee, learnt late: a position taken from the exchange's position read (its entry's trades
 * were not readable then) was opened with fee 0, and its trades now say what the fee was. Exits booked
 * so far shared none of it; each exit to come shares it pro rata and the last takes what is left, so
 * the exits' PnLs still sum to the trade's (R4.3). Unchanged unless the position is open with entry
 * fee 0 and `fee` is a positive number.
 */
export function entryFeeLearnt(p: Position, fee: number): StepResult {
  if (p.status !== 'open' || p.entryFee !== 0 || !(fee > 0) || !Number.isFinite(fee)) return unchanged(p);
  const next = clonePosition(p);
  next.entryFee = fee;
  return { position: settle(next), commands: NONE, events: NONE };
}

/**
 * Funding settlements the position paid (negative) or received, newer than the ones it holds: `amount`
 * (their sum) is added and `throughMs` (the newest one's time) becomes its cursor, so a driver books a
 * settlement once however often it reads the exchange's history (it asks for the ones after
 * `fundingThroughMs`). Its PnL is then its exits' plus its funding (SPEC "Fees"), open or closed (the
 * last settlements may be read after the close). Unchanged for an amount that is not a finite number
 * or a `throughMs` not after the cursor.
 */
export function fundingBooked(p: Position, amount: number, throughMs: number): StepResult {
  if (!Number.isFinite(amount) || !Number.isFinite(throughMs) || throughMs <= (p.fundingThroughMs ?? -Infinity)) return unchanged(p);
  const next = clonePosition(p);
  next.funding = (p.funding ?? 0) + amount;
  next.fundingThroughMs = throughMs;
  return { position: settle(next), commands: NONE, events: NONE };
}

/**
 * A fee the exchange charged for an exit apart from its trade, posted after it (Binance's liquidation
 * clearance fee): added to the newest exit of `reason` at or before `timeMs`, whose pnl it lowers by as
 * much (the exits' pnl still sum to the trade's, R4.3), open or closed. `recordId` (the exchange's id of
 * the charge) is kept with the applied trade ids, so a charge read twice is booked once. Unchanged when
 * there is no such exit, or `fee` is not a positive finite number.
 */
export function exitFeeCharged(p: Position, reason: ExternalReason, recordId: string, fee: number, timeMs: number): StepResult {
  const key = `charge-${recordId}`;
  if (!(fee > 0) || !Number.isFinite(fee) || p.appliedTradeIds.includes(key)) return unchanged(p);
  let i = -1;
  for (let k = 0; k < p.partialExits.length; k++) if (p.partialExits[k]!.reason === reason && p.partialExits[k]!.timeMs <= timeMs) i = k;
  if (i < 0) return unchanged(p);
  const e = p.partialExits[i]!;
  const next = clonePosition(p);
  next.partialExits = replaceAt(p.partialExits, i, { ...e, fee: e.fee + fee, pnl: e.pnl - fee }) as typeof p.partialExits;
  next.appliedTradeIds = appended(p.appliedTradeIds, key);
  return { position: settle(next), commands: NONE, events: NONE };
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
  // The last withdrawn exit's end confirmed: the levels still to come rest again for what is left.
  if (st.status === 'withdrawn' && !next.levels.some((l) => l.status === 'withdrawn')) restPendingExits(next, e.timeMs, { commands, events });
  return ok({ position: settle(next), commands, events });
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


function withClosing(p: Position, closing: Position['closing']): LadderState {
  const next = clonePosition(p);
  next.closing = closing;
  return next;
}
