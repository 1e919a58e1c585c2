import { levelStats } from '../core/analytics/level-stats.ts';
import { storeMarketNowMs } from '../core/risk/market-clock.ts';
import type { Position } from '../core/model/position.ts';
import { qtyOf, totalPnl } from '../core/scaled-tp/exit-manager.ts';
import { type Store, type TradeRecord, readHistoryInSlices } from '../store/index.ts';

/** The answers of the read-only Telegram commands, from the store only (nothing here can trade). */
export type CommandName = 'status' | 'profit' | 'levels';
export const COMMANDS: readonly CommandName[] = ['status', 'profit', 'levels'];

const money = (x: number): string => (x >= 0 ? `+${x.toFixed(2)}` : x.toFixed(2));
const DAY_MS = 86_400_000;

/**
 * The answer to `name`. /profit and /levels read every trade of the store a slice at a time
 * (readHistoryInSlices): they run in the bot's process, and a long store read at once held its price
 * polls and order calls (10,000 trades: about a second).
 */
export async function commandAnswer(name: CommandName, store: Store, nowMs: number): Promise<string> {
  switch (name) {
    case 'status':
      return statusText(store.openPositions());
    case 'profit':
      // "Today" on the clock the risk limits count on: a run on the simulator answers for its market day.
      return profitText(await readHistoryInSlices(store, {}, (id) => store.tradeRecord(id)), storeMarketNowMs(nowMs, store.latestRun(), newestCandleClose(store)));
    case 'levels':
      return levelsText(await readHistoryInSlices(store, {}, (id) => closedPosition(store, id)));
  }
}

/** The newest close among the store's candle series, with its timeframe; null when none is stored. */
function newestCandleClose(store: Store): { closeMs: number; timeframeMs: number } | null {
  let newest: { closeMs: number; timeframeMs: number } | null = null;
  for (const s of store.candleSeries()) if (newest === null || s.lastOpenMs + s.timeframeMs > newest.closeMs) newest = { closeMs: s.lastOpenMs + s.timeframeMs, timeframeMs: s.timeframeMs };
  return newest;
}

const closedPosition = (store: Store, id: string): Position | null => {
  const p = store.getPosition(id);
  return p !== null && p.status === 'closed' ? p : null;
};

const LEVEL_MARK = { filled: '✓', skipped: '–', sent: '…', pending: '·', canceled: '×', withdrawn: '…' } as const;

/** /status: each open position with its ladder (level by level), stop and realised part. */
export function statusText(open: readonly Position[]): string {
  if (!open.length) return 'No open position.';
  const blocks = open.map((p) => {
    const q = (s: number) => qtyOf(s, p.plan);
    // Its exits' PnL plus the funding booked on it (SPEC "Fees"), as /profit and the history count it.
    const realised = totalPnl(p);
    const levels = p.plan.levels.map((l, i) => `${l.reason.toUpperCase()} ${LEVEL_MARK[p.levels[i]!.status]} ${l.targetPrice} × ${q(l.qtySteps)}`);
    return [
      `${p.symbol} ${p.side} ${q(p.remainingSteps)} of ${q(p.originalSteps)} from ${p.entryPrice}`,
      `  stop ${p.stopMoves.at(-1)?.toPrice ?? p.plan.initialStopPrice}${Number.isFinite(p.nextTargetPrice) ? ` · next target ${p.nextTargetPrice}` : ''}${p.partialExits.length || p.funding !== undefined ? ` · realised ${money(realised)}` : ''}`,
      `  ${levels.join(' | ')}`,
    ].join('\n');
  });
  return [`${open.length} open position${open.length === 1 ? '' : 's'} (✓ hit, … sent, · waiting, – skipped)`, ...blocks].join('\n');
}

/** /profit: realised PnL of closed trades (all and today UTC) and the realised part of open ones (`trades`: every trade, open ones included). */
export function profitText(trades: readonly TradeRecord[], nowMs: number): string {
  const closed = trades.filter((t) => t.closedAtMs !== null);
  if (!trades.length) return 'No trade yet.';
  const total = closed.reduce((a, t) => a + t.pnl, 0);
  const dayStart = Math.floor(nowMs / DAY_MS) * DAY_MS;
  const today = closed.filter((t) => t.closedAtMs! >= dayStart);
  const won = closed.filter((t) => t.pnl > 0).length;
  const openPart = trades.filter((t) => t.closedAtMs === null).reduce((a, t) => a + t.pnl, 0);
  return [
    `Realised PnL ${money(total)} over ${closed.length} closed trade${closed.length === 1 ? '' : 's'}${closed.length ? ` (${won} won, ${((won / closed.length) * 100).toFixed(1)} %)` : ''}`,
    `Today (UTC) ${money(today.reduce((a, t) => a + t.pnl, 0))} over ${today.length}`,
    `Open positions: ${trades.length - closed.length}, realised so far ${money(openPart)}`,
  ].join('\n');
}

/** /levels: hits, hit rate and average PnL per level over the closed trades (level-stats.ts). */
export function levelsText(closed: readonly Position[]): string {
  if (!closed.length) return 'No closed trade yet.';
  const rows = levelStats(closed).map((s) => `${s.reason.toUpperCase()}: ${s.hits}/${s.eligible} hit (${(s.hit_rate * 100).toFixed(1)} %), avg ${money(s.avg_pnl)}`);
  return [`Levels over ${closed.length} closed trade${closed.length === 1 ? '' : 's'}`, ...rows].join('\n');
}
