import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/bot/logger.ts';
import { TradingBot } from '../../src/bot/trading-bot.ts';
import { runBacktest } from '../../src/backtest/engine.ts';
import type { LadderConfig } from '../../src/core/config/index.ts';
import { exitSettingsFromConfig, fillModelFromConfig } from '../../src/core/scaled-tp/from-config.ts';
import { loadCandles } from '../../src/data/load-candles.ts';
import { defaultMarkets } from '../../src/data/markets-loader.ts';
import { loadStrategy } from '../../src/strategy/create-strategy.ts';
import { entryAtOf } from '../../src/strategy/strategy.ts';
import { type Harness, startHarness, testConfig } from '../support/bot-harness.ts';

/**
 * A strategy module runs unchanged in the bot and the backtest (test/bot/parity.test.ts's method:
 * the simulator replays a shipped kline file through ccxt, the bot steps at every candle open and
 * after every fill, and the backtest runs on the same file): the same trades. And a module that
 * throws on one candle, live: logged, no entry on that candle, the open position still managed.
 */
const ROOT = resolve(import.meta.dirname, '../..');
const FILE = join(ROOT, 'data/candles/BTCUSDT-1h.csv');
const DONCHIAN = join(ROOT, 'examples/strategies/donchian-breakout.ts');
const THROWS = join(ROOT, 'test/strategy/modules/throws-on-candle.ts');
const HANGS = join(ROOT, 'test/strategy/modules/hangs-on-candle.ts');
const DIES = join(ROOT, 'test/strategy/modules/thread-dies-after-candle.ts');
const THROWS_ALWAYS = join(ROOT, 'test/strategy/modules/throws-every-candle.ts');
const MOMENTUM = join(ROOT, 'test/strategy/modules/momentum-window.ts');
const GAP = join(ROOT, 'test/strategy/modules/throws-on-gap.ts');
const CANDLES = Number(process.env['LADDER_PARITY_CANDLES'] ?? 1000);
const WARMUP = 100;
const HOUR = 3_600_000;
const TICK = 0.1;

interface TradeRow {
  entry: string;
  side: string;
  entryPrice: number;
  qty: number;
  exits: { reason: string; price: number; time: string }[];
}

const iso = (ms: number) => new Date(ms).toISOString();

function moduleConfig(path: string, params: Record<string, unknown>): LadderConfig {
  return testConfig({
    strategy: { name: 'module', path, params },
    scaled_tp_execution: 'limit',
    position_size: { mode: 'quote', value: 1000 },
    backtest: { starting_balance: 10000, intrabar: 'ohlc' },
  });
}

/** A bot on the harness's exchange and store, its log lines (JSON) kept in `lines`; retries without waiting. */
function botOn(h: Harness, config: LadderConfig, extra: { strategyTimeoutMs?: number; onAlert?: (symbol: string, kind: string, message: string) => void } = {}): { bot: TradingBot; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({ write: (chunk: Buffer, _enc, done) => (lines.push(chunk.toString()), done()) });
  const bot = new TradingBot({ config, exchange: h.ex, store: h.store, log: createLogger('info', sink), retry: { attempts: 5, baseDelayMs: 1, maxDelayMs: 5, sleep: async () => undefined }, ...extra });
  return { bot, lines };
}

/** Replays `candles` on the simulator, stepping `bot` as parity.test.ts does; returns the bot's trades and the start. */
async function runLive(h: Harness, bot: TradingBot, candles: number): Promise<{ live: TradeRow[]; startMs: number }> {
  await bot.start();
  const fills = () => (h.sim.admin.state() as { fills: unknown[] }).fills.length;
  let seen = fills();
  const startMs = h.sim.admin.step({ points: 0 }).timeMs;
  for (let k = 0; k < (candles - WARMUP) * 4; k++) {
    const { timeMs } = h.sim.admin.step({ points: 1 });
    if (timeMs % HOUR === 0 || fills() !== seen) await bot.step();
    seen = fills();
  }
  const live = h.store.tradeHistory().map((x) => ({
    entry: iso(x.entryTimeMs),
    side: x.side,
    entryPrice: x.entryPrice,
    qty: x.originalSteps,
    exits: x.exits.map((e) => ({ reason: e.reason, price: e.price, time: iso(e.timeMs) })),
  }));
  return { live, startMs };
}

