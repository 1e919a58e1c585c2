import { el, fmtNum, fmtPct } from './format.ts';

export interface SummaryView {
  readonly trades: number;
  readonly win_rate: number;
  readonly profit_factor: number | null;
  readonly total_pnl: number;
  readonly max_drawdown_pct: number;
  readonly final_equity: number;
}

/** The headline numbers of a run as a row of cards. */
export function renderSummaryCards(s: SummaryView, title?: string): HTMLElement {
  const card = (label: string, value: string, cls = '') => el('div', { class: `card ${cls}` }, el('div', { class: 'label' }, label), el('div', { class: 'value' }, value));
  return el(
    'section',
    { class: 'summary' },
    ...(title ? [el('h3', {}, title)] : []),
    el(
      'div',
      { class: 'cards' },
      card('Trades', String(s.trades)),
      card('Win rate', fmtPct(s.win_rate)),
      // No losing trade: ∞ after a winning one, — with none either (no trades, or only break-even ones).
      card('Profit factor', s.profit_factor !== null ? fmtNum(s.profit_factor) : s.total_pnl > 0 ? '∞' : '—'),
      card('Total PnL', fmtNum(s.total_pnl), s.total_pnl >= 0 ? 'pos' : 'neg'),
      card('Max drawdown', `${fmtNum(s.max_drawdown_pct)} %`),
      card('Final equity', fmtNum(s.final_equity)),
    ),
  );
}
