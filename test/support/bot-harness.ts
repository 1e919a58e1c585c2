import { join } from 'node:path';
import { TradingBot } from '../../src/bot/trading-bot.ts';
import { recordingLogger } from './log-lines.ts';
import type { SymbolTrader } from '../../src/bot/symbol-trader.ts';
import { type LadderConfig, parseConfigValue } from '../../src/core/config/index.ts';
import { CcxtExchange } from '../../src/exchange/ccxt/ccxt-exchange.ts';
import { ccxtForSimulator } from '../../src/sim/ccxt-client.ts';
import { type Simulator, type SimulatorOptions, startSimulator } from '../../src/sim/simulator.ts';
import { type Store, openStore } from '../../src/store/index.ts';
import { tempDir } from './temp-dir.ts';

export interface Harness {
  sim: Simulator;
  ex: CcxtExchange;
  store: Store;
  bot: TradingBot;
  dbPath: string;
  slept: number[];
  trader(symbol: string): SymbolTrader;
  /** The bot's warnings and errors so far, by event name (`close.refused`, …), oldest first. */
  warnings(): string[];
  /** The same warnings and errors, each as its whole logged record. */
  warningRecords(): readonly Record<string, unknown>[];
  /** The simulator's true state (positions, open orders, every fill with its client id). */
  state(): SimState;
  close(): Promise<void>;
}

export interface SimState {
  positions: { symbol: string; positionAmt: string }[];
  openOrders: { clientOrderId: string; symbol: string; type: string; reduceOnly: boolean; origQty: string }[];
  openAlgoOrders: { clientAlgoId: string; symbol: string; triggerPrice: string; closePosition: boolean }[];
  fills: { clientOrderId: string; symbol: string; side: string; qty: string; price: string }[];
}

export function testConfig(over: Record<string, unknown> = {}): LadderConfig {
  const r = parseConfigValue(
    {
      symbols: ['BTC/USDT:USDT'],
      leverage: 5,
      enable_scaled_take_profit: true,
      position_size: { mode: 'base', value: 0.01 },
      stop_loss_pct: 2,
      ...over,
    },
    'test',
  );
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  return r.value;
}

/** Simulator (real HTTP through ccxt) + real SQLite file + the bot, wired for a test. */
export async function startHarness(config: LadderConfig, simOpts: SimulatorOptions = {}, dbPath?: string, realSleep = false): Promise<Harness> {
  const sim = await startSimulator({ seed: 7, ...simOpts });
  const client = ccxtForSimulator(sim.url, { apiKey: sim.apiKey, secret: sim.apiSecret });
  // ccxt spaces requests by Binance's weights (50 ms a unit); tests run faster than that, and the
  // simulator's own limits (429/418) stay in force for the tests that want them.
  client.enableRateLimit = false;
  const ex = new CcxtExchange(client);
  const path = dbPath ?? join(tempDir('ladder-bot-'), 'ladder.db');
  const store = openStore(path);
  const slept: number[] = [];
  // Warnings and errors only: what a test asserts was (not) raised, without parsing every info line.
  const logged = recordingLogger('warn');
  const bot = new TradingBot({ config, exchange: ex, store, log: logged.log, retry: { attempts: 5, baseDelayMs: 1, maxDelayMs: 5, sleep: async (ms) => {
    slept.push(ms);
    if (realSleep) await new Promise((r) => setTimeout(r, ms));
  } } });
  return {
    sim,
    ex,
    store,
    bot,
    dbPath: path,
    slept,
    trader: (symbol) => {
      const t = bot.traders.find((x) => x.symbol === symbol);
      if (!t) throw new Error(`no trader for ${symbol}`);
      return t;
    },
    warnings: logged.msgs,
    warningRecords: () => logged.records,
    state: () => sim.admin.state() as unknown as SimState,
    close: async () => {
      bot.stop();
      await ex.close();
      store.close();
      await sim.close();
    },
  };
}

/**
 * A started bot on the simulator (seed 3, BTCUSDT at 60000) that has just entered long on a signal
 * at 2026-01-01: the common start of the bot's fault tests.
 */
export async function startWithLong(config: LadderConfig = testConfig()): Promise<{ h: Harness; t: SymbolTrader }> {
  const h = await startHarness(config, { seed: 3 });
  h.sim.admin.setPrice('BTCUSDT', 60000, true);
  await h.bot.start();
  const t = h.trader('BTCUSDT');
  await t.onSignal({ side: 'long', timeMs: Date.UTC(2026, 0, 1), reason: 'test' });
  if (t.position === null) throw new Error('the long did not enter');
  return { h, t };
}

/** `n` steps of the harness's bot, `ms` of real time apart (the simulator's orders and trades settle meanwhile). */
export async function stepBot(h: Harness, n: number, ms: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await h.bot.step();
    await new Promise((r) => setTimeout(r, ms));
  }
}

/** The exchange's BTCUSDT position in steps of 0.001 (negative: short), as the simulator holds it. */
export function exchangeStepsOf(h: Harness): number {
  const p = h.state().positions.find((x) => x.symbol === 'BTCUSDT');
  return p ? Math.round(Number(p.positionAmt) * 1000) : 0;
}

/** Steps of our reduce-only limit orders still resting on the exchange (what is left of each). */
export function restingLimitStepsOf(h: Harness): number {
  const open = h.state().openOrders as unknown as { reduceOnly: boolean; type: string; origQty: string; executedQty: string }[];
  return open.filter((o) => o.reduceOnly && o.type === 'LIMIT').reduce((n, o) => n + Math.round((Number(o.origQty) - Number(o.executedQty)) * 1000), 0);
}
