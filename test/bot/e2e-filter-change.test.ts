import { afterEach, describe, expect, it } from 'vitest';
import { TradingBot } from '../../src/bot/trading-bot.ts';
import { silentLogger } from '../../src/bot/logger.ts';
import { CcxtExchange } from '../../src/exchange/ccxt/ccxt-exchange.ts';
import { ccxtForSimulator } from '../../src/sim/ccxt-client.ts';
import { openStore } from '../../src/store/index.ts';
import { type Harness, startHarness, testConfig } from '../support/bot-harness.ts';

/**
 * Binance changes a symbol's tick or step size now and then. A position planned under the old filters
 * holds its stop and targets in old ticks and its size in old steps: after a restart on the new
 * filters the bot must not send or book anything with them (a stop 10× off, a phantom exit of 9 steps
 * in 10). The simulator's filters are fixed, so the restarted bot's market list is edited on its way
 * in (ccxt's fetchMarkets), as Binance's exchangeInfo would read after the change.
 */
let h: Harness | null = null;
let bot2: TradingBot | null = null;
let ex2: CcxtExchange | null = null;
afterEach(async () => {
  bot2?.stop();
  bot2 = null;
  await ex2?.close();
  ex2 = null;
  await h?.close();
  h = null;
});
const T = Date.UTC(2026, 0, 1);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Orders sent, cancelled or changed since request `from` (the start-up's leverage and margin type set aside). */
const orderWrites = (from: number) => h!.sim.admin.requests().slice(from).filter((r) => r.method !== 'GET' && /order/i.test(r.path));
type Filter = { filterType: string; tickSize?: string; stepSize?: string; minQty?: string };

async function restartWithFilters(edit: (m: { precision: { price?: number; amount?: number } }, filters: Filter[]) => void): Promise<{ bot: TradingBot; alerts: string[] }> {
  h!.bot.stop();
  h!.store.close();
  const client = ccxtForSimulator(h!.sim.url, { apiKey: h!.sim.apiKey, secret: h!.sim.apiSecret });
  client.enableRateLimit = false;
  const fetchMarkets = client.fetchMarkets.bind(client);
  client.fetchMarkets = async (params?: Record<string, unknown>) => {
    const ms = await fetchMarkets(params);
    for (const m of ms) if (m?.id === 'BTCUSDT') edit(m as never, (m.info as { filters: Filter[] }).filters);
    return ms;
  };
  ex2 = new CcxtExchange(client);
  h!.store = openStore(h!.dbPath);
  const alerts: string[] = [];
  bot2 = new TradingBot({ config: testConfig(), exchange: ex2, store: h!.store, log: silentLogger(), retry: { attempts: 5, baseDelayMs: 1, maxDelayMs: 5, sleep: async () => {} }, onAlert: (_s, _k, m) => alerts.push(m) });
  await bot2.start();
  return { bot: bot2, alerts };
}

describe('a symbol filter changed while a position is open, then a restart', () => {
  it('tick size 0.10 → 1 (a short): nothing is sent or cancelled, the exchange stop stays, an alert says what to do', async () => {
    h = await startHarness(testConfig(), { seed: 3 });
    h.sim.admin.setPrice('BTCUSDT', 60000, true);
    await h.bot.start();
    await h.trader('BTCUSDT').onSignal({ side: 'short', timeMs: T, reason: 'test' });
    const id = h.trader('BTCUSDT').position!.id;
    expect(h.state().openAlgoOrders.map((a) => a.triggerPrice)).toEqual(['61200']);
    const before = h.sim.admin.requests().length;
    const { bot, alerts } = await restartWithFilters((m, filters) => {
      m.precision.price = 1;
      for (const f of filters) if (f.filterType === 'PRICE_FILTER') f.tickSize = '1';
    });
    const t = bot.traders[0]!;
    expect(t.frozen).toMatch(/tick size 0\.1 → 1 since position .* no longer manages it/);
    expect(alerts.some((a) => a.includes('ladder close --symbol BTCUSDT'))).toBe(true);
    // The price runs through TP1 (59400): no TP, no stop move; the exchange's stop is the one placed before.
    h.sim.admin.setPrice('BTCUSDT', 59300);
    for (let i = 0; i < 3; i++) await bot.step();
    expect(orderWrites(before)).toEqual([]);
    expect(h.state().openAlgoOrders.map((a) => [a.clientAlgoId, a.triggerPrice])).toEqual([[`${id}-sl0`, '61200']]);
    expect(h.store.getPosition(id)?.remainingSteps).toBe(10);
  }, 30_000);

  it('a webhook close while frozen: refused saying why (the position is open, not "no open position to close")', async () => {
    h = await startHarness(testConfig(), { seed: 3 });
    h.sim.admin.setPrice('BTCUSDT', 60000, true);
    await h.bot.start();
    await h.trader('BTCUSDT').onSignal({ side: 'long', timeMs: T, reason: 'test' });
    const { bot } = await restartWithFilters((m, filters) => {
      m.precision.price = 1;
      for (const f of filters) if (f.filterType === 'PRICE_FILTER') f.tickSize = '1';
    });
    const now = Date.now();
    h.store.recordSignal({ id: 'frozen-flat', source: 'webhook', symbol: 'BTC/USDT:USDT', side: 'close', stopLossPct: null, timeMs: now, receivedAtMs: now, payload: {} });
    await bot.step();
    expect(h.store.getSignal('frozen-flat')).toMatchObject({ status: 'refused', detail: expect.stringMatching(/no longer manages it/) });
    expect(Number(h.state().positions.find((p) => p.symbol === 'BTCUSDT')?.positionAmt)).toBe(0.01);
  }, 30_000);

  it('step size 0.001 → 0.01 (a long): no phantom manual exit is booked, and no exit goes out', async () => {
    h = await startHarness(testConfig(), { seed: 3 });
    h.sim.admin.setPrice('BTCUSDT', 60000, true);
    await h.bot.start();
    await h.trader('BTCUSDT').onSignal({ side: 'long', timeMs: T, reason: 'test' });
    const id = h.trader('BTCUSDT').position!.id;
    const before = h.sim.admin.requests().length;
    const { bot } = await restartWithFilters((m, filters) => {
      m.precision.amount = 0.01;
      for (const f of filters) {
        if (f.filterType === 'LOT_SIZE' || f.filterType === 'MARKET_LOT_SIZE') {
          f.stepSize = '0.01';
          f.minQty = '0.01';
        }
      }
    });
    expect(bot.traders[0]!.frozen).toMatch(/step size 0\.001 → 0\.01/);
    for (let i = 0; i < 4; i++) {
      await bot.step();
      await sleep(100);
    }
    h.sim.admin.setPrice('BTCUSDT', 60700);
    for (let i = 0; i < 3; i++) await bot.step();
    const p = h.store.getPosition(id)!;
    expect(p.partialExits).toEqual([]);
    expect(p.remainingSteps).toBe(10);
    expect(orderWrites(before)).toEqual([]);
    expect(h.state().positions.find((x) => x.symbol === 'BTCUSDT')?.positionAmt).toBe('0.01');
  }, 30_000);

  it('…then closed by hand as the alert says: the symbol is no longer locked: the position ends as a manual exit of its 10 (old steps), no halt, and the next signal enters with its stop', async () => {
    h = await startHarness(testConfig(), { seed: 3 });
    h.sim.admin.setPrice('BTCUSDT', 60000, true);
    await h.bot.start();
    await h.trader('BTCUSDT').onSignal({ side: 'long', timeMs: T, reason: 'test' });
    const id = h.trader('BTCUSDT').position!.id;
    const stepTo001 = (m: { precision: { amount?: number } }, filters: Filter[]) => {
      m.precision.amount = 0.01;
      for (const f of filters) {
        if (f.filterType === 'LOT_SIZE' || f.filterType === 'MARKET_LOT_SIZE') {
          f.stepSize = '0.01';
          f.minQty = '0.01';
        }
      }
    };
    const { bot } = await restartWithFilters(stepTo001);
    const t = bot.traders[0]!;
    expect(t.frozen).not.toBeNull();
    h.sim.admin.setPrice('BTCUSDT', 59500);
    await h.ex.createOrder({ symbol: 'BTCUSDT', side: 'sell', type: 'market', amountSteps: 10 as never, reduceOnly: true, clientOrderId: 'web_close' });
    for (let i = 0; i < 3; i++) await bot.step();
    expect(t.frozen).toBeNull();
    expect(t.halted).toBeNull();
    expect(t.position).toBeNull();
    expect(h.store.tradeHistory().find((x) => x.positionId === id)?.exits.map((e) => [e.reason, e.qtySteps, e.price])).toEqual([['manual', 10, 59500]]);
    expect(h.state().openAlgoOrders).toEqual([]);
    await t.onSignal({ side: 'long', timeMs: T + 3_600_000, reason: 'test' });
    expect(t.position?.remainingSteps).toBe(1); // 0.01 in the new steps
    expect(h.state().openAlgoOrders).toHaveLength(1);
  }, 30_000);
});
