import { afterEach, describe, expect, it } from 'vitest';
import { positionIdOf } from '../../src/bot/symbol-trader.ts';
import { TradingBot } from '../../src/bot/trading-bot.ts';
import { silentLogger } from '../../src/bot/logger.ts';
import { CcxtExchange } from '../../src/exchange/ccxt/ccxt-exchange.ts';
import { ccxtForSimulator } from '../../src/sim/ccxt-client.ts';
import { type Harness, startHarness, stepBot, testConfig, exchangeStepsOf } from '../support/bot-harness.ts';
import { recordingLogger } from '../support/log-lines.ts';

/**
 * An entry signal while the exchange's position read (GET /fapi/v3/positionRisk) fails, through ccxt
 * on the simulator: what the account holds is unknown, and unknown is not flat. One-way mode nets an
 * entry against a position on the other side (the trader's own), so nothing is sent until the read
 * answers; that is said once; then the existing rules decide (a short held by hand refuses a long).
 */
let h: Harness | null = null;
let bots: TradingBot[] = [];
afterEach(async () => {
  for (const b of bots) b.stop();
  bots = [];
  await h?.close();
  h = null;
});
const T = Date.UTC(2026, 0, 1);

const exchangeSteps = () => exchangeStepsOf(h!);
const stops = () => h!.state().openAlgoOrders.length;
const readFails = { kind: 'error5xx', status: 503, method: 'GET', path: '/fapi/v3/positionRisk' } as const;
/** POSTs of orders after request `from` (the simulator's request log). */
const ordersSentSince = (from: number) => h!.sim.admin.requests().slice(from).filter((r) => r.method === 'POST' && r.path === '/fapi/v1/order');

/**
 * The faults cleared, `steps` steps on: the long is held (10), with its stop, from one entry order sent
 * after request `from` (and, `onExchange`, the exchange holds the 10).
 */
async function expectEntersOnceWhenReadsAnswer(t: { position: { remainingSteps: number } | null }, from: number, steps: number, onExchange = false) {
  h!.sim.admin.setFaults({ rules: [] });
  await stepBot(h!, steps, 200);
  expect(t.position?.remainingSteps).toBe(10);
  if (onExchange) expect(exchangeSteps()).toBe(10);
  expect(stops()).toBe(1);
  expect(ordersSentSince(from).filter((r) => r.clientOrderId?.endsWith('-entry'))).toHaveLength(1);
}

/** A bot at 60000 with its alerts and log lines collected; `heldSteps` sold (negative: a short) by the trader's hand first. */
async function botWithHeld(heldSteps: number, config = testConfig()) {
  h = await startHarness(testConfig(), { seed: 3 });
  h.sim.admin.setPrice('BTCUSDT', 60000, true);
  h.bot.stop();
  const alerts: string[] = [];
  const { log, msgs } = recordingLogger();
  const bot = new TradingBot({ config, exchange: h.ex, store: h.store, log, onAlert: (_s, _k, m) => alerts.push(m), retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 5, sleep: async () => {} } });
  bots.push(bot);
  h.bot = bot;
  await bot.start();
  if (heldSteps !== 0) await h.ex.createOrder({ symbol: 'BTCUSDT', side: heldSteps < 0 ? 'sell' : 'buy', type: 'market', amountSteps: Math.abs(heldSteps) as never, reduceOnly: false, clientOrderId: 'web_by_hand' });
  return { t: bot.traders[0]!, alerts, logged: msgs };
}

