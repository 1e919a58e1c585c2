import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkSettleBalances } from '../../src/bot/account-checks.ts';
import { TradingBot } from '../../src/bot/trading-bot.ts';
import { ccxtForSimulator } from '../../src/sim/ccxt-client.ts';
import { CcxtExchange } from '../../src/exchange/ccxt/ccxt-exchange.ts';
import { WeightBudget } from '../../src/exchange/ccxt/weight-budget.ts';
import { type Harness, startHarness, testConfig } from '../support/bot-harness.ts';
import { recordingLogger } from '../support/log-lines.ts';
import { tempDir } from '../support/temp-dir.ts';

/** [operate] 1: the account checks of `TradingBot.start`, against the simulator over ccxt. */
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** A second ccxt client on the simulator: the account owner changing settings by hand. */
function owner(hh: Harness) {
  const c = ccxtForSimulator(hh.sim.url, { apiKey: hh.sim.apiKey, secret: hh.sim.apiSecret });
  c.enableRateLimit = false;
  return c;
}

/** The bot's log lines, parsed (the shared recording logger). */
function memoryLogger() {
  const { log, records } = recordingLogger();
  return { log, entries: records as (Record<string, unknown> & { msg: string })[] };
}

const symbolConfig = (hh: Harness, s: string) => hh.sim.admin.accountConfig().symbols[s];

/** The harness with its bot replaced by one whose log lines are kept, started; its retries do not sleep. */
async function recordedBot(config: ReturnType<typeof testConfig>): Promise<{ bot: TradingBot; entries: (Record<string, unknown> & { msg: string })[] }> {
  h = await startHarness(config);
  h.sim.admin.setPrice('BTCUSDT', 60000, true);
  const { log, entries } = memoryLogger();
  const bot = new TradingBot({ config, exchange: h.ex, store: h.store, log, retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 5, sleep: async () => {} } });
  h.bot = bot;
  await bot.start();
  return { bot, entries };
}

