import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/bot/logger.ts';
import { TradingBot } from '../../src/bot/trading-bot.ts';
import { utcDayStartMs } from '../../src/core/risk/limits.ts';
import { openStore } from '../../src/store/index.ts';
import { type Harness, startHarness, testConfig } from '../support/bot-harness.ts';

/**
 * Risk limits on the simulator ([operate] 3, "Done when"): losing trades hit daily_loss_limit, the
 * next signal sends no entry, a restart over the same store still refuses, the next UTC day allows.
 */
let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});
const DAY = 86_400_000;
const T = Date.UTC(2026, 0, 1);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The bot's clock on the simulator's market time (a replay that starts 2024-01-01, where fills are
 * stamped), moving with the wall clock; `shiftMs` moves it to another day.
 */
function simClock(shiftMs = 0): () => number {
  const simStart = (h!.sim.admin.state() as unknown as { timeMs: number }).timeMs;
  const wallStart = Date.now();
  return () => simStart + shiftMs + (Date.now() - wallStart);
}

/** A logger that keeps its lines (the JSON objects) for the assertions. */
function capture() {
  const lines: { msg: string; [k: string]: unknown }[] = [];
  const out = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n')) if (l.trim()) lines.push(JSON.parse(l) as { msg: string });
      cb();
    },
  });
  return { log: createLogger('debug', out), lines };
}

const entryPosts = () => h!.sim.admin.requests().filter((r) => r.method === 'POST' && r.path === '/fapi/v1/order' && String(r.clientOrderId ?? '').endsWith('-entry'));

async function newBot(config: ReturnType<typeof testConfig>, log: ReturnType<typeof capture>['log'], now: () => number) {
  const bot = new TradingBot({ config, exchange: h!.ex, store: h!.store, log, now });
  await bot.start();
  return bot;
}

/** A long at 60000 stopped out at 2 %: 0.01 BTC loses about 12 USDT plus fees. */
async function losingTrade(bot: TradingBot, n: number): Promise<void> {
  const t = bot.traders[0]!;
  h!.sim.admin.setPrice('BTCUSDT', 60000, true);
  await t.onSignal({ side: 'long', timeMs: T + n * 3_600_000, reason: 'test' });
  expect(t.position).not.toBeNull();
  h!.sim.admin.setPrice('BTCUSDT', 58700);
  const end = Date.now() + 8000;
  while (t.position !== null && Date.now() < end) {
    await bot.step();
    if (t.position?.status === 'closed') t.position = null;
    await sleep(100);
  }
  expect(h!.store.openPositions()).toEqual([]);
}

