import { afterEach, describe, expect, it } from 'vitest';
import { TradingBot } from '../../src/bot/trading-bot.ts';
import { Writable } from 'node:stream';
import { type Logger, createLogger, silentLogger } from '../../src/bot/logger.ts';
import { type RetryPolicy, realSleep } from '../../src/bot/retry.ts';
import { OrderRouter } from '../../src/bot/order-router.ts';
import { openStore } from '../../src/store/index.ts';
import { CcxtExchange } from '../../src/exchange/ccxt/ccxt-exchange.ts';
import { WeightBudget } from '../../src/exchange/ccxt/weight-budget.ts';
import { ccxtForSimulator } from '../../src/sim/ccxt-client.ts';
import { onPrice } from '../../src/core/scaled-tp/exit-manager.ts';
import type { OrderIntent } from '../../src/store/index.ts';
import { recordingLogger } from '../support/log-lines.ts';
import { type Harness, startHarness, startWithLong, testConfig } from '../support/bot-harness.ts';

/**
 * The exchange's everyday faults (issue [bot], FAILURES F3, F5, L1, L2), each through ccxt on the
 * simulator and each asserted from the exchange's side: one fill per client id and level, a stop on
 * every open position, the store's quantity equal to the exchange's.
 */
let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});
const T = Date.UTC(2026, 0, 1);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function openLong(config = testConfig()) {
  const started = await startWithLong(config);
  h = started.h;
  return started.t;
}

/** Steps the bot (real time passing) until `done`, at most `ms`. */
async function stepUntil(done: () => boolean, ms = 8_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    await h!.bot.step();
    if (done()) return true;
    await sleep(150);
  }
  return done();
}

/** Exchange vs store, from the exchange's side. */
function exchangeSteps(): number {
  const p = h!.state().positions.find((x) => x.symbol === 'BTCUSDT');
  return p ? Math.round(Math.abs(Number(p.positionAmt)) * 1000) : 0;
}
const storeSteps = () => h!.store.openPositions().reduce((a, p) => a + p.remainingSteps, 0);
const ordersOf = (clientOrderId: string) => new Set(h!.state().fills.filter((f) => f.clientOrderId === clientOrderId).map((f) => String((f as unknown as { orderId: number }).orderId)));

/**
 * The sends of one kind seen while stepping a bot, on the bot's clock (the wall's plus the test's skew):
 * each send's receipt time (the simulator's request log), the index of the step that sent it, and each
 * step's start and end. Real time passes inside the steps (more on a loaded machine), so the back-off
 * is judged against the steps, never against a fixed window.
 */
interface Sends {
  /** Receipt time of each send, ms from the first step's start. */
  readonly at: number[];
  /** The step (index into `steps`) during which each send was made. */
  readonly step: number[];
  /** Each step's start and end, ms from the first step's start. */
  readonly steps: { readonly startMs: number; readonly endMs: number }[];
}

/**
 * Steps `bot` `n` times (or until `until`), its clock `stepMs` further each step, noting the sends that
 * `isSend` picks out of the simulator's request log (`onePerClientId`: only the first request of each client id).
 * `advanceFirst`: the clock moves before each step rather than after it. `first`: what the first step
 * does instead of a cycle (a signal whose handling sends at once), so its sends have a step too.
 * Sends already in the log before it are not counted.
 */
async function recordSends(
  bot: TradingBot,
  clock: { skewMs: number },
  isSend: (r: { method: string; path: string; clientOrderId?: string }) => boolean,
  o: { n: number; stepMs: number; until: (s: Sends) => boolean; advanceFirst: boolean; onePerClientId: boolean; first?: () => Promise<unknown> },
): Promise<Sends> {
  const botNow = () => Date.now() + clock.skewMs;
  const s: Sends = { at: [], step: [], steps: [] };
  const seen = new Set<string>();
  let read = h!.sim.admin.requests().length;
  const origin = botNow() + (o.advanceFirst ? o.stepMs : 0);
  for (let k = 0; k < o.n && !o.until(s); k++) {
    if (o.advanceFirst) clock.skewMs += o.stepMs;
    const startMs = botNow() - origin;
    await (k === 0 && o.first ? o.first() : bot.step());
    s.steps.push({ startMs, endMs: botNow() - origin });
    const log = h!.sim.admin.requests();
    for (const r of log.slice(read)) {
      if (!isSend(r)) continue;
      if (o.onePerClientId) {
        if (seen.has(r.clientOrderId ?? '')) continue;
        seen.add(r.clientOrderId ?? '');
      }
      // The receipt on the simulator's wall clock, on the bot's (the skew does not change within a step).
      s.at.push(r.wallMs + clock.skewMs - origin);
      s.step.push(k);
    }
    read = log.length;
    if (!o.advanceFirst) clock.skewMs += o.stepMs;
  }
  return s;
}

/**
 * Each wait between consecutive sends is the back-off `waits[i]`, with no margin for the machine's
 * load. What the bot promises: never to send again before the back-off has passed since the refused
 * send, and to send at the first cycle once it has. Its decisions fall inside the steps that made them
 * and a send reaches the simulator after its decision, so on the bot's clock:
 * - never sooner: send i's receipt − the start of send i−1's step ≥ waits[i−1];
 * - no later than the first step due: the step before send i's began before send i−1's step ended + waits[i−1]
 *   (that step found the back-off not over yet).
 */
function expectWaits(s: Sends, waits: readonly number[]): void {
  expect(s.at).toHaveLength(waits.length + 1);
  waits.forEach((wait, j) => {
    const prev = s.steps[s.step[j]!]!;
    const sendStep = s.step[j + 1]!;
    expect(sendStep, `send ${j + 2} went out in the same step as send ${j + 1}: no back-off between them`).toBeGreaterThan(s.step[j]!);
    expect(s.at[j + 1]! - prev.startMs, `send ${j + 2} came ${s.at[j + 1]! - prev.startMs} ms after send ${j + 1}'s step began: sooner than its ${wait} ms back-off`).toBeGreaterThanOrEqual(wait);
    expect(s.steps[sendStep - 1]!.startMs, `send ${j + 2} waited past the first step after its ${wait} ms back-off (send ${j + 1}'s step ended at ${prev.endMs} ms)`).toBeLessThan(prev.endMs + wait);
  });
}

describe('a take-profit whose answer is a 5xx after the exchange executed it (L1): executed once', () => {
  for (const [status, code] of [
    [500, -1001],
    [503, -1008],
    [502, null],
    [504, null],
  ] as const) {
    it(`${status}${code === null ? '' : ` {"code":${code}}`} on the TP1 request: one order, booked once, no repeated alert`, async () => {
      const t = await openLong();
      const id = t.position!.id;
      h!.sim.admin.setFaults({ rules: [{ kind: 'error5xx', status, ...(code === null ? {} : { code }), processed: true, method: 'POST', path: '/fapi/v1/order', count: 1 }] });
      h!.sim.admin.setPrice('BTCUSDT', 60700);
      for (let i = 0; i < 4; i++) await h!.bot.step();
      expect(ordersOf(`${id}-tp1`).size).toBe(1);
      const posts = h!.sim.admin.requests().filter((r) => r.method === 'POST' && r.path === '/fapi/v1/order' && r.clientOrderId === `${id}-tp1`);
      expect(posts).toHaveLength(1);
      expect(t.position!.tpLevelsHit).toEqual([1]);
      expect(t.position!.remainingSteps).toBe(7);
      expect(storeSteps()).toBe(exchangeSteps());
      expect(t.halted).toBeNull();
      expect(h!.state().openAlgoOrders.map((a) => a.triggerPrice)).toEqual(['60000']); // breakeven
    });
  }

  it('a 500 after execution whose look-ups fail as well: nothing re-sent while in doubt, booked once when the exchange answers again', async () => {
    const t = await openLong();
    const id = t.position!.id;
    h!.sim.admin.setFaults({
      rules: [
        { kind: 'error5xx', status: 500, processed: true, method: 'POST', path: '/fapi/v1/order', count: 1 },
        { kind: 'error5xx', status: 503, method: 'GET', path: '/fapi/v1/order', count: 12 },
      ],
    });
    h!.sim.admin.setPrice('BTCUSDT', 60700);
    await h!.bot.step();
    await h!.bot.step();
    // The trades read shows the fill even while look-ups fail: booked from it, never sent again.
    expect(h!.sim.admin.requests().filter((r) => r.method === 'POST' && r.clientOrderId === `${id}-tp1`)).toHaveLength(1);
    expect(h!.sim.admin.requests().filter((r) => r.method === 'GET' && r.path === '/fapi/v1/order' && r.status === 503).length).toBeGreaterThan(0);
    h!.sim.admin.setFaults({ rules: [] });
    expect(await stepUntil(() => h!.store.getOrder(`${id}-tp1`)!.status === 'filled')).toBe(true);
    expect(ordersOf(`${id}-tp1`).size).toBe(1);
    expect(t.position!.remainingSteps).toBe(7);
    expect(storeSteps()).toBe(exchangeSteps());
  });
});

describe('an entry whose trades read fails after it filled (fault 2)', () => {
  it('is booked by the next cycle and protected by its stop; the store holds what the exchange holds', async () => {
    h = await startHarness(testConfig(), { seed: 3 });
    h.sim.admin.setPrice('BTCUSDT', 60000, true);
    await h.bot.start();
    const t = h.trader('BTCUSDT');
    // More 503s than the read's own retries: the booking right after the entry fails.
    h.sim.admin.setFaults({ rules: [{ kind: 'error5xx', status: 503, method: 'GET', path: '/fapi/v1/userTrades', count: 7 }] });
    await t.onSignal({ side: 'long', timeMs: T, reason: 'test', stopLossPct: 3 });
    expect(exchangeSteps()).toBe(10);
    expect(await stepUntil(() => t.position !== null)).toBe(true);
    const id = t.position!.id;
    // Rebuilt with the signal's own stop (3 %), not the config's (2 %).
    expect(h.state().openAlgoOrders.map((a) => [a.clientAlgoId, a.triggerPrice])).toEqual([[`${id}-sl0`, '58200']]);
    expect(storeSteps()).toBe(exchangeSteps());
    expect(h.store.ordersInDoubt()).toEqual([]);
  });

  it('…while the trades read keeps failing (its order answered FILLED, the look-ups answering): the filled entry is taken from the exchange position with its stop within seconds, not left without one for the whole outage; booked once when the trades answer', async () => {
    h = await startHarness(testConfig(), { seed: 3 });
    h.sim.admin.setPrice('BTCUSDT', 60000, true);
    await h.bot.start();
    const t = h.trader('BTCUSDT');
    h.sim.admin.setFaults({ rules: [{ kind: 'error5xx', status: 503, method: 'GET', path: '/fapi/v1/userTrades' }] });
    await t.onSignal({ side: 'long', timeMs: T, reason: 'test', stopLossPct: 3 });
    expect(exchangeSteps()).toBe(10);
    expect(await stepUntil(() => h!.state().openAlgoOrders.length === 1)).toBe(true);
    const id = t.position!.id;
    expect(h.state().openAlgoOrders.map((a) => [a.clientAlgoId, a.triggerPrice])).toEqual([[`${id}-sl0`, '58200']]);
    expect(storeSteps()).toBe(exchangeSteps());
    h.sim.admin.setFaults({ rules: [] });
    expect(await stepUntil(() => h!.store.ordersInDoubt().length === 0 && t.position!.entryFee > 0, 15_000)).toBe(true);
    expect(t.position!.remainingSteps).toBe(10);
    expect(storeSteps()).toBe(exchangeSteps());
    expect(h.sim.admin.requests().filter((r) => r.method === 'POST' && r.path === '/fapi/v1/order' && r.clientOrderId === `${id}-entry`)).toHaveLength(1);
  }, 30_000);

  it('…an entry that filled only in part (thin liquidity) while the trades read keeps failing: taken from the exchange position of what filled, with its stop', async () => {
    h = await startHarness(testConfig(), { seed: 3 });
    h.sim.admin.setPrice('BTCUSDT', 60000, true);
    await h.bot.start();
    const t = h.trader('BTCUSDT');
    h.sim.admin.setFaults({ rules: [{ kind: 'partialFill', ratio: 0.5, method: 'POST', path: '/fapi/v1/order', count: 1 }, { kind: 'error5xx', status: 503, method: 'GET', path: '/fapi/v1/userTrades' }] });
    await t.onSignal({ side: 'long', timeMs: T, reason: 'test' });
    expect(exchangeSteps()).toBe(5);
    expect(await stepUntil(() => h!.state().openAlgoOrders.length === 1)).toBe(true);
    expect(t.position!.remainingSteps).toBe(5);
    expect(storeSteps()).toBe(exchangeSteps());
  }, 30_000);

  it('…and held more than 7 days before its first exit: TP1 is booked (its only booked trade has no exchange id to read from, and a time range read from the entry spans 7 days at most), the ladder goes on', async () => {
    h = await startHarness(testConfig({ leverage: 1 }), { seed: 3 });
    h.sim.admin.setPrice('BTCUSDT', 60000, true);
    await h.bot.start();
    const t = h.trader('BTCUSDT');
    h.sim.admin.setFaults({ rules: [{ kind: 'error5xx', status: 503, method: 'GET', path: '/fapi/v1/userTrades' }] });
    await t.onSignal({ side: 'long', timeMs: T, reason: 'test', stopLossPct: 50 }); // a stop no 8 days of prices reach
    expect(await stepUntil(() => h!.state().openAlgoOrders.length === 1)).toBe(true);
    // The entry found filled but its trades unread is looked up again after a back-off, not at every cycle
    // (before: 375 trades reads, 30 now; the request weight used up, every call then held to the minute's end).
    const tradesReads = h.sim.admin.requests().filter((r) => r.path === '/fapi/v1/userTrades').length;
    expect(tradesReads).toBeLessThan(60);
    h.sim.admin.setFaults({ rules: [] });
    expect(await stepUntil(() => h!.store.ordersInDoubt().length === 0 && t.position!.entryFee > 0, 15_000)).toBe(true);
    const id = t.position!.id;
    h.sim.admin.step({ candles: 8 * 24 }); // the exchange's clock 8 days on
    h.sim.admin.setPrice('BTCUSDT', 60000, true);
    h.sim.admin.setPrice('BTCUSDT', 60700); // TP1
    // Cycles only (no candles read): the strategy has nothing to say here.
    for (let i = 0; i < 10 && t.position?.tpLevelsHit.length !== 1; i++) {
      t.touch();
      await t.converge();
      await sleep(150);
    }
    expect(h.state().fills.filter((f) => f.clientOrderId === `${id}-tp1`)).toHaveLength(1);
    expect(t.position!.tpLevelsHit).toEqual([1]);
    expect(storeSteps()).toBe(exchangeSteps());
  }, 40_000);

  it('after a restart too: an entry left in doubt by a dead process is rebuilt with the stop its signal asked for', async () => {
    h = await startHarness(testConfig(), { seed: 3 });
    h.sim.admin.setPrice('BTCUSDT', 60000, true);
    await h.bot.start();
    h.sim.admin.setFaults({ rules: [{ kind: 'error5xx', status: 503, method: 'GET', path: '/fapi/v1/userTrades', count: 50 }] });
    await h.trader('BTCUSDT').onSignal({ side: 'short', timeMs: T, reason: 'test', stopLossPct: 1.5 });
    expect(h.trader('BTCUSDT').position).toBeNull();
    h.sim.admin.setFaults({ rules: [] });
    h.store.close();
    const store = openStore(h.dbPath);
    h.store = store;
    const bot = new TradingBot({ config: testConfig({ stop_loss_pct: 4 }), exchange: h.ex, store, log: silentLogger() });
    await bot.start();
    const p = bot.traders[0]!.position!;
    expect(p.side).toBe('short');
    expect(h.state().openAlgoOrders.map((a) => [a.clientAlgoId, a.triggerPrice])).toEqual([[`${p.id}-sl0`, '60900']]);
    expect(store.openPositions()[0]!.remainingSteps).toBe(exchangeSteps());
  });
});

