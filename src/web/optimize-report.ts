import type { StudyReport } from '../optimize/analysis.ts';
import { describeLadder } from '../optimize/describe.ts';
import type { WindowMetrics } from '../optimize/metrics.ts';
import { fmtNum } from './components/format.ts';
import { BASE_CSS } from './components/styles.ts';

/*
 * The optimizer's HTML report: one self-contained file (inline CSS, SVG and a small script; no
 * request leaves the page). Ranked table, a heatmap of any two parameters (chosen in the page),
 * the out-of-sample equity curves, the per-fold table and the overfitting figures.
 */

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
/**
 * Green for a figure that made money, red for one that lost it: a sign for PnL, Sharpe and
 * expectancy, 1 for a profit factor (0.94 lost money); a count or a drawdown is neither (`plain`).
 */
const cls = (x: number | null, breakEven = 0) => (x === null ? '' : x > breakEven ? 'pos' : x < breakEven ? 'neg' : '');
const cell = (c: string, x: number | null, d: number) => `<td class="num ${c}">${x === null ? '—' : Math.abs(x) >= 1e8 ? '∞' : fmtNum(x, d)}</td>`;
const num = (x: number | null, d = 2, breakEven = 0) => cell(cls(x, breakEven), x, d);
const plain = (x: number | null, d = 2) => cell('', x, d);
/** No losing trade: an unbounded profit factor, ∞ (— without a winning one either), as the CLI prints it. */
const pfCell = (m: WindowMetrics) => (m.profit_factor === null && m.total_pnl > 0 ? '<td class="num pos">∞</td>' : num(m.profit_factor, 2, 1));
/** An objective's score, coloured as its metric is (a profit factor against 1). */
const scoreCell = (r: StudyReport, x: number | null) => num(x, 3, r.objective === 'profit_factor' ? 1 : 0);
const metricCells = (m: WindowMetrics) => `${plain(m.trades, 0)}${num(m.total_pnl)}${pfCell(m)}${num(m.sharpe)}${num(m.expectancy_r, 3)}${plain(m.max_drawdown_pct)}`;
/** Rows of the ranked table in the page (all of them are in --json). */
const RANKED_ROWS = 50;

/** The parameters of a ladder flattened to name → value, for the heatmap. */
function flatParams(p: StudyReport['ranking'][number]['params']): Record<string, string | number> {
  if (p === null) return {};
  const out: Record<string, string | number> = { levels: p.levels.length, stop_loss_pct: p.stop_loss_pct, breakeven_offset_pct: p.breakeven_offset_pct, scaled_tp_execution: p.scaled_tp_execution };
  p.levels.forEach((l, k) => {
    out[`profit_pct[${k}]`] = l.profit_pct;
    out[`close_pct[${k}]`] = l.close_pct;
    out[`move_stop_to[${k}]`] = typeof l.move_stop_to === 'string' ? l.move_stop_to : `${l.move_stop_to.profit_pct}%`;
  });
  return out;
}

function equitySvg(given: StudyReport['out_of_sample'], chosen: boolean): string {
  if (given.length === 0) return '<p>No walk-forward folds: no out-of-sample curve (run with --folds).</p>';
  // No fold chose a ladder: there is no winner to draw (a flat line would read as one that made nothing).
  const curves = chosen ? given : given.slice(1);
  const note = chosen ? '' : '<p>No ladder qualified on any training window: no walk-forward winner to draw; the references only.</p>';
  const W = 900;
  const H = 300;
  const all = curves.flatMap((c) => c.equity);
  const lo = Math.min(...all);
  const hi = Math.max(...all);
  const n = Math.max(...curves.map((c) => c.equity.length));
  const colours = ['#1e88e5', '#e53935', '#43a047'];
  const x = (i: number) => (i / Math.max(1, n - 1)) * (W - 60) + 50;
  const y = (v: number) => H - 20 - ((v - lo) / Math.max(1e-9, hi - lo)) * (H - 40);
  const lines = curves.map((c, k) => `<polyline fill="none" stroke="${colours[k % 3]}" stroke-width="1.5" points="${c.equity.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ')}"><title>${esc(c.name)}</title></polyline>`);
  const legend = curves.map((c, k) => `<tspan fill="${colours[k % 3]}" dx="12">■ ${esc(c.name)} (${fmtNum(c.total_pnl)})</tspan>`).join('');
  const first = curves[0]!.dayMs[0];
  const last = curves[0]!.dayMs.at(-1);
  // A minimum width keeps its text readable on a phone: the chart scrolls sideways in its box instead.
  return `${note}<div class="scroll"><svg viewBox="0 0 ${W} ${H}" width="100%" style="min-width:720px" role="img" aria-label="out-of-sample equity curves" class="oos">
<text x="50" y="14" font-size="12">${legend}</text>
<text x="0" y="${y(hi) + 4}" font-size="11">${fmtNum(hi, 0)}</text><text x="0" y="${y(lo)}" font-size="11">${fmtNum(lo, 0)}</text>
<text x="50" y="${H - 4}" font-size="11">${first === undefined ? '' : new Date(first).toISOString().slice(0, 10)}</text><text x="${W - 120}" y="${H - 4}" font-size="11">${last === undefined ? '' : new Date(last).toISOString().slice(0, 10)}</text>
${lines.join('\n')}</svg></div>`;
}