describe('account checks at start', () => {
  it('refuses hedge mode, saying how to switch to one-way; nothing is changed on the account', async () => {
    h = await startHarness(testConfig());
    const c = owner(h);
    await c.setPositionMode(true);
    await c.close();
    await expect(h.bot.start()).rejects.toThrow(/hedge mode \(dualSidePosition\); Ladder trades one-way positions only\. Switch it to one-way mode .*Position Mode > One-way Mode/);
    expect(symbolConfig(h, 'BTCUSDT')).toEqual({ leverage: 20, marginType: 'CROSSED' });
    expect(h.bot.traders).toHaveLength(0);
  });

  it('refuses Multi-Assets mode, saying how to switch to single-asset', async () => {
    h = await startHarness(testConfig());
    const c = owner(h);
    await (c as unknown as { fapiPrivatePostMultiAssetsMargin(p: Record<string, string>): Promise<unknown> }).fapiPrivatePostMultiAssetsMargin({ multiAssetsMargin: 'true' });
    await c.close();
    await expect(h.bot.start()).rejects.toThrow(/Multi-Assets margin mode.*Single-Asset Mode/);
    expect(symbolConfig(h, 'BTCUSDT')!.marginType).toBe('CROSSED');
  });

  it('sets the configured margin mode and leverage on every symbol; a restart finds them set (-4046 is no error)', async () => {
    const config = testConfig({ symbols: ['BTC/USDT:USDT', 'ETH/USDT:USDT'], leverage: 7 });
    h = await startHarness(config);
    await h.bot.start();
    expect(symbolConfig(h, 'BTCUSDT')).toEqual({ leverage: 7, marginType: 'ISOLATED' });
    expect(symbolConfig(h, 'ETHUSDT')).toEqual({ leverage: 7, marginType: 'ISOLATED' });
    const again = new TradingBot({ config, exchange: h.ex, store: h.store, log: memoryLogger().log });
    await again.start();
    expect(h.sim.admin.requests().filter((r) => r.path === '/fapi/v1/marginType').map((r) => r.code ?? r.status)).toEqual([200, 200, -4046, -4046]);
  });

  it('margin_mode "cross" is set as CROSSED', async () => {
    h = await startHarness(testConfig({ margin_mode: 'cross' }));
    const c = owner(h);
    await c.loadMarkets();
    await c.setMarginMode('isolated', 'BTC/USDT:USDT');
    await c.close();
    await h.bot.start();
    expect(symbolConfig(h, 'BTCUSDT')!.marginType).toBe('CROSSED');
  });

  it('a position already open keeps its margin mode: warned, and the bot starts to manage it', async () => {
    h = await startHarness(testConfig());
    h.sim.admin.setPrice('BTCUSDT', 60000);
    const c = owner(h);
    await c.loadMarkets();
    await c.createOrder('BTC/USDT:USDT', 'market', 'buy', 0.01, undefined, { clientOrderId: 'by-hand' });
    await c.close();
    const { log, entries } = memoryLogger();
    const bot = new TradingBot({ config: testConfig(), exchange: h.ex, store: h.store, log });
    await bot.start();
    expect(symbolConfig(h, 'BTCUSDT')!.marginType).toBe('CROSSED');
    expect(entries.find((e) => e.msg === 'account.margin_mode_kept')).toMatchObject({ symbol: 'BTCUSDT', marginMode: 'isolated' });
    expect(bot.traders).toHaveLength(1);
  });

  it('a restart with a lower leverage in the config while a position is open in isolated margin, refused by Binance (-4161): warned, and the bot starts to manage the position (before: it refused to start, the position left without its ladder)', async () => {
    h = await startHarness(testConfig({ leverage: 10 }), { seed: 3 });
    h.sim.admin.setPrice('BTCUSDT', 60000, true);
    await h.bot.start();
    await h.trader('BTCUSDT').onSignal({ side: 'long', timeMs: Date.UTC(2026, 0, 1), reason: 'test' });
    const id = h.trader('BTCUSDT').position!.id;
    h.bot.stop();
    // Binance refuses a leverage reduction of an isolated position while it is open.
    h.sim.admin.setFaults({ rules: [{ kind: 'reject', code: -4161, msg: 'Leverage reduction is not supported in Isolated Margin Mode with open positions.', method: 'POST', path: '/fapi/v1/leverage' }] });
    const { log, entries } = memoryLogger();
    const bot = new TradingBot({ config: testConfig({ leverage: 5 }), exchange: h.ex, store: h.store, log, retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 5, sleep: async () => {} } });
    h.bot = bot;
    await bot.start();
    expect(entries.find((e) => e.msg === 'account.leverage_kept')).toMatchObject({ symbol: 'BTCUSDT', leverage: 5 });
    const t = bot.traders[0]!;
    expect(t.position?.id).toBe(id);
    h.sim.admin.setPrice('BTCUSDT', 60700); // TP1
    await bot.step();
    expect(t.position!.tpLevelsHit).toEqual([1]);
  });

  it('the margin mode kept for an open position is set before the first entry once the symbol is flat, not left until a restart', async () => {
    h = await startHarness(testConfig());
    h.sim.admin.setPrice('BTCUSDT', 60000, true);
    const c = owner(h);
    await c.loadMarkets();
    await c.createOrder('BTC/USDT:USDT', 'market', 'buy', 0.01, undefined, { clientOrderId: 'by-hand' });
    const { log, entries } = memoryLogger();
    const bot = new TradingBot({ config: testConfig(), exchange: h.ex, store: h.store, log });
    await bot.start();
    expect(symbolConfig(h, 'BTCUSDT')!.marginType).toBe('CROSSED'); // kept: a position is open
    await c.createOrder('BTC/USDT:USDT', 'market', 'sell', 0.01, undefined, { clientOrderId: 'by-hand-close', reduceOnly: true });
    await c.close();
    await bot.step();
    await bot.traders[0]!.onSignal({ side: 'long', timeMs: Date.UTC(2026, 0, 1), reason: 'test' });
    expect(bot.traders[0]!.position?.side).toBe('long');
    expect(symbolConfig(h, 'BTCUSDT')!.marginType).toBe('ISOLATED');
    // Set before the entry went out: the long is isolated from its first fill.
    const posts = h.sim.admin.requests().filter((r) => r.method === 'POST' && (r.path === '/fapi/v1/marginType' || r.path === '/fapi/v1/order'));
    expect(posts.map((r) => [r.path, r.code ?? r.status])).toEqual([
      ['/fapi/v1/order', 200],
      ['/fapi/v1/marginType', -4048],
      ['/fapi/v1/order', 200],
      ['/fapi/v1/marginType', 200],
      ['/fapi/v1/order', 200],
    ]);
    expect(entries.filter((e) => e.msg === 'account.margin_mode_set').map((e) => e['symbol'])).toEqual(['BTCUSDT']);
  });

  it('a signal whose stop distance is under one tick (its own ATR stop, 0.0001 % of 60,000 against the 0.1 tick): not sent, as the backtest skips it (before: entered with its stop on the entry price, stopped out at once for the fees)', async () => {
    const { bot, entries } = await recordedBot(testConfig());
    const t = bot.traders[0]!;
    await t.onSignal({ side: 'long', timeMs: Date.UTC(2026, 0, 1), reason: 'test', stopLossPct: 0.0001 });
    expect(h!.sim.admin.requests().filter((r) => r.method === 'POST' && r.path === '/fapi/v1/order')).toEqual([]);
    expect(t.position).toBeNull();
    expect(t.halted).toBeNull();
    const skipped = entries.filter((e) => e.msg === 'entry.skipped_plan_error');
    expect(skipped.map((e) => e['code'])).toEqual(['stop_at_entry']);
    expect(String(skipped[0]!['message'])).toContain('at or past the entry');
    // The next signal with a real stop enters.
    await t.onSignal({ side: 'long', timeMs: Date.UTC(2026, 0, 1, 1), reason: 'test' });
    expect(t.position?.side).toBe('long');
  });

  it('an entry checked at 60,000 (a 0.00017 % stop: 0.102, one tick) fills at 58,000, where that stop is under a tick: the stop goes one tick past the fill, said once (before: the symbol halted with the filled long and no stop)', async () => {
    const { bot, entries } = await recordedBot(testConfig());
    const t = bot.traders[0]!;
    const reads = () => h!.sim.admin.requests().filter((r) => r.method === 'GET' && r.path.includes('positionRisk')).length;
    const before = reads();
    // The entry order waits 800 ms in the simulator; the price gaps down once the bot has read the position (its last read before sending).
    h!.sim.admin.setFaults({ rules: [{ kind: 'latency', ms: 800, method: 'POST', path: '/fapi/v1/order', count: 1 }] });
    const signal = t.onSignal({ side: 'long', timeMs: Date.UTC(2026, 0, 1), reason: 'test', stopLossPct: 0.00017 });
    for (let i = 0; i < 400 && reads() === before; i++) await new Promise((r) => setTimeout(r, 5));
    h!.sim.admin.setPrice('BTCUSDT', 58000, true);
    await signal;
    await bot.step();
    expect(t.halted).toBeNull();
    expect(t.position?.side).toBe('long');
    expect(t.position?.entryPrice).toBe(58000);
    expect(t.position?.stopPrice).toBe(57999.9);
    expect(h!.state().openAlgoOrders.map((a) => a.triggerPrice)).toEqual(['57999.9']);
    const widened = entries.filter((e) => e.msg === 'entry.stop_widened_to_one_tick');
    expect(widened.map((e) => e['stop'])).toEqual([57999.9]);
    expect(entries.filter((e) => e.msg === 'entry.skipped_plan_error')).toEqual([]);
  }, 15_000);

  it('the margin mode switched to cross by hand while the bot runs flat: set back to isolated before the next entry (before: the long went out in cross margin)', async () => {
    h = await startHarness(testConfig());
    h.sim.admin.setPrice('BTCUSDT', 60000, true);
    const { log, entries } = memoryLogger();
    const bot = new TradingBot({ config: testConfig(), exchange: h.ex, store: h.store, log });
    await bot.start();
    const c = owner(h);
    await c.loadMarkets();
    await c.setMarginMode('cross', 'BTC/USDT:USDT');
    await c.close();
    expect(symbolConfig(h, 'BTCUSDT')!.marginType).toBe('CROSSED');
    await bot.traders[0]!.onSignal({ side: 'long', timeMs: Date.UTC(2026, 0, 1), reason: 'test' });
    expect(bot.traders[0]!.position?.side).toBe('long');
    expect(symbolConfig(h, 'BTCUSDT')!.marginType).toBe('ISOLATED');
    const posts = h.sim.admin.requests().filter((r) => r.method === 'POST' && (r.path === '/fapi/v1/marginType' || r.path === '/fapi/v1/order'));
    expect(posts.map((r) => [r.path, r.code ?? r.status])).toEqual([
      ['/fapi/v1/marginType', 200], // start
      ['/fapi/v1/marginType', 200], // the owner's switch to cross
      ['/fapi/v1/marginType', 200], // set back before the entry
      ['/fapi/v1/order', 200],
    ]);
    expect(entries.filter((e) => e.msg === 'account.margin_mode_set').map((e) => e['symbol'])).toEqual(['BTCUSDT', 'BTCUSDT']);
    // The next entry from flat asks again; already isolated, the exchange says -4046, nothing is said.
    await bot.traders[0]!.closePosition('test');
    await bot.traders[0]!.onSignal({ side: 'short', timeMs: Date.UTC(2026, 0, 1, 1), reason: 'test' });
    expect(h.sim.admin.requests().filter((r) => r.path === '/fapi/v1/marginType').map((r) => r.code ?? r.status).at(-1)).toBe(-4046);
    expect(entries.filter((e) => e.msg === 'account.margin_mode_set')).toHaveLength(2);
  });

  it('the leverage raised to 100× by hand while the bot runs flat: set back to the config\'s 5× before the next entry, so its 2 % stop comes before liquidation (before: the long went out at 100×)', async () => {
    h = await startHarness(testConfig());
    h.sim.admin.setPrice('BTCUSDT', 60000, true);
    const { log } = memoryLogger();
    const bot = new TradingBot({ config: testConfig(), exchange: h.ex, store: h.store, log, retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 5, sleep: async () => {} } });
    await bot.start();
    const c = owner(h);
    await c.loadMarkets();
    await c.setLeverage(100, 'BTC/USDT:USDT');
    expect(symbolConfig(h, 'BTCUSDT')!.leverage).toBe(100);
    const t = bot.traders[0]!;
    await t.onSignal({ side: 'long', timeMs: Date.UTC(2026, 0, 1), reason: 'test' });
    expect(t.position?.side).toBe('long');
    expect(symbolConfig(h, 'BTCUSDT')!.leverage).toBe(5);
    const posts = h.sim.admin.requests().filter((r) => r.method === 'POST' && (r.path === '/fapi/v1/leverage' || r.path === '/fapi/v1/order'));
    expect(posts.slice(-2).map((r) => r.path)).toEqual(['/fapi/v1/leverage', '/fapi/v1/order']); // set before the entry
    await c.close();
  });

  /**
   * Each answer the margin-mode or leverage call before an entry from flat may get, the owner having
   * raised the leverage to 100× and switched to cross by hand meanwhile: no definitive answer (a 5xx,
   * with or without a code in its body; a timeout) leaves the setting unknown, so the entry waits and asks
   * again (before: it went out at 100× in cross margin, said only as account.leverage_failed); a
   * definitive refusal drops the signal with an alert (before: sent into the unwanted setting).
   */
  for (const [call, path] of [['margin-mode', '/fapi/v1/marginType'], ['leverage', '/fapi/v1/leverage']] as const) {
    for (const [answer, rule] of [
      ['a 503 before it was done', { kind: 'error5xx', status: 503 }],
      ['a 500 after it was done', { kind: 'error5xx', status: 500, processed: true }],
      ['a 502 whose body carries -4046', { kind: 'error5xx', status: 502, code: -4046 }],
      ['a timeout', { kind: 'drop', mode: 'hang' }],
    ] as const) {
      it(`the ${call} call before an entry from flat answered ${answer}: the entry waits, nothing is sent at the owner's 100× cross, and it goes out once the call answers`, async () => {
        const { bot, entries } = await recordedBot(testConfig({ webhook: { max_lag_s: 30 } }));
        const c = owner(h!);
        await c.loadMarkets();
        await c.setLeverage(100, 'BTC/USDT:USDT');
        await c.setMarginMode('cross', 'BTC/USDT:USDT');
        await c.close();
        (h!.ex as unknown as { ex: { timeout: number } }).ex.timeout = 700;
        h!.sim.admin.setFaults({ rules: [{ ...rule, method: 'POST', path, count: 1 }] });
        const t = bot.traders[0]!;
        await t.onSignal({ side: 'long', timeMs: Date.UTC(2026, 0, 1), reason: 'test' }, Date.now());
        const orders = () => h!.sim.admin.requests().filter((r) => r.method === 'POST' && r.path === '/fapi/v1/order');
        expect(orders()).toEqual([]);
        expect(t.position).toBeNull();
        expect(entries.filter((e) => e.msg === 'entry.waiting_for_account_settings').map((e) => e['setting'])).toEqual([call === 'leverage' ? 'leverage' : 'margin_mode']);
        expect(entries.filter((e) => e.msg === 'entry.refused')).toEqual([]);
        await bot.step();
        expect(t.position?.side).toBe('long');
        expect(orders().map((r) => r.status)).toEqual([200]);
        expect(symbolConfig(h!, 'BTCUSDT')).toEqual({ leverage: 5, marginType: 'ISOLATED' });
      }, 15_000);
    }

    it(`the ${call} call before an entry from flat refused for good (a 400 with the exchange's code): the signal is not traded, with one alert; the next signal tries again`, async () => {
      const { bot, entries } = await recordedBot(testConfig());
      const code = call === 'leverage' ? -4028 : -4168;
      h!.sim.admin.setFaults({ rules: [{ kind: 'reject', status: 400, code, method: 'POST', path, count: 1 }] });
      const t = bot.traders[0]!;
      await t.onSignal({ side: 'long', timeMs: Date.UTC(2026, 0, 1), reason: 'test' });
      const orders = () => h!.sim.admin.requests().filter((r) => r.method === 'POST' && r.path === '/fapi/v1/order');
      expect(orders()).toEqual([]);
      expect(t.position).toBeNull();
      const refused = entries.filter((e) => e.msg === 'entry.refused');
      expect(refused).toHaveLength(1);
      expect(String(refused[0]!['why'])).toContain('entry-settings-refused');
      await bot.step();
      expect(orders()).toEqual([]); // not sent again: the signal is dropped
      await t.onSignal({ side: 'short', timeMs: Date.UTC(2026, 0, 1, 1), reason: 'test' });
      expect(t.position?.side).toBe('short');
    });
  }

  for (const [call, path] of [['margin-mode', '/fapi/v1/marginType'], ['leverage', '/fapi/v1/leverage']] as const) {
    it(`the ${call} call before an entry from flat answered 418 (an IP ban, from another program on this IP): the entry is not sent into the ban and refused for it, it waits and goes out once the ban ends (before: dropped, "entry refused")`, async () => {
      const config = testConfig({ webhook: { max_lag_s: 20 } });
      h = await startHarness(config);
      h.bot.stop();
      h.sim.admin.setPrice('BTCUSDT', 60000, true);
      const client = ccxtForSimulator(h.sim.url, { apiKey: h.sim.apiKey, secret: h.sim.apiSecret });
      client.enableRateLimit = false;
      // A block longer than 0.5 s is not waited inside a call (as an IP ban of minutes is not, by default).
      const ex = new CcxtExchange(client, { budget: new WeightBudget({ maxWaitMs: 500 }) });
      const { log, entries } = memoryLogger();
      const bot = new TradingBot({ config, exchange: ex, store: h.store, log, retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 5, maxRetryAfterMs: 500, sleep: async () => {} } });
      try {
        await bot.start();
        const t = bot.traders[0]!;
        h.sim.admin.setFaults({ rules: [{ kind: 'reject', status: 418, code: -1003, retryAfterSec: 2, method: 'POST', path, count: 1 }] });
        const bannedAt = Date.now();
        await t.onSignal({ side: 'long', timeMs: Date.UTC(2026, 0, 1), reason: 'test' });
        const orders = () => h!.sim.admin.requests().filter((r) => r.method === 'POST' && r.path === '/fapi/v1/order');
        expect(orders()).toEqual([]);
        expect(t.position).toBeNull();
        expect(entries.filter((e) => e.msg === 'entry.refused')).toEqual([]);
        while (Date.now() - bannedAt < 2300) await new Promise((r) => setTimeout(r, 100));
        await bot.step();
        expect(t.position?.side).toBe('long');
        expect(orders().map((r) => r.status)).toEqual([200]);
        expect(symbolConfig(h, 'BTCUSDT')!.marginType).toBe('ISOLATED');
        expect(entries.filter((e) => e.msg === 'entry.waiting_for_rate_limit')).toHaveLength(1);
      } finally {
        bot.stop();
        await ex.close();
      }
    }, 15_000);
  }

  it('the margin-mode and leverage calls before an entry from flat both answer slowly (the exchange crawls): the entry is not sent past webhook.max_lag_s at a price read before them (before: sent that late)', async () => {
    const { bot, entries } = await recordedBot(testConfig({ webhook: { max_lag_s: 1 } }));
    h!.sim.admin.setFaults({ rules: [{ kind: 'latency', ms: 600, method: 'POST', path: '/fapi/v1/marginType', count: 1 }, { kind: 'latency', ms: 600, method: 'POST', path: '/fapi/v1/leverage', count: 1 }] });
    const t = bot.traders[0]!;
    await t.onSignal({ side: 'long', timeMs: Date.UTC(2026, 0, 1), reason: 'test' }, Date.now());
    expect(h!.sim.admin.requests().filter((r) => r.method === 'POST' && r.path === '/fapi/v1/order')).toEqual([]);
    expect(t.position).toBeNull();
    expect(entries.filter((e) => e.msg === 'entry.wait_expired').map((e) => e['waitedFor'])).toEqual(['exchange_calls']);
    expect(entries.filter((e) => e.msg === 'entry.not_traded').map((e) => e['signalTime'])).toEqual(['2026-01-01T00:00:00.000Z']);
  }, 15_000);

  it('the leverage call before an entry from flat times out at every try: the entry waits no longer than webhook.max_lag_s, then is dropped unsent', async () => {
    const { bot, entries } = await recordedBot(testConfig({ webhook: { max_lag_s: 1 } }));
    (h!.ex as unknown as { ex: { timeout: number } }).ex.timeout = 400;
    h!.sim.admin.setFaults({ rules: [{ kind: 'drop', mode: 'hang', method: 'POST', path: '/fapi/v1/leverage', count: 100 }] });
    const t = bot.traders[0]!;
    await t.onSignal({ side: 'long', timeMs: Date.UTC(2026, 0, 1), reason: 'test' }, Date.now());
    for (let i = 0; i < 4 && !entries.some((e) => e.msg === 'entry.wait_expired'); i++) await bot.step();
    expect(h!.sim.admin.requests().filter((r) => r.method === 'POST' && r.path === '/fapi/v1/order')).toEqual([]);
    expect(t.position).toBeNull();
    expect(entries.filter((e) => e.msg === 'entry.waiting_for_account_settings')).toHaveLength(1);
    expect(entries.filter((e) => e.msg === 'entry.wait_expired').map((e) => e['waitedFor'])).toEqual(['account-settings']);
    expect(entries.filter((e) => e.msg === 'entry.not_traded')).toHaveLength(1);
  }, 15_000);

  /**
   * Each answer the margin-mode call at start may get (POST /fapi/v1/marginType), the account flat and
   * CROSSED: the bot starts with the symbol ISOLATED, and says nothing false (no "a position is open there").
   */
  describe('the margin-mode call at start, under faults', () => {
    const marginCalls = () => h!.sim.admin.requests().filter((r) => r.path === '/fapi/v1/marginType').map((r) => r.code ?? r.status);
    async function startWith(rule: Record<string, unknown>, clientTimeoutMs?: number) {
      h = await startHarness(testConfig());
      h.sim.admin.setFaults({ rules: [{ method: 'POST', path: '/fapi/v1/marginType', count: 1, ...rule }] });
      if (clientTimeoutMs !== undefined) (h.ex as unknown as { ex: { timeout: number } }).ex.timeout = clientTimeoutMs;
      const { log, entries } = memoryLogger();
      const bot = new TradingBot({ config: testConfig(), exchange: h.ex, store: h.store, log, retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 5, sleep: async () => {} } });
      h.bot = bot;
      await bot.start();
      return entries;
    }
    for (const [name, rule, timeoutMs] of [
      ['a timeout before it arrived (no answer)', { kind: 'drop', mode: 'hang' }, 400],
      ['a timeout after it was done (the answer lost)', { kind: 'lostResponse', mode: 'hang' }, 400],
      ['a 500 (-1001) after it was done', { kind: 'error5xx', status: 500, processed: true }, undefined],
      ['a 503 before it arrived', { kind: 'error5xx', status: 503 }, undefined],
      ['a 500 whose body carries -4048 ("a position exists"): not believed, asked again', { kind: 'error5xx', status: 500, code: -4048 }, undefined],
      ['a 502 whose body carries -4046 ("no need to change"): not believed, asked again', { kind: 'error5xx', status: 502, code: -4046 }, undefined],
    ] as const) {
      it(`${name}: asked again, the symbol ends ISOLATED, the bot starts`, async () => {
        const entries = await startWith(rule, timeoutMs);
        expect(symbolConfig(h!, 'BTCUSDT')!.marginType).toBe('ISOLATED');
        expect(h!.bot.traders).toHaveLength(1);
        expect(marginCalls().length).toBe(2);
        expect(entries.filter((e) => e.msg === 'account.margin_mode_kept')).toEqual([]);
        expect(entries.filter((e) => e.msg === 'startup.retry').map((e) => e['what'])).toEqual(['setMarginMode BTCUSDT']);
      }, 20_000);
    }
    it('setLeverage answered 500 with -4028 in the body at every try: the start fails with the exchange\'s error, not "lower leverage in the config"', async () => {
      h = await startHarness(testConfig());
      h.sim.admin.setFaults({ rules: [{ kind: 'error5xx', status: 500, code: -4028, method: 'POST', path: '/fapi/v1/leverage', count: 100 }] });
      const bot = new TradingBot({ config: testConfig(), exchange: h.ex, store: h.store, log: memoryLogger().log, retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 5, sleep: async () => {} } });
      h.bot = bot;
      const failed = await bot.start().then(
        () => null,
        (e: unknown) => e as Error,
      );
      expect(failed).not.toBeNull();
      // A 5xx says nothing of the config: the same code on a definitive 400 would (the leverage test above).
      expect(failed!.message).not.toContain('lower "leverage" in the config');
      expect(failed!.message).toMatch(/-4028|Leverage/);
      expect(h.sim.admin.requests().filter((r) => r.method === 'POST' && r.path === '/fapi/v1/order')).toEqual([]);
    }, 20_000);

    it('every call times out: the start gives up after its tries with the error, the symbol untouched (CROSSED), no order sent', async () => {
      const failed = await startWith({ kind: 'drop', mode: 'hang', count: 100 }, 300).then(
        () => null,
        (e: unknown) => e as Error,
      );
      expect(failed?.message).toMatch(/timed out|timeout/i);
      expect(symbolConfig(h!, 'BTCUSDT')!.marginType).toBe('CROSSED');
      expect(marginCalls().length).toBe(8);
      expect(h!.sim.admin.requests().filter((r) => r.method === 'POST' && r.path === '/fapi/v1/order')).toEqual([]);
    }, 20_000);
  });

  it('`ladder live` in hedge mode exits 1 with the message, before any order', async () => {
    h = await startHarness(testConfig());
    const c = owner(h);
    await c.setPositionMode(true);
    await c.close();
    const child = spawn('node', ['bin/ladder.js', 'live', '--config', 'examples/scaled.config.json', '--confirm-live', '--no-dashboard', '--exchange-url', h.sim.url, '--db', join(tempDir('ladder-hedge-'), 'ladder.db')], {
      cwd: resolve(import.meta.dirname, '../..'),
      env: { ...process.env, LADDER_API_KEY: h.sim.apiKey, LADDER_API_SECRET: h.sim.apiSecret },
    });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const code = await new Promise<number | null>((r) => child.once('exit', (x) => r(x)));
    expect(code).toBe(1);
    expect(err).toContain('ladder: binanceusdm: the account is in hedge mode (dualSidePosition); Ladder trades one-way positions only.');
    expect(h.sim.admin.requests().filter((r) => r.method === 'POST' && r.path !== '/fapi/v1/positionSide/dual')).toEqual([]);
  }, 60_000);
});

