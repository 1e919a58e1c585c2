import type Database from 'better-sqlite3';
import { decodeJson, encodeJson } from './json-codec.ts';

/**
 * The notification outbox (migration 7, [operate] 5). A message is added in the same transaction as
 * the state change that causes it (a fill booked, a limit hit), so a crash neither loses nor repeats
 * it; senders read it in id order per channel and move that channel's cursor when a row is done.
 */
export interface OutboxInput {
  /** The cause's identity (`<position>:fill:<trade id>`): a second add of the same key is ignored. */
  readonly key: string;
  readonly type: string;
  readonly symbol: string | null;
  /** When it happened (the event's time), ms UTC. */
  readonly timeMs: number;
  readonly payload: unknown;
}

export interface OutboxMessage extends OutboxInput {
  /** The delivery order. */
  readonly id: number;
  readonly createdAtMs: number;
}

/** A channel's cursor and the retry state of its next row. */
export interface OutboxChannelState {
  readonly channel: string;
  /** Every row with id ≤ this is done for the channel (sent, given up or not subscribed). */
  readonly deliveredId: number;
  /** Failed attempts at the next row. */
  readonly attempts: number;
  /** The next row is not tried before this time (backoff, a 429's retry_after). */
  readonly nextAttemptMs: number;
  readonly lastError: string | null;
  readonly updatedAtMs: number;
}

export type OutboxDeliveryStatus = 'sent' | 'failed';

export interface OutboxDelivery {
  readonly outboxId: number;
  readonly channel: string;
  readonly status: OutboxDeliveryStatus;
  readonly attempts: number;
  readonly atMs: number;
  readonly error: string | null;
}

export interface Outbox {
  /** Adds messages (inside the caller's transaction when there is one); returns how many were new. */
  add(messages: readonly OutboxInput[]): number;
  /** The channel's state, created at the newest row when it is new (a channel added later skips the history). */
  openChannel(channel: string): OutboxChannelState;
  channel(channel: string): OutboxChannelState | null;
  /**
   * Drops the cursor of every channel not in `keep` (those the config no longer has) and returns their
   * names: put back later, such a channel opens at the newest row like a new one, instead of sending
   * what was written while it was out (its delivery records stay).
   */
  forgetChannels(keep: readonly string[]): string[];
  /** The rows after the channel's cursor, oldest first. */
  pending(channel: string, limit?: number): OutboxMessage[];
  /**
   * The row is done for the channel: its outcome recorded and the cursor moved past it, in one
   * transaction. `null` status: passed over (the channel does not take this type). A row at or behind
   * the cursor changes nothing.
   */
  done(channel: string, id: number, outcome: { readonly status: OutboxDeliveryStatus | null; readonly attempts: number; readonly error?: string | null }): void;
  /** A failed attempt at the next row: the count goes up, the row waits until `nextAttemptMs`. Returns the count. */
  failed(channel: string, nextAttemptMs: number, error: string): number;
  /** Rows, oldest first (after `afterId`, at most `limit`, default 1000). */
  messages(q?: { readonly afterId?: number; readonly limit?: number }): OutboxMessage[];
  getByKey(key: string): OutboxMessage | null;
  deliveries(channel: string, q?: { readonly afterId?: number; readonly limit?: number }): OutboxDelivery[];
  /**
   * Deletes the rows written before `beforeMs` that every one of `channels` is done with (its cursor is
   * past them), with their delivery records, in one transaction; returns how many rows went. A row some
   * channel has still to deliver stays, whatever its age; no channel named: nothing goes. Ids are never
   * reused (AUTOINCREMENT), so the cursors stay right.
   */
  prune(q: { readonly channels: readonly string[]; readonly beforeMs: number }): number;
}

interface MessageRow {
  id: number;
  key: string;
  type: string;
  symbol: string | null;
  time_ms: number;
  payload: string;
  created_at_ms: number;
}

interface ChannelRow {
  channel: string;
  delivered_id: number;
  attempts: number;
  next_attempt_ms: number;
  last_error: string | null;
  updated_at_ms: number;
}

interface DeliveryRow {
  outbox_id: number;
  channel: string;
  status: OutboxDeliveryStatus;
  attempts: number;
  at_ms: number;
  error: string | null;
}

const toMessage = (r: MessageRow): OutboxMessage => ({ id: r.id, key: r.key, type: r.type, symbol: r.symbol, timeMs: r.time_ms, payload: decodeJson(r.payload), createdAtMs: r.created_at_ms });
const toChannel = (r: ChannelRow): OutboxChannelState => ({ channel: r.channel, deliveredId: r.delivered_id, attempts: r.attempts, nextAttemptMs: r.next_attempt_ms, lastError: r.last_error, updatedAtMs: r.updated_at_ms });
const toDelivery = (r: DeliveryRow): OutboxDelivery => ({ outboxId: r.outbox_id, channel: r.channel, status: r.status, attempts: r.attempts, atMs: r.at_ms, error: r.error });

/** Runs a function in one transaction (the store's: nested calls become savepoints). */
type Tx = <F extends (...a: never[]) => unknown>(fn: F) => F;

