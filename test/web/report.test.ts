import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { IChartApi, UTCTimestamp } from 'lightweight-charts';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/core/config/index.ts';
import type { TradeChart } from '../../src/web/components/trade-chart.ts';
import type { CandleColumns, TradeView } from '../../src/web/components/view-model.ts';
import { configSha256 } from '../../src/web/config-hash.ts';
import { launchChromium } from '../support/browser.ts';
import { tempDir } from '../support/temp-dir.ts';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const DATA = resolve(ROOT, '../shared/data/binance-spot-klines');
const MARKETS = resolve(ROOT, '../shared/data/binance-usdm-exchange-info.json');
const RESULTS = join(ROOT, 'test-results');
const HOUR = 3_600_000;

/** What the page exposes for tests (src/web/client/report.ts). */
interface ReportHook {
  chart(): TradeChart;
  symbol(): string;
  candles(): CandleColumns;
  trades(): TradeView[];
  equityChart(): IChartApi;
}
type Hooked = Window & { __ladderReport: ReportHook; __hovered?: unknown };
/** The report's test hook (run in the page: `open` defines it there too). */
const hook = (): ReportHook => (window as unknown as Hooked).__ladderReport;

interface Opened {
  readonly page: Page;
  readonly errors: string[];
  readonly external: string[];
}

/** Opens a report file with every non-file request refused and recorded, and waits until it is drawn. */
async function open(browser: Browser, file: string, viewport: { width: number; height: number }): Promise<Opened> {
  const page = await browser.newPage({ viewport });
  const errors: string[] = [];
  const external: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:') || url.startsWith('data:') || url.startsWith('blob:')) return route.continue();
    external.push(url);
    return route.abort();
  });
  await page.goto(pathToFileURL(file).href);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
  // The page functions below call `hook()`: the same accessor, defined in the page.
  await page.evaluate(() => Object.assign(window, { hook: () => (window as unknown as Hooked).__ladderReport }));
  return { page, errors, external };
}

/** First open time and last close time of a Binance kline CSV, read here, not by the report. */
function csvPeriod(file: string): { fromMs: number; toMs: number } {
  const lines = readFileSync(file, 'utf8').trim().split('\n').filter((l) => /^\d/.test(l));
  const t = (l: string) => {
    const v = Number(l.split(',')[0]);
    return v > 1e14 ? v / 1000 : v; // Binance writes µs since 2025
  };
  return { fromMs: t(lines[0]!), toMs: t(lines.at(-1)!) + HOUR };
}

const utc = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');

/** Elements wider than the viewport, or reaching past its right edge (a phone would scroll sideways). */
const overflowing = (page: Page) =>
  page.evaluate(() => {
    const w = document.documentElement.clientWidth;
    const out: string[] = [];
    if (document.documentElement.scrollWidth > w + 1) out.push(`page scrollWidth ${document.documentElement.scrollWidth} > ${w}`);
    for (const e of document.querySelectorAll<HTMLElement>('body *')) {
      if (!e.checkVisibility()) continue; // inside a closed <details>: laid out, not shown
      const r = e.getBoundingClientRect();
      if (r.width === 0 || r.right <= w + 1) continue;
      // Inside a box that scrolls or clips within the screen (a wide table's scroller): reachable, not overflowing.
      let clipped = false;
      for (let a = e.parentElement; a && a !== document.body && !clipped; a = a.parentElement) {
        clipped = getComputedStyle(a).overflowX !== 'visible' && a.getBoundingClientRect().right <= w + 1;
      }
      if (!clipped) out.push(`${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ''}.${e.className}: right ${Math.round(r.right)} > ${w}`);
    }
    return out.slice(0, 10);
  });

