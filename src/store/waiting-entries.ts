import type Database from 'better-sqlite3';

/**
 * A strategy's entry signal that waits (for an order in doubt, a reversal's close, a failing read, a rate
 * limit), kept so that a restart acts on it within webhook.max_lag_s instead of losing it: lost, the long
 * booked from an entry in doubt stayed open against the strategy's short. Webhook signals need none:
 * their own row stays pending (signals).
 */
export interface WaitingEntry {
  readonly symbol: string;
  readonly side: 'long' | 'short';
  readonly signalTimeMs: number;
  readonly reason: string;
  readonly stopLossPct: number | null;
  /** Since when it waits: its max lag counts from here. */
  readonly sinceMs: number;
  /** It waits for an order in doubt (acted on as a signal once that is settled: a reversal closes the booked side). */
  readonly forDoubt: boolean;
  /** The position whose close a reversal waits for. */
  readonly closingId: string | null;
  /** What stored it: the config's strategy and the exchange (paper or live) of that run; a run with other ones does not trade it. */
  readonly origin: string;
}

interface Row {
  symbol: string;
  side: 'long' | 'short';
  signal_time_ms: number;
  reason: string;
  stop_loss_pct: number | null;
  since_ms: number;
  for_doubt: number;
  closing_id: string | null;
  origin: string;
}

/** Rows of migration 11: at most one waiting entry per symbol. */
export function waitingEntryRows(db: Database.Database, now: () => number) {
  const get = db.prepare<[string]>('SELECT symbol, side, signal_time_ms, reason, stop_loss_pct, since_ms, for_doubt, closing_id, origin FROM waiting_entries WHERE symbol = ?');
  const put = db.prepare(
    `INSERT INTO waiting_entries (symbol, side, signal_time_ms, reason, stop_loss_pct, since_ms, for_doubt, closing_id, origin, updated_at_ms)
     VALUES (@symbol, @side, @signalTimeMs, @reason, @stopLossPct, @sinceMs, @forDoubt, @closingId, @origin, @updatedAtMs)
     ON CONFLICT (symbol) DO UPDATE SET side = excluded.side, signal_time_ms = excluded.signal_time_ms, reason = excluded.reason,
       stop_loss_pct = excluded.stop_loss_pct, since_ms = excluded.since_ms, for_doubt = excluded.for_doubt,
       closing_id = excluded.closing_id, origin = excluded.origin, updated_at_ms = excluded.updated_at_ms`,
  );
  const drop = db.prepare<[string]>('DELETE FROM waiting_entries WHERE symbol = ?');
  return {
    waitingEntry: (symbol: string): WaitingEntry | null => {
      const r = get.get(symbol) as Row | undefined;
      if (!r) return null;
      return { symbol: r.symbol, side: r.side, signalTimeMs: r.signal_time_ms, reason: r.reason, stopLossPct: r.stop_loss_pct, sinceMs: r.since_ms, forDoubt: r.for_doubt === 1, closingId: r.closing_id, origin: r.origin };
    },
    /** Keeps `w` as the symbol's waiting entry (replacing one before it); null: none waits any more. */
    setWaitingEntry: (symbol: string, w: WaitingEntry | null): void => {
      if (w === null) drop.run(symbol);
      else {
        if (w.symbol !== symbol) throw new RangeError(`waiting entry of ${w.symbol} stored under ${symbol}`);
        put.run({ ...w, forDoubt: w.forDoubt ? 1 : 0, updatedAtMs: now() });
      }
    },
  };
}
