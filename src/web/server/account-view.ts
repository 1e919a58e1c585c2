import type { Store } from '../../store/index.ts';
import type { AccountResponse, PositionsResponse } from '../components/dashboard-model.ts';
import { riskView } from './risk-view.ts';
import type { RunBook } from './run-book.ts';

/**
 * The account summary ([views] 17): equity and available margin as the bot last read them (its run's
 * heartbeat), the open positions' unrealised PnL and margin at the last price, today's realised PnL and
 * the risk limits. The dashboard never asks the exchange itself: all of it comes from the store.
 */
export function accountView(store: Store, runs: RunBook, positions: PositionsResponse, nowMs: number, marketNowMs: number = nowMs): AccountResponse {
  const account = runs.latest?.account ?? null;
  const cards = positions.positions;
  const unrealizedPnl = cards.reduce((s, p) => s + (p.unrealizedPnl ?? 0), 0);
  const marginUsed = cards.some((p) => p.marginUsed === null) ? null : cards.reduce((s, p) => s + p.marginUsed!, 0);
  const risk = riskView(store, nowMs, marketNowMs);
  return {
    asset: account?.asset ?? null,
    balance: account ? { total: account.total, free: account.free, atMs: account.atMs } : null,
    walletBalance: account ? account.total - unrealizedPnl : null,
    unrealizedPnl,
    marginUsed,
    openPositions: cards.length,
    today: risk.today,
    riskHit: risk.hit,
    riskLimits: runs.view().config?.riskLimits ?? {},
    serverTimeMs: nowMs,
  };
}
