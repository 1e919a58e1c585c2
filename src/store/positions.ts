import type Database from 'better-sqlite3';
import { type LadderPlan, type Position, lastExitTimeMs, totalPnl } from '../core/index.ts';
import { decodeJson, encodeJson } from './json-codec.ts';
import { StoreError } from './store-error.ts';

/** Everything of a Position but its plan, which is stored once in `plans` (R3.4). */
type PositionState = Omit<Position, 'plan'>;

interface PositionRow {
  readonly id: string;
  readonly json: string;
  readonly plan_json: string;
}

interface SaveRow {
  readonly symbol: string;
  readonly version: number;
  readonly json: string;
  readonly plan_json: string;
}

/** R4.2: original = remaining + Σ exits, exactly, in integer steps. */
export function isConserved(p: Pick<Position, 'originalSteps' | 'remainingSteps' | 'partialExits'>): boolean {
  let sum: number = p.remainingSteps;
  for (const e of p.partialExits) {
    if (!Number.isSafeInteger(e.qtySteps)) return false;
    sum += e.qtySteps;
  }
  return Number.isSafeInteger(p.originalSteps) && Number.isSafeInteger(p.remainingSteps) && sum === p.originalSteps;
}

const SELECT = 'SELECT p.id, p.json, pl.json AS plan_json FROM positions p JOIN plans pl ON pl.position_id = p.id';

/** The open positions' ids and versions, by their partial index (one per symbol): a poll costs the open ones, not the history. */
export const OPEN_VERSIONS_SQL = "SELECT id, version FROM positions WHERE status = 'open' ORDER BY symbol";

