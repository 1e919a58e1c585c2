import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/bot/logger.ts';
import { type Simulator, startSimulator } from '../../src/sim/simulator.ts';
import { openStore } from '../../src/store/index.ts';
import { type Webhook, startWebhook } from '../../src/web/webhook/webhook-server.ts';
import { type Harness, type SimState, startHarness, stepBot, testConfig } from '../support/bot-harness.ts';
import { tempDir } from '../support/temp-dir.ts';

/**
 * [entries] 2 end to end, over real HTTP: alerts POSTed to the webhook, the bot on the simulator
 * (ccxt, a real SQLite file) acting on what the webhook stored. Every check of what traded reads
 * the simulator's own state.
 */
const SECRET = 'e2e-webhook-secret-0123';
const ROOT = resolve(import.meta.dirname, '../..');

let h: Harness | null = null;
let hook: Webhook | null = null;
let sim: Simulator | null = null;
const children: ChildProcess[] = [];
afterEach(async () => {
  await hook?.close();
  hook = null;
  await h?.close();
  h = null;
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  children.length = 0;
  await sim?.close();
  sim = null;
});

async function setUp(over: Record<string, unknown> = {}) {
  const config = testConfig({ webhook: { port: 0 }, ...over });
  h = await startHarness(config);
  h.sim.admin.setPrice('BTCUSDT', 60000, true);
  await h.bot.start();
  hook = await startWebhook({ config, store: h.store, secret: SECRET, log: silentLogger() });
  return h;
}

async function send(url: string, body: unknown): Promise<{ status: number; code: string | undefined }> {
  const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const json = (await res.json()) as { error?: { code: string } };
  return { status: res.status, code: json.error?.code };
}

const alert = (over: Record<string, unknown> = {}) => ({ secret: SECRET, id: 'tv-1', symbol: 'BTCUSDT', side: 'long', time: new Date().toISOString(), ...over });
const entries = (s: SimState) => s.fills.filter((f) => f.clientOrderId.endsWith('-entry'));
const amount = (s: SimState) => Number(s.positions.find((p) => p.symbol === 'BTCUSDT')?.positionAmt ?? 0);

