import { afterEach, describe, expect, it } from 'vitest';
import { TradingBot } from '../../src/bot/trading-bot.ts';
import { silentLogger } from '../../src/bot/logger.ts';
import { type Harness, startHarness, stepBot, testConfig } from '../support/bot-harness.ts';

/** The bot against injected exchange faults (FAILURES F3, F4; SPEC R6.3–R6.5). */
let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});
const T = Date.UTC(2026, 0, 1);

async function openLong(simOpts = {}, realSleep = false) {
  h = await startHarness(testConfig(), { seed: 3, ...simOpts }, undefined, realSleep);
  h.sim.admin.setPrice('BTCUSDT', 60000, true);
  await h.bot.start();
  const t = h.trader('BTCUSDT');
  await t.onSignal({ side: 'long', timeMs: T, reason: 'test' });
  return t;
}

describe('bot ↔ simulator under faults', () => {
  it('a TP accepted by the exchange whose response is lost is found by client id: one order, no duplicate, booked once (F4)', async () => {
    const t = await openLong();
    const id = t.position!.id;
    h!.sim.admin.setFaults({ rules: [{ kind: 'lostResponse', method: 'POST', path: '/fapi/v1/order', count: 1 }] });
    h!.sim.admin.setPrice('BTCUSDT', 60700);
    await h!.bot.step();
    const s = h!.state();
    expect(s.fills.filter((f) => f.clientOrderId === `${id}-tp1`).map((f) => f.qty)).toEqual(['0.003']);
    const posts = h!.sim.admin.requests().filter((r) => r.method === 'POST' && r.path === '/fapi/v1/order' && r.clientOrderId === `${id}-tp1`);
    expect(posts).toHaveLength(1);
    expect(posts[0]!.faults).toContain('lostResponse');
    expect(h!.sim.admin.requests().some((r) => r.code === -4116)).toBe(false);
    expect(t.position!.remainingSteps).toBe(7);
    expect(h!.store.getOrder(`${id}-tp1`)!.status).toBe('filled');
    expect(s.openAlgoOrders.map((a) => a.triggerPrice)).toEqual(['60000']);
  });

  it('a TP that fills only in part and expires (thin liquidity) is booked by what filled; the rest of the ladder takes the remainder (F14, F15, F18)', async () => {
    const t = await openLong();
    const id = t.position!.id;
    h!.sim.admin.setFaults({ rules: [{ kind: 'partialFill', ratio: 0.5, method: 'POST', path: '/fapi/v1/order', count: 1 }] });
    h!.sim.admin.setPrice('BTCUSDT', 60700);
    await h!.bot.step();
    let s = h!.state();
    // 3 steps asked, 1 filled, 2 expired: the bot books 1, the level is done, the stop climbs.
    expect(s.fills.filter((f) => f.clientOrderId === `${id}-tp1`).map((f) => f.qty)).toEqual(['0.001']);
    expect(t.position!.remainingSteps).toBe(9);
    expect(t.position!.tpLevelsHit).toEqual([1]);
    expect(h!.store.getOrder(`${id}-tp1`)!.status).not.toBe('open');
    expect(s.positions.find((x) => x.symbol === 'BTCUSDT')!.positionAmt).toBe('0.009');
    expect(s.openAlgoOrders.map((a) => a.triggerPrice)).toEqual(['60000']);

    h!.sim.admin.setPrice('BTCUSDT', 61300);
    await h!.bot.step();
    h!.sim.admin.setPrice('BTCUSDT', 62200);
    await h!.bot.step();
    s = h!.state();
    expect(t.position).toBeNull();
    expect(s.fills.filter((f) => f.clientOrderId.startsWith(`${id}-tp`)).map((f) => [f.clientOrderId.slice(-3), f.qty])).toEqual([
      ['tp1', '0.001'],
      ['tp2', '0.003'],
      ['tp3', '0.006'],
    ]);
    expect(s.positions.filter((x) => Number(x.positionAmt) !== 0)).toEqual([]);
    expect(s.openOrders).toEqual([]);
    expect(s.openAlgoOrders).toEqual([]);
    const [trade] = h!.store.tradeHistory();
    expect(trade!.exits.map((e) => [e.reason, e.qtySteps])).toEqual([
      ['tp1', 1],
      ['tp2', 3],
      ['tp3', 6],
    ]);
  });

  it('an opposite-signal close that fills only in part is sent again for the rest, then the new side opens', async () => {
    const t = await openLong();
    const id = t.position!.id;
    h!.sim.admin.setFaults({ rules: [{ kind: 'partialFill', ratio: 0.5, method: 'POST', path: '/fapi/v1/order', count: 1 }] });
    h!.sim.admin.setPrice('BTCUSDT', 60100);
    await t.onSignal({ side: 'short', timeMs: T + 3_600_000, reason: 'test' });
    const s = h!.state();
    // 10 steps asked, 5 filled and 5 expired; the rest went out again as a new close order.
    expect(s.fills.filter((f) => f.clientOrderId.startsWith(`${id}-close`)).map((f) => [f.clientOrderId.slice(id.length), f.qty])).toEqual([
      ['-close', '0.005'],
      ['-close1', '0.005'],
    ]);
    const [closed] = h!.store.tradeHistory().filter((x) => x.positionId === id);
    expect(closed!.status).toBe('closed');
    expect(closed!.exits.reduce((a, e) => a + e.qtySteps, 0)).toBe(10);
    expect(t.position!.side).toBe('short');
    expect(s.positions.find((x) => x.symbol === 'BTCUSDT')!.positionAmt).toBe('-0.01');
  });

  for (const [name, rule] of [
    ['a 503 before it arrived (not found twice, sent again)', { kind: 'error5xx', status: 503 }],
    ['refused once (-4131, thin book: sent again after the back-off)', { kind: 'reject', code: -4131 }],
  ] as const) {
    it(`an opposite signal whose close is not done within its step (${name}): the new side opens once the close is (before: entry.skipped_previous_still_open, left flat)`, async () => {
      const t = await openLong();
      const id = t.position!.id;
      // A lost close is believed gone once its request can no longer execute: a 1.5 s recvWindow keeps this test short.
      (h!.ex as unknown as { ex: { options: Record<string, unknown> } }).ex.options['recvWindow'] = 1_500;
      h!.sim.admin.setFaults({ rules: [{ method: 'POST', path: '/fapi/v1/order', count: 1, ...rule }] });
      await t.onSignal({ side: 'short', timeMs: T + 3_600_000, reason: 'test' });
      await stepBot(h!, 12, 250);
      const [closed] = h!.store.tradeHistory().filter((x) => x.positionId === id);
      expect(closed!.status).toBe('closed');
      expect(t.position?.side).toBe('short');
      expect(h!.state().positions.find((x) => x.symbol === 'BTCUSDT')!.positionAmt).toBe('-0.01');
      expect(h!.state().fills.filter((f) => f.clientOrderId.endsWith('-entry') && f.side === 'SELL')).toHaveLength(1); // entered once
      expect(h!.state().openAlgoOrders).toHaveLength(1);
    }, 20_000);
  }

  it('an entry that fills only in part becomes a position of what filled, its ladder planned on that (F18)', async () => {
    h = await startHarness(testConfig(), { seed: 3 });
    h.sim.admin.setPrice('BTCUSDT', 60000, true);
    await h.bot.start();
    h.sim.admin.setFaults({ rules: [{ kind: 'partialFill', ratio: 0.5, method: 'POST', path: '/fapi/v1/order', count: 1 }] });
    const t = h.trader('BTCUSDT');
    await t.onSignal({ side: 'long', timeMs: T, reason: 'test' });
    const p = t.position!;
    expect([p.originalSteps, p.remainingSteps]).toEqual([5, 5]);
    expect(p.plan.levels.map((l) => l.qtySteps).reduce((a, b) => a + b, 0)).toBe(5);
    const s = h.state();
    expect(s.positions.find((x) => x.symbol === 'BTCUSDT')!.positionAmt).toBe('0.005');
    expect(s.openAlgoOrders.map((a) => [a.clientAlgoId, a.closePosition])).toEqual([[`${p.id}-sl0`, true]]);
  });

  it('an exchange stop that fills only in part: the rest is closed at market at once, never left unprotected (F8, invariant 9)', async () => {
    const t = await openLong();
    const id = t.position!.id;
    h!.sim.admin.setFaults({ rules: [{ kind: 'partialFill', on: 'trigger', ratio: 0.5 }] });
    h!.sim.admin.setPrice('BTCUSDT', 58700);
    await h!.bot.step();
    const s = h!.state();
    expect(t.position).toBeNull();
    expect(s.positions.filter((x) => Number(x.positionAmt) !== 0)).toEqual([]);
    expect(s.openOrders).toEqual([]);
    expect(s.openAlgoOrders).toEqual([]);
    const [trade] = h!.store.tradeHistory().filter((x) => x.positionId === id);
    expect(trade!.status).toBe('closed');
    expect(trade!.exits.map((e) => [e.reason, e.qtySteps])).toEqual([
      ['stop', 5],
      ['stop', 5],
    ]);
  });

  it('an exchange stop that triggers but whose order fills nothing (expired: the algo order FINISHED, executedQty 0), the price back above it: the stop is placed again within seconds (before: taken as filled, its id spent, the position left without a stop)', async () => {
    const t = await openLong();
    const id = t.position!.id;
    h!.sim.admin.setFaults({ rules: [{ kind: 'partialFill', on: 'trigger', ratio: 0, count: 1 }] });
    h!.sim.admin.setPrice('BTCUSDT', 58700); // through the stop (58800): it triggers, its market order expires empty
    h!.sim.admin.setPrice('BTCUSDT', 59500); // back above before the bot looks
    expect(h!.state().openAlgoOrders).toEqual([]);
    await stepBot(h!, 12, 250);
    const s = h!.state();
    expect(s.positions.find((x) => x.symbol === 'BTCUSDT')!.positionAmt).toBe('0.01');
    expect(s.openAlgoOrders.map((a) => [a.clientAlgoId, a.triggerPrice])).toEqual([[`${id}-sl0`, '58800']]);
    expect(t.position?.remainingSteps).toBe(10);
    expect(h!.store.getOrder(`${id}-sl0`)?.status).toBe('open');
  });

  it('an exchange stop that fills only in part while the price read fails (503 on the ticker): the rest, without a stop, is still closed at market at once (before: left open for as long as the ticker failed)', async () => {
    const t = await openLong();
    const id = t.position!.id;
    const tickerFails = ['/fapi/v1/ticker/24hr', '/fapi/v1/ticker/price'].map((path) => ({ kind: 'error5xx', status: 503, method: 'GET', path }) as const);
    h!.sim.admin.setFaults({ rules: [{ kind: 'partialFill', on: 'trigger', ratio: 0.5 }, ...tickerFails] });
    h!.sim.admin.setPrice('BTCUSDT', 58700);
    for (let i = 0; i < 3; i++) await h!.bot.step();
    const s = h!.state();
    expect(s.positions.filter((x) => Number(x.positionAmt) !== 0)).toEqual([]);
    expect(t.position).toBeNull();
    expect(s.openAlgoOrders).toEqual([]);
    const [trade] = h!.store.tradeHistory().filter((x) => x.positionId === id);
    expect(trade!.exits.map((e) => [e.reason, e.qtySteps])).toEqual([
      ['stop', 5],
      ['stop', 5],
    ]);
  });

  it('a stop placed again after it was cancelled by hand, refused as already crossed (-2021) while the price read fails: the position is closed at market at once (F24), not left without a stop while the ticker fails', async () => {
    const t = await openLong();
    const id = t.position!.id;
    const tickerFails = ['/fapi/v1/ticker/24hr', '/fapi/v1/ticker/price'].map((path) => ({ kind: 'error5xx', status: 503, method: 'GET', path }) as const);
    h!.sim.admin.setFaults({ rules: tickerFails });
    await h!.ex.cancelOrder('BTCUSDT', `${id}-sl0`, 'stop'); // by hand
    h!.sim.admin.setPrice('BTCUSDT', 58700); // below the stop it had
    for (let i = 0; i < 3; i++) {
      t.touch();
      await h!.bot.step();
    }
    expect(h!.sim.admin.requests().some((r) => r.code === -2021)).toBe(true);
    expect(h!.state().positions.filter((x) => Number(x.positionAmt) !== 0)).toEqual([]);
    expect(t.position).toBeNull();
    expect(h!.store.tradeHistory().find((x) => x.positionId === id)!.exits.map((e) => [e.reason, e.qtySteps])).toEqual([['stop', 10]]);
  });

  it('…and its close answered 503 (not executed) while every order look-up (GET /fapi/v1/order) answers 503: a new close goes out within seconds, flat, booked once as the stop exit (before: the close stayed in doubt for as long as the look-ups failed, the position beyond its stop with none on the exchange)', async () => {
    const t = await openLong();
    const id = t.position!.id;
    await h!.ex.cancelOrder('BTCUSDT', `${id}-sl0`, 'stop'); // by hand
    h!.sim.admin.setFaults({ rules: [{ kind: 'error5xx', status: 503, method: 'POST', path: '/fapi/v1/order', count: 1 }, { kind: 'error5xx', status: 503, method: 'GET', path: '/fapi/v1/order' }] });
    h!.sim.admin.setPrice('BTCUSDT', 58700); // below the stop it had: sl0 is refused as crossed (-2021), the rest closed at market
    const t0 = Date.now();
    while (Date.now() - t0 < 10_000 && h!.state().positions.some((x) => Number(x.positionAmt) !== 0)) {
      t.touch();
      await h!.bot.step();
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(h!.sim.admin.requests().some((r) => r.method === 'POST' && r.clientOrderId === `${id}-close` && r.status === 503)).toBe(true);
    expect(h!.state().positions.filter((x) => Number(x.positionAmt) !== 0)).toEqual([]);
    expect(Date.now() - t0).toBeLessThan(10_000);
    h!.sim.admin.clearFaults();
    await stepBot(h!, 3, 200);
    expect(t.position).toBeNull();
    expect(h!.store.tradeHistory().find((x) => x.positionId === id)!.exits.map((e) => [e.reason, e.qtySteps])).toEqual([['stop', 10]]);
  });

  it('a resting limit TP cancelled by hand on the exchange is noticed while running: that level never fires, the others do (F15)', async () => {
    h = await startHarness(testConfig({ scaled_tp_execution: 'limit' }), { seed: 3 });
    h.sim.admin.setPrice('BTCUSDT', 60000, true);
    await h.bot.start();
    const t = h.trader('BTCUSDT');
    await t.onSignal({ side: 'long', timeMs: T, reason: 'test' });
    const id = t.position!.id;
    expect(h.state().openOrders.map((o) => o['clientOrderId'])).toEqual([`${id}-tp1`, `${id}-tp2`, `${id}-tp3`]);
    await h.ex.cancelOrder('BTCUSDT', `${id}-tp1`, 'order'); // by hand, not through the bot
    t.touch(); // what the user stream's ORDER_TRADE_UPDATE does (without it: within the periodic orders check)
    await h.bot.step();
    expect(t.position!.levels.map((l) => l.status)).toEqual(['canceled', 'sent', 'sent']);
    expect(t.position!.stopMoves).toEqual([]);
    h.sim.admin.setPrice('BTCUSDT', 61300);
    await h.bot.step();
    const p = t.position!;
    expect(p.tpLevelsHit).toEqual([2]);
    expect(p.remainingSteps).toBe(7);
    // TP2's own rule (previous_tp) moves the stop to TP1's target even though TP1 never fired.
    expect(h.state().openAlgoOrders.map((a) => a.triggerPrice)).toEqual(['60600']);
  });

  it('a stop that filled in part while the price came back up is still noticed: the rest is closed at market', async () => {
    const t = await openLong();
    const id = t.position!.id;
    h!.sim.admin.setFaults({ rules: [{ kind: 'partialFill', on: 'trigger', ratio: 0.5 }] });
    h!.sim.admin.setPrice('BTCUSDT', 58700); // the exchange stop fires, fills 5 of 10
    h!.sim.admin.setPrice('BTCUSDT', 60000); // and the price is back above it before the bot looks
    await h!.bot.step();
    const s = h!.state();
    expect(t.position).toBeNull();
    expect(s.positions.filter((x) => Number(x.positionAmt) !== 0)).toEqual([]);
    expect(s.openAlgoOrders).toEqual([]);
    const [trade] = h!.store.tradeHistory().filter((x) => x.positionId === id);
    expect(trade!.exits.map((e) => [e.reason, e.qtySteps, e.clientOrderId.slice(id.length)])).toEqual([
      ['stop', 5, '-sl0'],
      ['stop', 5, '-close'],
    ]);
  });

  it('an exit more than 7 days after the last fill is still read back (Binance answers trades by time in 7-day windows)', async () => {
    // A wide stop and a far target, so that nothing fills during the 8 quiet days.
    h = await startHarness(testConfig({ leverage: 2, stop_loss_pct: 15, enable_scaled_take_profit: false, take_profit_pct: 40 }), { seed: 3 });
    h.sim.admin.setPrice('BTCUSDT', 60000, true);
    await h.bot.start();
    const t = h.trader('BTCUSDT');
    await t.onSignal({ side: 'long', timeMs: T, reason: 'test' });
    const id = t.position!.id;
    const entryTime = t.position!.entryTimeMs;
    const { timeMs } = h.sim.admin.step({ candles: 8 * 24 }); // 8 days of hourly candles
    expect(timeMs - entryTime).toBeGreaterThan(7 * 86_400_000);
    expect(h.state().fills.filter((f) => f.clientOrderId.startsWith(`${id}-sl`))).toEqual([]);
    h.sim.admin.setPrice('BTCUSDT', 40000, true); // through the stop (51000)
    await h!.bot.step();
    const s = h!.state();
    expect(s.positions.filter((x) => Number(x.positionAmt) !== 0)).toEqual([]);
    expect(t.position).toBeNull();
    const [trade] = h!.store.tradeHistory().filter((x) => x.positionId === id);
    expect(trade!.status).toBe('closed');
    expect(trade!.exits.reduce((a, e) => a + e.qtySteps, 0)).toBe(10);
    expect(trade!.exits.at(-1)!.timeMs - entryTime).toBeGreaterThan(7 * 86_400_000);
  });

  it('an entry answered 503 "Service Unavailable." without being executed: once the exchange is known not to have it (its recvWindow passed), the signal is sent again under its id, within webhook.max_lag_s, and enters once with its stop (before: the signal was lost, only order.never_arrived in the log)', async () => {
    h = await startHarness(testConfig(), { seed: 3 });
    h.sim.admin.setPrice('BTCUSDT', 60000, true);
    await h.bot.start();
    const t = h.trader('BTCUSDT');
    h.sim.admin.setFaults({ rules: [{ kind: 'error5xx', status: 503, msg: 'Service Unavailable.', method: 'POST', path: '/fapi/v1/order', count: 1 }] });
    await t.onSignal({ side: 'long', timeMs: T, reason: 'test' });
    expect(t.position).toBeNull();
    const end = Date.now() + 25_000;
    while (Date.now() < end && t.position === null) await stepBot(h, 1, 250);
    const entries = h.sim.admin.requests().filter((r) => r.method === 'POST' && r.path === '/fapi/v1/order').map((r) => [r.status, r.clientOrderId]);
    expect(entries).toEqual([
      [503, `${t.position?.id}-entry`],
      [200, `${t.position?.id}-entry`],
    ]);
    expect(h.state().positions.find((x) => x.symbol === 'BTCUSDT')!.positionAmt).toBe('0.01');
    expect(h.state().openAlgoOrders.map((a) => a.clientAlgoId)).toEqual([`${t.position!.id}-sl0`]);
  }, 40_000);

  it('honours Retry-After on a 429 and then succeeds', async () => {
    const t = await openLong({}, true);
    h!.sim.admin.setFaults({ rules: [{ kind: 'rateLimit', method: 'POST', path: '/fapi/v1/order', retryAfterSec: 1, count: 1 }] });
    h!.sim.admin.setPrice('BTCUSDT', 60700);
    await h!.bot.step();
    expect(h!.slept.some((ms) => ms >= 1000)).toBe(true);
    expect(h!.sim.admin.requests().some((r) => r.status === 418)).toBe(false);
    expect(t.position!.tpLevelsHit).toEqual([1]);
  });

  it('an entry refused for margin (-2019): that signal is skipped with one alert and sent once (no retry storm, R6.5); the next signal is tried again (before: entries stopped on the symbol until a restart)', async () => {
    h = await startHarness(testConfig(), { seed: 3, balance: 20 });
    h.sim.admin.setPrice('BTCUSDT', 60000, true);
    const alerts = await withAlerts(h);
    const t = h.bot.traders[0]!;
    await t.onSignal({ side: 'long', timeMs: T, reason: 'test' });
    await t.onSignal({ side: 'short', timeMs: T + 3_600_000, reason: 'test' });
    await stepBot(h, 3, 50);
    const orders = h.sim.admin.requests().filter((r) => r.method === 'POST' && r.path === '/fapi/v1/order');
    expect(orders.map((o) => o.code)).toEqual([-2019, -2019]); // one send per signal, none again
    expect(alerts.map(([kind]) => kind)).toEqual(['insufficient_margin', 'insufficient_margin']);
    expect(alerts[0]![1]).toMatch(/^entry refused for lack of margin .*the long signal .* is not traded; the next signal is tried again/);
    expect(t.halted).toBeNull();
    expect(t.position).toBeNull();
  });

  it('an entry refused once for margin (-2019, the margin held elsewhere then): the next signal enters', async () => {
    h = await startHarness(testConfig(), { seed: 3 });
    h.sim.admin.setPrice('BTCUSDT', 60000, true);
    const alerts = await withAlerts(h);
    const t = h.bot.traders[0]!;
    h.sim.admin.setFaults({ rules: [{ kind: 'reject', code: -2019, method: 'POST', path: '/fapi/v1/order', count: 1 }] });
    await t.onSignal({ side: 'long', timeMs: T, reason: 'test' });
    await stepBot(h, 2, 50);
    expect(t.position).toBeNull();
    expect(alerts).toHaveLength(1);
    await t.onSignal({ side: 'short', timeMs: T + 3_600_000, reason: 'test' }); // before: entry.skipped_halted
    expect(t.position?.side).toBe('short');
    expect(h.state().openAlgoOrders).toHaveLength(1);
  });

  it('a 5xx on a price read is retried and the ladder goes on', async () => {
    const t = await openLong();
    h!.sim.admin.setFaults({ rules: [{ kind: 'error5xx', method: 'GET', path: '/fapi/v1/ticker/*', status: 503, count: 2 }] });
    h!.sim.admin.setPrice('BTCUSDT', 60700);
    await h!.bot.step();
    expect(h!.sim.admin.requests().filter((r) => r.status === 503 && r.path.startsWith('/fapi/v1/ticker/')).length).toBeGreaterThan(0);
    expect(t.position!.tpLevelsHit).toEqual([1]);
  });
});

describe('bot ↔ simulator: restart after a crash between the entry fill and its booking (F9)', () => {
  it('reconciliation turns the filled entry into a position and puts its stop on the exchange', async () => {
    const { TradingBot } = await import('../../src/bot/trading-bot.ts');
    const { silentLogger } = await import('../../src/bot/logger.ts');
    const { OrderRouter } = await import('../../src/bot/order-router.ts');
    const { openStore } = await import('../../src/store/index.ts');
    h = await startHarness(testConfig());
    h.sim.admin.setPrice('BTCUSDT', 60000, true);
    await h.bot.start();
    const m = (await h.ex.markets()).get('BTCUSDT')!;
    // What the bot does first on a signal: the entry intent is written, the order sent and filled…
    const router = new OrderRouter({ ex: h.ex, store: h.store, log: silentLogger(), retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1, sleep: async () => {} }, now: Date.now });
    const id = 'BTCUSDT-crash1';
    const sent = await router.send(
      { clientOrderId: `${id}-entry`, positionId: id, symbol: 'BTCUSDT', kind: 'entry', level: null, side: 'sell', type: 'market', qtySteps: 10 as never, priceTicks: null, price: null, stopTicks: null, stopPrice: null, reduceOnly: false, closePosition: false, replacesClientOrderId: null },
      m,
      { settleLater: true },
    );
    expect(sent.ok).toBe(true);
    // …and the process dies before the position is booked: no position, no stop.
    expect(h.state().openAlgoOrders).toEqual([]);
    h.store.close();
    const store = openStore(h.dbPath);
    const bot = new TradingBot({ config: testConfig(), exchange: h.ex, store, log: silentLogger() });
    await bot.start();
    const t = bot.traders[0]!;
    expect(t.position?.id).toBe(id);
    expect(t.position?.side).toBe('short');
    expect(h.state().openAlgoOrders.map((a) => [a.clientAlgoId, a.triggerPrice])).toEqual([[`${id}-sl0`, '61200']]);
    expect(store.ordersInDoubt()).toEqual([]);
    store.close();
    h.store = openStore(h.dbPath); // for the harness' own close
  });
});

