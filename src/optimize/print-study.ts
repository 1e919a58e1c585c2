import { profitFactorText, table } from '../cli/print-tables.ts';
import type { StudyReport } from './analysis.ts';
import type { WindowMetrics } from './metrics.ts';
import { counted, describeLadder } from './describe.ts';

/** A fold's window by its first and last month: its `to` is the (exclusive) start of the month after. */
const months = (w: { readonly from: string; readonly to: string }) => `${w.from.slice(0, 7)}…${new Date(Date.parse(w.to) - 1).toISOString().slice(0, 7)}`;

const n2 = (x: number | null) => (x === null ? '—' : Math.abs(x) >= 1e8 ? '∞' : x.toFixed(2));

const row = (name: string, score: number | null, m: WindowMetrics): string[] => [
  name,
  n2(score),
  String(m.trades),
  n2(m.total_pnl),
  profitFactorText(m.profit_factor, m.total_pnl, n2),
  n2(m.sharpe),
  n2(m.expectancy_r),
  `${n2(m.max_drawdown_pct)} %`,
];

/** The ranked table, the folds, the overfitting figures and the verdict, for the terminal. */
export function printStudy(r: StudyReport, top: number, out: (s: string) => void): void {
  out(`\nRanked by ${r.objective} on all the data (in-sample; fewer than ${r.min_trades} trades disqualifies):\n`);
  const head = ['ladder (profit%:close% … stop%)', r.objective, 'trades', 'PnL', 'PF', 'Sharpe', 'exp. R', 'max DD'];
  out(
    table(head, [
      ...r.ranking.slice(0, top).map((c) => row(`${c.score === null ? '–' : `${c.rank}.`} ${describeLadder(c.params)}`, c.score, c.metrics)),
      row(`single TP (${r.references.single.key})`, r.references.single.score, r.references.single.metrics),
      row(`config: ${describeLadder(r.references.config.params)}`, r.references.config.score, r.references.config.metrics),
    ]),
  );
  const invalid = Object.entries(r.invalid);
  out(`${counted(r.ladders_evaluated, 'ladder')} evaluated${invalid.length ? `; skipped as invalid configs: ${invalid.map(([k, v]) => `${v} × ${k}`).join('; ')}` : ''}\n`);
  if (r.folds.length) {
    out(`\nWalk-forward (${counted(r.folds.length, 'fold')}): best ladder of each training window, scored on the test window after it:\n`);
    out(
      table(
        ['fold', 'train', 'test', 'best ladder', `IS ${r.objective}`, `OOS ${r.objective}`, 'OOS PnL', 'single OOS PnL', 'config OOS PnL'],
        r.folds.map((f) => [
          String(f.fold + 1),
          months(f.train),
          months(f.test),
          f.best ? describeLadder(f.best.params) : '(none qualified)',
          n2(f.in_sample_score),
          n2(f.out_of_sample_score),
          f.out_of_sample ? n2(f.out_of_sample.total_pnl) : '—',
          n2(f.single_out_of_sample.total_pnl),
          n2(f.config_out_of_sample.total_pnl),
        ]),
      ),
    );
  }
  if (r.deflated_sharpe) {
    const d = r.deflated_sharpe;
    out(`\nDeflated Sharpe ratio of the winner: ${d.dsr.toFixed(3)} (Sharpe ${d.sharpe_annualised.toFixed(2)} a year over ${counted(d.observations, 'day')}; ${counted(d.trials, 'trial')}; best of ${d.trials} by luck ≈ ${d.expected_max_sharpe_annualised.toFixed(2)})\n`);
  }
  if (r.pbo) out(`Probability of backtest overfitting (CSCV, ${r.pbo.blocks} blocks, ${r.pbo.splits} splits): ${r.pbo.pbo.toFixed(3)}; in-sample best lost money out of sample in ${(r.pbo.probabilityOfLoss * 100).toFixed(0)} % of splits\n`);
  out('\n');
  for (const v of r.verdict) out(`${v}\n`);
}
