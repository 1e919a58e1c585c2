import type Database from 'better-sqlite3';
import { StoreError } from './store-error.ts';

/**
 * The schema, as an ordered list of migrations. Version N is the N-th entry; the database's version is
 * SQLite's `user_version` (in the file header, so it commits atomically with the migration's tables).
 * Never edit a released migration: append a new one.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'positions, plans, exits, stop moves, orders, fills, events',
    sql: `
      CREATE TABLE schema_migrations (
        version INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        applied_at_ms INTEGER NOT NULL
      ) STRICT;

      -- One row per position. json: the whole Position except its plan (exact restore, json-codec.ts);
      -- the other columns are copies for queries. version: bumped by every change (optimistic checks).
      CREATE TABLE positions (
        id TEXT PRIMARY KEY,
        symbol TEXT NOT NULL,
        side TEXT NOT NULL CHECK (side IN ('long', 'short')),
        status TEXT NOT NULL CHECK (status IN ('open', 'closed')),
        entry_price REAL NOT NULL,
        entry_time_ms INTEGER NOT NULL,
        entry_fee REAL NOT NULL,
        original_steps INTEGER NOT NULL CHECK (original_steps > 0),
        remaining_steps INTEGER NOT NULL CHECK (remaining_steps BETWEEN 0 AND original_steps),
        stop_ticks INTEGER NOT NULL,
        stop_seq INTEGER NOT NULL CHECK (stop_seq >= 0),
        closing_reason TEXT CHECK (closing_reason IN ('stop', 'signal', 'end')),
        realized_pnl REAL NOT NULL,
        closed_at_ms INTEGER,
        json TEXT NOT NULL,
        version INTEGER NOT NULL CHECK (version >= 1),
        created_at_ms INTEGER NOT NULL,
        updated_at_ms INTEGER NOT NULL,
        CHECK ((status = 'closed') = (remaining_steps = 0))
      ) STRICT;
      -- One-way mode: at most one open position per symbol.
      CREATE UNIQUE INDEX positions_open_symbol ON positions(symbol) WHERE status = 'open';
      CREATE INDEX positions_entry_time ON positions(entry_time_ms);

      -- The exit plan, computed once at entry (R3.4); never changes.
      CREATE TABLE plans (
        position_id TEXT PRIMARY KEY REFERENCES positions(id),
        mode TEXT NOT NULL CHECK (mode IN ('scaled', 'single')),
        json TEXT NOT NULL,
        created_at_ms INTEGER NOT NULL
      ) STRICT;

      -- Projections of Position.partialExits / stopMoves, rewritten with the position in one transaction:
      -- for SQL (analytics, an operator's sqlite3 shell). Restores and history read the JSON.
      CREATE TABLE exits (
        position_id TEXT NOT NULL REFERENCES positions(id),
        seq INTEGER NOT NULL,
        reason TEXT NOT NULL,
        level INTEGER,
        time_ms INTEGER NOT NULL,
        price REAL NOT NULL,
        qty_steps INTEGER NOT NULL CHECK (qty_steps > 0),
        fee REAL NOT NULL,
        pnl REAL NOT NULL,
        client_order_id TEXT NOT NULL,
        order_id TEXT,
        PRIMARY KEY (position_id, seq)
      ) STRICT;

      CREATE TABLE stop_moves (
        position_id TEXT NOT NULL REFERENCES positions(id),
        seq INTEGER NOT NULL,
        time_ms INTEGER NOT NULL,
        level INTEGER NOT NULL,
        rule TEXT NOT NULL,
        from_ticks INTEGER NOT NULL,
        to_ticks INTEGER NOT NULL,
        from_price REAL NOT NULL,
        to_price REAL NOT NULL,
        PRIMARY KEY (position_id, seq)
      ) STRICT;

      -- Every order the bot sends: written as an intent before it is sent, then its outcome.
      -- position_id has no foreign key: an entry's intent is written before its position exists.
      CREATE TABLE orders (
        client_order_id TEXT PRIMARY KEY,
        attempt INTEGER NOT NULL CHECK (attempt >= 1),
        position_id TEXT NOT NULL,
        symbol TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('entry', 'stop', 'exit', 'close')),
        level INTEGER,
        side TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
        type TEXT NOT NULL CHECK (type IN ('market', 'limit', 'stop_market')),
        qty_steps INTEGER CHECK (qty_steps > 0),
        price_ticks INTEGER,
        price REAL,
        stop_ticks INTEGER,
        stop_price REAL,
        reduce_only INTEGER NOT NULL CHECK (reduce_only IN (0, 1)),
        close_position INTEGER NOT NULL CHECK (close_position IN (0, 1)),
        replaces_client_order_id TEXT,
        status TEXT NOT NULL
          CHECK (status IN ('intent', 'sent', 'unknown', 'open', 'filled', 'canceled', 'rejected', 'expired')),
        exchange_order_id TEXT,
        exchange_filled_steps INTEGER CHECK (exchange_filled_steps >= 0),
        error_code TEXT,
        error_message TEXT,
        created_at_ms INTEGER NOT NULL,
        sent_at_ms INTEGER,
        updated_at_ms INTEGER NOT NULL,
        CHECK ((qty_steps IS NULL) = (close_position = 1)),
        CHECK (NOT (reduce_only = 1 AND close_position = 1)),
        -- F12: everything but an entry only ever reduces the position.
        CHECK ((kind = 'entry') = (reduce_only = 0 AND close_position = 0))
      ) STRICT;
      CREATE INDEX orders_status ON orders(status);
      CREATE INDEX orders_position ON orders(position_id);

      -- Append-only audit of every order status change.
      CREATE TABLE order_log (
        id INTEGER PRIMARY KEY,
        client_order_id TEXT NOT NULL,
        attempt INTEGER NOT NULL,
        status TEXT NOT NULL,
        time_ms INTEGER NOT NULL,
        exchange_order_id TEXT,
        exchange_filled_steps INTEGER,
        error_code TEXT,
        error_message TEXT
      ) STRICT;
      CREATE INDEX order_log_order ON order_log(client_order_id, id);

      -- Every execution read back from the exchange (R3.5). Trade ids are unique per symbol on Binance,
      -- hence the key. The key makes booking a fill twice impossible (invariant 8, F1).
      CREATE TABLE fills (
        symbol TEXT NOT NULL,
        trade_id TEXT NOT NULL,
        position_id TEXT NOT NULL REFERENCES positions(id) DEFERRABLE INITIALLY DEFERRED,
        role TEXT NOT NULL CHECK (role IN ('entry', 'exit')),
        client_order_id TEXT NOT NULL,
        order_id TEXT,
        time_ms INTEGER NOT NULL,
        qty_steps INTEGER NOT NULL CHECK (qty_steps > 0),
        price REAL NOT NULL,
        fee REAL NOT NULL,
        booked_at_ms INTEGER NOT NULL,
        PRIMARY KEY (symbol, trade_id)
      ) STRICT;
      CREATE INDEX fills_position ON fills(position_id);
      CREATE INDEX fills_order ON fills(client_order_id);
      CREATE INDEX fills_symbol_time ON fills(symbol, time_ms);

      -- Append-only log of the core's DomainEvents (R7), for the dashboard and post-mortems.
      CREATE TABLE events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        position_id TEXT NOT NULL,
        type TEXT NOT NULL,
        time_ms INTEGER NOT NULL,
        json TEXT NOT NULL,
        recorded_at_ms INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX events_position ON events(position_id, id);
    `,
  },
  {
    version: 2,
    name: 'candles',
    sql: `
      -- Closed candles the bot saw, per symbol and timeframe: the dashboard's charts, and the candles the
      -- single-TP outcome of a closed trade is recomputed from (R8.5). A closed candle never changes, so a
      -- second write of the same open time replaces it with the same values.
      CREATE TABLE candles (
        symbol TEXT NOT NULL,
        timeframe_ms INTEGER NOT NULL CHECK (timeframe_ms > 0),
        open_time_ms INTEGER NOT NULL,
        open REAL NOT NULL,
        high REAL NOT NULL,
        low REAL NOT NULL,
        close REAL NOT NULL,
        volume REAL NOT NULL,
        PRIMARY KEY (symbol, timeframe_ms, open_time_ms)
      ) STRICT, WITHOUT ROWID;
    `,
  },
  {
    version: 3,
    name: 'entry stop of the signal',
    sql: `
      -- The stop distance an entry was sent with (a signal's own stop_loss_pct, else the config's): an
      -- entry that filled while the bot was down is rebuilt with it, not with today's config.
      ALTER TABLE orders ADD COLUMN stop_loss_pct REAL;
    `,
  },
  {
    version: 4,
    name: 'run lock',
    sql: `
      -- The one process trading on this store ([entries] 4): a second bot refuses to start; a lock
      -- whose process is gone (killed) is taken over.
      CREATE TABLE run_lock (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        pid INTEGER NOT NULL,
        host TEXT NOT NULL,
        command TEXT NOT NULL,
        started_at_ms INTEGER NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 5,
    name: 'signals',
    sql: `
      -- Entry and close signals received from outside (the webhook, [entries] 2). The id is the sender's:
      -- its primary key makes a resend a duplicate. Stored before the sender gets its answer; the trading
      -- loop acts on 'pending' rows and marks them. payload: the body as received, without the secret.
      CREATE TABLE signals (
        id TEXT PRIMARY KEY,
        source TEXT NOT NULL CHECK (source IN ('webhook')),
        symbol TEXT NOT NULL,
        side TEXT NOT NULL CHECK (side IN ('long', 'short', 'close')),
        stop_loss_pct REAL,
        signal_time_ms INTEGER NOT NULL,
        received_at_ms INTEGER NOT NULL,
        payload TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'acted', 'refused')),
        detail TEXT,
        updated_at_ms INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX signals_status ON signals(status, received_at_ms);
    `,
  },
  {
    version: 6,
    name: 'risk state',
    sql: `
      -- Risk limits ([operate] 3). The highest equity the bot has seen, per settle asset: the drawdown
      -- limit is measured from it, so it must outlive a restart.
      CREATE TABLE risk_equity_peaks (
        asset TEXT PRIMARY KEY,
        equity_peak REAL NOT NULL,
        peak_at_ms INTEGER NOT NULL
      ) STRICT;
      -- The limit that refuses entries now, if any (one row at most): logged once when it starts,
      -- shown on the dashboard, cleared by the first entry the limits allow again.
      CREATE TABLE risk_limit_hit (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        limit_name TEXT NOT NULL,
        detail TEXT NOT NULL,
        since_ms INTEGER NOT NULL,
        until_ms INTEGER,
        updated_at_ms INTEGER NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 7,
    name: 'notification outbox',
    sql: `
      -- Notifications ([operate] 5). A message is written in the same transaction as the state change
      -- that causes it, so a crash neither loses nor repeats it; the sender delivers rows in id order.
      -- key: the cause's identity (e.g. '<position>:exit:<seq>'): writing the same cause twice is ignored,
      -- and it is the stable id a webhook receiver dedupes on.
      CREATE TABLE outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        key TEXT NOT NULL UNIQUE,
        type TEXT NOT NULL,
        symbol TEXT,
        time_ms INTEGER NOT NULL,
        payload TEXT NOT NULL,
        created_at_ms INTEGER NOT NULL
      ) STRICT;
      -- One cursor per channel ('telegram', 'webhook'): every row with id <= delivered_id is done (sent or
      -- given up). attempts / next_attempt_ms: the retry state of the next row. A channel configured later
      -- starts at the newest row, not at the history.
      CREATE TABLE outbox_channels (
        channel TEXT PRIMARY KEY,
        delivered_id INTEGER NOT NULL CHECK (delivered_id >= 0),
        attempts INTEGER NOT NULL CHECK (attempts >= 0),
        next_attempt_ms INTEGER NOT NULL,
        last_error TEXT,
        updated_at_ms INTEGER NOT NULL
      ) STRICT;
      -- The outcome of each row per channel, written with the cursor's advance.
      CREATE TABLE outbox_deliveries (
        outbox_id INTEGER NOT NULL REFERENCES outbox(id),
        channel TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('sent', 'failed')),
        attempts INTEGER NOT NULL CHECK (attempts >= 1),
        at_ms INTEGER NOT NULL,
        error TEXT,
        PRIMARY KEY (outbox_id, channel)
      ) STRICT;
    `,
  },
  {
    version: 8,
    name: 'runs',
    sql: `
      -- Each time a bot ran on this store ([views] 17): what it ran with (the validated config with its
      -- defaults, so the dashboard shows the run's leverage, ladder and sizing, never a config file's),
      -- when it started and ended, and its feed: 'running', 'data_ended' (the replayed data ran out: the
      -- demo), 'stopped' (it ended cleanly), 'failed' (it ended on an error, in detail). A bot killed
      -- outright stays 'running' with an old heartbeat_at_ms: readers call it stopped once that is stale.
      -- account: the last balance read ({ asset, total, free, atMs }), for the dashboard's account summary.
      CREATE TABLE runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        mode TEXT NOT NULL CHECK (mode IN ('paper', 'live', 'demo')),
        command TEXT NOT NULL,
        pid INTEGER NOT NULL,
        host TEXT NOT NULL,
        started_at_ms INTEGER NOT NULL,
        heartbeat_at_ms INTEGER NOT NULL,
        ended_at_ms INTEGER,
        feed_state TEXT NOT NULL CHECK (feed_state IN ('running', 'data_ended', 'stopped', 'failed')),
        feed_state_at_ms INTEGER NOT NULL,
        detail TEXT,
        config TEXT NOT NULL,
        account TEXT,
        CHECK (ended_at_ms IS NULL OR feed_state <> 'running')
      ) STRICT;
      CREATE INDEX runs_started ON runs(started_at_ms);
    `,
  },
  {
    version: 9,
    name: 'positions by close time',
    sql: `
      -- The dashboard's /api/account (today's realised PnL) reads the trades closed since 00:00 UTC every
      -- poll: this index makes that read cost today's trades, not the whole history.
      CREATE INDEX positions_closed_at ON positions(closed_at_ms) WHERE status = 'closed';
    `,
  },
  {
    version: 10,
    name: 'entry sent from flat',
    sql: `
      -- 1 when the exchange held nothing on the symbol just before the entry was sent: a position found
      -- there while the entry's look-ups fail can then be taken as its fill, after a restart too.
      ALTER TABLE orders ADD COLUMN sent_from_flat INTEGER CHECK (sent_from_flat IN (0, 1));
    `,
  },
  {
    version: 11,
    name: 'waiting entries',
    sql: `
      -- A strategy's entry signal waiting (for an order in doubt, a reversal's close, a failing read), one
      -- per symbol: a restart acts on it within webhook.max_lag_s instead of losing it (waiting-entries.ts).
      -- origin: what stored it (the config's strategy and exchange, paper or live): a restart with other
      -- ones, or live on a paper run's file, drops it instead of trading it.
      CREATE TABLE waiting_entries (
        symbol TEXT PRIMARY KEY,
        side TEXT NOT NULL CHECK (side IN ('long', 'short')),
        signal_time_ms INTEGER NOT NULL,
        reason TEXT NOT NULL,
        stop_loss_pct REAL,
        since_ms INTEGER NOT NULL,
        for_doubt INTEGER NOT NULL CHECK (for_doubt IN (0, 1)),
        closing_id TEXT,
        origin TEXT NOT NULL,
        updated_at_ms INTEGER NOT NULL
      ) STRICT;
    `,
  },
];

export const LATEST_VERSION = MIGRATIONS.length;

export const schemaVersion = (db: Database.Database): number => db.pragma('user_version', { simple: true }) as number;

/**
 * Brings the schema to LATEST_VERSION, each migration in its own IMMEDIATE transaction (a second process
 * opening the same file waits, then finds the work done). A file from a newer Ladder is refused.
 */
export function migrate(db: Database.Database, nowMs: number, migrations: readonly Migration[] = MIGRATIONS): number {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migration ${i} has version ${m.version}, expected ${i + 1}`);
  });
  const latest = migrations.length;
  refuseNewer(schemaVersion(db), latest);
  for (const m of migrations) {
    db.transaction(() => {
      const current = schemaVersion(db);
      refuseNewer(current, latest);
      if (current >= m.version) return;
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at_ms) VALUES (?, ?, ?)').run(m.version, m.name, nowMs);
      // PRAGMA takes no bound parameters; the version is an integer from this file.
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
  }
  return schemaVersion(db);
}

function refuseNewer(current: number, latest: number): void {
  if (current > latest) {
    throw new StoreError(
      'newer_schema',
      `database schema version ${current} is newer than this Ladder understands (${latest}): upgrade Ladder, or use another --db file`,
    );
  }
}
