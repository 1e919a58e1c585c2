import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runBacktest } from '../../src/backtest/engine.ts';
import { exitSettingsFromConfig, fillModelFromConfig } from '../../src/core/scaled-tp/from-config.ts';
import { loadCandles } from '../../src/data/load-candles.ts';
import { loadFundingRates } from '../../src/data/funding-rates.ts';
import { TradingBot } from '../../src/bot/trading-bot.ts';
import { silentLogger } from '../../src/bot/logger.ts';
import { defaultMarkets } from '../../src/data/markets-loader.ts';
import { createStrategy } from '../../src/strategy/create-strategy.ts';
import { entryAtOf } from '../../src/strategy/strategy.ts';
import { type Harness, startHarness, testConfig } from '../support/bot-harness.ts';

/**
 * Parity: the live bot (through ccxt, the simulator replaying a shipped kline file, a real SQLite
 * store) and `ladder backtest` on the same file and config make the same trades: same entries, same
 * levels hit, prices within one tick. Resting limit exits make the exchange fill each level at its
 * own price, as the backtest does; the bot steps after every price point of the replay.
 */
const ROOT = resolve(import.meta.dirname, '../..');
const FILE = join(ROOT, 'data/candles/BTCUSDT-1h.csv');
/** Real BTCUSDT funding rates 2022-01 … 2026-04 (../shared/data/binance-usdm-funding/README). */
const FUNDING = resolve(ROOT, '../shared/data/binance-usdm-funding/BTCUSDT-fundingRate.csv');
const CANDLES = Number(process.env['LADDER_PARITY_CANDLES'] ?? 2016);
const WARMUP = 100;
const HOUR = 3_600_000;

describe('parity: bot on the simulator vs the backtest', () => {
  let h: Harness | null = null;
  afterEach(async () => h?.close()); // before the test's temp dir (the store's) is removed

  it(`makes the same trades on ${CANDLES} real 1h candles`, async () => {
    const config = testConfig({ scaled_tp_execution: 'limit', position_size: { mode: 'quote', value: 1000 }, backtest: { starting_balance: 10000, intrabar: 'ohlc' } });
    // The simulator charges the real funding rates; the bot books them (read at each hour and close: no spacing).
    h = await startHarness(config, { dataFiles: [FILE], fundingFiles: [FUNDING], speed: 0, warmupCandles: WARMUP, rateLimits: { weightPerMinute: 1_000_000 } });
    h.bot = new TradingBot({ config, exchange: h.ex, store: h.store, log: silentLogger(), fundingReadGapMs: 0, retry: { attempts: 5, baseDelayMs: 1, maxDelayMs: 5, sleep: async () => {} } });
    await h.bot.start();
    const steps = (CANDLES - WARMUP) * 4;
    const fills = () => (h!.sim.admin.state() as { fills: unknown[] }).fills.length;
    let seen = fills();
    const startMs = h.sim.admin.step({ points: 0 }).timeMs;
    for (let k = 0; k < steps; k++) {
      const { timeMs } = h.sim.admin.step({ points: 1 });
      // The bot acts at each candle's open (signals, entries) and after every point in which the
      // exchange filled something (it books the fill and moves the stop before the next point).
      const now = fills();
      if (timeMs % HOUR === 0 || now !== seen) await h.bot.step();
      seen = fills();
    }
    const live = h.store.tradeHistory().map((x) => ({
      entry: new Date(x.entryTimeMs).toISOString(),
      side: x.side,
      entryPrice: x.entryPrice,
      qty: x.originalSteps,
      exits: x.exits.map((e) => ({ reason: e.reason, price: e.price })),
      funding: x.status === 'closed' ? (x.funding ?? 0) : null,
    }));

    const candles = await loadCandles(FILE);
    const market = (await defaultMarkets()).get('BTCUSDT')!;
    const rates = await loadFundingRates(FUNDING);
    const run = runBacktest([{ symbol: 'BTCUSDT', candles, market, entryAt: entryAtOf(createStrategy(config.strategy), candles), funding: { time: rates.time, rate: rates.rate } }], {
      settings: exitSettingsFromConfig(config),
      fills: fillModelFromConfig(config),
      intrabar: 'ohlc',
      startingBalance: 10_000,
      leverage: config.leverage,
      maxOpenPositions: config.max_open_positions,
      positionSize: config.position_size,
    });
    const lastLiveEntry = live.at(-1)?.entry ?? '';
    const backtest = run.trades
      // Trades the bot could take: entered after it started, before its last entry (the backtest's
      // last trade may still be open live).
      .filter((x) => x.entryTimeMs > startMs && x.partialExits.every((e) => e.reason !== 'end') && new Date(x.entryTimeMs).toISOString() <= lastLiveEntry)
      .map((x) => ({
        entry: new Date(x.entryTimeMs).toISOString(),
        side: x.side,
        entryPrice: x.entryPrice,
        qty: x.originalSteps,
        exits: x.partialExits.map((e) => ({ reason: e.reason, price: e.price })),
        funding: x.funding ?? 0,
      }));
    if (process.env["LADDER_PARITY_DEBUG"]) console.log(JSON.stringify({ live, backtest }, null, 1));
    expect(live.length).toBeGreaterThan(CANDLES / 60);
    expect(live.map((x) => `${x.entry} ${x.side} ${x.qty}`)).toEqual(backtest.map((x) => `${x.entry} ${x.side} ${x.qty}`));
    const tick = 0.1;
    for (let i = 0; i < live.length; i++) {
      const a = live[i]!;
      const b = backtest[i]!;
      expect(Math.abs(a.entryPrice - b.entryPrice), `${a.entry} entry`).toBeLessThanOrEqual(tick + 1e-9);
      expect(a.exits.map((e) => e.reason), `${a.entry} exits`).toEqual(b.exits.map((e) => e.reason));
      a.exits.forEach((e, k) => expect(Math.abs(e.price - b.exits[k]!.price), `${a.entry} ${e.reason}`).toBeLessThanOrEqual(tick + 1e-9));
      // The funding each closed trade paid: the simulator rounds each charge to 8 decimals (Binance's), the backtest does not.
      if (a.funding !== null) expect(Math.abs(a.funding - b.funding), `${a.entry} funding ${a.funding} vs ${b.funding}`).toBeLessThanOrEqual(1e-7);
    }
    // Settlements were charged and booked: not a comparison of zeros.
    expect(live.filter((x) => x.funding !== null && x.funding !== 0).length).toBeGreaterThan(live.length / 4);
  }, 900_000);
});
