import { describe, expect, it } from 'vitest';
import { ScaledTakeProfitManager } from '../../../src/core/scaled-tp/manager.ts';
import { asSteps } from '../../../src/core/units.ts';
import { BTC } from '../../support/market.ts';
import { DEFAULT_SETTINGS } from '../../support/settings.ts';

describe('ScaledTakeProfitManager', () => {
  const start = () => {
    const m = new ScaledTakeProfitManager(DEFAULT_SETTINGS);
    const plan = m.plan({ side: 'long', entryPrice: '60000', quantitySteps: asSteps(10), market: BTC });
    if (!plan.ok) throw new Error(plan.error.message);
    m.open({ id: 'B1', symbol: 'BTCUSDT', timeMs: 1000, entryFee: 0, plan: plan.value });
    return m;
  };

  it('tracks one position per symbol and reports its TP status with the next target and distance', () => {
    const m = start();
    const s = m.getTpStatus('BTCUSDT', 60300)!;
    expect(s.levels.map((l) => [l.level, l.targetPrice, l.closePct, l.plannedSteps, l.hit])).toEqual([
      [1, 60600, 30, 3, false],
      [2, 61200, 30, 3, false],
      [3, 62100, 40, 4, false],
    ]);
    expect(s.stopPrice).toBe(58800);
    expect(s.nextTarget).toEqual({ level: 1, reason: 'tp1', price: 60600, distancePct: (300 * 100) / 60300 });
    expect(s.unrealizedPnl).toBeCloseTo(300 * 0.01, 9);
  });

  it('shows a hit level with its fill, the climbed stop and where it was before', () => {
    const m = start();
    const r = m.onPrice('BTCUSDT', 60610, 2000)!;
    expect(r.commands[0]).toMatchObject({ kind: 'placeExit', clientOrderId: 'B1-tp1', qtySteps: 3 });
    const f = m.applyFill('BTCUSDT', { clientOrderId: 'B1-tp1', tradeId: 'x1', orderId: '9', timeMs: 2100, qtySteps: asSteps(3), price: 60610, fee: 0 });
    expect(f.ok).toBe(true);
    const s = m.getTpStatus('BTCUSDT')!;
    expect(s.levels[0]).toMatchObject({ hit: true, hitTimeMs: 2100, fillPrice: 60610, status: 'filled' });
    expect([s.previousStopPrice, s.stopPrice]).toEqual([58800, 60000]);
    expect(s.nextTarget?.level).toBe(2);
    expect(s.remainingSteps).toBe(7);
    expect(s.realizedPnl).toBeCloseTo(610 * 0.003, 9);
  });

  it('the single take-profit (scaled TP off, or the R3.3 fallback) is not ladder level 1: its row and the next target carry level null and reason tp', () => {
    for (const settings of [{ ...DEFAULT_SETTINGS, scaled: false }, DEFAULT_SETTINGS]) {
      const m = new ScaledTakeProfitManager(settings);
      // One step cannot be split: the fallback to the single take-profit.
      const plan = m.plan({ side: 'long', entryPrice: '60000', quantitySteps: asSteps(settings.scaled ? 1 : 10), market: BTC });
      if (!plan.ok) throw new Error(plan.error.message);
      m.open({ id: 'B1', symbol: 'BTCUSDT', timeMs: 1000, entryFee: 0, plan: plan.value });
      const s = m.getTpStatus('BTCUSDT', 60300)!;
      expect(s.levels.map((l) => [l.level, l.reason, l.targetPrice])).toEqual([[null, 'tp', 61800]]);
      expect(s.nextTarget).toEqual({ level: null, reason: 'tp', price: 61800, distancePct: (1500 * 100) / 60300 });
      m.onPrice('BTCUSDT', 61800, 2000);
      const n = plan.value.originalSteps;
      expect(m.applyFill('BTCUSDT', { clientOrderId: 'B1-tp', tradeId: 'x1', orderId: '9', timeMs: 2100, qtySteps: n, price: 61800, fee: 0 }).ok).toBe(true);
    }
  });

  it('forgets a symbol on reset_tracking and refuses a second open position on the same symbol', () => {
    const m = start();
    const plan = m.plan({ side: 'short', entryPrice: '60000', quantitySteps: asSteps(10), market: BTC });
    if (!plan.ok) throw new Error(plan.error.message);
    expect(() => m.open({ id: 'B2', symbol: 'BTCUSDT', timeMs: 1, entryFee: 0, plan: plan.value })).toThrow(/already has an open position/);
    m.resetTracking('BTCUSDT');
    expect(m.getTpStatus('BTCUSDT')).toBeNull();
    expect(m.onPrice('BTCUSDT', 1, 1)).toBeNull();
  });
});
