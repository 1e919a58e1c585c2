import { afterEach, describe, expect, it } from 'vitest';
import { parseConfigValue } from '../../../src/core/config/index.ts';
import { type Position, analyzeRun, exitSettingsFromConfig, fillModelFromConfig } from '../../../src/core/index.ts';
import { openStore } from '../../../src/store/index.ts';
import { analyticsView, realisedEquity } from '../../../src/web/server/analytics.ts';
import { type Dashboard, startDashboard } from '../../../src/web/server/dashboard-server.ts';
import { MarketBook } from '../../../src/web/server/market-book.ts';
import { testConfig } from '../../support/bot-harness.ts';
import { DAY0, storeOfClosedTrades, storeWithManyTrades } from '../many-trades-store.ts';
import { mostCallsPerTurn, recordingStore, turnsDuring } from '../recording-store.ts';

const HOUR = 3_600_000;
let dash: Dashboard | null = null;
afterEach(async () => {
  await dash?.close();
  dash = null;
});

/** A store of 30 days × 12 trades a day with hourly candles under them. */
function longStore(): string {
  const fx = storeWithManyTrades({ days: 30, perDay: 12 });
  const s = openStore(fx.dbPath);
  const candles = [];
  for (let h = -24; h < 30 * 24 + 24; h++) {
    const o = 60000 + 600 * Math.sin(h / 5);
    candles.push({ openTimeMs: DAY0 + h * HOUR, open: o, high: o + 300, low: o - 300, close: o + 50, volume: 1 });
  }
  s.saveCandles('BTCUSDT', HOUR, candles);
  s.close();
  return fx.dbPath;
}

/**
 * The dashboard runs in the bot's process, and the Analytics tab replays every closed trade with the
 * single take-profit (~1.6 ms a trade here): the replay gives the event loop back between slices, so
 * the bot's timers (price polls, order calls) run during it; a trade replayed once is not replayed again.
 */
describe('/api/analytics on a long store', () => {
  it("gives the event loop back while it replays (the bot's timers run in between)", async () => {
    const store = openStore(longStore());
    try {
      const c = parseConfigValue({}, 'defaults');
      if (!c.ok) throw new Error('defaults');
      const options = { startingBalance: c.value.backtest.starting_balance, single: { settings: exitSettingsFromConfig(c.value), fills: fillModelFromConfig(c.value), intrabar: c.value.backtest.intrabar } };
      const { value: view, turns } = await turnsDuring(() => analyticsView(store, new MarketBook(store), {}, options));
      expect(view.comparison.entries).toBeGreaterThan(300);
      // 300+ trades take several 20 ms slices on any machine; more under load.
      expect(turns).toBeGreaterThanOrEqual(2);
    } finally {
      store.close();
    }
  }, 120_000);

  it("reads a long store's closed trades a slice at a time too, each once: never the whole history in one turn of the loop", async () => {
    // 4,000 closed trades: all of them were read in one turn, twice (tradeHistory, then getPosition
    // each), holding the bot's process ~0.7 s on every load of the open tab (it reloads on every fill).
    const real = openStore(storeOfClosedTrades(4000));
    try {
      const c = parseConfigValue({}, 'defaults');
      if (!c.ok) throw new Error('defaults');
      const options = { startingBalance: c.value.backtest.starting_balance, single: { settings: exitSettingsFromConfig(c.value), fills: fillModelFromConfig(c.value), intrabar: c.value.backtest.intrabar } };
      const closed = real
        .tradeHistory({ includeOpen: false })
        .map((r) => real.getPosition(r.positionId))
        .filter((p): p is Position => p !== null);
      const calls: string[] = [];
      const perTurn = mostCallsPerTurn(calls);
      const view = await analyticsView(recordingStore(real, calls), new MarketBook(real), {}, options);
      const most = perTurn.stop();
      // Every closed trade counted, in the history's order: the figures of reading them all at once.
      const once = analyzeRun(closed, options.startingBalance, realisedEquity('', closed, options.startingBalance).v);
      expect(view.scaled.summary).toEqual(once.summary);
      expect(view.scaled.levels).toEqual(once.levels);
      expect(view.comparison.withoutCandles).toEqual(closed.map((p) => p.id));
      expect(calls).not.toContain('tradeHistory');
      // Not every trade in one turn: the loop was given back in between (a slice reads a few hundred).
      expect(most).toBeLessThan(closed.length);
    } finally {
      real.close();
    }
  }, 60_000);

  it('answers over HTTP, the second time from its memo, the same', async () => {
    dash = await startDashboard({ dbPath: longStore(), port: 0, mode: 'bot', config: testConfig() });
    const first = await (await fetch(`${dash.url}api/analytics`)).json();
    expect(first.comparison.entries).toBeGreaterThan(300);
    const second = await (await fetch(`${dash.url}api/analytics`)).json();
    expect(second).toEqual(first);
  }, 120_000);
});
