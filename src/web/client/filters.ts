import type { SymbolInfo } from '../components/dashboard-model.ts';
import { el } from '../components/format.ts';
import { localDateMs } from './time.ts';

export interface FilterValue {
  readonly symbol?: string;
  /** Entry window, ms: local midnight of the first day to local midnight after the last. */
  readonly from?: number;
  readonly to?: number;
}

/** The filters as the URL keeps them: `?symbol=BTCUSDT&from=2025-03-01&to=2025-03-31&page=2` (days in the viewer's zone). */
export interface UrlFilters {
  readonly symbol: string;
  readonly from: string;
  readonly to: string;
  readonly page: number;
}

/** `value` when it is a day that exists (localDateMs), else '': what the URL and the filter bar keep. */
const dayOrEmpty = (value: string): string => (localDateMs(value) !== undefined ? value : '');

/** The filters in the page's query string (anything malformed is left out). */
export function readUrlFilters(): UrlFilters {
  const q = new URLSearchParams(location.search);
  const day = (k: string) => dayOrEmpty(q.get(k) ?? '');
  const page = Number(q.get('page'));
  return { symbol: q.get('symbol') ?? '', from: day('from'), to: day('to'), page: Number.isInteger(page) && page > 1 ? page : 1 };
}

/**
 * Writes the filters into the query string (the token and the tab's hash kept): a new history entry,
 * so back and forward walk through what the user looked at.
 */
export function writeUrlFilters(f: UrlFilters): void {
  const q = new URLSearchParams(location.search);
  for (const [k, v] of [['symbol', f.symbol], ['from', f.from], ['to', f.to], ['page', f.page > 1 ? String(f.page) : '']] as const) {
    if (v) q.set(k, v);
    else q.delete(k);
  }
  const search = q.toString();
  const url = `${location.pathname}${search ? `?${search}` : ''}${location.hash}`;
  if (url !== `${location.pathname}${location.search}${location.hash}`) window.history.pushState(null, '', url);
}

/** The filter window as the API takes it (ms of local midnights). */
export function filterValue(f: UrlFilters): FilterValue {
  const from = localDateMs(f.from);
  const to = localDateMs(f.to, true);
  return { ...(f.symbol ? { symbol: f.symbol } : {}), ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) };
}

/** Symbol and date filter (entry time, in the viewer's time zone) shared by History and Analytics. */
export class FilterBar {
  readonly root: HTMLElement;
  private readonly symbol = el('select', { name: 'symbol' }, el('option', { value: '' }, 'All symbols'));
  private readonly from = el('input', { type: 'date', name: 'from' });
  private readonly to = el('input', { type: 'date', name: 'to' });

  constructor(onChange: () => void) {
    const clear = el('button', { type: 'button', class: 'clear' }, 'Clear');
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

  /** Shows the given filters (from the URL); a symbol not listed yet gets its option. */
  set(f: Pick<UrlFilters, 'symbol' | 'from' | 'to'>): void {
    if (f.symbol && ![...this.symbol.options].some((o) => o.value === f.symbol)) this.symbol.append(el('option', { value: f.symbol }, f.symbol));
    this.symbol.value = f.symbol;
    this.from.value = f.from;
    this.to.value = f.to;
  }

  /** What the inputs say, as the URL keeps it (page 1: a new filter starts at the first page). */
  raw(): UrlFilters {
    return { symbol: this.symbol.value, from: dayOrEmpty(this.from.value), to: dayOrEmpty(this.to.value), page: 1 };
  }

  value(): FilterValue {
    return filterValue(this.raw());
  }
}
