import type { SymbolInfo } from '../components/dashboard-model.ts';
import { el } from '../components/format.ts';
import { localDateMs } from './time.ts';

export interface FilterValue {
  readonly symbol?: string;
  /** Entry window, ms: local midnight of the first day to local midnight after the last. */
  readonly from?: number;
  readonly to?: number;
}

/** Symbol and date filter (entry time, in the viewer's time zone) shared by History and Analytics. */
export class FilterBar {
  readonly root: HTMLElement;
  private readonly symbol = el('select', { name: 'symbol' }, el('option', { value: '' }, 'All symbols'));
  private readonly from = el('input', { type: 'date', name: 'from' });
  private readonly to = el('input', { type: 'date', name: 'to' });

  constructor(onChange: () => void) {
    const clear = el('button', { type: 'button' }, 'Clear');
    clear.addEventListener('click', () => {
      this.symbol.value = '';
      this.from.value = '';
      this.to.value = '';
      onChange();
    });
    for (const i of [this.symbol, this.from, this.to]) i.addEventListener('change', onChange);
    this.root = el(
      'div',
      { class: 'filters' },
      el('label', {}, 'Symbol', this.symbol),
      el('label', {}, 'Entry from', this.from),
      el('label', {}, 'Entry to', this.to),
      clear,
    );
  }

  setSymbols(symbols: readonly SymbolInfo[]): void {
    const have = new Set([...this.symbol.options].map((o) => o.value));
    for (const s of symbols) if (!have.has(s.symbol)) this.symbol.append(el('option', { value: s.symbol }, s.symbol));
  }

  value(): FilterValue {
    const from = localDateMs(this.from.value);
    const to = localDateMs(this.to.value, true);
    return { ...(this.symbol.value ? { symbol: this.symbol.value } : {}), ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) };
  }
}
