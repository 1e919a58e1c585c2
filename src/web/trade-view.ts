import type { Position } from '../core/model/position.ts';
import { averageExitPrice, qtyOf, totalPnl } from '../core/scaled-tp/exit-manager.ts';
import type { TradeView } from './components/view-model.ts';

/** A closed or open position as the page components draw it (the backtest report and the dashboard). */
export function tradeView(p: Position): TradeView {
  const avg = averageExitPrice(p);
  return {
    id: p.id,
    symbol: p.symbol,
    side: p.side,
    entryTimeMs: p.entryTimeMs,
    entryPrice: p.entryPrice,
    originalQuantity: qtyOf(p.originalSteps, p.plan),
    avgExitPrice: Number.isNaN(avg) ? null : avg,
    pnl: totalPnl(p),
    initialStop: p.plan.initialStopPrice,
    targets: p.plan.levels.map((l) => ({ level: l.level, reason: l.reason, price: l.targetPrice, skipped: l.skipped !== null })),
    exits: p.partialExits.map((e) => ({ timeMs: e.timeMs, price: e.price, quantity: qtyOf(e.qtySteps, p.plan), reason: e.reason, level: e.level, fee: e.fee, pnl: e.pnl })),
    stopMoves: p.stopMoves.map((m) => ({ timeMs: m.timeMs, from: m.fromPrice, to: m.toPrice, reason: m.rule })),
    ...(p.status === 'open' ? { open: true } : {}),
    ...(p.funding === undefined ? {} : { funding: p.funding }),
  };
}
