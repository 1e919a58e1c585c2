import { afterEach, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { TradingBot } from '../../src/bot/trading-bot.ts';
import { createLogger, silentLogger } from '../../src/bot/logger.ts';
import type { LadderConfig } from '../../src/core/config/index.ts';
import { CcxtExchange } from '../../src/exchange/ccxt/ccxt-exchange.ts';
import { ccxtForSimulator } from '../../src/sim/ccxt-client.ts';
import { type Harness, startHarness, testConfig, stepBot } from '../support/bot-harness.ts';
import { recordingLogger } from '../support/log-lines.ts';

/**
 * A position changed outside the bot (SPEC R6.6) by the trader's own hand on the same account (a
 * second client), each case asserted from the exchange's side: never more closed than held, no level
 * twice, a stop on every open position, the store's quantity equal to the exchange's, the symbol free
 * for a later signal, and an alert for whatever the bot does not manage.
 */
let h: Harness | null = null;
let bots: TradingBot[] = [];
let closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const b of bots) b.stop();
  bots = [];
  for (const c of closers) await c();
  closers = [];
  await h?.close();
  h = null;
});
const T = Date.UTC(2026, 0, 1);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function exchangeSteps(): number {
  const p = h!.state().positions.find((x) => x.symbol === 'BTCUSDT');
  return p ? Math.round(Number(p.positionAmt) * 1000) : 0;
}
const storeSteps = () => h!.store.openPositions().reduce((a, p) => a + p.remainingSteps * (p.side === 'long' ? 1 : -1), 0);
const stops = () => h!.state().openAlgoOrders.map((a) => [a.clientAlgoId, a.triggerPrice]);
const hand = (side: 'buy' | 'sell', steps: number, clientOrderId: string, reduceOnly = false) =>
  h!.ex.createOrder({ symbol: 'BTCUSDT', side, type: 'market', amountSteps: steps as never, reduceOnly, clientOrderId });

/**
 * Ladder's long of 10 sold by hand (reduce-only, 'web_close'; at `closeAt` when given), then a new
 * order of the trader's (`side` `qty`, at `openAt` when given): a position closed and opened outside
 * Ladder between two of its reads.
 */
async function closeAndOpenByHand(o: { closeAt?: number; openAt?: number; side: 'buy' | 'sell'; qty: number; clientOrderId: string }): Promise<void> {
  if (o.closeAt !== undefined) h!.sim.admin.setPrice('BTCUSDT', o.closeAt);
  await hand('sell', 10, 'web_close', true);
  if (o.openAt !== undefined) h!.sim.admin.setPrice('BTCUSDT', o.openAt);
  await hand(o.side, o.qty, o.clientOrderId);
}

/** A bot with its alerts and log lines collected, long 10 at 60000 on a signal at T. */
async function openLong(config: LadderConfig = testConfig(), manage: readonly string[] = [], now?: () => number) {
  h = await startHarness(config, { seed: 3 });
  h.sim.admin.setPrice('BTCUSDT', 60000, true);
  h.bot.stop();
  const alerts: string[] = [];
  const { log, msgs: logged } = recordingLogger();
  const bot = new TradingBot({ config, exchange: h.ex, store: h.store, log, onAlert: (_s, _k, m) => alerts.push(m), manage, ...(now ? { now } : {}), retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 5, sleep: async () => {} } });
  bots.push(bot);
  h.bot = bot;
  await bot.start();
  const t = bot.traders[0]!;
  await t.onSignal({ side: 'long', timeMs: T, reason: 'test' });
  if (!t.position) throw new Error('no long');
  return { t, id: t.position.id, alerts, logged };
}

/** The trader's own client on the account (the Binance app): an adapter of its own, closed after the test. */
async function handClient(): Promise<CcxtExchange> {
  const client = ccxtForSimulator(h!.sim.url, { apiKey: h!.sim.apiKey, secret: h!.sim.apiSecret });
  client.enableRateLimit = false;
  const ex = new CcxtExchange(client);
  closers.push(() => ex.close());
  await ex.markets();
  return ex;
}

const steps = (n: number, ms = 200): Promise<void> => stepBot(h!, n, ms);

describe('reduced by hand', () => {
  it('by exactly TP1 quantity (3 of 10): the ladder goes on with 7 (TP1 3, TP2 3, TP3 1), never more than held, flat at the end', async () => {
    const { t, id } = await openLong();
    await hand('sell', 3, 'web_reduce_3', true);
    await steps(2);
    expect(t.position!.remainingSteps).toBe(7);
    expect(storeSteps()).toBe(exchangeSteps());
    for (const p of [60700, 61300, 62200]) {
      h!.sim.admin.setPrice('BTCUSDT', p);
      await steps(2);
    }
    expect(exchangeSteps()).toBe(0);
    expect(t.position).toBeNull();
    const trade = h!.store.tradeHistory().find((x) => x.positionId === id)!;
    expect(trade.exits.map((e) => [e.reason, e.qtySteps])).toEqual([
      ['manual', 3],
      ['tp1', 3],
      ['tp2', 3],
      ['tp3', 1],
    ]);
    expect(h!.sim.admin.requests().filter((r) => r.code === -2022)).toHaveLength(0);
    expect(h!.state().openAlgoOrders).toEqual([]);
  }, 30_000);

  it('to below the minimum of an exit (scaled_tp_min_order_size 0.003, 2 left): TP1 closes the 2 whole, no dust', async () => {
    const { t, id } = await openLong(testConfig({ scaled_tp_min_order_size: 0.003 }));
    await hand('sell', 8, 'web_reduce_8', true);
    await steps(2);
    expect(t.position!.remainingSteps).toBe(2);
    expect(stops()).toHaveLength(1);
    h!.sim.admin.setPrice('BTCUSDT', 60700);
    await steps(3);
    expect(exchangeSteps()).toBe(0);
    expect(t.position).toBeNull();
    expect(h!.store.tradeHistory().find((x) => x.positionId === id)!.exits.map((e) => [e.reason, e.qtySteps])).toEqual([
      ['manual', 8],
      ['tp1', 2],
    ]);
    expect(h!.state().openAlgoOrders).toEqual([]);
    expect(t.halted).toBeNull();
  }, 30_000);
});