describe('an entry signal while the position read fails', () => {
  it('the account holds a short 0.005 opened by hand: no long is sent while the read fails (it would net against the short), said once; once it answers, the existing rule refuses the long (skipped_opposite_position), the short untouched', async () => {
    const { t, alerts, logged } = await botWithHeld(-5);
    h!.sim.admin.setFaults({ rules: [readFails] });
    const from = h!.sim.admin.requests().length;
    await t.onSignal({ side: 'long', timeMs: T, reason: 'test' });
    await stepBot(h!, 4, 200);
    expect(ordersSentSince(from)).toEqual([]);
    expect(exchangeSteps()).toBe(-5);
    expect(t.position).toBeNull();
    expect(logged().filter((m) => m === 'entry.position_unknown')).toHaveLength(1);
    expect(alerts.filter((a) => /position.*cannot be read/.test(a))).toHaveLength(1);
    h!.sim.admin.setFaults({ rules: [] });
    await stepBot(h!, 2, 200);
    expect(ordersSentSince(from)).toEqual([]);
    expect(exchangeSteps()).toBe(-5);
    expect(t.position).toBeNull();
    expect(logged()).toContain('entry.skipped_opposite_position');
  }, 30_000);

  it('the account is flat: nothing is sent while the read fails, said once; once it answers (the signal still within max_lag_s), the long enters once, with its stop', async () => {
    const { t, alerts, logged } = await botWithHeld(0);
    h!.sim.admin.setFaults({ rules: [readFails] });
    const from = h!.sim.admin.requests().length;
    await t.onSignal({ side: 'long', timeMs: T, reason: 'test' });
    await stepBot(h!, 4, 200);
    expect(ordersSentSince(from)).toEqual([]);
    expect(t.position).toBeNull();
    expect(logged().filter((m) => m === 'entry.position_unknown')).toHaveLength(1);
    expect(alerts.filter((a) => /position.*cannot be read/.test(a))).toHaveLength(1);
    await expectEntersOnceWhenReadsAnswer(t, from, 3, true);
    expect(h!.store.getOrder(`${t.position!.id}-entry`)?.sentFromFlat).toBe(true);
  }, 30_000);

  it('the read fails for longer than the signal may wait (webhook.max_lag_s 1): the entry is dropped, said so, and nothing is sent when the read answers', async () => {
    const { t, logged, alerts } = await botWithHeld(0, testConfig({ webhook: { max_lag_s: 1 } }));
    h!.sim.admin.setFaults({ rules: [readFails] });
    const from = h!.sim.admin.requests().length;
    await t.onSignal({ side: 'long', timeMs: T, reason: 'test' });
    await stepBot(h!, 8, 200);
    h!.sim.admin.setFaults({ rules: [] });
    await stepBot(h!, 3, 200);
    expect(ordersSentSince(from)).toEqual([]);
    expect(t.position).toBeNull();
    expect(exchangeSteps()).toBe(0);
    expect(logged().filter((m) => m === 'entry.wait_expired')).toHaveLength(1);
    // The trader is told the signal was missed, and why, once (before: a log line only).
    expect(alerts.filter((a) => /long signal of .* is not traded: it waited \d+ s \(webhook.max_lag_s 1\) for the position read/.test(a))).toHaveLength(1);
  }, 30_000);

  it('the read times out (no answer, the client gives up): the same, nothing sent until it answers, then the long enters once with its stop', async () => {
    const { t, alerts } = await botWithHeld(0);
    (h!.ex as unknown as { ex: { timeout: number } }).ex.timeout = 500;
    h!.sim.admin.setFaults({ rules: [{ kind: 'drop', mode: 'hang', method: 'GET', path: '/fapi/v3/positionRisk' }] });
    const from = h!.sim.admin.requests().length;
    await t.onSignal({ side: 'long', timeMs: T, reason: 'test' });
    await stepBot(h!, 1, 100);
    expect(ordersSentSince(from)).toEqual([]);
    expect(t.position).toBeNull();
    expect(alerts.filter((a) => /position.*cannot be read/.test(a))).toHaveLength(1);
    await expectEntersOnceWhenReadsAnswer(t, from, 2);
  }, 40_000);

  it('a close (the webhook\'s) arrives while the long waits: the waiting long is dropped with it, and nothing is sent once the read answers (the strategy is out)', async () => {
    const { t, logged } = await botWithHeld(0);
    h!.sim.admin.setFaults({ rules: [readFails] });
    const from = h!.sim.admin.requests().length;
    await t.onSignal({ side: 'long', timeMs: T, reason: 'webhook:1' });
    await stepBot(h!, 2, 200);
    expect(await t.closePosition('webhook:2')).toBe('flat'); // no position to close: the long never went out
    h!.sim.admin.setFaults({ rules: [] });
    await stepBot(h!, 3, 200);
    expect(ordersSentSince(from)).toEqual([]); // before: the long entered after its close
    expect(t.position).toBeNull();
    expect(exchangeSteps()).toBe(0);
    expect(logged()).toContain('entry.wait_dropped_by_close');
  }, 30_000);

  for (const [what, paths] of [
    ['price', ['/fapi/v1/ticker/24hr', '/fapi/v1/ticker/price']],
    ['balance', ['/fapi/v2/balance', '/fapi/v3/balance', '/fapi/v2/account', '/fapi/v3/account']],
  ] as const) {
    it(`the ${what} read fails (the entry's size needs it): nothing is sent and the signal is not lost, said once; once the read answers, the long enters once with its stop`, async () => {
      const { t, logged } = await botWithHeld(0);
      h!.sim.admin.setFaults({ rules: paths.map((path) => ({ kind: 'error5xx', status: 503, method: 'GET', path })) });
      const from = h!.sim.admin.requests().length;
      await t.onSignal({ side: 'long', timeMs: T, reason: 'test' }); // before: threw (a strategy's signal was lost there)
      await stepBot(h!, 3, 200);
      expect(ordersSentSince(from)).toEqual([]);
      expect(t.position).toBeNull();
      expect(logged().filter((m) => m === 'entry.reads_failed')).toHaveLength(1);
      h!.sim.admin.setFaults({ rules: [] });
      await stepBot(h!, 3, 200);
      expect(t.position?.remainingSteps).toBe(10);
      expect(exchangeSteps()).toBe(10);
      expect(stops()).toBe(1);
      expect(ordersSentSince(from).filter((r) => r.clientOrderId?.endsWith('-entry'))).toHaveLength(1);
    }, 30_000);
  }

  it('risk_pct sizing while the balance read fails (503): nothing is sized from a stale or zero equity; once the read answers, the size is 1 % of the equity the exchange says (10000 USDT at a 2 % stop from 60000: 0.083)', async () => {
    const { t, logged } = await botWithHeld(0, testConfig({ position_size: { mode: 'risk_pct', value: 1 } }));
    const balancePaths = ['/fapi/v2/balance', '/fapi/v3/balance', '/fapi/v2/account', '/fapi/v3/account'];
    h!.sim.admin.setFaults({ rules: balancePaths.map((path) => ({ kind: 'error5xx', status: 503, method: 'GET', path })) });
    const from = h!.sim.admin.requests().length;
    await t.onSignal({ side: 'long', timeMs: T, reason: 'test' });
    await stepBot(h!, 3, 200);
    expect(h!.sim.admin.requests().slice(from).some((r) => balancePaths.includes(r.path))).toBe(true); // the read was tried, and failed
    expect(ordersSentSince(from)).toEqual([]);
    expect(logged().filter((m) => m === 'entry.reads_failed')).toHaveLength(1);
    h!.sim.admin.setFaults({ rules: [] });
    await stepBot(h!, 3, 200);
    // 1 % of 10000 = 100 USDT at risk over 2 % of 60000 = 1200 a BTC: 0.0833 BTC, 83 steps of 0.001 (rounded down).
    expect(t.position?.remainingSteps).toBe(83);
    expect(exchangeSteps()).toBe(83);
    expect(ordersSentSince(from).filter((r) => r.clientOrderId?.endsWith('-entry'))).toHaveLength(1);
  }, 30_000);

  it('with a risk limit that reads the exchange (max_drawdown_pct): the price read fails in the risk check, before the entry\'s own reads: the signal waits the same way (not thrown, not lost), and once the read answers the long enters once with its stop', async () => {
    const { t, logged } = await botWithHeld(0, testConfig({ risk_limits: { max_drawdown_pct: 50 } }));
    h!.sim.admin.setFaults({ rules: ['/fapi/v1/ticker/24hr', '/fapi/v1/ticker/price'].map((path) => ({ kind: 'error5xx', status: 503, method: 'GET', path })) });
    const from = h!.sim.admin.requests().length;
    await t.onSignal({ side: 'long', timeMs: T, reason: 'test' }); // before: threw out of the risk check (a strategy's signal lost)
    await stepBot(h!, 3, 200);
    expect(ordersSentSince(from)).toEqual([]);
    expect(t.position).toBeNull();
    expect(logged().filter((m) => m === 'entry.reads_failed')).toHaveLength(1);
    await expectEntersOnceWhenReadsAnswer(t, from, 3);
  }, 30_000);

  it('an entry an older Ladder sent while the read failed (stored with sentFromFlat null), answered 503 after it filled, its look-ups failing at the restart: not taken from the exchange position (what was held before is unknown); booked from its fills once the look-ups answer, with its stop', async () => {
    h = await startHarness(testConfig(), { seed: 3 });
    h.sim.admin.setPrice('BTCUSDT', 60000, true);
    await h.bot.start();
    h.bot.stop();
    const entry = 'BTCUSDT-old1-entry';
    const sentAt = Date.now();
    h.store.recordIntent({ clientOrderId: entry, positionId: 'BTCUSDT-old1', symbol: 'BTCUSDT', kind: 'entry', level: null, side: 'buy', type: 'market', qtySteps: 10 as never, priceTicks: null, price: null, stopTicks: null, stopPrice: null, reduceOnly: false, closePosition: false, replacesClientOrderId: null, stopLossPct: 2, sentFromFlat: null, createdAtMs: sentAt });
    h.store.markSent(entry, sentAt);
    h.store.markOrderStatus(entry, 'unknown', { error: { code: 'unknownOutcome', message: '503' }, timeMs: sentAt });
    // It executed on the exchange (another connection: this bot's adapter never saw its answer).
    const old = new CcxtExchange(ccxtForSimulator(h.sim.url, { apiKey: h.sim.apiKey, secret: h.sim.apiSecret }));
    await old.markets();
    await old.createOrder({ symbol: 'BTCUSDT', side: 'buy', type: 'market', amountSteps: 10 as never, reduceOnly: false, clientOrderId: entry });
    await old.close();
    h.sim.admin.setFaults({ rules: [{ kind: 'error5xx', status: 503, method: 'GET', path: '/fapi/v1/order' }] });
    const bot = new TradingBot({ config: testConfig(), exchange: h.ex, store: h.store, log: silentLogger(), retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 5, sleep: async () => {} } });
    bots.push(bot);
    h.bot = bot;
    await bot.start();
    const t = bot.traders[0]!;
    await stepBot(h, 16, 250); // past the 3 s after which an entry in doubt is booked without its look-up
    expect(exchangeSteps()).toBe(10);
    expect(t.position).toBeNull();
    h.sim.admin.setFaults({ rules: [] });
    const end = Date.now() + 20_000; // the look-ups were backing off
    while (Date.now() < end && stops() === 0) await stepBot(h, 1, 200);
    expect(t.position?.remainingSteps).toBe(10);
    expect(stops()).toBe(1);
    expect(h.store.getOrder(entry)?.status).toBe('filled');
    expect(h.sim.admin.requests().filter((r) => r.method === 'POST' && r.path === '/fapi/v1/order' && r.clientOrderId === entry)).toHaveLength(1);
  }, 60_000);
});