describe('backtest and compare --report in headless Chromium', () => {
  let browser: Browser;
  const dir = tempDir('ladder-report-');
  const btc = join(dir, 'btc.html');
  const cmp = join(dir, 'compare.html');
  const btcData = `${DATA}/BTCUSDT-1h.csv`;

  beforeAll(async () => {
    // The README's example: four years of BTCUSDT 1h with its 15m detail.
    const readme = ['backtest', '--config', 'examples/scaled.config.json', '--data', btcData, '--detail', `${DATA}/BTCUSDT-15m.csv`, '--markets', MARKETS, '--report', btc];
    // Three ladders (and the single TP) on two symbols over the four years.
    const ladders = ['default', 'front-loaded', 'runner-heavy'].map((n) => `examples/ladders/${n}.json`);
    const compare = ['compare', '--config', 'examples/scaled.config.json', '--data', `${DATA}/ETHUSDT-1h.csv,${DATA}/SOLUSDT-1h.csv`, '--markets', MARKETS, '--ladders', ...ladders, '--report', cmp];
    await Promise.all([run('node', ['bin/ladder.js', ...readme], { cwd: ROOT }), run('node', ['bin/ladder.js', ...compare], { cwd: ROOT })]);
    browser = await launchChromium();
    mkdirSync(RESULTS, { recursive: true });
  }, 180_000);
  afterAll(async () => browser?.close());

  it('draws every exit on the candle that contains its time, in the chart data and where the pointer finds it (README BTCUSDT run)', async () => {
    const { page, errors } = await open(browser, btc, { width: 1280, height: 800 });
    // Zoomed in, every candle has room: no marker stands for several candles.
    await page.evaluate(() => hook().chart().api.timeScale().setVisibleLogicalRange({ from: 0, to: 60 }));
    await page.waitForFunction(() => hook().chart().drawn().every((d) => d.members.every((m) => m.index === d.index)));
    const check = await page.evaluate(() => {
      const R = hook();
      const chart = R.chart();
      const times = R.candles().t;
      const markers = new Map(chart.markers().map((m) => [m.id, { time: m.time as number }]));
      const bad: string[] = [];
      let checked = 0;
      let lastExit: { id: string; reason: string; timeMs: number; markerTime: number } | null = null;
      for (const t of R.trades()) {
        for (const e of t.exits) {
          // The candle containing the exit: the last one opened at or before it, no further than one hour back.
          let i = times.length - 1;
          while (i > 0 && times[i]! > e.timeMs) i--;
          const drawn = chart.drawn().find((d) => d.members.some((g) => g.exits.includes(e)));
          const marker = drawn ? markers.get(drawn.id) : undefined;
          checked++;
          if (e.timeMs - times[i]! > 3_600_000) bad.push(`${t.id} ${e.reason} at ${e.timeMs} is on no candle`);
          else if (!marker) bad.push(`${t.id} ${e.reason}: no marker`);
          else if (marker.time * 1000 !== times[i]) bad.push(`${t.id} ${e.reason} ${new Date(e.timeMs).toISOString()}: marker at ${new Date(marker.time * 1000).toISOString()}, candle ${new Date(times[i]!).toISOString()}`);
          lastExit = marker ? { id: t.id, reason: e.reason, timeMs: e.timeMs, markerTime: marker.time * 1000 } : null;
        }
      }
      return { bad: bad.slice(0, 5), checked, lastExit };
    });
    expect(check.bad).toEqual([]);
    expect(check.checked).toBeGreaterThan(2000);
    // The run's very last exit: the `end` close at the last candle's close, drawn on that last candle.
    const period = csvPeriod(btcData);
    expect(check.lastExit).toMatchObject({ reason: 'end', timeMs: period.toMs, markerTime: period.toMs - HOUR });

    // Where it is drawn: the pointer over the candle of an exit, above or below it, finds that exit's marker.
    await page.evaluate(() => {
      const w = window as unknown as Hooked;
      w.__ladderReport.chart().api.subscribeCrosshairMove((p) => (w.__hovered = p.hoveredObjectId ?? null));
    });
    const samples = await page.evaluate(() => {
      const c = hook().chart();
      const exits = c.groups.filter((g) => g.kind === 'exit');
      const pick = [...Array.from({ length: 8 }, (_, k) => exits[Math.floor((k * exits.length) / 8)]!), ...exits.slice(-4)];
      // The marker drawn for the group (an exit and the next entry on one candle are one marker).
      const drawnId = (g: (typeof exits)[number]) => c.drawn().find((d) => d.members.includes(g))?.id;
      return pick.map((g) => ({ id: drawnId(g) ?? `no marker for ${g.id}`, index: g.index, lane: g.lane }));
    });
    const box = (await page.locator('#price-chart').boundingBox())!;
    const missed: string[] = [];
    for (const s of samples) {
      const at = await page.evaluate(
        async ({ index, lane }) => {
          const R = hook();
          const chart = R.chart();
          chart.api.timeScale().setVisibleLogicalRange({ from: index - 30, to: index + 30 });
          await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
          const c = R.candles();
          const x = chart.api.timeScale().timeToCoordinate((c.t[index]! / 1000) as UTCTimestamp) ?? NaN;
          const y = chart.candles.priceToCoordinate(lane === 'aboveBar' ? c.h[index]! : c.l[index]!) ?? NaN;
          return { x, y };
        },
        { index: s.index, lane: s.lane },
      );
      let found: unknown = null;
      for (let dy = 2; dy <= 80 && found !== s.id; dy += 2) {
        await page.mouse.move(box.x + at.x, box.y + at.y + (s.lane === 'aboveBar' ? -dy : dy));
        found = await page.evaluate(() => (window as unknown as Hooked).__hovered);
      }
      if (found !== s.id) missed.push(`${s.id}: found ${String(found)}`);
      // and its tooltip lists the trade's exits on that candle
      else if (!((await page.locator('#marker-tip').isVisible()) && (await page.locator('#marker-tip').textContent())?.includes(s.id.replace(/^stack:/, '').split(':')[0]!))) missed.push(`${s.id}: no tooltip`);
    }
    expect(missed).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  it('shows the whole period on load, zooms with 1M/3M/1Y/All, and says which period is shown', async () => {
    const { page, errors } = await open(browser, btc, { width: 1280, height: 800 });
    const ranges = await page.evaluate(() => {
      const R = hook();
      const none = { from: NaN, to: NaN };
      return { price: R.chart().api.timeScale().getVisibleLogicalRange() ?? none, equity: R.equityChart().timeScale().getVisibleLogicalRange() ?? none, candles: R.candles().t.length };
    });
    expect(ranges.candles).toBe(37_895);
    expect(ranges.price.from).toBeLessThanOrEqual(0.5);
    expect(ranges.price.to).toBeGreaterThanOrEqual(ranges.candles - 1.5);
    expect(ranges.equity.from).toBeLessThanOrEqual(0.5);
    expect(ranges.equity.to).toBeGreaterThanOrEqual(ranges.candles - 1.5);
    // Four years on 1,200 px: markers closer than 16 px merge, so what is drawn stays apart.
    const gaps = await page.evaluate(() => {
      const c = hook().chart();
      const x = (i: number) => c.api.timeScale().logicalToCoordinate(i as never) ?? NaN;
      const lanes = ['aboveBar', 'belowBar'].map((lane) => c.drawn().filter((d) => d.lane === lane).map((d) => x(d.index)));
      return { count: c.drawn().length, groups: c.groups.length, minGap: Math.min(...lanes.flatMap((xs) => xs.slice(1).map((v, k) => v - xs[k]!))) };
    });
    expect(gaps.groups).toBeGreaterThan(3000);
    expect(gaps.count).toBeLessThan(200);
    expect(gaps.minGap).toBeGreaterThanOrEqual(15);
    const period = csvPeriod(btcData);
    const shown = page.locator('#chart-section .shown');
    expect(await shown.textContent()).toContain(`${utc(period.fromMs)} → ${utc(period.toMs - HOUR)} UTC`);
    expect(await page.locator('#chart-section [data-range="All"]').getAttribute('aria-pressed')).toBe('true');

    await page.locator('#chart-section [data-range="3M"]').click();
    await page.waitForFunction(() => document.querySelector('#chart-section [data-range="3M"]')?.getAttribute('aria-pressed') === 'true');
    const span = await page.evaluate(() => {
      const r = hook().chart().api.timeScale().getVisibleRange();
      return r ? ((r.to as number) - (r.from as number)) / 86_400 : NaN;
    });
    expect(span).toBeGreaterThan(85);
    expect(span).toBeLessThan(97);
    await page.locator('#chart-section [data-range="All"]').click();
    await page.waitForFunction(() => document.querySelector('#chart-section [data-range="All"]')?.getAttribute('aria-pressed') === 'true');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('says in its header the period, the symbols, the config file with its SHA-256 and the data files', async () => {
    const { page } = await open(browser, btc, { width: 1280, height: 800 });
    const period = csvPeriod(btcData);
    expect(await page.locator('#period').textContent()).toBe(`${utc(period.fromMs)} → ${utc(period.toMs)} UTC`);
    const facts = (await page.locator('#report-facts').textContent())!;
    expect(facts).toContain('BTCUSDT');
    expect(facts).toContain('examples/scaled.config.json');
    expect(facts).toContain(btcData);
    expect(facts).toContain(`${DATA}/BTCUSDT-15m.csv`);
    const cfg = parseConfigText(readFileSync(join(ROOT, 'examples/scaled.config.json'), 'utf8'), 'examples/scaled.config.json');
    if (!cfg.ok) throw new Error('example config invalid');
    expect(await page.locator('#config-sha256').textContent()).toBe(configSha256(cfg.value));
    await page.close();
  });

  it('says in its header that funding is in the PnL: the --funding and --mark files and each run\'s total (and nothing without them)', async () => {
    const funding = resolve(ROOT, '../shared/data/binance-usdm-funding/ETHUSDT-fundingRate.csv');
    const mark = resolve(ROOT, '../shared/data/binance-usdm-mark-1h/ETHUSDT-1h.csv');
    const args = ['compare', '--config', 'examples/scaled.config.json', '--data', `${DATA}/ETHUSDT-1h.csv`, '--markets', MARKETS, '--from', '2025-01-01', '--to', '2025-04-01', '--funding', funding, '--mark', mark];
    const file = join(dir, 'funded.html');
    const [json] = await Promise.all([run('node', ['bin/ladder.js', ...args, '--json'], { cwd: ROOT }), run('node', ['bin/ladder.js', ...args, '--report', file], { cwd: ROOT })]);
    const runs = (JSON.parse(json.stdout) as { runs: { name: string; funding: { total: number; settlements: number } }[] }).runs;
    expect(runs.every((r) => r.funding.total < 0)).toBe(true);
    const { page, errors } = await open(browser, file, { width: 1280, height: 800 });
    const shown = runs.map((r) => `${r.name} ${r.funding.total.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })} over ${r.funding.settlements} settlements`).join(' · ');
    expect(await page.locator('#funding').textContent()).toBe(`${shown} (in the trades' PnL) from ${funding}`);
    expect(await page.locator('#report-facts').textContent()).toContain(`Mark prices${mark}`);
    expect(errors).toEqual([]);
    await page.close();
    const plain = (await open(browser, btc, { width: 1280, height: 800 })).page;
    expect(await plain.locator('#funding').count()).toBe(0);
    await plain.close();
  });

  it('draws the selected trade: picked in the list, the chart scrolls to it and labels its entry, targets and stop steps', async () => {
    const { page, errors } = await open(browser, btc, { width: 1280, height: 800 });
    const found = await page.evaluate(() => hook().trades().slice(0, 50).find((x) => x.stopMoves.length >= 2));
    if (!found) throw new Error('no trade on the first page moved its stop twice');
    const pick = found;
    await page.locator(`summary[data-trade-id="${pick.id}"]`).click();
    await page.waitForFunction((id) => document.getElementById('selected-trade')?.textContent?.startsWith(id), pick.id);
    // The chart scrolls on its next frame: wait for it (on a loaded machine the frame comes late), then read.
    await page.waitForFunction(() => {
      const r = hook().chart().api.timeScale().getVisibleLogicalRange();
      return r !== null && r.to - r.from < 400;
    });
    const drawn = await page.evaluate(() => {
      const R = hook();
      const chart = R.chart();
      const lines = chart.candles.priceLines().map((l) => ({ title: l.options().title, price: l.options().price }));
      return { lines, range: chart.api.timeScale().getVisibleLogicalRange() ?? { from: NaN, to: NaN }, times: [...R.candles().t] };
    });
    const want = [
      { title: 'entry', price: pick.entryPrice },
      ...pick.targets.map((x) => ({ title: x.reason.toUpperCase(), price: x.price })),
      { title: 'SL', price: pick.initialStop },
      { title: 'SL1 BE', price: pick.stopMoves[0]!.to },
      { title: 'SL2 previous tp', price: pick.stopMoves[1]!.to },
    ];
    expect(drawn.lines).toEqual(want);
    const entryIndex = drawn.times.findIndex((t) => t === pick.entryTimeMs);
    const exitIndex = drawn.times.findLastIndex((t) => t <= pick.exits.at(-1)!.timeMs);
    expect(drawn.range.from).toBeLessThanOrEqual(entryIndex);
    expect(drawn.range.to).toBeGreaterThanOrEqual(exitIndex);
    expect(drawn.range.to - drawn.range.from).toBeLessThan(400);
    expect(await page.locator('details.trade.selected').count()).toBe(1);
    // Clear: no lines left.
    await page.locator('#selected-trade button.clear').click();
    expect(await page.evaluate(() => hook().chart().candles.priceLines().length)).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('lists the trades a page at a time, so four years stay a short page', async () => {
    const { page } = await open(browser, btc, { width: 1280, height: 800 });
    const total = await page.evaluate(() => hook().trades().length);
    expect(total).toBe(1335);
    expect(await page.locator('details.trade').count()).toBe(50);
    expect(await page.locator('.pager .page-of').textContent()).toBe(`page 1 of ${Math.ceil(total / 50)}`);
    const first = await page.locator('details.trade summary').first().getAttribute('data-trade-id');
    await page.locator('.pager [data-page="next"]').click();
    expect(await page.locator('.pager .page-of').textContent()).toBe(`page 2 of ${Math.ceil(total / 50)}`);
    expect(await page.locator('details.trade summary').first().getAttribute('data-trade-id')).not.toBe(first);
    expect(await page.evaluate(() => document.documentElement.scrollHeight)).toBeLessThan(6000);
    await page.close();
  });

  it('keeps a compare of three ladders small and shows every run: equity curves, per-level tables, each run trades', async () => {
    // This run took 9.98 MB with a JSON object per trade and the candles as number lists (0.88 MB
    // now); the ten-symbol case is measured in docs/report.md.
    expect(statSync(cmp).size).toBeLessThan(1_000_000);
    const { page, errors } = await open(browser, cmp, { width: 1280, height: 800 });
    expect(await page.locator('#run-picker option').allTextContents()).toEqual(['default 30/30/40', 'front-loaded 50/30/20', 'runner-heavy 20/20/60', 'single']);
    expect(await page.evaluate(() => hook().equityChart().panes()[0]?.getSeries().length)).toBe(4);
    expect(await page.locator('table.levels').count()).toBe(4);
    expect(await page.locator('#report-facts').textContent()).toContain('examples/ladders/runner-heavy.json');
    // A trade of the other symbol picked in the list: the chart shows that symbol, drawn on the trade.
    await page.locator('#trade-symbol').selectOption('SOLUSDT');
    const sol = page.locator('details.trade summary').first();
    const solId = (await sol.getAttribute('data-trade-id'))!;
    expect(solId).toMatch(/^SOLUSDT-/);
    await sol.click();
    await page.waitForFunction((id) => document.getElementById('selected-trade')?.textContent?.startsWith(id), solId);
    expect(await page.evaluate(() => [hook().symbol(), hook().chart().candles.priceLines().length > 3])).toEqual(['SOLUSDT', true]);
    await page.locator('#run-picker').selectOption({ label: 'single' });
    await page.waitForFunction(() => document.querySelector('#trades h2')?.textContent?.startsWith('Trades of single'));
    const reasons = await page.evaluate(() => [...new Set(hook().trades().flatMap((t) => t.exits.map((e) => e.reason)))]);
    // The single take-profit's exits: `tp` (no ladder level), stops, signals, the end.
    expect(reasons).toContain('tp');
    expect(reasons.filter((r) => /^tp\d/.test(r))).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });

  for (const [name, file, key] of [
    ['report', () => btc, 'BTCUSDT'],
    ['compare', () => cmp, 'runner-heavy 20/20/60'],
  ] as const) {
    for (const [device, viewport] of [
      ['desktop', { width: 1280, height: 800 }],
      ['phone', { width: 390, height: 844 }],
    ] as const) {
      it(`${name} at ${device} width (${viewport.width}×${viewport.height}): screenshot, no page error, nothing loaded from elsewhere, nothing wider than the screen, key texts`, async () => {
        const { page, errors, external } = await open(browser, file(), viewport);
        await page.waitForTimeout(300); // let the charts paint before the screenshot
        await page.screenshot({ path: join(RESULTS, `${name}-${device}.png`), fullPage: true });
        expect(await overflowing(page)).toEqual([]);
        // A trade picked in the list: its exits open under it, the chart drawn on it.
        await page.locator('details.trade summary').first().click();
        await page.waitForSelector('details.trade.selected[open]');
        await page.waitForTimeout(300);
        await page.screenshot({ path: join(RESULTS, `${name}-${device}-trade.png`) });
        expect(await overflowing(page)).toEqual([]);
        expect(errors).toEqual([]);
        expect(external).toEqual([]);
        const text = (await page.locator('body').textContent())!;
        for (const k of ['Period', 'Config', 'SHA-256', 'Equity', 'Per level', 'Trades of', 'Price, entries, exits and the stop ladder', key]) expect(text).toContain(k);
        await page.close();
      });
    }
  }

  it('is one self-contained file: no script or stylesheet is loaded from elsewhere', () => {
    for (const f of [btc, cmp]) {
      const text = readFileSync(f, 'utf8');
      expect(text).not.toMatch(/<script[^>]+src=/i);
      expect(text).not.toMatch(/<link[^>]+stylesheet/i);
    }
  });
});