describe('a stop whose placement is answered 503 (not executed) twice (invariant 9)', () => {
  it('a new short: its stop is placed again once its 5-s retry hold ends, not left missing until the 15-s orders check', async () => {
    h = await startHarness(testConfig(), { seed: 3 });
    h.sim.admin.setPrice('BTCUSDT', 60000, true);
    await h.bot.start();
    const t = h.trader('BTCUSDT');
    h.sim.admin.setFaults({ rules: [{ kind: 'error5xx', status: 503, method: 'POST', path: '/fapi/v1/algoOrder', count: 2 }] });
    // Each step's start and end on the wall clock (the bot's here), the signal's handling the first.
    const steps: { startMs: number; endMs: number }[] = [];
    const timed = async (f: () => Promise<unknown>) => {
      const startMs = Date.now();
      await f();
      steps.push({ startMs, endMs: Date.now() });
    };
    await timed(() => t.onSignal({ side: 'short', timeMs: T, reason: 'test', stopLossPct: 1.5 }));
    expect(exchangeSteps()).toBe(10);
    for (const end = Date.now() + 12_000; h.state().openAlgoOrders.length === 0 && Date.now() < end; ) {
      await sleep(150);
      await timed(() => h!.bot.step());
    }
    expect(h.state().openAlgoOrders.map((a) => [a.clientAlgoId, a.triggerPrice])).toEqual([[`${t.position!.id}-sl0`, '60900']]);
    const posts = h.sim.admin.requests().filter((r) => r.method === 'POST' && r.path === '/fapi/v1/algoOrder');
    expect(posts.map((r) => r.status)).toEqual([503, 503, 200]);
    // The hold, judged against the steps that made the sends, with no margin for the machine's load:
    // not placed again before 5 s from the refusal's step (no storm of placements), and placed at the
    // first step after them (the step before found the hold not over yet).
    const stepOf = (wallMs: number) => steps.findIndex((w) => w.startMs <= wallMs && wallMs <= w.endMs);
    const refused = stepOf(posts[1]!.wallMs);
    const placed = stepOf(posts[2]!.wallMs);
    expect(placed).toBe(steps.length - 1);
    expect(placed).toBeGreaterThan(refused);
    expect(posts[2]!.wallMs - steps[refused]!.startMs).toBeGreaterThanOrEqual(5_000);
    expect(steps[placed - 1]!.startMs).toBeLessThan(steps[refused]!.endMs + 5_000);
  });
});

describe('a stop or a close whose answer was lost and whose look-ups failed, then found by a later look-up: settled by it, not looked up again at every cycle (the request weight)', () => {
  /** GET look-ups of `clientOrderId` on `path` the simulator received. */
  const lookups = (path: string, clientOrderId: string) => h!.sim.admin.requests().filter((r) => r.method === 'GET' && r.path === path && r.clientOrderId === clientOrderId).length;
  /** The bot stepped `n` times, 150 ms of real time apart (over 2 s: the look-ups' back-off would have expired several times). */
  const stepFor = async (n: number) => {
    for (let i = 0; i < n; i++) {
      await h!.bot.step();
      await sleep(150);
    }
  };

  it('a stop executed (500 after the exchange placed it), its look-ups answering 503 past the send\'s own: found resting by the first look-up that answers, stored open, one stop; then no look-up of it at all (the open orders list watches it)', async () => {
    h = await startHarness(testConfig(), { seed: 3 });
    h.sim.admin.setPrice('BTCUSDT', 60000, true);
    await h.bot.start();
    const t = h.trader('BTCUSDT');
    h.sim.admin.setFaults({ rules: [{ kind: 'error5xx', status: 500, processed: true, method: 'POST', path: '/fapi/v1/algoOrder', count: 1 }, { kind: 'error5xx', status: 503, method: 'GET', path: '/fapi/v1/algoOrder', count: 6 }] });
    await t.onSignal({ side: 'long', timeMs: T, reason: 'test' });
    const stop = `${t.position!.id}-sl0`;
    expect(h.store.getOrder(stop)!.status).toBe('unknown'); // in doubt: its send's own look-ups failed
    await stepFor(4);
    expect(h.store.getOrder(stop)!.status).toBe('open');
    const settledAt = lookups('/fapi/v1/algoOrder', stop);
    await stepFor(16);
    expect(lookups('/fapi/v1/algoOrder', stop)).toBe(settledAt);
    expect(settledAt).toBeLessThanOrEqual(8); // the send's (503 ×6) and one or two after
    expect(h.state().openAlgoOrders.map((a) => a.clientAlgoId)).toEqual([stop]);
    expect(h.sim.admin.requests().filter((r) => r.method === 'POST' && r.path === '/fapi/v1/algoOrder')).toHaveLength(1);
  }, 20_000);

  it('a close (the webhook\'s) executed in part in a thin book, its answer a 500, its look-ups answering 503 past the send\'s own: found expired with half filled by the first look-up that answers, booked, the rest closed under the next id, flat as the exchange; neither close looked up again after', async () => {
    const t = await openLong();
    const id = t.position!.id;
    h!.sim.admin.setFaults({
      rules: [
        { kind: 'partialFill', ratio: 0.5, method: 'POST', path: '/fapi/v1/order', count: 1 },
        { kind: 'error5xx', status: 500, processed: true, method: 'POST', path: '/fapi/v1/order', count: 1 },
        { kind: 'error5xx', status: 503, method: 'GET', path: '/fapi/v1/order', count: 12 },
      ],
    });
    expect(await t.closePosition('test')).toBe('closing');
    await stepFor(4);
    expect(h!.store.ordersOf(id).filter((o) => o.kind === 'close').map((o) => [o.clientOrderId, o.status])).toEqual([
      [`${id}-close`, 'expired'],
      [`${id}-close1`, 'filled'],
    ]);
    expect(h!.sim.admin.requests().filter((r) => r.method === 'GET' && r.path === '/fapi/v1/order' && r.clientOrderId === `${id}-close` && r.status === 503).length).toBeGreaterThan(5); // past the send's own look-ups
    expect(exchangeSteps()).toBe(0);
    expect(t.position).toBeNull();
    expect(h!.store.getPosition(id)!.partialExits.map((e) => [e.reason, e.qtySteps])).toEqual([
      ['signal', 5],
      ['signal', 5],
    ]);
    const settled = [lookups('/fapi/v1/order', `${id}-close`), lookups('/fapi/v1/order', `${id}-close1`)];
    await stepFor(16);
    expect([lookups('/fapi/v1/order', `${id}-close`), lookups('/fapi/v1/order', `${id}-close1`)]).toEqual(settled);
    expect(settled[0]).toBeLessThanOrEqual(10);
  }, 20_000);
});

describe('a position changed outside the bot (F5, R6.6)', () => {
  it('closed by hand: taken as the exchange says (a manual exit at its price), orphans cancelled, no -2022 storm, the symbol trades again', async () => {
    const t = await openLong();
    const id = t.position!.id;
    await h!.ex.createOrder({ symbol: 'BTCUSDT', side: 'sell', type: 'market', amountSteps: 10 as never, reduceOnly: true, clientOrderId: 'web_hand_close' });
    h!.sim.admin.setPrice('BTCUSDT', 60700); // TP1's price: nothing of ours may be sent for it
    await h!.bot.step();
    await h!.bot.step();
    expect(t.position).toBeNull();
    const [trade] = h!.store.tradeHistory().filter((x) => x.positionId === id);
    expect(trade!.status).toBe('closed');
    expect(trade!.exits.map((e) => [e.reason, e.qtySteps, e.clientOrderId])).toEqual([['manual', 10, 'web_hand_close']]);
    expect(h!.state().openAlgoOrders).toEqual([]);
    expect(h!.state().openOrders).toEqual([]);
    expect(h!.sim.admin.requests().filter((r) => r.code === -2022)).toHaveLength(0);
    // Not locked: the next signal opens a new position with its stop.
    await t.onSignal({ side: 'short', timeMs: T + 3_600_000, reason: 'test' });
    expect(t.position?.side).toBe('short');
    expect(storeSteps()).toBe(exchangeSteps());
    expect(h!.state().openAlgoOrders).toHaveLength(1);
  });

  it('reduced by hand: the ladder goes on with what is left and closes exactly what the exchange holds', async () => {
    const t = await openLong();
    const id = t.position!.id;
    await h!.ex.createOrder({ symbol: 'BTCUSDT', side: 'sell', type: 'market', amountSteps: 4 as never, reduceOnly: true, clientOrderId: 'web_hand_reduce' });
    await h!.bot.step();
    expect(t.position!.remainingSteps).toBe(6);
    expect(storeSteps()).toBe(exchangeSteps());
    for (const price of [60700, 61300, 62200]) {
      h!.sim.admin.setPrice('BTCUSDT', price);
      await h!.bot.step();
    }
    expect(t.position).toBeNull();
    expect(exchangeSteps()).toBe(0);
    const [trade] = h!.store.tradeHistory().filter((x) => x.positionId === id);
    expect(trade!.exits[0]).toMatchObject({ reason: 'manual', qtySteps: 4 });
    expect(trade!.exits.reduce((a, e) => a + e.qtySteps, 0)).toBe(10);
    expect(h!.sim.admin.requests().filter((r) => r.code === -2022)).toHaveLength(0);
    expect(h!.state().openAlgoOrders).toEqual([]);
  });

  it('closed by hand while the bot was down: adopted at restart, the symbol free again', async () => {
    const t = await openLong();
    const id = t.position!.id;
    h!.store.close();
    await h!.ex.createOrder({ symbol: 'BTCUSDT', side: 'sell', type: 'market', amountSteps: 10 as never, reduceOnly: true, clientOrderId: 'app_close_1' });
    const store = openStore(h!.dbPath);
    h!.store = store;
    const bot = new TradingBot({ config: testConfig(), exchange: h!.ex, store, log: silentLogger() });
    await bot.start();
    expect(bot.traders[0]!.position).toBeNull();
    expect(store.tradeHistory().find((x) => x.positionId === id)!.exits.map((e) => e.reason)).toEqual(['manual']);
    expect(h!.state().openAlgoOrders).toEqual([]);
  });

  it('after a restart, the orders of listed trades are no longer found by order id (-2013: Binance drops old orders): those trades are taken as not ours, and the position is managed (its stop restored, TP1 sent), not locked', async () => {
    const t = await openLong();
    const id = t.position!.id;
    h!.bot.stop();
    await h!.ex.cancelOrder('BTCUSDT', `${id}-sl0`, 'stop'); // gone while the bot was down
    // A fresh adapter (it has learnt no order id → client id yet); every look-up by order id: -2013.
    const client = ccxtForSimulator(h!.sim.url, { apiKey: h!.sim.apiKey, secret: h!.sim.apiSecret });
    client.enableRateLimit = false;
    const ex = new CcxtExchange(client);
    h!.sim.admin.setFaults({ rules: [{ kind: 'reject', code: -2013, method: 'GET', path: '/fapi/v1/order' }] });
    try {
      await ex.markets();
      const listed = await ex.trades('BTCUSDT', t.position!.entryTimeMs - 60_000);
      expect(listed.map((x) => [x.clientOrderId, x.orderUnknown, x.qtySteps])).toEqual([['', true, 10]]);
      const bot = new TradingBot({ config: testConfig(), exchange: ex, store: h!.store, log: silentLogger(), retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 5, sleep: async () => {} } });
      await bot.start();
      await bot.step();
      expect(h!.state().openAlgoOrders.map((a) => [a.clientAlgoId, a.triggerPrice])).toEqual([[`${id}-sl0`, '58800']]);
      h!.sim.admin.setPrice('BTCUSDT', 60700); // past TP1 (60600)
      for (let i = 0; i < 4; i++) await bot.step();
      bot.stop();
      expect(h!.sim.admin.requests().filter((r) => r.method === 'POST' && r.clientOrderId === `${id}-tp1`)).toHaveLength(1);
      expect(bot.traders[0]!.position!.partialExits.map((e) => [e.reason, e.qtySteps])).toEqual([['tp1', 3]]);
      expect(storeSteps()).toBe(exchangeSteps());
      expect(h!.state().openAlgoOrders.map((a) => a.triggerPrice)).toEqual(['60000']); // breakeven
    } finally {
      await ex.close();
    }
  });

  it('flat on the exchange with no trade to show for it (the bot refused with -2022): ended within seconds, not retried', async () => {
    const t = await openLong();
    const id = t.position!.id;
    // The position vanishes without a trade the bot can read (as when the account is flattened elsewhere).
    h!.sim.admin.setFaults({ rules: [{ kind: 'error5xx', status: 503, method: 'GET', path: '/fapi/v1/userTrades', count: 3 }] });
    await h!.ex.createOrder({ symbol: 'BTCUSDT', side: 'sell', type: 'market', amountSteps: 10 as never, reduceOnly: true, clientOrderId: 'x_close' });
    h!.sim.admin.setFaults({ rules: [] });
    h!.sim.admin.setPrice('BTCUSDT', 60700);
    expect(await stepUntil(() => t.position === null)).toBe(true);
    expect(h!.store.tradeHistory().find((x) => x.positionId === id)!.status).toBe('closed');
    expect(h!.sim.admin.requests().filter((r) => r.code === -2022).length).toBeLessThanOrEqual(1);
    expect(h!.state().openAlgoOrders).toEqual([]);
  });
});