describe('reversed by hand (closed and opened the other side between two cycles)', () => {
  it('the long ends as a manual exit of its 10 at the trade price, its stop cancelled; a long signal then is not sent against the short the trader holds (it would close it and book a long Ladder never held): refused with an alert; once the short is gone, the next signal enters', async () => {
    const { t, id, alerts, logged } = await openLong();
    await hand('sell', 20, 'web_flip');
    await steps(3);
    expect(t.position).toBeNull();
    const trade = h!.store.tradeHistory().find((x) => x.positionId === id)!;
    expect(trade.exits.map((e) => [e.reason, e.qtySteps, e.clientOrderId])).toEqual([['manual', 10, 'web_flip']]);
    expect(exchangeSteps()).toBe(-10);
    expect(h!.state().openAlgoOrders).toEqual([]);
    expect(t.halted).toBeNull();
    // The short the trader opened is not Ladder's: said at once (it has no stop of Ladder's), as quantity added by hand is.
    expect(alerts).toEqual([`the exchange now holds a short 0.01 BTCUSDT where Ladder's long ${id} was (reversed outside Ladder): Ladder booked its long as closed; the short is not managed and has no stop from Ladder (run with --manage to have it adopted)`]);
    const before = h!.sim.admin.requests().length;
    await t.onSignal({ side: 'long', timeMs: T + 3_600_000, reason: 'test' });
    await steps(4);
    // Nothing sent: the trader's short is still there, untouched; no position booked that the exchange never held.
    expect(h!.sim.admin.requests().slice(before).filter((r) => r.method === 'POST' && r.path === '/fapi/v1/order')).toEqual([]);
    expect(exchangeSteps()).toBe(-10);
    expect(t.position).toBeNull();
    expect(h!.store.tradeHistory().map((x) => x.positionId)).toEqual([id]);
    expect(alerts.some((a) => /short 0\.01 BTCUSDT.*not opened by Ladder/.test(a))).toBe(true);
    expect(logged()).toContain('entry.skipped_opposite_position');
    // The trader closes the short: the symbol is not locked, the next signal enters with its stop.
    await hand('buy', 10, 'web_flat', true);
    await t.onSignal({ side: 'long', timeMs: T + 7_200_000, reason: 'test' });
    expect(t.position?.remainingSteps).toBe(10);
    expect(exchangeSteps()).toBe(10);
    expect(storeSteps()).toBe(exchangeSteps());
    expect(stops()).toHaveLength(1);
  }, 30_000);
  it('…with --manage: the short is adopted at once with its stop and stored (the trade that closed the long also opened it), and a restart finds it: the same position, one stop, no second adoption', async () => {
    const { t, id, alerts } = await openLong(testConfig(), ['BTCUSDT']);
    await hand('sell', 20, 'web_flip');
    await steps(3);
    expect(h!.store.tradeHistory().find((x) => x.positionId === id)!.exits.map((e) => [e.reason, e.qtySteps])).toEqual([['manual', 10]]);
    expect(t.position).toMatchObject({ side: 'short', remainingSteps: 10 });
    const adopted = t.position!.id;
    expect(adopted).not.toBe(id);
    expect(h!.store.openPositions().map((p) => p.id)).toEqual([adopted]);
    expect(storeSteps()).toBe(exchangeSteps());
    expect(stops()).toEqual([[`${adopted}-sl0`, '61200']]);
    expect(alerts).toEqual([`the exchange now holds a short 0.01 BTCUSDT where Ladder's long ${id} was (reversed outside Ladder): Ladder booked its long as closed; the short is adopted as a position opened by hand`]);
    // A restart (a second later: an adoption's id is its second) finds the stored short.
    h!.bot.stop();
    await sleep(1100);
    const bot2 = new TradingBot({ config: testConfig(), exchange: h!.ex, store: h!.store, log: silentLogger(), manage: ['BTCUSDT'], retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 5, sleep: async () => {} } });
    bots.push(bot2);
    await bot2.start();
    await bot2.step();
    expect(bot2.traders[0]!.position?.id).toBe(adopted);
    expect(stops()).toEqual([[`${adopted}-sl0`, '61200']]);
    expect(h!.store.openPositions().map((p) => p.id)).toEqual([adopted]);
    expect(storeSteps()).toBe(exchangeSteps());
    // Its ladder runs: TP1 of the short (59400).
    h!.sim.admin.setPrice('BTCUSDT', 59300);
    await bot2.step();
    expect(bot2.traders[0]!.position!.partialExits.map((e) => [e.reason, e.qtySteps])).toEqual([['tp1', 3]]);
    expect(storeSteps()).toBe(exchangeSteps());
  }, 30_000);
});

describe('closed by hand and a new position of the same side opened by hand between two cycles', () => {
  it('smaller (sold 10, bought 5): the long ends as a manual exit of its 10 at the sale\'s price, the 5 are the trader\'s (an alert says so), not sold by the old ladder', async () => {
    const { t, id, alerts } = await openLong();
    await closeAndOpenByHand({ closeAt: 59500, openAt: 59000, side: 'buy', qty: 5, clientOrderId: 'web_open' });
    await steps(3);
    expect(h!.store.tradeHistory().find((x) => x.positionId === id)?.exits.map((e) => [e.reason, e.qtySteps, e.price])).toEqual([['manual', 10, 59500]]);
    expect(t.position).toBeNull();
    expect(h!.store.openPositions()).toEqual([]);
    expect(alerts).toEqual([`Ladder's long ${id} was closed outside Ladder and the exchange now holds a new long 0.005 BTCUSDT opened outside Ladder: Ladder booked its long as closed; the new long is not managed and has no stop from Ladder (run with --manage to have it adopted)`]);
    // The old ladder's TP1 (60600) does not sell the trader's long.
    h!.sim.admin.setPrice('BTCUSDT', 60700);
    await steps(2);
    expect(exchangeSteps()).toBe(5);
    expect(h!.state().openAlgoOrders).toEqual([]);
  }, 30_000);
  it('…then a long signal is not sent on top of the trader\'s long (Ladder\'s stop, closePosition, would close the trader\'s part too): refused with an alert, as against a short; once it is gone, the next signal enters', async () => {
    const { t, alerts, logged } = await openLong();
    await closeAndOpenByHand({ side: 'buy', qty: 5, clientOrderId: 'web_open' });
    await steps(3);
    expect(t.position).toBeNull();
    const before = h!.sim.admin.requests().length;
    await t.onSignal({ side: 'long', timeMs: T + 3_600_000, reason: 'test' });
    await steps(2);
    expect(h!.sim.admin.requests().slice(before).filter((r) => r.method === 'POST' && (r.path === '/fapi/v1/order' || r.path === '/fapi/v1/algoOrder'))).toEqual([]);
    expect(exchangeSteps()).toBe(5);
    expect(t.position).toBeNull();
    expect(h!.state().openAlgoOrders).toEqual([]);
    expect(logged()).toContain('entry.skipped_same_side_position');
    expect(alerts.at(-1)).toBe("the account holds a long 0.005 BTCUSDT not opened by Ladder: a long entry would add to it and Ladder's stop would close it with Ladder's part, so the signal is not traded. Close it on the exchange (or run Ladder with --manage to have it adopted); later signals enter once it is gone");
    await hand('sell', 5, 'web_flat', true);
    await t.onSignal({ side: 'long', timeMs: T + 7_200_000, reason: 'test' });
    expect(t.position?.remainingSteps).toBe(10);
    expect(exchangeSteps()).toBe(10);
    expect(stops()).toHaveLength(1);
  }, 30_000);
  it('the same 10 again (sold 10, bought 10; the user stream tells of the orders): the long ends as a manual exit, the new 10 are the trader\'s', async () => {
    const { t, id, alerts } = await openLong();
    await closeAndOpenByHand({ side: 'buy', qty: 10, clientOrderId: 'web_open' });
    t.touch();
    await steps(2);
    expect(h!.store.tradeHistory().find((x) => x.positionId === id)?.exits.map((e) => [e.reason, e.qtySteps])).toEqual([['manual', 10]]);
    expect(t.position).toBeNull();
    expect(exchangeSteps()).toBe(10);
    expect(alerts).toHaveLength(1);
  }, 30_000);
  it('…and without the user stream (no order update arrives): the exchange\'s entry price moved (60000 to 59000) with the quantity unchanged, so the trades are read: the same outcome', async () => {
    const { t, id } = await openLong();
    await steps(1);
    await closeAndOpenByHand({ openAt: 59000, side: 'buy', qty: 10, clientOrderId: 'web_open' });
    await steps(2);
    expect(h!.store.tradeHistory().find((x) => x.positionId === id)?.exits.map((e) => [e.reason, e.qtySteps, e.price])).toEqual([['manual', 10, 60000]]);
    expect(t.position).toBeNull();
    expect(exchangeSteps()).toBe(10);
  }, 30_000);
  it('larger, with --manage (sold 10, bought 15): the long ends as a manual exit of its 10; the 15 are adopted as a new position at their own entry, with their own stop', async () => {
    const { t, id, alerts } = await openLong(testConfig(), ['BTCUSDT']);
    await closeAndOpenByHand({ openAt: 59000, side: 'buy', qty: 15, clientOrderId: 'web_open' });
    await steps(3);
    expect(h!.store.tradeHistory().find((x) => x.positionId === id)?.exits.map((e) => [e.reason, e.qtySteps, e.price])).toEqual([['manual', 10, 60000]]);
    expect(t.position).toMatchObject({ side: 'long', remainingSteps: 15, entryPrice: 59000 });
    expect(t.position!.id).not.toBe(id);
    expect(storeSteps()).toBe(exchangeSteps());
    expect(stops()).toEqual([[`${t.position!.id}-sl0`, '57820']]);
    expect(alerts).toEqual([`Ladder's long ${id} was closed outside Ladder and the exchange now holds a new long 0.015 BTCUSDT opened outside Ladder: Ladder booked its long as closed; the new long is adopted as a position opened by hand`]);
  }, 30_000);
});

