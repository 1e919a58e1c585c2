import { decodeBase85 } from '../components/base85.ts';
import { createEquityChart } from '../components/equity-chart.ts';
import { el, fmtNum, fmtTimeUtc } from '../components/format.ts';
import { renderLevelTable } from '../components/level-table.ts';
import { createRangeBar } from '../components/range-bar.ts';
import { ColumnReader, readCandles, readEquity, readTrades } from '../components/report-columns.ts';
import type { BlobRef, ReportData, ReportSymbol } from '../components/report-model.ts';
import { renderSummaryCards } from '../components/summary-cards.ts';
import { type TradeChart, createTradeChart } from '../components/trade-chart.ts';
import { type DrawnMarker, isCluster } from '../components/trade-markers.ts';
import { renderTradeTable } from '../components/trade-table.ts';
import type { CandleColumns, TradeView } from '../components/view-model.ts';

/** Trades listed per page: a run of thousands stays a short page. */
const PAGE_SIZE = 50;

/** A blob of the page: base85 of raw deflate, inflated by the browser (no library, offline). */
async function inflate(id: string): Promise<Uint8Array> {
  const text = document.getElementById(id)?.textContent;
  if (!text) throw new Error(`report: data block ${id} is missing`);
  const bytes = decodeBase85(text.trim());
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

const loaded = new Map<string, Promise<unknown>>();
function once<T>(key: string, make: () => Promise<T>): Promise<T> {
  let p = loaded.get(key) as Promise<T> | undefined;
  if (!p) loaded.set(key, (p = make()));
  return p;
}
const columns = async (ref: BlobRef) => new ColumnReader(await inflate(ref.id), ref);

async function main(): Promise<void> {
  const started = performance.now();
  const data = JSON.parse(document.getElementById('report-data')!.textContent!) as ReportData;
  if (data.version !== 2) throw new Error(`report: data version ${String(data.version)}, this page reads 2`);
  document.title = data.title;
  const symbolOf = (name: string) => data.symbols.find((s) => s.symbol === name) ?? data.symbols[0]!;
  const candlesOf = (s: ReportSymbol) => once(`c:${s.symbol}`, async () => readCandles(await columns(s.candles), s.priceScale));
  const tradesOf = (k: number) =>
    once(`t:${k}`, async () => {
      const run = data.runs[k]!;
      const list = readTrades(await columns(run.trades), run.codes, data.symbols);
      return list.sort((a, b) => a.entryTimeMs - b.entryTimeMs);
    });

  // Inflate what the first view needs at once, side by side with the page being built.
  void candlesOf(data.symbols[0]!);
  void tradesOf(0);

  const root = document.getElementById('app')!;
  root.append(renderHeader(data));
  const main = el('main');
  root.append(main);
  for (const r of data.runs) main.append(renderSummaryCards(r.summary, data.runs.length > 1 ? r.name : 'Summary'));

  // The price chart: a symbol, a run's trades, range buttons, a tooltip over markers, the selected trade.
  const symbolPicker = el('select', { id: 'symbol-picker', 'aria-label': 'Symbol' }, ...data.symbols.map((s) => el('option', { value: s.symbol }, s.symbol)));
  const runPicker = el('select', { id: 'run-picker', 'aria-label': 'Run' }, ...data.runs.map((r, k) => el('option', { value: String(k) }, r.name)));
  const rangeSlot = el('span', { class: 'range-slot' });
  const chartBox = el('div', { class: 'chart', id: 'price-chart' });
  const tip = el('div', { class: 'tip', id: 'marker-tip', hidden: '' });
  const caption = el('p', { class: 'selected-trade', id: 'selected-trade' }, 'Select a trade in the list or click a marker to draw its targets and stop steps.');
  const chartSection = el(
    'section',
    { id: 'chart-section' },
    el('h2', {}, 'Price, entries, exits and the stop ladder'),
    el('div', { class: 'toolbar' }, symbolPicker, ...(data.runs.length > 1 ? [el('label', {}, 'trades of ', runPicker)] : []), rangeSlot),
    el('div', { class: 'chart-wrap' }, chartBox, tip),
    caption,
  );
  main.append(chartSection);

  let runIndex = 0;
  let chart: TradeChart | null = null;
  let chartSymbol = '';
  let chartTrades: readonly TradeView[] = [];
  let chartCandles: CandleColumns = { t: [], o: [], h: [], l: [], c: [] };
  let selected: string | null = null;
  const draw = async (symbol: string) => {
    const s = symbolOf(symbol);
    const [candles, trades] = await Promise.all([candlesOf(s), tradesOf(runIndex)]);
    chart?.remove();
    chartSymbol = s.symbol;
    symbolPicker.value = s.symbol;
    chartCandles = candles;
    chartTrades = trades.filter((t) => t.symbol === s.symbol);
    chart = createTradeChart(chartBox, candles, chartTrades, {
      timeframeMs: s.timeframeMs,
      priceDecimals: s.priceDecimals,
      onHover: (m, p) => showTip(tip, chartBox, m, p, s, candles.t),
      onSelect: (id) => void select(id, false),
    });
    rangeSlot.replaceChildren(createRangeBar(chart.api, { fromMs: candles.t[0] ?? 0, toMs: (candles.t.at(-1) ?? 0) + s.timeframeMs }));
    if (selected && chartTrades.some((t) => t.id === selected)) chart.select(selected);
  };
  const select = async (id: string | null, fromList: boolean) => {
    selected = id;
    const t = id === null ? undefined : (await tradesOf(runIndex)).find((x) => x.id === id);
    if (t && t.symbol !== chartSymbol) await draw(t.symbol);
    chart?.select(t ? t.id : null);
    caption.replaceChildren(...(t ? selectedCaption(t, symbolOf(t.symbol), () => void select(null, false)) : []));
    if (t && fromList) chartSection.scrollIntoView({ block: 'start' });
    if (t && !fromList) await list.show(t);
    list.mark(selected);
  };
  symbolPicker.addEventListener('change', () => void draw(symbolPicker.value));

  // Equity: every run on one chart, the whole period.
  const equityBox = el('div', { class: 'chart small', id: 'equity-chart' });
  const equityRange = el('span', { class: 'range-slot' });
  main.append(el('section', {}, el('h2', {}, 'Equity'), el('div', { class: 'toolbar' }, equityRange), equityBox));
  const curves = await Promise.all(data.runs.map((r, k) => once(`e:${k}`, async () => readEquity(await columns(r.equity), r.name))));
  const equityChart = createEquityChart(equityBox, curves);
  equityRange.append(createRangeBar(equityChart, { fromMs: data.header.fromMs, toMs: data.header.toMs }));

  for (const r of data.runs) main.append(el('section', {}, el('h2', {}, `Per level${data.runs.length > 1 ? ` — ${r.name}` : ''}`), renderLevelTable(r.levels)));

  const list = tradeList(data, (id) => void select(id, true));
  main.append(list.section);
  const showRun = async (k: number) => {
    runIndex = k;
    runPicker.value = String(k);
    selected = null;
    caption.replaceChildren('Select a trade in the list or click a marker to draw its targets and stop steps.');
    await Promise.all([draw(chartSymbol || data.symbols[0]!.symbol), list.load(await tradesOf(k), data.runs[k]!.name)]);
  };
  runPicker.addEventListener('change', () => void showRun(Number(runPicker.value)));
  await showRun(0);
  main.append(el('p', { class: 'footer' }, data.attribution));

  // What the browser tests read: the drawn chart and the data behind it.
  (window as unknown as { __ladderReport: unknown }).__ladderReport = {
    chart: () => chart,
    candles: () => chartCandles,
    trades: () => chartTrades,
    symbol: () => chartSymbol,
    equityChart: () => equityChart,
    showSymbol: (s: string) => draw(s),
    showRun,
    select: (id: string | null) => select(id, false),
  };
  document.body.dataset.renderMs = String(Math.round(performance.now() - started));
  document.body.dataset.ready = 'true';
}

function renderHeader(data: ReportData): HTMLElement {
  const h = data.header;
  const days = (h.toMs - h.fromMs) / 86_400_000;
  const row = (term: string, ...value: (Node | string)[]) => [el('dt', {}, term), el('dd', {}, ...value)];
  const files = (xs: readonly string[]) => xs.join(', ');
  return el(
    'header',
    {},
    el('h1', {}, data.title),
    el('p', {}, data.subtitle),
    el(
      'dl',
      { id: 'report-facts' },
      ...row('Period', el('span', { id: 'period' }, `${fmtTimeUtc(h.fromMs)} → ${fmtTimeUtc(h.toMs)} UTC`), ` (${(days / 365.25).toFixed(1)} years, ${h.candles.toLocaleString('en-US')} candles)`),
      ...row('Symbols', h.symbols.join(', ')),
      ...(data.runs.length > 1 ? row('Runs', data.runs.map((r) => r.name).join(' · '), h.sameEntries === null ? '' : ` (same entries: ${h.sameEntries ? 'yes' : 'no'})`) : []),
      ...row('Strategy', h.strategy),
      ...row('Config', `${h.configFile} · SHA-256 `, el('code', { id: 'config-sha256' }, h.configSha256)),
      ...row('Data', files(h.dataFiles)),
      ...(h.detailFiles.length ? row('Detail', files(h.detailFiles)) : []),
      ...(h.ladderFiles.length ? row('Ladders', files(h.ladderFiles)) : []),
      // Funding changes every PnL shown: its files, and what each run paid or received.
      ...(h.fundingFiles ? row('Funding', el('span', { id: 'funding' }, `${data.runs.map((r) => `${data.runs.length > 1 ? `${r.name} ` : ''}${r.funding ? `${fmtNum(r.funding.total)} over ${r.funding.settlements.toLocaleString('en-US')} settlements` : '–'}`).join(' · ')} (in the trades' PnL) from ${files(h.fundingFiles)}`)) : []),
      ...(h.markFiles ? row('Mark prices', files(h.markFiles)) : []),
      ...row('Generated', `${fmtTimeUtc(h.generatedAtMs)} UTC`),
    ),
  );
}

function selectedCaption(t: TradeView, s: ReportSymbol, clear: () => void): (Node | string)[] {
  const pd = s.priceDecimals;
  const button = el('button', { type: 'button', class: 'clear' }, 'clear');
  button.addEventListener('click', clear);
  const targets = t.targets.map((x) => `${x.reason.toUpperCase()} ${fmtNum(x.price, pd)}${x.skipped ? ' (skipped)' : ''}`).join(', ');
  const stops = [fmtNum(t.initialStop, pd), ...t.stopMoves.map((m) => `${fmtNum(m.to, pd)} (${m.reason})`)].join(' → ');
  return [`${t.id} ${t.side} ${fmtTimeUtc(t.entryTimeMs)} entry ${fmtNum(t.entryPrice, pd)} · targets ${targets} · stop ${stops} `, button];
}

function showTip(tip: HTMLElement, box: HTMLElement, m: DrawnMarker | null, p: { x: number; y: number } | null, s: ReportSymbol, times: readonly number[]): void {
  if (!m || !p) {
    tip.hidden = true;
    return;
  }
  const pd = s.priceDecimals;
  if (isCluster(m)) {
    const entries = m.members.filter((g) => g.kind === 'entry').length;
    const span = `${fmtTimeUtc(times[m.members[0]!.index] ?? 0)} → ${fmtTimeUtc(times[m.members.at(-1)!.index] ?? 0)}`;
    tip.replaceChildren(el('b', {}, `${m.members.length} markers`), ` (${entries} entries, ${m.members.length - entries} exit groups), ${span}`, el('br'), 'Click or zoom in to see them apart.');
  } else {
    const parts = m.members.flatMap((g) => {
      const rows = g.exits.map((e) =>
        el('tr', {}, el('td', {}, e.reason.toUpperCase()), el('td', {}, fmtTimeUtc(e.timeMs)), el('td', { class: 'num' }, fmtNum(e.price, pd)), el('td', { class: 'num' }, fmtNum(e.quantity, s.qtyDecimals)), el('td', { class: `num ${e.pnl >= 0 ? 'pos' : 'neg'}` }, fmtNum(e.pnl))),
      );
      return [el('b', {}, `${g.tradeId} ${g.kind === 'entry' ? 'entry' : g.exits.length > 1 ? `${g.exits.length} exits` : 'exit'}`), ...(rows.length ? [el('table', {}, el('tbody', {}, ...rows))] : [el('br')])];
    });
    tip.replaceChildren(...parts, el('div', { class: 'muted' }, 'Click to draw its targets and stops.'));
  }
  tip.hidden = false;
  const w = tip.offsetWidth;
  tip.style.left = `${Math.max(0, Math.min(p.x + 12, box.clientWidth - w - 4))}px`;
  tip.style.top = `${p.y + 12}px`;
}

/** The run's trades, a page at a time, optionally one symbol; the selected trade marked and open. */
function tradeList(data: ReportData, onSelect: (id: string) => void) {
  const heading = el('h2', {}, 'Trades');
  const filter = el('select', { id: 'trade-symbol', 'aria-label': 'Symbol filter' }, el('option', { value: '' }, 'all symbols'), ...data.symbols.map((s) => el('option', { value: s.symbol }, s.symbol)));
  const body = el('div', { id: 'trade-list' });
  const pager = el('div', { class: 'pager' });
  const section = el('section', { id: 'trades' }, heading, el('div', { class: 'toolbar' }, filter), body, pager);
  const dec = (f: 'priceDecimals' | 'qtyDecimals') => (symbol: string) => data.symbols.find((s) => s.symbol === symbol)?.[f] ?? 4;
  let all: readonly TradeView[] = [];
  let shown: readonly TradeView[] = [];
  let page = 0;
  let selected: string | null = null;
  let runName = '';
  const render = () => {
    const pages = Math.max(1, Math.ceil(shown.length / PAGE_SIZE));
    page = Math.min(page, pages - 1);
    heading.textContent = `Trades of ${runName} (${shown.length.toLocaleString('en-US')}${shown.length !== all.length ? ` of ${all.length.toLocaleString('en-US')}` : ''}), grouped by entry`;
    body.replaceChildren(renderTradeTable(shown.slice(page * PAGE_SIZE, (page + 1) * PAGE_SIZE), { priceDecimals: dec('priceDecimals'), qtyDecimals: dec('qtyDecimals'), onSelect: (t) => t.id !== selected && onSelect(t.id) }));
    const go = (p: number) => {
      page = p;
      render();
    };
    const button = (label: string, to: number, enabled: boolean) => {
      const b = el('button', { type: 'button', 'data-page': label }, label);
      b.disabled = !enabled;
      b.addEventListener('click', () => go(to));
      return b;
    };
    pager.replaceChildren(
      button('first', 0, page > 0),
      button('prev', page - 1, page > 0),
      el('span', { class: 'page-of' }, `page ${page + 1} of ${pages}`),
      button('next', page + 1, page < pages - 1),
      button('last', pages - 1, page < pages - 1),
    );
    mark(selected);
  };
  const mark = (id: string | null) => {
    selected = id;
    for (const d of body.querySelectorAll<HTMLDetailsElement>('details.trade')) {
      const on = d.querySelector('summary')?.dataset.tradeId === id;
      d.classList.toggle('selected', on);
      if (on && !d.open) d.open = true;
    }
  };
  filter.addEventListener('change', () => {
    shown = filter.value ? all.filter((t) => t.symbol === filter.value) : all;
    page = 0;
    render();
  });
  return {
    section,
    mark,
    load: async (trades: readonly TradeView[], name: string) => {
      all = trades;
      runName = name;
      shown = filter.value ? all.filter((t) => t.symbol === filter.value) : all;
      page = 0;
      render();
    },
    /** Turns to the page holding `t` (clearing a filter that hides it). */
    show: async (t: TradeView) => {
      if (filter.value && filter.value !== t.symbol) {
        filter.value = '';
        shown = all;
      }
      const k = shown.findIndex((x) => x.id === t.id);
      if (k >= 0 && Math.floor(k / PAGE_SIZE) !== page) {
        page = Math.floor(k / PAGE_SIZE);
        render();
      }
    },
  };
}

main().catch((e: unknown) => {
  const box = document.getElementById('app');
  box?.append(el('p', { class: 'error', role: 'alert' }, `The report could not be drawn: ${(e as Error).message}`));
  throw e;
});