describe('orders the exchange refuses outright (a 4xx: -4131 PERCENT_PRICE in a thin book, -4061)', () => {
  /** The harness's exchange and store under a bot of the test's own: its alerts seen, its clock `skewMs` ahead of the wall's. */
  async function flatBot() {
    h = await startHarness(testConfig(), { seed: 3 });
    h.sim.admin.setPrice('BTCUSDT', 60000, true);
    const alerts: string[] = [];
    const clock = { skewMs: 0 };
    // Retries of one request (a 429) without real waits, as the harness's own bot.
    const retry = { attempts: 5, baseDelayMs: 1, maxDelayMs: 5, sleep: async () => {} };
    // The bot's log lines (messages only), as a real pino logger writes them.
    const logged: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString().split('\n')) if (line) logged.push((JSON.parse(line) as { msg: string }).msg);
        done();
      },
    });
    const bot = new TradingBot({ config: testConfig(), exchange: h.ex, store: h.store, log: createLogger('info', sink), now: () => Date.now() + clock.skewMs, onAlert: (_s, _k, m) => alerts.push(m), retry });
    await bot.start();
    return { bot, t: bot.traders[0]!, alerts, clock, logged };
  }
  async function ownBot() {
    const b = await flatBot();
    await b.t.onSignal({ side: 'long', timeMs: T, reason: 'test' });
    expect(b.t.position).not.toBeNull();
    return { ...b, id: b.t.position!.id };
  }
  const entries = () => h!.sim.admin.requests().filter((r) => r.method === 'POST' && r.path === '/fapi/v1/order' && r.clientOrderId?.endsWith('-entry')).map((r) => [r.status, r.code ?? null]);

  it('the first stop refused outright (-4045): never left unprotected: the position is closed at market at once, with an alert', async () => {
    const { bot, t, alerts } = await flatBot();
    h!.sim.admin.setFaults({ rules: [{ kind: 'reject', code: -4045, method: 'POST', path: '/fapi/v1/algoOrder', count: 1 }] });
    await t.onSignal({ side: 'long', timeMs: T, reason: 'test' });
    await bot.step();
    expect(t.position).toBeNull();
    expect(exchangeSteps()).toBe(0);
    expect(h!.state().openAlgoOrders).toEqual([]);
    const [trade] = h!.store.tradeHistory();
    expect(trade!.exits.map((e) => [e.reason, e.qtySteps, e.clientOrderId.slice(trade!.positionId.length)])).toEqual([['stop', 10, '-close']]);
    expect(alerts.filter((a) => /no protective stop could be placed.*-4045/.test(a))).toHaveLength(1);
    bot.stop();
  });

  it('…and the open orders list cannot be read (503) then: no older stop of the position was ever placed, so none can rest: closed at market at once all the same', async () => {
    const { bot, t, alerts } = await flatBot();
    h!.sim.admin.setFaults({
      rules: [
        { kind: 'reject', code: -4045, method: 'POST', path: '/fapi/v1/algoOrder', count: 1 },
        { kind: 'error5xx', status: 503, method: 'GET', path: '/fapi/v1/openAlgoOrders', count: 5 },
      ],
    });
    await t.onSignal({ side: 'long', timeMs: T, reason: 'test' });
    await bot.step();
    expect(h!.sim.admin.requests().filter((r) => r.path === '/fapi/v1/openAlgoOrders' && r.status === 503)).toHaveLength(5);
    expect(t.position).toBeNull();
    expect(exchangeSteps()).toBe(0);
    expect(h!.state().openAlgoOrders).toEqual([]);
    expect(alerts.filter((a) => /no protective stop could be placed.*-4045/.test(a))).toHaveLength(1);
    bot.stop();
  });

  it('the open orders list cannot be read at all (every read 503) when the orders check is due: the take-profits still execute and the stop still climbs (the list is not the whole cycle)', async () => {
    const { bot, t, clock, id, logged } = await ownBot();
    h!.sim.admin.setFaults({ rules: [{ kind: 'error5xx', status: 503, method: 'GET', path: '/fapi/v1/openAlgoOrders' }] });
    clock.skewMs += 16_000; // the orders check is due
    await bot.step();
    h!.sim.admin.setPrice('BTCUSDT', 60700); // TP1
    for (let i = 0; i < 4; i++) await bot.step();
    expect(exchangeSteps()).toBe(7);
    expect(t.position).toMatchObject({ id, remainingSteps: 7 });
    expect(h!.state().openAlgoOrders.map((a) => [a.clientAlgoId.slice(id.length), Number(a.triggerPrice)])).toEqual([['-sl1', 60000]]);
    // Read (and failed) on every cycle, said once; and once more when it reads again.
    expect(logged.filter((m) => m === 'orders.list_failed')).toHaveLength(1);
    h!.sim.admin.setFaults({ rules: [] });
    clock.skewMs += 16_000;
    await bot.step();
    expect(logged.filter((m) => m.startsWith('orders.list_'))).toEqual(['orders.list_failed', 'orders.list_read_again']);
    bot.stop();
  });

  it('the open orders list cannot be read at all while the stop is cancelled by hand: the stop is looked up by its client id and placed again (invariant 9), not left missing for as long as the list fails', async () => {
    const { bot, t, clock, id } = await ownBot();
    h!.sim.admin.setFaults({ rules: [{ kind: 'error5xx', status: 503, method: 'GET', path: '/fapi/v1/openAlgoOrders' }] });
    // Cancelled by hand (another client: the bot's own adapter knows nothing of it).
    const hand = new CcxtExchange(ccxtForSimulator(h!.sim.url, { apiKey: h!.sim.apiKey, secret: h!.sim.apiSecret }));
    await hand.markets();
    await hand.cancelOrder('BTCUSDT', `${id}-sl0`, 'stop');
    expect(h!.state().openAlgoOrders).toEqual([]);
    // A minute of cycles, the orders check due at each: the list fails every time.
    for (let i = 0; i < 4; i++) {
      clock.skewMs += 16_000;
      await bot.step();
    }
    expect(exchangeSteps()).toBe(10);
    expect(t.position).toMatchObject({ id, remainingSteps: 10 });
    expect(h!.state().openAlgoOrders.map((a) => [a.clientAlgoId.slice(id.length), Number(a.triggerPrice)])).toEqual([['-sl0', 58800]]);
    bot.stop();
  });

  it('a stop move refused outright (-4045): the previous stop keeps protecting, then the move is made at the next orders check; one stop after it', async () => {
    const { bot, t, alerts, clock } = await ownBot();
    h!.sim.admin.setFaults({ rules: [{ kind: 'reject', code: -4045, method: 'POST', path: '/fapi/v1/algoOrder', count: 1 }] });
    h!.sim.admin.setPrice('BTCUSDT', 60700); // TP1: the stop is to move to breakeven (sl1)
    await bot.step();
    const id = t.position!.id;
    expect(t.position!.tpLevelsHit).toEqual([1]);
    expect(alerts.filter((a) => /could not move to 60000.*the previous stop stays/.test(a))).toHaveLength(1);
    const stops = () => h!.state().openAlgoOrders.map((a) => [a.clientAlgoId.slice(id.length), Number(a.triggerPrice)]);
    expect(stops()).toEqual([['-sl0', 58800]]);
    clock.skewMs += 16_000; // the next orders check (every 15 s)
    await bot.step();
    expect(stops()).toEqual([['-sl1', 60000]]);
    // The breakeven stop is the real one now: a fall to it closes the rest there.
    h!.sim.admin.setPrice('BTCUSDT', 59900);
    await bot.step();
    expect(t.position).toBeNull();
    expect(exchangeSteps()).toBe(0);
    const [trade] = h!.store.tradeHistory().filter((x) => x.positionId === id);
    expect(trade!.exits.map((e) => [e.reason, e.qtySteps, e.price])).toEqual([
      ['tp1', 3, 60700],
      ['stop', 7, 60000],
    ]);
    bot.stop();
  });

  it('a stop move refused outright twice (-4045), the second time when the orders check places it again: the previous stop still rests, so the runner is kept (not closed at market: F24), one alert, and the stop is tried again after a back-off', async () => {
    const { bot, t, alerts, clock, id } = await ownBot();
    h!.sim.admin.setFaults({ rules: [{ kind: 'reject', code: -4045, method: 'POST', path: '/fapi/v1/algoOrder', count: 2 }] });
    h!.sim.admin.setPrice('BTCUSDT', 60700); // TP1: the stop is to move to breakeven (sl1)
    await bot.step();
    const stops = () => h!.state().openAlgoOrders.map((a) => [a.clientAlgoId.slice(id.length), Number(a.triggerPrice)]);
    const sl1Posts = () => h!.sim.admin.requests().filter((r) => r.method === 'POST' && r.path === '/fapi/v1/algoOrder' && r.clientOrderId === `${id}-sl1`).length;
    expect(stops()).toEqual([['-sl0', 58800]]);
    clock.skewMs += 16_000; // the next orders check: sl1 is placed again, and refused again
    await bot.step();
    expect(sl1Posts()).toBe(2);
    expect(exchangeSteps()).toBe(7);
    expect(t.position).toMatchObject({ id, remainingSteps: 7, closing: null });
    expect(h!.state().fills.filter((f) => f.clientOrderId.startsWith(`${id}-close`))).toEqual([]);
    expect(stops()).toEqual([['-sl0', 58800]]);
    expect(alerts.filter((a) => /no protective stop could be placed/.test(a))).toEqual([]);
    expect(alerts.filter((a) => /refused the stop .*-sl1: the previous stop still rests/.test(a))).toHaveLength(1);
    // Within its back-off (5 s) nothing is sent again, whatever the cycles.
    clock.skewMs += 1_000;
    t.touch();
    await bot.step();
    expect(sl1Posts()).toBe(2);
    // After it, the stop goes out again and is taken: one stop, at breakeven.
    clock.skewMs += 16_000;
    await bot.step();
    await bot.step();
    expect(sl1Posts()).toBe(3);
    expect(stops()).toEqual([['-sl1', 60000]]);
    expect(exchangeSteps()).toBe(7);
    bot.stop();
  });

  it("…and the open orders list cannot be read (503) just when the second refusal asks whether sl0 still rests: unknown is not none, so the runner is kept (no market close), one alert, and the stop is tried again after the back-off", async () => {
    const { bot, t, alerts, clock, id } = await ownBot();
    h!.sim.admin.setFaults({ rules: [{ kind: 'reject', code: -4045, method: 'POST', path: '/fapi/v1/algoOrder', count: 2 }] });
    h!.sim.admin.setPrice('BTCUSDT', 60700); // TP1: the stop is to move to breakeven (sl1), refused
    await bot.step();
    const stops = () => h!.state().openAlgoOrders.map((a) => [a.clientAlgoId.slice(id.length), Number(a.triggerPrice)]);
    const listFailures = () => h!.sim.admin.requests().filter((r) => r.path === '/fapi/v1/openAlgoOrders' && r.status === 503).length;
    expect(stops()).toEqual([['-sl0', 58800]]);
    // The orders check reads the list (sl1 missing), places sl1 again (refused), and the read that follows fails through its retries.
    h!.sim.admin.setFaults([{ kind: 'error5xx', status: 503, method: 'GET', path: '/fapi/v1/openAlgoOrders', after: 1, count: 5 }]); // added to the -4045 rule
    clock.skewMs += 16_000;
    await bot.step();
    expect(listFailures()).toBe(5);
    expect(exchangeSteps()).toBe(7);
    expect(t.position).toMatchObject({ id, remainingSteps: 7, closing: null });
    expect(h!.state().fills.filter((f) => f.clientOrderId.startsWith(`${id}-close`))).toEqual([]);
    expect(stops()).toEqual([['-sl0', 58800]]);
    expect(alerts.filter((a) => /no protective stop could be placed/.test(a))).toEqual([]);
    expect(alerts.filter((a) => /open orders could not be read/.test(a))).toHaveLength(1);
    // After the back-off (5 s) the stop goes out again and is taken: one stop, at breakeven.
    clock.skewMs += 16_000;
    await bot.step();
    await bot.step();
    expect(stops()).toEqual([['-sl1', 60000]]);
    expect(exchangeSteps()).toBe(7);
    bot.stop();
  });

  it('…while a list that is read shows no stop of the position (sl0 cancelled by hand meanwhile): the runner is closed at market at once, as the stop exit, with an alert (F24)', async () => {
    const { bot, t, alerts, clock, id } = await ownBot();
    h!.sim.admin.setFaults({ rules: [{ kind: 'reject', code: -4045, method: 'POST', path: '/fapi/v1/algoOrder', count: 2 }] });
    h!.sim.admin.setPrice('BTCUSDT', 60700); // TP1: the stop is to move to breakeven (sl1), refused
    await bot.step();
    expect(t.position!.remainingSteps).toBe(7);
    const byHand = new CcxtExchange(ccxtForSimulator(h!.sim.url, { apiKey: h!.sim.apiKey, secret: h!.sim.apiSecret }));
    await byHand.markets();
    await byHand.cancelOrder('BTCUSDT', `${id}-sl0`, 'stop');
    await byHand.close();
    clock.skewMs += 16_000; // the orders check: no stop rests, sl1 is placed again and refused; the list read shows none
    await bot.step();
    expect(exchangeSteps()).toBe(0);
    expect(t.position).toBeNull();
    const [trade] = h!.store.tradeHistory().filter((x) => x.positionId === id);
    expect(trade!.exits.map((e) => [e.reason, e.qtySteps])).toEqual([
      ['tp1', 3],
      ['stop', 7],
    ]);
    expect(alerts.filter((a) => /no protective stop could be placed/.test(a))).toHaveLength(1);
    expect(h!.state().openAlgoOrders).toEqual([]);
    bot.stop();
  });

  it('a take-profit refused outright (-4131): the level waits (no storm), is sent again after the hold and fills once; the stop climbs after it', async () => {
    const { bot, t, id, alerts, clock } = await ownBot();
    h!.sim.admin.setFaults({ rules: [{ kind: 'reject', code: -4131, method: 'POST', path: '/fapi/v1/order', count: 1 }] });
    h!.sim.admin.setPrice('BTCUSDT', 60700); // TP1
    await bot.step();
    await bot.step();
    const tp1 = () => h!.sim.admin.requests().filter((r) => r.method === 'POST' && r.clientOrderId === `${id}-tp1`).map((r) => [r.status, r.code ?? null]);
    expect(tp1()).toEqual([[400, -4131]]); // not again within the hold
    expect(t.position!.tpLevelsHit).toEqual([]);
    clock.skewMs += 2_500;
    await bot.step();
    expect(tp1()).toEqual([[400, -4131], [200, null]]);
    expect(t.position!.tpLevelsHit).toEqual([1]);
    expect(t.position!.remainingSteps).toBe(7);
    expect(exchangeSteps()).toBe(7);
    expect(h!.state().openAlgoOrders.map((a) => [a.clientAlgoId.slice(id.length), Number(a.triggerPrice)])).toEqual([['-sl1', 60000]]);
    expect(alerts.filter((a) => /tp1 refused/.test(a))).toHaveLength(1);
    bot.stop();
  });

  it('a take-profit refused every time (-4131): asked again after 2, 4, 8, 16, 30, 30 s (no storm), one alert, the stop protecting; taken once the market takes it', async () => {
    const { bot, t, id, alerts, clock } = await ownBot();
    h!.sim.admin.setFaults({ rules: [{ kind: 'reject', code: -4131, method: 'POST', path: '/fapi/v1/order' }] });
    h!.sim.admin.setPrice('BTCUSDT', 60700); // TP1, and it stays there
    const sends = () => h!.sim.admin.requests().filter((r) => r.method === 'POST' && r.clientOrderId === `${id}-tp1`).length;
    // Each send's own time on the bot's clock and the step that made it (expectWaits).
    const sent = await sendTimes(bot, clock, `${id}-tp1`, 250, 500, (n) => n >= 7);
    // Each wait is the back-off (doubling from 2 s, at most 30 s), sent at the first step after it.
    expectWaits(sent, [2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
    expect(alerts.filter((a) => /tp1 refused/.test(a))).toHaveLength(1);
    expect(t.position).toMatchObject({ id, remainingSteps: 10, tpLevelsHit: [] });
    expect(exchangeSteps()).toBe(10);
    expect(h!.state().openAlgoOrders.map((a) => a.clientAlgoId)).toEqual([`${id}-sl0`]);
    // The book fills again: the next send is taken, once.
    h!.sim.admin.setFaults({ rules: [] });
    clock.skewMs += 30_500;
    await bot.step();
    expect(sends()).toBe(8);
    expect(t.position!.tpLevelsHit).toEqual([1]);
    expect(exchangeSteps()).toBe(7);
    bot.stop();
  });

  /** `recordSends` of the posts of `clientOrderId`: the clock `stepMs` on after each step. */
  const sendTimes = (bot: TradingBot, clock: { skewMs: number }, clientOrderId: string, n: number, stepMs = 500, until: (sent: number) => boolean = () => false) =>
    recordSends(bot, clock, (r) => r.method === 'POST' && r.clientOrderId === clientOrderId, { n, stepMs, until: (s) => until(s.at.length), advanceFirst: false, onePerClientId: false });

  it("a price past every level with every take-profit refused: one refusal of the back-off per round (2, 4, 8 s), not one per level", async () => {
    const { bot, id, clock } = await ownBot();
    h!.sim.admin.setFaults({ rules: [{ kind: 'reject', code: -4131, method: 'POST', path: '/fapi/v1/order' }] });
    h!.sim.admin.setPrice('BTCUSDT', 63000); // past TP1, TP2 and TP3
    const at = await sendTimes(bot, clock, `${id}-tp1`, 60, 500, (n) => n === 4);
    expectWaits(at, [2000, 4000, 8000]);
    bot.stop();
  });

  it('a take-profit taken ends the back-off: the next level refused waits 2 s again, not the doubled wait', async () => {
    const { bot, t, id, clock } = await ownBot();
    h!.sim.admin.setFaults({ rules: [{ kind: 'reject', code: -4131, method: 'POST', path: '/fapi/v1/order', count: 2 }] });
    h!.sim.admin.setPrice('BTCUSDT', 60700);
    expect((await sendTimes(bot, clock, `${id}-tp1`, 20, 500, (n) => n === 3)).at).toHaveLength(3); // refused, refused, taken
    expect(t.position!.tpLevelsHit).toEqual([1]);
    h!.sim.admin.setFaults({ rules: [{ kind: 'reject', code: -4131, method: 'POST', path: '/fapi/v1/order', count: 1 }] });
    h!.sim.admin.setPrice('BTCUSDT', 61300); // TP2
    const at = await sendTimes(bot, clock, `${id}-tp2`, 20, 500, (n) => n === 2);
    expectWaits(at, [2000]);
    expect(t.position!.tpLevelsHit).toEqual([1, 2]);
    bot.stop();
  });

  it('a reduce-only refusal (-2022) between outright ones waits only for the re-read (2 s) and does not count toward the back-off', async () => {
    const { bot, id, clock } = await ownBot();
    h!.sim.admin.setFaults({
      rules: [
        // Every matching rule counts every request (`after` skips that many): the third send gets -2022, the fourth -4131.
        { kind: 'reject', code: -4131, method: 'POST', path: '/fapi/v1/order', count: 2 },
        { kind: 'reject', code: -2022, method: 'POST', path: '/fapi/v1/order', after: 2, count: 1 },
        { kind: 'reject', code: -4131, method: 'POST', path: '/fapi/v1/order', after: 3, count: 1 },
      ],
    });
    h!.sim.admin.setPrice('BTCUSDT', 60700);
    const at = await sendTimes(bot, clock, `${id}-tp1`, 60, 500, (n) => n === 5);
    // -4131 (2 s), -4131 (4 s), -2022 (2 s), -4131 (the third outright: 8 s), then taken.
    expectWaits(at, [2000, 4000, 2000, 8000]);
    bot.stop();
  });

  it("a rate limit's Retry-After longer than the back-off is waited out (4 s, not 2)", async () => {
    h = await startHarness(testConfig(), { seed: 3 });
    h.sim.admin.setPrice('BTCUSDT', 60000, true);
    const clock = { skewMs: 0 };
    // One attempt per request: the 429 reaches the trader at once (the router's own retries are tested elsewhere).
    const retry = { attempts: 1, baseDelayMs: 1, maxDelayMs: 5, sleep: async () => {} };
    const bot = new TradingBot({ config: testConfig(), exchange: h.ex, store: h.store, log: silentLogger(), now: () => Date.now() + clock.skewMs, retry });
    await bot.start();
    const t = bot.traders[0]!;
    await t.onSignal({ side: 'long', timeMs: T, reason: 'test' });
    const id = t.position!.id;
    h.sim.admin.setFaults({ rules: [{ kind: 'reject', code: -1003, status: 429, retryAfterSec: 4, method: 'POST', path: '/fapi/v1/order', count: 1 }] });
    h.sim.admin.setPrice('BTCUSDT', 60700);
    const at = await sendTimes(bot, clock, `${id}-tp1`, 20, 500, (n) => n === 2);
    expect(at.at).toHaveLength(2);
    // The adapter holds the call for real until the Retry-After has passed, inside the step that was
    // refused (its weight budget): never sooner than 4 s after that step began, and not the 4 s with
    // the 2-s back-off on top (6 s) either.
    expect(at.at[1]! - at.steps[at.step[0]!]!.startMs).toBeGreaterThanOrEqual(4_000);
    expect(at.at[1]! - at.at[0]!).toBeLessThan(6_000);
    expect(t.position!.tpLevelsHit).toEqual([1]);
    bot.stop();
  });

  it('a take-profit refused for margin (-2019) every time: the same back-off (2, 4, 8 s), not a send per cycle', async () => {
    const { bot, id, clock } = await ownBot();
    h!.sim.admin.setFaults({ rules: [{ kind: 'reject', code: -2019, method: 'POST', path: '/fapi/v1/order' }] });
    h!.sim.admin.setPrice('BTCUSDT', 60700);
    const at = await sendTimes(bot, clock, `${id}-tp1`, 40, 500, (n) => n === 4);
    expectWaits(at, [2000, 4000, 8000]);
    bot.stop();
  });

  it("a new position does not inherit the back-off of a position that ended during it: its take-profit goes out at once", async () => {
    const { bot, t, id, clock } = await ownBot();
    h!.sim.admin.setFaults({ rules: [{ kind: 'reject', code: -4131, method: 'POST', path: '/fapi/v1/order' }] });
    h!.sim.admin.setPrice('BTCUSDT', 60700);
    expect((await sendTimes(bot, clock, `${id}-tp1`, 40, 500, (n) => n === 4)).at).toHaveLength(4); // the hold is 16 s now
    h!.sim.admin.setFaults({ rules: [] });
    h!.sim.admin.setPrice('BTCUSDT', 58700); // the stop (58800) fills
    await bot.step();
    expect(t.position).toBeNull();
    await t.onSignal({ side: 'long', timeMs: T + 3_600_000, reason: 'test' });
    const next = t.position!.id;
    expect(next).not.toBe(id);
    // Its first take-profit refused once: the back-off starts again from 2 s, not from the old position's 32.
    h!.sim.admin.setFaults({ rules: [{ kind: 'reject', code: -4131, method: 'POST', path: '/fapi/v1/order', count: 1 }] });
    h!.sim.admin.setPrice('BTCUSDT', Math.ceil(t.position!.plan.levels[0]!.targetPrice) + 10);
    clock.skewMs += 500;
    const at = await sendTimes(bot, clock, `${next}-tp1`, 20, 500, (n) => n === 2);
    expect(at.step[0]).toBe(0); // at the first step: no hold of the old position's
    expectWaits(at, [2000]);
    expect(t.position!.tpLevelsHit).toEqual([1]);
    bot.stop();
  });

  it('a take-profit refused as reduce-only (-2022) while the position is as we hold it: no outside change is booked, the level is sent again after the hold', async () => {
    const { bot, t, id, clock } = await ownBot();
    h!.sim.admin.setFaults({ rules: [{ kind: 'reject', code: -2022, method: 'POST', path: '/fapi/v1/order', count: 1 }] });
    h!.sim.admin.setPrice('BTCUSDT', 60700);
    await bot.step();
    await bot.step();
    expect(t.position).toMatchObject({ id, remainingSteps: 10, partialExits: [] });
    clock.skewMs += 2_500;
    await bot.step();
    expect(t.position!.tpLevelsHit).toEqual([1]);
    expect(t.position!.partialExits.map((e) => e.reason)).toEqual(['tp1']);
    expect(exchangeSteps()).toBe(7);
    bot.stop();
  });

  it('an entry refused outright (-4131): no position, one alert (not one per signal), and a later signal enters', async () => {
    const { bot, t, alerts } = await flatBot();
    h!.sim.admin.setFaults({ rules: [{ kind: 'reject', code: -4131, method: 'POST', path: '/fapi/v1/order', count: 2 }] });
    await t.onSignal({ side: 'long', timeMs: T, reason: 'test' });
    await t.onSignal({ side: 'short', timeMs: T + 3_600_000, reason: 'test' });
    await bot.step();
    expect(t.position).toBeNull();
    expect(t.halted).toBeNull();
    expect(exchangeSteps()).toBe(0);
    expect(alerts.filter((a) => /refused an entry \(-4131\)/.test(a))).toHaveLength(1);
    await t.onSignal({ side: 'long', timeMs: T + 7_200_000, reason: 'test' });
    expect(entries()).toEqual([[400, -4131], [400, -4131], [200, null]]);
    expect(t.position?.side).toBe('long');
    expect(h!.state().openAlgoOrders).toHaveLength(1);
    bot.stop();
  });

  it('an entry refused with -4061 (the account switched to Hedge mode while flat): halted with what to do; later signals send nothing', async () => {
    const { bot, t, alerts } = await flatBot();
    h!.sim.admin.setFaults({ rules: [{ kind: 'reject', code: -4061, method: 'POST', path: '/fapi/v1/order' }] });
    await t.onSignal({ side: 'long', timeMs: T, reason: 'test' });
    expect(t.halted).toMatch(/Hedge position mode.*One-way Mode/);
    expect(alerts.filter((a) => /-4061/.test(a))).toHaveLength(1);
    await t.onSignal({ side: 'short', timeMs: T + 3_600_000, reason: 'test' });
    await bot.step();
    expect(entries()).toEqual([[400, -4061]]);
    expect(t.position).toBeNull();
    bot.stop();
  });
  /** Our close requests, in order: [client id suffix, HTTP status, Binance code]. */
  const closes = (id: string) =>
    h!.sim.admin.requests().filter((r) => r.method === 'POST' && r.path === '/fapi/v1/order' && r.clientOrderId?.startsWith(`${id}-close`)).map((r) => [r.clientOrderId!.slice(id.length), r.status, r.code ?? null]);

  it("an opposite signal's close refused once: not lost, sent again after the back-off (not before); then the short enters (it waited for the close); one alert", async () => {
    const { bot, t, id, alerts } = await ownBot();
    h!.sim.admin.setFaults({ rules: [{ kind: 'reject', code: -4131, method: 'POST', path: '/fapi/v1/order', count: 1 }] });
    await t.onSignal({ side: 'short', timeMs: T + 3_600_000, reason: 'test' });
    // Refused: the position is long as before, its stop in place, nothing closing.
    expect(t.position).toMatchObject({ id, side: 'long', remainingSteps: 10, closing: null });
    expect(h!.state().openAlgoOrders.map((a) => a.clientAlgoId)).toEqual([`${id}-sl0`]);
    await bot.step(); // within the back-off: not sent again yet
    expect(closes(id)).toEqual([['-close', 400, -4131]]);
    await sleep(1_100);
    await bot.step();
    expect(closes(id)).toEqual([['-close', 400, -4131], ['-close1', 200, null]]);
    // The reversal's short, which waited for the close (before: dropped as entry.skipped_previous_still_open, left flat).
    expect(t.position).toMatchObject({ side: 'short', remainingSteps: 10 });
    expect(h!.state().positions.find((x) => x.symbol === 'BTCUSDT')!.positionAmt).toBe('-0.01');
    expect(h!.state().openAlgoOrders.map((a) => a.clientAlgoId)).toEqual([`${t.position!.id}-sl0`]);
    const [trade] = h!.store.tradeHistory().filter((x) => x.positionId === id);
    expect(trade!.exits.map((e) => [e.reason, e.qtySteps, e.clientOrderId.slice(id.length)])).toEqual([['signal', 10, '-close1']]);
    expect(alerts.filter((a) => /refused the market close/.test(a))).toHaveLength(1);
    bot.stop();
  });

  /** `recordSends` of the closes of position `id` (`-close`, `-close1`, …), each the first time it is posted: the clock `stepMs` on before each step. */
  const stepAndTime = (bot: TradingBot, clock: { skewMs: number }, id: string, n: number, stepMs: number, until: () => boolean = () => false, first?: () => Promise<unknown>) =>
    recordSends(bot, clock, (r) => r.method === 'POST' && r.path === '/fapi/v1/order' && r.clientOrderId?.startsWith(`${id}-close`) === true, { n, stepMs, until: () => until(), advanceFirst: true, onePerClientId: true, ...(first ? { first } : {}) });

  it('refused every time: sent once per back-off (1, 2, 4, 8 s), then given up with an alert; the stop still protects the position; the short that waited for the close is dropped then (no sixth close)', async () => {
    const { bot, t, id, alerts, clock, logged } = await ownBot();
    h!.sim.admin.setFaults({ rules: [{ kind: 'reject', code: -4131, method: 'POST', path: '/fapi/v1/order' }] });
    // The signal's handling sends the first close: it is the first step.
    const at = await stepAndTime(bot, clock, id, 80, 500, undefined, () => t.onSignal({ side: 'short', timeMs: T + 3_600_000, reason: 'test' })); // 40 s of the bot's time
    expect(closes(id)).toEqual(['-close', '-close1', '-close2', '-close3', '-close4'].map((c) => [c, 400, -4131]));
    // Each wait is the back-off, sent at the first step after it.
    expectWaits(at, [1_000, 2_000, 4_000, 8_000]);
    expect(alerts.filter((a) => /refused the market close/.test(a))).toHaveLength(1);
    expect(alerts.filter((a) => /could not be closed at market after several attempts/.test(a))).toHaveLength(1);
    expect(t.position).toMatchObject({ id, side: 'long', remainingSteps: 10, closing: null, status: 'open' });
    expect(h!.store.openPositions().map((p) => [p.id, p.remainingSteps, p.closing])).toEqual([[id, 10, null]]);
    expect(logged.filter((m) => m === 'entry.waiting_for_close' || m === 'entry.wait_dropped_close_failed')).toEqual(['entry.waiting_for_close', 'entry.wait_dropped_close_failed']);
    expect(entries()).toEqual([[200, null]]); // the long's only
    expect(exchangeSteps()).toBe(10);
    expect(h!.state().openAlgoOrders.map((a) => a.clientAlgoId)).toEqual([`${id}-sl0`]);
    bot.stop();
  });

  it("a partly filled stop's remainder whose close is refused six times: never given up, each wait the back-off, closed when the exchange takes it", async () => {
    const { bot, t, id, alerts, clock } = await ownBot();
    h!.sim.admin.setFaults({ rules: [{ kind: 'partialFill', on: 'trigger', ratio: 0.5 }, { kind: 'reject', code: -4131, method: 'POST', path: '/fapi/v1/order', count: 6 }] });
    h!.sim.admin.setPrice('BTCUSDT', 58700);
    const at = await stepAndTime(bot, clock, id, 200, 500, () => t.position === null);
    expect(t.position).toBeNull();
    expect(exchangeSteps()).toBe(0);
    expect(closes(id).map(([, status]) => status)).toEqual([400, 400, 400, 400, 400, 400, 200]);
    // 1, 2, 4, 8, 16, 30 s (the cap), each sent at the first step after it.
    expectWaits(at, [1_000, 2_000, 4_000, 8_000, 16_000, 30_000]);
    const [trade] = h!.store.tradeHistory().filter((x) => x.positionId === id);
    expect(trade!.exits.map((e) => [e.reason, e.qtySteps])).toEqual([
      ['stop', 5],
      ['stop', 5],
    ]);
    expect(alerts.filter((a) => /after several attempts/.test(a))).toEqual([]);
    bot.stop();
  });

  it('a close refused once, then taken but filled only in part each time: the back-off ends when it is taken, and the five tries of thin liquidity still end it', async () => {
    const { bot, t, id, alerts, clock } = await ownBot();
    h!.sim.admin.setFaults({ rules: [{ kind: 'reject', code: -4131, method: 'POST', path: '/fapi/v1/order', count: 1 }, { kind: 'partialFill', ratio: 0.1, method: 'POST', path: '/fapi/v1/order' }] });
    await t.onSignal({ side: 'short', timeMs: T + 3_600_000, reason: 'test' });
    await stepAndTime(bot, clock, id, 40, 500);
    // The refused one, then five taken (a step each), then given up: the refused one is not one of the five.
    expect(closes(id)).toEqual([['-close', 400, -4131], ...['-close1', '-close2', '-close3', '-close4', '-close5'].map((c) => [c, 200, null])]);
    expect(alerts.filter((a) => /could not be closed at market after several attempts/.test(a))).toHaveLength(1);
    expect(t.position).toMatchObject({ id, remainingSteps: 5, closing: null, status: 'open' });
    expect(exchangeSteps()).toBe(5);
    expect(h!.state().openAlgoOrders.map((a) => a.clientAlgoId)).toEqual([`${id}-sl0`]);
    bot.stop();
  });

  it('a close refused for the clock (-1021 on every try of six sends): waited out, never given up for it, then taken', async () => {
    const { bot, t, id, alerts, clock } = await ownBot();
    // Each send is tried five times by the router (a clock resync between tries) before it counts as
    // refused: six refused sends, then it goes through. A rate limit takes the same path, in real time.
    h!.sim.admin.setFaults({ rules: [{ kind: 'reject', code: -1021, method: 'POST', path: '/fapi/v1/order', count: 30 }] });
    await t.onSignal({ side: 'short', timeMs: T + 3_600_000, reason: 'test' });
    await stepAndTime(bot, clock, id, 200, 500, () => t.position === null);
    const sends = closes(id);
    expect(sends.filter(([, , code]) => code === -1021)).toHaveLength(30);
    expect(new Set(sends.map(([c]) => c)).size).toBe(7);
    expect(sends.at(-1)).toEqual(['-close6', 200, null]);
    expect(t.position).toBeNull();
    expect(exchangeSteps()).toBe(0);
    expect(alerts.filter((a) => /after several attempts/.test(a))).toEqual([]);
    bot.stop();
  });

  it('a close refused with -2015 six times (Binance bans the IP so for minutes; the key had worked): waited out, never given up for it, then taken', async () => {
    const { bot, t, id, alerts, clock } = await ownBot();
    h!.sim.admin.setFaults({ rules: [{ kind: 'reject', status: 401, code: -2015, method: 'POST', path: '/fapi/v1/order', count: 6 }] });
    await t.onSignal({ side: 'short', timeMs: T + 3_600_000, reason: 'test' });
    await stepAndTime(bot, clock, id, 200, 500, () => t.position === null);
    const sends = closes(id);
    expect(sends.filter(([, , code]) => code === -2015)).toHaveLength(6);
    expect(sends.at(-1)).toEqual(['-close6', 200, null]);
    expect(t.position).toBeNull(); // (the short that waited for it expired meanwhile: 61 s of back-off)
    expect(exchangeSteps()).toBe(0);
    expect(alerts.filter((a) => /after several attempts/.test(a))).toEqual([]);
    bot.stop();
  });

  it('closes refused before a restart are still no tries of thin liquidity after it: the restarted bot gives five taken closes their chance', async () => {
    const { bot, t, id, clock } = await ownBot();
    h!.sim.admin.setFaults({ rules: [{ kind: 'reject', code: -4131, method: 'POST', path: '/fapi/v1/order', count: 2 }] });
    await t.onSignal({ side: 'short', timeMs: T + 3_600_000, reason: 'test' });
    await stepAndTime(bot, clock, id, 10, 500, () => closes(id).length === 2);
    expect(closes(id)).toEqual([['-close', 400, -4131], ['-close1', 400, -4131]]);
    bot.stop();
    // From now on every close is taken but fills only in part (a thin book).
    h!.sim.admin.setFaults({ rules: [{ kind: 'partialFill', ratio: 0.1, method: 'POST', path: '/fapi/v1/order' }] });
    const alerts: string[] = [];
    const again = new TradingBot({ config: testConfig(), exchange: h!.ex, store: h!.store, log: silentLogger(), onAlert: (_s, _k, m) => alerts.push(m) });
    await again.start();
    for (let k = 0; k < 12; k++) await again.step();
    expect(closes(id)).toEqual([['-close', 400, -4131], ['-close1', 400, -4131], ...['-close2', '-close3', '-close4', '-close5', '-close6'].map((c) => [c, 200, null])]);
    expect(alerts.filter((a) => /could not be closed at market after several attempts/.test(a))).toHaveLength(1);
    expect(again.traders[0]!.position).toMatchObject({ id, status: 'open', closing: null });
    again.stop();
  });

  it('a close that never reached the exchange (the connection reset before it was handled) is sent again once not found twice, without waiting out its recvWindow (the position may stand beyond its stop meanwhile); no entry goes out while the lost one could still execute', async () => {
    const { bot, t, id, clock } = await ownBot();
    h!.sim.admin.setFaults({ rules: [{ kind: 'drop', mode: 'reset', method: 'POST', path: '/fapi/v1/order', count: 1 }] });
    // The opposite signal's close is dropped: the short it would enter waits for it.
    const at = await stepAndTime(bot, clock, id, 40, 500, () => t.position?.id !== id, () => t.onSignal({ side: 'short', timeMs: T + 3_600_000, reason: 'test' }));
    // Not found twice, 1 s apart, then replaced at once (not after 10 s recvWindow + 1 s).
    expect(at.at[1]! - at.at[0]!).toBeLessThan(5_000);
    // The dropped one (no answer, no order), then the same close under the next id, filled.
    expect(closes(id).map(([c, status]) => [c, status])).toEqual([['-close', 0], ['-close1', 200]]);
    const [trade] = h!.store.tradeHistory().filter((x) => x.positionId === id);
    expect(trade!.exits.map((e) => [e.reason, e.qtySteps, e.clientOrderId.slice(id.length)])).toEqual([['signal', 10, '-close1']]);
    expect(exchangeSteps()).toBe(0);
    // The lost close could still arrive (reduce-only: it would reduce a new position): no entry until its window has passed.
    expect(h!.store.getOrder(`${id}-close`)!.status).toBe('unknown');
    await t.onSignal({ side: 'short', timeMs: T + 7_200_000, reason: 'test' });
    expect(t.position).toBeNull();
    expect(exchangeSteps()).toBe(0);
    clock.skewMs += 12_000;
    for (let k = 0; k < 3; k++) await bot.step();
    expect(h!.store.getOrder(`${id}-close`)).toMatchObject({ status: 'canceled', error: { code: 'not_found' } });
    await t.onSignal({ side: 'short', timeMs: T + 10_800_000, reason: 'test' });
    expect(t.position).toMatchObject({ side: 'short', status: 'open' });
    bot.stop();
  });

  /**
   * The close that was replaced arrives at the exchange after all (a request held up on its way), while
   * its replacement is itself on its way: the old one closes the position, the new one finds nothing
   * to reduce. The old close's fill is the position's, booked once; nothing halts, nothing is left open.
   */
  it('a replaced close that executes late, before its replacement: its fill is booked (once), the replacement refused reduce-only, nothing halted; then the short that waited for the close enters, once', async () => {
    const { bot, t, id, clock } = await ownBot();
    h!.sim.admin.setFaults({
      rules: [
        { kind: 'drop', mode: 'reset', method: 'POST', path: '/fapi/v1/order', count: 1 },
        // The replacement is held 2.5 s before the exchange handles it.
        { kind: 'latency', ms: 2_500, method: 'POST', path: '/fapi/v1/order', after: 1, count: 1 },
      ],
    });
    await t.onSignal({ side: 'short', timeMs: T + 3_600_000, reason: 'test' });
    const held = () => (h!.sim.admin.faults().rules[1] as { fired: number }).fired > 0;
    let arrived = false;
    for (let k = 0; k < 40 && !arrived; k++) {
      clock.skewMs += 500;
      const step = bot.step();
      // While the replacement is held, the lost close arrives (the same signed request, another connection).
      while (!held() && (await Promise.race([step.then(() => true), sleep(20).then(() => false)])) === false);
      if (held()) {
        const late = new CcxtExchange(ccxtForSimulator(h!.sim.url, { apiKey: h!.sim.apiKey, secret: h!.sim.apiSecret }));
        await late.markets();
        await late.createOrder({ symbol: 'BTCUSDT', side: 'sell', type: 'market', amountSteps: 10 as never, reduceOnly: true, clientOrderId: `${id}-close` });
        await late.close();
        arrived = true;
      }
      await step;
    }
    expect(arrived).toBe(true);
    for (let k = 0; k < 6; k++) {
      clock.skewMs += 500;
      await bot.step();
    }
    expect(closes(id)).toEqual([['-close', 0, null], ['-close', 200, null], ['-close1', 400, -2022]]);
    const [trade] = h!.store.tradeHistory().filter((x) => x.positionId === id);
    expect(trade!.exits.map((e) => [e.reason, e.qtySteps, e.clientOrderId.slice(id.length)])).toEqual([['signal', 10, '-close']]);
    expect(t.halted).toBeNull();
    expect(h!.store.openPositions().filter((p) => p.id === id)).toEqual([]);
    // The reversal's short (before: dropped, flat), entered once, with its own stop only.
    expect(h!.state().positions.find((x) => x.symbol === 'BTCUSDT')!.positionAmt).toBe('-0.01');
    expect(h!.state().fills.filter((f) => f.clientOrderId.endsWith('-entry') && f.side === 'SELL')).toHaveLength(1);
    expect(h!.state().openAlgoOrders.map((a) => a.clientAlgoId)).toEqual([`${t.position!.id}-sl0`]);
    bot.stop();
  });

  for (const [code, what] of [
    [-2022, 'reduce-only (-2022) while the position is as we hold it'],
    [-2019, 'for margin (-2019)'],
  ] as const) {
    it(`a close refused ${what} is sent again after the back-off, not dropped`, async () => {
      const { bot, t, id, clock } = await ownBot();
      h!.sim.admin.setFaults({ rules: [{ kind: 'reject', code, method: 'POST', path: '/fapi/v1/order', count: 1 }] });
      const at = await stepAndTime(bot, clock, id, 20, 500, () => t.position?.id !== id, () => t.onSignal({ side: 'short', timeMs: T + 3_600_000, reason: 'test' }));
      expect(closes(id)).toEqual([['-close', 400, code], ['-close1', 200, null]]);
      expectWaits(at, [1_000]);
      const [trade] = h!.store.tradeHistory().filter((x) => x.positionId === id);
      expect(trade!.exits.map((e) => [e.reason, e.qtySteps])).toEqual([['signal', 10]]);
      bot.stop();
    });
  }

  /**
   * A new bot on the harness's store; its first step sends the refused `-close` again as `-close1`, which
   * closes the position, and enters the short the reversal waited for (its wait is stored: before, it was
   * lost with the process and the trader ended flat against the signal).
   */
  async function restartAndResend(id: string): Promise<TradingBot> {
    const again = new TradingBot({ config: testConfig(), exchange: h!.ex, store: h!.store, log: silentLogger() });
    await again.start();
    await again.step();
    expect(closes(id)).toEqual([['-close', 400, -4131], ['-close1', 200, null]]);
    expect(again.traders[0]!.position?.side).toBe('short');
    expect(h!.state().positions.find((x) => x.symbol === 'BTCUSDT')!.positionAmt).toBe('-0.01');
    expect(h!.store.waitingEntry('BTCUSDT')).toBeNull();
    return again;
  }

  it('killed between storing a close as refused and saving the position: the restarted bot ends that close and sends it again (it was stuck closing)', async () => {
    const { bot, t, id } = await ownBot();
    h!.sim.admin.setFaults({ rules: [{ kind: 'reject', code: -4131, method: 'POST', path: '/fapi/v1/order', count: 1 }] });
    await t.onSignal({ side: 'short', timeMs: T + 3_600_000, reason: 'test' });
    bot.stop();
    // The position as it was stored just before the refusal was booked: closing on the refused order.
    const saved = h!.store.openPositions().find((p) => p.id === id)!;
    expect(h!.store.getOrder(`${id}-close`)!.status).toBe('rejected');
    h!.store.savePosition({ ...saved, closing: { reason: 'signal', clientOrderId: `${id}-close` }, closeSeq: saved.closeSeq - 1 });
    expect(h!.store.openPositions().find((p) => p.id === id)!.closing).toEqual({ reason: 'signal', clientOrderId: `${id}-close` });
    const again = await restartAndResend(id);
    again.stop();
  });

  it('a close refused just before a restart is sent again by the restarted bot (its reason kept), not forgotten', async () => {
    const { bot, t, id } = await ownBot();
    h!.sim.admin.setFaults({ rules: [{ kind: 'reject', code: -4131, method: 'POST', path: '/fapi/v1/order', count: 1 }] });
    await t.onSignal({ side: 'short', timeMs: T + 3_600_000, reason: 'test' });
    expect(closes(id)).toEqual([['-close', 400, -4131]]);
    bot.stop();
    const again = await restartAndResend(id);
    const [trade] = h!.store.tradeHistory().filter((x) => x.positionId === id);
    expect(trade!.exits.map((e) => [e.reason, e.qtySteps, e.clientOrderId.slice(id.length)])).toEqual([['signal', 10, '-close1']]);
    again.stop();
  });
});

