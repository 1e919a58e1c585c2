import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/bot/logger.ts';
import { TradingBot } from '../../src/bot/trading-bot.ts';
import { type BotNotifications, startBotNotifications } from '../../src/cli/bot-notifications.ts';
import { type Harness, startHarness, testConfig } from '../support/bot-harness.ts';
import { type WebhookReceiver, startWebhookReceiver } from './support/webhook-receiver.ts';

/**
 * The bot's own notifications through the real wiring of `ladder live` (startBotNotifications): the
 * trading bot on the simulator, its store and port from the notifier, a webhook receiver on loopback.
 */
let h: Harness | null = null;
let hook: WebhookReceiver | null = null;
let n: BotNotifications | null = null;
afterEach(async () => {
  await n?.stop();
  await h?.close();
  await hook?.close();
  h = null;
  hook = null;
  n = null;
});
const T = Date.UTC(2026, 0, 1);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function botWithNotify(over: Record<string, unknown>, simOpts: Record<string, unknown> = {}, notify: Record<string, unknown> = {}): Promise<TradingBot> {
  hook = await startWebhookReceiver();
  const config = testConfig({ ...over, notify: { webhook: { url: hook.url }, ...notify } });
  h = await startHarness(config, { seed: 3, ...simOpts });
  n = await startBotNotifications({ config, store: h.store, exchange: h.ex, log: silentLogger() });
  const now = (() => {
    const simStart = (h.sim.admin.state() as unknown as { timeMs: number }).timeMs;
    const wallStart = Date.now();
    return () => simStart + (Date.now() - wallStart);
  })();
  const retry = { attempts: 2, baseDelayMs: 1, maxDelayMs: 5, sleep: async () => undefined };
  const bot = new TradingBot({ config, exchange: n.exchange, store: n.store, log: silentLogger(), now, retry, ...(n.onAlert ? { onAlert: n.onAlert } : {}) });
  await bot.start();
  return bot;
}

/** Steps the bot until `done` (at most 8 s). */
async function stepUntil(bot: TradingBot, done: () => boolean): Promise<void> {
  const end = Date.now() + 8000;
  while (!done() && Date.now() < end) {
    await bot.step();
    await sleep(50);
  }
}

const kinds = () => hook!.unique.map((r) => `${r.body['type']}${(r.body['data'] as { kind?: string }).kind ? `:${(r.body['data'] as { kind: string }).kind}` : ''}`);

