import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { isRecord } from '../core/config/path.ts';
import { type IsAlive, pidAlive } from './run-lock.ts';
import { StoreError, isBusy, isNotADatabase, lockedError } from './store-error.ts';

/**
 * The optimizer's own database (`ladder optimize --db`): one row per run and one per evaluated
 * candidate, written as each result arrives, so a killed run resumes without evaluating a stored
 * candidate again. It is not trading state: its schema is versioned here (PRAGMA user_version),
 * apart from the trading store's migrations.
 */
export const OPTIMIZE_SCHEMA_VERSION = 2;

const SCHEMA_V1 = `
CREATE TABLE optimize_runs (
  id TEXT PRIMARY KEY,
  created_at_ms INTEGER NOT NULL,
  spec TEXT NOT NULL
);
CREATE TABLE optimize_results (
  run_id TEXT NOT NULL REFERENCES optimize_runs(id),
  key TEXT NOT NULL,
  seq INTEGER NOT NULL,
  origin TEXT NOT NULL,
  result TEXT NOT NULL,
  stored_at_ms INTEGER NOT NULL,
  PRIMARY KEY (run_id, key)
);
`;

/**
 * Version 2: who is running a run now. One process per run: a second coordinator of the same run
 * (a --resume while it runs) would evaluate every missing candidate again.
 */
const SCHEMA_V2 = `
CREATE TABLE optimize_run_locks (
  run_id TEXT PRIMARY KEY REFERENCES optimize_runs(id),
  pid INTEGER NOT NULL,
  host TEXT NOT NULL,
  started_at_ms INTEGER NOT NULL
);
`;

/** The process running a run. */
export interface RunHolder {
  readonly pid: number;
  readonly host: string;
  readonly startedAtMs: number;
}

export interface StoredRun {
  readonly id: string;
  readonly createdAtMs: number;
  readonly spec: unknown;
}

export interface StoredResult {
  readonly key: string;
  /** Order in which the search proposed it (references first). */
  readonly seq: number;
  readonly origin: string;
  readonly result: unknown;
}

export interface OptimizeRunStore {
  readonly path: string;
  createRun(id: string, spec: unknown, nowMs: number): void;
  getRun(id: string): StoredRun | null;
  runIds(): string[];
  /** Stores a candidate's result once: false (and nothing written) when the run already has it. */
  saveResult(runId: string, r: StoredResult, nowMs: number): boolean;
  /**
   * The run's results one at a time, each parsed and handed to `take` before the next is read: a
   * resumed run of many candidates never holds every row's text and its parsed copy at once.
   */
  eachResult(runId: string, take: (r: StoredResult) => void): void;
  /**
   * Takes the run for this process, or throws `store_in_use` naming the process that holds it. A
   * lock of this host whose process is gone (a killed run) is taken over and returned; one of
   * another host cannot be checked and is refused, as the bot's store lock does.
   */
  lockRun(runId: string, me: RunHolder, isAlive?: IsAlive): { tookOverFrom: RunHolder | null };
  /** Gives the run back (only this process's own lock). */
  unlockRun(runId: string, me: Pick<RunHolder, 'pid' | 'host'>): void;
  close(): void;
}

