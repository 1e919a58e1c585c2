import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness, testConfig } from '../support/bot-harness.ts';

/**
 * Bot ↔ simulator end to end: ccxt over real HTTP, a real SQLite file. Entries are given to the
 * trader directly (a signal), prices are moved on the simulator; every check reads the exchange's
 * true state from the simulator's admin view.
 */
let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

const T = Date.UTC(2026, 0, 1);
const sum = (xs: { qty: string }[]) => xs.reduce((s, f) => s + Math.round(Number(f.qty) * 1000), 0);

async function setUp(over: Record<string, unknown> = {}, symbol = 'BTCUSDT', price = 60000) {
  h = await startHarness(testConfig(over));
  h.sim.admin.setPrice(symbol, price, true);
  await h.bot.start();
  return h;
}

async function moveAndStep(symbol: string, price: number, gap = false) {
  h!.sim.admin.setPrice(symbol, price, gap);
  await h!.bot.step();
}

describe('bot ↔ simulator: the scaled ladder end to end', () => {
  it('TP2 and TP3 filling in one step (the price jumps past both): the queued stop move is dropped, the position ends clean and the same side can enter again', async () => {
    await setUp();
    const t = h!.trader('BTCUSDT');
    await t.onSignal({ side: 'long', timeMs: T, reason: 'test' });
    const id = t.position!.id;
    await moveAndStep('BTCUSDT', 60700);
    expect(t.position!.tpLevelsHit).toEqual([1]);
    await moveAndStep('BTCUSDT', 62300, true); // past TP2 (61200) and TP3 (62100) at once
    expect(t.position).toBeNull();
    const s = h!.state();
    expect(s.openAlgoOrders).toEqual([]);
    expect(s.openOrders).toEqual([]);
    expect(h!.store.tradeHistory().find((x) => x.positionId === id)!.exits.map((e) => [e.reason, e.qtySteps])).toEqual([
      ['tp1', 3],
      ['tp2', 3],
      ['tp3', 4],
    ]);
    await t.onSignal({ side: 'long', timeMs: T + 3_600_000, reason: 'test' });
    expect(t.position?.side).toBe('long');
    expect(h!.state().openAlgoOrders).toHaveLength(1);
  });

  it('a signal whose own stop is past the liquidation distance (an ATR stop of 6 % at 20x: 4.5 %) is not entered, as in the backtest; one inside it is', async () => {
    await setUp({ leverage: 20 });
    const t = h!.trader('BTCUSDT');
    await t.onSignal({ side: 'long', timeMs: T, reason: 'ema_cross atr', stopLossPct: 6 });
    expect(t.position).toBeNull();
    expect(h!.state().fills).toEqual([]);
    await t.onSignal({ side: 'long', timeMs: T + 3_600_000, reason: 'ema_cross atr', stopLossPct: 4 });
    expect(t.position?.side).toBe('long');
    expect(h!.state().openAlgoOrders.map((a) => a.triggerPrice)).toEqual(['57600']);
  });

  it('runs a long ladder to completion: entry, exchange stop, three reduce-only TPs, the stop climbing on the exchange', async () => {
    await setUp();
    const t = h!.trader('BTCUSDT');
    await t.onSignal({ side: 'long', timeMs: T, reason: 'test' });
    const p = t.position!;
    expect(p.originalSteps).toBe(10);
    // The protective stop rests on the exchange right after the entry (closePosition, F9).
    let s = h!.state();
    expect(s.openAlgoOrders.map((a) => [a.clientAlgoId, a.triggerPrice, a.closePosition])).toEqual([[`${p.id}-sl0`, '58800', true]]);

    await moveAndStep('BTCUSDT', 60700);
    s = h!.state();
    expect(s.fills.filter((f) => f.clientOrderId === `${p.id}-tp1`).map((f) => f.qty)).toEqual(['0.003']);
    expect(s.openAlgoOrders.map((a) => [a.clientAlgoId, a.triggerPrice])).toEqual([[`${p.id}-sl1`, '60000']]);

    await moveAndStep('BTCUSDT', 61300);
    expect(h!.state().openAlgoOrders.map((a) => a.triggerPrice)).toEqual(['60600']);

    await moveAndStep('BTCUSDT', 62200);
    s = h!.state();
    expect(t.position).toBeNull();
    expect(s.positions.filter((x) => Number(x.positionAmt) !== 0)).toEqual([]);
    expect(s.openOrders).toEqual([]);
    expect(s.openAlgoOrders).toEqual([]);
    const exits = s.fills.filter((f) => f.clientOrderId.startsWith(`${p.id}-tp`));
    expect(exits.map((f) => [f.clientOrderId.slice(-3), f.qty])).toEqual([
      ['tp1', '0.003'],
      ['tp2', '0.003'],
      ['tp3', '0.004'],
    ]);
    // The store agrees with the exchange: one trade, its exits summing exactly to the entry.
    const [trade] = h!.store.tradeHistory();
    expect(trade!.status).toBe('closed');
    expect(trade!.exits.map((e) => e.reason)).toEqual(['tp1', 'tp2', 'tp3']);
    expect(trade!.exits.reduce((a, e) => a + e.qtySteps, 0)).toBe(trade!.originalSteps);
    expect(trade!.stopMoves.map((m) => m.toPrice)).toEqual([60000, 60600]);
  });

  it('runs a short ladder to completion, the stop moving down', async () => {
    await setUp();
    const t = h!.trader('BTCUSDT');
    await t.onSignal({ side: 'short', timeMs: T, reason: 'test' });
    const id = t.position!.id;
    await moveAndStep('BTCUSDT', 59300);
    expect(h!.state().openAlgoOrders.map((a) => a.triggerPrice)).toEqual(['60000']);
    await moveAndStep('BTCUSDT', 58700);
    await moveAndStep('BTCUSDT', 57800);
    const s = h!.state();
    expect(s.fills.filter((f) => f.clientOrderId.startsWith(`${id}-tp`)).map((f) => f.qty)).toEqual(['0.003', '0.003', '0.004']);
    expect(s.openAlgoOrders).toEqual([]);
    expect(h!.store.tradeHistory()[0]!.stopMoves.map((m) => m.toPrice)).toEqual([60000, 59400]);
  });

  it('a gap through two levels sends both, lowest first, and the stop goes to TP1 target', async () => {
    await setUp();
    const t = h!.trader('BTCUSDT');
    await t.onSignal({ side: 'long', timeMs: T, reason: 'test' });
    const id = t.position!.id;
    await moveAndStep('BTCUSDT', 61500, true);
    const s = h!.state();
    expect(s.fills.filter((f) => f.clientOrderId.startsWith(`${id}-tp`)).map((f) => f.clientOrderId.slice(-3))).toEqual(['tp1', 'tp2']);
    expect(s.openAlgoOrders.map((a) => a.triggerPrice)).toEqual(['60600']);
    expect(t.position!.remainingSteps).toBe(4);
  });

  it('books the exchange stop when it fires after TP1 (breakeven), and leaves nothing resting', async () => {
    await setUp();
    const t = h!.trader('BTCUSDT');
    await t.onSignal({ side: 'long', timeMs: T, reason: 'test' });
    const id = t.position!.id;
    await moveAndStep('BTCUSDT', 60700);
    await moveAndStep('BTCUSDT', 59900);
    const s = h!.state();
    expect(s.positions.filter((x) => Number(x.positionAmt) !== 0)).toEqual([]);
    expect(s.openAlgoOrders).toEqual([]);
    expect(t.position).toBeNull();
    const trade = h!.store.tradeHistory()[0]!;
    expect(trade.exits.map((e) => [e.reason, e.qtySteps])).toEqual([
      ['tp1', 3],
      ['stop', 7],
    ]);
    expect(sum(s.fills.filter((f) => f.clientOrderId.startsWith(id) && !f.clientOrderId.endsWith('entry')))).toBe(10);
  });

  it('skips a level below the minimum on a coarse-step symbol (SOLUSDT, 1 contract) and rolls it on', async () => {
    await setUp({ symbols: ['SOL/USDT:USDT'], position_size: { mode: 'base', value: 5 }, scaled_tp_min_order_size: 200 }, 'SOLUSDT', 150);
    const t = h!.trader('SOLUSDT');
    await t.onSignal({ side: 'long', timeMs: T, reason: 'test' });
    const p = t.position!;
    expect(p.plan.levels.map((l) => [l.qtySteps, l.skipped])).toEqual([
      [0, 'below_minimum'],
      [2, null],
      [3, null],
    ]);
    await moveAndStep('SOLUSDT', 151.6);
    expect(h!.state().fills.filter((f) => f.clientOrderId.includes('-tp'))).toEqual([]);
    await moveAndStep('SOLUSDT', 153.1);
    expect(h!.state().fills.filter((f) => f.clientOrderId.includes('-tp')).map((f) => [f.clientOrderId.slice(-3), f.qty])).toEqual([['tp2', '2']]);
    // previous_tp after the skipped TP1 means TP1's configured target (151.5).
    expect(h!.state().openAlgoOrders.map((a) => a.triggerPrice)).toEqual(['151.5']);
  });
});
