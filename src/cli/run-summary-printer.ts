import { type Position, type RunAnalytics, analyzeRun } from '../core/index.ts';
import type { Store } from '../store/index.ts';
import { realisedEquity } from '../web/server/analytics.ts';

/** What the end-of-run summary says, from the store: the dashboard's Analytics numbers (analyzeRun). */
export interface StoreRunSummary {
  readonly analytics: RunAnalytics;
  /** Positions still open (not counted in the numbers). */
  readonly open: number;
}

/** The store's closed trades through analyzeRun over their realised equity, as the dashboard computes them. */
export function storeRunSummary(store: Store, startingBalance: number): StoreRunSummary {
  const closed = store
    .tradeHistory({ includeOpen: false })
    .map((r) => store.getPosition(r.positionId))
    .filter((p): p is Position => p !== null);
  const curve = realisedEquity('run', closed, startingBalance);
  const open = store.tradeHistory({ includeOpen: true }).filter((r) => r.status === 'open').length;
  return { analytics: analyzeRun(closed, startingBalance, curve.v), open };
}

/**
 * The demo's last lines: trades, win rate, total PnL, profit factor, drawdown and each level's hits.
 * `quote`: the currency PnL is in.
 */
export function runSummaryLines(s: StoreRunSummary, quote: string, storePath: string): string[] {
  const { summary: m, levels } = s.analytics;
  const wins = Math.round(m.win_rate * m.trades);
  const lines = [
    `Summary of this run (store ${storePath}):`,
    `  trades      ${m.trades} closed${s.open ? `, ${s.open} still open (not counted)` : ''}`,
    `  win rate    ${pct(m.win_rate)} (${wins} of ${m.trades} with a profit)`,
    `  total PnL   ${signed(m.total_pnl)} ${quote} after fees (profit factor ${m.profit_factor === null ? 'n/a: no losing trade' : m.profit_factor.toFixed(2)}, max drawdown ${m.max_drawdown_pct.toFixed(2)} %)`,
  ];
  if (!levels.length) lines.push('  levels      no take-profit level was planned');
  for (const l of levels) {
    const name = l.reason.toUpperCase();
    lines.push(`  ${name.padEnd(11)} hit ${l.hits} of ${l.eligible} (${pct(l.hit_rate)}), avg PnL ${signed(l.avg_pnl)} ${quote}`);
  }
  return lines;
}

const pct = (fraction: number): string => `${(fraction * 100).toFixed(1)} %`;
const signed = (x: number): string => `${x >= 0 ? '+' : ''}${x.toFixed(2)}`;
