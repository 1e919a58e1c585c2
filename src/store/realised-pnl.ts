import type Database from 'better-sqlite3';
import type { ClosedTradePnl } from '../core/risk/limits.ts';

/** Realised PnL of the trades closed in a window (quote currency, after fees) and how many they are. */
export interface RealisedPnl {
  readonly realisedPnl: number;
  readonly trades: number;
}

/** Uses the partial index positions_closed_at (the `status = 'closed'` term is what lets SQLite pick it). */
export const REALISED_PNL_SINCE_SQL = "SELECT realized_pnl AS pnl FROM positions WHERE status = 'closed' AND closed_at_ms >= ? ORDER BY entry_time_ms, id";

/**
 * The realised PnL of the positions closed at or after `fromMs` (the dashboard's "today", every
 * /api/account poll): read through the partial index on closed_at_ms (migration 9), so it costs the
 * trades of the window, not the history. realized_pnl is the stored double of the core's totalPnl; it is
 * summed here, in the history's order (entry time, id), from 0 — not by SQL's SUM, whose compensated
 * sum can differ in the last bit — so the figure equals the sum over tradeHistory() it replaces.
 */
export function realisedPnlRows(db: Database.Database): (fromMs: number) => RealisedPnl {
  const select = db.prepare<[number]>(REALISED_PNL_SINCE_SQL);
  return (fromMs) => {
    const rows = select.all(fromMs) as { pnl: number }[];
    let realisedPnl = 0;
    for (const r of rows) realisedPnl += r.pnl;
    return { realisedPnl, trades: rows.length };
  };
}

/**
 * What the risk limits need of the history before an entry, without reading all of it (issue 16
 * follow-up: every entry of a bot with a long history read every trade, ~0.5 s for 10,000):
 * the trades closed since `fromMs` or since the last trade that was not a loss, whichever is earlier,
 * in the history's order (entry time, id). A losing streak is what follows that trade, today's
 * loss what follows `fromMs`, so `checkRiskLimits` decides on these exactly as on the whole history.
 */
export function riskPnlRows(db: Database.Database): (fromMs: number) => ClosedTradePnl[] {
  // The newest close of a trade that was not a loss (realized_pnl is NOT NULL: never NaN), by the index, newest first.
  const lastNotLoss = db.prepare("SELECT closed_at_ms AS t FROM positions WHERE status = 'closed' AND realized_pnl >= 0 ORDER BY closed_at_ms DESC LIMIT 1");
  const since = db.prepare<[number]>("SELECT closed_at_ms AS closedAtMs, realized_pnl AS pnl FROM positions WHERE status = 'closed' AND closed_at_ms >= ? ORDER BY entry_time_ms, id");
  const all = db.prepare("SELECT closed_at_ms AS closedAtMs, realized_pnl AS pnl FROM positions WHERE status = 'closed' ORDER BY entry_time_ms, id");
  return (fromMs) => {
    const last = lastNotLoss.get() as { t: number } | undefined;
    // Never a trade that was not a loss: the streak is the whole history.
    if (last === undefined) return all.all() as ClosedTradePnl[];
    return since.all(Math.min(fromMs, last.t)) as ClosedTradePnl[];
  };
}