describe('signal webhook → bot on the simulator', () => {
  it('a signal an earlier Ladder entered under its id without the side (killed before marking it) is not entered again after the upgrade', async () => {
    await setUp();
    const time = new Date(Math.floor(Date.now() / 1000) * 1000);
    const legacy = `BTCUSDT-${Math.floor(time.getTime() / 1000).toString(36)}`;
    h!.store.recordIntent({ clientOrderId: `${legacy}-entry`, positionId: legacy, symbol: 'BTCUSDT', kind: 'entry', level: null, side: 'buy', type: 'market', qtySteps: 10 as never, priceTicks: null, price: null, stopTicks: null, stopPrice: null, reduceOnly: false, closePosition: false, replacesClientOrderId: null, createdAtMs: time.getTime() });
    h!.store.markOrderStatus(`${legacy}-entry`, 'filled', { timeMs: time.getTime() });
    expect((await send(hook!.url, alert({ id: 'old-1', time: time.toISOString() }))).status).toBe(200);
    await h!.bot.step();
    expect(entries(h!.state())).toEqual([]);
    expect(h!.trader('BTCUSDT').position).toBeNull();
  });

  it('a signal an earlier Ladder entered under its id without the signal\'s key (killed before marking it) is not entered again after the upgrade', async () => {
    await setUp();
    const time = new Date(Math.floor(Date.now() / 1000) * 1000);
    const earlier = `BTCUSDT-${Math.floor(time.getTime() / 1000).toString(36)}l`;
    h!.store.recordIntent({ clientOrderId: `${earlier}-entry`, positionId: earlier, symbol: 'BTCUSDT', kind: 'entry', level: null, side: 'buy', type: 'market', qtySteps: 10 as never, priceTicks: null, price: null, stopTicks: null, stopPrice: null, reduceOnly: false, closePosition: false, replacesClientOrderId: null, createdAtMs: time.getTime() });
    h!.store.markOrderStatus(`${earlier}-entry`, 'filled', { timeMs: time.getTime() });
    expect((await send(hook!.url, alert({ id: 'old-2', time: time.toISOString() }))).status).toBe(200);
    await h!.bot.step();
    expect(entries(h!.state())).toEqual([]);
  });

  it('a short, then a long of the same second: the long closes the short and enters long (each side has its own position id)', async () => {
    await setUp();
    const time = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();
    expect((await send(hook!.url, alert({ id: 's-1', side: 'short', time }))).status).toBe(200);
    await h!.bot.step();
    const short = h!.trader('BTCUSDT').position!;
    expect(short.side).toBe('short');
    expect((await send(hook!.url, alert({ id: 'l-1', side: 'long', time }))).status).toBe(200);
    await h!.bot.step();
    await h!.bot.step();
    const long = h!.trader('BTCUSDT').position!;
    expect(long.side).toBe('long');
    expect(long.id).not.toBe(short.id);
    expect(amount(h!.state())).toBe(0.01);
    expect(h!.store.getSignal('l-1')).toMatchObject({ status: 'acted', detail: `entered ${long.id}` });
    expect(h!.store.tradeHistory().find((t) => t.positionId === short.id)!.exits.map((e) => e.reason)).toEqual(['signal']);
  });

  it('a valid alert opens a position with its ladder and its stop on the exchange', async () => {
    await setUp();
    const t0 = Date.now();
    expect(await send(hook!.url, alert({ stop_loss_pct: 1.5 }))).toEqual({ status: 200, code: undefined });
    expect(Date.now() - t0).toBeLessThan(3000); // TradingView gives up after 3 s
    expect(entries(h!.state())).toEqual([]); // the webhook only stores: the loop acts
    await h!.bot.step();
    const p = h!.trader('BTCUSDT').position!;
    expect([p.side, p.originalSteps, p.plan.levels.map((l) => [l.reason, l.qtySteps])]).toEqual(['long', 10, [['tp1', 3], ['tp2', 3], ['tp3', 4]]]);
    const s = h!.state();
    expect(amount(s)).toBe(0.01);
    // The alert's own stop (1.5 %), not the config's 2 %: 60000 × 0.985.
    expect(s.openAlgoOrders.map((a) => [a.clientAlgoId, a.triggerPrice])).toEqual([[`${p.id}-sl0`, '59100']]);
    expect(h!.store.getSignal('tv-1')).toMatchObject({ status: 'acted', detail: `entered ${p.id}`, source: 'webhook' });
    // The ladder runs as for any entry.
    h!.sim.admin.setPrice('BTCUSDT', 60700);
    await h!.bot.step();
    expect(h!.state().fills.filter((f) => f.clientOrderId === `${p.id}-tp1`).map((f) => f.qty)).toEqual(['0.003']);
  });

  it('an alert refused by a risk limit says so in its record (it said "not entered (max open positions, halted, …; see the log)", a list without risk limits)', async () => {
    // 0.01 BTC at 60000 is 600 of notional, above a max_total_notional of 500.
    await setUp({ risk_limits: { max_total_notional: 500 } });
    expect((await send(hook!.url, alert())).status).toBe(200);
    await h!.bot.step();
    expect(entries(h!.state())).toEqual([]);
    expect(h!.store.getSignal('tv-1')).toMatchObject({ status: 'acted', detail: 'not entered: risk limit max_total_notional (open notional 0 + this entry 600 = 600, above the limit 500)' });
  });

  it('an alert that waited for a failing balance read (the risk limit needs it), then refused by that limit once the read answered: its record names the limit too (it said the generic list: the wait is marked apart from the try)', async () => {
    await setUp({ risk_limits: { max_total_notional: 500 } });
    h!.sim.admin.setFaults({ rules: [{ kind: 'error5xx', status: 503, method: 'GET', path: '/fapi/v2/account' }, { kind: 'error5xx', status: 503, method: 'GET', path: '/fapi/v3/account' }, { kind: 'error5xx', status: 503, method: 'GET', path: '/fapi/v2/balance' }, { kind: 'error5xx', status: 503, method: 'GET', path: '/fapi/v3/balance' }] });
    expect((await send(hook!.url, alert())).status).toBe(200);
    await h!.bot.step();
    expect(h!.store.getSignal('tv-1')).toMatchObject({ status: 'pending' }); // its entry waits for the balance the limit needs
    h!.sim.admin.clearFaults();
    await stepBot(h!, 3, 100);
    expect(entries(h!.state())).toEqual([]);
    expect(h!.store.getSignal('tv-1')).toMatchObject({ status: 'acted', detail: 'not entered: risk limit max_total_notional (open notional 0 + this entry 600 = 600, above the limit 500)' });
  });

  it('the same alert sent three times opens one position', async () => {
    await setUp();
    const a = alert();
    const answers = [];
    for (let i = 0; i < 3; i++) {
      answers.push(await send(hook!.url, a));
      await h!.bot.step();
    }
    expect(answers).toEqual([
      { status: 200, code: undefined },
      { status: 409, code: 'duplicate' },
      { status: 409, code: 'duplicate' },
    ]);
    expect(entries(h!.state())).toHaveLength(1);
    expect(amount(h!.state())).toBe(0.01);
  });

  it("an alert accepted but not entered says why on its record (the dashboard's Signals list), not a list of every possible cause", async () => {
    await setUp();
    // A stop under one tick: 0.0001 % of 60000 is 0.06, BTCUSDT's tick 0.1.
    expect((await send(hook!.url, alert({ id: 'tiny', stop_loss_pct: 0.0001 }))).status).toBe(200);
    await h!.bot.step();
    expect(h!.store.getSignal('tiny')).toMatchObject({ status: 'acted', detail: "not entered: a stop 0.0001% from the entry 60000 rounds to 60000 on BTC/USDT:USDT's tick 0.1: at or past the entry (the stop distance is less than one tick; raise stop_loss_pct)" });
    // A short the trader opened by hand (not managed): a long would net against it.
    await h!.ex.createOrder({ symbol: 'BTCUSDT', side: 'sell', type: 'market', amountSteps: 5 as never, reduceOnly: false, clientOrderId: 'web_hand_1' });
    expect((await send(hook!.url, alert({ id: 'against' }))).status).toBe(200);
    await h!.bot.step();
    expect(h!.store.getSignal('against')).toMatchObject({ status: 'acted', detail: 'not entered: the account holds a short 0.005 BTCUSDT not opened by Ladder: a long entry would net against it' });
    expect(entries(h!.state())).toEqual([]);
  });

  it('a wrong secret, a stale alert, a malformed body and an oversized body each get their status and trade nothing', async () => {
    await setUp();
    const answers = [
      await send(hook!.url, alert({ secret: 'wrong-secret-wrong-secret' })),
      await send(hook!.url, alert({ id: 'stale', time: new Date(Date.now() - 5 * 60_000).toISOString() })),
      await send(hook!.url, '{"secret":"e2e-webhook-secret-0123","id":'),
      await send(hook!.url, alert({ id: 'big', note: 'x'.repeat(8000) })),
    ];
    expect(answers).toEqual([
      { status: 401, code: 'secret' },
      { status: 409, code: 'stale' },
      { status: 400, code: 'malformed' },
      { status: 413, code: 'too_large' },
    ]);
    await h!.bot.step();
    expect(h!.trader('BTCUSDT').position).toBeNull();
    expect(h!.state().fills).toEqual([]);
    expect(h!.store.signals()).toEqual([]);
  });

  it('a close alert closes the open position at market and ends its stop', async () => {
    await setUp();
    await send(hook!.url, alert());
    await h!.bot.step();
    const id = h!.trader('BTCUSDT').position!.id;
    expect((await send(hook!.url, alert({ id: 'tv-close', side: 'flat' }))).status).toBe(200);
    await h!.bot.step();
    await h!.bot.step();
    expect(h!.trader('BTCUSDT').position).toBeNull();
    const s = h!.state();
    expect(amount(s)).toBe(0);
    expect(s.openAlgoOrders).toEqual([]);
    expect(h!.store.tradeHistory().find((t) => t.positionId === id)?.exits.map((e) => e.reason)).toEqual(['signal']);
    expect(h!.store.getSignal('tv-close')).toMatchObject({ status: 'acted', detail: 'closing the open position' });
  });

  it('a close alert while the entry is in doubt (its answer lost, the look-ups failing) closes the long once it is booked, not "no open position"', async () => {
    await setUp();
    // The entry executes but its answer is a 500 (-1001), and the look-ups by client id fail for a while.
    h!.sim.admin.setFaults({ rules: [{ kind: 'error5xx', status: 500, processed: true, method: 'POST', path: '/fapi/v1/order', count: 1 }, { kind: 'error5xx', status: 503, method: 'GET', path: '/fapi/v1/order' }] });
    expect((await send(hook!.url, alert())).status).toBe(200);
    await h!.bot.step();
    expect(amount(h!.state())).toBe(0.01); // the long holds on the exchange
    expect(h!.trader('BTCUSDT').position).toBeNull(); // not booked yet: in doubt
    expect((await send(hook!.url, alert({ id: 'tv-flat', side: 'flat' }))).status).toBe(200);
    await h!.bot.step();
    // The look-ups answer again: the entry is booked, and the close the trader asked for goes out.
    h!.sim.admin.clearFaults();
    // The look-ups back off (0.5 s, 1 s, …): stepped until the position is gone from the exchange.
    for (let i = 0; i < 40 && amount(h!.state()) !== 0; i++) await stepBot(h!, 1, 100);
    expect(amount(h!.state())).toBe(0);
    expect(h!.state().openAlgoOrders).toEqual([]);
    expect(h!.trader('BTCUSDT').position).toBeNull();
    expect(h!.store.tradeHistory().map((t) => t.exits.map((e) => e.reason))).toEqual([['signal']]);
    expect(h!.store.getSignal('tv-flat')).toMatchObject({ status: 'acted', detail: 'closing the open position' });
  });

  it('a short alert while the long\'s entry is in doubt reverses once the long is booked: the long closed, the short entered', async () => {
    await setUp();
    h!.sim.admin.setFaults({ rules: [{ kind: 'error5xx', status: 500, processed: true, method: 'POST', path: '/fapi/v1/order', count: 1 }, { kind: 'error5xx', status: 503, method: 'GET', path: '/fapi/v1/order' }] });
    expect((await send(hook!.url, alert())).status).toBe(200);
    await h!.bot.step();
    expect(h!.trader('BTCUSDT').position).toBeNull(); // in doubt
    expect((await send(hook!.url, alert({ id: 'tv-short', side: 'short' }))).status).toBe(200);
    await h!.bot.step();
    h!.sim.admin.clearFaults();
    for (let i = 0; i < 40 && h!.trader('BTCUSDT').position?.side !== 'short'; i++) await stepBot(h!, 1, 100);
    const p = h!.trader('BTCUSDT').position!;
    expect(p.side).toBe('short');
    expect(amount(h!.state())).toBe(-0.01);
    expect(h!.store.tradeHistory().filter((t) => t.side === 'long').map((t) => t.exits.map((e) => e.reason))).toEqual([['signal']]);
    expect(h!.store.getSignal('tv-short')).toMatchObject({ status: 'acted', detail: `entered ${p.id}` });
  });

  it('flat, then long while the close is in doubt (its answer lost, the look-ups failing): the long is entered once the close is booked, not ignored as "already long"', async () => {
    await setUp();
    expect((await send(hook!.url, alert())).status).toBe(200);
    await h!.bot.step();
    const first = h!.trader('BTCUSDT').position!;
    // The close executes but its answer is a 500 (-1001), and the look-ups by client id fail for a while.
    h!.sim.admin.setFaults({ rules: [{ kind: 'error5xx', status: 500, processed: true, method: 'POST', path: '/fapi/v1/order', count: 1 }, { kind: 'error5xx', status: 503, method: 'GET', path: '/fapi/v1/order' }] });
    expect((await send(hook!.url, alert({ id: 'tv-flat', side: 'flat' }))).status).toBe(200);
    await h!.bot.step();
    expect(amount(h!.state())).toBe(0); // flat on the exchange, the close not booked yet
    expect((await send(hook!.url, alert({ id: 'tv-long-2', side: 'long', time: new Date(Date.now() + 1000).toISOString() }))).status).toBe(200);
    await h!.bot.step();
    h!.sim.admin.clearFaults();
    for (let i = 0; i < 40 && amount(h!.state()) === 0; i++) await stepBot(h!, 1, 100);
    const second = h!.trader('BTCUSDT').position!;
    expect([second.side, second.id !== first.id]).toEqual(['long', true]);
    expect(amount(h!.state())).toBe(0.01);
    expect(h!.store.tradeHistory().find((t) => t.positionId === first.id)!.exits.map((e) => e.reason)).toEqual(['signal']);
    expect(h!.store.getSignal('tv-long-2')).toMatchObject({ status: 'acted', detail: `entered ${second.id}` });
  });

  it('long, flat, long in the same second (a strategy that exits and enters again on one bar, one {{timenow}}): the second long is entered', async () => {
    await setUp();
    const time = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();
    for (const [id, side] of [['l-1', 'long'], ['f-1', 'flat'], ['l-2', 'long']] as const) {
      expect((await send(hook!.url, alert({ id, side, time }))).status).toBe(200);
      await h!.bot.step();
    }
    const p = h!.trader('BTCUSDT').position;
    expect(p?.side).toBe('long');
    expect(amount(h!.state())).toBe(0.01);
    expect(entries(h!.state())).toHaveLength(2);
    expect(h!.store.getSignal('l-2')).toMatchObject({ status: 'acted', detail: `entered ${p!.id}` });
  });

  it('max_open_positions 1: a long on another symbol is not entered while the first entry is in doubt (it filled: two positions would be open)', async () => {
    await setUp({ symbols: ['BTC/USDT:USDT', 'ETH/USDT:USDT'], max_open_positions: 1 });
    h!.sim.admin.setPrice('ETHUSDT', 3000, true);
    // BTC's entry executes but its answer is a 500 (-1001), and the look-ups by client id fail for a while.
    h!.sim.admin.setFaults({ rules: [{ kind: 'error5xx', status: 500, processed: true, method: 'POST', path: '/fapi/v1/order', count: 1 }, { kind: 'error5xx', status: 503, method: 'GET', path: '/fapi/v1/order' }] });
    expect((await send(hook!.url, alert())).status).toBe(200);
    await h!.bot.step();
    expect(h!.trader('BTCUSDT').position).toBeNull(); // in doubt
    expect((await send(hook!.url, alert({ id: 'eth-1', symbol: 'ETHUSDT' }))).status).toBe(200);
    await h!.bot.step();
    h!.sim.admin.clearFaults();
    for (let i = 0; i < 40 && h!.trader('BTCUSDT').position === null; i++) await stepBot(h!, 1, 100);
    expect(h!.trader('BTCUSDT').position?.side).toBe('long');
    const held = h!.state().positions.filter((p) => Number(p.positionAmt) !== 0).map((p) => p.symbol);
    expect(held).toEqual(['BTCUSDT']);
    expect(h!.trader('ETHUSDT').position).toBeNull();
  });

  it('a long and a short pending together (both waited while the bot was down): the long is not sent, only the short enters (before: bought, then sold back at once by the reversal)', async () => {
    await setUp();
    const time = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();
    expect((await send(hook!.url, alert({ id: 'q-long', side: 'long', time }))).status).toBe(200);
    expect((await send(hook!.url, alert({ id: 'q-short', side: 'short', time }))).status).toBe(200);
    for (let i = 0; i < 3; i++) await h!.bot.step();
    expect(entries(h!.state()).map((f) => f.side)).toEqual(['SELL']);
    expect(h!.state().fills).toHaveLength(1);
    expect(h!.trader('BTCUSDT').position?.side).toBe('short');
    expect(h!.store.getSignal('q-long')).toMatchObject({ status: 'acted', detail: 'not entered: a short of BTC/USDT:USDT (signal q-short) was pending behind it: entered, it would be closed at once (two fees for no exposure)' });
    expect(h!.store.getSignal('q-short')).toMatchObject({ status: 'acted', detail: `entered ${h!.trader('BTCUSDT').position!.id}` });
  });

  it('a long and a flat pending together: the long\'s record names the flat that stopped it (it said the list of every possible cause, "see the log", and the log said nothing more)', async () => {
    await setUp();
    const time = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();
    expect((await send(hook!.url, alert({ id: 'p-long', side: 'long', time }))).status).toBe(200);
    expect((await send(hook!.url, alert({ id: 'p-flat', side: 'flat', time }))).status).toBe(200);
    await h!.bot.step();
    expect(h!.state().fills).toEqual([]);
    expect(h!.store.getSignal('p-long')).toMatchObject({ status: 'acted', detail: 'not entered: a close of BTC/USDT:USDT (signal p-flat) was pending behind it: entered, it would be closed at once (two fees for no exposure)' });
    expect(h!.store.getSignal('p-flat')).toMatchObject({ status: 'acted', detail: 'no open position to close' });
  });

  it('a signal entered but not marked (killed in between), back after max_lag_s: marked acted with its position, not refused as never traded', async () => {
    await setUp({ webhook: { port: 0, max_lag_s: 1 } });
    expect((await send(hook!.url, alert())).status).toBe(200);
    await h!.bot.step();
    const p = h!.trader('BTCUSDT').position!;
    // The kill landed after the entry, before the mark: the row is still pending.
    const db = new Database(h!.dbPath);
    db.prepare(`UPDATE signals SET status = 'pending', detail = NULL WHERE id = 'tv-1'`).run();
    db.close();
    await new Promise((r) => setTimeout(r, 1500));
    await h!.bot.step();
    expect(entries(h!.state())).toHaveLength(1);
    expect(h!.store.getSignal('tv-1')).toMatchObject({ status: 'acted', detail: `entered ${p.id}` });
  });

  it('a flat older than the short already acted on (delivered late, after the reversal) leaves the short open: refused as out of order', async () => {
    await setUp();
    const t = Math.floor(Date.now() / 1000) * 1000 - 10_000;
    const at = (s: number) => new Date(t + s * 1000).toISOString();
    expect((await send(hook!.url, alert({ id: 'o-long', side: 'long', time: at(0) }))).status).toBe(200);
    await h!.bot.step();
    expect((await send(hook!.url, alert({ id: 'o-short', side: 'short', time: at(4) }))).status).toBe(200);
    await h!.bot.step();
    await h!.bot.step();
    const short = h!.trader('BTCUSDT').position!;
    expect(short.side).toBe('short');
    // The flat that closed the long (2 s after it) arrives only now.
    expect((await send(hook!.url, alert({ id: 'o-flat', side: 'flat', time: at(2) }))).status).toBe(200);
    await h!.bot.step();
    await h!.bot.step();
    expect(h!.trader('BTCUSDT').position?.id).toBe(short.id);
    expect(amount(h!.state())).toBe(-0.01);
    expect(h!.store.getSignal('o-flat')).toMatchObject({ status: 'refused' });
    expect(h!.store.getSignal('o-flat')!.detail).toContain('o-short');
  });

  it('a long older than the flat already acted on (delivered late) is not entered: refused as out of order', async () => {
    await setUp();
    const t = Math.floor(Date.now() / 1000) * 1000 - 10_000;
    const at = (s: number) => new Date(t + s * 1000).toISOString();
    expect((await send(hook!.url, alert({ id: 'o-flat', side: 'flat', time: at(4) }))).status).toBe(200);
    await h!.bot.step();
    expect((await send(hook!.url, alert({ id: 'o-long', side: 'long', time: at(2) }))).status).toBe(200);
    await h!.bot.step();
    expect(h!.state().fills).toEqual([]);
    expect(h!.trader('BTCUSDT').position).toBeNull();
    expect(h!.store.getSignal('o-long')).toMatchObject({ status: 'refused' });
  });

  it('a long from a sender whose clock runs 30 s ahead, then a flat sent by hand without a time: the flat closes it (not refused as older)', async () => {
    await setUp();
    expect((await send(hook!.url, alert({ id: 'ahead-long', time: new Date(Date.now() + 30_000).toISOString() }))).status).toBe(200);
    await h!.bot.step();
    expect(h!.trader('BTCUSDT').position?.side).toBe('long');
    expect((await send(hook!.url, alert({ id: 'hand-flat', side: 'flat', time: undefined }))).status).toBe(200);
    await h!.bot.step();
    await h!.bot.step();
    expect(h!.store.getSignal('hand-flat')).toMatchObject({ status: 'acted', detail: 'closing the open position' });
    expect(h!.trader('BTCUSDT').position).toBeNull();
    expect(amount(h!.state())).toBe(0);
  });

  it("a long sent by hand without a time, then a flat fired later in the same second by a sender whose time has whole seconds (TradingView's {{timenow}}): the flat closes it, not refused as older", async () => {
    await setUp();
    // The long arrives well inside a second, so that its arrival time has milliseconds.
    while (Date.now() % 1000 < 100 || Date.now() % 1000 > 600) await new Promise((r) => setTimeout(r, 10));
    expect((await send(hook!.url, alert({ id: 'hand-long', time: undefined }))).status).toBe(200);
    const second = Math.floor(h!.store.getSignal('hand-long')!.timeMs / 1000) * 1000;
    await h!.bot.step();
    expect(h!.trader('BTCUSDT').position?.side).toBe('long');
    expect((await send(hook!.url, alert({ id: 'tv-flat', side: 'flat', time: new Date(second).toISOString().replace('.000Z', 'Z') }))).status).toBe(200);
    await h!.bot.step();
    await h!.bot.step();
    expect(h!.store.getSignal('tv-flat')).toMatchObject({ status: 'acted', detail: 'closing the open position' });
    expect(h!.trader('BTCUSDT').position).toBeNull();
    expect(amount(h!.state())).toBe(0);
  });

  it('…and the long without a time still waits for a failing position read when that flat comes: the flat drops it, nothing is entered once the read answers', async () => {
    await setUp();
    h!.sim.admin.setFaults({ kind: 'error5xx', status: 503, method: 'GET', path: '/fapi/v3/positionRisk' });
    while (Date.now() % 1000 < 100 || Date.now() % 1000 > 600) await new Promise((r) => setTimeout(r, 10));
    expect((await send(hook!.url, alert({ id: 'hand-long', time: undefined }))).status).toBe(200);
    const second = Math.floor(h!.store.getSignal('hand-long')!.timeMs / 1000) * 1000;
    await h!.bot.step();
    expect(h!.store.getSignal('hand-long')).toMatchObject({ status: 'pending' });
    expect((await send(hook!.url, alert({ id: 'tv-flat', side: 'flat', time: new Date(second).toISOString().replace('.000Z', 'Z') }))).status).toBe(200);
    await h!.bot.step();
    h!.sim.admin.clearFaults();
    await stepBot(h!, 3, 100);
    expect(h!.store.getSignal('tv-flat')).toMatchObject({ status: 'acted' });
    expect(entries(h!.state())).toEqual([]);
    expect(h!.trader('BTCUSDT').position).toBeNull();
  });

  it("pending together (no step between), a long sent by hand without a time, then a flat of that whole second (TradingView's {{timenow}}): acted on in the order they arrived, nothing is left open", async () => {
    await setUp();
    while (Date.now() % 1000 < 100 || Date.now() % 1000 > 600) await new Promise((r) => setTimeout(r, 10));
    expect((await send(hook!.url, alert({ id: 'hand-long', time: undefined }))).status).toBe(200);
    const second = Math.floor(h!.store.getSignal('hand-long')!.timeMs / 1000) * 1000;
    expect((await send(hook!.url, alert({ id: 'tv-flat', side: 'flat', time: new Date(second).toISOString().replace('.000Z', 'Z') }))).status).toBe(200);
    await h!.bot.step();
    await h!.bot.step();
    // Before: the flat (12:00:00) went first, then the long (12:00:00.3): a long left open against the sender's flat.
    expect(h!.store.getSignal('tv-flat')).toMatchObject({ status: 'acted' });
    expect(h!.store.getSignal('hand-long')).toMatchObject({ status: 'acted' });
    expect(entries(h!.state())).toEqual([]);
    expect(h!.trader('BTCUSDT').position).toBeNull();
    expect(amount(h!.state())).toBe(0);
  });

  it('pending together, a long received before an older flat (the bot was busy): the flat acts first, the long is entered', async () => {
    await setUp();
    const t = Math.floor(Date.now() / 1000) * 1000 - 10_000;
    const at = (s: number) => new Date(t + s * 1000).toISOString();
    expect((await send(hook!.url, alert({ id: 'o-long', side: 'long', time: at(4) }))).status).toBe(200);
    expect((await send(hook!.url, alert({ id: 'o-flat', side: 'flat', time: at(2) }))).status).toBe(200);
    await h!.bot.step();
    await h!.bot.step();
    const p = h!.trader('BTCUSDT').position;
    expect(p?.side).toBe('long');
    expect(amount(h!.state())).toBe(0.01);
    expect(h!.store.getSignal('o-long')).toMatchObject({ status: 'acted', detail: `entered ${p!.id}` });
  });

  it('a flat left pending longer than max_lag_s (the bot busy starting) still closes the position: a close only takes exposure away', async () => {
    await setUp({ webhook: { port: 0, max_lag_s: 1 } });
    expect((await send(hook!.url, alert())).status).toBe(200);
    await h!.bot.step();
    const id = h!.trader('BTCUSDT').position!.id;
    expect((await send(hook!.url, alert({ id: 'late-flat', side: 'flat' }))).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1500));
    await h!.bot.step();
    await h!.bot.step();
    expect(amount(h!.state())).toBe(0); // before: refused, the long left open against the sender's flat
    expect(h!.trader('BTCUSDT').position).toBeNull();
    expect(h!.store.tradeHistory().find((t) => t.positionId === id)?.exits.map((e) => e.reason)).toEqual(['signal']);
    expect(h!.store.getSignal('late-flat')).toMatchObject({ status: 'acted', detail: 'closing the open position' });
  });

  it('a flat delivered later than max_lag_s after its time (the sender\'s queue held it) still closes the position it was sent for; a late long is still refused as stale', async () => {
    await setUp({ webhook: { port: 0, max_lag_s: 2 } });
    const t0 = Date.now();
    expect((await send(hook!.url, alert({ time: new Date(t0).toISOString() }))).status).toBe(200);
    await h!.bot.step();
    const id = h!.trader('BTCUSDT').position!.id;
    await new Promise((r) => setTimeout(r, 2500));
    expect((await send(hook!.url, alert({ id: 'late-long', side: 'short', time: new Date(t0 + 200).toISOString() }))).code).toBe('stale');
    expect(await send(hook!.url, alert({ id: 'late-flat', side: 'flat', time: new Date(t0 + 200).toISOString() }))).toEqual({ status: 200, code: undefined });
    await h!.bot.step();
    await h!.bot.step();
    expect(amount(h!.state())).toBe(0); // before: 409 stale, the long left open
    expect(h!.store.tradeHistory().find((x) => x.positionId === id)?.exits.map((e) => e.reason)).toEqual(['signal']);
    expect(h!.store.getSignal('late-flat')).toMatchObject({ status: 'acted', detail: 'closing the open position' });
  });

  it('a flat stored by an earlier run, pending past max_lag_s (the bot was down since), is refused: it does not close a position this run holds', async () => {
    await setUp();
    await h!.trader('BTCUSDT').onSignal({ side: 'long', timeMs: Date.now(), reason: 'test' });
    const at = Date.now() - 120_000; // before this run began
    h!.store.recordSignal({ id: 'old-flat', source: 'webhook', symbol: 'BTC/USDT:USDT', side: 'close', stopLossPct: null, timeMs: at, receivedAtMs: at, payload: {} });
    await h!.bot.step();
    expect(h!.store.getSignal('old-flat')).toMatchObject({ status: 'refused', detail: expect.stringMatching(/^still pending/) });
    expect(amount(h!.state())).toBe(0.01);
  });

  it('a signal left pending longer than max_lag_s (the bot was down) is refused, not traded', async () => {
    await setUp({ webhook: { port: 0, max_lag_s: 1 } });
    expect((await send(hook!.url, alert())).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1500));
    await h!.bot.step();
    expect(h!.state().fills).toEqual([]);
    expect(h!.store.getSignal('tv-1')).toMatchObject({ status: 'refused' });
  });
});

