import { afterEach, describe, expect, it } from 'vitest';
import { TradingBot } from '../../src/bot/trading-bot.ts';
import { silentLogger } from '../../src/bot/logger.ts';
import { openStore } from '../../src/store/index.ts';
import { type Harness, startHarness, testConfig } from '../support/bot-harness.ts';

/**
 * [entries] 3: a position opened by hand (a plain ccxt order with the account's keys, as the Binance
 * app would) is adopted: its ladder planned on its real size and entry price, its stop and TPs on the
 * exchange; the ladder completes; a restart in the middle changes nothing.
 */
let h: Harness | null = null;
let bots: TradingBot[] = [];
afterEach(async () => {
  for (const b of bots) b.stop();
  bots = [];
  await h?.close();
  h = null;
});

const retry = { attempts: 3, baseDelayMs: 1, maxDelayMs: 5, sleep: async () => {} };
function managingBot(manage: readonly string[] | true = ['BTCUSDT']): TradingBot {
  const bot = new TradingBot({ config: testConfig(), exchange: h!.ex, store: h!.store, log: silentLogger(), retry, manage });
  bots.push(bot);
  return bot;
}
const algo = () => h!.state().openAlgoOrders.map((a) => [a.clientAlgoId.replace(/^BTCUSDT-m[0-9a-z]+/, '<id>'), a.triggerPrice]);
const exchangeSteps = () => Math.round(Math.abs(Number(h!.state().positions.find((p) => p.symbol === 'BTCUSDT')?.positionAmt ?? 0)) * 1000);

describe('positions opened by hand', () => {
  it('a long opened by hand is adopted with its stop at once, its ladder runs to the end', async () => {
    h = await startHarness(testConfig(), { seed: 3 });
    h.sim.admin.setPrice('BTCUSDT', 60000, true);
    const bot = managingBot();
    await bot.start();
    await h.ex.createOrder({ symbol: 'BTCUSDT', side: 'buy', type: 'market', amountSteps: 10 as never, reduceOnly: false, clientOrderId: 'web_open_1' });
    await bot.step();
    const t = bot.traders[0]!;
    const p = t.position!;
    expect(p.id).toMatch(/^BTCUSDT-m/);
    expect([p.side, p.originalSteps, p.entryPrice]).toEqual(['long', 10, 60000]);
    expect(algo()).toEqual([['<id>-sl0', '58800']]);
    for (const price of [60700, 61300, 62200]) {
      h.sim.admin.setPrice('BTCUSDT', price);
      await bot.step();
    }
    expect(t.position).toBeNull();
    expect(exchangeSteps()).toBe(0);
    const [trade] = h.store.tradeHistory().filter((x) => x.positionId === p.id);
    expect(trade!.exits.map((e) => [e.reason, e.qtySteps])).toEqual([
      ['tp1', 3],
      ['tp2', 3],
      ['tp3', 4],
    ]);
    expect(h.state().openAlgoOrders).toEqual([]);
  });

  it('a restart in the middle of the ladder changes nothing: same position, one stop, no second adoption', async () => {
    h = await startHarness(testConfig(), { seed: 3 });
    h.sim.admin.setPrice('BTCUSDT', 60000, true);
    const first = managingBot();
    await first.start();
    await h.ex.createOrder({ symbol: 'BTCUSDT', side: 'sell', type: 'market', amountSteps: 10 as never, reduceOnly: false, clientOrderId: 'web_open_2' });
    await first.step();
    const id = first.traders[0]!.position!.id;
    h.sim.admin.setPrice('BTCUSDT', 59300); // TP1 of the short
    await first.step();
    first.stop();
    h.store.close();
    h.store = openStore(h.dbPath);
    const second = managingBot();
    await second.start();
    await second.step();
    const p = second.traders[0]!.position!;
    expect(p.id).toBe(id);
    expect(p.remainingSteps).toBe(7);
    expect(exchangeSteps()).toBe(7);
    expect(h.state().openAlgoOrders).toHaveLength(1);
    expect(h.store.openPositions().map((x) => x.id)).toEqual([id]);
  });

  it('manage_manual_positions: true in config.json adopts without --manage: a short of 7 opened by hand at 60000 gets its stop at 61200 and its ladder (2, 2, 3), runs to the end', async () => {
    const config = testConfig({ manage_manual_positions: true });
    h = await startHarness(config, { seed: 3 });
    h.sim.admin.setPrice('BTCUSDT', 60000, true);
    const bot = new TradingBot({ config, exchange: h.ex, store: h.store, log: silentLogger(), retry });
    bots.push(bot);
    await bot.start();
    await h.ex.createOrder({ symbol: 'BTCUSDT', side: 'sell', type: 'market', amountSteps: 7 as never, reduceOnly: false, clientOrderId: 'web_open_4' });
    await bot.step();
    const t = bot.traders[0]!;
    const p = t.position!;
    expect([p.side, p.originalSteps, p.entryPrice]).toEqual(['short', 7, 60000]);
    expect(algo()).toEqual([['<id>-sl0', '61200']]);
    // Short targets: 59400 (1 %), 58800 (2 %), 57900 (3.5 %).
    for (const price of [59400, 58800, 57900]) {
      h.sim.admin.setPrice('BTCUSDT', price);
      await bot.step();
    }
    expect(t.position).toBeNull();
    expect(exchangeSteps()).toBe(0);
    const [trade] = h.store.tradeHistory().filter((x) => x.positionId === p.id);
    expect(trade!.exits.map((e) => [e.reason, e.qtySteps, e.price])).toEqual([
      ['tp1', 2, 59400],
      ['tp2', 2, 58800],
      ['tp3', 3, 57900],
    ]);
  });

  it('not adopted on a symbol the bot was not told to manage, and never while an entry of ours is unsettled', async () => {
    h = await startHarness(testConfig(), { seed: 3 });
    h.sim.admin.setPrice('BTCUSDT', 60000, true);
    const bot = managingBot([]);
    await bot.start();
    await h.ex.createOrder({ symbol: 'BTCUSDT', side: 'buy', type: 'market', amountSteps: 10 as never, reduceOnly: false, clientOrderId: 'web_open_3' });
    await bot.step();
    expect(bot.traders[0]!.position).toBeNull();
    expect(h.state().openAlgoOrders).toEqual([]);
  });
});