describe('risk limits on the simulator', () => {
  it('a daily loss limit hit stops new entries, logged once, and survives a restart; the next UTC day allows again', async () => {
    const config = testConfig({ risk_limits: { daily_loss_limit: 20 } });
    h = await startHarness(config, { seed: 3 });
    const first = capture();
    const bot = await newBot(config, first.log, simClock());
    await losingTrade(bot, 1);
    await losingTrade(bot, 2);
    const trades = h.store.tradeHistory();
    expect(trades).toHaveLength(2);
    expect(trades.reduce((s, t) => s + t.pnl, 0)).toBeLessThan(-20);
    const posts = entryPosts().length;
    expect(posts).toBe(2);

    // Two more signals: no entry order reaches the exchange; one risk.limit_hit line for both.
    h.sim.admin.setPrice('BTCUSDT', 60000, true);
    await bot.traders[0]!.onSignal({ side: 'long', timeMs: T + 3 * 3_600_000, reason: 'test' });
    await bot.traders[0]!.onSignal({ side: 'short', timeMs: T + 4 * 3_600_000, reason: 'test' });
    expect(entryPosts()).toHaveLength(posts);
    expect(bot.traders[0]!.position).toBeNull();
    const hits = first.lines.filter((l) => l.msg === 'risk.limit_hit');
    expect(hits).toHaveLength(1);
    expect(hits[0]).toMatchObject({ limit: 'daily_loss_limit', symbol: 'BTCUSDT' });
    expect(h.store.riskLimitHit()).toMatchObject({ limit: 'daily_loss_limit' });
    bot.stop();

    // Restart over the same store file, on the same UTC day as the losses.
    const lastClose = Math.max(...trades.map((t) => t.closedAtMs!));
    const endOfDay = utcDayStartMs(lastClose) + DAY - 1;
    h.store.close();
    h.store = openStore(h.dbPath);
    const second = capture();
    const clock = simClock();
    const again = await newBot(config, second.log, () => Math.min(clock(), endOfDay));
    await again.traders[0]!.onSignal({ side: 'long', timeMs: T + 5 * 3_600_000, reason: 'test' });
    expect(entryPosts()).toHaveLength(posts);
    expect(again.traders[0]!.position).toBeNull();
    // The hit was stored before the restart: not logged again as new.
    expect(second.lines.filter((l) => l.msg === 'risk.limit_hit')).toHaveLength(0);
    expect(second.lines.filter((l) => l.msg === 'entry.skipped_risk_limit')).toHaveLength(1);
    again.stop();

    // The next UTC day on the exchange's clock (the market moves on past midnight: the newest closed
    // candle ends on 2 January): the day's realised loss is 0 again, the entry goes out.
    h.sim.admin.step({ candles: 26 });
    const third = capture();
    const tomorrow = await newBot(config, third.log, simClock());
    await tomorrow.traders[0]!.onSignal({ side: 'long', timeMs: T + 6 * 3_600_000, reason: 'test' });
    expect(entryPosts()).toHaveLength(posts + 1);
    expect(tomorrow.traders[0]!.position).not.toBeNull();
    expect(third.lines.some((l) => l.msg === 'risk.limit_cleared')).toBe(true);
    expect(h.store.riskLimitHit()).toBeNull();
    tomorrow.stop();
  }, 60_000);

  it('the day is the exchange’s: a bot on its own (wall) clock against a simulator replaying 2024 stops entries at the daily loss limit', async () => {
    const config = testConfig({ risk_limits: { daily_loss_limit: 20 } });
    h = await startHarness(config, { seed: 3 });
    const c = capture();
    const bot = await newBot(config, c.log, () => Date.now());
    await losingTrade(bot, 1);
    await losingTrade(bot, 2);
    // The fills carry the simulator's market time, years before the bot's clock.
    expect(Math.max(...h.store.tradeHistory().map((t) => t.closedAtMs!))).toBeLessThan(Date.now() - 100 * DAY);
    const posts = entryPosts().length;
    h.sim.admin.setPrice('BTCUSDT', 60000, true);
    await bot.traders[0]!.onSignal({ side: 'long', timeMs: T + 3 * 3_600_000, reason: 'test' });
    expect(entryPosts()).toHaveLength(posts);
    expect(c.lines.filter((l) => l.msg === 'risk.limit_hit')).toHaveLength(1);
    bot.stop();
  }, 60_000);

  it('a weekly timeframe: "today" is the bot’s clock while the newest weekly candle ended within one candle of it (a Wednesday loss does not refuse a Friday entry)', async () => {
    const WED = Date.UTC(2026, 0, 7, 10);
    const config = testConfig({ timeframe: '1w', risk_limits: { daily_loss_limit: 5 } });
    h = await startHarness(config, { seed: 3, startMs: WED });
    const c = capture();
    const bot = await newBot(config, c.log, simClock());
    await losingTrade(bot, 1);
    const posts = entryPosts().length;
    bot.stop();
    // Friday, two days on: the newest weekly candle (closed Monday) is still the newest.
    const friday = await newBot(config, c.log, simClock(2 * DAY));
    h.sim.admin.setPrice('BTCUSDT', 60000, true);
    await friday.traders[0]!.onSignal({ side: 'long', timeMs: WED + 2 * DAY, reason: 'test' });
    expect(entryPosts()).toHaveLength(posts + 1);
    expect(c.lines.filter((l) => l.msg === 'risk.limit_hit')).toHaveLength(0);
    friday.stop();
  }, 60_000);

  it('max_total_notional counts the new entry: 0.01 BTC at 60000 (600) above a 500 limit sends nothing', async () => {
    const config = testConfig({ risk_limits: { max_total_notional: 500, max_drawdown_pct: 50 } });
    h = await startHarness(config, { seed: 3 });
    h.sim.admin.setPrice('BTCUSDT', 60000, true);
    const c = capture();
    const bot = await newBot(config, c.log, simClock());
    await bot.traders[0]!.onSignal({ side: 'long', timeMs: T, reason: 'test' });
    expect(entryPosts()).toHaveLength(0);
    expect(c.lines.find((l) => l.msg === 'risk.limit_hit')).toMatchObject({ limit: 'max_total_notional' });
    // The equity peak was kept for the drawdown limit.
    expect(h.store.equityPeak('USDT')?.peak).toBeGreaterThan(0);
    bot.stop();
  }, 30_000);

  it('max_total_notional counts an entry not booked yet (executed, its answer lost): 600 in doubt on BTCUSDT + 600 on ETHUSDT above 1000 sends no ETH entry', async () => {
    const config = testConfig({ symbols: ['BTC/USDT:USDT', 'ETH/USDT:USDT'], position_size: { mode: 'quote', value: 600 }, risk_limits: { max_total_notional: 1000 } });
    h = await startHarness(config, { seed: 3 });
    h.sim.admin.setPrice('BTCUSDT', 60000, true);
    h.sim.admin.setPrice('ETHUSDT', 3000, true);
    const c = capture();
    const bot = await newBot(config, c.log, simClock());
    h.sim.admin.setFaults({ rules: [{ kind: 'error5xx', status: 500, processed: true, method: 'POST', path: '/fapi/v1/order', count: 1 }, { kind: 'error5xx', status: 503, method: 'GET', path: '/fapi/v1/order' }] });
    await bot.traders[0]!.onSignal({ side: 'long', timeMs: T, reason: 'test' });
    expect(bot.traders[0]!.position).toBeNull(); // in doubt: 0.01 BTC held on the exchange
    await bot.traders[1]!.onSignal({ side: 'long', timeMs: T, reason: 'test' });
    expect(entryPosts().map((r) => String(r.clientOrderId).split('-')[0])).toEqual(['BTCUSDT']);
    expect(c.lines.find((l) => l.msg === 'risk.limit_hit')).toMatchObject({ limit: 'max_total_notional' });
    h.sim.admin.clearFaults();
    bot.stop();
  }, 30_000);

  it('max_drawdown_pct is measured from the stored peak: 10000 is 16.67 % below a 12000 seen before, refused before and after a restart', async () => {
    const config = testConfig({ risk_limits: { max_drawdown_pct: 15 } });
    h = await startHarness(config, { seed: 3, balance: 10_000 });
    h.sim.admin.setPrice('BTCUSDT', 60000, true);
    h.store.raiseEquityPeak('USDT', 12_000, T); // an earlier run saw 12000
    const c = capture();
    const bot = await newBot(config, c.log, simClock());
    await bot.traders[0]!.onSignal({ side: 'long', timeMs: T, reason: 'test' });
    expect(entryPosts()).toHaveLength(0);
    expect(c.lines.find((l) => l.msg === 'risk.limit_hit')).toMatchObject({ limit: 'max_drawdown_pct', detail: 'equity 10000 is 16.67 % below its peak 12000, the limit is 15 %', until: null });
    bot.stop();
    h.store.close();
    h.store = openStore(h.dbPath);
    const again = await newBot(config, capture().log, simClock());
    await again.traders[0]!.onSignal({ side: 'long', timeMs: T + 3_600_000, reason: 'test' });
    expect(entryPosts()).toHaveLength(0);
    expect(h.store.equityPeak('USDT')?.peak).toBe(12_000);
    again.stop();
  }, 30_000);
});
