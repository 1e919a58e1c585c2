import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

const dir = mkdtempSync(join(tmpdir(), 'ladder-paper-'));
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
});