describe('reversed by hand in two orders (closed, then the other side opened) between two cycles', () => {
  it('the long ends as a manual exit of its 10 at the closing sale\'s price (59500), not half at the price of the sale that opened the short (59000)', async () => {
    const { t, id, alerts } = await openLong();
    await closeAndOpenByHand({ closeAt: 59500, openAt: 59000, side: 'sell', qty: 5, clientOrderId: 'web_short' });
    await steps(3);
    expect(t.position).toBeNull();
    expect(h!.store.tradeHistory().find((x) => x.positionId === id)?.exits.map((e) => [e.reason, e.qtySteps, e.price, e.clientOrderId])).toEqual([['manual', 10, 59500, 'web_close']]);
    expect(exchangeSteps()).toBe(-5);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatch(/now holds a short 0\.005 BTCUSDT where Ladder's long/);
  }, 30_000);
});

describe('increased by hand', () => {
  it('the bot manages its own 10 only; an alert says the rest is not managed; its ladder closes exactly its 10 and leaves the 5', async () => {
    const { t, id, alerts } = await openLong();
    await hand('buy', 5, 'web_add');
    await steps(2);
    expect(t.position!.remainingSteps).toBe(10);
    expect(alerts).toEqual([`the exchange holds more than Ladder's position ${id}: the extra is not managed by the ladder`]);
    for (const p of [60700, 61300, 62200]) {
      h!.sim.admin.setPrice('BTCUSDT', p);
      await steps(2);
    }
    expect(t.position).toBeNull();
    expect(exchangeSteps()).toBe(5);
    expect(h!.store.tradeHistory().find((x) => x.positionId === id)!.exits.map((e) => [e.reason, e.qtySteps])).toEqual([
      ['tp1', 3],
      ['tp2', 3],
      ['tp3', 4],
    ]);
    // The bot's stop ended with its position; the 5 added by hand are the trader's, as the alert said.
    expect(h!.state().openAlgoOrders).toEqual([]);
  }, 30_000);
  it('then closed whole by hand in one order (sold 15: its 10 and the 5 added, as `ladder close` does): a manual exit of its 10 carrying 10/15 of that trade\'s commission, not all of it (the 5 were never the ladder\'s)', async () => {
    const { t, id } = await openLong();
    await hand('buy', 5, 'web_add');
    await steps(2);
    await hand('sell', 15, 'web_close_all', true);
    await steps(3);
    expect(t.position).toBeNull();
    expect(exchangeSteps()).toBe(0);
    const sale = (await h!.ex.trades('BTCUSDT', 0, '0')).find((x) => x.clientOrderId === 'web_close_all')!;
    expect(sale.qtySteps).toBe(15);
    expect(sale.fee).toBeGreaterThan(0);
    const exits = h!.store.tradeHistory().find((x) => x.positionId === id)!.exits;
    expect(exits.map((e) => [e.reason, e.qtySteps])).toEqual([['manual', 10]]);
    expect(exits[0]!.fee).toBeCloseTo((sale.fee * 10) / 15, 9);
  }, 30_000);

  it('not when a resting take-profit fills between the position read and the trades read (limit mode): the position read shows the 10 before TP1, the trades TP1\'s 3: no alert of quantity added by hand, the ladder goes on with 7', async () => {
    const { t, alerts } = await openLong(testConfig({ scaled_tp_execution: 'limit' }));
    h!.sim.admin.setFaults({ kind: 'latency', ms: 400, method: 'GET', path: '/fapi/v1/userTrades', count: 1 });
    t.touch();
    const cycle = h!.bot.step();
    await sleep(200); // the position read has answered, the trades read waits
    h!.sim.admin.setPrice('BTCUSDT', 60700); // TP1 (60600) fills now
    await cycle;
    await steps(3);
    expect(t.position!.partialExits.map((e) => [e.reason, e.qtySteps])).toEqual([['tp1', 3]]);
    expect(storeSteps()).toBe(exchangeSteps());
    expect(alerts).toEqual([]);
  }, 30_000);
});

describe('liquidated', () => {
  it('an autoclose- order of the exchange closing it whole: a liquidation exit at its price, orphans cancelled, a later signal enters', async () => {
    const { t, id } = await openLong();
    h!.sim.admin.setPrice('BTCUSDT', 59000);
    await hand('sell', 10, 'autoclose-1767225600000', true);
    await steps(2);
    expect(t.position).toBeNull();
    expect(h!.store.tradeHistory().find((x) => x.positionId === id)!.exits.map((e) => [e.reason, e.qtySteps, e.price])).toEqual([['liquidation', 10, 59000]]);
    expect(h!.state().openAlgoOrders).toEqual([]);
    await t.onSignal({ side: 'long', timeMs: T + 3_600_000, reason: 'test' });
    expect(t.position).not.toBeNull();
    expect(storeSteps()).toBe(exchangeSteps());
    expect(stops()).toHaveLength(1);
  }, 30_000);
});

describe('liquidated in part by the exchange (POST /_sim/liquidate: its open orders expired first, as on Binance)', () => {
  it("liquidated whole at 58900: the liquidation exit carries Binance's clearance fee (its INSURANCE_CLEAR income record) on top of the trade's commission, so the trade's PnL is what the wallet lost", async () => {
    const { t, id } = await openLong();
    h!.sim.admin.setPrice('BTCUSDT', 59000);
    const liq = h!.sim.admin.liquidate({ symbol: 'BTCUSDT', price: '58900' });
    t.touch();
    await steps(6);
    expect(t.position).toBeNull();
    const trade = h!.store.tradeHistory().find((x) => x.positionId === id)!;
    expect(trade.exits.map((e) => [e.reason, e.qtySteps, e.price])).toEqual([['liquidation', 10, 58900]]);
    expect(liq.clearanceFee).toBeCloseTo(-0.01 * 58900 * 0.0125, 8);
    expect(trade.exits[0]!.fee).toBeCloseTo(0.01 * 58900 * 0.0005 - liq.clearanceFee, 8);
    const wallet = (h!.sim.admin.state() as unknown as { balance: { wallet: number } }).balance.wallet;
    expect(trade.pnl).toBeCloseTo(wallet - 10_000, 8);
  }, 30_000);

  it("with 5 added by hand, liquidated whole (one autoclose- trade of 15): Ladder's exit of its 10 carries its share of the trade's commission and of the clearance fee (10/15), not the whole (the trader's part is not Ladder's loss)", async () => {
    const { t, id } = await openLong();
    await hand('buy', 5, 'web_add');
    await steps(2);
    h!.sim.admin.setPrice('BTCUSDT', 59000);
    const liq = h!.sim.admin.liquidate({ symbol: 'BTCUSDT', price: '58900' });
    t.touch();
    await steps(6);
    expect(t.position).toBeNull();
    const trade = h!.store.tradeHistory().find((x) => x.positionId === id)!;
    expect(trade.exits.map((e) => [e.reason, e.qtySteps, e.price])).toEqual([['liquidation', 10, 58900]]);
    expect(liq.clearanceFee).toBeCloseTo(-0.015 * 58900 * 0.0125, 8);
    expect(trade.exits[0]!.fee).toBeCloseTo(0.01 * 58900 * 0.0005 - (liq.clearanceFee * 10) / 15, 8);
  }, 30_000);

  it('limit mode, 4 of 10 liquidated at 58900: a liquidation exit of 4, the expired stop placed again, the take-profits rest again for the 6 left and fill, flat at the end', async () => {
    const { t, id, alerts } = await openLong(testConfig({ scaled_tp_execution: 'limit' }));
    h!.sim.admin.setPrice('BTCUSDT', 59000);
    h!.sim.admin.liquidate({ symbol: 'BTCUSDT', price: '58900', qty: '0.004' });
    t.touch();
    await steps(6);
    expect(t.position!.partialExits.map((e) => [e.reason, e.qtySteps, e.price])).toEqual([['liquidation', 4, 58900]]);
    expect(storeSteps()).toBe(exchangeSteps());
    expect(stops()).toEqual([[`${id}-sl0`, '58800']]);
    expect(h!.state().openOrders.map((o) => [o.clientOrderId, o.origQty])).toEqual([[`${id}-tp1`, '0.003'], [`${id}-tp2`, '0.003']]);
    for (const p of [60700, 61300]) {
      h!.sim.admin.setPrice('BTCUSDT', p);
      await steps(3);
    }
    expect(exchangeSteps()).toBe(0);
    expect(t.position).toBeNull();
    expect(h!.store.tradeHistory().find((x) => x.positionId === id)!.exits.map((e) => [e.reason, e.qtySteps])).toEqual([['liquidation', 4], ['tp1', 3], ['tp2', 3]]);
    expect(h!.state().openAlgoOrders).toEqual([]);
    expect(alerts).toEqual([]);
  }, 30_000);
});

describe("the bot's stop changed by hand", () => {
  it('moved by hand (sl0 cancelled, a closePosition stop of the trader at 59500): the bot restores its own stop (reduce-only, the slot being taken), does not close the position; the trader\'s stop firing is booked as manual, nothing rests after', async () => {
    const { t, id, alerts } = await openLong();
    await h!.ex.cancelOrder('BTCUSDT', `${id}-sl0`, 'stop');
    const own = await handClient();
    await own.createOrder({ symbol: 'BTCUSDT', side: 'sell', type: 'stop_market', stopPriceTicks: 595000 as never, reduceOnly: false, closePosition: true, clientOrderId: 'my_sl' });
    expect(stops()).toEqual([['my_sl', '59500']]);
    t.touch();
    await steps(4);
    expect(t.position!.remainingSteps).toBe(10);
    expect(exchangeSteps()).toBe(10);
    expect(stops().map((s) => s[0]).sort()).toEqual([`${id}-sl0`, 'my_sl'].sort());
    h!.sim.admin.setPrice('BTCUSDT', 59400); // the trader's stop fires, not the bot's (58800)
    await steps(4);
    expect(exchangeSteps()).toBe(0);
    expect(t.position).toBeNull();
    expect(h!.store.tradeHistory().find((x) => x.positionId === id)!.exits.map((e) => [e.reason, e.qtySteps, e.clientOrderId])).toEqual([['manual', 10, 'my_sl']]);
    expect(h!.state().openAlgoOrders).toEqual([]);
    expect(t.halted).toBeNull();
    expect(alerts).toEqual([]);
  }, 30_000);
});

describe("a reduce-only order of the trader's holding the position's reduce-only budget", () => {
  it('a take-profit limit of the 10 set by hand (-4118 for every take-profit of the bot): one alert names the cause, the retries slow down instead of every 2 s; once the trader cancels it, TP1 goes out', async () => {
    const { t, id, alerts } = await openLong();
    await h!.ex.createOrder({ symbol: 'BTCUSDT', side: 'sell', type: 'limit', amountSteps: 10 as never, priceTicks: 620000 as never, reduceOnly: true, clientOrderId: 'my_tp' });
    const from = h!.sim.admin.requests().length;
    h!.sim.admin.setPrice('BTCUSDT', 60700);
    await steps(20, 500);
    const refused = h!.sim.admin.requests().slice(from).filter((r) => r.clientOrderId === `${id}-tp1` && r.code === -4118);
    expect(refused.length).toBeGreaterThanOrEqual(2);
    expect(refused.length).toBeLessThanOrEqual(4); // 2 s, then 2, 4, 8 s: not 5 or more in 10 s
    expect(alerts).toEqual([`BTCUSDT: the exchange refuses Ladder's take-profit ${id}-tp1 as reduce-only while the position is still the 0.01 Ladder holds: reduce-only orders not placed by Ladder (a take-profit or close set by hand) hold the position's reduce-only budget. Cancel them; Ladder keeps trying with a back-off of up to 30 s, and its stop protects the position`]);
    expect(t.position!.remainingSteps).toBe(10);
    await h!.ex.cancelOrder('BTCUSDT', 'my_tp', 'order');
    for (let i = 0; i < 60 && t.position!.partialExits.length === 0; i++) await steps(1, 500); // within the back-off (at most 30 s)
    expect(t.position!.partialExits.map((e) => [e.reason, e.qtySteps])).toEqual([['tp1', 3]]);
    expect(storeSteps()).toBe(exchangeSteps());
  }, 60_000);
});

describe("a change by hand while the account's trade list lags (staleTrades)", () => {
  it('reduced by hand, its trade not listed: booked from the exchange after 1.5 s; that trade, listed later, is not taken again for the next shortfall (TP1 filled with its trade not listed yet): never more booked than held, flat with the exchange', async () => {
    const { t, id } = await openLong();
    h!.sim.admin.setFaults({ rules: [{ kind: 'staleTrades', hide: 1, method: 'GET', path: '/fapi/v1/userTrades' }] });
    await hand('sell', 4, 'web_reduce', true);
    for (let i = 0; i < 20 && t.position!.remainingSteps !== 6; i++) await steps(1, 200);
    expect(t.position!.remainingSteps).toBe(6);
    expect(t.position!.partialExits.map((e) => [e.reason, e.qtySteps])).toEqual([['manual', 4]]);
    h!.sim.admin.setFaults({ rules: [] }); // the list catches up: web_reduce is listed now
    await steps(3);
    h!.sim.admin.setFaults({ rules: [{ kind: 'staleTrades', hide: 1, method: 'GET', path: '/fapi/v1/userTrades' }] });
    h!.sim.admin.setPrice('BTCUSDT', 60700); // TP1 (3) goes out and fills; its trade is not listed yet
    await steps(12, 250);
    expect(exchangeSteps()).toBe(3);
    expect(t.position!.partialExits.map((e) => [e.reason, e.qtySteps])).toEqual([['manual', 4]]);
    h!.sim.admin.setFaults({ rules: [] });
    await steps(4);
    expect(t.position!.partialExits.map((e) => [e.reason, e.qtySteps])).toEqual([
      ['manual', 4],
      ['tp1', 3],
    ]);
    expect(storeSteps()).toBe(exchangeSteps());
    expect(stops()).toHaveLength(1);
    expect(t.halted).toBeNull();
    h!.sim.admin.setPrice('BTCUSDT', 62200);
    await steps(4);
    expect(exchangeSteps()).toBe(0);
    expect(h!.store.tradeHistory().find((x) => x.positionId === id)!.exits.reduce((a, e) => a + e.qtySteps, 0)).toBe(10);
  }, 40_000);
});

describe('changes while the bot was down, and reads that fail', () => {
  /** A new bot on the same store and exchange (a restart), its alerts collected. */
  async function restart(config: LadderConfig, alerts: string[] = []): Promise<TradingBot> {
    h!.bot.stop();
    const bot = new TradingBot({ config, exchange: h!.ex, store: h!.store, log: createLogger('error', new Writable({ write: (_c, _e, done) => done() })), onAlert: (_s, _k, m) => alerts.push(m), retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 5, sleep: async () => {} } });
    bots.push(bot);
    h!.bot = bot;
    await bot.start();
    return bot;
  }

  it('a resting TP1 filled while the bot was down, its trade not listed yet at the restart: not booked as a change by hand; booked once as TP1 when listed, the stop climbs', async () => {
    const config = testConfig({ scaled_tp_execution: 'limit' });
    const { id } = await openLong(config);
    h!.bot.stop();
    h!.sim.admin.setPrice('BTCUSDT', 60700); // TP1 (60600) fills on the exchange
    expect(exchangeSteps()).toBe(7);
    h!.sim.admin.setFaults({ rules: [{ kind: 'staleTrades', hide: 1, method: 'GET', path: '/fapi/v1/userTrades' }] });
    const alerts: string[] = [];
    const bot = await restart(config, alerts);
    const t = bot.traders[0]!;
    await steps(10, 250);
    expect(t.position!.partialExits).toEqual([]);
    h!.sim.admin.setFaults({ rules: [] });
    await steps(4);
    expect(t.position!.partialExits.map((e) => [e.reason, e.qtySteps])).toEqual([['tp1', 3]]);
    expect(storeSteps()).toBe(exchangeSteps());
    expect(stops()).toEqual([[`${id}-sl1`, '60000']]);
    expect(h!.state().fills.filter((f) => f.clientOrderId === `${id}-tp1`)).toHaveLength(1);
    expect(t.halted).toBeNull();
    expect(alerts).toEqual([]);
  }, 40_000);

  it('reduced by hand while the bot was down, its trade not listed at the restart: booked from the exchange (manual), the ladder goes on with what is left, flat at the end', async () => {
    const { t: t0, id } = await openLong();
    void t0;
    h!.bot.stop();
    await hand('sell', 4, 'web_reduce_down', true);
    h!.sim.admin.setFaults({ rules: [{ kind: 'staleTrades', hide: 1, method: 'GET', path: '/fapi/v1/userTrades' }] });
    const bot = await restart(testConfig());
    const t = bot.traders[0]!;
    for (let i = 0; i < 20 && t.position!.remainingSteps !== 6; i++) await steps(1, 200);
    expect(t.position!.remainingSteps).toBe(6);
    h!.sim.admin.setFaults({ rules: [] });
    for (const p of [60700, 61300, 62200]) {
      h!.sim.admin.setPrice('BTCUSDT', p);
      await steps(2);
    }
    expect(exchangeSteps()).toBe(0);
    expect(t.position).toBeNull();
    expect(h!.store.tradeHistory().find((x) => x.positionId === id)!.exits.map((e) => [e.reason, e.qtySteps])).toEqual([
      ['manual', 4],
      ['tp1', 3],
      ['tp2', 3],
    ]);
    expect(h!.state().openAlgoOrders).toEqual([]);
  }, 40_000);

  it("liquidated whole at 58900, its clearance-fee read failing (503) until a restart: the restarted bot reads it and books it once on the liquidation exit", async () => {
    const { t, id } = await openLong();
    h!.sim.admin.setFaults({ rules: [{ kind: 'error5xx', status: 503, path: '/fapi/v1/income' }] });
    h!.sim.admin.setPrice('BTCUSDT', 59000);
    const liq = h!.sim.admin.liquidate({ symbol: 'BTCUSDT', price: '58900' });
    t.touch();
    await steps(4);
    expect(t.position).toBeNull();
    const commission = 0.01 * 58900 * 0.0005;
    const feeOf = () => h!.store.tradeHistory().find((x) => x.positionId === id)!.exits[0]!.fee;
    expect(feeOf()).toBeCloseTo(commission, 8); // owed, not read yet
    h!.sim.admin.setFaults({ rules: [] });
    await restart(testConfig());
    await steps(3);
    expect(feeOf()).toBeCloseTo(commission - liq.clearanceFee, 8);
    await restart(testConfig()); // read again after a second restart: still booked once
    await steps(3);
    expect(feeOf()).toBeCloseTo(commission - liq.clearanceFee, 8);
    const wallet = (h!.sim.admin.state() as unknown as { balance: { wallet: number } }).balance.wallet;
    expect(h!.store.tradeHistory().find((x) => x.positionId === id)!.pnl).toBeCloseTo(wallet - 10_000, 8);
  }, 30_000);

  it("liquidated whole, its clearance-fee read refused outright (-2015: the key may not read the income): one alert that the fee is not booked, asked again an hour later (not every 10 s), booked once it answers; the symbol trades on", async () => {
    const clock = { ms: Date.now() };
    const MIN = 60_000;
    const { t, id, alerts } = await openLong(testConfig(), [], () => clock.ms);
    h!.sim.admin.setFaults({ rules: [{ kind: 'reject', status: 401, code: -2015, method: 'GET', path: '/fapi/v1/income' }] });
    h!.sim.admin.setPrice('BTCUSDT', 59000);
    const liq = h!.sim.admin.liquidate({ symbol: 'BTCUSDT', price: '58900' });
    t.touch();
    await steps(3);
    expect(t.position).toBeNull();
    const clearanceAlerts = () => alerts.filter((a) => /clearance/.test(a));
    expect(clearanceAlerts()).toHaveLength(1);
    expect(clearanceAlerts()[0]).toMatch(/BTCUSDT: the exchange refuses the clearance-fee read .*-2015|BTCUSDT: the exchange refuses the clearance-fee read .*permissions/);
    expect(clearanceAlerts()[0]).toContain('Enable Reading');
    // Thirty minutes on, a step every 10 s of the bot's clock: not asked again (the funding read owed at the close, refused too, waits its hour), no second alert.
    const reads = () => h!.sim.admin.requests().filter((q) => q.path === '/fapi/v1/income').length;
    clock.ms += 2 * MIN;
    await h!.bot.step();
    const before = reads();
    for (let k = 0; k < 168; k++) {
      clock.ms += 10_000;
      await h!.bot.step();
    }
    expect(reads()).toBe(before);
    expect(clearanceAlerts()).toHaveLength(1);
    // The permission given: an hour after the refusal the read answers and the fee is booked, once.
    h!.sim.admin.clearFaults();
    clock.ms += 31 * MIN;
    await h!.bot.step();
    const commission = 0.01 * 58900 * 0.0005;
    const feeOf = () => h!.store.tradeHistory().find((x) => x.positionId === id)!.exits[0]!.fee;
    expect(feeOf()).toBeCloseTo(commission - liq.clearanceFee, 8);
    // The symbol traded on meanwhile: a later signal enters.
    await t.onSignal({ side: 'long', timeMs: T + 3_600_000, reason: 'test' });
    expect(t.position?.remainingSteps).toBe(10);
  }, 60_000);

  it('liquidated while the bot was down: the restart books a liquidation exit at its price, nothing rests, a later signal enters', async () => {
    const { id } = await openLong();
    h!.bot.stop();
    h!.sim.admin.setPrice('BTCUSDT', 59000);
    await hand('sell', 10, 'autoclose-1767225600001', true);
    const bot = await restart(testConfig());
    const t = bot.traders[0]!;
    expect(t.position).toBeNull();
    expect(h!.store.tradeHistory().find((x) => x.positionId === id)!.exits.map((e) => [e.reason, e.qtySteps, e.price])).toEqual([['liquidation', 10, 59000]]);
    expect(h!.state().openAlgoOrders).toEqual([]);
    await t.onSignal({ side: 'long', timeMs: T + 3_600_000, reason: 'test' });
    expect(t.position?.remainingSteps).toBe(10);
    expect(stops()).toHaveLength(1);
  }, 30_000);

  it('reversed by hand while the bot was down, its trade not listed at the restart: the long ends (booked from the exchange), the alert says the short is not Ladder\'s, and a long signal is not sent against it', async () => {
    const { id } = await openLong();
    h!.bot.stop();
    await hand('sell', 20, 'web_flip_down');
    h!.sim.admin.setFaults({ rules: [{ kind: 'staleTrades', hide: 1, method: 'GET', path: '/fapi/v1/userTrades' }] });
    const alerts: string[] = [];
    const bot = await restart(testConfig(), alerts);
    const t = bot.traders[0]!;
    for (let i = 0; i < 20 && t.position !== null; i++) await steps(1, 200);
    expect(t.position).toBeNull();
    expect(h!.store.tradeHistory().find((x) => x.positionId === id)!.exits.map((e) => [e.reason, e.qtySteps])).toEqual([['manual', 10]]);
    expect(h!.state().openAlgoOrders).toEqual([]);
    expect(alerts.some((a) => /now holds a short 0\.01 BTCUSDT .*reversed outside Ladder/.test(a))).toBe(true);
    h!.sim.admin.setFaults({ rules: [] });
    await t.onSignal({ side: 'long', timeMs: T + 3_600_000, reason: 'test' });
    expect(t.position).toBeNull();
    expect(exchangeSteps()).toBe(-10);
    expect(t.halted).toBeNull();
  }, 30_000);

  it('closed by hand while the position read fails (503): no exit is sent for it meanwhile (its stop only, placed again); once the read answers, a manual exit, orphans cancelled, a later signal enters', async () => {
    const { t, id } = await openLong();
    h!.sim.admin.setFaults({ rules: [{ kind: 'error5xx', status: 503, method: 'GET', path: '/fapi/v3/positionRisk' }, { kind: 'error5xx', status: 503, method: 'GET', path: '/fapi/v2/positionRisk' }] });
    await hand('sell', 10, 'web_close', true);
    h!.sim.admin.setPrice('BTCUSDT', 60700); // TP1's price
    const before = h!.sim.admin.requests().length;
    await steps(4);
    // No exit on the unknown position; its stop, gone with the position, is placed again (what is held is
    // not known: a stop cancelled by hand must not stay missing), and swept once the read answers.
    const posts = h!.sim.admin.requests().slice(before).filter((r) => r.method === 'POST');
    expect(posts.filter((r) => r.path !== '/fapi/v1/algoOrder' || r.clientOrderId !== `${id}-sl0`)).toEqual([]);
    h!.sim.admin.setFaults({ rules: [] });
    await steps(2);
    expect(t.position).toBeNull();
    expect(h!.store.tradeHistory().find((x) => x.positionId === id)!.exits.map((e) => [e.reason, e.qtySteps, e.clientOrderId])).toEqual([['manual', 10, 'web_close']]);
    expect(h!.state().openAlgoOrders).toEqual([]);
    expect(h!.sim.admin.requests().filter((r) => r.code === -2022)).toHaveLength(0);
    await t.onSignal({ side: 'long', timeMs: T + 3_600_000, reason: 'test' });
    expect(t.position?.remainingSteps).toBe(10);
    expect(stops()).toHaveLength(1);
  }, 40_000);
});