describe('bot ↔ simulator: restart after a crash in the middle of a stop move (F11)', () => {
  it('cancels the replaced stop the crash left behind: one stop per position', async () => {
    const { TradingBot } = await import('../../src/bot/trading-bot.ts');
    const { silentLogger } = await import('../../src/bot/logger.ts');
    const { openStore } = await import('../../src/store/index.ts');
    h = await startHarness(testConfig());
    h.sim.admin.setPrice('BTCUSDT', 60000, true);
    await h.bot.start();
    const t = h.trader('BTCUSDT');
    await t.onSignal({ side: 'long', timeMs: Date.UTC(2026, 0, 1), reason: 'test' });
    const id = t.position!.id;
    // A second stop placed for a move whose old stop was never cancelled (the kill came in between):
    await h.ex.createOrder({ symbol: 'BTCUSDT', side: 'sell', type: 'stop_market', stopPriceTicks: 590000 as never, amountSteps: 10 as never, reduceOnly: true, clientOrderId: `${id}-sl7` });
    expect(h.state().openAlgoOrders).toHaveLength(2);
    h.store.close();
    const store = openStore(h.dbPath);
    const bot = new TradingBot({ config: testConfig(), exchange: h.ex, store, log: silentLogger() });
    await bot.start();
    expect(h.state().openAlgoOrders.map((a) => a.clientAlgoId)).toEqual([`${id}-sl0`]);
    store.close();
    h.store = openStore(h.dbPath);
  });
});

