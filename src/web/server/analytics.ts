import { type Position, type RunAnalytics, analyzeRun, lastExitTimeMs, totalPnl } from '../../core/index.ts';
import type { HistoryQuery, Store } from '../../store/index.ts';
import type { AnalyticsResponse, ComparedTrade, RunView } from '../components/dashboard-model.ts';
import type { EquityCurve } from '../components/view-model.ts';
import { SLICE_MS, nextTurn, readHistoryInSlices } from '../../store/index.ts';
import type { MarketBook } from './market-book.ts';
import { type SingleTpOptions, type SingleTpOutcome, singleTpOutcome } from './single-tp.ts';

export interface AnalyticsOptions {
  readonly startingBalance: number;
  readonly single: SingleTpOptions;
}

/** Candles read per query while a single-TP replay walks forward. */
const BATCH = 500;
/** Single-TP outcomes kept per store (a closed trade never changes); beyond it the memo starts again. */
const MEMO_MAX = 50_000;
const memos = new WeakMap<Store, Map<string, SingleTpOutcome>>();

/**
 * Realised equity: the starting balance, then + each exit's PnL at its time and each trade's funding at
 * its newest settlement booked (its last exit when that time is unknown), all in time order. The first
 * point is the first entry, at the starting balance. Its last point is the summary's final equity: a
 * trade's PnL is its exits' plus its funding (SPEC "Fees").
 */
export function realisedEquity(name: string, trades: readonly Position[], startingBalance: number): EquityCurve {
  const exits = trades
    .flatMap((t) => {
      const parts = t.partialExits.map((e) => ({ t: e.timeMs, pnl: e.pnl }));
      // Only the total and the newest settlement's time are stored: the whole of it is drawn there.
      if (t.funding !== undefined) parts.push({ t: t.fundingThroughMs ?? lastExitTimeMs(t), pnl: t.funding });
      return parts;
    })
    .sort((a, b) => a.t - b.t);
  // A loop, not Math.min(...times): spreading ~130,000 arguments overflows the stack.
  let first = Infinity;
  for (const x of trades) if (x.entryTimeMs < first) first = x.entryTimeMs;
  const t: number[] = Number.isFinite(first) ? [first] : [];
  const v: number[] = Number.isFinite(first) ? [startingBalance] : [];
  let e = startingBalance;
  for (const x of exits) {
    e += x.pnl;
    t.push(x.t);
    v.push(e);
  }
  return { name, t, v };
}

const runView = (a: RunAnalytics): RunView => ({ summary: a.summary, levels: a.levels, expectancy: a.expectancy, avg_r: a.avg_r });

/**
 * The Analytics tab (R8.5) over the store's closed trades: per level hits, hit rate and average PnL,
 * win rate, profit factor, max drawdown — `analyzeRun`, the code `ladder compare` reports with — and the
 * same entries replayed with the single take-profit on the stored candles.
 */
export async function analyticsView(store: Store, book: MarketBook, q: HistoryQuery, o: AnalyticsOptions): Promise<AnalyticsResponse> {
  // Each read once, a slice at a time. Read all at once (every trade's JSON parsed twice, by
  // tradeHistory and getPosition), a store of 10,000 trades held the bot's process ~2 s on each load of
  // the Analytics tab, which reloads on every fill while open.
  const closed = await readHistoryInSlices(store, q, (id) => {
    const p = store.getPosition(id);
    return p !== null && p.status === 'closed' ? p : null;
  });
  const scaledCurve = realisedEquity('scaled (this bot)', closed, o.startingBalance);
  const scaled = analyzeRun(closed, o.startingBalance, scaledCurve.v);

  const same: Position[] = [];
  const singles: Position[] = [];
  const withoutCandles: string[] = [];
  const trades: ComparedTrade[] = [];
  let closedAtEnd = 0;
  let memo = memos.get(store);
  if (memo === undefined || memo.size > MEMO_MAX) memos.set(store, (memo = new Map()));
  const settingsKey = JSON.stringify(o.single);
  let sliceStart = performance.now();
  for (const t of closed) {
    if (performance.now() - sliceStart > SLICE_MS) {
      await nextTurn();
      sliceStart = performance.now();
    }
    const tf = book.timeframeOf(t.symbol);
    const key = `${tf}|${t.id}|${settingsKey}`;
    let r = memo.get(key) ?? null;
    if (r === null && tf !== null) {
      r = singleTpOutcome(t, tf, (after) => store.candles(t.symbol, tf, { fromMs: after + 1, limit: BATCH }), o.single);
      // Kept unless it ran out of candles (more may be stored later and decide it).
      if (r.ok && !r.closedAtEnd) memo.set(key, r);
    }
    if (r === null || !r.ok) {
      withoutCandles.push(t.id);
      continue;
    }
    same.push(t);
    singles.push(r.position);
    if (r.closedAtEnd) closedAtEnd++;
    trades.push({ id: t.id, symbol: t.symbol, side: t.side, entryTimeMs: t.entryTimeMs, scaledPnl: totalPnl(t), singlePnl: totalPnl(r.position), singleReason: r.position.partialExits.at(-1)?.reason ?? 'end' });
  }
  const sameCurve = realisedEquity('scaled', same, o.startingBalance);
  const singleCurve = realisedEquity(`single TP ${o.single.settings.takeProfitPct} %`, singles, o.startingBalance);
  return {
    startingBalance: o.startingBalance,
    scaled: runView(scaled),
    comparison: {
      entries: same.length,
      withoutCandles,
      closedAtEnd,
      takeProfitPct: o.single.settings.takeProfitPct,
      scaled: runView(analyzeRun(same, o.startingBalance, sameCurve.v)),
      single: runView(analyzeRun(singles, o.startingBalance, singleCurve.v)),
      trades: trades.reverse(),
    },
    equity: [sameCurve, singleCurve],
  };
}
