import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/bot/logger.ts';
import { TradingBot } from '../../src/bot/trading-bot.ts';
import { CcxtExchange } from '../../src/exchange/ccxt/ccxt-exchange.ts';
import { type PaperNote, type PaperOptions, PaperExchange } from '../../src/exchange/paper/paper-exchange.ts';
import { ccxtForSimulator } from '../../src/sim/ccxt-client.ts';
import { type Simulator, startSimulator } from '../../src/sim/simulator.ts';
import { type Store, openStore } from '../../src/store/index.ts';
import { testConfig } from '../support/bot-harness.ts';
import { FixedPriceSource } from '../exchange/contract/fixed-price-source.ts';
import { tempDir } from '../support/temp-dir.ts';

/** PAPER mode: public prices (here the simulator's market data, no keys), fills simulated locally. */
let sim: Simulator | null = null;
const open: { store: Store; ex: PaperExchange }[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) {
    await o.ex.close();
    o.store.close();
  }
  await sim?.close();
  sim = null;
});

const dir = tempDir('ladder-paper-');
const T = Date.UTC(2026, 0, 1);

async function paperBot(tag: string, more: Partial<PaperOptions> = {}, config = testConfig()) {
  const client = ccxtForSimulator(sim!.url); // public endpoints only: no key
  client.enableRateLimit = false;
  const ex = new PaperExchange({ source: new CcxtExchange(client), fills: { takerPct: 0.05, makerPct: 0.02, slippagePct: 0 }, balance: 10_000, statePath: join(dir, `${tag}.paper.json`), now: Date.now, ...more });
  const store = openStore(join(dir, `${tag}.db`));
  open.push({ store, ex });
  const bot = new TradingBot({ config, exchange: ex, store, log: silentLogger() });
  await bot.start();
  return { bot, ex, store, trader: bot.traders[0]! };
}