/** What the run was made of: the config and the data files (names; their SHA-256 are in --json), and whether funding was charged. */
function inputsLine(r: StudyReport): string {
  const i = r.inputs;
  const name = (p: string) => esc(p.split('/').pop() ?? p);
  const names = (files: readonly { path: string }[]) => files.map((f) => name(f.path)).join(', ');
  const funding = i.funding?.length ? ` · funding charged: ${names(i.funding)}${i.mark?.length ? ` at the mark prices ${names(i.mark)}` : ''}` : ' · funding not charged (no --funding)';
  return `<p>config ${name(i.config)} · data ${names(i.data)}${i.detail.length ? ` · detail ${names(i.detail)}` : ''}${i.signals ? ` · signals ${name(i.signals.path)}` : ''}${funding}</p>`;
}

/** The page; `data` for the heatmap is embedded as JSON (escaped for a script element). */
export function renderOptimizeReport(r: StudyReport, title: string): string {
  const ranking = r.ranking
    .slice(0, RANKED_ROWS)
    .map((c) => `<tr><td class="num">${c.score === null ? '–' : c.rank}</td><td>${esc(describeLadder(c.params))}</td>${scoreCell(r, c.score)}${metricCells(c.metrics)}</tr>`)
    .join('');
  const refs = [r.references.single, r.references.config]
    .map((c) => `<tr><td></td><td><b>${c.kind === 'single' ? 'single take-profit' : `config's ladder: ${esc(describeLadder(c.params))}`}</b></td>${scoreCell(r, c.score)}${metricCells(c.metrics)}</tr>`)
    .join('');
  const folds = r.folds
    .map(
      (f) => `<tr><td class="num">${f.fold + 1}</td><td>${f.train.from.slice(0, 10)} → ${f.train.to.slice(0, 10)}</td><td>${f.test.from.slice(0, 10)} → ${f.test.to.slice(0, 10)}</td>
<td>${f.best ? esc(describeLadder(f.best.params)) : '(none qualified)'}</td>${scoreCell(r, f.in_sample_score)}${scoreCell(r, f.out_of_sample_score)}${num(f.out_of_sample?.total_pnl ?? null)}${num(f.single_out_of_sample.total_pnl)}${num(f.config_out_of_sample.total_pnl)}</tr>`,
    )
    .join('');
  const d = r.deflated_sharpe;
  const data = r.ranking.map((c) => ({ p: flatParams(c.params), s: c.score }));
  const names = [...new Set(data.flatMap((x) => Object.keys(x.p)))].filter((k) => new Set(data.map((x) => x.p[k])).size > 1);
  const json = JSON.stringify({ data, names, minTrades: r.min_trades }).replace(/</g, '\\u003c');
  const options = names.map((n) => `<option>${esc(n)}</option>`).join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)}</title><style>${BASE_CSS}.scroll{overflow-x:auto;max-width:100%}.heat td{text-align:center;font-size:12px;min-width:48px}.verdict li{margin:4px 0}</style></head><body>
