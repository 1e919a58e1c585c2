import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MarketRules, type Position, applyFill, asSteps, onPrice, openPosition, planLadder } from '../../src/core/index.ts';
import { type StoredCandle, type Store, openStore, tradesCsv } from '../../src/store/index.ts';
import type { AccountResponse, FeedView, HistoryResponse, RunResponse } from '../../src/web/components/dashboard-model.ts';
import { type Dashboard, startDashboard } from '../../src/web/server/dashboard-server.ts';
import { testConfig } from '../support/bot-harness.ts';
import { launchChromium } from '../support/browser.ts';
import { BTC, SOL } from '../support/market.ts';
import { DEFAULT_SETTINGS } from '../support/settings.ts';
import { blockNetwork } from './offline.ts';
import { lookedAt, watchPage } from './page-guard.ts';
import { waitForText } from './page-wait.ts';
import { tempDir } from '../support/temp-dir.ts';

const HOUR = 3_600_000;
const T0 = Date.UTC(2025, 2, 3, 10);
const WAIT = { timeout: 20_000 };

/** Books a position's moves and fills the way the bot does (each fill at the price the core asked for). */
function drive(store: Store, p0: Position, prices: readonly { price: number; timeMs: number }[]): Position {
  let p = p0;
  for (const { price, timeMs } of prices) {
    const r = onPrice(p, price, timeMs);
    store.transaction(() => {
      store.savePosition(r.position);
      store.recordEvents(r.events);
    });
    p = r.position;
    for (const c of r.commands) {
      if (c.kind !== 'placeExit' && c.kind !== 'closeRemainder') continue;
      const f = { clientOrderId: c.clientOrderId, tradeId: `${c.clientOrderId}#1`, orderId: `o-${c.clientOrderId}`, timeMs, qtySteps: c.kind === 'placeExit' ? c.qtySteps : p.remainingSteps, price: c.triggerPrice, fee: 0.01 };
      const a = applyFill(p, f);
      if (!a.ok) throw new Error(a.error.message);
      store.bookFill(f, a.value.position, { events: a.value.events });
      p = a.value.position;
    }
  }
  return p;
}

function open(store: Store, m: MarketRules, id: string, entry: number, qty: number, timeMs: number): Position {
  const plan = planLadder({ side: 'long', entryPrice: entry, quantitySteps: asSteps(qty), market: m, settings: DEFAULT_SETTINGS });
  if (!plan.ok) throw new Error(plan.error.message);
  const r = openPosition({ id, symbol: m.id, timeMs, entryFee: 0.02, plan: plan.value });
  store.bookFill({ clientOrderId: `${id}-entry`, tradeId: `${id}-e`, orderId: null, timeMs, qtySteps: asSteps(qty), price: entry, fee: 0.02 }, r.position, { entry: true, events: r.events });
  return r.position;
}

/**
 * A finished demo-like store: 110 BTCUSDT and 20 SOLUSDT trades (a TP1 then the stop, or straight to the
 * stop), one BTCUSDT position still open after TP1, candles, and a run recorded with leverage 7 whose
 * data ran out (then stopped). No config file anywhere: all of it must come from the store.
 */
function finishedStore(): { dbPath: string; openId: string } {
  const dbPath = join(tempDir('ladder-views-'), 'ladder.db');
  const store = openStore(dbPath);
  const config = testConfig({ leverage: 7, symbols: ['BTC/USDT:USDT', 'SOL/USDT:USDT'], risk_limits: { daily_loss_limit: 500 } });
  const runId = store.startRun({ mode: 'demo', command: 'ladder demo', pid: 999_999, host: 'elsewhere', startedAtMs: T0 - HOUR, config });
  store.runHeartbeat(runId, T0, { asset: 'USDT', total: 10_123.45, free: 9_000, atMs: T0 });
  for (let i = 0; i < 130; i++) {
    const sol = i % 13 === 5; // 10 of them… and a few more below
    const m = sol || i % 11 === 3 ? SOL : BTC;
    const t = T0 + i * 2 * HOUR;
    const entry = m === BTC ? 60_000 : 150;
    const p = open(store, m, `${m.id}-${String(i).padStart(3, '0')}`, entry, m === BTC ? 10 : 20, t);
    const path = i % 2 === 0 ? [{ price: entry * 1.01, timeMs: t + HOUR }, { price: entry * 0.99, timeMs: t + HOUR + 1 }] : [{ price: entry * 0.97, timeMs: t + HOUR }];
    drive(store, p, path);
  }
  const last = T0 + 130 * 2 * HOUR;
  const o = open(store, BTC, 'BTCUSDT-open', 60_000, 10, last);
  drive(store, o, [{ price: 60_700, timeMs: last + HOUR }]);
  const candles: StoredCandle[] = [];
  for (let h = -30; h <= 262; h++) candles.push({ openTimeMs: T0 + h * HOUR, open: 60_000, high: 60_800, low: 59_000, close: 60_300, volume: 1 });
  store.saveCandles('BTCUSDT', HOUR, candles);
  store.runDataEnded(runId, last + 2 * HOUR, "the demo's data ended at 2025-03-14T00:00:00.000Z: prices no longer move");
  store.endRun(runId, last + 3 * HOUR, 'stopped');
  store.close();
  return { dbPath, openId: 'BTCUSDT-open' };
}

