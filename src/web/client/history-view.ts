import type { HistoryResponse } from '../components/dashboard-model.ts';
import { el, fmtNum } from '../components/format.ts';
import { renderTradeTable } from '../components/trade-table.ts';
import { getJson } from './api.ts';
import { FilterBar } from './filters.ts';
import { fmtLocal } from './time.ts';

/** The History tab (R8.4): trades grouped by entry, expandable to every partial exit. */
export class HistoryView {
  readonly root = el('section', { id: 'history-tab', class: 'tab' });
  private readonly filters = new FilterBar(() => void this.load());
  private readonly status = el('p', { class: 'muted' });
  private readonly body = el('div', { class: 'scroll' });
  private loads = 0;

  constructor() {
    this.root.append(el('h2', {}, 'Trade history, grouped by entry'), this.filters.root, this.status, this.body);
  }

  async load(): Promise<void> {
    const n = ++this.loads;
    const f = this.filters.value();
    let r: HistoryResponse;
    try {
      r = await getJson<HistoryResponse>('/api/history', { symbol: f.symbol, from: f.from, to: f.to });
    } catch (e) {
      this.status.textContent = `Could not load the history: ${e instanceof Error ? e.message : String(e)}`;
      return;
    }
    if (n !== this.loads) return; // a newer load is on its way
    this.filters.setSymbols(r.symbols);
    const dec = new Map(r.symbols.map((s) => [s.symbol, s]));
    // Keep what the user expanded.
    const open = new Set([...this.body.querySelectorAll<HTMLElement>('details.trade[open] summary')].map((s) => s.dataset.tradeId));
    const closed = r.trades.filter((t) => !t.open);
    const total = closed.reduce((s, t) => s + t.pnl, 0);
    this.status.textContent = `${r.trades.length} trades (${closed.length} closed, realised PnL ${fmtNum(total)}); times in your time zone.`;
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
    document.body.dataset.historyLoads = String(Number(document.body.dataset.historyLoads ?? 0) + 1);
  }
}