describe('the settle assets a start needs (checkSettleBalances)', () => {
  it('refuses a start when no settle asset holds anything, naming each; with one of several empty, returns it to be said and starts (its symbols alone cannot trade)', () => {
    expect(() => checkSettleBalances([{ asset: 'USDT', total: 0 }], 'binanceusdm')).toThrow(
      'binanceusdm: the futures account holds no USDT (balance 0), the margin every entry needs: transfer USDT to the USDⓈ-M Futures wallet (Binance: Assets > Transfer), then start again',
    );
    expect(() => checkSettleBalances([{ asset: 'USDT', total: 0 }, { asset: 'USDC', total: -0.5 }], 'binanceusdm', true)).toThrow(
      'binanceusdm: the paper account holds no USDT (balance 0) or USDC (balance -0.5), the margin every entry needs: start a new paper account (another --db, with --balance)',
    );
    // USDT and USDC symbols on an account holding USDT only: the USDT symbols trade (before: the whole bot refused to start).
    expect(checkSettleBalances([{ asset: 'USDT', total: 1200 }, { asset: 'USDC', total: 0 }], 'binanceusdm')).toEqual(['USDC']);
    expect(checkSettleBalances([{ asset: 'USDT', total: 1200 }], 'binanceusdm')).toEqual([]);
    expect(checkSettleBalances([], 'binanceusdm')).toEqual([]);
  });
});
