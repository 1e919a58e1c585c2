import { type MarketRules, stepsToQty } from '../core/market/market-rules.ts';
import type { DomainEvent } from '../core/model/commands.ts';
import type { Position } from '../core/model/position.ts';
import { assertNever } from '../core/result.ts';
import type { Side } from '../core/units.ts';
import type { Logger } from './logger.ts';

type FillApplied = Extract<DomainEvent, { type: 'fill.applied' }>;

/** The price a fill was meant to happen at: its level's target, or the stop's trigger. */
export interface FillReference {
  readonly kind: 'target' | 'stop';
  readonly price: number;
}

/**
 * The reference of an exit fill of `p` (the position the event belongs to, before or after the fill):
 * a take-profit's target, the stop price in force for a stop exit; null for exits with no price of
 * their own (signal, end of data, manual, liquidation).
 */
export function fillReference(p: Position | null, e: FillApplied): FillReference | null {
  if (!p || p.id !== e.positionId) return null;
  if (e.reason === 'stop') return { kind: 'stop', price: p.stopMoves.at(-1)?.toPrice ?? p.plan.initialStopPrice };
  const level = p.plan.levels.find((l) => l.reason === e.reason);
  return level ? { kind: 'target', price: level.targetPrice } : null;
}

/**
 * How much worse than its reference an exit filled, in quote price and in % of the reference:
 * positive = worse for the trader (a long's exit sold lower, a short's bought higher), negative = better.
 * The price difference is rounded to `decimals` (the tick's), so 0.1 − 0.3 does not log as 0.19999….
 */
export function exitSlippage(side: Side, ref: number, price: number, decimals: number): { readonly price: number; readonly pct: number } {
  const worse = side === 'long' ? ref - price : price - ref;
  return { price: Number(worse.toFixed(decimals)), pct: Number(((worse * 100) / ref).toFixed(4)) };
}

/**
 * One structured line per domain event: the message is the event name, details are fields (R7).
 * Quantities are in the base asset (`qty`, `remaining`), never in lot steps; `symbol` appears once;
 * the event's own time is `eventTime` and a ladder level `tpLevel` (pino's `time` and `level` are the
 * line's: when it was written, and its severity).
 * `p`: the event's position (for a fill's slippage against its target or stop).
 */
export function logDomainEvent(log: Logger, e: DomainEvent, m: MarketRules, p: Position | null = null): void {
  const base = { symbol: e.symbol, positionId: e.positionId, eventTime: new Date(e.timeMs).toISOString() };
  switch (e.type) {
    case 'plan.made': {
      const plan = e.plan;
      const levels = plan.levels.map((l) => ({ level: l.level, reason: l.reason, target: l.targetPrice, qty: stepsToQty(l.qtySteps, m), skipped: l.skipped }));
      log.info({ ...base, side: plan.side, entry: plan.entryPrice, qty: stepsToQty(plan.originalSteps, m), mode: plan.mode, singleReason: plan.singleReason, execution: plan.execution, stop: plan.initialStopPrice, levels }, e.type);
      return;
    }
    case 'tp.hit':
      log.info({ ...base, tpLevel: e.level, reason: e.reason, price: e.price, profitPct: e.profitPct }, e.type);
      return;
    case 'order.requested':
      log.info({ ...base, clientOrderId: e.clientOrderId, reason: e.reason, qty: stepsToQty(e.qtySteps, m), orderType: e.orderType }, e.type);
      return;
    case 'fill.applied': {
      const ref = fillReference(p, e);
      const slip = ref && p ? exitSlippage(p.side, ref.price, e.price, m.tickSize.scale) : null;
      const slippage = ref && slip ? { refKind: ref.kind, refPrice: ref.price, slippage: slip.price, slippagePct: slip.pct } : {};
      log.info({ ...base, clientOrderId: e.clientOrderId, orderId: e.orderId, reason: e.reason, tpLevel: e.level, price: e.price, qty: stepsToQty(e.qtySteps, m), fee: e.fee, pnl: e.pnl, remaining: stepsToQty(e.remainingSteps, m), ...slippage }, e.type);
      return;
    }
    case 'stop.moved':
      log.info({ ...base, from: e.fromPrice, to: e.toPrice, reason: e.rule, tpLevel: e.level }, e.type);
      return;
    case 'stop.reached':
      log.info({ ...base, price: e.price }, e.type);
      return;
    case 'position.closed':
      log.info({ ...base, reason: e.reason, pnl: e.pnl, avgExitPrice: e.avgExitPrice }, e.type);
      return;
    default:
      assertNever(e);
  }
}
