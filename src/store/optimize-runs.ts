import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { StoreError, isNotADatabase } from './store-error.ts';

/**
 * The optimizer's own database (`ladder optimize --db`): one row per run and one per evaluated
 * candidate, written as each result arrives, so a killed run resumes without evaluating a stored
 * candidate again. It is not trading state: its schema is versioned here (PRAGMA user_version),
 * apart from the trading store's migrations.
 */
export const OPTIMIZE_SCHEMA_VERSION = 1;

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
    if (version === 0) {
      db.exec(SCHEMA_V1);
      db.pragma(`user_version = ${OPTIMIZE_SCHEMA_VERSION}`);
    }
  } catch (e) {
    db.close();
    if (isNotADatabase(e)) throw new StoreError('not_a_database', `${path}: not an optimizer database (SQLite: ${(e as Error).message}); give --db another file`);
    throw e;
  }
  const insertRun = db.prepare('INSERT INTO optimize_runs (id, created_at_ms, spec) VALUES (?, ?, ?)');
  const selectRun = db.prepare('SELECT id, created_at_ms, spec FROM optimize_runs WHERE id = ?');
  const insertResult = db.prepare('INSERT OR IGNORE INTO optimize_results (run_id, key, seq, origin, result, stored_at_ms) VALUES (?, ?, ?, ?, ?, ?)');
  const selectResults = db.prepare('SELECT key, seq, origin, result FROM optimize_results WHERE run_id = ? ORDER BY seq');
  return {
    path,
    createRun: (id, spec, nowMs) => void insertRun.run(id, nowMs, JSON.stringify(spec)),
    getRun: (id) => {
      const r = selectRun.get(id) as { id: string; created_at_ms: number; spec: string } | undefined;
      return r ? { id: r.id, createdAtMs: r.created_at_ms, spec: JSON.parse(r.spec) as unknown } : null;
    },
    runIds: () => (db.prepare('SELECT id FROM optimize_runs ORDER BY created_at_ms').all() as { id: string }[]).map((r) => r.id),
    saveResult: (runId, r, nowMs) => insertResult.run(runId, r.key, r.seq, r.origin, JSON.stringify(r.result), nowMs).changes === 1,
    eachResult: (runId, take) => {
      for (const r of selectResults.iterate(runId) as Iterable<{ key: string; seq: number; origin: string; result: string }>) take({ key: r.key, seq: r.seq, origin: r.origin, result: JSON.parse(r.result) as unknown });
    },
    close: () => db.close(),
  };
}