describe('the bot notifies what it does ([operate] 5)', () => {
  it('a stopped-out trade (entry, exit), then a daily loss limit hit, each told once', async () => {
    const bot = await botWithNotify({ risk_limits: { daily_loss_limit: 5 } });
    const t = bot.traders[0]!;
    h!.sim.admin.setPrice('BTCUSDT', 60000, true);
    await t.onSignal({ side: 'long', timeMs: T + 3_600_000, reason: 'test' });
    h!.sim.admin.setPrice('BTCUSDT', 58700); // through the 2 % stop
    await stepUntil(bot, () => h!.store.openPositions().length === 0);
    await t.onSignal({ side: 'long', timeMs: T + 2 * 3_600_000, reason: 'test' }); // refused: the day lost more than 5
    await t.onSignal({ side: 'long', timeMs: T + 3 * 3_600_000, reason: 'test' }); // refused again: not told again
    await hook!.waitForUnique(3);
    await sleep(300);
    expect(kinds()).toEqual(['entry', 'exit', 'risk']);
    const exit = hook!.unique[1]!.body['data'] as { reason: string; pnl: number; levelsHit: number[] };
    expect(exit.reason).toBe('stop');
    expect(exit.pnl).toBeLessThan(-5);
    expect(exit.levelsHit).toEqual([]);
    expect(hook!.unique[2]!.body['data']).toMatchObject({ type: 'risk', limit: 'daily_loss_limit' });
  });

  it('a position closed by hand is told as a change outside Ladder, then its exit', async () => {
    const bot = await botWithNotify({});
    const t = bot.traders[0]!;
    h!.sim.admin.setPrice('BTCUSDT', 60000, true);
    await t.onSignal({ side: 'long', timeMs: T + 3_600_000, reason: 'test' });
    expect(t.position).not.toBeNull();
    await h!.ex.createOrder({ symbol: 'BTCUSDT', side: 'sell', type: 'market', amountSteps: 10 as never, reduceOnly: true, clientOrderId: 'web_close_1' });
    await stepUntil(bot, () => h!.store.openPositions().length === 0);
    await hook!.waitForUnique(3);
    expect(kinds()).toEqual(['entry', 'alert:reconciled', 'exit']);
    expect((hook!.unique[1]!.body['text'] as string)).toMatch(/^⚠️ BTCUSDT: position changed outside Ladder: 0\.01 of the long position closed outside Ladder/);
    expect(hook!.unique[2]!.body['data']).toMatchObject({ reason: 'manual' });
  });

  it('an entry refused for lack of margin is an insufficient-margin alert, once per signal (each skipped signal is said; the next one is tried again)', async () => {
    const bot = await botWithNotify({ position_size: { mode: 'base', value: 1 } }, { balance: 100 }); // 1 BTC on 100 USDT at 5x
    const t = bot.traders[0]!;
    h!.sim.admin.setPrice('BTCUSDT', 60000, true);
    await t.onSignal({ side: 'long', timeMs: T + 3_600_000, reason: 'test' });
    await t.onSignal({ side: 'short', timeMs: T + 2 * 3_600_000, reason: 'test' }); // tried, refused too: its own alert
    await bot.step();
    await hook!.waitForUnique(2);
    await sleep(300);
    expect(kinds()).toEqual(['alert:insufficient_margin', 'alert:insufficient_margin']);
    expect(hook!.unique[0]!.body['text']).toMatch(/^⚠️ BTCUSDT: insufficient margin: entry refused for lack of margin .*the long signal .* is not traded; the next signal is tried again/);
    expect(hook!.unique[1]!.body['text']).toMatch(/the short signal/);
  });

  it('a strategy that throws is a strategy-error alert, once for the same error', async () => {
    const bot = await botWithNotify({ strategy: { name: 'module', path: join(import.meta.dirname, 'support/throwing-strategy.mjs') } });
    h!.sim.admin.step({ candles: 1 });
    await bot.step();
    h!.sim.admin.step({ candles: 1 });
    await bot.step();
    await hook!.waitForUnique(1);
    await sleep(300);
    expect(kinds()).toEqual(['alert:strategy_error']);
    expect(hook!.unique[0]!.body['text']).toMatch(/^⚠️ BTCUSDT: strategy error: the strategy threw on a candle: .*throwing-strategy\.mjs:\d+: onCandle threw on candle \d+ .*: indicator blew up: division by zero \(no entry on that candle/);
  });

  it('an exchange that does not answer for exchange_unreachable_after_s is an alert, and so is its first answer after', async () => {
    const bot = await botWithNotify({}, {}, { exchange_unreachable_after_s: 1 });
    h!.sim.admin.setFaults({ kind: 'error5xx', status: 503 });
    const end = Date.now() + 2500;
    while (Date.now() < end) {
      await bot.step(); // every read fails; the bot logs and goes on
      await sleep(100);
    }
    h!.sim.admin.clearFaults();
    await bot.step();
    await hook!.waitForUnique(2);
    expect(kinds()).toEqual(['alert:exchange_unreachable', 'alert:exchange_reachable']);
    expect(hook!.unique[0]!.body['text']).toMatch(/^⚠️ exchange unreachable: no answer from binanceusdm since .+ \(\d+ s; last error: /);
    expect(hook!.unique[1]!.body['symbol']).toBeNull();
  });
});

describe('the API key refused (-2015) while the exchange answers ([operate] 5)', () => {
  it('every signed call refused: one alert at once (the exchange answers, so no outage would be told), none per step, and one when the key is taken again', async () => {
    const bot = await botWithNotify({});
    const t = bot.traders[0]!;
    h!.sim.admin.setPrice('BTCUSDT', 60000, true);
    await t.onSignal({ side: 'long', timeMs: T + 3_600_000, reason: 'test' });
    expect(t.position).not.toBeNull();
    // The key's IP list changed (or Binance bans this IP): the account's endpoints answer -2015, the market's answer.
    const signed = ['/fapi/v2/*', '/fapi/v3/*', '/fapi/v1/order', '/fapi/v1/openOrders', '/fapi/v1/algoOrder', '/fapi/v1/openAlgoOrders', '/fapi/v1/userTrades', '/fapi/v1/income', '/fapi/v1/allOrders'];
    h!.sim.admin.setFaults({ rules: signed.map((path) => ({ kind: 'reject', status: 401, code: -2015, path })) });
    for (let i = 0; i < 6; i++) {
      await bot.step();
      await sleep(100);
    }
    expect(h!.sim.admin.requests().some((r) => r.status === 401)).toBe(true);
    h!.sim.admin.clearFaults();
    await bot.step();
    await hook!.waitForUnique(3);
    await sleep(200);
    // (the trader's own alert beside them: the stop it could not confirm was refused too, and is placed again)
    expect(kinds().filter((k) => k.startsWith('alert:exchange'))).toEqual(['alert:exchange_unreachable', 'alert:exchange_reachable']);
    const texts = hook!.unique.map((u) => String(u.body['text']));
    expect(texts.find((x) => x.includes('exchange unreachable'))).toMatch(/^⚠️ exchange unreachable: binanceusdm refuses the API key: nothing of the account can be read or sent .*-2015/);
    expect(texts.find((x) => x.includes('reachable again'))).toMatch(/binanceusdm takes the API key again$/);
  });
});

describe('an IP ban (HTTP 418) is told once, and nothing is sent or cancelled during it (R6.4, [operate] 5)', () => {
  it('another program on this IP got it banned: one alert naming the ban and its end, the position keeps its exchange stop, one alert when the exchange answers again', async () => {
    const bot = await botWithNotify({}, { rateLimits: { banSec: 3 } });
    const t = bot.traders[0]!;
    h!.sim.admin.setPrice('BTCUSDT', 60000, true);
    await t.onSignal({ side: 'long', timeMs: T + 3_600_000, reason: 'test' });
    const stops = () => h!.state().openAlgoOrders.map((a) => a.clientAlgoId);
    const stopBefore = stops();
    expect(stopBefore).toHaveLength(1);
    // Another program on the same IP ignores a 429 (its next request, a second later, is banned).
    h!.sim.admin.setFaults({ rules: [{ kind: 'rateLimit', path: '/fapi/v1/time', retryAfterSec: 30, count: 1 }] });
    expect((await fetch(`${h!.sim.url}/fapi/v1/time`, { headers: { connection: 'close' } })).status).toBe(429);
    await sleep(1100);
    expect((await fetch(`${h!.sim.url}/fapi/v1/time`, { headers: { connection: 'close' } })).status).toBe(418);
    const bannedAt = Date.now();
    const logFrom = h!.sim.admin.requests().length;
    while (Date.now() - bannedAt < 4500) {
      await bot.step();
      await sleep(50);
    }
    await hook!.waitForUnique(3);
    await sleep(200);
    expect(kinds()).toEqual(['entry', 'alert:exchange_unreachable', 'alert:exchange_reachable']);
    expect(hook!.unique[1]!.body['text']).toMatch(/^⚠️ exchange unreachable: binanceusdm banned this IP \(HTTP 418\) until \d{4}-\d\d-\d\dT[\d:.]+Z/);
    const during = h!.sim.admin.requests().slice(logFrom).filter((r) => r.status === 418);
    expect(during.length).toBeLessThanOrEqual(1); // the one that found the ban; everything else waited for its end
    expect(h!.sim.admin.requests().slice(logFrom).filter((r) => r.method === 'DELETE')).toEqual([]);
    expect(stops()).toEqual(stopBefore);
  });
});