describe('the stop cancelled by hand while every read of it fails', () => {
  it('the stop cancelled by hand, and its look-up answered "Order does not exist" (-2013: the exchange no longer keeps it): placed again under its id within seconds, not left missing (invariant 9)', async () => {
    const { t, id } = await openLong();
    const own = await handClient();
    await own.cancelOrder('BTCUSDT', `${id}-sl0`, 'stop');
    h!.sim.admin.setFaults({ rules: [{ kind: 'reject', code: -2013, method: 'GET', path: '/fapi/v1/algoOrder' }] });
    for (let i = 0; i < 30 && stops().length === 0; i++) {
      t.touch(); // the user stream's ALGO_UPDATE (CANCELED)
      await steps(1, 250);
    }
    expect(stops()).toEqual([[`${id}-sl0`, '58800']]);
    expect(t.position!.remainingSteps).toBe(10);
  }, 30_000);

  it('the position read fails (503) for a while and the stop is cancelled by hand meanwhile: the stop is placed again within seconds, not left missing for the whole outage (invariant 9); no take-profit goes out on the unknown position', async () => {
    const { t, id, logged } = await openLong();
    h!.sim.admin.setFaults({ rules: [{ kind: 'error5xx', status: 503, method: 'GET', path: '/fapi/v3/positionRisk' }, { kind: 'error5xx', status: 503, method: 'GET', path: '/fapi/v2/positionRisk' }] });
    const own = await handClient();
    await own.cancelOrder('BTCUSDT', `${id}-sl0`, 'stop');
    h!.sim.admin.setPrice('BTCUSDT', 60700); // TP1's price: not sent while what is held is unknown
    for (let i = 0; i < 30 && stops().length === 0; i++) {
      t.touch(); // the user stream's ALGO_UPDATE (CANCELED)
      await steps(1, 250);
    }
    expect(stops()).toEqual([[`${id}-sl0`, '58800']]);
    expect(h!.state().fills.filter((f) => f.clientOrderId === `${id}-tp1`)).toEqual([]);
    expect(logged()).toContain('position.read_failed');
    h!.sim.admin.setFaults({ rules: [] });
    await steps(3);
    expect(t.position!.tpLevelsHit).toEqual([1]);
    expect(storeSteps()).toBe(exchangeSteps());
    expect(stops()).toHaveLength(1);
  }, 30_000);

  it('the open orders lists and the stop look-up all answer 503: the stop is placed again under its id (if it rested, the exchange refuses the same id), not left missing for the whole outage (invariant 9)', async () => {
    const { t, id } = await openLong();
    const own = await handClient();
    await own.cancelOrder('BTCUSDT', `${id}-sl0`, 'stop');
    h!.sim.admin.setFaults({
      rules: [
        { kind: 'error5xx', status: 503, method: 'GET', path: '/fapi/v1/openAlgoOrders' },
        { kind: 'error5xx', status: 503, method: 'GET', path: '/fapi/v1/openOrders' },
        { kind: 'error5xx', status: 503, method: 'GET', path: '/fapi/v1/algoOrder' },
      ],
    });
    t.touch(); // the user stream's ALGO_UPDATE (CANCELED)
    for (let i = 0; i < 30 && stops().length === 0; i++) {
      t.touch();
      await steps(1, 250);
    }
    expect(t.position!.remainingSteps).toBe(10);
    expect(stops()).toEqual([[`${id}-sl0`, '58800']]);
  }, 30_000);

  it('…while the stop still rests: placed again under its id, refused as a duplicate (-4116), so still one stop; nothing closed at market, no alert; settled once the reads answer', async () => {
    const { t, id, alerts } = await openLong();
    h!.sim.admin.setFaults({
      rules: [
        { kind: 'error5xx', status: 503, method: 'GET', path: '/fapi/v1/openAlgoOrders' },
        { kind: 'error5xx', status: 503, method: 'GET', path: '/fapi/v1/openOrders' },
        { kind: 'error5xx', status: 503, method: 'GET', path: '/fapi/v1/algoOrder' },
      ],
    });
    const before = h!.sim.admin.requests().length;
    for (let i = 0; i < 16; i++) {
      t.touch();
      await steps(1, 250);
    }
    const sent = h!.sim.admin.requests().slice(before).filter((r) => r.method === 'POST');
    expect(sent.every((r) => r.path === '/fapi/v1/algoOrder' && r.clientOrderId === `${id}-sl0`)).toBe(true);
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.length).toBeLessThanOrEqual(4);
    expect(sent.every((r) => r.code === -4116 || r.code === -4130)).toBe(true);
    expect(stops()).toEqual([[`${id}-sl0`, '58800']]);
    expect(exchangeSteps()).toBe(10);
    h!.sim.admin.setFaults({ rules: [] });
    // The duplicate's look-ups back off while they fail (0.5 s doubling): it is settled at the next one.
    for (let i = 0; i < 60 && h!.store.getOrder(`${id}-sl0`)?.status !== 'open'; i++) await steps(1, 250);
    expect(stops()).toEqual([[`${id}-sl0`, '58800']]);
    expect(t.position!.remainingSteps).toBe(10);
    expect(h!.store.getOrder(`${id}-sl0`)?.status).toBe('open');
    expect(t.halted).toBeNull();
    expect(alerts).toEqual([]);
    // It still protects: the price through it closes the position once.
    h!.sim.admin.setPrice('BTCUSDT', 58700);
    await steps(4);
    expect(exchangeSteps()).toBe(0);
    expect(t.position).toBeNull();
  }, 40_000);
});

