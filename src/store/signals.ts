import type Database from 'better-sqlite3';

/** Where a stored signal came from ([entries] 2); only the webhook stores signals today. */
export type SignalSource = 'webhook';
/** An entry side, or `close`: close the symbol's open position. */
export type SignalSide = 'long' | 'short' | 'close';
/** `pending` until the trading loop has acted on it (`acted`) or turned it down (`refused`). */
export type SignalStatus = 'pending' | 'acted' | 'refused';

export interface SignalInput {
  /** The sender's id: a second signal with the same id is a duplicate, whatever else it says. */
  readonly id: string;
  readonly source: SignalSource;
  /** A configured ccxt unified symbol (`BTC/USDT:USDT`). */
  readonly symbol: string;
  readonly side: SignalSide;
  /** The signal's own stop distance in %, or null for the config's. */
  readonly stopLossPct: number | null;
  /** When the signal became known (the sender's time, else the arrival), ms UTC: position ids derive from it. */
  readonly timeMs: number;
  readonly receivedAtMs: number;
  /** The body as received, without its secret (for a post-mortem). */
  readonly payload: Readonly<Record<string, unknown>>;
}

export interface SignalRecord extends SignalInput {
  readonly status: SignalStatus;
  /** Why it was refused, or what acting on it did. */
  readonly detail: string | null;
  readonly updatedAtMs: number;
}

export type RecordSignalResult = { readonly stored: true; readonly signal: SignalRecord } | { readonly stored: false; readonly duplicate: SignalRecord };

export interface SignalQuery {
  /** At most this many, newest first (default 100). */
  readonly limit?: number;
}

interface SignalRow {
  id: string;
  source: SignalSource;
  symbol: string;
  side: SignalSide;
  stop_loss_pct: number | null;
  signal_time_ms: number;
  received_at_ms: number;
  payload: string;
  status: SignalStatus;
  detail: string | null;
  updated_at_ms: number;
}

const toRecord = (r: SignalRow): SignalRecord => ({
  id: r.id,
  source: r.source,
  symbol: r.symbol,
  side: r.side,
  stopLossPct: r.stop_loss_pct,
  timeMs: r.signal_time_ms,
  receivedAtMs: r.received_at_ms,
  payload: JSON.parse(r.payload) as Record<string, unknown>,
  status: r.status,
  detail: r.detail,
  updatedAtMs: r.updated_at_ms,
});

const COLUMNS = 'id, source, symbol, side, stop_loss_pct, signal_time_ms, received_at_ms, payload, status, detail, updated_at_ms';

/**
 * Signals received from outside: the webhook records them (the id's primary key makes a resend a
 * duplicate, and the row is committed before the sender hears 200), the trading loop reads the
 * pending ones and marks each once it has acted.
 */
export function signalRows(db: Database.Database, now: () => number) {
  const insert = db.prepare(
    `INSERT INTO signals (${COLUMNS}) VALUES (@id, @source, @symbol, @side, @stopLossPct, @timeMs, @receivedAtMs, @payload, 'pending', NULL, @receivedAtMs) ON CONFLICT (id) DO NOTHING`,
  );
  const byId = db.prepare<[string]>(`SELECT ${COLUMNS} FROM signals WHERE id = ?`);
  const pending = db.prepare<[string | null, string | null]>(`SELECT ${COLUMNS} FROM signals WHERE status = 'pending' AND (? IS NULL OR symbol = ?) ORDER BY signal_time_ms, received_at_ms, rowid`);
  const newestActed = db.prepare<[string]>(`SELECT ${COLUMNS} FROM signals WHERE status = 'acted' AND symbol = ? ORDER BY signal_time_ms DESC, rowid DESC LIMIT 1`);
  const newest = db.prepare<[number]>(`SELECT ${COLUMNS} FROM signals ORDER BY received_at_ms DESC, rowid DESC LIMIT ?`);
  const mark = db.prepare<[string, string, number, string]>(`UPDATE signals SET status = ?, detail = ?, updated_at_ms = ? WHERE id = ? AND status = 'pending'`);
  const get = (id: string): SignalRecord | null => {
    const r = byId.get(id) as SignalRow | undefined;
    return r ? toRecord(r) : null;
  };
  return {
    record(s: SignalInput): RecordSignalResult {
      const added = insert.run({ ...s, payload: JSON.stringify(s.payload) }).changes === 1;
      const row = get(s.id)!;
      return added ? { stored: true, signal: row } : { stored: false, duplicate: row };
    },
    get,
    // By the signal's time, not its arrival: a sender's alerts can arrive out of order (a retried POST).
    pending: (symbol?: string): SignalRecord[] => (pending.all(symbol ?? null, symbol ?? null) as SignalRow[]).map(toRecord),
    newestActed(symbol: string): SignalRecord | null {
      const r = newestActed.get(symbol) as SignalRow | undefined;
      return r ? toRecord(r) : null;
    },
    /** Ends a pending signal; one already ended is left as it is. Null for an unknown id. */
    mark(id: string, status: Exclude<SignalStatus, 'pending'>, detail: string): SignalRecord | null {
      mark.run(status, detail, now(), id);
      return get(id);
    },
    list: (q: SignalQuery = {}): SignalRecord[] => (newest.all(q.limit ?? 100) as SignalRow[]).map(toRecord),
  };
}