/** The store's own exits table joined to its positions, as (trade id, seq, exit time, reason, price, fee, pnl). */
function storeExits(dbPath: string, symbol?: string) {
  const db = new Database(dbPath, { readonly: true });
  const rows = db
    .prepare(`SELECT p.id, e.seq, e.time_ms, e.reason, e.price, e.fee, e.pnl, e.client_order_id FROM exits e JOIN positions p ON p.id = e.position_id WHERE (? IS NULL OR p.symbol = ?) ORDER BY p.entry_time_ms, p.id, e.seq`)
    .all(symbol ?? null, symbol ?? null) as { id: string; seq: number; time_ms: number; reason: string; price: number; fee: number; pnl: number; client_order_id: string }[];
  db.close();
  return rows.map((r) => [r.id, String(r.seq), new Date(r.time_ms).toISOString(), r.reason, r.price, r.fee, r.pnl, r.client_order_id]);
}

/** The CSV's rows in the same terms (column positions from the header). */
function csvExits(csv: string) {
  const [head, ...lines] = csv.trim().split('\n').map((l) => l.split(','));
  const col = (name: string) => head!.indexOf(name);
  return lines.map((r) => [r[col('trade_id')], r[col('exit_seq')], r[col('exit_time')], r[col('exit_reason')], Number(r[col('exit_price')]), Number(r[col('exit_fee')]), Number(r[col('exit_pnl')]), r[col('exit_client_order_id')]]);
}