describe('limit take-profits (scaled_tp_execution "limit") and a change by hand', () => {
  const limit = (over: Record<string, unknown> = {}) => testConfig({ scaled_tp_execution: 'limit', ...over });
  const restingTps = () => h!.state().openOrders.map((o) => [o.clientOrderId.replace(/^.*-/, ''), o.origQty]);

  it('reduced by exactly TP1 quantity: the resting exits rest again for 7 (3, 3, 1) at their targets and fill there, the ladder ends flat, no level twice', async () => {
    const { t, id } = await openLong(limit());
    await hand('sell', 3, 'web_reduce_3'); // not reduce-only: the resting TPs hold the reduce-only budget (-4118)
    t.touch();
    await steps(4);
    expect(t.position!.remainingSteps).toBe(7);
    // Resting again for what is left, as at entry (not only sent once the price reaches each target).
    for (let i = 0; i < 10 && restingTps().length < 3; i++) await steps(1);
    expect(restingTps()).toEqual([
      ['tp1', '0.003'],
      ['tp2', '0.003'],
      ['tp3', '0.001'],
    ]);
    for (const p of [60700, 61300, 62200]) {
      h!.sim.admin.setPrice('BTCUSDT', p);
      await steps(3);
    }
    // Filled as resting orders: at their targets.
    expect(h!.state().fills.filter((f) => f.clientOrderId.startsWith(`${id}-tp`)).map((f) => [f.clientOrderId.slice(-3), f.price])).toEqual([
      ['tp1', '60600'],
      ['tp2', '61200'],
      ['tp3', '62100'],
    ]);
    expect(exchangeSteps()).toBe(0);
    expect(t.position).toBeNull();
    const exits = h!.store.tradeHistory().find((x) => x.positionId === id)!.exits.map((e) => [e.reason, e.qtySteps]);
    expect(exits).toEqual([
      ['manual', 3],
      ['tp1', 3],
      ['tp2', 3],
      ['tp3', 1],
    ]);
    for (const k of [1, 2, 3]) expect(new Set(h!.state().fills.filter((f) => f.clientOrderId === `${id}-tp${k}`).map((f) => (f as unknown as { orderId: number }).orderId)).size).toBe(1);
    expect(restingTps()).toEqual([]);
    expect(h!.state().openAlgoOrders).toEqual([]);
  }, 40_000);

  it('reduced to below the minimum of an exit (2 left, scaled_tp_min_order_size 0.003): TP1 closes the 2 whole, nothing rests after', async () => {
    const { t, id } = await openLong(limit({ scaled_tp_min_order_size: 0.003 }));
    await hand('sell', 8, 'web_reduce_8');
    t.touch();
    await steps(4);
    expect(t.position!.remainingSteps).toBe(2);
    expect(stops()).toHaveLength(1);
    h!.sim.admin.setPrice('BTCUSDT', 60700);
    await steps(4);
    expect(exchangeSteps()).toBe(0);
    expect(t.position).toBeNull();
    expect(h!.store.tradeHistory().find((x) => x.positionId === id)!.exits.map((e) => [e.reason, e.qtySteps])).toEqual([
      ['manual', 8],
      ['tp1', 2],
    ]);
    expect(restingTps()).toEqual([]);
    expect(h!.state().openAlgoOrders).toEqual([]);
  }, 40_000);

  it('reversed by hand: the long ends, its resting take-profits and stop are cancelled (none left on the short), the alert is sent', async () => {
    const { t, id, alerts } = await openLong(limit());
    await hand('sell', 20, 'web_flip');
    t.touch();
    await steps(3);
    expect(t.position).toBeNull();
    expect(h!.store.tradeHistory().find((x) => x.positionId === id)!.exits.map((e) => [e.reason, e.qtySteps])).toEqual([['manual', 10]]);
    expect(restingTps()).toEqual([]);
    expect(h!.state().openAlgoOrders).toEqual([]);
    expect(exchangeSteps()).toBe(-10);
    expect(alerts).toHaveLength(1);
  }, 40_000);
});

