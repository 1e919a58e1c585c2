import { fileURLToPath } from 'node:url';
import { deflateRawSync } from 'node:zlib';
import type { BacktestRun, SymbolInput } from '../backtest/engine.ts';
import { formatScaled } from '../core/decimal.ts';
import { encodeBase85 } from './components/base85.ts';
import { exactScale } from './components/column-codec.ts';
import { ColumnWriter, writeCandles, writeEquity, writeTrades } from './components/report-columns.ts';
import type { ReportData, ReportRun, ReportSymbol } from './components/report-model.ts';
import { BASE_CSS } from './components/styles.ts';
import type { TradeView } from './components/view-model.ts';
import { configSha256 } from './config-hash.ts';
import { tradeView } from './trade-view.ts';

const CLIENT_ENTRY = fileURLToPath(new URL('./client/report.ts', import.meta.url));

export interface NamedRun {
  readonly name: string;
  readonly run: BacktestRun;
}

/** What the runs were made from, for the report's header. */
export interface ReportSource {
  readonly title: string;
  readonly subtitle: string;
  readonly strategy: string;
  /** The validated config with its defaults (hashed: SHA-256 of its canonical JSON). */
  readonly config: unknown;
  readonly configFile: string;
  readonly dataFiles: readonly string[];
  readonly detailFiles?: readonly string[];
  readonly ladderFiles?: readonly string[];
  readonly fundingFiles?: readonly string[];
  readonly markFiles?: readonly string[];
  /** `compare` only. */
  readonly sameEntries?: boolean;
  readonly generatedAtMs: number;
}

/** The page's JSON and its blobs of columns (uncompressed), by element id. */
export interface ReportDocument {
  readonly data: ReportData;
  readonly blobs: ReadonlyMap<string, Uint8Array>;
}

/** The report: every run's summary, levels, trades and equity; each symbol's candles once, shared by the runs. */
export function reportData(runs: readonly NamedRun[], symbols: readonly SymbolInput[], src: ReportSource): ReportDocument {
  const blobs = new Map<string, Uint8Array>();
  const views = runs.map((r) => r.run.trades.map(tradeView));
  const reportSymbols: ReportSymbol[] = symbols.map((s, k) => {
    const trades = views.flatMap((v) => v.filter((t) => t.symbol === s.symbol));
    const c = s.candles;
    const priceScale = scaleOf(`${s.symbol} prices`, [c.open, c.high, c.low, c.close, pricesOf(trades)]);
    const qtyScale = scaleOf(`${s.symbol} quantities`, [trades.flatMap((t) => [t.originalQuantity, ...t.exits.map((e) => e.quantity)])]);
    const w = new ColumnWriter();
    writeCandles(w, { t: c.time, o: c.open, h: c.high, l: c.low, c: c.close }, priceScale);
    const blob = w.finish(`candles-${k}`);
    blobs.set(blob.ref.id, blob.bytes);
    return {
      symbol: s.symbol,
      timeframeMs: c.timeframeMs,
      priceDecimals: s.market.tickSize.scale,
      qtyDecimals: s.market.stepSize.scale,
      priceScale,
      qtyScale,
      candleCount: c.length,
      candles: blob.ref,
    };
  });
  const reportRuns: ReportRun[] = runs.map((r, k) => {
    const tw = new ColumnWriter();
    const { codes } = writeTrades(tw, views[k]!, reportSymbols);
    const trades = tw.finish(`trades-${k}`);
    const ew = new ColumnWriter();
    writeEquity(ew, r.run.equityTimeMs, r.run.equity);
    const equity = ew.finish(`equity-${k}`);
    blobs.set(trades.ref.id, trades.bytes);
    blobs.set(equity.ref.id, equity.bytes);
    return { name: r.name, summary: r.run.summary, levels: r.run.levels, tradeCount: views[k]!.length, ...(r.run.funding ? { funding: r.run.funding } : {}), codes, trades: trades.ref, equity: equity.ref };
  });
  const first = Math.min(...symbols.map((s) => s.candles.time[0] ?? Infinity));
  const last = Math.max(...symbols.map((s) => (s.candles.time[s.candles.length - 1] ?? -Infinity) + s.candles.timeframeMs));
  return {
    data: {
      version: 2,
      title: src.title,
      subtitle: src.subtitle,
      header: {
        fromMs: first,
        toMs: last,
        candles: symbols.reduce((n, s) => n + s.candles.length, 0),
        symbols: symbols.map((s) => s.symbol),
        strategy: src.strategy,
        configFile: src.configFile,
        configSha256: configSha256(src.config),
        dataFiles: src.dataFiles,
        detailFiles: src.detailFiles ?? [],
        ladderFiles: src.ladderFiles ?? [],
        ...(src.fundingFiles?.length ? { fundingFiles: src.fundingFiles } : {}),
        ...(src.markFiles?.length ? { markFiles: src.markFiles } : {}),
        sameEntries: src.sameEntries ?? null,
        generatedAtMs: src.generatedAtMs,
      },
      runs: reportRuns,
      symbols: reportSymbols,
      attribution: `Prices © Binance, public market data. Tick sizes as of the markets file used (${symbols.map((s) => `${s.symbol} ${formatScaled(1, s.market.tickSize)}`).join(', ')}).`,
    },
    blobs,
  };
}

