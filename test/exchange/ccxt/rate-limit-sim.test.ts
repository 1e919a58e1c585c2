import { afterEach, describe, expect, it } from 'vitest';
import type { RequestLogEntry } from '../../../src/sim/admin.ts';
import { priceToTicks } from '../../../src/core/market/market-rules.ts';
import { asSteps } from '../../../src/core/units.ts';
import { type SimAdapter, failure, marketOrder, simAdapter } from './sim-adapter.ts';

/**
 * Rate limits as a budget, through ccxt on the simulator (issue 12 item 3, fault 5): the simulator
 * answers 429 with Retry-After and bans (418) any request that arrives before that time; the adapter,
 * hammered by concurrent reads and orders, must never be banned.
 */
describe('ccxt adapter rate-limit budget on the simulator', () => {
  let a: SimAdapter;
  afterEach(async () => a?.close());

  /** `workers` loops at once, each making `rounds` calls of a read/order mix through the adapter. */
  async function hammer(workers: number, rounds: number, prefix: string): Promise<unknown[]> {
    const errors: unknown[] = [];
    const calls: Array<(w: number, i: number) => Promise<unknown>> = [
      () => a.ex.price('BTCUSDT'),
      () => a.ex.position('BTCUSDT'),
      (w, i) => a.ex.createOrder(marketOrder(`${prefix}-${w}-${i}`, i % 2 ? 'sell' : 'buy', 2)),
      () => a.ex.openOrders('BTCUSDT'),
      () => a.ex.trades('BTCUSDT', 0),
    ];
    await Promise.all(
      Array.from({ length: workers }, async (_, w) => {
        for (let i = 0; i < rounds; i++) await calls[(w + i) % calls.length]!(w, i).catch((e: unknown) => errors.push(e));
      }),
    );
    return errors;
  }

  const statuses = (log: readonly RequestLogEntry[]): number[] => log.map((r) => r.status);

  it('after a 429, no request of the process leaves before Retry-After, reads included: no 418', async () => {
    a = await simAdapter({ rateLimits: { banSec: 30 } });
    await a.ex.markets();
    a.sim.admin.setPrice('BTCUSDT', '60000');
    a.sim.admin.setFaults({ kind: 'rateLimit', method: 'GET', path: '/fapi/v1/ticker/24hr', retryAfterSec: 1, after: 2, count: 1 });
    const errors = await hammer(6, 12, 'h');
    const log = a.requests();
    expect(statuses(log)).not.toContain(418);
    const [first, ...inFlight] = log.filter((r) => r.status === 429);
    const at = first!.wallMs;
    // Requests already on their way when the 429 went out get 429 too (the simulator's in-flight
    // grace); every request sent after it waited out Retry-After.
    for (const r of inFlight) expect(r.wallMs - at).toBeLessThanOrEqual(100);
    const after = log.filter((r) => r.wallMs > at && r.status !== 429);
    expect(after.length).toBeGreaterThan(20);
    for (const r of after) expect(r.wallMs - at).toBeGreaterThanOrEqual(1000);
    // The calls that got a 429 failed as rateLimited with its Retry-After; nothing else failed.
    expect(errors).toHaveLength(1 + inFlight.length);
    for (const e of errors) expect(e).toMatchObject({ code: 'rateLimited', retryAfterMs: 1000 });
  });

  it('a 429 on an order holds back the reads too', async () => {
    a = await simAdapter({ rateLimits: { banSec: 30 } });
    await a.ex.markets();
    a.sim.admin.setPrice('BTCUSDT', '60000');
    a.sim.admin.setFaults({ kind: 'rateLimit', method: 'POST', path: '/fapi/v1/order', retryAfterSec: 2, count: 1 });
    const e = await failure(a.ex.createOrder(marketOrder('o-429')));
    expect(e).toMatchObject({ code: 'rateLimited', retryAfterMs: 2000 });
    const t0 = Date.now();
    await a.ex.price('BTCUSDT');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1900);
    expect(statuses(a.requests())).not.toContain(418);
  });

  it('orders are kept under the 10-second order limit: concurrent orders wait for the next window, never a 429', async () => {
    a = await simAdapter({ rateLimits: { ordersPer10s: 5 } }, { limits: { ordersPer10s: 5 } });
    await a.ex.markets();
    a.sim.admin.setPrice('BTCUSDT', '60000');
    // Start just after a 10-s window opens: orders sent within the rollover margin of a window's end
    // count in the next window too (they may arrive there), which would push the rest one window on.
    await new Promise((r) => setTimeout(r, 10_000 - (Date.now() % 10_000) + 50));
    const t0 = Date.now();
    const placed = await Promise.all(Array.from({ length: 6 }, (_, i) => a.ex.createOrder(marketOrder(`w-${i}`, i % 2 ? 'sell' : 'buy', 2))));
    expect(placed.map((o) => o.status)).toEqual(Array(6).fill('filled'));
    const orders = a.requests().filter((r) => r.method === 'POST' && r.path === '/fapi/v1/order');
    expect(statuses(orders).every((s) => s === 200)).toBe(true);
    // 4 of 6 (95 % of 5) in the first window, the rest after it rolled over.
    const windows = new Set(orders.map((r) => Math.floor(r.wallMs / 10_000)));
    expect(windows.size).toBe(2);
    expect(Date.now() - t0).toBeLessThan(12_500);
  }, 35_000);

  it('takes its limits from exchangeInfo (the simulator states the limits it enforces)', async () => {
    a = await simAdapter({ rateLimits: { weightPerMinute: 1_000_000, ordersPer10s: 50, ordersPerMinute: 500 } });
    await a.ex.markets();
    expect(a.budget.limits).toEqual({ weightPerMinute: 1_000_000, ordersPer10s: 50, ordersPerMinute: 500 });
  });

  it('reads the used weight from the response headers: another client on the same IP is counted, and polling is told to slow down', async () => {
    a = await simAdapter();
    await a.ex.markets();
    a.sim.admin.setPrice('BTCUSDT', '60000');
    await a.ex.price('BTCUSDT');
    expect(a.budget.pressure()).toBeLessThan(0.05);
    // Someone else on this IP: 50 all-symbol tickers at weight 40 each (the simulator counts per IP).
    for (let i = 0; i < 50; i++) await fetch(`${a.sim.url}/fapi/v1/ticker/24hr`);
    await a.ex.price('BTCUSDT');
    expect(a.budget.pressure()).toBeGreaterThan(2000 / 2400);
    expect(a.budget.suggestedPollMs(1000)).toBeGreaterThan(1000);
    expect(a.budget.nextCallDelayMs()).toBeGreaterThan(0);
  });
});