/** `ladder live --webhook` as a child process on the simulator; resolves its webhook URL once the bot runs. */
function liveBot(url: string, dir: string, pollMs: number, mode: 'live' | 'paper' = 'live', secret: string | null = SECRET) {
  const args = [...(mode === 'live' ? ['live', '--confirm-live'] : ['paper']), '--config', join(dir, 'config.json'), '--no-dashboard', '--webhook', '--exchange-url', url, '--db', join(dir, 'ladder.db'), '--poll-ms', String(pollMs)];
  const env: NodeJS.ProcessEnv = { ...process.env, LADDER_API_KEY: 'hook-key', LADDER_API_SECRET: 'hook-secret', LADDER_LOG_LEVEL: 'info' };
  if (secret === null) delete env['LADDER_WEBHOOK_SECRET'];
  else env['LADDER_WEBHOOK_SECRET'] = secret;
  const child = spawn('node', ['bin/ladder.js', ...args], { cwd: ROOT, env });
  children.push(child);
  let out = '';
  child.stderr!.on('data', (d) => (out += d));
  const waitFor = async (what: string, ms = 60_000) => {
    const end = Date.now() + ms;
    while (!out.includes(what)) {
      if (Date.now() > end || child.exitCode !== null) throw new Error(`no ${what}:\n${out.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const webhookUrl = async () => {
    await waitFor('"msg":"webhook.started"');
    const line = out.split('\n').find((l) => l.includes('"msg":"webhook.started"'))!;
    return (JSON.parse(line) as { url: string }).url;
  };
  const exited = new Promise<void>((r) => (child.exitCode !== null ? r() : child.once('exit', () => r())));
  return { child, waitFor, webhookUrl, exited, output: () => out };
}

/** A simulator and a directory with a config (the scaled example, webhook on any free port). */
async function cliSetUp(): Promise<string> {
  sim = await startSimulator({ apiKey: 'hook-key', apiSecret: 'hook-secret', seed: 9, speed: 0 });
  sim.admin.setPrice('BTCUSDT', 60000, true);
  const dir = tempDir('ladder-webhook-cli-');
  const base = JSON.parse(readFileSync(join(ROOT, 'examples/scaled.config.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...base, $schema: undefined, webhook: { port: 0 } }));
  return dir;
}

describe('ladder live|paper --webhook', () => {
  it('refuses to start without LADDER_WEBHOOK_SECRET, before any order, saying where it goes', async () => {
    const dir = await cliSetUp();
    const bot = liveBot(sim!.url, dir, 200, 'paper', null);
    await bot.exited;
    expect(bot.child.exitCode).toBe(1);
    expect(bot.output()).toContain('webhook: the webhook needs a secret of at least 16 characters in LADDER_WEBHOOK_SECRET (environment or .env; never in config.json)');
    expect(bot.output()).not.toContain('bot.started');
  }, 60_000);

  it('paper: an accepted alert opens a paper position with its ladder', async () => {
    const dir = await cliSetUp();
    const bot = liveBot(sim!.url, dir, 200, 'paper');
    const url = await bot.webhookUrl();
    expect((await send(url, alert({ id: 'paper-1', symbol: 'BTC/USDT:USDT' }))).status).toBe(200);
    await bot.waitFor('"msg":"position.opened"');
    await bot.waitFor('"msg":"signal.acted"');
    bot.child.kill('SIGINT');
    await bot.exited;
    const db = openStore(join(dir, 'ladder.db'));
    expect(db.openPositions().map((p) => [p.side, p.plan.levels.length])).toEqual([['long', 3]]);
    expect(db.getSignal('paper-1')?.detail).toMatch(/^entered BTCUSDT-/);
    db.close();
    expect(entries(sim!.admin.state() as unknown as SimState)).toEqual([]); // paper: nothing on the exchange
  }, 60_000);
});

describe('ladder live --webhook, killed right after accepting an alert', () => {
  it('trades the alert exactly once after the restart', async () => {
    const dir = await cliSetUp();

    // A long poll: the loop sleeps while the alert is accepted, so the kill lands before it acts.
    const first = liveBot(sim!.url, dir, 600_000);
    const url = await first.webhookUrl();
    await first.waitFor('"msg":"bot.started"');
    await new Promise((r) => setTimeout(r, 500)); // past the first step's read of pending signals
    const a = alert({ id: 'kill-1' });
    expect((await send(url, a)).status).toBe(200);
    first.child.kill('SIGKILL');
    await first.exited;
    const state = () => sim!.admin.state() as unknown as SimState;
    expect(entries(state())).toEqual([]);
    const db = openStore(join(dir, 'ladder.db'));
    expect(db.getSignal('kill-1')?.status).toBe('pending');
    db.close();

    const second = liveBot(sim!.url, dir, 200);
    const url2 = await second.webhookUrl();
    await second.waitFor('"msg":"position.opened"');
    await second.waitFor('"msg":"signal.acted"');
    expect((await send(url2, a)).code).toBe('duplicate'); // the sender's retry after the restart
    await new Promise((r) => setTimeout(r, 1000)); // a few more loop rounds
    const s = state();
    expect(entries(s)).toHaveLength(1);
    expect(s.openAlgoOrders).toHaveLength(1); // its stop
    expect(Number(s.positions.find((p) => p.symbol === 'BTCUSDT')?.positionAmt)).toBeGreaterThan(0);
    second.child.kill('SIGINT');
    await second.exited;
    const after = openStore(join(dir, 'ladder.db'));
    expect(after.getSignal('kill-1')).toMatchObject({ status: 'acted' });
    expect(after.openPositions()).toHaveLength(1);
    after.close();
  }, 120_000);
});