describe('paper mode', () => {
  it('runs the ladder on live prices with simulated fills: TPs at market, the stop resting and climbing', async () => {
    sim = await startSimulator({ seed: 5 });
    sim.admin.setPrice('BTCUSDT', 60000, true);
    const { bot, ex, trader } = await paperBot('a');
    await trader.onSignal({ side: 'long', timeMs: T, reason: 'test' });
    expect(trader.position!.originalSteps).toBe(10);
    expect((await ex.openOrders('BTCUSDT')).map((o) => [o.type, o.closePosition])).toEqual([['stop_market', true]]);
    sim.admin.setPrice('BTCUSDT', 60700);
    await bot.step();
    expect(trader.position!.tpLevelsHit).toEqual([1]);
    expect((await ex.openOrders('BTCUSDT')).map((o) => o.clientOrderId)).toEqual([`${trader.position!.id}-sl1`]);
    sim.admin.setPrice('BTCUSDT', 59900);
    await bot.step();
    expect(trader.position).toBeNull();
    expect((await ex.position('BTCUSDT')).side).toBeNull();
    expect(await ex.openOrders('BTCUSDT')).toEqual([]);
  });

  it('keeps the paper account across a restart: the position and its stop are still there', async () => {
    sim = await startSimulator({ seed: 6 });
    sim.admin.setPrice('BTCUSDT', 60000, true);
    const first = await paperBot('b');
    await first.trader.onSignal({ side: 'short', timeMs: T, reason: 'test' });
    const id = first.trader.position!.id;
    await first.ex.close();
    first.store.close();
    open.splice(0);
    const second = await paperBot('b');
    expect(second.trader.position!.id).toBe(id);
    expect((await second.ex.openOrders('BTCUSDT')).map((o) => o.clientOrderId)).toEqual([`${id}-sl0`]);
    sim.admin.setPrice('BTCUSDT', 59300);
    await second.bot.step();
    expect(second.trader.position!.tpLevelsHit).toEqual([1]);
  });

  it('a restarted paper account with an open position says its balance before the markets are loaded (the start summary reads it first)', async () => {
    sim = await startSimulator({ seed: 6 });
    sim.admin.setPrice('BTCUSDT', 60000, true);
    const first = await paperBot('balance-restart');
    await first.trader.onSignal({ side: 'short', timeMs: T, reason: 'test' });
    const before = await first.ex.balance();
    await first.ex.close();
    first.store.close();
    open.splice(0);
    const client = ccxtForSimulator(sim.url);
    client.enableRateLimit = false;
    const again = new PaperExchange({ source: new CcxtExchange(client), fills: { takerPct: 0.05, makerPct: 0.02, slippagePct: 0 }, balance: 10_000, statePath: join(dir, 'balance-restart.paper.json'), now: Date.now });
    try {
      expect(await again.balance()).toEqual(before);
    } finally {
      await again.close();
    }
  });

  it('reads a version 1 paper account (before the shared matching engine) and trades on from it', async () => {
    const path = join(dir, 'v1.paper.json');
    const entry = { clientOrderId: 'p-entry', orderId: '1', symbol: 'BTCUSDT', side: 'buy', type: 'market', status: 'filled', amountSteps: 10, filledSteps: 10, averagePrice: 60000, reduceOnly: false, closePosition: false, stopPriceTicks: null, timeMs: T };
    const stop = { ...entry, clientOrderId: 'p-sl0', orderId: '2', side: 'sell', type: 'stop_market', status: 'open', amountSteps: 0, filledSteps: 0, averagePrice: null, reduceOnly: true, closePosition: true, stopPriceTicks: 590000 };
    writeFileSync(path, JSON.stringify({
      version: 1, wallet: 9999.7, nextOrderId: 3, nextTradeId: 2, positions: { BTCUSDT: { steps: 10, entryPrice: 60000 } }, leverage: { BTCUSDT: 5 },
      orders: [
        { request: { symbol: 'BTCUSDT', side: 'buy', type: 'market', amountSteps: 10, reduceOnly: false, clientOrderId: 'p-entry' }, state: entry },
        { request: { symbol: 'BTCUSDT', side: 'sell', type: 'stop_market', stopPriceTicks: 590000, reduceOnly: true, closePosition: true, clientOrderId: 'p-sl0' }, state: stop },
      ],
      trades: [{ tradeId: '1', orderId: '1', clientOrderId: 'p-entry', symbol: 'BTCUSDT', side: 'buy', qtySteps: 10, price: 60000, fee: 0.3, timeMs: T }],
    }));
    const source = new FixedPriceSource({ BTCUSDT: 60_000 });
    const ex = new PaperExchange({ source, fills: { takerPct: 0.05, makerPct: 0.02, slippagePct: 0 }, balance: 10_000, statePath: path, now: () => T + 60_000 });
    await ex.markets();
    expect(await ex.position('BTCUSDT')).toEqual({ symbol: 'BTCUSDT', side: 'long', qtySteps: 10, entryPrice: 60000 });
    expect((await ex.balance()).total).toBeCloseTo(9999.7, 9);
    expect(await ex.fetchOrder('BTCUSDT', 'p-entry', 'order')).toMatchObject({ status: 'filled', filledSteps: 10, averagePrice: 60000 });
    expect((await ex.openOrders('BTCUSDT')).map((o) => [o.clientOrderId, o.type, o.closePosition])).toEqual([['p-sl0', 'stop_market', true]]);
    source.setPrice('BTCUSDT', 58_900);
    await ex.price('BTCUSDT');
    expect(await ex.position('BTCUSDT')).toMatchObject({ side: null });
    const trades = await ex.trades('BTCUSDT', 0, '1');
    expect(trades.map((t) => [t.tradeId === '1', t.clientOrderId, t.qtySteps, t.price])).toEqual([[true, 'p-entry', 10, 60000], [false, 'p-sl0', 10, 58900]]);
    expect(Number(trades[1]!.tradeId)).toBeGreaterThan(1);
    expect(JSON.parse(readFileSync(path, 'utf8')).version).toBe(2);
    await ex.close();
  });

  describe('the 1m candles missed while the bot was down are replayed over the resting orders', () => {
    const MIN = 60_000;
    /** A 1m file: flat on 60000, then at `wickAt` a candle whose low and high reach `wick`'s, closing on 60200, then flat on 60200. */
    function minuteFile(tag: string, wickAt: number, wick: { low?: number; high?: number }, count = 40): string {
      const t0 = Date.UTC(2026, 0, 1);
      const rows = Array.from({ length: count }, (_, i) => {
        const [o, h, l, c] = i < wickAt ? [60000, 60010, 60000, 60000] : i > wickAt ? [60200, 60210, 60200, 60200] : [60000, wick.high ?? 60200, wick.low ?? 60000, 60200];
        return [t0 + i * MIN, o, h, l, c, 1, t0 + (i + 1) * MIN - 1, 60000, 1, 0, 0, 0].join(',');
      });
      const f = join(dir, tag, 'BTCUSDT-1m.csv');
      mkdirSync(join(dir, tag), { recursive: true });
      writeFileSync(f, `${rows.join('\n')}\n`);
      return f;
    }

    /** `wallClock`: paper on the wall clock, as `ladder paper --exchange-url` runs it (the simulator's clock is its data's). */
    async function downThroughWick(tag: string, wick: { low?: number; high?: number }, config = testConfig(), wallClock = false) {
      sim = await startSimulator({ dataFiles: [minuteFile(tag, 15, wick)], speed: 0, warmupCandles: 5 });
      const clock = () => sim!.admin.replay().timeMs;
      const notes: PaperNote[] = [];
      let wallSkewMs = 0;
      const paperClock = wallClock ? () => Date.now() + wallSkewMs : clock;
      const first = await paperBot(tag, { now: paperClock, onNote: (n) => notes.push(n) }, config);
      sim.admin.step({ candles: 1 });
      await first.trader.onSignal({ side: 'long', timeMs: clock(), reason: 'test' });
      const id = first.trader.position!.id;
      expect(first.trader.position!.plan.initialStopPrice).toBe(58800);
      await first.ex.close();
      first.store.close();
      open.splice(0);
      // Down for 12 minutes: the wick candle (its open 15 minutes in) passes meanwhile, the price ends on 60200.
      sim.admin.step({ candles: 12 });
      wallSkewMs = 3 * MIN; // the restart comes 3 minutes later on the wall clock too
      const second = await paperBot(tag, { now: paperClock, onNote: (n) => notes.push(n) }, config);
      await second.bot.step();
      return { second, id, notes, wickOpenMs: Date.UTC(2026, 0, 1) + 15 * MIN };
    }

    /** A paper long entered a minute into a 1m file whose candle 15 minutes in wicks to 58,500 (its stop: 58,800), the bot on the simulator's clock. */
    async function longBeforeWick(tag: string) {
      sim = await startSimulator({ dataFiles: [minuteFile(tag, 15, { low: 58500 })], speed: 0, warmupCandles: 5 });
      const clock = () => sim!.admin.replay().timeMs;
      const notes: PaperNote[] = [];
      const paper = await paperBot(tag, { now: clock, onNote: (n) => notes.push(n) });
      sim.admin.step({ candles: 1 });
      await paper.trader.onSignal({ side: 'long', timeMs: clock(), reason: 'test' });
      return { ...paper, id: paper.trader.position!.id, notes };
    }

    it('a stop crossed by a wick while the bot was down fires at its price, dated at the wick candle', async () => {
      const { second, id, notes, wickOpenMs } = await downThroughWick('wick-stop', { low: 58500 });
      expect(second.trader.position).toBeNull();
      expect((await second.ex.position('BTCUSDT')).side).toBeNull();
      const exits = second.store.fillsOf(id).filter((f) => f.role === 'exit');
      expect(exits.map((e) => [e.clientOrderId, e.qtySteps, e.price, e.timeMs])).toEqual([[`${id}-sl0`, 10, 58800, wickOpenMs]]);
      expect(second.store.tradeHistory({}).map((t) => t.exits.map((e) => e.reason))).toEqual([['stop']]);
      expect(notes.filter((n) => n.kind !== 'caught_up')).toEqual([]);
      expect(notes.find((n) => n.kind === 'caught_up')).toMatchObject({ symbol: 'BTCUSDT', fills: 1 });
    });

    it('paper on the wall clock, the simulator on its data\'s (`ladder paper --exchange-url`): the gap is judged by the source\'s clock, the wick fires the stop, no false "partial" (before: catch_up_partial, nothing replayed, the position left open under its stop)', async () => {
      const { second, id, notes, wickOpenMs } = await downThroughWick('wick-stop-wall', { low: 58500 }, testConfig(), true);
      expect(notes.filter((n) => n.kind !== 'caught_up')).toEqual([]);
      expect(notes.find((n) => n.kind === 'caught_up')).toMatchObject({ symbol: 'BTCUSDT', fills: 1 });
      expect(second.trader.position).toBeNull();
      const exits = second.store.fillsOf(id).filter((f) => f.role === 'exit');
      expect(exits.map((e) => [e.clientOrderId, e.qtySteps, e.price, e.timeMs])).toEqual([[`${id}-sl0`, 10, 58800, wickOpenMs]]);
    });

    it('a wick that stays above the stop changes nothing', async () => {
      const { second, id } = await downThroughWick('wick-above', { low: 58900 });
      expect(second.trader.position!.id).toBe(id);
      expect((await second.ex.position('BTCUSDT')).qtySteps).toBe(10);
      expect((await second.ex.openOrders('BTCUSDT')).map((o) => o.clientOrderId)).toEqual([`${id}-sl0`]);
    });

    it('a resting limit take-profit reached by a wick fills at its own price as a maker; the stop then climbs', async () => {
      const config = testConfig({ scaled_tp_execution: 'limit' });
      const { second, id, wickOpenMs } = await downThroughWick('wick-tp', { high: 60650 }, config);
      const exits = second.store.fillsOf(id).filter((f) => f.role === 'exit');
      const tp1 = second.trader.position!.plan.levels[0]!;
      expect(tp1.targetPrice).toBeLessThanOrEqual(60650);
      expect(exits.map((e) => [e.clientOrderId, e.price, e.timeMs])).toEqual([[`${id}-tp1`, tp1.targetPrice, wickOpenMs]]);
      expect(exits[0]!.fee).toBeCloseTo((tp1.targetPrice * Number(exits[0]!.qtySteps) * 0.001 * 0.02) / 100, 9);
      expect(second.trader.position!.tpLevelsHit).toEqual([1]);
      expect(second.trader.position!.stopMoves.length).toBe(1);
    });

    it('an outage, then the candle read alone refused a few times as the source comes back (503): the gap stays owed, the stop crossed meanwhile fires once the candles answer (before: the price read gave the gap up, the position held under a crossed stop)', async () => {
      const { bot, ex, store, trader, id } = await longBeforeWick('outage-klines');
      sim!.admin.setFaults({ rules: [{ kind: 'drop', mode: 'reset', path: '/fapi/*' }] });
      for (let i = 0; i < 4; i++) {
        sim!.admin.step({ candles: 3 });
        await expect(ex.price('BTCUSDT')).rejects.toThrow();
      }
      // Back, but the candle read is refused a while longer (its weight is the heaviest after an outage).
      sim!.admin.setFaults({ rules: [{ kind: 'error5xx', status: 503, path: '/fapi/v1/klines', count: 20 }] });
      await bot.step();
      sim!.admin.setFaults({ rules: [] });
      await bot.step();
      expect(trader.position).toBeNull();
      const exits = store.fillsOf(id).filter((f) => f.role === 'exit');
      expect(exits.map((e) => [e.clientOrderId, e.qtySteps, e.price, e.timeMs])).toEqual([[`${id}-sl0`, 10, 58800, Date.UTC(2026, 0, 1) + 15 * MIN]]);
    });

    it('an outage that fails the candle read too: the candles are walked once the source answers again, so a stop crossed meanwhile fires', async () => {
      const { bot, ex, store, trader, id, notes } = await longBeforeWick('outage');
      // The network is down for 12 minutes (the wick candle, 15 minutes in, passes meanwhile): the bot's
      // reads each cycle, the position first (it tries the replay), then the price, all fail.
      sim!.admin.setFaults({ rules: [{ kind: 'drop', mode: 'reset', path: '/fapi/*' }] });
      for (let i = 0; i < 4; i++) {
        sim!.admin.step({ candles: 3 });
        expect((await ex.position('BTCUSDT')).qtySteps).toBe(10);
        await expect(ex.price('BTCUSDT')).rejects.toThrow();
      }
      sim!.admin.setFaults({ rules: [] });
      await bot.step(); // before: each failed replay counted as a read, nothing was left to walk
      expect(trader.position).toBeNull();
      const exits = store.fillsOf(id).filter((f) => f.role === 'exit');
      expect(exits.map((e) => [e.clientOrderId, e.qtySteps, e.price, e.timeMs])).toEqual([[`${id}-sl0`, 10, 58800, Date.UTC(2026, 0, 1) + 15 * MIN]]);
      expect(notes.map((n) => n.kind)).toEqual(['catch_up_failed', 'caught_up']);
      expect(notes[1]).toMatchObject({ symbol: 'BTCUSDT', fills: 1 });
    });
  });

  it('a source without 1m candles (a 1h simulator) is said once per replay, and the price read still matches the orders', async () => {
    sim = await startSimulator({ seed: 8 });
    sim.admin.setPrice('BTCUSDT', 60000, true);
    const clock = () => sim!.admin.replay().timeMs;
    const notes: PaperNote[] = [];
    const first = await paperBot('no-1m', { now: clock, onNote: (n) => notes.push(n) });
    await first.trader.onSignal({ side: 'long', timeMs: clock(), reason: 'test' });
    sim.admin.step({ candles: 3 });
    sim.admin.setPrice('BTCUSDT', 58000, true);
    await first.bot.step();
    expect(notes.map((n) => n.kind)).toEqual(['catch_up_failed']);
    expect(notes[0]).toMatchObject({ symbol: 'BTCUSDT', error: expect.stringMatching(/interval/i) });
    expect(first.trader.position).toBeNull();
  });

  it('a source whose 1m candles do not cover the gap (none opened since the last read) says the replay is partial; the current price still matches', async () => {
    const source = new FixedPriceSource({ BTCUSDT: 60_000 }); // its candles all closed before 2026
    let now = Date.UTC(2026, 0, 2);
    const notes: PaperNote[] = [];
    const ex = new PaperExchange({ source, fills: { takerPct: 0.05, makerPct: 0.02, slippagePct: 0 }, balance: 10_000, statePath: null, now: () => now, onNote: (n) => notes.push(n) });
    await ex.markets();
    await ex.createOrder({ symbol: 'BTCUSDT', side: 'buy', type: 'market', amountSteps: 10 as never, reduceOnly: false, clientOrderId: 'p-entry' });
    await ex.createOrder({ symbol: 'BTCUSDT', side: 'sell', type: 'stop_market', stopPriceTicks: 590_000 as never, reduceOnly: true, closePosition: true, clientOrderId: 'p-sl0' });
    now += 10 * 60_000;
    source.setPrice('BTCUSDT', 58_900);
    await ex.price('BTCUSDT');
    expect(notes.map((n) => n.kind)).toEqual(['catch_up_partial', 'caught_up']);
    expect(notes[0]).toMatchObject({ symbol: 'BTCUSDT', fromMs: Date.UTC(2026, 0, 2), firstCandleMs: null });
    expect(await ex.position('BTCUSDT')).toMatchObject({ side: null });
    await ex.close();
  });
});