describe('dashboard over a finished store (standalone, no config file), in headless Chromium', () => {
  const { dbPath, openId } = finishedStore();
  let dash: Dashboard;
  let browser: Browser;
  let origin: string;

  beforeAll(async () => {
    dash = await startDashboard({ dbPath, mode: 'standalone', port: 0, token: '' });
    origin = dash.url.replace(/\/$/, '');
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await dash?.close();
  });

  async function newPage(width: number, height: number): Promise<{ page: Page; errors: string[]; blocked: string[] }> {
    const page = await browser.newPage({ viewport: { width, height }, ...(width < 600 ? { isMobile: true } : {}), acceptDownloads: true });
    const { errors } = watchPage(page);
    const blocked = await blockNetwork(page, origin);
    return { page, errors, blocked };
  }

  it('shows what the store ran with (leverage 7×, the ladder, the sizing) and that its feed ended, from the store alone', async () => {
    const run = (await (await fetch(`${origin}/api/run`)).json()) as RunResponse;
    expect(run.source).toBe('run');
    expect(run.run).toMatchObject({ mode: 'demo', state: 'data_ended' });
    expect(run.config).toMatchObject({ leverage: 7, positionSize: { mode: 'base', value: 0.01 }, stopLossPct: 2, riskLimits: { daily_loss_limit: 500 } });
    const { page, errors, blocked } = await newPage(1280, 800);
    await page.goto(dash.url);
    await page.waitForSelector('body[data-ready="true"]', WAIT);
    await page.waitForSelector('#conn.ended', WAIT);
    await waitForText(page.locator('#conn'), 'ended · data ran out');
    expect(await page.locator('#conn').getAttribute('title')).toContain("the demo's data ended at 2025-03-14T00:00:00.000Z");
    await waitForText(page.locator('#run-line'), '· 7×', { contains: true });
    await waitForText(page.locator(`article.position[data-position-id="${openId}"] .head`), '7×', { contains: true });
    await waitForText(page.locator('#run [data-key="leverage"] b'), '7× isolated');
    await waitForText(page.locator('#run [data-key="ladder"] b'), 'TP1 30 % at +1 % · TP2 30 % at +2 % · TP3 40 % at +3.5 %');
    // The card: the liquidation estimate at 7× (100/7 − 0.5 % below the entry) and the return on margin.
    const liq = 60_000 * (1 - (100 / 7 - 0.5) / 100);
    await waitForText(page.locator(`article.position[data-position-id="${openId}"] .liq b`), liq.toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 }));
    await waitForText(page.locator(`article.position[data-position-id="${openId}"] .rom b`), '%', { contains: true });
    // The account summary: the bot's last balance read, and the open position's margin at 7×.
    const account = (await (await fetch(`${origin}/api/account`)).json()) as AccountResponse;
    expect(account.balance).toEqual({ total: 10_123.45, free: 9_000, atMs: T0 });
    expect(account.marginUsed).toBeCloseTo((60_000 * 0.007) / 7, 9);
    await waitForText(page.locator('#account [data-key="equity"] .value'), '10,123.45');
    await waitForText(page.locator('#account #risk'), 'daily_loss_limit 500', { contains: true });
    // The stop is a labelled price line on the live chart: its canvas is drawn.
    await page.waitForFunction((id) => document.querySelectorAll(`article.position[data-position-id="${id}"] .chart canvas`).length > 0, openId, WAIT);
    await lookedAt(page, 'dashboard-desktop-positions', { errors, blocked, texts: ['ended · data ran out', 'Account', 'Equity USDT', 'Wallet balance', 'Margin used', 'Unrealised PnL', 'Realised today (UTC)', 'Liq. price (est.)', 'Return on margin', 'Leverage', 'Sizing'] });
    await page.close();
  });

  it('History: a page at a time, the filters and page in the URL (back/forward), the CSV download equal to the store’s exits', async () => {
    const { page, errors, blocked } = await newPage(1280, 800);
    await page.goto(`${dash.url}#history`);
    await page.waitForSelector('#history-tab details.trade', WAIT);
    expect(await page.locator('#history-tab details.trade').count()).toBe(50);
    await waitForText(page.locator('#history-status'), 'trades 1–50 of 131', { contains: true });
    await page.click('#history-tab .pager .next');
    await page.waitForFunction(() => new URLSearchParams(location.search).get('page') === '2', undefined, WAIT);
    await waitForText(page.locator('#history-status'), 'trades 51–100 of 131', { contains: true });
    await page.click('#history-tab .pager .last');
    await waitForText(page.locator('#history-status'), 'trades 101–131 of 131', { contains: true });
    expect(await page.locator('#history-tab details.trade').count()).toBe(31);
    // Back and forward walk the pages.
    await page.goBack();
    await waitForText(page.locator('#history-status'), 'trades 51–100 of 131', { contains: true });
    await page.goBack();
    await waitForText(page.locator('#history-status'), 'trades 1–50 of 131', { contains: true });
    await page.goForward();
    await waitForText(page.locator('#history-status'), 'trades 51–100 of 131', { contains: true });

    // A filter starts at page 1 and goes into the URL; the CSV link carries it.
    await page.selectOption('#history-tab select[name="symbol"]', 'SOLUSDT');
    await page.waitForFunction(() => new URLSearchParams(location.search).get('symbol') === 'SOLUSDT' && !new URLSearchParams(location.search).has('page'), undefined, WAIT);
    const sol = (await (await fetch(`${origin}/api/history?symbol=SOLUSDT`)).json()) as HistoryResponse;
    await waitForText(page.locator('#history-status'), `trades 1–${sol.total} of ${sol.total}`, { contains: true });
    expect(await page.locator('#history-tab .pager').isHidden()).toBe(true);
    await lookedAt(page, 'dashboard-desktop-history', { errors, blocked, texts: ['Trade history, grouped by entry', 'Download CSV', 'SOLUSDT'] });
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#history-csv')]);
    const csv = readFileSync((await download.path())!, 'utf8');
    expect(csvExits(csv)).toEqual(storeExits(dbPath, 'SOLUSDT'));
    expect(csvExits(csv).length).toBeGreaterThan(10);
    // Unfiltered, over every page: all the store's exits, the same text `ladder history --csv` writes.
    const all = await (await fetch(`${origin}/api/history.csv`)).text();
    expect(csvExits(all)).toEqual(storeExits(dbPath));
    const store = openStore(dbPath);
    expect(all).toBe(tradesCsv(store.tradeHistory({ includeOpen: true })));
    store.close();

    // Opening a URL with filters and a page shows exactly that; back returns to the SOL filter.
    await page.goto(`${dash.url}?symbol=BTCUSDT&page=2#history`);
    await waitForText(page.locator('#history-status'), 'trades 51–100 of', { contains: true });
    expect(await page.locator('#history-tab select[name="symbol"]').inputValue()).toBe('BTCUSDT');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('History: a day in the URL that does not exist (2025-03-32) is left out, as the empty date box shows, not rolled over to April 1', async () => {
    const { page, errors } = await newPage(1280, 800);
    const asked: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/api/history?')) asked.push(new URL(r.url()).search);
    });
    await page.goto(`${dash.url}?from=2025-03-32&to=2025-02-30#history`);
    await waitForText(page.locator('#history-status'), 'trades 1–50 of 131', { contains: true });
    expect(await page.locator('#history-tab input[name="from"]').inputValue()).toBe('');
    expect(await page.locator('#history-tab input[name="to"]').inputValue()).toBe('');
    expect(asked.length).toBeGreaterThan(0);
    for (const q of asked) expect(q).not.toMatch(/[?&](from|to)=/);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('every tab looked at on a phone (390×844) and on a desktop (1280×800): no page error, nothing off this machine, nothing wider than the screen', async () => {
    for (const [w, h, name] of [
      [1280, 800, 'desktop'],
      [390, 844, 'phone'],
    ] as const) {
      const { page, errors, blocked } = await newPage(w, h);
      await page.goto(dash.url);
      await page.waitForSelector(`article.position[data-position-id="${openId}"] .chart canvas`, WAIT);
      await page.waitForSelector('#account .card', WAIT);
      await lookedAt(page, `dashboard-${name}-tab-positions`, { errors, blocked, texts: ['Open positions', 'Account', 'Run', 'ended'] });
      await page.click('#tab-history');
      await page.waitForSelector('#history-tab details.trade', WAIT);
      await page.click('#history-tab details.trade summary');
      await page.waitForSelector('#history-tab details.trade[open] tr.exit', WAIT);
      await lookedAt(page, `dashboard-${name}-tab-history`, { errors, blocked, texts: ['Trade history, grouped by entry', 'page 1 of 3', 'Received signals'] });
      await page.click('#tab-analytics');
      await page.waitForSelector('#analytics-tab #levels table.levels tbody tr', WAIT);
      await lookedAt(page, `dashboard-${name}-tab-analytics`, { errors, blocked, texts: ['Analytics of closed trades', 'Per level', 'Scaled vs single take-profit'] });
      // Dates in the viewer's zone, the zone named: the header, and each time written with its zone.
      expect(await page.locator('#tz').textContent()).toMatch(/^times: /);
      await page.click('#tab-history');
      expect(await page.locator('#history-tab details.trade summary span').nth(2).textContent()).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2} \S+$/);
      await page.close();
    }
  });
});