export function outboxRows(db: Database.Database, now: () => number, tx: Tx): Outbox {
  const insert = db.prepare('INSERT INTO outbox (key, type, symbol, time_ms, payload, created_at_ms) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING');
  const newestId = db.prepare<[]>('SELECT COALESCE(MAX(id), 0) AS id FROM outbox');
  const getChannel = db.prepare<[string]>('SELECT * FROM outbox_channels WHERE channel = ?');
  const putChannel = db.prepare('INSERT INTO outbox_channels (channel, delivered_id, attempts, next_attempt_ms, last_error, updated_at_ms) VALUES (?, ?, 0, 0, NULL, ?) ON CONFLICT (channel) DO NOTHING');
  const channelNames = db.prepare<[]>('SELECT channel FROM outbox_channels ORDER BY channel');
  const dropChannel = db.prepare<[string]>('DELETE FROM outbox_channels WHERE channel = ?');
  const after = db.prepare<[number, number]>('SELECT * FROM outbox WHERE id > ? ORDER BY id LIMIT ?');
  const byKey = db.prepare<[string]>('SELECT * FROM outbox WHERE key = ?');
  const record = db.prepare('INSERT INTO outbox_deliveries (outbox_id, channel, status, attempts, at_ms, error) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (outbox_id, channel) DO NOTHING');
  const advance = db.prepare('UPDATE outbox_channels SET delivered_id = ?, attempts = 0, next_attempt_ms = 0, last_error = NULL, updated_at_ms = ? WHERE channel = ? AND delivered_id < ?');
  const fail = db.prepare('UPDATE outbox_channels SET attempts = attempts + 1, next_attempt_ms = ?, last_error = ?, updated_at_ms = ? WHERE channel = ?');
  const deliveriesAfter = db.prepare<[string, number, number]>('SELECT * FROM outbox_deliveries WHERE channel = ? AND outbox_id > ? ORDER BY outbox_id LIMIT ?');
  // By the id range (the primary key) first: the rows left below the cursors are the retention window's.
  const pruneDeliveries = db.prepare<[number, number]>('DELETE FROM outbox_deliveries WHERE outbox_id IN (SELECT id FROM outbox WHERE id <= ? AND created_at_ms < ?)');
  const pruneRows = db.prepare<[number, number]>('DELETE FROM outbox WHERE id <= ? AND created_at_ms < ?');

  const channel = (name: string): OutboxChannelState | null => {
    const r = getChannel.get(name) as ChannelRow | undefined;
    return r ? toChannel(r) : null;
  };
  const mustChannel = (name: string): OutboxChannelState => {
    const c = channel(name);
    if (!c) throw new Error(`outbox channel ${name} is not open`);
    return c;
  };

  return {
    add: tx((messages: readonly OutboxInput[]): number => {
      const at = now();
      let added = 0;
      for (const m of messages) added += insert.run(m.key, m.type, m.symbol, m.timeMs, encodeJson(m.payload), at).changes;
      return added;
    }),
    openChannel: tx((name: string): OutboxChannelState => {
      putChannel.run(name, (newestId.get() as { id: number }).id, now());
      return mustChannel(name);
    }),
    channel,
    forgetChannels: tx((keep: readonly string[]): string[] => {
      const gone = (channelNames.all() as { channel: string }[]).map((r) => r.channel).filter((name) => !keep.includes(name));
      for (const name of gone) dropChannel.run(name);
      return gone;
    }),
    pending: (name: string, limit = 100): OutboxMessage[] => (after.all(mustChannel(name).deliveredId, limit) as MessageRow[]).map(toMessage),
    done: tx((name: string, id: number, o: { readonly status: OutboxDeliveryStatus | null; readonly attempts: number; readonly error?: string | null }): void => {
      const at = now();
      if (mustChannel(name).deliveredId >= id) return;
      if (o.status !== null) record.run(id, name, o.status, Math.max(1, o.attempts), at, o.error ?? null);
      advance.run(id, at, name, id);
    }),
    failed: tx((name: string, nextAttemptMs: number, error: string): number => {
      fail.run(nextAttemptMs, error, now(), name);
      return mustChannel(name).attempts;
    }),
    messages: (q = {}): OutboxMessage[] => (after.all(q.afterId ?? 0, q.limit ?? 1000) as MessageRow[]).map(toMessage),
    getByKey: (key: string): OutboxMessage | null => {
      const r = byKey.get(key) as MessageRow | undefined;
      return r ? toMessage(r) : null;
    },
    deliveries: (name: string, q = {}): OutboxDelivery[] => (deliveriesAfter.all(name, q.afterId ?? 0, q.limit ?? 1000) as DeliveryRow[]).map(toDelivery),
    prune: tx((q: { readonly channels: readonly string[]; readonly beforeMs: number }): number => {
      if (q.channels.length === 0) return 0;
      // A channel never opened has delivered nothing.
      const doneId = Math.min(...q.channels.map((name) => channel(name)?.deliveredId ?? 0));
      if (doneId <= 0) return 0;
      pruneDeliveries.run(doneId, q.beforeMs);
      return pruneRows.run(doneId, q.beforeMs).changes;
    }),
  };
}
