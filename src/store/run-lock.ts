import type Database from 'better-sqlite3';
import { StoreError } from './store-error.ts';

/** Who runs a bot on a store. */
export interface RunLockHolder {
  readonly pid: number;
  readonly host: string;
  /** What runs (`ladder live`, `ladder paper`, `ladder demo`), for the refusal message. */
  readonly command: string;
  readonly startedAtMs: number;
}

/** Whether a process of this host is alive (a killed bot's lock is taken over). */
export type IsAlive = (pid: number) => boolean;

interface LockRow {
  pid: number;
  host: string;
  command: string;
  started_at_ms: number;
}

/**
 * One bot per store ([entries] 4): `acquire` takes the lock in one write transaction, or refuses
 * with a message naming the process that holds it. A lock of this host whose process is gone is
 * taken over; one of another host cannot be checked and is refused (a store is a local file).
 */
export function runLockRows(db: Database.Database, isAlive: IsAlive) {
  const get = db.prepare<[]>('SELECT pid, host, command, started_at_ms FROM run_lock WHERE id = 1');
  const put = db.prepare('INSERT INTO run_lock (id, pid, host, command, started_at_ms) VALUES (1, @pid, @host, @command, @startedAtMs) ON CONFLICT (id) DO UPDATE SET pid = excluded.pid, host = excluded.host, command = excluded.command, started_at_ms = excluded.started_at_ms');
  const drop = db.prepare<[number, string]>('DELETE FROM run_lock WHERE id = 1 AND pid = ? AND host = ?');
  const acquire = db.transaction((me: RunLockHolder): { tookOverFrom: RunLockHolder | null } => {
    const row = get.get() as LockRow | undefined;
    const held = row ? { pid: row.pid, host: row.host, command: row.command, startedAtMs: row.started_at_ms } : null;
    if (held && !(held.pid === me.pid && held.host === me.host)) {
      const alive = held.host !== me.host || isAlive(held.pid);
      if (alive) {
        throw new StoreError(
          'store_in_use',
          `this store is in use by ${held.command} (pid ${held.pid} on ${held.host}, since ${new Date(held.startedAtMs).toISOString()}): stop that bot first, or use another --db file`,
        );
      }
    }
    put.run(me);
    return { tookOverFrom: held && !(held.pid === me.pid && held.host === me.host) ? held : null };
  });
  return {
    acquire: (me: RunLockHolder) => acquire.immediate(me),
    release: (me: Pick<RunLockHolder, 'pid' | 'host'>): void => void drop.run(me.pid, me.host),
    holder: (): RunLockHolder | null => {
      const row = get.get() as LockRow | undefined;
      return row ? { pid: row.pid, host: row.host, command: row.command, startedAtMs: row.started_at_ms } : null;
    },
  };
}

/** Signal 0 checks that a process exists without touching it; EPERM means it exists (another user's). */
export const pidAlive: IsAlive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === 'EPERM';
  }
};
