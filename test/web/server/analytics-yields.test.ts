import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../../src/store/index.ts';
import { type Dashboard, startDashboard } from '../../../src/web/server/dashboard-server.ts';
import { testConfig } from '../../support/bot-harness.ts';
import { DAY0, storeWithManyTrades } from '../many-trades-store.ts';

const HOUR = 3_600_000;
let dash: Dashboard | null = null;
afterEach(async () => {
  await dash?.close();
  dash = null;
});

/**
 * The dashboard runs in the bot's process, and the Analytics tab replays every closed trade with the
 * single take-profit (~1.6 ms a trade here): the replay gives the event loop back between slices, so
 * the bot's timers (price polls, order calls) run during it; a trade replayed once is not replayed again.
 */
describe('/api/analytics on a long store', () => {
  it("yields to the bot's timers while it replays, and answers the same from its memo", async () => {
    const fx = storeWithManyTrades({ days: 30, perDay: 12 });
    const s = openStore(fx.dbPath);
    const candles = [];
    for (let h = -24; h < 30 * 24 + 24; h++) {
      const o = 60000 + 600 * Math.sin(h / 5);
      candles.push({ openTimeMs: DAY0 + h * HOUR, open: o, high: o + 300, low: o - 300, close: o + 50, volume: 1 });
    }
    s.saveCandles('BTCUSDT', HOUR, candles);
    s.close();
    dash = await startDashboard({ dbPath: fx.dbPath, port: 0, mode: 'bot', config: testConfig() });
    // The longest wait of a 1 ms timer during the request, against the request's whole time.
    let last = performance.now();
    let longestGap = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      longestGap = Math.max(longestGap, now - last);
      last = now;
    }, 1);
    const t0 = performance.now();
    const first = await (await fetch(`${dash.url}api/analytics`)).json();
    const took = performance.now() - t0;
    clearInterval(timer);
    expect(first.comparison.entries).toBeGreaterThan(300);
    // Without the slices the timer waits for the whole replay (the gap is nearly all of the request).
    expect(longestGap).toBeLessThan(took / 3);
    const second = await (await fetch(`${dash.url}api/analytics`)).json();
    expect(second).toEqual(first);
  }, 120_000);
});
