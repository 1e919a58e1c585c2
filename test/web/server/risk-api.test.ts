import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../../src/store/index.ts';
import { type Dashboard, startDashboard } from '../../../src/web/server/dashboard-server.ts';
import { testConfig } from '../../support/bot-harness.ts';
import { launchChromium } from '../../support/browser.ts';
import { blockNetwork } from '../offline.ts';
import { waitForText } from '../page-wait.ts';
import { tempDir } from '../../support/temp-dir.ts';
import { HOUR, drive, open } from '../store-fixture.ts';

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

  /**
   * A store written on a market clock: two stopped longs (10 steps of BTC at 60000, closed at 58700, the
   * price that crossed the 58800 stop: −13 gross, −0.02 entry and −0.01 exit fee each = −13.03), one closed on the market day before, one
   * on 2026-03-05; hourly candles up to 2026-03-05 12:00. `heartbeatAtMs`: when the run last beat.
   */
  function marketClockStore(heartbeatAtMs: number, mode: 'demo' | 'live'): string {
    const dbPath = join(tempDir('ladder-risk-clock-'), 'ladder.db');
    const store = openStore(dbPath);
    const day = Date.UTC(2026, 2, 5);
    drive(store, open(store, 'BTCUSDT-y', 60000, day - 6 * HOUR), [{ price: 58700, timeMs: day - 5 * HOUR }]); // closed 03-04 19:00
    drive(store, open(store, 'BTCUSDT-t', 60000, day + 9 * HOUR), [{ price: 58700, timeMs: day + 10 * HOUR }]); // closed 03-05 10:00
    const candles = Array.from({ length: 36 }, (_, i) => ({ openTimeMs: day - 24 * HOUR + i * HOUR, open: 60000, high: 60100, low: 59950, close: 60050, volume: 1 }));
    store.saveCandles('BTCUSDT', HOUR, candles); // the newest closes at 03-05 12:00
    const run = store.startRun({ mode, command: `ladder ${mode}`, pid: 999_999, host: 'elsewhere', startedAtMs: heartbeatAtMs - 60_000, config: testConfig({ risk_limits: { daily_loss_limit: 10 } }) });
    store.runHeartbeat(run, heartbeatAtMs);
    store.setRiskLimitHit({ limit: 'daily_loss_limit', detail: 'realised PnL since 2026-03-05T00:00:00.000Z is -13.03, the daily loss limit is 10', untilMs: day + 24 * HOUR }, day + 10 * HOUR);
    store.close();
    return dbPath;
  }

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
});
