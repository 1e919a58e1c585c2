import { fileURLToPath } from 'node:url';
import type { BacktestRun, SymbolInput } from '../backtest/engine.ts';
import { formatScaled } from '../core/decimal.ts';
import type { ReportData } from './components/report-model.ts';
import { BASE_CSS } from './components/styles.ts';
import { tradeView } from './trade-view.ts';

const CLIENT_ENTRY = fileURLToPath(new URL('./client/report.ts', import.meta.url));

export interface NamedRun {
  readonly name: string;
  readonly run: BacktestRun;
}

/** The report's data: the first run's trades on the chart, every run's summary, levels and equity. */
export function reportData(runs: readonly NamedRun[], symbols: readonly SymbolInput[], title: string, subtitle: string): ReportData {
  const first = runs[0]!;
  return {
    title,
    subtitle,
    runs: runs.map((r) => ({ name: r.name, summary: r.run.summary, levels: r.run.levels })),
    symbols: symbols.map((s) => ({
      symbol: s.symbol,
      timeframeMs: s.candles.timeframeMs,
      priceDecimals: s.market.tickSize.scale,
      qtyDecimals: s.market.stepSize.scale,
      candles: {
        t: Array.from(s.candles.time),
        o: Array.from(s.candles.open),
        h: Array.from(s.candles.high),
        l: Array.from(s.candles.low),
        c: Array.from(s.candles.close),
      },
    })),
    trades: first.run.trades.map(tradeView),
    equity: runs.map((r) => ({ name: r.name, t: Array.from(r.run.equityTimeMs), v: Array.from(r.run.equity) })),
    attribution: `Prices © Binance, public market data. Tick sizes as of the markets file used (${symbols.map((s) => `${s.symbol} ${formatScaled(1, s.market.tickSize)}`).join(', ')}).`,
  };
}

/** One self-contained HTML file (styles, chart library, code and data inline): opens offline. */
export async function renderReportHtml(data: ReportData): Promise<string> {
  const { build } = await import('esbuild');
  const bundle = await build({ entryPoints: [CLIENT_ENTRY], bundle: true, format: 'iife', minify: true, write: false, platform: 'browser', target: 'es2020', logLevel: 'silent' });
  const js = bundle.outputFiles[0]!.text.replace(/<\/script/gi, '<\\/script');
  const json = JSON.stringify(data).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(data.title)}</title><style>${BASE_CSS}</style></head>
<body><div id="app"></div>
<script id="report-data" type="application/json">${json}</script>
<script>${js}</script>
</body></html>
`;
}

const escapeHtml = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