describe('an IP ban (418) whose answer carries no Retry-After (a proxy dropped it): its end is read from the message', () => {
  let a: SimAdapter;
  afterEach(async () => a?.close());

  it('"banned until <ms>": the error waits for then, and no request of the process leaves before it', async () => {
    a = await simAdapter();
    await a.ex.markets();
    a.sim.admin.setPrice('BTCUSDT', '60000');
    const until = Date.now() + 3000;
    a.sim.admin.setFaults({ kind: 'reject', status: 418, code: -1003, msg: `Way too many requests; IP(127.0.0.1) banned until ${until}. Please use the websocket for live updates to avoid bans.`, method: 'GET', path: '/fapi/v1/ticker/24hr', count: 1 });
    const e = await failure(a.ex.price('BTCUSDT'));
    expect(e).toMatchObject({ code: 'rateLimited', ipBanned: true });
    expect(e.retryAfterMs).toBeGreaterThan(2000);
    expect(e.retryAfterMs).toBeLessThanOrEqual(3000);
    await a.ex.price('BTCUSDT');
    expect(Date.now()).toBeGreaterThanOrEqual(until);
  });
});

describe('a new order weighs nothing against the IP weight on Binance USDⓈ-M (POST /fapi/v1/order and /algoOrder: "0 on IP rate limit")', () => {
  let a: SimAdapter;
  afterEach(async () => a?.close());

  it('with the minute\'s weight nearly spent by another client on the IP, a market order and a protective stop leave at once (the exchange takes them), not at the next minute', async () => {
    a = await simAdapter();
    const m = (await a.ex.markets()).get('BTCUSDT')!;
    a.sim.admin.setPrice('BTCUSDT', '60000');
    // Far enough from a minute's end that waiting for it would show.
    const intoMinute = Date.now() % 60_000;
    if (intoMinute > 45_000) await new Promise((r) => setTimeout(r, 60_500 - intoMinute));
    // Someone else on this IP: 57 all-symbol tickers at weight 40 (2280 + ours: above 95 % of 2400).
    for (let i = 0; i < 57; i++) await fetch(`${a.sim.url}/fapi/v1/ticker/24hr`);
    await a.ex.price('BTCUSDT'); // learns the IP's weight from the answer's header
    expect(a.budget.pressure()).toBeGreaterThan(0.95);
    const t0 = Date.now();
    await a.ex.createOrder(marketOrder('o-entry', 'buy', 2));
    await a.ex.createOrder({ symbol: 'BTCUSDT', side: 'sell', type: 'stop_market', amountSteps: asSteps(2), stopPriceTicks: priceToTicks('58000', m, 'down'), reduceOnly: true, protective: true, clientOrderId: 'o-entry-sl0' });
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(a.requests().filter((r) => r.method === 'POST').map((r) => r.status)).toEqual([200, 200]);
    // Reads still wait for the next minute: they do weigh.
    expect(a.budget.nextCallDelayMs()).toBeGreaterThan(1000);
  }, 90_000);
});
