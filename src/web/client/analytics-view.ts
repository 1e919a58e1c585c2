import type { AnalyticsResponse } from '../components/dashboard-model.ts';
import { createEquityChart } from '../components/equity-chart.ts';
import { el, fmtNum, pnlCell } from '../components/format.ts';
import { renderLevelTable } from '../components/level-table.ts';
import { renderSummaryCards } from '../components/summary-cards.ts';
import { getJson } from './api.ts';
import { FilterBar, type UrlFilters, filterValue } from './filters.ts';
import { fmtLocal } from './time.ts';

/** The Analytics tab (R8.5): per level, scaled vs single on the same entries, equity, the headline numbers. */
export class AnalyticsView {
  readonly root = el('section', { id: 'analytics-tab', class: 'tab' });
  private readonly filters: FilterBar;
  private readonly body = el('div');
  private chart: { remove(): void } | null = null;
  private loads = 0;
  private state: UrlFilters = { symbol: '', from: '', to: '', page: 1 };

  /** `navigate`: the user changed the filters; the shell writes the URL (shared with History) and calls `show`. */
  constructor(private readonly navigate: (f: UrlFilters) => void) {
    this.filters = new FilterBar(() => this.navigate(this.filters.raw()));
    this.root.append(el('h2', {}, 'Analytics of closed trades'), this.filters.root, this.body);
  }

  show(f: UrlFilters): void {
    this.state = f;
    this.filters.set(f);
  }

  async load(): Promise<void> {
    const n = ++this.loads;
    const f = filterValue(this.state);
    let a: AnalyticsResponse;
    try {
      a = await getJson<AnalyticsResponse>('/api/analytics', { symbol: f.symbol, from: f.from, to: f.to });
    } catch (e) {
      this.body.replaceChildren(el('p', { class: 'empty' }, `Could not load the analytics: ${e instanceof Error ? e.message : String(e)}`));
      return;
    }
    if (n !== this.loads) return;
    const c = a.comparison;
    this.chart?.remove();
    this.chart = null;
    const equityBox = el('div', { class: 'chart small', id: 'equity-chart' });
    const notes: string[] = [];
    if (c.withoutCandles.length) notes.push(`${c.withoutCandles.length} trade(s) left out: no stored candle after the entry.`);
    if (c.closedAtEnd) notes.push(`${c.closedAtEnd} single-TP outcome(s) were still open at the last stored candle and are closed at its close (reason "end").`);
    const perTrade = el(
      'table',
      { class: 'compare' },
      el('thead', {}, el('tr', {}, ...['Entry', 'Symbol', 'Side', 'Scaled PnL', 'Single PnL', 'Single exit', 'Difference'].map((h) => el('th', {}, h)))),
      el(
        'tbody',
        {},
        ...c.trades.map((t) =>
          el(
            'tr',
            { 'data-trade-id': t.id },
            el('td', {}, fmtLocal(t.entryTimeMs)),
            el('td', { class: 'sym' }, t.symbol),
            el('td', {}, el('span', { class: `side ${t.side}` }, t.side.toUpperCase())),
            pnlCell(t.scaledPnl),
            pnlCell(t.singlePnl),
            el('td', {}, t.singleReason),
            pnlCell(t.scaledPnl - t.singlePnl),
          ),
        ),
      ),
    );
    this.body.replaceChildren(
      el('div', { id: 'scaled-run' }, renderSummaryCards(a.scaled.summary, `This bot's closed trades (starting balance ${fmtNum(a.startingBalance)})`)),
      el('section', { id: 'levels' }, el('h3', {}, 'Per level: hits, hit rate, average PnL'), el('div', { class: 'scroll' }, renderLevelTable(a.scaled.levels))),
      el(
        'section',
        { id: 'comparison' },
        el('h3', {}, `Scaled vs single take-profit (${c.takeProfitPct} %) on the same ${c.entries} entries`),
        el('p', { class: 'muted' }, 'The single-TP outcome of each closed trade is recomputed from the stored candles with the backtest’s path model.', ...notes.map((s) => ` ${s}`)),
        el('div', { class: 'two' }, renderSummaryCards(c.scaled.summary, 'Scaled (as traded)'), renderSummaryCards(c.single.summary, 'Single take-profit')),
        el('h3', {}, 'Equity (realised)'),
        equityBox,
        el('div', { class: 'two' }, el('div', { class: 'scroll' }, el('h3', {}, 'Scaled, per level'), renderLevelTable(c.scaled.levels)), el('div', { class: 'scroll' }, el('h3', {}, 'Single, per level'), renderLevelTable(c.single.levels))),
        el('details', {}, el('summary', {}, `Per trade (${c.trades.length})`), el('div', { class: 'scroll' }, perTrade)),
      ),
    );
    if (a.equity.some((e) => e.t.length > 0)) this.chart = createEquityChart(equityBox, a.equity, { localTime: true });
    else equityBox.replaceChildren(el('p', { class: 'empty' }, 'No closed trade yet.'));
    document.body.dataset.analyticsLoads = String(Number(document.body.dataset.analyticsLoads ?? 0) + 1);
  }
}
