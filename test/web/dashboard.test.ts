import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Position, levelStats } from '../../src/core/index.ts';
import type { AnalyticsResponse } from '../../src/web/components/dashboard-model.ts';
import { fmtNum, fmtPct } from '../../src/web/components/format.ts';
import { testConfig } from '../support/bot-harness.ts';
import { launchChromium } from '../support/browser.ts';
import { type DashboardRig, startRig } from './dashboard-bot.ts';
import { blockNetwork } from './offline.ts';
import { watchPage } from './page-guard.ts';
import { waitForCount, waitForText } from './page-wait.ts';
import { tempDir } from '../support/temp-dir.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const SHOTS = join(ROOT, 'test-results');
const T = Date.UTC(2026, 0, 1);
const HOUR = 3_600_000;
const WAIT = { timeout: 20_000 };

/**
 * The dashboard beside the bot, the bot trading on the simulator (ccxt over HTTP, a real SQLite file),
 * the page in Debian Chromium with every request off this machine blocked. Entries are given to the
 * trader as signals; prices are moved on the simulator and the bot steps, as in test/bot/e2e-ladder.
 */
describe('dashboard beside the bot, in headless Chromium, offline', () => {
  let rig: DashboardRig;
  let browser: Browser;
  let page: Page;
  let blocked: string[];
  let errors: string[];
  let origin: string;

  const trader = () => rig.bot.traders[0]!;
  const move = async (price: number) => {
    rig.h.sim.admin.setPrice('BTCUSDT', price);
    await rig.bot.step();
  };
  const closedPositions = (): Position[] => rig.h.store.tradeHistory().map((r) => rig.h.store.getPosition(r.positionId)!);
  const tab = async (name: 'positions' | 'history' | 'analytics') => page.click(`#tab-${name}`);

  beforeAll(async () => {
    // No strategy entries: the test gives the signals (a signal file with no rows).
    const dir = tempDir('ladder-dash-');
    writeFileSync(join(dir, 'none.csv'), 'time,symbol,side\n');
    const config = testConfig({ strategy: { name: 'signals', file: join(dir, 'none.csv') }, take_profit_pct: 3 });
    rig = await startRig(config, 'BTCUSDT', 60000, { feedStaleMs: 1500 });
    origin = rig.dash.url.replace(/\/$/, '');
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    errors = watchPage(page).errors;
    blocked = await blockNetwork(page, origin);
    mkdirSync(SHOTS, { recursive: true });
    await page.goto(rig.dash.url);
    await page.waitForSelector('body[data-ready="true"]', WAIT);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await rig?.close();
  });

  it('shows a position card whose ladder gains a check and the fill price when TP1 fills, without a reload', async () => {
    await page.locator('#positions-tab .empty').waitFor(WAIT);
    await trader().onSignal({ side: 'long', timeMs: T, reason: 'test' });
    const id = trader().position!.id;
    const card = page.locator(`article.position[data-position-id="${id}"]`);
    await card.waitFor(WAIT);
    expect(await card.locator('.ladder .level').count()).toBe(3);
    expect(await card.locator('.ladder .check').count()).toBe(0);
    await waitForText(card.locator('.head'), 'BTCUSDT', { contains: true });
    await waitForText(card.locator('.head'), '5×', { contains: true });
    await waitForText(card.locator('.entry b'), fmtNum(60000, 1));
    await waitForText(card.locator('.size b'), '0.010 → 0.010');
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));

    await move(60700);
    await card.locator('.ladder .level.hit .check').waitFor(WAIT);
    const exit = rig.h.store.getPosition(id)!.partialExits[0]!;
    await waitForText(card.locator('.ladder .level[data-level="1"] .px'), `@ ${fmtNum(exit.price, 1)}`);
    await waitForText(card.locator('.size b'), '0.010 → 0.007');
    await waitForText(card.locator('.stop b'), `${fmtNum(60000, 1)} (was ${fmtNum(58800, 1)})`);
    await waitForText(card.locator('.next b'), `TP2 ${fmtNum(61200, 1)}`, { contains: true });
    await waitForText(card.locator('.mark b'), fmtNum(60700, 1));
    // The same document: no navigation happened.
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42);
    // The live chart is drawn (a blank canvas has one or two colours).
    await page.waitForFunction((sel) => {
      const seen = new Set<number>();
      for (const c of document.querySelectorAll<HTMLCanvasElement>(`${sel} canvas`)) {
        const ctx = c.getContext('2d');
        if (!ctx || c.width === 0) continue;
        const d = ctx.getImageData(0, 0, c.width, c.height).data;
        for (let i = 0; i < d.length; i += 16) seen.add((d[i]! << 16) | (d[i + 1]! << 8) | d[i + 2]!);
      }
      return seen.size > 20;
    }, `article.position[data-position-id="${id}"] .chart`, WAIT);
    await page.screenshot({ path: join(SHOTS, 'dashboard-positions.png') });

    // The stop (moved to breakeven) fires: the card goes away, again without a reload.
    await move(59900);
    await card.waitFor({ state: 'detached', ...WAIT });
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42);
  });

  it('shows the connection state: live while the bot reads prices, feed down when it stops, live again', async () => {
    rig.h.sim.admin.setPrice('BTCUSDT', 60000);
    await trader().onSignal({ side: 'long', timeMs: T + HOUR, reason: 'test' });
    await rig.bot.step();
    await page.waitForSelector('#conn.live', WAIT);
    await waitForText(page.locator('#conn'), 'live');
    // No step for longer than feedStaleMs (1.5 s): nobody reads the exchange.
    await page.waitForSelector('#conn.down', WAIT);
    await waitForText(page.locator('#conn'), 'feed down');
    await rig.bot.step();
    await page.waitForSelector('#conn.live', WAIT);
  });

  it('History shows each trade with its partial exits grouped under the entry, and the right total', async () => {
    // Finish the second trade through all three levels, then a third that is stopped out.
    await move(60700);
    await move(61300);
    await move(62200);
    rig.h.sim.admin.setPrice('BTCUSDT', 60000);
    await trader().onSignal({ side: 'long', timeMs: T + 2 * HOUR, reason: 'test' });
    await move(58700);
    const trades = closedPositions();
    expect(trades.map((t) => t.partialExits.map((e) => e.reason).join('+'))).toEqual(['tp1+stop', 'tp1+tp2+tp3', 'stop']);

    await tab('history');
    await page.waitForFunction((n) => document.querySelectorAll('#history-tab details.trade').length === n, 3, WAIT);
    for (const t of trades) {
      const summary = page.locator(`#history-tab summary[data-trade-id="${t.id}"]`);
      await waitForText(summary.locator('.total'), `PnL ${fmtNum(t.partialExits.reduce((s, e) => s + e.pnl, 0))}`);
      await waitForText(summary, `${t.partialExits.length} ${t.partialExits.length === 1 ? 'exit' : 'exits'}`, { contains: true });
    }
    const ladder = trades[1]!;
    await page.click(`#history-tab summary[data-trade-id="${ladder.id}"]`);
    const rows = page.locator(`#history-tab details.trade[open] tr.exit`);
    await waitForCount(rows, 3);
    expect(await rows.evaluateAll((rs) => rs.map((r) => (r as HTMLElement).dataset.reason))).toEqual(['tp1', 'tp2', 'tp3']);
    for (const [i, e] of ladder.partialExits.entries()) {
      await waitForText(rows.nth(i).locator('td').nth(3), fmtNum(e.price, 1));
      await waitForText(rows.nth(i).locator('td').nth(4), fmtNum(e.qtySteps / 1000, 3));
    }
    await page.screenshot({ path: join(SHOTS, 'dashboard-history.png') });

    // The symbol filter goes to the server; an unknown day leaves nothing.
    await page.fill('#history-tab input[name="from"]', '2030-01-01');
    await page.dispatchEvent('#history-tab input[name="from"]', 'change');
    await page.waitForFunction(() => document.querySelectorAll('#history-tab details.trade').length === 0, undefined, WAIT);
    await page.click('#history-tab .filters button');
    await page.waitForFunction(() => document.querySelectorAll('#history-tab details.trade').length === 3, undefined, WAIT);
  });

  it('Analytics shows per-level hit rates equal to those computed from the store, and scaled vs single on the same entries', async () => {
    // Close the candle the trades happened in, so the single take-profit can be replayed on it.
    rig.h.sim.admin.step({ candles: 1 });
    rig.h.sim.admin.step({ points: 1 }); // the next candle opens: the previous one is closed
    await rig.bot.step();
    const expected = levelStats(closedPositions());
    expect(expected.map((l) => [l.reason, l.hits, l.eligible])).toEqual([
      ['tp1', 2, 3],
      ['tp2', 1, 3],
      ['tp3', 1, 3],
    ]);
    await tab('analytics');
    await page.waitForSelector('#analytics-tab #levels table.levels tbody tr', WAIT);
    for (const l of expected) {
      const row = page.locator(`#analytics-tab #levels tr[data-level="${l.reason}"]`);
      expect(await row.getAttribute('data-hit-rate')).toBe(String(l.hit_rate));
      await waitForText(row.locator('.hit-rate'), fmtPct(l.hit_rate));
      await waitForText(row.locator('td').nth(2), String(l.hits));
    }
    const api = (await (await fetch(`${origin}/api/analytics`)).json()) as AnalyticsResponse;
    expect(api.comparison.entries).toBe(3);
    await waitForText(page.locator('#comparison h3').first(), 'on the same 3 entries', { contains: true });
    await waitForText(page.locator('#scaled-run .card').nth(0), '3', { contains: true });
    await waitForText(page.locator('#scaled-run .card').nth(1), fmtPct(api.scaled.summary.win_rate), { contains: true });
    await page.waitForFunction(() => document.querySelectorAll('#equity-chart canvas').length > 0, undefined, WAIT);
    await page.screenshot({ path: join(SHOTS, 'dashboard-analytics.png'), fullPage: true });
  });

  it('is usable on a phone-width screen (nothing wider than the screen)', async () => {
    await trader().onSignal({ side: 'short', timeMs: T + 3 * HOUR, reason: 'test' });
    await rig.bot.step();
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true });
    const phoneErrors = watchPage(phone).errors;
    const phoneBlocked = await blockNetwork(phone, origin);
    await phone.goto(rig.dash.url);
    await phone.waitForSelector('article.position', WAIT);
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await phone.screenshot({ path: join(SHOTS, 'dashboard-phone-positions.png'), fullPage: true });
    await phone.click('#tab-history');
    await phone.waitForSelector('#history-tab details.trade', WAIT);
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await phone.screenshot({ path: join(SHOTS, 'dashboard-phone-history.png') });
    expect(phoneBlocked).toEqual([]);
    expect(phoneErrors).toEqual([]);
    await phone.close();
  });

  it('loaded nothing from the network: every request went to its own loopback server; no page or console error', () => {
    expect(blocked).toEqual([]);
    expect(errors).toEqual([]); // before the server goes away below (the browser then logs the refused reconnects)
  });

  it('shows "reconnecting" when the dashboard server goes away', async () => {
    await rig.dash.close();
    await page.waitForSelector('#conn.reconnecting', WAIT);
    await waitForText(page.locator('#conn'), 'reconnecting…');
  });
});