/** The backtest's trades on the same file and module, from the bot's start to its last entry. */
async function runBack(config: LadderConfig, startMs: number, lastEntry: string): Promise<TradeRow[]> {
  const candles = await loadCandles(FILE);
  const market = (await defaultMarkets()).get('BTCUSDT')!;
  const strategy = await loadStrategy(config.strategy);
  const run = runBacktest([{ symbol: 'BTCUSDT', candles, market, entryAt: entryAtOf(strategy, candles) }], {
    settings: exitSettingsFromConfig(config),
    fills: fillModelFromConfig(config),
    intrabar: 'ohlc',
    startingBalance: 10_000,
    leverage: config.leverage,
    maxOpenPositions: config.max_open_positions,
    positionSize: config.position_size,
  });
  return run.trades
    .filter((x) => x.entryTimeMs > startMs && x.partialExits.every((e) => e.reason !== 'end') && iso(x.entryTimeMs) <= lastEntry)
    .map((x) => ({
      entry: iso(x.entryTimeMs),
      side: x.side,
      entryPrice: x.entryPrice,
      qty: x.originalSteps,
      exits: x.partialExits.map((e) => ({ reason: e.reason, price: e.price, time: iso(e.timeMs) })),
    }));
}

/**
 * In the backtest of a test module (long/short every `every` candles) without its fault: a candle k
 * whose signal reverses a trade still open, the time the fault will be set at, and that trade.
 */
async function reversalCandle(module: string) {
  const candles = await loadCandles(FILE);
  const every = 24;
  const trades = await runBack(moduleConfig(module, { every }), (candles.time[WARMUP] as number) + HOUR, '9999');
  const k = [...Array(candles.length).keys()].find((i) => {
    const at = iso((candles.time[i] as number) + HOUR);
    return i > WARMUP + every && i < 300 && i % every === 0 && trades.some((t) => t.entry < at && t.exits.at(-1)!.time === at && t.exits.at(-1)!.reason === 'signal');
  });
  expect(k, 'a reversal while a trade is open').toBeDefined();
  const at = candles.time[k!] as number;
  const entryAt = iso(at + HOUR);
  const reversed = trades.find((t) => t.entry < entryAt && t.exits.at(-1)!.time === entryAt)!;
  expect(reversed.exits.at(-1)!.reason).toBe('signal');
  return { every, k: k!, at, entryAt, reversed, trades };
}

function expectSameTrades(live: readonly TradeRow[], backtest: readonly TradeRow[]): void {
  expect(live.map((x) => `${x.entry} ${x.side} ${x.qty}`)).toEqual(backtest.map((x) => `${x.entry} ${x.side} ${x.qty}`));
  live.forEach((a, i) => {
    const b = backtest[i]!;
    expect(Math.abs(a.entryPrice - b.entryPrice), `${a.entry} entry`).toBeLessThanOrEqual(TICK + 1e-9);
    expect(a.exits.map((e) => e.reason), `${a.entry} exits`).toEqual(b.exits.map((e) => e.reason));
    a.exits.forEach((e, k) => expect(Math.abs(e.price - b.exits[k]!.price), `${a.entry} ${e.reason}`).toBeLessThanOrEqual(TICK + 1e-9));
  });
}