describe('a level whose request and look-ups fail (F3): sent again once the exchange answers', () => {
  it('a dropped TP request whose look-ups 503 is resolved after the faults clear: one fill, the level done', async () => {
    const t = await openLong();
    const id = t.position!.id;
    h!.sim.admin.setFaults({
      rules: [
        { kind: 'drop', mode: 'reset', method: 'POST', path: '/fapi/v1/order', count: 1 },
        { kind: 'error5xx', status: 503, method: 'GET', path: '/fapi/v1/order', count: 20 },
      ],
    });
    h!.sim.admin.setPrice('BTCUSDT', 60700);
    await h!.bot.step();
    expect(h!.store.getOrder(`${id}-tp1`)!.status).toBe('unknown');
    expect(h!.state().fills.filter((f) => f.clientOrderId === `${id}-tp1`)).toEqual([]);
    h!.sim.admin.setFaults({ rules: [] });
    // Believed missing only once its request can no longer execute (10 s recvWindow + 1 s), then sent again.
    expect(await stepUntil(() => t.position!.tpLevelsHit.includes(1), 20_000)).toBe(true);
    expect(ordersOf(`${id}-tp1`).size).toBe(1);
    expect(storeSteps()).toBe(exchangeSteps());
    expect(h!.state().openAlgoOrders.map((a) => a.triggerPrice)).toEqual(['60000']);
  });
});