describe('added by hand, then taken off again by hand', () => {
  it('the sale that took the added quantity off is not the bot\'s exit: a later reduction by hand is booked at its own trade and price', async () => {
    const { t } = await openLong();
    await hand('buy', 5, 'web_add_5');
    await steps(2);
    await hand('sell', 5, 'web_take_5');
    await steps(2);
    expect(t.position!.remainingSteps).toBe(10);
    expect(t.position!.partialExits).toEqual([]);
    h!.sim.admin.setPrice('BTCUSDT', 60300);
    await hand('sell', 2, 'web_reduce_2', true);
    await steps(2);
    expect(t.position!.partialExits.map((e) => [e.reason, e.qtySteps, e.clientOrderId, e.price])).toEqual([['manual', 2, 'web_reduce_2', 60300]]);
    expect(storeSteps()).toBe(exchangeSteps());
  }, 30_000);
});

describe('more sides of a reduction by hand', () => {
  it('after TP1 (the stop moved: reduce-only of 7, the closePosition slot held by sl0 then freed), 3 sold by hand: the stop is placed again for the 4 held, one stop; the ladder ends flat', async () => {
    const { t, id } = await openLong();
    h!.sim.admin.setPrice('BTCUSDT', 60700);
    await steps(3);
    expect(t.position!.remainingSteps).toBe(7);
    await hand('sell', 3, 'web_reduce_after_tp1', true);
    t.touch();
    await steps(4);
    expect(t.position!.remainingSteps).toBe(4);
    expect(storeSteps()).toBe(exchangeSteps());
    const algo = h!.state().openAlgoOrders as unknown as { clientAlgoId: string; closePosition: boolean; quantity: string; triggerPrice: string }[];
    expect(algo).toHaveLength(1);
    expect(algo[0]!.triggerPrice).toBe('60000');
    expect(algo[0]!.closePosition || Number(algo[0]!.quantity) === 0.004).toBe(true);
    h!.sim.admin.setPrice('BTCUSDT', 62200);
    await steps(4);
    expect(exchangeSteps()).toBe(0);
    expect(h!.store.tradeHistory().find((x) => x.positionId === id)!.exits.map((e) => [e.reason, e.qtySteps])).toEqual([
      ['tp1', 3],
      ['manual', 3],
      ['tp2', 3],
      ['tp3', 1],
    ]);
    expect(h!.state().openAlgoOrders).toEqual([]);
  }, 40_000);

  it('limit mode, while the bot was down: TP1 filled and 2 sold by hand; the restart books both (TP1 once, manual 2), the stop to breakeven, the rest resting again for 5', async () => {
    const config = testConfig({ scaled_tp_execution: 'limit' });
    const { id } = await openLong(config);
    h!.bot.stop();
    h!.sim.admin.setPrice('BTCUSDT', 60700); // TP1 fills
    await hand('sell', 2, 'web_reduce_down');
    h!.bot = new TradingBot({ config, exchange: h!.ex, store: h!.store, log: createLogger('error', new Writable({ write: (_c, _e, done) => done() })), retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 5, sleep: async () => {} } });
    bots.push(h!.bot);
    await h!.bot.start();
    const t = h!.bot.traders[0]!;
    for (let i = 0; i < 10 && h!.state().openOrders.length < 2; i++) await steps(1);
    expect(t.position!.partialExits.map((e) => [e.reason, e.qtySteps])).toEqual([
      ['tp1', 3],
      ['manual', 2],
    ]);
    expect(storeSteps()).toBe(exchangeSteps());
    expect(stops().map((s) => s[1])).toEqual(['60000']);
    expect(h!.state().openOrders.map((o) => [o.clientOrderId.slice(id.length + 1), o.origQty])).toEqual([
      ['tp2', '0.003'],
      ['tp3', '0.002'],
    ]);
    expect(h!.state().fills.filter((f) => f.clientOrderId === `${id}-tp1`)).toHaveLength(1);
  }, 40_000);
});

