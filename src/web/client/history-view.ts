import type { HistoryResponse } from '../components/dashboard-model.ts';
import { el, fmtNum } from '../components/format.ts';
import { renderTradeTable } from '../components/trade-table.ts';
import { apiUrl, getJson } from './api.ts';
import { FilterBar, type UrlFilters, filterValue } from './filters.ts';
import { fmtLocal } from './time.ts';

/** Trades per page. */
const PAGE_SIZE = 50;

/**
 * The History tab (R8.4): trades grouped by entry, expandable to every partial exit, a page at a time;
 * the filters and the page live in the URL (the shell keeps it), and the same filters download as CSV.
 */
export class HistoryView {
  readonly root = el('section', { id: 'history-tab', class: 'tab' });
  private readonly filters: FilterBar;
  private readonly status = el('p', { class: 'muted', id: 'history-status' });
  private readonly body = el('div', { class: 'scroll' });
  private readonly csv = el('a', { id: 'history-csv', class: 'button', download: 'ladder-trades.csv' }, 'Download CSV');
  private readonly pager = el('nav', { class: 'pager', 'aria-label': 'history pages' });
  private state: UrlFilters = { symbol: '', from: '', to: '', page: 1 };
  private loads = 0;

  /** `navigate`: the user changed the filters or the page; the shell writes the URL and calls `show`. */
  constructor(private readonly navigate: (f: UrlFilters) => void) {
    this.filters = new FilterBar(() => this.navigate(this.filters.raw()));
    this.csv.title = 'One row per exit with its entry’s columns, every page of these filters';
    this.root.append(el('h2', {}, 'Trade history, grouped by entry'), this.filters.root, el('div', { class: 'history-bar' }, this.status, this.csv), this.body, this.pager);
  }

  /** The filters and page to show (from the URL); load() fetches them. */
  show(f: UrlFilters): void {
    this.state = f;
    this.filters.set(f);
  }

  async load(): Promise<void> {
    const n = ++this.loads;
    const f = filterValue(this.state);
    const params = { symbol: f.symbol, from: f.from, to: f.to };
    this.csv.href = apiUrl('/api/history.csv', params);
    let r: HistoryResponse;
    try {
      r = await getJson<HistoryResponse>('/api/history', { ...params, page: this.state.page, pageSize: PAGE_SIZE });
    } catch (e) {
      this.status.textContent = `Could not load the history: ${e instanceof Error ? e.message : String(e)}`;
      return;
    }
    if (n !== this.loads) return; // a newer load is on its way
    this.filters.setSymbols(r.symbols);
    this.filters.set(this.state);
    const dec = new Map(r.symbols.map((s) => [s.symbol, s]));
    // Keep what the user expanded.
    const open = new Set([...this.body.querySelectorAll<HTMLElement>('details.trade[open] summary')].map((s) => s.dataset.tradeId));
    const first = (r.page - 1) * r.pageSize + 1;
    const shown = r.trades.length ? `trades ${first}–${first + r.trades.length - 1} of ${r.total}` : `${r.total} trades`;
    this.status.textContent = `${shown} (${r.closed} closed, realised PnL ${fmtNum(r.realisedPnl)}); times in your time zone.`;
    const table = renderTradeTable(r.trades, {
      priceDecimals: (s) => dec.get(s)?.priceDecimals ?? 2,
      qtyDecimals: (s) => dec.get(s)?.qtyDecimals ?? 3,
      fmtTime: fmtLocal,
    });
    for (const d of table.querySelectorAll<HTMLDetailsElement>('details.trade')) {
      const s = d.querySelector<HTMLElement>('summary');
      if (s && open.has(s.dataset.tradeId)) d.open = true;
      if (s && r.trades.find((t) => t.id === s.dataset.tradeId)?.open) s.append(el('span', { class: 'badge' }, 'OPEN'));
    }
    this.body.replaceChildren(table);
    this.renderPager(r);
    document.body.dataset.historyLoads = String(Number(document.body.dataset.historyLoads ?? 0) + 1);
  }

  private renderPager(r: HistoryResponse): void {
    const go = (page: number) => () => this.navigate({ ...this.state, page });
    const button = (label: string, page: number, enabled: boolean, cls: string) => {
      const b = el('button', { type: 'button', class: cls }, label);
      b.disabled = !enabled;
      if (enabled) b.addEventListener('click', go(page));
      return b;
    };
    this.pager.hidden = r.pages <= 1;
    this.pager.replaceChildren(
      button('« First', 1, r.page > 1, 'first'),
      button('‹ Previous', r.page - 1, r.page > 1, 'prev'),
      el('span', { class: 'page', 'data-page': String(r.page), 'data-pages': String(r.pages) }, `page ${r.page} of ${r.pages}`),
      button('Next ›', r.page + 1, r.page < r.pages, 'next'),
      button('Last »', r.pages, r.page < r.pages, 'last'),
    );
  }
}
