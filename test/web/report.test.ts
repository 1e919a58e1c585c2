import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.ts';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const DATA = resolve(ROOT, '../shared/data/binance-spot-klines');
const MARKETS = resolve(ROOT, '../shared/data/binance-usdm-exchange-info.json');

describe('backtest --report in headless Chromium', () => {
  let browser: Browser;
  let html: string;
  const dir = mkdtempSync(join(tmpdir(), 'ladder-report-'));

  beforeAll(async () => {
    html = join(dir, 'r.html');
    await run('node', ['bin/ladder.js', 'backtest', '--config', 'examples/scaled.config.json', '--data', `${DATA}/ETHUSDT-1h.csv`, '--markets', MARKETS, '--from', '2025-06-01', '--to', '2025-09-01', '--report', html], { cwd: ROOT });
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => browser?.close());

  it('opens offline and draws the price and equity charts (canvas not blank), trades and levels', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1800 } });
    const external: string[] = [];
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('file:') || url.startsWith('data:')) return route.continue();
      external.push(url);
      return route.abort();
    });
    await page.goto(pathToFileURL(html).href);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
    await page.waitForTimeout(500);
    // A drawn chart has many colours on its canvases; a blank one has one or two.
    const colours = await page.evaluate(() =>
      ['#price-chart', '#equity-chart'].map((sel) => {
        const seen = new Set<number>();
        for (const c of document.querySelectorAll<HTMLCanvasElement>(`${sel} canvas`)) {
          const ctx = c.getContext('2d');
          if (!ctx || c.width === 0) continue;
          const d = ctx.getImageData(0, 0, c.width, c.height).data;
          for (let i = 0; i < d.length; i += 16) seen.add((d[i]! << 16) | (d[i + 1]! << 8) | d[i + 2]!);
        }
        return seen.size;
      }),
    );
    expect(colours[0]).toBeGreaterThan(20);
    expect(colours[1]).toBeGreaterThan(5);
    expect(external).toEqual([]);
    const trades = await page.locator('details.trade').count();
    expect(trades).toBeGreaterThan(0);
    await page.locator('details.trade summary').first().click();
    expect(await page.locator('details.trade[open] tr.exit').count()).toBeGreaterThan(0);
    expect(await page.locator('table.levels tbody tr').count()).toBe(3);
    mkdirSync(join(ROOT, 'test-results'), { recursive: true });
    await page.screenshot({ path: join(ROOT, 'test-results', 'backtest-report.png'), fullPage: false });
    await page.close();
  });

  it('is one self-contained file: no script or stylesheet is loaded from elsewhere', () => {
    const text = readFileSync(html, 'utf8');
    expect(text).not.toMatch(/<script[^>]+src=/i);
    expect(text).not.toMatch(/<link[^>]+stylesheet/i);
  });
});