/** Opens (creating) an optimizer database: WAL (a commit survives a killed process), its own schema version. */
export function openOptimizeRuns(path: string): OptimizeRunStore {
  let db: Database.Database;
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    db = new Database(path, { timeout: 5000 });
  } catch (e) {
    // SQLite's own words ("unable to open database file") name no file: this does.
    const why = (e as { code?: string }).code === 'EISDIR' || (existsSync(path) && statSync(path).isDirectory()) ? 'it is a directory' : (e as Error).message;
    throw new StoreError('cannot_open', `${path}: cannot open the optimizer database (${why}); give --db another file`);
  }
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    const version = db.pragma('user_version', { simple: true }) as number;
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((t) => t.name);
    // Another database (the bot's own store, say) is named as such before its schema version is read.
    if (tables.length > 0 && !tables.includes('optimize_runs')) throw new Error(`${path}: not an optimizer database (it has other tables: ${tables.slice(0, 3).join(', ')}); give --db another file`);
    if (version > OPTIMIZE_SCHEMA_VERSION) throw new StoreError('newer_schema', `${path}: optimizer schema version ${version} is newer than this Ladder knows (${OPTIMIZE_SCHEMA_VERSION})`);
    if (version < OPTIMIZE_SCHEMA_VERSION) {
      db.transaction(() => {
        if (version < 1) db.exec(SCHEMA_V1);
        if (version < 2) db.exec(SCHEMA_V2);
        db.pragma(`user_version = ${OPTIMIZE_SCHEMA_VERSION}`);
      }).immediate();
    }
  } catch (e) {
    db.close();
    if (isNotADatabase(e)) throw new StoreError('not_a_database', `${path}: not an optimizer database (SQLite: ${(e as Error).message}); give --db another file`);
    if (isBusy(e)) throw lockedError(path, 'the optimizer database', e);
    throw e;
  }
  const insertRun = db.prepare('INSERT INTO optimize_runs (id, created_at_ms, spec) VALUES (?, ?, ?)');
  const selectRun = db.prepare('SELECT id, created_at_ms, spec FROM optimize_runs WHERE id = ?');
  const insertResult = db.prepare('INSERT OR IGNORE INTO optimize_results (run_id, key, seq, origin, result, stored_at_ms) VALUES (?, ?, ?, ?, ?, ?)');
  const selectResults = db.prepare('SELECT key, seq, origin, result FROM optimize_results WHERE run_id = ? ORDER BY seq');
  const selectLock = db.prepare<[string]>('SELECT pid, host, started_at_ms FROM optimize_run_locks WHERE run_id = ?');
  const putLock = db.prepare('INSERT INTO optimize_run_locks (run_id, pid, host, started_at_ms) VALUES (?, ?, ?, ?) ON CONFLICT (run_id) DO UPDATE SET pid = excluded.pid, host = excluded.host, started_at_ms = excluded.started_at_ms');
  const dropLock = db.prepare<[string, number, string]>('DELETE FROM optimize_run_locks WHERE run_id = ? AND pid = ? AND host = ?');
  const lockRun = db.transaction((runId: string, me: RunHolder, isAlive: IsAlive): { tookOverFrom: RunHolder | null } => {
    const row = selectLock.get(runId) as { pid: number; host: string; started_at_ms: number } | undefined;
    const held = row ? { pid: row.pid, host: row.host, startedAtMs: row.started_at_ms } : null;
    const other = held !== null && !(held.pid === me.pid && held.host === me.host);
    if (other && (held.host !== me.host || isAlive(held.pid))) {
      const since = new Date(held.startedAtMs).toISOString();
      throw new StoreError(
        'store_in_use',
        held.host === me.host
          ? `run ${runId} is being run by another process (pid ${held.pid} on ${held.host}, since ${since}): wait for it to end, or stop it first`
          : `run ${runId} is being run by a process of another machine (pid ${held.pid} on ${held.host}, since ${since}): wait for it to end; if it no longer runs, remove its lock with: sqlite3 ${path} "DELETE FROM optimize_run_locks WHERE run_id = '${runId}'"`,
      );
    }
    putLock.run(runId, me.pid, me.host, me.startedAtMs);
    return { tookOverFrom: other ? held : null };
  });
  return {
    path,
    lockRun: (runId, me, isAlive = pidAlive) => {
      try {
        return lockRun.immediate(runId, me, isAlive);
      } catch (e) {
        if (isBusy(e)) throw lockedError(path, 'the optimizer database', e);
        throw e;
      }
    },
    unlockRun: (runId, me) => void dropLock.run(runId, me.pid, me.host),
    createRun: (id, spec, nowMs) => void insertRun.run(id, nowMs, JSON.stringify(spec)),
    getRun: (id) => {
      const r = selectRun.get(id) as { id: string; created_at_ms: number; spec: string } | undefined;
      if (!r) return null;
      const spec = parseRow(r.spec, isRecord);
      if (spec === undefined) throw new StoreError('corrupt_row', `${path}: run ${id}: its stored options cannot be read back (hand-edited or damaged): start a new run`);
      return { id: r.id, createdAtMs: r.created_at_ms, spec };
    },
    runIds: () => (db.prepare('SELECT id FROM optimize_runs ORDER BY created_at_ms').all() as { id: string }[]).map((r) => r.id),
    saveResult: (runId, r, nowMs) => insertResult.run(runId, r.key, r.seq, r.origin, JSON.stringify(r.result), nowMs).changes === 1,
    eachResult: (runId, take) => {
      for (const r of selectResults.iterate(runId) as Iterable<{ key: string; seq: number; origin: string; result: string }>) {
        const result = parseRow(r.result, isStoredResult);
        if (result === undefined) {
          throw new StoreError(
            'corrupt_row',
            `${path}: run ${runId}: the stored result of candidate ${r.seq} cannot be read back (hand-edited or damaged): remove it and resume, which evaluates it again: ` +
              `sqlite3 ${path} "DELETE FROM optimize_results WHERE run_id = '${runId}' AND seq = ${r.seq}"`,
          );
        }
        take({ key: r.key, seq: r.seq, origin: r.origin, result });
      }
    },
    close: () => db.close(),
  };
}

/** A stored JSON column, or undefined when it is not JSON or not of the shape `ok` checks. */
function parseRow(text: string, ok: (v: unknown) => boolean): unknown {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  return ok(v) ? v : undefined;
}

/** What a resumed run reads of a stored result before anything else: its windows, each with its figures. */
const isStoredResult = (v: unknown): boolean =>
  isRecord(v) && Array.isArray(v.windows) && v.windows.every((w: unknown) => isRecord(w) && isRecord(w.metrics) && w.daily !== null);