describe('a request the exchange executes seconds after the client gave up on it (a timeout, -1007): "no such order" is not final before its recvWindow ends', () => {
  /** The client gives up after 1.5 s; the exchange handles the next order request 4 s after it arrived. */
  function lateExecution(): void {
    (h!.ex as unknown as { ex: { timeout: number } }).ex.timeout = 1_500;
    h!.sim.admin.setFaults({ rules: [{ kind: 'latency', ms: 4_000, method: 'POST', path: '/fapi/v1/order', count: 1 }] });
  }
  async function stepFor(ms: number): Promise<void> {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      await h!.bot.step();
      await sleep(250);
    }
  }

  it('a take-profit: TP1 executes once (R1.4, invariant 8), not again under the same client id; the stop climbs', async () => {
    const t = await openLong();
    const id = t.position!.id;
    lateExecution();
    h!.sim.admin.setPrice('BTCUSDT', 60700);
    await stepFor(9_000);
    expect(ordersOf(`${id}-tp1`).size).toBe(1);
    expect(h!.sim.admin.requests().filter((r) => r.method === 'POST' && r.path === '/fapi/v1/order' && r.clientOrderId === `${id}-tp1`)).toHaveLength(1);
    expect(exchangeSteps()).toBe(7);
    expect(t.position!.partialExits.map((e) => [e.reason, e.qtySteps])).toEqual([['tp1', 3]]);
    expect(storeSteps()).toBe(exchangeSteps());
    expect(t.halted).toBeNull();
    expect(h!.state().openAlgoOrders.map((a) => a.triggerPrice)).toEqual(['60000']); // breakeven
  });

  it('an entry: the position that appears is booked and protected by its stop (invariant 9), nothing left in doubt', async () => {
    h = await startHarness(testConfig(), { seed: 3 });
    h.sim.admin.setPrice('BTCUSDT', 60000, true);
    await h.bot.start();
    const t = h.trader('BTCUSDT');
    lateExecution();
    await t.onSignal({ side: 'long', timeMs: T, reason: 'test' });
    await stepFor(6_000);
    expect(exchangeSteps()).toBe(10);
    expect(t.position?.remainingSteps).toBe(10);
    expect(h.state().openAlgoOrders.map((a) => [a.clientAlgoId, a.triggerPrice])).toEqual([[`${t.position!.id}-sl0`, '58800']]);
    expect(h.store.ordersInDoubt()).toEqual([]);
    expect(h.sim.admin.requests().filter((r) => r.method === 'POST' && r.path === '/fapi/v1/order' && r.clientOrderId?.endsWith('-entry'))).toHaveLength(1);
  });
});

