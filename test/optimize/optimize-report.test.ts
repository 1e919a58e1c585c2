import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { loadBacktestInputs } from '../../src/cli/backtest-inputs.ts';
import { analyzeStudy } from '../../src/optimize/analysis.ts';
import { prepareDataset } from '../../src/optimize/dataset.ts';
import { studyWindows } from '../../src/optimize/folds.ts';
import { inlineEvaluator } from '../../src/optimize/pool.ts';
import { parseSpaceText } from '../../src/optimize/space.ts';
import { STUDY_SPEC_VERSION, type StudySpec, runStudy } from '../../src/optimize/study.ts';
import { renderOptimizeReport } from '../../src/web/optimize-report.ts';
import { launchChromium } from '../support/browser.ts';

const KLINES = fileURLToPath(new URL('../../../shared/data/binance-spot-klines/', import.meta.url));
const MARKETS = fileURLToPath(new URL('../../../shared/data/binance-usdm-exchange-info.json', import.meta.url));
const CONFIG = fileURLToPath(new URL('../../examples/scaled.config.json', import.meta.url));

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

describe('the optimizer report in Chromium', () => {
  it('is self-contained (no request leaves the page) and shows the ranking, the folds, the curves, DSR, PBO and a heatmap of any two parameters', async () => {
    const input = await loadBacktestInputs({ config: CONFIG, data: `${KLINES}BTCUSDT-1h.csv`, markets: MARKETS, from: '2023-01-01', to: '2024-01-01' });
    const space = parseSpaceText(JSON.stringify({ levels: [2], profit_pct: [{ values: [0.5, 1, 1.5] }, { values: [2, 3] }], close_pct: { step: 25 }, stop_loss_pct: { values: [1.5, 2] } }));
    const windows = studyWindows(Date.UTC(2023, 0, 1), Date.UTC(2024, 0, 1), { folds: 2, trainMonths: 6, testMonths: 3, anchored: false });
    if (!space.ok || !windows.ok) throw new Error('setup');
    const spec: StudySpec = { version: STUDY_SPEC_VERSION, method: 'grid', trials: 0, seed: 1, objective: 'total_pnl', minTrades: 5, folds: { folds: 2, trainMonths: 6, testMonths: 3, anchored: false }, space: space.value, config: input.config, inputs: { config: CONFIG, data: [], markets: null, signals: null, detail: [] }, windows: windows.value };
    const data = { dataset: prepareDataset(input.symbols, input.options), config: input.config, windows: windows.value };
    const out = await runStudy(spec, inlineEvaluator(data), { stored: () => new Map(), save: () => {} }, { update: () => {} });
    const report = analyzeStudy('r1', spec, out);
    const html = renderOptimizeReport(report, 'Ladder optimize — BTCUSDT <test>');
    const page = await browser.newPage();
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.setContent(html);
    expect(errors).toEqual([]);
    expect(requests.filter((u) => !u.startsWith('data:') && u !== 'about:blank')).toEqual([]);
    expect(await page.title()).toBe('Ladder optimize — BTCUSDT <test>');
    expect(await page.locator('#ranking tbody tr').count()).toBe(report.ranking.length + 2);
    // Green means it made money, red that it lost: a profit factor against 1, a count or a drawdown neither.
    const colour = (c: string) => (c.includes('pos') ? 'pos' : c.includes('neg') ? 'neg' : '');
    const sign = (x: number | null, at = 0) => (x === null ? '' : x > at ? 'pos' : x < at ? 'neg' : '');
    for (const [k, row] of report.ranking.entries()) {
      const cells = await page.locator('#ranking tbody tr').nth(k).locator('td').evaluateAll((tds) => tds.map((td) => td.className));
      const m = row.metrics;
      const pf = m.profit_factor === null ? (m.total_pnl > 0 ? 'pos' : '') : sign(m.profit_factor, 1);
      // #, ladder, score (total_pnl), trades, PnL, PF, Sharpe, exp. R, max DD
      expect(cells.map(colour), `row ${k + 1}`).toEqual(['', '', sign(row.score), '', sign(m.total_pnl), pf, sign(m.sharpe), sign(m.expectancy_r), '']);
    }
    expect(report.ranking.some((c) => c.metrics.profit_factor !== null && c.metrics.profit_factor < 1 && c.metrics.profit_factor > 0)).toBe(true); // a losing PF is in the table
    expect(await page.locator('#folds tbody tr').count()).toBe(2);
    expect(await page.locator('svg.oos polyline').count()).toBe(3);
    expect(await page.locator('#dsr').textContent()).toBe(report.deflated_sharpe!.dsr.toFixed(3));
    // Heatmap: 12 ladders = 3 × 2 targets × 2 stops (× 3 splits of 25 %): choose profit_pct[0] against stop_loss_pct.
    await page.selectOption('#hx', 'profit_pct[0]');
    await page.selectOption('#hy', 'stop_loss_pct');
    expect(await page.locator('#heat tr').count()).toBe(3); // header + 2 stops
    expect(await page.locator('#heat tr').first().locator('th').count()).toBe(4); // corner + 3 targets
    // At a phone's width nothing makes the page wider than the screen: the tables and the chart scroll in their own boxes.
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.close();

    // No ladder qualifies: no winner curve is drawn (the references are), the heatmap says why it is empty.
    const none = analyzeStudy('r2', { ...spec, minTrades: 100_000 }, out);
    const empty = await browser.newPage();
    await empty.setContent(renderOptimizeReport(none, 'none'));
    expect(await empty.locator('svg.oos polyline').count()).toBe(2);
    expect(await empty.locator('main').textContent()).toContain('No ladder qualified on any training window: no walk-forward winner to draw');
    expect(await empty.locator('#heat').textContent()).toBe('No ladder qualified (100000 trades or more): nothing to map.');
    await empty.close();
  });

  it('an unbounded profit factor (no losing trade) shows ∞ in the PF column, as the CLI prints it', async () => {
    const metrics = { trades: 40, total_pnl: 12.5, profit_factor: null, sharpe: 1, sortino: 1, calmar: null, expectancy_r: 0.5, max_drawdown_pct: 0, win_rate: 1, days: 40 };
    const ref = { rank: 0, key: 'single', kind: 'single', params: null, score: 1, metrics: { ...metrics, profit_factor: 1.5 } };
    const report = {
      run_id: 'x', inputs: { config: '/a/config.json', data: [{ path: '/d/BTCUSDT-1h.csv', sha256: '0'.repeat(64) }], markets: null, signals: null, detail: [] },
      method: 'random', objective: 'profit_factor', min_trades: 5, seed: 1, ladders_evaluated: 1, invalid: {}, windows: [],
      ranking: [{ ...ref, rank: 1, key: 'l', kind: 'ladder', score: 1e9, metrics }], references: { single: ref, config: { ...ref, kind: 'config' } },
      folds: [], out_of_sample: [], deflated_sharpe: null, pbo: null, verdict: [], evaluation: { engine: 'replay', windows: 1, windows_run_in_full: 0 },
    } as unknown as Parameters<typeof renderOptimizeReport>[0];
    const page = await browser.newPage();
    await page.setContent(renderOptimizeReport(report, 't'));
    const cells = await page.locator('#ranking tbody tr').first().locator('td').allTextContents();
    expect(cells[2]).toBe('∞'); // the score
    expect(cells[5]).toBe('∞'); // PF
    expect(await page.locator('header').textContent()).toContain('config config.json · data BTCUSDT-1h.csv · funding not charged (no --funding)');
    // With --funding and --mark: the header says so, naming the files.
    const funded = { ...report, inputs: { ...report.inputs, funding: [{ path: '/f/BTCUSDT-fundingRate.csv', sha256: '1'.repeat(64) }], mark: [{ path: '/m/BTCUSDT-1h-mark.csv', sha256: '2'.repeat(64) }] } };
    await page.setContent(renderOptimizeReport(funded, 't'));
    expect(await page.locator('header').textContent()).toContain('data BTCUSDT-1h.csv · funding charged: BTCUSDT-fundingRate.csv at the mark prices BTCUSDT-1h-mark.csv');
    await page.close();
  });
});