describe('strategy module: bot on the simulator vs the backtest', () => {
  let h: Harness | null = null;
  afterEach(async () => {
    await h?.close();
    h = null;
  });

  it(`donchian-breakout.ts (ATR stops) makes the same trades on ${CANDLES} real 1h candles`, async () => {
    const config = moduleConfig(DONCHIAN, { period: 20, atr_period: 14, atr_mult: 2 });
    h = await startHarness(config, { dataFiles: [FILE], speed: 0, warmupCandles: WARMUP, rateLimits: { weightPerMinute: 1_000_000 } });
    const { bot, lines } = botOn(h, config);
    const { live, startMs } = await runLive(h, bot, CANDLES);
    const backtest = await runBack(config, startMs, live.at(-1)?.entry ?? '');
    if (process.env['LADDER_PARITY_DEBUG']) console.log(JSON.stringify({ live, backtest }, null, 1));
    // A failed step leaves the bot half-updated (here: a closed position not yet reset, so the next
    // same-side signal was ignored): none may happen.
    expect(lines.filter((l) => l.includes('"msg":"step.failed"'))).toEqual([]);
    expect(live.length).toBeGreaterThan(CANDLES / 60);
    expectSameTrades(live, backtest);
  }, 600_000);

  it('a module whose warm-up is longer than 500 candles answers from the first candle live, as in the backtest (its history is read to cover the warm-up)', async () => {
    const config = moduleConfig(MOMENTUM, { period: 600 });
    h = await startHarness(config, { dataFiles: [FILE], speed: 0, warmupCandles: 700, rateLimits: { weightPerMinute: 1_000_000 } });
    const { bot } = botOn(h, config);
    await bot.start();
    const startMs = h.sim.admin.step({ points: 0 }).timeMs;
    for (let k = 0; k < 2 * 4; k++) {
      const { timeMs } = h.sim.admin.step({ points: 1 });
      if (timeMs % HOUR === 0) await bot.step();
    }
    // The module answers every candle from its 600th: the first candle closed after the start is
    // entered at the next open, on the side the backtest's module gives for it.
    const first = [...h.store.tradeHistory(), ...h.store.openPositions()].sort((a, b) => a.entryTimeMs - b.entryTimeMs)[0];
    expect(first, 'an entry on the first candle').toBeDefined();
    expect(iso(first!.entryTimeMs)).toBe(iso(Math.floor(startMs / HOUR) * HOUR + HOUR));
    const candles = await loadCandles(FILE);
    const at = entryAtOf(await loadStrategy(config.strategy), candles);
    expect(at(candles.time.indexOf(first!.entryTimeMs))?.side).toBe(first!.side);
  }, 60_000);

  it('candles missed for longer than one read (8 candles while the bot could not step) reach the strategy without a hole', async () => {
    const config = moduleConfig(GAP, { every: 24 });
    h = await startHarness(config, { dataFiles: [FILE], speed: 0, warmupCandles: WARMUP, rateLimits: { weightPerMinute: 1_000_000 } });
    const { bot, lines } = botOn(h, config);
    await bot.start();
    await bot.step();
    h.sim.admin.step({ candles: 8 }); // the bot reads nothing meanwhile (an outage, a suspended machine)
    await bot.step();
    h.sim.admin.step({ candles: 1 });
    await bot.step();
    expect(lines.filter((l) => l.includes('"msg":"signals.failed"'))).toEqual([]);
    const times = h.store.candles('BTCUSDT', HOUR).map((c) => c.openTimeMs);
    expect(times.length).toBeGreaterThanOrEqual(WARMUP + 8);
    expect(times.slice(1).every((t, k) => t - times[k]! === HOUR)).toBe(true);
  }, 60_000);

  it('a module that throws on one candle: logged naming the file, no entry on it, the open position managed on', async () => {
    const { every, k, at: throwAt, entryAt, reversed, trades } = await reversalCandle(THROWS);

    const config = moduleConfig(THROWS, { every, throw_at_ms: throwAt });
    h = await startHarness(config, { dataFiles: [FILE], speed: 0, warmupCandles: WARMUP, rateLimits: { weightPerMinute: 1_000_000 } });
    const { bot, lines } = botOn(h, config);
    const { live } = await runLive(h, bot, k! + 2 * every + 10);

    const failed = lines.map((l) => JSON.parse(l) as { msg: string; err?: { message?: string } }).filter((l) => l.msg === 'signals.failed');
    expect(failed).toHaveLength(1);
    const message = failed[0]!.err?.message ?? '';
    expect(message).toMatch(/throws-on-candle\.ts:\d+: onCandle threw/);
    expect(message).toContain(`on candle ${k} (${iso(throwAt)} BTCUSDT): boom at candle ${k}`);
    // No entry at the open after the throw; the trade that would have been reversed there is not,
    // it goes on with its own exits (TP levels, stop) after that moment, under the bot's management.
    expect(live.map((t) => t.entry)).not.toContain(entryAt);
    const kept = live.find((t) => t.entry === reversed.entry)!;
    expect(kept.exits.at(-1)!.time > entryAt).toBe(true);
    expect(kept.exits.every((e) => e.time !== entryAt || e.reason !== 'signal')).toBe(true);
    // The bot trades on afterwards; before the throw it made the backtest's trades.
    expect(live.some((t) => t.entry > entryAt)).toBe(true);
    expectSameTrades(
      live.filter((t) => t.entry < reversed.entry),
      trades.filter((t) => t.entry < reversed.entry),
    );
  }, 600_000);

  it('a module that never returns on one candle: stopped after the timeout, said once (one alert, one strategy.stopped line, no line per later candle), no entry from it since, the open position managed on', async () => {
    const { every, k, at: hangAt, entryAt, reversed, trades } = await reversalCandle(HANGS);

    const config = moduleConfig(HANGS, { every, hang_at_ms: hangAt });
    h = await startHarness(config, { dataFiles: [FILE], speed: 0, warmupCandles: WARMUP, rateLimits: { weightPerMinute: 1_000_000 } });
    const { bot, lines } = botOn(h, config, { strategyTimeoutMs: 1000 });
    try {
      const { live } = await runLive(h, bot, k! + 2 * every + 10);
      const parsed = lines.map((l) => JSON.parse(l) as { msg: string; err?: { message?: string } });
      const message = `hangs-on-candle.ts: onCandle did not return within 1 s on candle ${k} (${iso(hangAt)} BTCUSDT): the module is stopped, no more entries from it until the bot restarts; open positions are still managed`;
      // The call that hung: one alert and one line saying the module is stopped, with why; then nothing
      // per candle for the 2 × every + 10 candles after it (the calls are not made any more).
      const alerts = parsed.filter((l) => l.msg === 'strategy.failed');
      expect(alerts).toHaveLength(1);
      expect(alerts[0]!.err?.message).toContain(message);
      const stopped = parsed.filter((l) => l.msg === 'strategy.stopped');
      expect(stopped).toHaveLength(1);
      expect(stopped[0]!.err?.message).toContain(message);
      expect(parsed.filter((l) => l.msg === 'signals.failed')).toEqual([]);
      // No entry from the module since; the trade it would have reversed goes on with its own exits.
      expect(live.filter((t) => t.entry >= entryAt)).toEqual([]);
      const kept = live.find((t) => t.entry === reversed.entry)!;
      expect(kept.exits.at(-1)!.time > entryAt).toBe(true);
      expect(kept.exits.map((e) => e.reason)).not.toContain('signal');
      expectSameTrades(
        live.filter((t) => t.entry < reversed.entry),
        trades.filter((t) => t.entry < reversed.entry),
      );
    } finally {
      await bot.closeStrategies();
    }
  }, 600_000);

  it('a module that throws the same error on every candle: a signals.failed line per candle, but the user is alerted once (strategy_error), not once per candle', async () => {
    const config = moduleConfig(THROWS_ALWAYS, {});
    h = await startHarness(config, { dataFiles: [FILE], speed: 0, warmupCandles: WARMUP, rateLimits: { weightPerMinute: 1_000_000 } });
    const alerts: { kind: string; message: string }[] = [];
    const { bot, lines } = botOn(h, config, { onAlert: (_symbol, kind, message) => alerts.push({ kind, message }) });
    try {
      await bot.start();
      for (let k = 0; k < 6 * 4; k++) {
        const { timeMs } = h.sim.admin.step({ points: 1 });
        if (timeMs % HOUR === 0) await bot.step();
      }
      const failed = lines.map((l) => JSON.parse(l) as { msg: string; err?: { message?: string } }).filter((l) => l.msg === 'signals.failed');
      expect(failed.length).toBeGreaterThanOrEqual(5);
      expect(failed.every((l) => /throws-every-candle\.ts:\d+: onCandle threw on candle \d+ .*TypeError: helper is not a function/.test(l.err?.message ?? ''))).toBe(true);
      const strategyAlerts = alerts.filter((a) => a.kind === 'strategy_error');
      expect(strategyAlerts).toHaveLength(1);
      // The first one says which candle and what.
      expect(strategyAlerts[0]!.message).toMatch(/the strategy threw on a candle: .*throws-every-candle\.ts:\d+: onCandle threw on candle \d+ \(.* BTCUSDT\): TypeError: helper is not a function/);
    } finally {
      await bot.closeStrategies();
    }
  }, 600_000);

  it('a module whose thread dies between calls (an exception thrown from its timer): the user is alerted once (strategy_error), and strategy.stopped is said once', async () => {
    const config = moduleConfig(DIES, { die_after: 3 });
    h = await startHarness(config, { dataFiles: [FILE], speed: 0, warmupCandles: WARMUP, rateLimits: { weightPerMinute: 1_000_000 } });
    const alerts: { kind: string; message: string }[] = [];
    const { bot, lines } = botOn(h, config, { onAlert: (_symbol, kind, message) => alerts.push({ kind, message }) });
    try {
      // Candles an hour apart, as live: the thread dies after one call returned, before the next is made.
      await bot.start();
      for (let k = 0; k < 12 * 4; k++) {
        const { timeMs } = h.sim.admin.step({ points: 1 });
        if (timeMs % HOUR !== 0) continue;
        await bot.step();
        await new Promise((r) => setTimeout(r, 100));
      }
      const parsed = lines.map((l) => JSON.parse(l) as { msg: string; err?: { message?: string } });
      const stopped = parsed.filter((l) => l.msg === 'strategy.stopped');
      expect(stopped).toHaveLength(1);
      expect(stopped[0]!.err?.message).toContain('module timer failed');
      // Entries from the module have stopped for good: the user's alert channel must hear it, once.
      const strategyAlerts = alerts.filter((a) => a.kind === 'strategy_error');
      expect(strategyAlerts).toHaveLength(1);
      expect(strategyAlerts[0]!.message).toContain('module timer failed');
      // It says what happened: entries have stopped until a restart, not "no entry on that candle".
      expect(strategyAlerts[0]!.message).not.toMatch(/no entry on that candle|threw on a candle/);
      expect(strategyAlerts[0]!.message).toMatch(/no entries come from it until Ladder restarts/);
    } finally {
      await bot.closeStrategies();
    }
  }, 600_000);
});
