import { type MarketRules, stepsToQty } from '../core/market/market-rules.ts';
import type { DomainEvent } from '../core/model/commands.ts';
import { assertNever } from '../core/result.ts';
import type { Logger } from './logger.ts';

/** One structured line per domain event: the message is the event name, details are fields (R7). */
export function logDomainEvent(log: Logger, e: DomainEvent, m: MarketRules): void {
  const base = { symbol: e.symbol, positionId: e.positionId, time: new Date(e.timeMs).toISOString() };
  switch (e.type) {
    case 'plan.made':
      log.info({ ...base, mode: e.plan.mode, singleReason: e.plan.singleReason, stop: e.plan.initialStopPrice, levels: e.plan.levels.map((l) => ({ level: l.level, target: l.targetPrice, qty: stepsToQty(l.qtySteps, m), skipped: l.skipped })) }, e.type);
      return;
    case 'tp.hit':
      log.info({ ...base, level: e.level, price: e.price, profitPct: e.profitPct }, e.type);
      return;
    case 'order.requested':
      log.info({ ...base, clientOrderId: e.clientOrderId, reason: e.reason, qty: stepsToQty(e.qtySteps, m), orderType: e.orderType }, e.type);
      return;
    case 'fill.applied':
      log.info({ ...base, clientOrderId: e.clientOrderId, orderId: e.orderId, reason: e.reason, level: e.level, price: e.price, qty: stepsToQty(e.qtySteps, m), fee: e.fee, pnl: e.pnl, remaining: stepsToQty(e.remainingSteps, m) }, e.type);
      return;
    case 'stop.moved':
      log.info({ ...base, from: e.fromPrice, to: e.toPrice, reason: e.rule, level: e.level }, e.type);
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