describe('a request on its way when the process was killed (stored `sent`, never answered), then a restart: "no such order" is not final before its recvWindow (+1 s) has passed since the restart marked it', () => {
  const RECV_WINDOW_MS = 3_000;
  /**
   * Kills the harness's bot while `intent` is on its way: the dead process stored it `sent` 5 s ago
   * (after `before`), the exchange has not handled it. Restarts a bot on the same store file, its client
   * signing with a 3 s recvWindow (the deadline is 4 s after the restart marks the order unknown).
   */
  async function killedWhileSent(intent: Omit<OrderIntent, 'createdAtMs'>, before?: () => void) {
    (h!.ex as unknown as { ex: { options: Record<string, unknown> } }).ex.options['recvWindow'] = RECV_WINDOW_MS;
    h!.bot.stop();
    before?.();
    // Sent 5 s before the restart (more than its deadline ago): the process may have retried it until it died.
    expect(h!.store.recordIntent({ ...intent, createdAtMs: Date.now() - 5_000 }).ok).toBe(true);
    h!.store.markSent(intent.clientOrderId, Date.now() - 5_000);
    h!.store.close();
    h!.store = openStore(h!.dbPath);
    const bot = new TradingBot({ config: testConfig(), exchange: h!.ex, store: h!.store, log: silentLogger(), retry: { attempts: 5, baseDelayMs: 1, maxDelayMs: 5, sleep: async () => {} } });
    const restartedAt = Date.now();
    await bot.start();
    return { bot, t: bot.traders[0]!, restartedAt };
  }
  /** The request the dead process signed, arriving at the exchange now (same account, another connection). */
  async function arrives(r: Parameters<CcxtExchange['createOrder']>[0]): Promise<void> {
    const late = new CcxtExchange(ccxtForSimulator(h!.sim.url, { apiKey: h!.sim.apiKey, secret: h!.sim.apiSecret }));
    await late.markets();
    await late.createOrder(r);
    await late.close();
  }
  async function stepTill(bot: TradingBot, untilMs: number, each?: () => void): Promise<void> {
    while (Date.now() < untilMs) {
      await bot.step();
      each?.();
      await sleep(200);
    }
  }
  const posts = (clientOrderId: string) => h!.sim.admin.requests().filter((r) => r.method === 'POST' && r.clientOrderId === clientOrderId).length;
  const base = { symbol: 'BTCUSDT', priceTicks: null, price: null, stopTicks: null, stopPrice: null, replacesClientOrderId: null, closePosition: false } as const;

  it('a take-profit executed by the exchange 2.5 s after the restart: not declared never arrived meanwhile, booked once (TP1 executes once), the stop climbs', async () => {
    const t0 = await openLong();
    const id = t0.position!.id;
    const tp1 = `${id}-tp1`;
    h!.sim.admin.setPrice('BTCUSDT', 60700); // TP1 (60600) reached
    const { bot, t, restartedAt } = await killedWhileSent({ ...base, clientOrderId: tp1, positionId: id, kind: 'exit', level: 1, side: 'sell', type: 'market', qtySteps: 3 as never, reduceOnly: true }, () => {
      const r = onPrice(t0.position!, 60700, Date.now());
      expect(r.position.levels[0]!.status).toBe('sent');
      h!.store.savePosition(r.position);
    });
    await stepTill(bot, restartedAt + 2_500, () => expect(h!.store.getOrder(tp1)?.status).toBe('unknown'));
    expect(posts(tp1)).toBe(0);
    await arrives({ symbol: 'BTCUSDT', side: 'sell', type: 'market', amountSteps: 3 as never, reduceOnly: true, clientOrderId: tp1 });
    await stepTill(bot, restartedAt + 7_000);
    expect(posts(tp1)).toBe(1); // the late request only: the bot sent nothing under TP1
    expect(ordersOf(tp1).size).toBe(1);
    expect(t.position!.partialExits.map((e) => [e.reason, e.qtySteps])).toEqual([['tp1', 3]]);
    expect(exchangeSteps()).toBe(7);
    expect(storeSteps()).toBe(7);
    expect(h!.store.getOrder(tp1)?.status).toBe('filled');
    expect(h!.state().openAlgoOrders.map((a) => [a.clientAlgoId, a.triggerPrice])).toEqual([[`${id}-sl1`, '60000']]); // breakeven
    bot.stop();
  }, 30_000);

  it('a take-profit that never arrives: declared so only once the 4 s have passed since the restart, then sent again, once', async () => {
    const t0 = await openLong();
    const id = t0.position!.id;
    const tp1 = `${id}-tp1`;
    h!.sim.admin.setPrice('BTCUSDT', 60700);
    const { bot, t, restartedAt } = await killedWhileSent({ ...base, clientOrderId: tp1, positionId: id, kind: 'exit', level: 1, side: 'sell', type: 'market', qtySteps: 3 as never, reduceOnly: true }, () => {
      h!.store.savePosition(onPrice(t0.position!, 60700, Date.now()).position);
    });
    await stepTill(bot, restartedAt + RECV_WINDOW_MS + 900, () => expect(posts(tp1)).toBe(0));
    await stepTill(bot, restartedAt + 8_000);
    expect(posts(tp1)).toBe(1);
    expect(ordersOf(tp1).size).toBe(1);
    expect(t.position!.partialExits.map((e) => [e.reason, e.qtySteps])).toEqual([['tp1', 3]]);
    expect(exchangeSteps()).toBe(7);
    bot.stop();
  }, 30_000);

  it('an entry executed by the exchange 2.5 s after the restart: booked once as the position, with its stop', async () => {
    h = await startHarness(testConfig(), { seed: 3 });
    h.sim.admin.setPrice('BTCUSDT', 60000, true);
    await h.bot.start();
    const id = 'BTCUSDT-killed1';
    const entry = `${id}-entry`;
    const { bot, t, restartedAt } = await killedWhileSent({ ...base, clientOrderId: entry, positionId: id, kind: 'entry', level: null, side: 'buy', type: 'market', qtySteps: 10 as never, reduceOnly: false, stopLossPct: 2, sentFromFlat: true });
    await stepTill(bot, restartedAt + 2_500, () => expect(h!.store.getOrder(entry)?.status).toBe('unknown'));
    expect(t.position).toBeNull();
    await arrives({ symbol: 'BTCUSDT', side: 'buy', type: 'market', amountSteps: 10 as never, reduceOnly: false, clientOrderId: entry });
    await stepTill(bot, restartedAt + 7_000);
    expect(t.position).toMatchObject({ id, remainingSteps: 10 });
    expect(h.state().openAlgoOrders.map((a) => [a.clientAlgoId, a.triggerPrice])).toEqual([[`${id}-sl0`, '58800']]);
    expect(posts(entry)).toBe(1);
    expect(exchangeSteps()).toBe(10);
    expect(storeSteps()).toBe(10);
    expect(h.store.ordersInDoubt()).toEqual([]);
    bot.stop();
  }, 30_000);
});

