import type { LevelStats } from '../core/analytics/level-stats.ts';
import type { LevelAnalytics } from '../core/analytics/run-analytics.ts';
import type { RunSummary } from '../core/analytics/run-summary.ts';

/** A plain text table, right-aligned numbers, for the terminal. */
export function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n') + '\n';
}

const num = (x: number | null, d = 2) => (x === null ? '—' : x.toFixed(d));
/**
 * A profit factor (null: no losing trade) as the terminal shows it: ∞ when there was a winning trade,
 * — when there was none either (no trades, or only break-even ones): 0/0 is no factor at all.
 */
export const profitFactorText = (pf: number | null, totalPnl: number, fmt: (x: number) => string = (x) => x.toFixed(2)): string =>
  pf !== null ? fmt(pf) : totalPnl > 0 ? '∞' : '—';
const pct = (r: number) => `${(r * 100).toFixed(1)} %`;

/** Runs side by side: one column per run. */
export function printSummary(runs: readonly { name: string; summary: RunSummary }[], out: (s: string) => void = (s) => process.stdout.write(s)): void {
  const row = (label: string, f: (s: RunSummary) => string) => [label, ...runs.map((r) => f(r.summary))];
  out(
    table(
      ['', ...runs.map((r) => r.name)],
      [
        row('trades', (s) => String(s.trades)),
        row('win rate', (s) => pct(s.win_rate)),
        row('profit factor', (s) => profitFactorText(s.profit_factor, s.total_pnl)),
        row('total PnL', (s) => num(s.total_pnl)),
        row('max drawdown', (s) => `${num(s.max_drawdown_pct)} %`),
        row('final equity', (s) => num(s.final_equity)),
      ],
    ),
  );
}

export function printLevels(levels: readonly LevelStats[], out: (s: string) => void = (s) => process.stdout.write(s)): void {
  out(table(['level', 'eligible', 'hits', 'hit rate', 'avg PnL'], levels.map((l) => [l.reason, String(l.eligible), String(l.hits), pct(l.hit_rate), num(l.avg_pnl, 4)])));
}

/** compare's per-level table: printLevels' columns, and the hit rate given the level before and the average R (issue 6). */
export function printLevelAnalytics(levels: readonly LevelAnalytics[], out: (s: string) => void = (s) => process.stdout.write(s)): void {
  out(
    table(
      ['level', 'eligible', 'hits', 'hit rate', 'given previous', 'avg PnL', 'avg R'],
      levels.map((l) => [l.reason, String(l.eligible), String(l.hits), pct(l.hit_rate), l.hit_rate_given_previous === null ? num(null) : pct(l.hit_rate_given_previous), num(l.avg_pnl, 4), num(l.avg_r, 3)]),
    ),
  );
}
