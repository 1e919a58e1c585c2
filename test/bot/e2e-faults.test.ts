import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness, testConfig } from '../support/bot-harness.ts';

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

  it('honours Retry-After on a 429 and then succeeds', async () => {
    const t = await openLong({}, true);
    h!.sim.admin.setFaults({ rules: [{ kind: 'rateLimit', method: 'POST', path: '/fapi/v1/order', retryAfterSec: 1, count: 1 }] });
    h!.sim.admin.setPrice('BTCUSDT', 60700);
    await h!.bot.step();
    expect(h!.slept.some((ms) => ms >= 1000)).toBe(true);
    expect(h!.sim.admin.requests().some((r) => r.status === 418)).toBe(false);
    expect(t.position!.tpLevelsHit).toEqual([1]);
  });

  it('an entry refused for margin (-2019) raises one alert and no retry storm (R6.5)', async () => {
    h = await startHarness(testConfig(), { seed: 3, balance: 20 });
    h.sim.admin.setPrice('BTCUSDT', 60000, true);
    await h.bot.start();
    const t = h.trader('BTCUSDT');
    await t.onSignal({ side: 'long', timeMs: T, reason: 'test' });
    await t.onSignal({ side: 'short', timeMs: T + 3_600_000, reason: 'test' });
    await h.bot.step();
    const orders = h.sim.admin.requests().filter((r) => r.method === 'POST' && r.path === '/fapi/v1/order');
    expect(orders).toHaveLength(1);
    expect(orders[0]!.code).toBe(-2019);
    expect(t.halted).toMatch(/margin/i);
    expect(t.position).toBeNull();
  });

  it('a 5xx on a price read is retried and the ladder goes on', async () => {
    const t = await openLong();
    h!.sim.admin.setFaults({ rules: [{ kind: 'error5xx', method: 'GET', path: '/fapi/v1/ticker/price', status: 503, count: 2 }] });
    h!.sim.admin.setPrice('BTCUSDT', 60700);
    await h!.bot.step();
    expect(t.position!.tpLevelsHit).toEqual([1]);
  });
});