describe('paper mode charges funding from its source\'s settlements, as Binance charges the account', () => {
  const fills = { takerPct: 0.05, makerPct: 0.02, slippagePct: 0 };

  it('a long pays and a short receives −quantity × mark × rate at each settlement after its entry, on what was held then; the wallet, funding() and a restart agree', async () => {
    const t0 = Date.UTC(2026, 0, 2, 7, 30);
    let now = t0;
    const source = new FixedPriceSource({ BTCUSDT: 60_000 });
    source.setFundingRates('BTCUSDT', [
      { timeMs: Date.UTC(2026, 0, 2, 0), rate: 0.001, markPrice: 59_000 }, // before the entry: not charged
      { timeMs: Date.UTC(2026, 0, 2, 8), rate: 0.0001, markPrice: 60_100 },
      { timeMs: Date.UTC(2026, 0, 2, 16), rate: -0.0002, markPrice: null }, // no mark: the price read
    ]);
    const path = join(dir, 'funding.paper.json');
    const notes: PaperNote[] = [];
    const ex = new PaperExchange({ source, fills, balance: 10_000, statePath: path, now: () => now, onNote: (n) => notes.push(n) });
    await ex.markets();
    await ex.createOrder({ symbol: 'BTCUSDT', side: 'buy', type: 'market', amountSteps: 100 as never, reduceOnly: false, clientOrderId: 'f-entry' }); // 0.1 BTC
    const walletAfterEntry = (await ex.balance()).total;
    expect(await ex.funding('BTCUSDT', 0)).toEqual([]);
    now = Date.UTC(2026, 0, 2, 8, 1, 30);
    await ex.price('BTCUSDT');
    const first = -0.1 * 60_100 * 0.0001; // a long pays a positive rate
    expect(await ex.funding('BTCUSDT', 0)).toEqual([{ id: `BTCUSDT-${Date.UTC(2026, 0, 2, 8)}`, timeMs: Date.UTC(2026, 0, 2, 8), amount: first }]);
    expect((await ex.balance()).total).toBeCloseTo(walletAfterEntry + first, 9);
    // Half sold at 12:00; the 16:00 settlement, read late (at 18:00), is charged on the 0.05 held then, at the price read.
    now = Date.UTC(2026, 0, 2, 12);
    await ex.createOrder({ symbol: 'BTCUSDT', side: 'sell', type: 'market', amountSteps: 50 as never, reduceOnly: true, clientOrderId: 'f-tp1' });
    now = Date.UTC(2026, 0, 2, 18);
    const second = -0.05 * 60_000 * -0.0002; // a negative rate: the long receives
    const paid = await ex.funding('BTCUSDT', Date.UTC(2026, 0, 2, 9));
    expect(paid.map((f) => f.amount)).toEqual([second]);
    expect(notes.filter((n) => n.kind === 'funding').map((n) => n.kind === 'funding' && [n.timeMs, n.amount])).toEqual([[Date.UTC(2026, 0, 2, 8), first], [Date.UTC(2026, 0, 2, 16), second]]);
    // Read again: nothing charged twice.
    expect(await ex.funding('BTCUSDT', 0)).toHaveLength(2);
    const wallet = (await ex.balance()).total;
    await ex.close();
    const again = new PaperExchange({ source, fills, balance: 10_000, statePath: path, now: () => now });
    await again.markets();
    expect((await again.funding('BTCUSDT', 0)).map((f) => f.amount)).toEqual([first, second]);
    expect((await again.balance()).total).toBeCloseTo(wallet, 9);
    await again.close();
  });

  it('through ccxt on the simulator (its public GET /fapi/v1/fundingRate): paper charges its long, and the bot books it on the position', async () => {
    sim = await startSimulator({ seed: 5 });
    sim.admin.setPrice('BTCUSDT', 60000, true);
    const { bot, ex, store, trader } = await paperBot('funding-sim');
    await trader.onSignal({ side: 'long', timeMs: T, reason: 'test' });
    const id = trader.position!.id;
    const wallet = (await ex.balance()).total;
    const t0 = (sim.admin.state() as { timeMs: number }).timeMs;
    // A settlement 10 minutes on, charged by the simulator's rules at the 60,000 held then (its mark in the rate history).
    sim.admin.setFunding({ symbol: 'BTCUSDT', rates: [{ timeMs: t0 + 10 * 60_000, rate: 0.0001 }] });
    sim.admin.step({ points: 1 });
    sim.admin.step({ candles: 2 });
    sim.admin.setPrice('BTCUSDT', 60000, true);
    await bot.step();
    expect(await ex.funding('BTCUSDT', 0)).toEqual([{ id: `BTCUSDT-${t0 + 10 * 60_000}`, timeMs: t0 + 10 * 60_000, amount: -0.01 * 60000 * 0.0001 }]);
    expect((await ex.balance()).total).toBeCloseTo(wallet - 0.06, 9);
    expect(trader.position?.id).toBe(id);
    expect(store.getPosition(id)?.funding).toBeCloseTo(-0.06, 12);
  });

  it('an account from a file written before funding (no `funding` in it): the trades it closed are not charged afterwards, its open position from its entry on (before: every settlement since its first fill ever, to the wallet)', async () => {
    let now = Date.UTC(2026, 0, 4, 7);
    const source = new FixedPriceSource({ BTCUSDT: 60_000 });
    const path = join(dir, 'pre-funding.paper.json');
    const first = new PaperExchange({ source, fills, balance: 10_000, statePath: path, now: () => now });
    await first.markets();
    // A long 0.1 from 07:00 to 10:00 (closed), then a short 0.02 from 11:00 on, all before funding was charged.
    await first.createOrder({ symbol: 'BTCUSDT', side: 'buy', type: 'market', amountSteps: 100 as never, reduceOnly: false, clientOrderId: 'old-entry' });
    now = Date.UTC(2026, 0, 4, 10);
    await first.createOrder({ symbol: 'BTCUSDT', side: 'sell', type: 'market', amountSteps: 100 as never, reduceOnly: true, clientOrderId: 'old-close' });
    now = Date.UTC(2026, 0, 4, 11);
    await first.createOrder({ symbol: 'BTCUSDT', side: 'sell', type: 'market', amountSteps: 20 as never, reduceOnly: false, clientOrderId: 'new-entry' });
    await first.close();
    const file = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    delete file['funding'];
    writeFileSync(path, JSON.stringify(file));
    source.setFundingRates('BTCUSDT', [
      { timeMs: Date.UTC(2026, 0, 4, 8), rate: 0.001, markPrice: 60_000 }, // the closed long's: not charged now
      { timeMs: Date.UTC(2026, 0, 4, 16), rate: 0.0001, markPrice: 60_000 }, // the open short's
    ]);
    now = Date.UTC(2026, 0, 4, 17);
    const again = new PaperExchange({ source, fills, balance: 10_000, statePath: path, now: () => now });
    await again.markets();
    const wallet = (await again.balance()).total;
    await again.price('BTCUSDT');
    expect((await again.funding('BTCUSDT', 0)).map((f) => [f.timeMs, f.amount])).toEqual([[Date.UTC(2026, 0, 4, 16), 0.02 * 60_000 * 0.0001]]);
    expect((await again.balance()).total).toBeCloseTo(wallet + 0.12, 9);
    await again.close();
  });

  it('a short receives a positive rate; a symbol never held asks its source for nothing', async () => {
    let now = Date.UTC(2026, 0, 3, 7);
    const source = new FixedPriceSource({ BTCUSDT: 60_000, ETHUSDT: 3_000 });
    source.setFundingRates('BTCUSDT', [{ timeMs: Date.UTC(2026, 0, 3, 8), rate: 0.0003, markPrice: 61_000 }]);
    const ex = new PaperExchange({ source, fills, balance: 10_000, statePath: null, now: () => now });
    await ex.markets();
    await ex.createOrder({ symbol: 'BTCUSDT', side: 'sell', type: 'market', amountSteps: 20 as never, reduceOnly: false, clientOrderId: 's-entry' }); // short 0.02
    now = Date.UTC(2026, 0, 3, 9);
    expect((await ex.funding('BTCUSDT', 0)).map((f) => f.amount)).toEqual([0.02 * 61_000 * 0.0003]);
    const reads = source.fundingReads;
    await ex.price('ETHUSDT');
    expect(await ex.funding('ETHUSDT', 0)).toEqual([]);
    expect(source.fundingReads).toBe(reads);
    await ex.close();
  });
});