describe("the webhook's entry while the position read fails: its record and a restart", () => {
  /** A webhook long stored `agoMs` ago (as the webhook server stores it), on a flat account whose position read fails. */
  async function webhookLongWhileReadFails(id: string, agoMs = 0) {
    const started = await botWithHeld(0);
    h!.sim.admin.setFaults({ rules: [readFails] });
    const from = h!.sim.admin.requests().length;
    const at = Date.now() - agoMs;
    h!.store.recordSignal({ id, source: 'webhook', symbol: 'BTC/USDT:USDT', side: 'long', stopLossPct: null, timeMs: at, receivedAtMs: at, payload: {} });
    await stepBot(h!, 3, 150);
    expect(ordersSentSince(from)).toEqual([]);
    return { ...started, from, positionId: positionIdOf('BTCUSDT', at, 'long', id) };
  }

  it('the record stays pending while the entry waits, and says it entered once the read answers', async () => {
    const { t, from, positionId } = await webhookLongWhileReadFails('wait-1');
    expect(h!.store.getSignal('wait-1')?.status).toBe('pending'); // before: acted, "not entered", at once
    await expectEntersOnceWhenReadsAnswer(t, from, 3, true);
    expect(h!.store.getSignal('wait-1')).toMatchObject({ status: 'acted', detail: `entered ${positionId}` });
  }, 30_000);

  it('a restart while it waits does not lose it: the new bot enters it once when the read answers', async () => {
    const { from, positionId } = await webhookLongWhileReadFails('wait-2');
    h!.bot.stop();
    const bot = new TradingBot({ config: testConfig(), exchange: h!.ex, store: h!.store, log: silentLogger(), retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 5, sleep: async () => {} } });
    bots.push(bot);
    h!.bot = bot;
    await bot.start();
    await stepBot(h!, 2, 150);
    expect(ordersSentSince(from)).toEqual([]);
    await expectEntersOnceWhenReadsAnswer(bot.traders[0]!, from, 3, true); // before: the signal was marked acted, the wait lost with the process
    expect(h!.store.getSignal('wait-2')).toMatchObject({ status: 'acted', detail: `entered ${positionId}` });
  }, 30_000);

  it('a restart while it waits does not start its max_lag_s again: past max_lag_s after it arrived, the read answering enters nothing', async () => {
    const { from } = await webhookLongWhileReadFails('wait-4', 40_000); // arrived 40 s ago, max_lag_s 60
    h!.bot.stop();
    let shiftMs = 0;
    const bot = new TradingBot({ config: testConfig(), exchange: h!.ex, store: h!.store, log: silentLogger(), now: () => Date.now() + shiftMs, retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 5, sleep: async () => {} } });
    bots.push(bot);
    h!.bot = bot;
    await bot.start();
    await stepBot(h!, 2, 150);
    expect(h!.store.getSignal('wait-4')?.status).toBe('pending'); // the new bot tries it again
    shiftMs = 30_000; // 70 s after it arrived
    h!.sim.admin.setFaults({ rules: [] });
    await stepBot(h!, 3, 150);
    expect(ordersSentSince(from)).toEqual([]); // before: entered, its wait counted from the restart
    expect(exchangeSteps()).toBe(0);
    expect(h!.store.getSignal('wait-4')).toMatchObject({ status: 'acted', detail: expect.stringMatching(/^not entered/) });
  }, 30_000);

  it('a close that arrived while the bot was down, behind the entry it waited on: after the restart nothing is sent (no entry closed at once)', async () => {
    const { from } = await webhookLongWhileReadFails('wait-5');
    h!.bot.stop();
    const at = Date.now();
    h!.store.recordSignal({ id: 'wait-5-close', source: 'webhook', symbol: 'BTC/USDT:USDT', side: 'close', stopLossPct: null, timeMs: at, receivedAtMs: at, payload: {} });
    h!.sim.admin.setFaults({ rules: [] }); // the reads answer again by the restart
    const bot = new TradingBot({ config: testConfig(), exchange: h!.ex, store: h!.store, log: silentLogger(), retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 5, sleep: async () => {} } });
    bots.push(bot);
    h!.bot = bot;
    await bot.start();
    await stepBot(h!, 3, 150);
    expect(ordersSentSince(from)).toEqual([]); // before: the long entered, then the close sold it back at once
    expect(exchangeSteps()).toBe(0);
    expect(h!.store.getSignal('wait-5')).toMatchObject({ status: 'acted', detail: expect.stringMatching(/^not entered/) });
    expect(h!.store.getSignal('wait-5-close')).toMatchObject({ status: 'acted', detail: 'no open position to close' });
  }, 30_000);

  it('a close older than the waiting entry, delivered late (the flat of the position before it): the entry is kept and enters once the read answers', async () => {
    const { t, from, positionId } = await webhookLongWhileReadFails('wait-6');
    const at = Date.now();
    h!.store.recordSignal({ id: 'wait-6-close', source: 'webhook', symbol: 'BTC/USDT:USDT', side: 'close', stopLossPct: null, timeMs: at - 5000, receivedAtMs: at, payload: {} });
    await stepBot(h!, 2, 150);
    await expectEntersOnceWhenReadsAnswer(t, from, 3, true); // before: the long's wait was dropped by the older close
    expect(h!.store.getSignal('wait-6')).toMatchObject({ status: 'acted', detail: `entered ${positionId}` });
    expect(h!.store.getSignal('wait-6-close')).toMatchObject({ status: 'refused', detail: expect.stringMatching(/^out of order: signal wait-6 /) });
  }, 30_000);

  it('a short older than the waiting long, delivered late: refused as out of order, the long enters once the read answers', async () => {
    const { t, from, positionId } = await webhookLongWhileReadFails('wait-7');
    const at = Date.now();
    h!.store.recordSignal({ id: 'wait-7-short', source: 'webhook', symbol: 'BTC/USDT:USDT', side: 'short', stopLossPct: null, timeMs: at - 5000, receivedAtMs: at, payload: {} });
    await stepBot(h!, 2, 150);
    await expectEntersOnceWhenReadsAnswer(t, from, 3, true); // before: the older short replaced the long's wait and entered
    expect(t.position?.side).toBe('long');
    expect(h!.store.getSignal('wait-7')).toMatchObject({ status: 'acted', detail: `entered ${positionId}` });
    expect(h!.store.getSignal('wait-7-short')).toMatchObject({ status: 'refused', detail: expect.stringMatching(/^out of order: signal wait-7 /) });
  }, 30_000);

  it('a long older than the waiting long, delivered late with its own stop: refused as out of order, the newer long enters with the config\'s stop', async () => {
    const { t, from, positionId } = await webhookLongWhileReadFails('wait-8');
    const at = Date.now();
    h!.store.recordSignal({ id: 'wait-8-old', source: 'webhook', symbol: 'BTC/USDT:USDT', side: 'long', stopLossPct: 0.5, timeMs: at - 5000, receivedAtMs: at, payload: {} });
    await stepBot(h!, 2, 150);
    await expectEntersOnceWhenReadsAnswer(t, from, 3, true);
    expect(t.position?.id).toBe(positionId); // before: the older long replaced the newer one's wait and entered with its 0.5 % stop
    expect(h!.store.getSignal('wait-8-old')).toMatchObject({ status: 'refused', detail: expect.stringMatching(/^out of order: signal wait-8 /) });
  }, 30_000);

  it('a close arriving while it waits: the entry is not sent, and its record says it was not entered', async () => {
    const { from } = await webhookLongWhileReadFails('wait-3');
    const at = Date.now();
    h!.store.recordSignal({ id: 'wait-3-close', source: 'webhook', symbol: 'BTC/USDT:USDT', side: 'close', stopLossPct: null, timeMs: at, receivedAtMs: at, payload: {} });
    await stepBot(h!, 2, 150);
    h!.sim.admin.setFaults({ rules: [] });
    await stepBot(h!, 3, 150);
    expect(ordersSentSince(from)).toEqual([]);
    expect(exchangeSteps()).toBe(0);
    expect(h!.store.getSignal('wait-3')).toMatchObject({ status: 'acted', detail: expect.stringMatching(/^not entered/) });
    expect(h!.store.getSignal('wait-3-close')?.status).toBe('acted');
  }, 30_000);
});

