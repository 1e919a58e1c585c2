import { liquidationDistancePct } from '../../core/config/index.ts';
import { type Position, qtyOf, tpStatus } from '../../core/index.ts';
import { type HistoryQuery, SLICE_MS, type Store, TRADES_CSV_HEADER, nextTurn, tradeCsvRows } from '../../store/index.ts';
import type { CandlesResponse, HistoryResponse, PositionCardView } from '../components/dashboard-model.ts';
import { tradeView } from '../trade-view.ts';
import type { LastPrice, MarketBook } from './market-book.ts';

/** A position's card: the core's `tpStatus` at the last known price, sizes in base units (R8.1–R8.3). */
export function positionCard(p: Position, last: LastPrice | null, leverage: number | null): PositionCardView {
  const s = tpStatus(p, last?.price);
  const remainingQty = qtyOf(p.remainingSteps, p.plan);
  const margin = leverage === null ? null : (p.entryPrice * remainingQty) / leverage;
  const liqPct = leverage === null ? null : liquidationDistancePct(leverage);
  return {
    id: p.id,
    symbol: p.symbol,
    side: p.side,
    mode: p.plan.mode,
    leverage,
    liquidationPrice: liqPct === null ? null : p.entryPrice * (p.side === 'long' ? 1 - liqPct / 100 : 1 + liqPct / 100),
    marginUsed: margin,
    returnOnMarginPct: margin !== null && margin > 0 && s.unrealizedPnl !== null ? (s.unrealizedPnl / margin) * 100 : null,
    entryPrice: p.entryPrice,
    entryTimeMs: p.entryTimeMs,
    originalQty: qtyOf(p.originalSteps, p.plan),
    remainingQty,
    levels: s.levels.map((l) => ({
      level: l.level,
      reason: l.reason,
      targetPrice: l.targetPrice,
      closePct: l.closePct,
      plannedQty: qtyOf(l.plannedSteps, p.plan),
      filledQty: qtyOf(l.filledSteps, p.plan),
      status: l.status,
      skipped: l.skipped,
      hit: l.hit,
      hitTimeMs: l.hitTimeMs,
      fillPrice: l.fillPrice,
    })),
    stopPrice: s.stopPrice,
    previousStopPrice: s.previousStopPrice,
    nextTarget: s.nextTarget,
    markPrice: last?.price ?? null,
    markTimeMs: last?.timeMs ?? null,
    unrealizedPnl: s.unrealizedPnl,
    realizedPnl: s.realizedPnl,
    avgExitPrice: s.avgExitPrice,
    trade: tradeView(p),
  };
}

/** Trades per page of History, unless asked otherwise. */
export const HISTORY_PAGE_SIZE = 50;

/**
 * Trades grouped by entry (R4.5, R8.4), newest entry first, open ones included, one page of them: the
 * totals cover every matching trade, only the page's positions are read in full.
 */
export function historyView(store: Store, book: MarketBook, q: HistoryQuery, paging: { page: number; pageSize: number } = { page: 1, pageSize: HISTORY_PAGE_SIZE }): HistoryResponse {
  // The totals from three columns of every match; only the page's positions are read in full.
  const all = store.historyIndex(q);
  const total = all.ids.length;
  const pageSize = Math.max(1, paging.pageSize);
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const page = Math.min(Math.max(1, paging.page), pages);
  const trades = all.ids
    .slice((page - 1) * pageSize, page * pageSize)
    .map((id) => store.getPosition(id))
    .filter((p): p is Position => p !== null)
    .map(tradeView);
  return { trades, symbols: book.all(), total, closed: all.closed, realisedPnl: all.realisedPnl, page, pageSize, pages };
}

/**
 * The trades CSV of History's filters, every page, open trades included (`ladder history --csv` writes
 * the same text), as chunks of text: each slice of trades read (SLICE_MS of work) is handed on before the
 * next is read, and the event loop is given back in between. Read all at once, a download of a store of
 * 10,000 trades held the bot's process (price polls, order calls) ~1 s; made whole before it was sent,
 * it held every trade and the whole text in the bot's memory (~80 MB more for 20,000 trades, per download).
 */
export async function* historyCsv(store: Store, q: HistoryQuery): AsyncGenerator<string> {
  const { ids } = store.historyIndex({ ...(q.symbol !== undefined ? { symbol: q.symbol } : {}), ...(q.fromMs !== undefined ? { fromMs: q.fromMs } : {}), ...(q.toMs !== undefined ? { toMs: q.toMs } : {}) });
  let chunk = TRADES_CSV_HEADER;
  let sliceStart = performance.now();
  // History's order (entry time, then id): the index lists them newest first.
  for (let i = ids.length - 1; i >= 0; i--) {
    const t = store.tradeRecord(ids[i]!);
    if (t !== null) chunk += tradeCsvRows(t);
    if (performance.now() - sliceStart > SLICE_MS) {
      yield chunk;
      chunk = '';
      await nextTurn();
      sliceStart = performance.now();
    }
  }
  if (chunk) yield chunk;
}

/** Stored candles of a symbol as columns (its finest stored timeframe). */
export function candlesView(store: Store, book: MarketBook, symbol: string, q: { fromMs?: number; toMs?: number; limit: number }): CandlesResponse {
  const tf = book.timeframeOf(symbol);
  const rows = tf === null ? [] : store.candles(symbol, tf, { ...q, newest: true });
  return {
    symbol,
    timeframeMs: tf,
    candles: { t: rows.map((c) => c.openTimeMs), o: rows.map((c) => c.open), h: rows.map((c) => c.high), l: rows.map((c) => c.low), c: rows.map((c) => c.close) },
  };
}
