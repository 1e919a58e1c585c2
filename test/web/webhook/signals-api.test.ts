import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../../src/store/index.ts';
import { type Dashboard, startDashboard } from '../../../src/web/server/dashboard-server.ts';
import { testConfig } from '../../support/bot-harness.ts';
import { launchChromium } from '../../support/browser.ts';
import { blockNetwork } from '../offline.ts';
import { waitForCount, waitForText } from '../page-wait.ts';
import { tempDir } from '../../support/temp-dir.ts';

/** The dashboard lists received signals with their source and status ([entries] 2), read-only. */
let dash: Dashboard | null = null;
afterEach(async () => {
  await dash?.close();
  dash = null;
});

const T0 = Date.UTC(2026, 5, 1, 12);

function storeWithSignals(): string {
  const dbPath = join(tempDir('ladder-signals-api-'), 'ladder.db');
  const store = openStore(dbPath);
  const base = { source: 'webhook' as const, symbol: 'BTC/USDT:USDT', stopLossPct: null, payload: { note: 'kept in the store' } };
  store.recordSignal({ ...base, id: 'a', side: 'long', timeMs: T0, receivedAtMs: T0 + 100 });
  store.recordSignal({ ...base, id: 'b', side: 'close', timeMs: T0 + 1000, receivedAtMs: T0 + 1100 });
  store.markSignal('a', 'acted', 'entered BTCUSDT-x');
  store.close();
  return dbPath;
}

describe('GET /api/signals', () => {
  it('shows in the History tab, in headless Chromium: source, id, status and what happened', async () => {
    dash = await startDashboard({ dbPath: storeWithSignals(), port: 0, mode: 'standalone', config: testConfig() });
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await blockNetwork(page, dash.url.replace(/\/$/, ''));
      await page.goto(`${dash.url}#history`);
      const rows = page.locator('#history-tab #signals tr.signal');
      await waitForCount(rows, 2);
      await waitForText(rows.nth(0), 'webhookbBTC/USDT:USDTclose–pending', { contains: true });
      await waitForText(rows.nth(1), 'webhookaBTC/USDT:USDTlong–actedentered BTCUSDT-x', { contains: true });
    } finally {
      await browser.close();
    }
  }, 60_000);

  it('lists received signals newest first with source, status and what happened, without payloads', async () => {
    dash = await startDashboard({ dbPath: storeWithSignals(), port: 0, mode: 'standalone', config: testConfig() });
    const res = await fetch(`${dash.url}api/signals?limit=10`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { signals: Record<string, unknown>[] };
    expect(body.signals.map((s) => [s.id, s.source, s.side, s.status, s.detail])).toEqual([
      ['b', 'webhook', 'close', 'pending', null],
      ['a', 'webhook', 'long', 'acted', 'entered BTCUSDT-x'],
    ]);
    expect(body.signals[0]).not.toHaveProperty('payload');
    expect((await fetch(`${dash.url}api/signals`, { method: 'POST' })).status).toBe(405);
  });
});