describe('the feed state from the store’s latest run (standalone dashboard, API)', () => {
  /** A store whose only run is still `running` as written by a process `pid`, last heard from at `heartbeatAtMs`. */
  async function feedOf(pid: number, heartbeatAtMs: number) {
    const dbPath = join(tempDir('ladder-feed-'), 'ladder.db');
    const store = openStore(dbPath);
    store.startRun({ mode: 'paper', command: 'ladder paper', pid, host: hostname(), startedAtMs: heartbeatAtMs, config: testConfig() });
    store.close();
    const d = await startDashboard({ dbPath, mode: 'standalone', port: 0, token: '' });
    try {
      return ((await (await fetch(`${d.url}api/health`)).json()) as { feed: FeedView }).feed;
    } finally {
      await d.close();
    }
  }

  it('a running bot heard from lately: standalone (live from the store); silent for over 15 s: not responding; its process gone: stopped', async () => {
    expect((await feedOf(process.pid, Date.now())).state).toBe('standalone');
    const silent = await feedOf(process.pid, Date.now() - 60_000);
    expect(silent).toMatchObject({ state: 'ended', ended: { reason: 'not_responding' } });
    const child = spawn(process.execPath, ['-e', '0']);
    await new Promise((r) => child.once('exit', r));
    const dead = await feedOf(child.pid!, Date.now());
    expect(dead).toMatchObject({ state: 'ended', ended: { reason: 'stopped' } });
    expect(dead.ended?.detail).toContain('gone without recording its end');
  });
});

describe('dashboard over a store with trades but no run recorded (one from before runs were recorded), in headless Chromium', () => {
  it('does not say that no bot has run on it: it says no run is recorded, and what the analytics then use', async () => {
    const dbPath = join(tempDir('ladder-views-norun-'), 'ladder.db');
    const store = openStore(dbPath);
    drive(store, open(store, BTC, 'BTCUSDT-old', 60_000, 10, T0), [{ price: 60_000 * 0.97, timeMs: T0 + HOUR }]);
    expect(store.latestRun()).toBeNull();
    store.close();
    const dash = await startDashboard({ dbPath, mode: 'standalone', port: 0, token: '' });
    const browser = await launchChromium();
    try {
      const run = (await (await fetch(`${dash.url}api/run`)).json()) as RunResponse;
      expect(run.source).toBe('none');
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      const { errors } = watchPage(page);
      await blockNetwork(page, dash.url.replace(/\/$/, ''));
      await page.goto(dash.url);
      await page.waitForSelector('body[data-ready="true"]', WAIT);
      await waitForText(page.locator('#run p'), 'No run is recorded in this store', { contains: true });
      const text = (await page.locator('#run p').textContent()) ?? '';
      expect(text).not.toContain('No bot has run');
      expect(text).toContain('--config');
      expect(text).toContain('default starting balance and take-profit');
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
      await dash.close();
    }
  }, 60_000);
});
