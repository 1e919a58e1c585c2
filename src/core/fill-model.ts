import type { Command, DomainEvent, StepResult } from './model/commands.ts';
import type { Position } from './model/position.ts';
import { decOfNumber, formatScaled } from './decimal.ts';
import { type Side, asSteps } from './units.ts';
import { applyFill, onSegment, qtyOf, requestClose, triggerHigh, triggerLow } from './scaled-tp/exit-manager.ts';

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

/**
 * Walks one straight price segment with immediate fills: every level and stop the segment reaches is
 * filled where it was reached, then the rest of the segment (from the last fill point) is walked again
 * with the stop the fills moved, until nothing more happens. Same core calls as the live bot.
 */
export function advanceSegment(p: Position, from: number, to: number, timeMs: number, fm: FillModel): StepResult {
  // Plain locals, no state object: this runs on every candle segment that reaches a trigger.
  const exitIsBuy = p.side === 'short';
  let position = p;
  let commands: readonly Command[] = NONE;
  let events: readonly DomainEvent[] = NONE;
  let start = from;
  for (let guard = 0; guard <= p.levels.length + 2; guard++) {
    const r = onSegment(position, start, to, timeMs);
    if (r.commands.length === 0 && r.events.length === 0) break;
    commands = joined(commands, r.commands);
    events = joined(events, r.events);
    position = r.position;
    let last = start;
    for (const c of r.commands) {
      const market = c.kind === 'placeExit' && c.orderType === 'market';
      if (!market && c.kind !== 'closeRemainder') continue;
      const qty = c.kind === 'placeExit' ? c.qtySteps : position.remainingSteps;
      const f = fillNow(position, c.clientOrderId, qty, c.triggerPrice, false, timeMs, fm, exitIsBuy);
      position = f.position;
      commands = joined(commands, f.commands);
      events = joined(events, f.events);
      last = c.triggerPrice;
    }
    for (const e of r.events) {
      if (e.type !== 'tp.hit' || position.plan.execution !== 'limit' || position.status !== 'open') continue;
      const st = position.levels[e.level - 1]!;
      if (st.status !== 'sent') continue;
      const f = fillNow(position, `${position.id}-${e.reason}`, st.orderSteps - st.filledSteps, e.price, true, timeMs, fm, exitIsBuy);
      position = f.position;
      commands = joined(commands, f.commands);
      events = joined(events, f.events);
      last = e.price;
    }
    if (position.status !== 'open') break;
    start = last;
    // The rest of the segment strictly inside the new trigger band cannot change anything: no call.
    const lo = triggerLow(position);
    const hi = triggerHigh(position);
    if (start > lo && start < hi && to > lo && to < hi) break;
  }
  return { position, commands, events };
}

/** Fills an order at `at` (slippage on market orders, maker fee for resting limits) and books it. */
function fillNow(p: Position, clientOrderId: string, qtySteps: number, at: number, maker: boolean, timeMs: number, fm: FillModel, exitIsBuy: boolean): StepResult {
  const price = maker ? at : slipped(at, exitIsBuy, fm.slippagePct);
  const fee = feeOf(price, qtyOf(qtySteps, p.plan), maker ? fm.makerPct : fm.takerPct);
  // An instant fill fills its order whole, once: the order's id names its only trade (no new string per fill).
  const applied = applyFill(p, { clientOrderId, tradeId: clientOrderId, orderId: null, timeMs, qtySteps: asSteps(qtySteps), price, fee });
  if (!applied.ok) throw new Error(`instant fill rejected: ${applied.error.message}`);
  return applied.value;
}

/** Closes the remainder at once with a market order at `price` (opposite signal, end of data). */
export function closeRemainderNow(p: Position, reason: 'signal' | 'end', price: number, timeMs: number, fm: FillModel): StepResult {
  const r = requestClose(p, reason, price, timeMs);
  const close = r.commands.find((c) => c.kind === 'closeRemainder');
  if (!close || close.kind !== 'closeRemainder') return r;
  const fill = slipped(price, p.side === 'short', fm.slippagePct);
  const fee = feeOf(fill, qtyOf(close.qtySteps, p.plan), fm.takerPct);
  const applied = applyFill(r.position, { clientOrderId: close.clientOrderId, tradeId: close.clientOrderId, orderId: null, timeMs, qtySteps: close.qtySteps, price: fill, fee });
  if (!applied.ok) throw new Error(`instant close rejected: ${applied.error.message}`);
  return { position: applied.value.position, commands: joined(r.commands, applied.value.commands), events: joined(r.events, applied.value.events) };
}

const NONE: readonly never[] = Object.freeze([]);

/**
 * `a` then `b` as one array made at its size, or one of them when the other is empty: a step's outputs
 * are never changed after they are returned, so they can be handed on as they are. A loop, not
 * `concat` (its spreadable checks cost more than the copy here).
 */
function joined<T>(a: readonly T[], b: readonly T[]): readonly T[] {
  if (b.length === 0) return a;
  if (a.length === 0) return b;
  const out = new Array<T>(a.length + b.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]!;
  for (let i = 0; i < b.length; i++) out[a.length + i] = b[i]!;
  return out;
}
