import type Database from 'better-sqlite3';

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
