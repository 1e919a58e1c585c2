import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../../src/store/index.ts';
import { type Dashboard, startDashboard } from '../../../src/web/server/dashboard-server.ts';
import { testConfig } from '../../support/bot-harness.ts';
import { launchChromium } from '../../support/browser.ts';
import { blockNetwork } from '../offline.ts';
import { waitForText } from '../page-wait.ts';
import { tempDir } from '../../support/temp-dir.ts';
import { marketClockStore } from '../store-fixture.ts';

/** GET /api/risk ([operate] 3): the limit hit the bot stored, read-only from the store. */
let dash: Dashboard | null = null;
afterEach(async () => {
  await dash?.close();
  dash = null;
});

describe('GET /api/risk', () => {
  it('shows the stored limit hit and the equity peak; nothing hit on a fresh store', async () => {
    const dbPath = join(tempDir('ladder-risk-api-'), 'ladder.db');
    openStore(dbPath).close();
    dash = await startDashboard({ dbPath, port: 0, mode: 'standalone', config: testConfig() });
    const empty = (await (await fetch(`${dash.url}api/risk`)).json()) as Record<string, unknown>;
    expect(empty).toMatchObject({ hit: null, equityPeaks: [], today: { realisedPnl: 0, trades: 0 } });

    const store = openStore(dbPath);
    const until = Date.now() + 3_600_000;
    store.setRiskLimitHit({ limit: 'daily_loss_limit', detail: 'realised PnL since … is -25, the daily loss limit is 20', untilMs: until }, Date.now());
    store.raiseEquityPeak('USDT', 10_000, Date.now());
    store.close();
    const res = await fetch(`${dash.url}api/risk`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { hit: Record<string, unknown>; equityPeaks: { asset: string; peak: number }[] };
    expect(body.hit).toMatchObject({ limit: 'daily_loss_limit', untilMs: until, active: true });
    expect(body.equityPeaks.map((p) => [p.asset, p.peak])).toEqual([['USDT', 10_000]]);
    expect((await fetch(`${dash.url}api/risk`, { method: 'POST' })).status).toBe(405);

    // The line on the Positions tab, in headless Chromium.
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await blockNetwork(page, dash.url.replace(/\/$/, ''));
      await page.goto(dash.url);
      await waitForText(page.locator('#positions-tab #risk'), 'Risk limit hit: daily_loss_limit', { contains: true });
    } finally {
      await browser.close();
    }
  }, 60_000);

  it('a run replayed on a market clock (the simulator, the demo): today and the hit are those of its market day, not the wall clock’s', async () => {
    // The run beats now while its candles are of March: the store's clock is the market's (as the bot's risk gate counts it).
    dash = await startDashboard({ dbPath: marketClockStore(Date.now(), 'demo'), port: 0, mode: 'standalone', config: testConfig() });
    const risk = (await (await fetch(`${dash.url}api/risk`)).json()) as { hit: { active: boolean }; today: { fromMs: number; realisedPnl: number; trades: number } };
    expect(risk.today.fromMs).toBe(Date.UTC(2026, 2, 5));
    expect(risk.today.trades).toBe(1);
    expect(risk.today.realisedPnl).toBeCloseTo(-13.03, 9);
    expect(risk.hit.active).toBe(true);
    const account = (await (await fetch(`${dash.url}api/account`)).json()) as { today: unknown; riskHit: { active: boolean } };
    expect(account.today).toEqual(risk.today);
    expect(account.riskHit.active).toBe(true);
  });

  it('a live run that stopped with its candles: today is the wall clock’s (its hit of that day has ended)', async () => {
    // The run's last heartbeat came with its newest candle: a live clock, so now is now.
    dash = await startDashboard({ dbPath: marketClockStore(Date.UTC(2026, 2, 5, 12, 0, 30), 'live'), port: 0, mode: 'standalone', config: testConfig() });
    const now = Date.now();
    const risk = (await (await fetch(`${dash.url}api/risk`)).json()) as { hit: { active: boolean }; today: { fromMs: number; trades: number } };
    expect(risk.today.fromMs).toBe(now - (now % 86_400_000));
    expect(risk.today.trades).toBe(0);
    expect(risk.hit.active).toBe(false);
  });

  it('a live run that stopped 70 min after its newest candle (its candle reads failed from 12:00 until it was stopped at 13:10): its candles are of its own lifetime, so today is the wall clock’s (it was taken for a replay: today 2026-03-05 and its hit active, for ever)', async () => {
    // Started at 08:00 (its warmup candles end there), candles saved each hour up to 12:00, the last heartbeat at 13:10.
    dash = await startDashboard({ dbPath: marketClockStore(Date.UTC(2026, 2, 5, 13, 10), 'live', Date.UTC(2026, 2, 5, 8, 0)), port: 0, mode: 'standalone', config: testConfig() });
    const now = Date.now();
    const risk = (await (await fetch(`${dash.url}api/risk`)).json()) as { hit: { active: boolean }; today: { fromMs: number; trades: number } };
    expect(risk.today.fromMs).toBe(now - (now % 86_400_000));
    expect(risk.today.trades).toBe(0);
    expect(risk.hit.active).toBe(false);
  });

  it('a live run whose store also holds an older run’s finer candles (1m of March, 1h up to now): today is the wall clock’s', async () => {
    const dbPath = marketClockStore(Date.now(), 'live'); // its 1h candles end in March: a live run now writes newer ones
    const store = openStore(dbPath);
    const hourNow = Date.now() - (Date.now() % 3_600_000);
    store.saveCandles('BTCUSDT', 3_600_000, [{ openTimeMs: hourNow - 3_600_000, open: 60000, high: 60100, low: 59950, close: 60050, volume: 1 }]);
    store.saveCandles('BTCUSDT', 60_000, [{ openTimeMs: Date.UTC(2026, 2, 5, 11, 59), open: 60000, high: 60100, low: 59950, close: 60050, volume: 1 }]);
    store.close();
    dash = await startDashboard({ dbPath, port: 0, mode: 'standalone', config: testConfig() });
    const now = Date.now();
    const risk = (await (await fetch(`${dash.url}api/risk`)).json()) as { today: { fromMs: number; trades: number } };
    expect(risk.today.fromMs).toBe(now - (now % 86_400_000));
    expect(risk.today.trades).toBe(0);
  });
});