export function positionRows(db: Database.Database, now: () => number) {
  const selectForSave = db.prepare<[string]>(
    'SELECT p.symbol, p.version, p.json, pl.json AS plan_json FROM positions p JOIN plans pl ON pl.position_id = p.id WHERE p.id = ?',
  );
  const insert = db.prepare(
    `INSERT INTO positions (id, symbol, side, status, entry_price, entry_time_ms, entry_fee, original_steps, remaining_steps,
       stop_ticks, stop_seq, closing_reason, realized_pnl, closed_at_ms, json, version, created_at_ms, updated_at_ms)
     VALUES (@id, @symbol, @side, @status, @entry_price, @entry_time_ms, @entry_fee, @original_steps, @remaining_steps,
       @stop_ticks, @stop_seq, @closing_reason, @realized_pnl, @closed_at_ms, @json, @version, @now, @now)`,
  );
  const update = db.prepare(
    `UPDATE positions SET status = @status, entry_fee = @entry_fee, remaining_steps = @remaining_steps, stop_ticks = @stop_ticks,
       stop_seq = @stop_seq, closing_reason = @closing_reason, realized_pnl = @realized_pnl, closed_at_ms = @closed_at_ms,
       json = @json, version = @version, updated_at_ms = @now
     WHERE id = @id`,
  );
  const insertPlan = db.prepare('INSERT INTO plans (position_id, mode, json, created_at_ms) VALUES (?, ?, ?, ?)');
  const deleteExits = db.prepare<[string]>('DELETE FROM exits WHERE position_id = ?');
  const insertExit = db.prepare(
    `INSERT INTO exits (position_id, seq, reason, level, time_ms, price, qty_steps, fee, pnl, client_order_id, order_id)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const deleteMoves = db.prepare<[string]>('DELETE FROM stop_moves WHERE position_id = ?');
  const insertMove = db.prepare(
    `INSERT INTO stop_moves (position_id, seq, time_ms, level, rule, from_ticks, to_ticks, from_price, to_price)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const byId = db.prepare<[string]>(`${SELECT} WHERE p.id = ?`);
  const open = db.prepare<[]>(`${SELECT} WHERE p.status = 'open' ORDER BY p.entry_time_ms, p.id`);
  const openBySymbol = db.prepare<[string]>(`${SELECT} WHERE p.status = 'open' AND p.symbol = ?`);
  const versionOf = db.prepare<[string]>('SELECT version FROM positions WHERE id = ?');
  const openVersions = db.prepare<[]>(OPEN_VERSIONS_SQL);
  const createdAtOf = db.prepare<[string]>('SELECT created_at_ms FROM positions WHERE id = ?');

  const toPosition = (r: PositionRow): Position => {
    const state = decodeJson(r.json) as PositionState;
    const plan = decodeJson(r.plan_json) as LadderPlan;
    if (typeof state !== 'object' || state === null || state.id !== r.id || !Array.isArray(state.partialExits) || !isConserved(state)) {
      throw new StoreError('corrupt_row', `position ${r.id}: the stored state cannot be read back`);
    }
    // Rows written before closeSeq existed have none: no close was ever re-sent for them.
    return { ...state, closeSeq: state.closeSeq ?? 0, plan };
  };

  function writeProjections(p: Position): void {
    deleteExits.run(p.id);
    p.partialExits.forEach((e, i) =>
      insertExit.run(p.id, i, e.reason, e.level, e.timeMs, e.price, e.qtySteps, e.fee, e.pnl, e.clientOrderId, e.orderId),
    );
    deleteMoves.run(p.id);
    p.stopMoves.forEach((m, i) =>
      insertMove.run(p.id, i, m.timeMs, m.level, m.rule, m.fromTicks, m.toTicks, m.fromPrice, m.toPrice),
    );
  }

  /** Inserts or updates; returns the stored version. Run inside a transaction (the caller's). */
  function save(p: Position, expectVersion: number | undefined): number {
    if (!isConserved(p)) {
      throw new StoreError('size_not_conserved', `position ${p.id}: original ${p.originalSteps} ≠ remaining ${p.remainingSteps} + Σ exits`);
    }
    const { plan, ...state } = p;
    const json = encodeJson(state);
    const planJson = encodeJson(plan);
    const row = selectForSave.get(p.id) as SaveRow | undefined;
    const stored = row?.version ?? 0;
    if (expectVersion !== undefined && expectVersion !== stored) {
      throw new StoreError('stale_version', `position ${p.id}: expected version ${expectVersion}, stored ${stored}`);
    }
    if (row !== undefined) {
      if (row.symbol !== p.symbol || row.plan_json !== planJson) {
        throw new StoreError('conflicting_position', `position ${p.id}: its symbol and plan never change once stored (R3.4)`);
      }
      if (row.json === json) return row.version;
      const before = (decodeJson(row.json) as PositionState).appliedTradeIds;
      if (before.some((id, i) => p.appliedTradeIds[i] !== id)) {
        throw new StoreError('conflicting_position', `position ${p.id}: the save would drop booked trades (a stale copy?)`);
      }
    }
    const version = stored + 1;
    const closedAt = p.status === 'closed' ? lastExitTimeMs(p) : null;
    const params = {
      id: p.id,
      symbol: p.symbol,
      side: p.side,
      status: p.status,
      entry_price: p.entryPrice,
      entry_time_ms: p.entryTimeMs,
      entry_fee: p.entryFee,
      original_steps: p.originalSteps,
      remaining_steps: p.remainingSteps,
      stop_ticks: p.stopTicks,
      stop_seq: p.stopSeq,
      closing_reason: p.closing?.reason ?? null,
      realized_pnl: totalPnl(p),
      closed_at_ms: closedAt,
      json,
      version,
      now: now(),
    };
    try {
      if (row === undefined) {
        insert.run(params);
        insertPlan.run(p.id, plan.mode, planJson, params.now);
      } else {
        update.run(params);
      }
    } catch (e) {
      if ((e as { code?: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
        throw new StoreError('duplicate_open_position', `position ${p.id}: ${p.symbol} already has an open position (one per symbol)`);
      }
      throw e;
    }
    writeProjections(p);
    return version;
  }

  return {
    save,
    get: (id: string): Position | null => {
      const r = byId.get(id) as PositionRow | undefined;
      return r === undefined ? null : toPosition(r);
    },
    open: (): Position[] => (open.all() as PositionRow[]).map(toPosition),
    openBySymbol: (symbol: string): Position | null => {
      const r = openBySymbol.get(symbol) as PositionRow | undefined;
      return r === undefined ? null : toPosition(r);
    },
    version: (id: string): number | null => (versionOf.get(id) as { version: number } | undefined)?.version ?? null,
    openVersions: (): string => (openVersions.all() as { id: string; version: number }[]).map((r) => `${r.id}@${r.version}`).join(' '),
    createdAt: (id: string): number | null => (createdAtOf.get(id) as { created_at_ms: number } | undefined)?.created_at_ms ?? null,
    toPosition,
  };
}

export type PositionRows = ReturnType<typeof positionRows>;