describe('bot ↔ simulator: restart after a crash between a saved transition and its order', () => {
  /**
   * What a kill leaves when it lands after the core's transition is stored but before the router has
   * written the order's intent: the store says the order was asked for, the exchange has never seen it.
   */
  async function crashAfterSaving(change: (t: Harness['bot']['traders'][number]) => Parameters<Harness['store']['savePosition']>[0], whileDown?: (id: string) => Promise<void>) {
    const { TradingBot } = await import('../../src/bot/trading-bot.ts');
    const { silentLogger } = await import('../../src/bot/logger.ts');
    const { openStore } = await import('../../src/store/index.ts');
    const t = await openLong();
    const id = t.position!.id;
    h!.bot.stop();
    h!.store.savePosition(change(t));
    h!.store.close();
    await whileDown?.(id);
    const store = openStore(h!.dbPath);
    const bot = new TradingBot({ config: testConfig(), exchange: h!.ex, store, log: silentLogger() });
    await bot.start();
    return { id, bot, store, done: () => (store.close(), (h!.store = openStore(h!.dbPath))) };
  }

  it('a requested close that was never sent is sent on restart: the position is closed, not stuck closing with nothing out', async () => {
    const { requestClose } = await import('../../src/core/scaled-tp/exit-manager.ts');
    const { id, bot, store, done } = await crashAfterSaving((t) => requestClose(t.position!, 'signal', 60000, Date.now()).position);
    expect(bot.traders[0]!.position).toBeNull();
    const s = h!.state();
    expect(s.positions.filter((x) => Number(x.positionAmt) !== 0)).toEqual([]);
    expect(s.openAlgoOrders).toEqual([]);
    expect(s.fills.filter((f) => f.clientOrderId === `${id}-close`).map((f) => f.qty)).toEqual(['0.01']);
    const [trade] = store.tradeHistory().filter((x) => x.positionId === id);
    expect(trade!.exits.map((e) => [e.reason, e.qtySteps, e.clientOrderId.slice(id.length)])).toEqual([['signal', 10, '-close']]);
    done();
  });

  it('a stop reached while the exchange has no such stop (its placement never sent, the old one cancelled by hand) is closed at market on restart, not waited on for good', async () => {
    const { onPrice, replaceStop } = await import('../../src/core/scaled-tp/exit-manager.ts');
    const { id, bot, store, done } = await crashAfterSaving((t) => {
      // The stop replaced under the next id (sl1, never sent), then its price reached: the core waits on sl1.
      const r = onPrice(replaceStop(t.position!).position, 58700, Date.now());
      expect(r.position.closing).toEqual({ reason: 'stop', clientOrderId: `${t.position!.id}-sl1` });
      return r.position;
    }, async (id) => {
      await h!.ex.cancelOrder('BTCUSDT', `${id}-sl0`, 'stop'); // the old stop gone too (by hand): nothing protects it
      h!.sim.admin.setPrice('BTCUSDT', 58700);
    });
    expect(bot.traders[0]!.position).toBeNull();
    const s = h!.state();
    expect(s.positions.filter((x) => Number(x.positionAmt) !== 0)).toEqual([]);
    expect(s.openAlgoOrders).toEqual([]);
    const [trade] = store.tradeHistory().filter((x) => x.positionId === id);
    expect(trade!.exits.map((e) => [e.reason, e.qtySteps, e.clientOrderId.slice(id.length)])).toEqual([['stop', 10, '-close']]);
    done();
  });

  it('the close sent again on restart answered by a 5xx after it executed: found by its client id, booked once, flat', async () => {
    const { requestClose } = await import('../../src/core/scaled-tp/exit-manager.ts');
    const { id, bot, store, done } = await crashAfterSaving(
      (t) => requestClose(t.position!, 'signal', 60000, Date.now()).position,
      async () => {
        h!.sim.admin.setFaults({ rules: [{ kind: 'error5xx', status: 500, processed: true, method: 'POST', path: '/fapi/v1/order' }] });
      },
    );
    expect(bot.traders[0]!.position).toBeNull();
    const s = h!.state();
    expect(s.positions.filter((x) => Number(x.positionAmt) !== 0)).toEqual([]);
    expect(s.fills.filter((f) => f.clientOrderId === `${id}-close`).map((f) => f.qty)).toEqual(['0.01']);
    const [trade] = store.tradeHistory().filter((x) => x.positionId === id);
    expect(trade!.exits.map((e) => [e.reason, e.qtySteps, e.clientOrderId.slice(id.length)])).toEqual([['signal', 10, '-close']]);
    expect(store.ordersInDoubt()).toEqual([]);
    done();
  });

  it('a close never sent, while the position was closed by hand meanwhile: the outside close is booked first and the close is not sent (no second sell)', async () => {
    const { requestClose } = await import('../../src/core/scaled-tp/exit-manager.ts');
    const { id, bot, store, done } = await crashAfterSaving(
      (t) => requestClose(t.position!, 'signal', 60000, Date.now()).position,
      async () => {
        await h!.ex.createOrder({ symbol: 'BTCUSDT', side: 'sell', type: 'market', amountSteps: 10 as never, reduceOnly: true, clientOrderId: 'by-hand-1' });
      },
    );
    for (let i = 0; i < 5 && bot.traders[0]!.position !== null; i++) await bot.step();
    expect(bot.traders[0]!.position).toBeNull();
    const s = h!.state();
    expect(s.positions.filter((x) => Number(x.positionAmt) !== 0)).toEqual([]);
    expect(s.fills.filter((f) => f.clientOrderId === `${id}-close`)).toEqual([]);
    expect(s.openAlgoOrders).toEqual([]);
    const [trade] = store.tradeHistory().filter((x) => x.positionId === id);
    expect(trade!.status).toBe('closed');
    expect(trade!.exits.map((e) => [e.reason, e.qtySteps, e.clientOrderId])).toEqual([['manual', 10, 'by-hand-1']]);
    expect(store.getOrder(`${id}-close`)).toBeNull();
    done();
  });

  it('a take-profit whose order was never sent is sent on restart, once, and the stop climbs after it', async () => {
    const { onPrice } = await import('../../src/core/scaled-tp/exit-manager.ts');
    h = null;
    const { id, bot, store, done } = await crashAfterSaving((t) => {
      h!.sim.admin.setPrice('BTCUSDT', 60650); // TP1 (+1 %: 60600) reached while the bot runs
      const r = onPrice(t.position!, 60650, Date.now());
      expect(r.commands.map((c) => c.kind)).toEqual(['placeExit']);
      return r.position;
    });
    await bot.step();
    const p = bot.traders[0]!.position!;
    expect(p.tpLevelsHit).toEqual([1]);
    expect(p.remainingSteps).toBe(7);
    const s = h!.state();
    expect(s.fills.filter((f) => f.clientOrderId === `${id}-tp1`).map((f) => f.qty)).toEqual(['0.003']);
    expect(s.positions.find((x) => x.symbol === 'BTCUSDT')!.positionAmt).toBe('0.007');
    expect(s.openAlgoOrders.map((a) => [a.clientAlgoId, a.triggerPrice])).toEqual([[`${id}-sl1`, '60000']]);
    expect(store.fillsOf(id).filter((f) => f.clientOrderId === `${id}-tp1`)).toHaveLength(1);
    done();
  });
});

/** The harness's bot replaced by a started one that collects its alerts ([kind, message]). */
async function withAlerts(h: Harness): Promise<[string, string][]> {
  h.bot.stop();
  const alerts: [string, string][] = [];
  h.bot = new TradingBot({ config: testConfig(), exchange: h.ex, store: h.store, log: silentLogger(), onAlert: (_s, kind, message) => alerts.push([kind, message]), retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 5, sleep: async () => {} } });
  await h.bot.start();
  return alerts;
}
