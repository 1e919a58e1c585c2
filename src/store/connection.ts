import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { migrate } from './migrations.ts';
import { StoreError, isNotADatabase } from './store-error.ts';

export interface ConnectionOptions {
  /**
   * `full` (default): every commit is fsynced before it returns, so it survives a power cut too.
   * `normal`: in WAL mode a commit survives a killed process (it is in the OS's page cache), but an OS
   * crash or power cut may lose the last commits (never corrupts). See docs/store.md.
   */
  readonly synchronous?: 'full' | 'normal';
  /** How long a statement waits for another connection's lock before SQLITE_BUSY, ms (default 5000). */
  readonly busyTimeoutMs?: number;
}

/** Opens the file (creating it and its directory), sets WAL, synchronous, foreign keys, and migrates. */
export function openDatabase(path: string, nowMs: number, opts: ConnectionOptions = {}): Database.Database {
  const memory = path === ':memory:';
  if (!memory) mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path, { timeout: opts.busyTimeoutMs ?? 5000 });
  try {
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (!memory && mode !== 'wal') throw new StoreError('wal_unavailable', `${path}: SQLite refused WAL mode (got ${String(mode)})`);
    db.pragma(`synchronous = ${opts.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
    db.pragma('foreign_keys = ON');
    migrate(db, nowMs);
    return db;
  } catch (e) {
    db.close();
    if (isNotADatabase(e)) throw new StoreError('not_a_database', `${path}: not a Ladder store (SQLite: ${(e as Error).message})`);
    throw e;
  }
}
