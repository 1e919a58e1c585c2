import { describe, expect, it } from 'vitest';
import { WeightBudget } from '../../../src/exchange/ccxt/weight-budget.ts';
import { withSendDeadline } from '../../../src/exchange/send-deadline.ts';

/** A clock that only moves when someone sleeps (or the test advances it). */
function fakeClock(startMs = 0) {
  let t = startMs;
  const slept: number[] = [];
  return {
    nowMs: () => t,
    sleep: async (ms: number) => {
      slept.push(ms);
      t += ms;
    },
    advance: (ms: number) => void (t += ms),
    slept,
  };
}

const read = { weight: 1, order: false };
const order = { weight: 1, order: true };
const MIN = 60_000;

describe('WeightBudget', () => {
  it('orders sent within the rollover margin of a window end count in the next window too (they may arrive there)', async () => {
    const c = fakeClock(9_500); // 0.5 s before a 10-s window ends
    const b = new WeightBudget({ clock: c, limits: { ordersPer10s: 5 } });
    for (let i = 0; i < 4; i++) await b.acquire(order); // 4 = 95 % of 5, rounded down
    expect(c.slept).toEqual([]);
    await b.acquire(order); // waits for the next window, and then past it: the 4 may land in it
    expect(c.nowMs()).toBeGreaterThanOrEqual(20_000);
    // Sent mid-window, nothing carries over.
    const c2 = fakeClock(3_000);
    const b2 = new WeightBudget({ clock: c2, limits: { ordersPer10s: 5 } });
    for (let i = 0; i < 4; i++) await b2.acquire(order);
    await b2.acquire(order);
    expect(c2.nowMs()).toBeGreaterThanOrEqual(10_000);
    expect(c2.nowMs()).toBeLessThan(20_000);
  });

  it('inside withSendDeadline, a request the gate would hold past its deadline fails at once (nothing counted); one it holds less waits; outside, the same wait is taken', async () => {
    const c = fakeClock(1_000);
    const b = new WeightBudget({ clock: c });
    b.penalize(7_000); // a 429's block: within the 65 s a call may wait
    await expect(withSendDeadline(5_000, () => b.acquire(order))).rejects.toMatchObject({ code: 'rateLimited', retryAfterMs: 7_000 });
    expect(c.slept).toEqual([]);
    await withSendDeadline(60_000, () => b.acquire(order));
    expect(c.slept).toEqual([7_000]);
    b.penalize(3_000);
    await b.acquire(order);
    expect(c.slept).toEqual([7_000, 3_000]);
  });

  it('lets requests through at once while far from every limit', async () => {
    const c = fakeClock();
    const b = new WeightBudget({ clock: c });
    for (let i = 0; i < 100; i++) await b.acquire(read);
    expect(c.slept).toEqual([]);
    expect(b.pressure()).toBeCloseTo(100 / 2400);
  });

  it('after a 429, nothing leaves before Retry-After has passed, reads included', async () => {
    const c = fakeClock(5_000);
    const b = new WeightBudget({ clock: c });
    b.penalize(7_000);
    expect(b.pressure()).toBe(1);
    expect(b.nextCallDelayMs()).toBe(7_000);
    expect(b.suggestedPollMs(1_000)).toBe(7_000);
    const left: number[] = [];
    await Promise.all([read, order, read].map(async (cost) => {
      await b.acquire(cost);
      left.push(c.nowMs());
    }));
    expect(left.every((t) => t >= 12_000)).toBe(true);
    expect(b.blockedUntil).toBe(0);
  });

  it('a 429 without Retry-After blocks until the minute rolls over (plus a margin for clock drift)', async () => {
    const c = fakeClock(MIN + 20_000);
    const b = new WeightBudget({ clock: c, rolloverMarginMs: 500 });
    b.penalize(null);
    await b.acquire(read);
    expect(c.nowMs()).toBe(2 * MIN + 500);
  });

  it('a block longer than maxWaitMs (a 418 ban) fails the call at once with the time left, sending nothing; a 429 of a minute is waited in the call', async () => {
    const c = fakeClock(0);
    const b = new WeightBudget({ clock: c, maxWaitMs: 65_000 });
    b.penalize(120_000, true);
    await expect(b.acquire(read)).rejects.toMatchObject({ code: 'rateLimited', retryAfterMs: 120_000, ipBanned: true });
    expect(c.slept).toEqual([]);
    c.advance(60_000);
    await b.acquire(read); // 60 s left: waited here
    expect(c.nowMs()).toBe(120_000);
  });

  it('a longer block is never shortened by a later, shorter Retry-After', async () => {
    const c = fakeClock();
    const b = new WeightBudget({ clock: c, maxWaitMs: 200_000 }); // waited in the call (the default fails it: see above)
    b.penalize(120_000); // 418: banned for two minutes
    b.penalize(1_000);
    await b.acquire(read);
    expect(c.nowMs()).toBe(120_000);
  });

  it('above 80 % of the weight, requests are spaced so the rest lasts until the minute rolls over', async () => {
    const c = fakeClock(0);
    const b = new WeightBudget({ clock: c, limits: { weightPerMinute: 100 }, rolloverMarginMs: 0 });
    for (let i = 0; i < 81; i++) await b.acquire(read);
    expect(c.slept).toEqual([]);
    const times: number[] = [];
    for (let i = 0; i < 14; i++) {
      await b.acquire(read);
      times.push(c.nowMs());
    }
    // Weight 81 … 95 spread over the minute: evenly spaced, all inside it, none at once.
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    expect(Math.min(...gaps)).toBeGreaterThan(3_000);
    expect(times.at(-1)!).toBeLessThan(MIN);
    expect(b.pressure()).toBeCloseTo(0.95);
    expect(b.suggestedPollMs(1_000)).toBeGreaterThan(1_000);
    // Weight 96 would pass 95 %: it waits for the next minute.
    await b.acquire(read);
    expect(c.nowMs()).toBe(MIN);
    expect(b.pressure()).toBeCloseTo(0.01);
  });

  it('the exchange header raises the count (another client on the same IP), never lowers it', async () => {
    const c = fakeClock(1_000);
    const b = new WeightBudget({ clock: c, limits: { weightPerMinute: 100 }, rolloverMarginMs: 0 });
    for (let i = 0; i < 10; i++) await b.acquire(read);
    b.observe({ headers: { 'X-Mbx-Used-Weight-1m': '5' }, sentAtMs: 1_000 });
    expect(b.pressure()).toBeCloseTo(0.1);
    b.observe({ headers: { 'x-mbx-used-weight-1m': '95' }, sentAtMs: 1_000 });
    expect(b.pressure()).toBeCloseTo(0.95);
    await b.acquire(read);
    expect(c.nowMs()).toBe(MIN);
  });

  it('ignores a header from a request sent in the previous minute (it counts that minute)', async () => {
    const c = fakeClock(MIN - 100);
    const b = new WeightBudget({ clock: c, limits: { weightPerMinute: 100 } });
    c.advance(200);
    b.observe({ headers: { 'X-Mbx-Used-Weight-1m': '90' }, sentAtMs: MIN - 100 });
    expect(b.pressure()).toBe(0);
  });

  it('orders: at most 95 % of the 10-second order limit, then the next window; reads are not held by it', async () => {
    const c = fakeClock(0);
    const b = new WeightBudget({ clock: c, limits: { ordersPer10s: 5 }, rolloverMarginMs: 0 });
    for (let i = 0; i < 4; i++) await b.acquire(order);
    expect(c.nowMs()).toBe(0);
    await b.acquire(read);
    expect(c.nowMs()).toBe(0);
    await b.acquire(order);
    expect(c.nowMs()).toBe(10_000);
    b.observe({ headers: { 'X-Mbx-Order-Count-10s': '5' }, sentAtMs: 10_000 });
    expect(b.nextCallDelayMs(order)).toBe(10_000);
  });

  it('one heavy request still leaves in a fresh window (it could never leave otherwise)', async () => {
    const c = fakeClock(0);
    const b = new WeightBudget({ clock: c, limits: { weightPerMinute: 10 } });
    await b.acquire({ weight: 40, order: false });
    expect(c.nowMs()).toBe(0);
  });

  it('takes its limits from exchangeInfo, unless they were fixed', () => {
    const rateLimits = [
      { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 6000 },
      { rateLimitType: 'ORDERS', interval: 'MINUTE', intervalNum: 1, limit: 1500 },
      { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 400 },
    ];
    const b = new WeightBudget();
    b.setLimitsFromExchangeInfo(rateLimits);
    expect(b.limits).toEqual({ weightPerMinute: 6000, ordersPerMinute: 1500, ordersPer10s: 400 });
    const fixed = new WeightBudget({ limits: { weightPerMinute: 50 } });
    fixed.setLimitsFromExchangeInfo(rateLimits);
    expect(fixed.limits.weightPerMinute).toBe(50);
  });
});
