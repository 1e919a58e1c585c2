import { describe, expect, it } from 'vitest';
import { printSummary } from '../../src/cli/print-tables.ts';
import type { RunSummary } from '../../src/core/analytics/run-summary.ts';

const summary = (s: Partial<RunSummary>): RunSummary => ({ trades: 0, win_rate: 0, profit_factor: null, total_pnl: 0, max_drawdown_pct: 0, final_equity: 10000, ...s });
const printed = (f: (out: (s: string) => void) => void): string => {
  let text = '';
  f((s) => (text += s));
  return text;
};
const cell = (text: string, label: string) => text.split('\n').find((l) => l.startsWith(label))!.slice(label.length).trim().split(/\s{2,}/);

describe('the terminal tables', () => {
  it('a profit factor without a losing trade is ∞ only after a winning one: — with no trades or only break-even ones (0/0 is no factor)', () => {
    const text = printed((out) =>
      printSummary(
        [
          { name: 'none', summary: summary({}) },
          { name: 'flat', summary: summary({ trades: 3 }) },
          { name: 'wins', summary: summary({ trades: 2, win_rate: 1, total_pnl: 12.5 }) },
          { name: 'mixed', summary: summary({ trades: 2, win_rate: 0.5, profit_factor: 1.5, total_pnl: 5 }) },
        ],
        out,
      ),
    );
    expect(cell(text, 'profit factor')).toEqual(['—', '—', '∞', '1.50']);
  });
});
