import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/bot/logger.ts';
import { TradingBot } from '../../src/bot/trading-bot.ts';
import { CcxtExchange } from '../../src/exchange/ccxt/ccxt-exchange.ts';
import { PaperExchange } from '../../src/exchange/paper/paper-exchange.ts';
import { ccxtForSimulator } from '../../src/sim/ccxt-client.ts';
import { type Simulator, startSimulator } from '../../src/sim/simulator.ts';
import { type Store, openStore } from '../../src/store/index.ts';
import { testConfig } from '../support/bot-harness.ts';
import { FixedPriceSource } from '../exchange/contract/fixed-price-source.ts';
import { tempDir } from '../support/temp-dir.ts';

/** PAPER mode: public prices (here the simulator's market data, no keys), fills simulated locally. */
let sim: Simulator | null = null;
const open: { store: Store; ex: PaperExchange }[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) {
    await o.ex.close();
    o.store.close();
  }
  await sim?.close();
  sim = null;
});

const dir = tempDir('ladder-paper-');
const T = Date.UTC(2026, 0, 1);

async function paperBot(tag: string) {
  const client = ccxtForSimulator(sim!.url); // public endpoints only: no key
  client.enableRateLimit = false;
  const ex = new PaperExchange({ source: new CcxtExchange(client), fills: { takerPct: 0.05, makerPct: 0.02, slippagePct: 0 }, balance: 10_000, statePath: join(dir, `${tag}.paper.json`), now: Date.now });
  const store = openStore(join(dir, `${tag}.db`));
  open.push({ store, ex });
  const bot = new TradingBot({ config: testConfig(), exchange: ex, store, log: silentLogger() });
  await bot.start();
  return { bot, ex, store, trader: bot.traders[0]! };
}

describe('paper mode', () => {
  it('runs the ladder on live prices with simulated fills: TPs at market, the stop resting and climbing', async () => {
    sim = await startSimulator({ seed: 5 });
    sim.admin.setPrice('BTCUSDT', 60000, true);
    const { bot, ex, trader } = await paperBot('a');
    await trader.onSignal({ side: 'long', timeMs: T, reason: 'test' });
    expect(trader.position!.originalSteps).toBe(10);
    expect((await ex.openOrders('BTCUSDT')).map((o) => [o.type, o.closePosition])).toEqual([['stop_market', true]]);
    sim.admin.setPrice('BTCUSDT', 60700);
    await bot.step();
    expect(trader.position!.tpLevelsHit).toEqual([1]);
    expect((await ex.openOrders('BTCUSDT')).map((o) => o.clientOrderId)).toEqual([`${trader.position!.id}-sl1`]);
    sim.admin.setPrice('BTCUSDT', 59900);
    await bot.step();
    expect(trader.position).toBeNull();
    expect((await ex.position('BTCUSDT')).side).toBeNull();
    expect(await ex.openOrders('BTCUSDT')).toEqual([]);
  });

  it('keeps the paper account across a restart: the position and its stop are still there', async () => {
    sim = await startSimulator({ seed: 6 });
    sim.admin.setPrice('BTCUSDT', 60000, true);
    const first = await paperBot('b');
    await first.trader.onSignal({ side: 'short', timeMs: T, reason: 'test' });
    const id = first.trader.position!.id;
    await first.ex.close();
    first.store.close();
    open.splice(0);
    const second = await paperBot('b');
    expect(second.trader.position!.id).toBe(id);
    expect((await second.ex.openOrders('BTCUSDT')).map((o) => o.clientOrderId)).toEqual([`${id}-sl0`]);
    sim.admin.setPrice('BTCUSDT', 59300);
    await second.bot.step();
    expect(second.trader.position!.tpLevelsHit).toEqual([1]);
  });

  it('reads a version 1 paper account (before the shared matching engine) and trades on from it', async () => {
    const path = join(dir, 'v1.paper.json');
    const entry = { clientOrderId: 'p-entry', orderId: '1', symbol: 'BTCUSDT', side: 'buy', type: 'market', status: 'filled', amountSteps: 10, filledSteps: 10, averagePrice: 60000, reduceOnly: false, closePosition: false, stopPriceTicks: null, timeMs: T };
    const stop = { ...entry, clientOrderId: 'p-sl0', orderId: '2', side: 'sell', type: 'stop_market', status: 'open', amountSteps: 0, filledSteps: 0, averagePrice: null, reduceOnly: true, closePosition: true, stopPriceTicks: 590000 };
    writeFileSync(path, JSON.stringify({
      version: 1, wallet: 9999.7, nextOrderId: 3, nextTradeId: 2, positions: { BTCUSDT: { steps: 10, entryPrice: 60000 } }, leverage: { BTCUSDT: 5 },
      orders: [
        { request: { symbol: 'BTCUSDT', side: 'buy', type: 'market', amountSteps: 10, reduceOnly: false, clientOrderId: 'p-entry' }, state: entry },
        { request: { symbol: 'BTCUSDT', side: 'sell', type: 'stop_market', stopPriceTicks: 590000, reduceOnly: true, closePosition: true, clientOrderId: 'p-sl0' }, state: stop },
      ],
      trades: [{ tradeId: '1', orderId: '1', clientOrderId: 'p-entry', symbol: 'BTCUSDT', side: 'buy', qtySteps: 10, price: 60000, fee: 0.3, timeMs: T }],
    }));
    const source = new FixedPriceSource({ BTCUSDT: 60_000 });
    const ex = new PaperExchange({ source, fills: { takerPct: 0.05, makerPct: 0.02, slippagePct: 0 }, balance: 10_000, statePath: path, now: () => T + 60_000 });
    await ex.markets();
    expect(await ex.position('BTCUSDT')).toEqual({ symbol: 'BTCUSDT', side: 'long', qtySteps: 10, entryPrice: 60000 });
    expect((await ex.balance()).total).toBeCloseTo(9999.7, 9);
    expect(await ex.fetchOrder('BTCUSDT', 'p-entry', 'order')).toMatchObject({ status: 'filled', filledSteps: 10, averagePrice: 60000 });
    expect((await ex.openOrders('BTCUSDT')).map((o) => [o.clientOrderId, o.type, o.closePosition])).toEqual([['p-sl0', 'stop_market', true]]);
    source.setPrice('BTCUSDT', 58_900);
    await ex.price('BTCUSDT');
    expect(await ex.position('BTCUSDT')).toMatchObject({ side: null });
    const trades = await ex.trades('BTCUSDT', 0, '1');
    expect(trades.map((t) => [t.tradeId === '1', t.clientOrderId, t.qtySteps, t.price])).toEqual([[true, 'p-entry', 10, 60000], [false, 'p-sl0', 10, 58900]]);
    expect(Number(trades[1]!.tradeId)).toBeGreaterThan(1);
    expect(JSON.parse(readFileSync(path, 'utf8')).version).toBe(2);
    await ex.close();
  });
});
