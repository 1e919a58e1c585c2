import type Database from 'better-sqlite3';
import type { DomainEvent } from '../core/index.ts';
import { decodeJson, encodeJson } from './json-codec.ts';
import type { StoredEvent } from './records.ts';

export interface EventQuery {
  readonly positionId?: string;
  /** Only events recorded after this id (a reader's cursor). */
  readonly afterId?: number;
  /** At most this many, oldest first (default 1000). */
  readonly limit?: number;
}

interface EventRow {
  id: number;
  json: string;
  recorded_at_ms: number;
}

export function eventRows(db: Database.Database, now: () => number) {
  const insert = db.prepare('INSERT INTO events (position_id, type, time_ms, json, recorded_at_ms) VALUES (?, ?, ?, ?, ?)');
  const select = db.prepare<[string | null, string | null, number, number]>(
    `SELECT id, json, recorded_at_ms FROM events WHERE (? IS NULL OR position_id = ?) AND id > ? ORDER BY id LIMIT ?`,
  );
  return {
    record(events: readonly DomainEvent[]): void {
      const at = now();
      for (const e of events) insert.run(e.positionId, e.type, e.timeMs, encodeJson(e), at);
    },
    list(q: EventQuery = {}): StoredEvent[] {
      const pid = q.positionId ?? null;
      const rows = select.all(pid, pid, q.afterId ?? 0, q.limit ?? 1000) as EventRow[];
      return rows.map((r) => ({ id: r.id, recordedAtMs: r.recorded_at_ms, event: decodeJson(r.json) as DomainEvent }));
    },
  };
}
