import type Database from 'better-sqlite3';
import { type LadderPlan, type Position, averageExitPrice, qtyOf, totalPnl } from '../core/index.ts';
import { decodeJson } from './json-codec.ts';
import { formatScaled, parseDec } from '../core/decimal.ts';
import type { PositionRows } from './positions.ts';
import type { HistoryQuery, TradeRecord } from './records.ts';

/** The positions History matches (those with a plan; a symbol, an entry time window, each optional): one filter for the trades and their totals. */
const HISTORY_MATCH = `FROM positions p JOIN plans pl ON pl.position_id = p.id
     WHERE (@symbol IS NULL OR p.symbol = @symbol)
       AND (@fromMs IS NULL OR p.entry_time_ms >= @fromMs)
       AND (@toMs IS NULL OR p.entry_time_ms < @toMs)`;

/**
 * Trade history (R4.5, R8.4): each entry with all its exits grouped. Built from the stored Positions
 * (the exact doubles, the core's own R4.3 arithmetic), filtered by the indexed columns.
 */
export function historyRows(db: Database.Database, positions: PositionRows) {
  const select = db.prepare(
    `SELECT p.id, p.json, pl.json AS plan_json, p.closed_at_ms ${HISTORY_MATCH}
       AND (@includeOpen = 1 OR p.status = 'closed')
     ORDER BY p.entry_time_ms, p.id`,
  );
  return (q: HistoryQuery = {}): TradeRecord[] => {
    const rows = select.all({
      symbol: q.symbol ?? null,
      fromMs: q.fromMs ?? null,
      toMs: q.toMs ?? null,
      includeOpen: q.includeOpen ? 1 : 0,
    }) as { id: string; json: string; plan_json: string; closed_at_ms: number | null }[];
    return rows.map((r) => tradeOf(positions.toPosition(r), r.closed_at_ms));
  };
}

/** A symbol's tick and step as the history's trades carry them (exact decimal texts of the plan). */
export interface SymbolSteps {
  readonly symbol: string;
  readonly tickSize: string;
  readonly stepSize: string;
}

/**
 * The tick and step of every symbol with a trade in the history, from its newest entry's plan: what a
 * walk over tradeHistory() keeps last, read from one plan per symbol instead of every trade.
 */
export function symbolStepsRows(db: Database.Database): () => SymbolSteps[] {
  const symbols = db.prepare('SELECT DISTINCT p.symbol FROM positions p JOIN plans pl ON pl.position_id = p.id ORDER BY p.symbol');
  const newestPlan = db.prepare<[string]>('SELECT pl.json FROM positions p JOIN plans pl ON pl.position_id = p.id WHERE p.symbol = ? ORDER BY p.entry_time_ms DESC, p.id DESC LIMIT 1');
  return () =>
    (symbols.all() as { symbol: string }[]).map(({ symbol }) => {
      const plan = decodeJson((newestPlan.get(symbol) as { json: string }).json) as Pick<LadderPlan, 'tickSize' | 'stepSize'>;
      return { symbol, tickSize: plan.tickSize, stepSize: plan.stepSize };
    });
}

/** One trade of the history by its position id; null when there is none (or it has no plan). */
export function tradeByIdRows(db: Database.Database, positions: PositionRows) {
  const select = db.prepare<[string]>(`SELECT p.id, p.json, pl.json AS plan_json, p.closed_at_ms FROM positions p JOIN plans pl ON pl.position_id = p.id WHERE p.id = ?`);
  return (positionId: string): TradeRecord | null => {
    const r = select.get(positionId) as { id: string; json: string; plan_json: string; closed_at_ms: number | null } | undefined;
    return r === undefined ? null : tradeOf(positions.toPosition(r), r.closed_at_ms);
  };
}

/** What History shows over every trade that matches its filters (newest entry first), without reading any trade in full. */
export interface HistoryIndex {
  /** Ids of every matching position, newest entry first (entry time, then id, descending). */
  readonly ids: readonly string[];
  readonly closed: number;
  /** Σ of their stored realized_pnl (the core's totalPnl of each), summed newest first. */
  readonly realisedPnl: number;
}

/**
 * `historyRows`' filters (open positions included) on three indexed columns: the dashboard's History
 * page reads only its own page's positions in full. Before, every page view parsed every stored
 * position's JSON (~0.5 s for a long history, in the bot's process when the dashboard runs beside it).
 */
