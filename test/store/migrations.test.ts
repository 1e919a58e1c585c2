import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/connection.ts';
import { type Migration, MIGRATIONS, LATEST_VERSION, StoreError, openStore } from '../../src/store/index.ts';
import { migrate, schemaVersion } from '../../src/store/migrations.ts';
import { openOptimizeRuns } from '../../src/store/optimize-runs.ts';
import { tempDir } from '../support/temp-dir.ts';
import { newPosition } from './store-fixtures.ts';


const tables = (db: Database.Database) =>
  (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[]).map((r) => r.name);

describe('migrations', () => {
  it('numbers the migrations 1, 2, … in order', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    expect(LATEST_VERSION).toBe(MIGRATIONS.length);
  });

  it('creates every table on an empty file (and its directory) and records the version', () => {
    const path = join(tempDir('ladder-store-'), 'nested', 'dir', 'ladder.db');
    openStore(path).close();
    const db = new Database(path);
    expect(schemaVersion(db)).toBe(LATEST_VERSION);
    expect(tables(db)).toEqual(['candles', 'events', 'exits', 'fills', 'order_log', 'orders', 'outbox', 'outbox_channels', 'outbox_deliveries', 'plans', 'positions', 'risk_equity_peaks', 'risk_limit_hit', 'run_lock', 'runs', 'schema_migrations', 'signals', 'stop_moves', 'waiting_entries']);
    expect(db.prepare('SELECT version, name FROM schema_migrations').all()).toEqual(MIGRATIONS.map((m) => ({ version: m.version, name: m.name })));
    db.close();
  });

  it('reopening applies nothing twice and keeps the data', () => {
    const path = join(tempDir('ladder-store-'), 'ladder.db');
    const p = newPosition();
    const a = openStore(path);
    a.savePosition(p);
    a.close();
    const b = openStore(path);
    expect(b.getPosition(p.id)).toEqual(p);
    b.close();
    const db = new Database(path);
    expect(db.prepare('SELECT COUNT(*) AS n FROM schema_migrations').get()).toEqual({ n: LATEST_VERSION });
    db.close();
  });

  it('refuses a database written by a newer Ladder, saying what to do', () => {
    const path = join(tempDir('ladder-store-'), 'ladder.db');
    openStore(path).close();
    const db = new Database(path);
    db.pragma(`user_version = ${LATEST_VERSION + 1}`);
    db.close();
    expect(() => openStore(path)).toThrow(StoreError);
    expect(() => openStore(path)).toThrow(`database schema version ${LATEST_VERSION + 1} is newer than this Ladder understands (${LATEST_VERSION}): upgrade Ladder, or use another --db file`);
  });

  it('refuses a file that is not a database at all, naming it, and leaves it as it was', () => {
    const path = join(tempDir('ladder-store-'), 'notes.txt');
    writeFileSync(path, '# not a database\n'.repeat(100));
    const before = readFileSync(path);
    let e: unknown;
    try {
      openStore(path);
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(StoreError);
    expect(e).toMatchObject({ code: 'not_a_database', message: `${path}: not a Ladder store (SQLite: file is not a database)` });
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(existsSync(`${path}-wal`)).toBe(false);
  });

  /** What opening the existing store at `path` threw (undefined when it opened). */
  function refusalOf(path: string): unknown {
    try {
      openStore(path, { existingStore: true }).close();
    } catch (x) {
      return x;
    }
    return undefined;
  }

  it('refuses a damaged store naming it and saying what to do, not with SQLite\'s bare words', () => {
    const path = join(tempDir('ladder-store-'), 'ladder.db');
    openStore(path).close();
    // Cut in half (a copy that stopped midway, a full disk): the header counts pages the file no longer has.
    const whole = readFileSync(path);
    writeFileSync(path, whole.subarray(0, Math.floor(whole.length / 2)));
    const e = refusalOf(path);
    expect(e).toBeInstanceOf(StoreError);
    expect(e).toMatchObject({
      code: 'corrupt_store',
      message: `${path}: the store is damaged (SQLite: database disk image is malformed): restore it from a backup, or save what it holds with: sqlite3 ${path} .recover | sqlite3 recovered.db`,
    });
  });

  it("refuses another program's database that has a schema version of its own (ladder optimize's --db), naming its tables, and leaves it as it was", () => {
    const path = join(tempDir('ladder-store-'), 'ladder-optimize.db');
    openOptimizeRuns(path).close();
    const before = readFileSync(path);
    const what = `${path}: not a Ladder store (an SQLite database without Ladder's tables: it has optimize_results, optimize_run_locks, optimize_runs)`;
    // A reader (history, the dashboard) and the bot's own opening: before, migration 3 failed with SQLite's 'no such table: orders'.
    expect(refusalOf(path)).toMatchObject({ code: 'not_a_store', message: `${what}: pass the --db file a Ladder bot wrote` });
    expect(() => openStore(path)).toThrow(`${what}: use another file for the store (--db FILE or store.path)`);
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it('a store another program holds locked (an sqlite3 shell inside a transaction) is named, with what to do, not SQLite\'s bare "database is locked"', () => {
    const path = join(tempDir('ladder-store-'), 'ladder.db');
    openStore(path).close();
    const holder = new Database(path);
    holder.exec('BEGIN EXCLUSIVE');
    try {
      expect(() => openDatabase(path, 0, { existingStore: true, busyTimeoutMs: 50 })).toThrow(
        `${path}: the store is locked by another program (SQLite: database is locked): end what holds it (an sqlite3 shell or a database browser in a transaction), then try again`,
      );
    } finally {
      holder.exec('COMMIT');
      holder.close();
    }
  });

  it('refuses a store SQLite cannot write beside (its -shm file cannot be made) naming it and saying why, not with SQLite\'s bare words', () => {
    const path = join(tempDir('ladder-store-'), 'ladder.db');
    openStore(path).close();
    // What a read-only directory or another user's store does: the shared-memory file of WAL mode cannot be made.
    mkdirSync(`${path}-shm`);
    const e = refusalOf(path);
    expect(e).toBeInstanceOf(StoreError);
    expect(e).toMatchObject({ code: 'cannot_open' });
    const message = (e as Error).message;
    expect(message.startsWith(`${path}: cannot open the store for writing (SQLite: `), message).toBe(true);
    expect(message.endsWith('): this user must be able to write the store, its directory and its -wal and -shm files (WAL mode: readers write them too)'), message).toBe(true);
  });

  it('applies each migration in a transaction: a failing one leaves the previous version intact', () => {
    const db = new Database(join(tempDir('ladder-store-'), 'm.db'));
    const list: Migration[] = [
      { version: 1, name: 'one', sql: 'CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT, applied_at_ms INTEGER); CREATE TABLE a (x INTEGER);' },
      { version: 2, name: 'two', sql: 'CREATE TABLE b (x INTEGER); CREATE TABLE a (x INTEGER);' }, // fails: a exists
    ];
    expect(() => migrate(db, 0, list)).toThrow(/already exists/);
    expect(schemaVersion(db)).toBe(1);
    expect(tables(db)).toEqual(['a', 'schema_migrations']); // no half-made b
    expect(migrate(db, 0, list.slice(0, 1))).toBe(1);
    db.close();
  });

  it('refuses a migration list that is not numbered in order', () => {
    const db = new Database(':memory:');
    expect(() => migrate(db, 0, [{ version: 2, name: 'x', sql: '' }])).toThrow('migration 0 has version 2, expected 1');
    db.close();
  });

  it('runs in WAL mode with synchronous FULL (NORMAL on request), foreign keys on and a busy timeout', () => {
    const dir = tempDir('ladder-store-');
    const db = openDatabase(join(dir, 'ladder.db'), 0);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(2); // FULL
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
    db.prepare('CREATE TABLE t (x INTEGER)').run();
    expect(existsSync(join(dir, 'ladder.db-wal'))).toBe(true);
    db.close();
    const normal = openDatabase(join(dir, 'n.db'), 0, { synchronous: 'normal', busyTimeoutMs: 250 });
    expect(normal.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
    expect(normal.pragma('busy_timeout', { simple: true })).toBe(250);
    normal.close();
  });

  it('waits the busy timeout for another writer before reporting the lock', () => {
    const path = join(tempDir('ladder-store-'), 'ladder.db');
    const store = openStore(path, { busyTimeoutMs: 600 });
    const other = new Database(path, { timeout: 50 });
    other.prepare('BEGIN IMMEDIATE').run();
    const t0 = Date.now();
    expect(() => store.savePosition(newPosition())).toThrow(/database is locked/);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(500);
    other.prepare('ROLLBACK').run();
    other.close();
    expect(store.savePosition(newPosition())).toBe(1);
    store.close();
  });
});
