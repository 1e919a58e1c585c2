import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { migrate, schemaVersion } from './migrations.ts';
import { StoreError, isBusy, isCannotWrite, isCorrupt, isNotADatabase, lockedError } from './store-error.ts';

export interface ConnectionOptions {
  /**
   * `full` (default): every commit is fsynced before it returns, so it survives a power cut too.
   * `normal`: in WAL mode a commit survives a killed process (it is in the OS's page cache), but an OS
   * crash or power cut may lose the last commits (never corrupts). See docs/store.md.
   */
  readonly synchronous?: 'full' | 'normal';
  /** How long a statement waits for another connection's lock before SQLITE_BUSY, ms (default 5000). */
  readonly busyTimeoutMs?: number;
  /**
   * The file must already be a Ladder store (the readers: history, the dashboard): an empty file or
   * another program's database is refused (`not_a_store`) before anything is written to it. A Ladder
   * store of an older schema is still migrated.
   */
  readonly existingStore?: boolean;
}

/** Opens the file (creating it and its directory), sets WAL, synchronous, foreign keys, and migrates. */
export function openDatabase(path: string, nowMs: number, opts: ConnectionOptions = {}): Database.Database {
  const memory = path === ':memory:';
  if (!memory && opts.existingStore !== true) mkdirSync(dirname(path), { recursive: true });
  let db: Database.Database;
  try {
    db = new Database(path, { timeout: opts.busyTimeoutMs ?? 5000, fileMustExist: opts.existingStore === true && !memory });
  } catch (e) {
    // SQLite's own words ("unable to open database file") name no file: this does.
    const why = !memory && existsSync(path) && statSync(path).isDirectory() ? 'it is a directory' : (e as Error).message;
    throw new StoreError('cannot_open', `${path}: cannot open the store (${why}); the store is a file: --db FILE or store.path`);
  }
  try {
    const version = schemaVersion(db);
    if (opts.existingStore === true && !memory && version === 0) {
      throw new StoreError('not_a_store', `${path}: not a Ladder store (${statSync(path).size === 0 ? 'an empty file' : 'an SQLite database without Ladder\'s tables'}): pass the --db file a Ladder bot wrote`);
    }
    // A schema version of another program's own (ladder optimize's --db has one): migrating it from there
    // would fail on a table it never had (SQLite's bare 'no such table: orders'), so it is named here.
    const tables = version > 0 ? (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((t) => t.name) : [];
    if (version > 0 && !tables.includes('schema_migrations')) {
      throw new StoreError('not_a_store', `${path}: not a Ladder store (an SQLite database without Ladder's tables${tables.length > 0 ? `: it has ${tables.slice(0, 3).join(', ')}` : ''}): ${opts.existingStore === true ? 'pass the --db file a Ladder bot wrote' : 'use another file for the store (--db FILE or store.path)'}`);
    }
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (!memory && mode !== 'wal') throw new StoreError('wal_unavailable', `${path}: SQLite refused WAL mode (got ${String(mode)})`);
    db.pragma(`synchronous = ${opts.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
    db.pragma('foreign_keys = ON');
    migrate(db, nowMs);
    return db;
  } catch (e) {
    db.close();
    if (isNotADatabase(e)) throw new StoreError('not_a_database', `${path}: not a Ladder store (SQLite: ${(e as Error).message})`);
    if (isBusy(e)) throw lockedError(path, 'the store', e);
    if (isCannotWrite(e)) {
      throw new StoreError('cannot_open', `${path}: cannot open the store for writing (SQLite: ${(e as Error).message}): this user must be able to write the store, its directory and its -wal and -shm files (WAL mode: readers write them too)`);
    }
    if (isCorrupt(e)) {
      throw new StoreError('corrupt_store', `${path}: the store is damaged (SQLite: ${(e as Error).message}): restore it from a backup, or save what it holds with: sqlite3 ${path} .recover | sqlite3 recovered.db`);
    }
    throw e;
  }
}