describe('paper mode: its source\'s funding rate history failing', () => {
  it('holds up no order and no price read: the entry and its stop go out, the stop fires, while GET /fapi/v1/fundingRate answers 503 (before: every price read and order failed with it)', async () => {
    sim = await startSimulator({ seed: 7 });
    sim.admin.setPrice('BTCUSDT', 60000, true);
    const notes: PaperNote[] = [];
    const { bot, ex, trader } = await paperBot('funding-rates-failing', { onNote: (n) => notes.push(n) });
    sim.admin.setFaults({ rules: [{ kind: 'error5xx', status: 503, method: 'GET', path: '/fapi/v1/fundingRate' }] });
    await trader.onSignal({ side: 'long', timeMs: T, reason: 'test' });
    expect(trader.position?.side).toBe('long');
    const id = trader.position!.id;
    expect((await ex.openOrders('BTCUSDT')).map((o) => o.clientOrderId)).toEqual([`${id}-sl0`]);
    expect(await ex.price('BTCUSDT')).toBe(60000);
    sim.admin.step({ candles: 1 });
    sim.admin.setPrice('BTCUSDT', 58000, true);
    await bot.step();
    expect(trader.position).toBeNull();
    expect((await ex.position('BTCUSDT')).side).toBeNull();
    // Said once, not at every read; the bot's own funding read fails with it.
    expect(notes.filter((n) => n.kind === 'funding_failed').map((n) => n.symbol)).toEqual(['BTCUSDT']);
    await expect(ex.funding('BTCUSDT', 0)).rejects.toThrow();
  });
});
