import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, startWithLong, stepBot, testConfig, exchangeStepsOf, restingLimitStepsOf } from '../support/bot-harness.ts';

/**
 * The position reduced by hand (its trade listed) while the bot's look-ups of its own orders by client
 * id fail (503): before booking a shortfall as a change made outside, the bot asks whether one of its
 * orders filled (restingFillUnbooked). Through ccxt on the simulator, asserted from the exchange's
 * side: the reduction is booked once, as soon as the facts are known, never twice; the stop on the
 * exchange protects what is held.
 */
let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

const exchangeSteps = () => exchangeStepsOf(h!);
const storeSteps = () => h!.store.openPositions().reduce((a, p) => a + p.remainingSteps, 0);
const restingSteps = () => restingLimitStepsOf(h!);
/** What the one stop resting covers: 'closePosition' or its quantity in steps. */
function stopCovers(): (number | 'closePosition')[] {
  return h!.state().openAlgoOrders.map((a) => (a.closePosition ? 'closePosition' : Math.round(Number((a as unknown as { quantity: string }).quantity) * 1000)));
}
const orderLookupsFail = { kind: 'error5xx', status: 503, method: 'GET', path: '/fapi/v1/order' } as const;
const stopLookupsFail = { kind: 'error5xx', status: 503, method: 'GET', path: '/fapi/v1/algoOrder' } as const;
const handSells = (steps: number) => h!.ex.createOrder({ symbol: 'BTCUSDT', side: 'sell', type: 'market', amountSteps: steps as never, reduceOnly: false, clientOrderId: 'web_hand_reduce' });

async function openLong(config = testConfig()) {
  const started = await startWithLong(config);
  h = started.h;
  return { t: started.t, id: started.t.position!.id };
}


/** The price past TP3 (62200): the ladder ends flat on both sides, and its exits add up to the 10 entered, exactly. */
async function expectLadderEndsFlat(id: string, steps = 8) {
  h!.sim.admin.setPrice('BTCUSDT', 62200);
  await stepBot(h!, steps, 250);
  expect(exchangeSteps()).toBe(0);
  expect(storeSteps()).toBe(0);
  const trade = h!.store.tradeHistory().find((x) => x.positionId === id)!;
  expect(trade.exits.reduce((n, e) => n + e.qtySteps, 0)).toBe(10);
  return trade;
}

