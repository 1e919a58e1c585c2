import { createEquityChart } from '../components/equity-chart.ts';
import { el } from '../components/format.ts';
import { renderLevelTable } from '../components/level-table.ts';
import type { ReportData } from '../components/report-model.ts';
import { renderSummaryCards } from '../components/summary-cards.ts';
import { createTradeChart } from '../components/trade-chart.ts';
import { renderTradeTable } from '../components/trade-table.ts';

/** The self-contained backtest report: reads its data from the page and draws it (offline). */
function main(): void {
  const data = JSON.parse(document.getElementById('report-data')!.textContent!) as ReportData;
  document.title = data.title;
  const root = document.getElementById('app')!;
  root.append(el('header', {}, el('h1', {}, data.title), el('p', {}, data.subtitle)));
  const main = el('main');
  root.append(main);

  for (const r of data.runs) main.append(renderSummaryCards(r.summary, data.runs.length > 1 ? r.name : 'Summary'));

  const chartBox = el('div', { class: 'chart', id: 'price-chart' });
  const picker = el('select', { id: 'symbol-picker' }, ...data.symbols.map((s) => el('option', { value: s.symbol }, s.symbol)));
  main.append(el('section', {}, el('h2', {}, 'Price, entries, exits and the stop ladder ', picker), chartBox));
  let chart: { remove(): void } | null = null;
  const draw = (symbol: string) => {
    const s = data.symbols.find((x) => x.symbol === symbol) ?? data.symbols[0];
    if (!s) return;
    chart?.remove();
    chart = createTradeChart(chartBox, s.candles, data.trades.filter((t) => t.symbol === s.symbol), { timeframeMs: s.timeframeMs, priceDecimals: s.priceDecimals });
  };
  picker.addEventListener('change', () => draw(picker.value));
  draw(data.symbols[0]?.symbol ?? '');

  const equityBox = el('div', { class: 'chart small', id: 'equity-chart' });
  main.append(el('section', {}, el('h2', {}, 'Equity'), equityBox));
  createEquityChart(equityBox, data.equity);

  for (const r of data.runs) main.append(el('section', {}, el('h2', {}, `Per level${data.runs.length > 1 ? ` — ${r.name}` : ''}`), renderLevelTable(r.levels)));

  const dec = (f: 'priceDecimals' | 'qtyDecimals') => (symbol: string) => data.symbols.find((s) => s.symbol === symbol)?.[f] ?? 4;
  main.append(
    el(
      'section',
      {},
      el('h2', {}, `Trades (${data.trades.length}), grouped by entry`),
      renderTradeTable(data.trades, { priceDecimals: dec('priceDecimals'), qtyDecimals: dec('qtyDecimals') }),
    ),
  );
  main.append(el('p', { class: 'footer' }, data.attribution));
  document.body.dataset.ready = 'true';
}

main();
