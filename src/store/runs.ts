import type Database from 'better-sqlite3';
import type { IsAlive } from './run-lock.ts';

/** What ran: `ladder paper`, `ladder live`, or `ladder demo` (paper-like, on the simulator's replay). */
export type RunMode = 'paper' | 'live' | 'demo';
export const RUN_MODES: readonly RunMode[] = ['paper', 'live', 'demo'];

/**
 * A run's feed as stored: `running`; `data_ended` (the replayed data ran out, the bot may still run);
 * `stopped` (ended cleanly); `failed` (ended on an error). A killed bot cannot say so: see `runState`.
 */
export type RunFeedState = 'running' | 'data_ended' | 'stopped' | 'failed';

/** The last balance the bot read (the settle asset's; `total` is the equity, `free` the available margin). */
export interface RunAccount {
  readonly asset: string;
  readonly total: number;
  readonly free: number;
  readonly atMs: number;
}

export interface RunStart {
  readonly mode: RunMode;
  /** The command line's verb (`ladder demo`), for people reading the store. */
  readonly command: string;
  readonly pid: number;
  readonly host: string;
  readonly startedAtMs: number;
  /** The validated config with its defaults, as the bot runs with it (JSON-serialisable). */
  readonly config: unknown;
}

export interface RunRecord {
  readonly id: number;
  readonly mode: RunMode;
  readonly command: string;
  readonly pid: number;
  readonly host: string;
  readonly startedAtMs: number;
  readonly heartbeatAtMs: number;
  readonly endedAtMs: number | null;
  readonly feedState: RunFeedState;
  readonly feedStateAtMs: number;
  readonly detail: string | null;
  /** The stored config as it was written (parse it with the config schema before use). */
  readonly config: unknown;
  readonly account: RunAccount | null;
}

interface RunRow {
  id: number;
  mode: RunMode;
  command: string;
  pid: number;
  host: string;
  started_at_ms: number;
  heartbeat_at_ms: number;
  ended_at_ms: number | null;
  feed_state: RunFeedState;
  feed_state_at_ms: number;
  detail: string | null;
  config: string;
  account: string | null;
}

const COLUMNS = 'id, mode, command, pid, host, started_at_ms, heartbeat_at_ms, ended_at_ms, feed_state, feed_state_at_ms, detail, config, account';

const toRecord = (r: RunRow): RunRecord => ({
  id: r.id,
  mode: r.mode,
  command: r.command,
  pid: r.pid,
  host: r.host,
  startedAtMs: r.started_at_ms,
  heartbeatAtMs: r.heartbeat_at_ms,
  endedAtMs: r.ended_at_ms,
  feedState: r.feed_state,
  feedStateAtMs: r.feed_state_at_ms,
  detail: r.detail,
  config: JSON.parse(r.config) as unknown,
  account: r.account === null ? null : (JSON.parse(r.account) as RunAccount),
});

/** Rows of migration 8: one per bot run, written by the bot, read by the dashboard. */
export function runRows(db: Database.Database) {
  const insert = db.prepare(
    `INSERT INTO runs (mode, command, pid, host, started_at_ms, heartbeat_at_ms, feed_state, feed_state_at_ms, config)
     VALUES (@mode, @command, @pid, @host, @startedAtMs, @startedAtMs, 'running', @startedAtMs, @config)`,
  );
  const beat = db.prepare('UPDATE runs SET heartbeat_at_ms = MAX(heartbeat_at_ms, @atMs), account = COALESCE(@account, account) WHERE id = @id AND ended_at_ms IS NULL');
  // Only a running feed can run out of data; a second call changes nothing.
  const dataEnded = db.prepare("UPDATE runs SET feed_state = 'data_ended', feed_state_at_ms = @atMs, detail = @detail WHERE id = @id AND feed_state = 'running'");
  // A clean stop keeps 'data_ended' (that is why the feed stopped); a failure is always said.
  const end = db.prepare(
    `UPDATE runs SET ended_at_ms = @atMs, heartbeat_at_ms = MAX(heartbeat_at_ms, @atMs),
       feed_state = CASE WHEN @state = 'stopped' AND feed_state = 'data_ended' THEN feed_state ELSE @state END,
       feed_state_at_ms = CASE WHEN @state = 'stopped' AND feed_state = 'data_ended' THEN feed_state_at_ms ELSE @atMs END,
       detail = COALESCE(@detail, detail)
     WHERE id = @id AND ended_at_ms IS NULL`,
  );
  const latest = db.prepare<[]>(`SELECT ${COLUMNS} FROM runs ORDER BY started_at_ms DESC, id DESC LIMIT 1`);
  const list = db.prepare<[number]>(`SELECT ${COLUMNS} FROM runs ORDER BY started_at_ms DESC, id DESC LIMIT ?`);
  const get = db.prepare<[number]>(`SELECT ${COLUMNS} FROM runs WHERE id = ?`);

  return {
    /** Records a run at its start; returns its id. */
    start: (r: RunStart): number => {
      if (!RUN_MODES.includes(r.mode)) throw new RangeError(`run mode must be one of ${RUN_MODES.join(', ')}, got ${String(r.mode)}`);
      return Number(insert.run({ mode: r.mode, command: r.command, pid: r.pid, host: r.host, startedAtMs: r.startedAtMs, config: JSON.stringify(r.config) }).lastInsertRowid);
    },
    /** The bot is alive at `atMs`; with the balance it last read. An ended run is left as it is. */
    heartbeat: (id: number, atMs: number, account?: RunAccount): void => {
      beat.run({ id, atMs, account: account === undefined ? null : JSON.stringify(account) });
    },
    /** The replayed data ran out (the demo): the bot runs on, but no price will move again. */
    dataEnded: (id: number, atMs: number, detail: string): void => {
      dataEnded.run({ id, atMs, detail });
    },
    /** The run ended: cleanly (`stopped`) or on an error (`failed`, with its message). Only the first end counts. */
    end: (id: number, atMs: number, state: 'stopped' | 'failed', detail?: string): void => {
      end.run({ id, atMs, state, detail: detail ?? null });
    },
    get: (id: number): RunRecord | null => {
      const r = get.get(id) as RunRow | undefined;
      return r ? toRecord(r) : null;
    },
    /** The newest run (by start), or null when no bot ever ran on this store. */
    latest: (): RunRecord | null => {
      const r = latest.get() as RunRow | undefined;
      return r ? toRecord(r) : null;
    },
    /** Runs, newest first. */
    list: (limit = 100): RunRecord[] => (list.all(limit) as RunRow[]).map(toRecord),
  };
}

/** How often a running bot writes its heartbeat; readers call a silent run not responding after RUN_STALE_MS. */
export const RUN_HEARTBEAT_MS = 5_000;
export const RUN_STALE_MS = 3 * RUN_HEARTBEAT_MS;

/** A run's state as a reader sees it: a `running` run whose process is gone or silent is `not_responding`. */
export type RunState = RunFeedState | 'not_responding';

/**
 * What a reader should believe about a run at `nowMs`. A process killed outright writes nothing, so
 * a `running` run is `not_responding` once its heartbeat is older than `staleMs`, or at once when its
 * pid is gone on this host (`isAlive` given and `host` is this host).
 */
export function runState(r: RunRecord, nowMs: number, staleMs: number, here?: { readonly host: string; readonly isAlive: IsAlive }): RunState {
  if (r.endedAtMs !== null) return r.feedState;
  const gone = here !== undefined && here.host === r.host && !here.isAlive(r.pid);
  if (gone || nowMs - r.heartbeatAtMs > staleMs) return 'not_responding';
  return r.feedState;
}