describe('a leftover order of a closed position whose cancel keeps failing', () => {
  it('limit mode, closed by hand while every cancel answers 503: a long signal then is not entered while the old take-profits rest (they would sell the new long at the old targets, booked as a change by hand); once the cancels answer, it enters and its own ladder fills', async () => {
    const { t, id } = await openLong(testConfig({ scaled_tp_execution: 'limit' }));
    h!.sim.admin.setFaults({ rules: [{ kind: 'error5xx', status: 503, method: 'DELETE', path: '/fapi/v1/order' }, { kind: 'error5xx', status: 503, method: 'DELETE', path: '/fapi/v1/algoOrder' }] });
    await hand('sell', 10, 'web_close'); // not reduce-only: the resting TPs hold the reduce-only budget
    t.touch();
    await steps(3);
    expect(t.position).toBeNull();
    const leftovers = () => h!.state().openOrders.filter((o) => o.clientOrderId.startsWith(`${id}-`)).length;
    expect(leftovers()).toBe(3);
    await t.onSignal({ side: 'long', timeMs: T + 3_600_000, reason: 'test' });
    await steps(2);
    // Not entered on top of the old take-profits.
    expect(exchangeSteps()).toBe(0);
    h!.sim.admin.setFaults({ rules: [] });
    await steps(3);
    expect(leftovers()).toBe(0);
    // The signal waited (within webhook.max_lag_s) and enters once the old orders are gone.
    const id2 = t.position!.id;
    expect(exchangeSteps()).toBe(10);
    h!.sim.admin.setPrice('BTCUSDT', 60700);
    await steps(3);
    expect(h!.state().fills.filter((f) => f.clientOrderId.startsWith(`${id}-tp`))).toEqual([]);
    expect(t.position!.partialExits.map((e) => [e.reason, e.qtySteps])).toEqual([['tp1', 3]]);
    expect(t.position!.id).toBe(id2);
  }, 40_000);

  it('…and with --manage, a long opened by hand meanwhile is not adopted while the old take-profits rest (they would sell it at the old targets and hold its reduce-only budget); once the cancels answer, it is adopted with its own ladder', async () => {
    const { t, id } = await openLong(testConfig({ scaled_tp_execution: 'limit' }), ['BTCUSDT']);
    h!.sim.admin.setFaults({ rules: [{ kind: 'error5xx', status: 503, method: 'DELETE', path: '/fapi/v1/order' }, { kind: 'error5xx', status: 503, method: 'DELETE', path: '/fapi/v1/algoOrder' }] });
    await hand('sell', 10, 'web_close'); // not reduce-only: the resting TPs hold the reduce-only budget
    t.touch();
    await steps(3);
    expect(t.position).toBeNull();
    const leftovers = () => h!.state().openOrders.filter((o) => o.clientOrderId.startsWith(`${id}-`)).length;
    expect(leftovers()).toBe(3);
    await hand('buy', 10, 'web_open');
    t.touch();
    await steps(2);
    expect(t.position).toBeNull(); // not adopted on top of the old take-profits
    h!.sim.admin.setFaults({ rules: [] });
    await steps(3);
    expect(leftovers()).toBe(0);
    const adopted = t.position!;
    expect(adopted.id).not.toBe(id);
    expect(adopted.remainingSteps).toBe(10);
    h!.sim.admin.setPrice('BTCUSDT', 60700);
    await steps(3);
    expect(h!.state().fills.filter((f) => f.clientOrderId.startsWith(`${id}-tp`))).toEqual([]);
    expect(t.position!.partialExits.map((e) => [e.reason, e.qtySteps])).toEqual([['tp1', 3]]);
    expect(storeSteps()).toBe(exchangeSteps());
  }, 40_000);

  it('…the open orders lists failing (503) at the next signal: the store knows of no order of ours left, so it enters (an outage of the lists does not stop entries)', async () => {
    const { t, id } = await openLong();
    await hand('sell', 10, 'web_close', true);
    t.touch();
    await steps(3);
    expect(t.position).toBeNull();
    expect(h!.state().openOrders.filter((o) => o.clientOrderId.startsWith(`${id}-`))).toEqual([]);
    h!.sim.admin.setFaults({ rules: [{ kind: 'error5xx', status: 503, method: 'GET', path: '/fapi/v1/openOrders' }, { kind: 'error5xx', status: 503, method: 'GET', path: '/fapi/v1/openAlgoOrders' }] });
    await t.onSignal({ side: 'long', timeMs: T + 3_600_000, reason: 'test' });
    expect(exchangeSteps()).toBe(10);
    expect(t.position?.remainingSteps).toBe(10);
  }, 30_000);
});

describe('a symbol dropped from the config while Ladder holds a position on it', () => {
  it('restarted trading ETHUSDT only, with a BTCUSDT long open in the store: said at the start, naming the position and what still protects it (before: nothing said, the ladder unmanaged)', async () => {
    const { id } = await openLong();
    h!.bot.stop();
    const { log, records } = recordingLogger();
    const bot = new TradingBot({ config: testConfig({ symbols: ['ETH/USDT:USDT'] }), exchange: h!.ex, store: h!.store, log, retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 5, sleep: async () => {} } });
    bots.push(bot);
    h!.bot = bot;
    await bot.start();
    const said = records.filter((r) => r['msg'] === 'position.symbol_not_traded');
    expect(said.map((r) => [r['level'], r['symbol'], r['positionId'], r['side'], r['remaining'], r['traded']])).toEqual([[40, 'BTCUSDT', id, 'long', 0.01, ['ETHUSDT']]]);
    // Still the trader's: nothing closed, its stop rests on the exchange.
    expect(h!.state().openAlgoOrders.map((a) => a.clientAlgoId)).toEqual([`${id}-sl0`]);
  });
});