describe('a close while the price read fails (a 503 on the ticker; an IP ban fails it for minutes)', () => {
  const tickerFails = ['/fapi/v1/ticker/24hr', '/fapi/v1/ticker/price'].map((path) => ({ kind: 'error5xx', status: 503, method: 'GET', path }) as const);

  it("the webhook's close of an open long is not lost: the long is closed at market, reduce-only, though the ticker answers 503 for longer than max_lag_s", async () => {
    const { t } = await botWithHeld(0, testConfig({ webhook: { max_lag_s: 1 } }));
    await t.onSignal({ side: 'long', timeMs: T, reason: 'test' });
    await stepBot(h!, 2, 100);
    expect(exchangeSteps()).toBe(10);
    h!.sim.admin.setFaults({ rules: tickerFails });
    const at = Date.now();
    h!.store.recordSignal({ id: 'close-1', source: 'webhook', symbol: 'BTC/USDT:USDT', side: 'close', stopLossPct: null, timeMs: at, receivedAtMs: at, payload: {} });
    await stepBot(h!, 8, 200); // past max_lag_s
    expect(exchangeSteps()).toBe(0); // before: the close was refused as too old (the ticker read threw each time), the long left open
    expect(h!.store.getSignal('close-1')?.status).toBe('acted');
    expect(h!.state().openAlgoOrders).toEqual([]);
  }, 30_000);

  it("a strategy's short while a long is open: the long is closed though the ticker answers 503 (the reversal's close is not lost with the read)", async () => {
    const { t } = await botWithHeld(0);
    await t.onSignal({ side: 'long', timeMs: T, reason: 'test' });
    await stepBot(h!, 2, 100);
    h!.sim.admin.setFaults({ rules: tickerFails });
    await t.onSignal({ side: 'short', timeMs: T + 3_600_000, reason: 'test' }); // before: threw (the ticker's 503)
    await stepBot(h!, 3, 200);
    expect(t.position?.side ?? null).not.toBe('long');
    expect(h!.store.getPosition(positionIdOf('BTCUSDT', T, 'long'))?.status).toBe('closed');
  }, 30_000);
});