describe('start-up (fault 8, L2)', () => {
  it('one 503 -1008 on exchangeInfo and on the leverage call: retried, the bot starts', async () => {
    h = await startHarness(testConfig(), { seed: 3 });
    h.sim.admin.setPrice('BTCUSDT', 60000, true);
    h.sim.admin.setFaults({
      rules: [
        { kind: 'error5xx', status: 503, method: 'GET', path: '/fapi/v1/exchangeInfo', count: 1 },
        { kind: 'error5xx', status: 503, method: 'POST', path: '/fapi/v1/leverage', count: 1 },
      ],
    });
    await h.bot.start();
    expect(h.bot.traders.map((t) => t.symbol)).toEqual(['BTCUSDT']);
    expect(h.sim.admin.requests().filter((r) => r.status === 503)).toHaveLength(2);
  });
});

describe('start-up refused outright', () => {
  it('a leverage the symbol does not allow (-4028): the bot does not start, and says which key to change', async () => {
    h = await startHarness(testConfig(), { seed: 3 });
    h.sim.admin.setPrice('BTCUSDT', 60000, true);
    h.sim.admin.setFaults({ rules: [{ kind: 'reject', code: -4028, msg: 'Leverage 5 is not valid', method: 'POST', path: '/fapi/v1/leverage' }] });
    await expect(h.bot.start()).rejects.toThrow(/^leverage: .* refused 5× on BTCUSDT \(.*-4028.*\): the symbol allows less; lower "leverage" in the config$/);
    expect(h.bot.traders).toEqual([]);
    // Refused, not retried: one request.
    expect(h.sim.admin.requests().filter((r) => r.path === '/fapi/v1/leverage')).toHaveLength(1);
  });
});

describe('rate limits (fault 5): a 429 never becomes a 418', () => {
  it('a 429 on a polling read: every call waits for Retry-After, polling slows, the ladder goes on', async () => {
    const t = await openLong();
    const id = t.position!.id;
    h!.sim.admin.setFaults({ rules: [{ kind: 'rateLimit', method: 'GET', path: '/fapi/v1/ticker/*', retryAfterSec: 1, count: 1 }] });
    const running = h!.bot.run(20); // polling every 20 ms: the limit, not the poll, sets the pace
    await sleep(400);
    h!.sim.admin.setPrice('BTCUSDT', 60700);
    const end = Date.now() + 8_000;
    while (Date.now() < end && !t.position?.tpLevelsHit.includes(1)) await sleep(50);
    h!.bot.stop();
    await running;
    const reqs = h!.sim.admin.requests();
    expect(reqs.filter((r) => r.status === 429)).toHaveLength(1);
    expect(reqs.filter((r) => r.status === 418)).toEqual([]);
    const limitedAt = reqs.find((r) => r.status === 429)!;
    const after = reqs.filter((r) => r.wallMs > limitedAt.wallMs);
    expect(after.length).toBeGreaterThan(0);
    expect(Math.min(...after.map((r) => r.wallMs)) - limitedAt.wallMs).toBeGreaterThanOrEqual(990);
    expect(t.position!.tpLevelsHit).toEqual([1]);
    expect(ordersOf(`${id}-tp1`).size).toBe(1);
  });
});