export function historyIndexRows(db: Database.Database): (q?: Omit<HistoryQuery, 'includeOpen'>) => HistoryIndex {
  const select = db.prepare(`SELECT p.id, p.status, p.realized_pnl AS pnl ${HISTORY_MATCH} ORDER BY p.entry_time_ms DESC, p.id DESC`);
  return (q = {}) => {
    const rows = select.all({ symbol: q.symbol ?? null, fromMs: q.fromMs ?? null, toMs: q.toMs ?? null }) as { id: string; status: string; pnl: number }[];
    const ids = new Array<string>(rows.length);
    let closed = 0;
    let realisedPnl = 0;
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      ids[i] = r.id;
      if (r.status === 'closed') closed++;
      realisedPnl += r.pnl;
    }
    return { ids, closed, realisedPnl };
  };
}

/** The dashboard's view of one position as a trade. */
export function tradeOf(p: Position, closedAtMs: number | null): TradeRecord {
  return {
    positionId: p.id,
    symbol: p.symbol,
    side: p.side,
    status: p.status,
    planMode: p.plan.mode,
    entryTimeMs: p.entryTimeMs,
    entryPrice: p.entryPrice,
    entryFee: p.entryFee,
    originalSteps: p.originalSteps,
    remainingSteps: p.remainingSteps,
    originalQty: qtyOf(p.originalSteps, p.plan),
    remainingQty: qtyOf(p.remainingSteps, p.plan),
    tickSize: p.plan.tickSize,
    stepSize: p.plan.stepSize,
    exits: p.partialExits.map((e) => ({
      reason: e.reason,
      level: e.level,
      timeMs: e.timeMs,
      price: e.price,
      qtySteps: e.qtySteps,
      qty: qtyOf(e.qtySteps, p.plan),
      fee: e.fee,
      pnl: e.pnl,
      clientOrderId: e.clientOrderId,
      orderId: e.orderId,
    })),
    levelsHit: p.tpLevelsHit,
    avgExitPrice: p.partialExits.length === 0 ? null : averageExitPrice(p),
    pnl: totalPnl(p),
    funding: p.funding ?? null,
    closedAtMs,
    stopMoves: p.stopMoves,
  };
}

/** Columns of the trades CSV: the entry's, then the exit's (one row per exit). */
export const TRADES_CSV_COLUMNS = [
  'trade_id',
  'symbol',
  'side',
  'status',
  'entry_time',
  'entry_price',
  'original_qty',
  'entry_fee',
  'trade_pnl',
  'trade_funding',
  'avg_exit_price',
  'exit_seq',
  'exit_time',
  'exit_reason',
  'exit_level',
  'exit_price',
  'exit_qty',
  'exit_fee',
  'exit_pnl',
  'exit_client_order_id',
  'exit_order_id',
] as const;

/** A CSV field: quoted when it holds a comma, a quote or a line break (RFC 4180). */
const csvField = (v: string | number | null): string => {
  const s = v === null ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Trades as CSV ([views] 17): one row per exit, with its entry's columns (a trade with no exit yet has
 * no row), in the order given (the store's: entry time, then id), exits in their order. Times are
 * ISO-8601 UTC; quantities exact from steps and the step size; prices, fees and PnL as stored. The
 * dashboard's download and `ladder history --csv` both write this.
 */
export function tradesCsv(trades: readonly TradeRecord[]): string {
  let text = TRADES_CSV_HEADER;
  for (const t of trades) text += tradeCsvRows(t);
  return text;
}

/** The trades CSV's first line. */
export const TRADES_CSV_HEADER = `${TRADES_CSV_COLUMNS.join(',')}\n`;

/** One trade's rows of the trades CSV (one per exit, each ending in a newline; none before its first exit). */
export function tradeCsvRows(t: TradeRecord): string {
  const step = parseDec(t.stepSize);
  const entry = [t.positionId, t.symbol, t.side, t.status, iso(t.entryTimeMs), t.entryPrice, formatScaled(t.originalSteps, step), t.entryFee, t.pnl, t.funding, t.avgExitPrice];
  let rows = '';
  t.exits.forEach((e, seq) => {
    const exit = [seq, iso(e.timeMs), e.reason, e.level, e.price, formatScaled(e.qtySteps, step), e.fee, e.pnl, e.clientOrderId, e.orderId];
    rows += `${[...entry, ...exit].map(csvField).join(',')}\n`;
  });
  return rows;
}