describe('a reduction by hand while the look-ups of our own orders fail (503)', () => {
  it('limit mode, GET /fapi/v1/order failing throughout: the 2 sold by hand are booked within seconds (the open orders list shows none of our take-profits filled), the take-profits rest again for the 8, the stop protects the 8', async () => {
    const { t, id } = await openLong(testConfig({ scaled_tp_execution: 'limit' }));
    h!.sim.admin.setFaults({ rules: [orderLookupsFail] });
    await handSells(2);
    await stepBot(h!, 12, 250);
    expect(t.position!.partialExits.map((e) => [e.reason, e.qtySteps])).toEqual([['manual', 2]]);
    expect(storeSteps()).toBe(exchangeSteps());
    expect(exchangeSteps()).toBe(8);
    expect(restingSteps()).toBeLessThanOrEqual(8);
    expect(stopCovers()).toHaveLength(1);
    expect(['closePosition', 8]).toContain(stopCovers()[0]);
    h!.sim.admin.setFaults({ rules: [] });
    await stepBot(h!, 4, 250);
    expect(restingSteps()).toBe(8);
    const trade = await expectLadderEndsFlat(id);
    expect(t.halted).toBeNull();
    expect(trade.exits.filter((e) => e.reason === 'manual').map((e) => e.qtySteps)).toEqual([2]);
  }, 60_000);

  it('market mode, GET /fapi/v1/algoOrder failing throughout (the stop cannot be looked up): the 2 sold by hand are booked within seconds (the open orders list shows the stop still resting), the stop protects the 8', async () => {
    const { t, id } = await openLong();
    h!.sim.admin.setFaults({ rules: [stopLookupsFail] });
    await handSells(2);
    await stepBot(h!, 12, 250);
    expect(t.position!.partialExits.map((e) => [e.reason, e.qtySteps])).toEqual([['manual', 2]]);
    expect(storeSteps()).toBe(exchangeSteps());
    expect(exchangeSteps()).toBe(8);
    expect(stopCovers()).toHaveLength(1);
    expect(['closePosition', 8]).toContain(stopCovers()[0]);
    h!.sim.admin.setFaults({ rules: [] });
    const trade = await expectLadderEndsFlat(id);
    expect(t.halted).toBeNull();
    expect(trade.exits.filter((e) => e.reason === 'manual').map((e) => e.qtySteps)).toEqual([2]);
  }, 60_000);

  it('limit mode, 2 sold by hand and TP1 filled (its trade not listed yet) while the order look-ups fail: TP1 is not on the open orders list, so nothing is booked from the shortfall until the facts are known; then TP1 and the 2 by hand are booked once each', async () => {
    const { t, id } = await openLong(testConfig({ scaled_tp_execution: 'limit' }));
    h!.sim.admin.setFaults({ rules: [orderLookupsFail, { kind: 'staleTrades', hide: 1, method: 'GET', path: '/fapi/v1/userTrades' }] });
    await handSells(2);
    h!.sim.admin.setPrice('BTCUSDT', 60700); // TP1 (60600) fills its 3: the newest trade, not listed
    h!.sim.admin.setPrice('BTCUSDT', 60300);
    await stepBot(h!, 12, 250);
    expect(exchangeSteps()).toBe(5);
    // Booked from a shortfall the exchange does not explain yet, either would be booked twice later.
    expect(t.position!.partialExits.reduce((n, e) => n + e.qtySteps, 0)).toBeLessThanOrEqual(2);
    expect(stopCovers()).toHaveLength(1);
    h!.sim.admin.setFaults({ rules: [] });
    await stepBot(h!, 8, 250);
    expect(t.position!.partialExits.map((e) => [e.reason, e.qtySteps]).sort()).toEqual([
      ['manual', 2],
      ['tp1', 3],
    ]);
    expect(storeSteps()).toBe(exchangeSteps());
    expect(restingSteps()).toBeLessThanOrEqual(5);
    expect(t.halted).toBeNull();
    await expectLadderEndsFlat(id);
  }, 60_000);

  it('after TP1 (the stop moved to breakeven, reduce-only of 7), 3 sold by hand while the stop look-ups fail: booked within seconds, and the stop is placed again for the 4 held (never left sized for 7)', async () => {
    const { t, id } = await openLong();
    h!.sim.admin.setPrice('BTCUSDT', 60700); // TP1
    await stepBot(h!, 3, 200);
    expect(t.position!.remainingSteps).toBe(7);
    h!.sim.admin.setFaults({ rules: [stopLookupsFail] });
    await handSells(3);
    t.touch();
    await stepBot(h!, 12, 250);
    expect(t.position!.partialExits.map((e) => [e.reason, e.qtySteps])).toEqual([
      ['tp1', 3],
      ['manual', 3],
    ]);
    expect(storeSteps()).toBe(exchangeSteps());
    expect(exchangeSteps()).toBe(4);
    expect(stopCovers()).toHaveLength(1);
    expect(['closePosition', 4]).toContain(stopCovers()[0]);
    expect(h!.state().openAlgoOrders[0]!.triggerPrice).toBe('60000');
    h!.sim.admin.setFaults({ rules: [] });
    await expectLadderEndsFlat(id, 6);
  }, 60_000);

  it('limit mode, the open orders list failing too (nothing tells whether a take-profit filled): the shortfall waits, nothing is booked, the closePosition stop protects what is held; once the reads answer, the 2 are booked once', async () => {
    const { t, id } = await openLong(testConfig({ scaled_tp_execution: 'limit' }));
    h!.sim.admin.setFaults({ rules: [orderLookupsFail, { kind: 'error5xx', status: 503, method: 'GET', path: '/fapi/v1/openOrders' }] });
    await handSells(2);
    t.touch();
    await stepBot(h!, 10, 250);
    expect(exchangeSteps()).toBe(8);
    expect(t.position!.partialExits).toEqual([]);
    expect(stopCovers()).toEqual(['closePosition']);
    h!.sim.admin.setFaults({ rules: [] });
    await stepBot(h!, 6, 250);
    expect(t.position!.partialExits.map((e) => [e.reason, e.qtySteps])).toEqual([['manual', 2]]);
    expect(storeSteps()).toBe(exchangeSteps());
    expect(restingSteps()).toBe(8);
    await expectLadderEndsFlat(id);
  }, 60_000);
});