describe('an IP ban (418, Binance: 2 minutes to 3 days) is waited out by the loop, never inside a step', () => {
  it('an entry signal met by the ban is not sent when the ban ends (hours late); a stop asked for during the ban ends the run at once; after the ban the bot trades', async () => {
    // A signal waits for failing reads at most webhook.max_lag_s (here 5 s, shorter than the 8 s ban).
    const config = testConfig({ webhook: { max_lag_s: 5 } });
    h = await startHarness(config, { seed: 3, rateLimits: { banSec: 8 } });
    h.bot.stop();
    h.sim.admin.setPrice('BTCUSDT', 60000, true);
    const client = ccxtForSimulator(h.sim.url, { apiKey: h.sim.apiKey, secret: h.sim.apiSecret });
    client.enableRateLimit = false;
    // Waits of a rate limit up to 1 s stay inside the call (a 429's Retry-After); a longer block fails it.
    const ex = new CcxtExchange(client, { budget: new WeightBudget({ maxWaitMs: 1000 }) });
    const bot = new TradingBot({ config, exchange: ex, store: h.store, log: silentLogger(), retry: { attempts: 5, baseDelayMs: 1, maxDelayMs: 5, maxRetryAfterMs: 1000, sleep: async (ms) => void (await sleep(ms)) } });
    try {
      await bot.start();
      const t = bot.traders[0]!;
      // Another program on this IP ignores a 429: the IP is banned for 8 s.
      h.sim.admin.setFaults({ rules: [{ kind: 'rateLimit', path: '/fapi/v1/time', retryAfterSec: 30, count: 1 }] });
      await fetch(`${h.sim.url}/fapi/v1/time`, { headers: { connection: 'close' } });
      await sleep(1100);
      expect((await fetch(`${h.sim.url}/fapi/v1/time`, { headers: { connection: 'close' } })).status).toBe(418);
      const bannedAt = Date.now();
      // (its price read fails: the signal waits for it, at most max_lag_s, which the ban outlasts)
      await t.onSignal({ side: 'long', timeMs: T, reason: 'test' }).catch(() => undefined);
      expect(Date.now() - bannedAt).toBeLessThan(3000);
      const running = bot.run(50);
      await sleep(300);
      const stopAt = Date.now();
      bot.stop();
      await running;
      expect(Date.now() - stopAt).toBeLessThan(2000);
      while (Date.now() - bannedAt < 8500) await sleep(100);
      await bot.step();
      expect(h.sim.admin.requests().filter((r) => r.method === 'POST' && r.path === '/fapi/v1/order')).toEqual([]);
      expect(t.position).toBeNull();
      await t.onSignal({ side: 'long', timeMs: T + 3_600_000, reason: 'test' });
      expect(t.position).not.toBeNull();
      expect(h.state().openAlgoOrders).toHaveLength(1);
    } finally {
      bot.stop();
      await ex.close();
    }
  }, 30_000);

  /**
   * A bot of its own on the harness (whose bot is stopped), BTCUSDT at 60,000: a block longer than
   * 0.5 s is not waited inside a call (as an IP ban of minutes is not, by default).
   */
  async function blockableBot(config: ReturnType<typeof testConfig>, log: Logger, retry: RetryPolicy): Promise<{ bot: TradingBot; ex: CcxtExchange }> {
    h = await startHarness(config, { seed: 3 });
    h.bot.stop();
    h.sim.admin.setPrice('BTCUSDT', 60000, true);
    const client = ccxtForSimulator(h.sim.url, { apiKey: h.sim.apiKey, secret: h.sim.apiSecret });
    client.enableRateLimit = false;
    const ex = new CcxtExchange(client, { budget: new WeightBudget({ maxWaitMs: 500 }) });
    return { bot: new TradingBot({ config, exchange: ex, store: h.store, log, retry }), ex };
  }

  it('an entry whose own order is answered 418 (the ban begins between its reads and its order) waits as one met by the ban does, and goes out once the ban ends, within max_lag_s (before: marked rejected, the signal dropped as "refused")', async () => {
    const { bot, ex } = await blockableBot(testConfig({ webhook: { max_lag_s: 20 } }), silentLogger(), { attempts: 3, baseDelayMs: 1, maxDelayMs: 5, maxRetryAfterMs: 500, sleep: async () => {} });
    try {
      await bot.start();
      const t = bot.traders[0]!;
      h!.sim.admin.setFaults({ rules: [{ kind: 'reject', status: 418, code: -1003, retryAfterSec: 2, method: 'POST', path: '/fapi/v1/order', count: 1 }] });
      const bannedAt = Date.now();
      await t.onSignal({ side: 'long', timeMs: T, reason: 'test' });
      expect(t.position).toBeNull();
      await bot.step(); // during the ban: nothing leaves
      const orders = () => h!.sim.admin.requests().filter((r) => r.method === 'POST' && r.path === '/fapi/v1/order');
      expect(orders().map((r) => r.status)).toEqual([418]);
      while (Date.now() - bannedAt < 2300) await sleep(100);
      await bot.step();
      expect(t.position?.side).toBe('long');
      expect(orders().map((r) => [r.status, r.clientOrderId])).toEqual([
        [418, `${t.position!.id}-entry`],
        [200, `${t.position!.id}-entry`],
      ]);
      expect(h!.state().openAlgoOrders).toHaveLength(1);
    } finally {
      bot.stop();
      await ex.close();
    }
  }, 15_000);

  // Refusals that say nothing executed and nothing is wrong with the signal: the entry waits and goes out under its id.
  const notExecuted = [
    {
      title: 'an entry order answered -1021 (timestamp outside recvWindow) at every try, the clock resynced between: not executed, so it waits and is sent again under its id at the next step (before: "entry.refused", the signal dropped, an alert once per code for good)',
      rule: { kind: 'reject', code: -1021, method: 'POST', path: '/fapi/v1/order', count: 3 },
      code: -1021, refusals: 3, steps: 1, waiting: 'entry.waiting_for_clock', stopChecked: false,
    },
    {
      title: 'an entry order answered 401 -2015 (the key refused: Binance bans an IP so for minutes, or its list changed) twice: not executed, so it waits and is sent again under its id once the key is taken (before: "entry.refused", the signal dropped)',
      rule: { kind: 'reject', status: 401, code: -2015, method: 'POST', path: '/fapi/v1/order', count: 2 },
      code: -2015, refusals: 2, steps: 2, waiting: 'entry.waiting_for_key', stopChecked: true,
    },
  ] as const;
  for (const c of notExecuted) {
    it(c.title, async () => {
      const { log, msgs } = recordingLogger();
      const { bot, ex } = await blockableBot(testConfig({ webhook: { max_lag_s: 20 } }), log, { attempts: 3, baseDelayMs: 1, maxDelayMs: 5, sleep: async () => {} });
      try {
        await bot.start();
        const t = bot.traders[0]!;
        h!.sim.admin.setFaults({ rules: [c.rule] });
        await t.onSignal({ side: 'long', timeMs: T, reason: 'test' });
        expect(t.position).toBeNull();
        expect(msgs()).not.toContain('entry.refused');
        expect(msgs()).toContain(c.waiting);
        for (let i = 0; i < c.steps; i++) await bot.step();
        expect(t.position?.side).toBe('long');
        const orders = h!.sim.admin.requests().filter((r) => r.method === 'POST' && r.path === '/fapi/v1/order');
        expect(orders.map((r) => [r.code ?? r.status, r.clientOrderId])).toEqual([
          ...Array.from({ length: c.refusals }, () => [c.code, `${t.position!.id}-entry`]),
          [200, `${t.position!.id}-entry`],
        ]);
        if (c.stopChecked) expect(h!.state().openAlgoOrders).toHaveLength(1);
      } finally {
        bot.stop();
        await ex.close();
      }
    }, 15_000);
  }

  it('an entry order held at the rate-limit gate (a 429 block from another program on this IP, within the 65 s a call may wait) past its deadline is not sent late: it fails at once, nothing reaches the exchange; an exit under the same block waits and goes out', async () => {
    h = await startHarness(testConfig(), { seed: 3 });
    h.bot.stop();
    h.sim.admin.setPrice('BTCUSDT', 60000, true);
    const client = ccxtForSimulator(h.sim.url, { apiKey: h.sim.apiKey, secret: h.sim.apiSecret });
    client.enableRateLimit = false;
    const budget = new WeightBudget(); // waits inside a call up to 65 s, as the bot's does
    const ex = new CcxtExchange(client, { budget });
    try {
      const m = (await ex.markets()).get('BTCUSDT')!;
      const router = new OrderRouter({ ex, store: h.store, log: silentLogger(), retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 5, sleep: realSleep }, now: Date.now });
      const intent = (id: string, kind: 'entry' | 'close', side: 'buy' | 'sell') => ({ clientOrderId: `${id}-${kind}`, positionId: id, symbol: 'BTCUSDT', kind, level: null, side, type: 'market' as const, qtySteps: 10 as never, priceTicks: null, price: null, stopTicks: null, stopPrice: null, reduceOnly: kind === 'close', closePosition: false, replacesClientOrderId: null });
      const orders = () => h!.sim.admin.requests().filter((r) => r.method === 'POST' && r.path === '/fapi/v1/order');
      budget.penalize(1500); // the block begins between the entry's lag check and its order
      const t0 = Date.now();
      const sent = await router.send(intent('BTCUSDT-gate1', 'entry', 'buy'), m, { settleLater: true, sendBy: Date.now() + 500 });
      expect(Date.now() - t0).toBeLessThan(400); // before: held 1.5 s at the gate, then sent past its deadline
      expect(sent.ok).toBe(false);
      expect(!sent.ok && sent.error.code).toBe('rateLimited');
      expect(orders()).toEqual([]);
      // An exit has no deadline: it waits out the block and goes out.
      await new Promise((r) => setTimeout(r, 1600));
      expect((await router.send(intent('BTCUSDT-gate2', 'entry', 'buy'), m)).ok).toBe(true);
      budget.penalize(800);
      const t1 = Date.now();
      const closed = await router.send(intent('BTCUSDT-gate2', 'close', 'sell'), m);
      expect(closed.ok).toBe(true);
      expect(Date.now() - t1).toBeGreaterThanOrEqual(700); // it waited at the gate
      expect(orders().map((r) => [r.clientOrderId, r.status])).toEqual([
        ['BTCUSDT-gate2-entry', 200],
        ['BTCUSDT-gate2-close', 200],
      ]);
    } finally {
      await ex.close();
    }
  }, 15_000);

  it('an entry order answered 429 with a Retry-After longer than webhook.max_lag_s is not sent again after that wait (before: waited out and sent 2 s late, up to four 65 s waits): it waits unsent and expires', async () => {
    const { log, msgs } = recordingLogger();
    const { bot, ex } = await blockableBot(testConfig({ webhook: { max_lag_s: 1 } }), log, { attempts: 5, baseDelayMs: 1, maxDelayMs: 5, sleep: realSleep });
    try {
      await bot.start();
      const t = bot.traders[0]!;
      h!.sim.admin.setFaults({ rules: [{ kind: 'reject', status: 429, code: -1003, retryAfterSec: 2, method: 'POST', path: '/fapi/v1/order', count: 1 }] });
      const signalAt = Date.now();
      await t.onSignal({ side: 'long', timeMs: T, reason: 'test' }, signalAt);
      expect(Date.now() - signalAt).toBeLessThan(1000); // the 2 s were not waited inside the send
      while (Date.now() - signalAt < 2300) await sleep(100);
      await bot.step();
      const orders = () => h!.sim.admin.requests().filter((r) => r.method === 'POST' && r.path === '/fapi/v1/order');
      expect(orders().map((r) => r.status)).toEqual([429]);
      expect(t.position).toBeNull();
      expect(msgs()).toContain('entry.waiting_for_rate_limit');
      expect(msgs()).toContain('entry.wait_expired');
    } finally {
      bot.stop();
      await ex.close();
    }
  }, 15_000);
});

describe('a read that hangs (no answer before the client gives up)', () => {
  it('the position read is asked once per cycle, not five times inside it (each a client timeout, every symbol held meanwhile); it answers again: the ladder goes on', async () => {
    const t = await openLong();
    (h!.ex as unknown as { ex: { timeout: number } }).ex.timeout = 2_500;
    h!.sim.admin.setFaults({ rules: [{ kind: 'drop', mode: 'hang', method: 'GET', path: '/fapi/v3/positionRisk', count: 100 }] });
    const reads = () => h!.sim.admin.requests().filter((r) => r.path === '/fapi/v3/positionRisk').length;
    const before = reads();
    t.touch();
    await h!.bot.step();
    expect(reads() - before).toBe(1);
    h!.sim.admin.setFaults({ rules: [] });
    h!.sim.admin.setPrice('BTCUSDT', 60700); // TP1
    expect(await stepUntil(() => t.position!.tpLevelsHit.length === 1)).toBe(true);
    expect(storeSteps()).toBe(exchangeSteps());
  }, 40_000);
});

describe('a stop move whose cancel of the old stop gets a 5xx (outcome unknown)', () => {
  it('the old stop is cancelled by the next orders check: one stop per position', async () => {
    const t = await openLong();
    h!.sim.admin.setFaults({ rules: [{ kind: 'error5xx', status: 503, method: 'DELETE', path: '/fapi/v1/algoOrder', count: 1 }] });
    h!.sim.admin.setPrice('BTCUSDT', 60700); // TP1: the stop moves to breakeven
    await h!.bot.step();
    expect(h!.sim.admin.requests().filter((r) => r.method === 'DELETE' && r.status === 503)).toHaveLength(1);
    await h!.bot.step();
    expect(h!.state().openAlgoOrders.map((a) => [a.clientAlgoId, a.triggerPrice])).toEqual([[`${t.position!.id}-sl1`, '60000']]);
  });
});

describe('a stop move whose cancel of the old stop is answered -2011 while that stop still rests (the look-up finds it open)', () => {
  it('is not taken as cancelled: the old stop is cancelled again by the next cycle, one stop per position (F11; before: two stops until the 15 s orders check)', async () => {
    const t = await openLong();
    h!.sim.admin.setFaults({ rules: [{ kind: 'reject', code: -2011, method: 'DELETE', path: '/fapi/v1/algoOrder', count: 1 }] });
    h!.sim.admin.setPrice('BTCUSDT', 60700); // TP1: the stop moves to breakeven
    await h!.bot.step();
    expect(h!.sim.admin.requests().filter((r) => r.method === 'DELETE' && r.code === -2011)).toHaveLength(1);
    // Said with its quantity in BTC, as every log line gives one (before: filledSteps, a count of lot steps).
    expect(h!.warningRecords().filter((r) => r['msg'] === 'order.cancel_found_open')).toEqual([expect.objectContaining({ clientOrderId: `${t.position!.id}-sl0`, filled: 0 })]);
    expect(h!.warningRecords().some((r) => 'filledSteps' in r)).toBe(false);
    await h!.bot.step();
    expect(h!.state().openAlgoOrders.map((a) => [a.clientAlgoId, a.triggerPrice])).toEqual([[`${t.position!.id}-sl1`, '60000']]);
  });
});

describe('a market take-profit that expires with nothing filled (an empty book, price protection)', () => {
  it('is sent again after a back-off (2 s, then 4 s), not every cycle, and executes once when the book is back', async () => {
    const t = await openLong();
    const id = t.position!.id;
    h!.sim.admin.setFaults({ rules: [{ kind: 'partialFill', ratio: 0, method: 'POST', path: '/fapi/v1/order', count: 2 }] });
    h!.sim.admin.setPrice('BTCUSDT', 60700);
    const posts = () => h!.sim.admin.requests().filter((r) => r.method === 'POST' && r.path === '/fapi/v1/order' && r.clientOrderId === `${id}-tp1`);
    const stepFor = async (ms: number) => {
      const end = Date.now() + ms;
      while (Date.now() < end) {
        await h!.bot.step();
        await sleep(100);
      }
    };
    await stepFor(1_500);
    expect(posts()).toHaveLength(1); // expired; waiting, not re-sent every cycle
    expect(t.position!.levels[0]!.status).toBe('pending');
    expect(await stepUntil(() => posts().length === 3 && t.position!.tpLevelsHit.includes(1), 10_000)).toBe(true);
    const at = posts().map((r) => r.wallMs);
    expect(at[2]! - at[1]!).toBeGreaterThanOrEqual(3_500); // the second wait doubled
    expect(ordersOf(`${id}-tp1`).size).toBe(1);
    expect(t.position!.remainingSteps).toBe(7);
    expect(storeSteps()).toBe(exchangeSteps());
  });
});

describe('a read answered 200 with a body that is not its answer (a proxy\'s page, not JSON; JSON without the list)', () => {
  for (const [what, body] of [['an HTML page', undefined], ['{}', '{}']] as const) {
    it(`the position read answered ${what} for 10 s: not taken for flat (no manual exit booked, the stop kept on the exchange); the ladder goes on once it answers`, async () => {
      const t = await openLong();
      const id = t.position!.id;
      h!.sim.admin.setFaults({ rules: [{ kind: 'badBody', method: 'GET', path: '/fapi/v3/positionRisk', ...(body === undefined ? {} : { body }) }] });
      const end = Date.now() + 10_000;
      while (Date.now() < end) {
        await h!.bot.step();
        await sleep(150);
      }
      expect(t.position?.id).toBe(id);
      expect(h!.store.tradeHistory().filter((x) => x.positionId === id)).toEqual([]); // no exit booked
      expect(storeSteps()).toBe(exchangeSteps());
      expect(h!.state().openAlgoOrders).toHaveLength(1);
      h!.sim.admin.setFaults({ rules: [] });
      h!.sim.admin.setPrice('BTCUSDT', 60700); // TP1
      expect(await stepUntil(() => t.position?.tpLevelsHit.length === 1)).toBe(true);
      expect(ordersOf(`${id}-tp1`).size).toBe(1);
      expect(storeSteps()).toBe(exchangeSteps());
      expect(h!.state().openAlgoOrders).toHaveLength(1);
    }, 40_000);
  }
});