const pricesOf = (trades: readonly TradeView[]): number[] =>
  trades.flatMap((t) => [t.entryPrice, t.initialStop, ...t.targets.map((x) => x.price), ...t.exits.map((e) => e.price), ...t.stopMoves.flatMap((m) => [m.from, m.to])]);

/** The exact decimal scale of every value (at least 0); a value no scale up to 15 holds stops the report rather than be rounded. */
function scaleOf(what: string, columns: readonly ArrayLike<number>[]): number {
  let scale = 0;
  for (const c of columns) {
    const s = exactScale(c);
    if (s === null) throw new Error(`report: ${what} have no exact decimal form of 15 places or fewer`);
    scale = Math.max(scale, s);
  }
  return scale;
}

/**
 * One self-contained HTML file (styles, chart library, code and data inline): opens offline. Each blob
 * is raw-deflated and written in base85 into its own script element; the page inflates it with the
 * browser's DecompressionStream when it is first shown.
 */
export async function renderReportHtml(doc: ReportDocument): Promise<string> {
  const { build } = await import('esbuild');
  const bundle = await build({ entryPoints: [CLIENT_ENTRY], bundle: true, format: 'iife', minify: true, write: false, platform: 'browser', target: 'es2020', logLevel: 'silent' });
  const js = bundle.outputFiles[0]!.text.replace(/<\/script/gi, '<\\/script');
  const json = JSON.stringify(doc.data).replace(/</g, '\\u003c');
  const blobs = [...doc.blobs].map(([id, bytes]) => `<script id="${id}" type="application/octet-stream">${encodeBase85(deflateRawSync(bytes, { level: 9 }))}</script>`);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(doc.data.title)}</title><style>${BASE_CSS}${REPORT_CSS}</style></head>
<body><div id="app"></div>
<script id="report-data" type="application/json">${json}</script>
${blobs.join('\n')}
<script>${js}</script>
</body></html>
`;
}

/** The report's own pieces: header facts, range buttons, tooltip, pager. */
const REPORT_CSS = `
header dl{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:2px 10px;margin:6px 0 0;font-size:12px}header dt{opacity:.7}header dd{margin:0;overflow-wrap:anywhere}
header code{font-size:11px}.toolbar{display:flex;flex-wrap:wrap;gap:6px 10px;align-items:center;margin:0 0 8px}.toolbar label{font-size:12px;color:#52606d}
.range button,.pager button{font:inherit;font-size:12px;padding:3px 8px;border:1px solid #bcccdc;background:#fff;border-radius:4px;cursor:pointer}
.range button[aria-pressed=true]{background:#102a43;color:#fff;border-color:#102a43}.shown{font-size:12px;color:#52606d}
.chart-wrap{position:relative}.tip{position:absolute;z-index:5;pointer-events:none;background:#fff;border:1px solid #bcccdc;border-radius:6px;padding:6px 8px;font-size:12px;box-shadow:0 2px 6px rgba(0,0,0,.15);max-width:min(320px,90%)}
.tip table{width:auto}.tip td,.tip th{padding:1px 4px;border:0}.selected-trade{font-size:12px;color:#52606d;margin:6px 0 0}
details.trade.selected>summary{background:#e3f2fd}details.trade table{display:block;overflow-x:auto;width:auto;max-width:calc(100% - 16px)}.pager{display:flex;flex-wrap:wrap;gap:6px;align-items:center;margin:8px 0}
`;

const escapeHtml = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