<header><h1>${esc(title)}</h1><p>run ${esc(r.run_id)} · ${esc(r.method)} · ${r.ladders_evaluated} ladders · objective ${esc(r.objective)} · min trades ${r.min_trades} · seed ${r.seed}</p>${inputsLine(r)}</header><main>
<section class="verdict"><h2>What it found</h2><ul>${r.verdict.map((v) => `<li>${esc(v)}</li>`).join('')}</ul></section>
<section><h2>Overfitting</h2><div class="cards">
<div class="card"><div class="label">deflated Sharpe</div><div class="value" id="dsr">${d ? fmtNum(d.dsr, 3) : '—'}</div></div>
<div class="card"><div class="label">winner Sharpe (a year)</div><div class="value">${d ? fmtNum(d.sharpe_annualised) : '—'}</div></div>
<div class="card"><div class="label">best of ${d?.trials ?? 0} by luck</div><div class="value">${d ? fmtNum(d.expected_max_sharpe_annualised) : '—'}</div></div>
<div class="card"><div class="label">PBO (CSCV)</div><div class="value" id="pbo">${r.pbo ? fmtNum(r.pbo.pbo, 3) : '—'}</div></div>
<div class="card"><div class="label">CSCV splits</div><div class="value">${r.pbo?.splits ?? '—'}</div></div></div></section>
<section><h2>Out of sample: walk-forward winner vs single take-profit vs the config's ladder</h2>${equitySvg(r.out_of_sample, r.folds.some((f) => f.best !== null))}</section>
<section><h2>Walk-forward folds</h2><div class="scroll"><table id="folds"><thead><tr><th>fold</th><th>train</th><th>test</th><th>best ladder (train)</th><th>IS ${esc(r.objective)}</th><th>OOS ${esc(r.objective)}</th><th>OOS PnL</th><th>single OOS PnL</th><th>config OOS PnL</th></tr></thead><tbody>${folds || '<tr><td colspan="9">no folds (use --folds)</td></tr>'}</tbody></table></div></section>
<section><h2>Ranked ladders (all data, in-sample)</h2>${r.ranking.length > RANKED_ROWS ? `<p>The top ${RANKED_ROWS} of ${r.ranking.length} ladders (all of them are in <code>--json</code>).</p>` : ''}<div class="scroll"><table id="ranking"><thead><tr><th>#</th><th>ladder (profit%:close% … stop%)</th><th>${esc(r.objective)}</th><th>trades</th><th>PnL</th><th>PF</th><th>Sharpe</th><th>exp. R</th><th>max DD %</th></tr></thead><tbody>${ranking}${refs}</tbody></table></div></section>
<section><h2>Heatmap</h2><p><label>x <select id="hx">${options}</select></label> <label>y <select id="hy">${options}</select></label> best ${esc(r.objective)} per cell</p><div class="scroll" id="heat"></div></section>
<p class="footer">Generated by Ladder. Market data © Binance.</p></main>
<script id="study" type="application/json">${json}</script>
<script>
const S = JSON.parse(document.getElementById('study').textContent);
const hx = document.getElementById('hx'), hy = document.getElementById('hy');
if (S.names.length > 1) hy.selectedIndex = 1;
function draw() {
  const X = hx.value, Y = hy.value, cells = new Map(), xs = new Set(), ys = new Set();
  for (const d of S.data) {
    if (!(X in d.p) || !(Y in d.p) || d.s === null) continue;
    xs.add(d.p[X]); ys.add(d.p[Y]);
    const k = d.p[X] + '|' + d.p[Y];
    cells.set(k, Math.max(cells.get(k) ?? -Infinity, d.s));
  }
  const sort = (a) => [...a].sort((u, v) => (typeof u === 'number' ? u - v : String(u).localeCompare(String(v))));
  const vals = [...cells.values()], lo = Math.min(...vals), hi = Math.max(...vals);
  const colour = (v) => { const t = hi > lo ? (v - lo) / (hi - lo) : 0.5; return 'hsl(' + Math.round(t * 120) + ',70%,' + (85 - t * 35) + '%)'; };
  let h = '<table class="heat"><tr><th>' + Y + ' \\\\ ' + X + '</th>' + sort(xs).map((x) => '<th>' + x + '</th>').join('') + '</tr>';
  for (const y of sort(ys)) {
    h += '<tr><th>' + y + '</th>' + sort(xs).map((x) => { const v = cells.get(x + '|' + y); return v === undefined ? '<td></td>' : '<td style="background:' + colour(v) + '">' + (Math.abs(v) >= 1e8 ? '∞' : v.toFixed(2)) + '</td>'; }).join('') + '</tr>';
  }
  document.getElementById('heat').innerHTML = S.names.length < 2 ? '<p>Fewer than two parameters vary.</p>' : cells.size === 0 ? '<p>No ladder qualified (' + S.minTrades + ' trades or more): nothing to map.</p>' : h + '</table>';
}
hx.onchange = draw; hy.onchange = draw; draw();
</script></body></html>
`;
}
