import { silentLogger } from '../../src/bot/logger.ts';
import { TradingBot } from '../../src/bot/trading-bot.ts';
import type { LadderConfig } from '../../src/core/config/index.ts';
import { tapExchange } from '../../src/cli/exchange-tap.ts';
import { type Dashboard, type DashboardOptions, startDashboard } from '../../src/web/server/dashboard-server.ts';
import { type Harness, startHarness } from '../support/bot-harness.ts';

export interface DashboardRig {
  readonly h: Harness;
  readonly dash: Dashboard;
  /** The bot wired to the dashboard the way `runBot` wires it: prices tapped from its exchange reads, `notify` on every event. */
  readonly bot: TradingBot;
  close(): Promise<void>;
}

/**
 * The simulator, a real SQLite file, the dashboard beside the bot (the harness's own bot is not started:
 * this one is built like `runBot` builds it, with the dashboard's feed).
 */
export async function startRig(config: LadderConfig, symbol: string, price: number, dash: Partial<DashboardOptions> = {}): Promise<DashboardRig> {
  const h = await startHarness(config);
  h.sim.admin.setPrice(symbol, price, true);
  const d = await startDashboard({ dbPath: h.dbPath, config, mode: 'bot', port: 0, token: '', pollMs: 100, priceThrottleMs: 100, ...dash });
  const bot = new TradingBot({
    config,
    exchange: tapExchange(h.ex, d.feed),
    store: h.store,
    log: silentLogger(),
    retry: { attempts: 5, baseDelayMs: 1, maxDelayMs: 5, sleep: async () => undefined },
    onEvent: () => d.feed.notify(),
  });
  await bot.start();
  return {
    h,
    dash: d,
    bot,
    close: async () => {
      bot.stop();
      await d.close().catch(() => undefined);
      await h.close();
    },
  };
}
