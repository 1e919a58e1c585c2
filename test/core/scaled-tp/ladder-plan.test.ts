import { describe, expect, it } from 'vitest';
import { type PlanInput, planLadder, splitQuantity } from '../../../src/core/scaled-tp/ladder-plan.ts';
import type { ExitSettings } from '../../../src/core/scaled-tp/settings.ts';
import { asSteps } from '../../../src/core/units.ts';
import { BTC, SOL, marketRules } from '../../support/market.ts';
import { DEFAULT_SETTINGS } from '../../support/settings.ts';


const plan = (o: Partial<Omit<PlanInput, 'settings'>> & { settings?: Partial<ExitSettings> }) => {
  const r = planLadder({
    side: 'long',
    entryPrice: '60000',
    quantitySteps: asSteps(10),
    market: BTC,
    ...o,
    settings: { ...DEFAULT_SETTINGS, ...o.settings },
  });
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
};
const qtys = (p: ReturnType<typeof plan>) => p.levels.map((l) => l.qtySteps);

describe('planLadder', () => {
  it('splits the default ladder 30/30/40 on BTCUSDT with targets and the stop ladder', () => {
    const p = plan({});
    expect(p.mode).toBe('scaled');
    expect(p.levels.map((l) => l.targetPrice)).toEqual([60600, 61200, 62100]);
    expect(qtys(p)).toEqual([3, 3, 4]);
    expect(p.initialStopPrice).toBe(58800);
    expect(p.levels.map((l) => l.stopAfter && [l.stopAfter.price, l.stopAfter.rule])).toEqual([
      [60000, 'breakeven'],
      [60600, 'previous_tp'],
      [61200, 'previous_tp'],
    ]);
  });

  it('refuses a stop that its rounding in the position\'s favour puts at or past the entry (a stop distance under one tick), long and short, from a text or a number entry', () => {
    const m = marketRules({ tick: '0.01', step: '1' });
    const at = (side: 'long' | 'short', entryPrice: string | number, stopLossPct: number) =>
      planLadder({ side, entryPrice, quantitySteps: asSteps(10), market: m, settings: { ...DEFAULT_SETTINGS, stopLossPct }, stopLossPct });
    // 5.00 × 0.1 % = 0.005: long 4.995 rounds up to 5.00, short 5.005 down to 5.00: the entry itself.
    for (const side of ['long', 'short'] as const) {
      for (const entry of ['5', 5]) {
        const r = at(side, entry, 0.1);
        expect(r.ok).toBe(false);
        expect(!r.ok && r.error.code).toBe('stop_at_entry');
        expect(!r.ok && r.error.message).toContain('rounds to 5 on');
      }
      // 0.2 % = 0.01, one tick: 4.99 and 5.01, a real stop.
      const ok = at(side, '5', 0.2);
      expect(ok.ok && ok.value.initialStopPrice).toBe(side === 'long' ? 4.99 : 5.01);
    }
    // An entry between ticks (slipped): long 5.005 × (1 − 0.1 %) = 4.999995, up to 5.00: below the entry, kept.
    const slipped = at('long', '5.005', 0.1);
    expect(slipped.ok && slipped.value.initialStopPrice).toBe(5);
    // Short 5.005 × 1.001 = 5.010005, down to 5.01: above the entry, kept; 4.995 × 1.001 = 4.999995 down to 4.99, below it: refused.
    expect(at('short', '5.005', 0.1).ok).toBe(true);
    expect(at('short', '4.995', 0.1).ok).toBe(false);
  });

  it('stopAtLeastOneTick (an entry already filled): a stop under one tick goes one tick past the entry instead of being refused; a stop of a tick or more is unchanged', () => {
    const m = marketRules({ tick: '0.01', step: '1' });
    const at = (side: 'long' | 'short', entryPrice: string | number, stopLossPct: number) =>
      planLadder({ side, entryPrice, quantitySteps: asSteps(10), market: m, settings: { ...DEFAULT_SETTINGS, stopLossPct }, stopLossPct, stopAtLeastOneTick: true });
    const stop = (r: ReturnType<typeof at>) => (r.ok ? r.value.initialStopPrice : r.error.code);
    // On a tick: 5.00 ± 0.005 would round onto 5.00; one tick past it.
    expect(stop(at('long', '5', 0.1))).toBe(4.99);
    expect(stop(at('short', 5, 0.1))).toBe(5.01);
    // Between ticks: the tick past the entry on its loss side (short 4.995: 5.00, not the refused 4.99).
    expect(stop(at('short', '4.995', 0.1))).toBe(5);
    expect(stop(at('long', '5.005', 0.0001))).toBe(5);
    // Wide enough: as without the option.
    expect(stop(at('long', '5', 2))).toBe(4.9);
    expect(stop(at('short', '5.005', 0.1))).toBe(5.01);
    // The one tick past a long at the smallest tick is zero: still refused.
    expect(stop(at('long', '0.01', 0.1))).toBe('stop_not_positive');
  });

  it('rounds targets away from the entry and stops in the position favour, long and short', () => {
    const m = marketRules({ tick: '0.01', step: '0.001' });
    const settings = { levels: [{ profitPct: 1, closePct: 100 }], breakevenOffsetPct: 0.1 };
    const long = plan({ entryPrice: '100.03', market: m, settings });
    expect(long.levels[0]!.targetPrice).toBe(101.04); // 101.0303 → up
    expect(long.initialStopPrice).toBe(98.03); // 98.0294 → up (tighter)
    expect(long.breakevenTicks).toBe(10014); // 100.13003 → up
    const short = plan({ side: 'short', entryPrice: '100.03', market: m, settings });
    expect(short.levels[0]!.targetPrice).toBe(99.02); // 99.0297 → down
    expect(short.initialStopPrice).toBe(102.03); // 102.0306 → down (tighter)
    expect(short.breakevenTicks).toBe(9992); // 99.92997 → down
  });

  it('never rounds a target onto the entry, however small the profit', () => {
    const p = plan({ entryPrice: '60000.0', settings: { levels: [{ profitPct: 0.0001, closePct: 100 }] } });
    expect(p.levels[0]!.targetPrice).toBe(60000.1);
  });

  it('on a coarse step symbol (SOLUSDT, 1 contract) gives each level whole contracts', () => {
    const p = plan({ entryPrice: '150', market: SOL, quantitySteps: asSteps(5) });
    expect(qtys(p)).toEqual([1, 1, 3]);
  });

  it('skips a level below the minimum and rolls its quantity into the next (R3.1)', () => {
    // 200 USDT minimum at ~151.5 → 2 contracts; level 1 gets floor(5 × 30%) = 1 < 2.
    const p = plan({ entryPrice: '150', market: SOL, quantitySteps: asSteps(5), settings: { minOrderNotional: 200 } });
    expect(p.levels.map((l) => l.skipped)).toEqual(['below_minimum', null, null]);
    expect(qtys(p)).toEqual([0, 2, 3]);
    expect(p.levels[1]!.carriedInSteps).toBe(1);
  });

  it('closes the whole remainder at a level that would otherwise leave dust (R3.2)', () => {
    const m = marketRules({ tick: '0.1', step: '1', minQtySteps: 2 });
    const settings = { levels: [{ profitPct: 1, closePct: 50 }, { profitPct: 2, closePct: 40 }, { profitPct: 3, closePct: 10 }] };
    const p = plan({ market: m, entryPrice: '100', quantitySteps: asSteps(10), settings });
    expect(qtys(p)).toEqual([5, 5, 0]);
    expect(p.levels[1]!.closesRemainder).toBe(true);
    expect(p.levels[2]!.skipped).toBe('nothing_left');
  });

  it('a remainder the last level can close is no dust: an earlier level keeps its share, the level between is skipped (R3.1, R3.2), no fallback (R3.3)', () => {
    // Long 21 steps at 2000, 20.5 USDT minimum: TP1 2020 → 11 steps, TP2 2040 → 11, TP3 2070 → 10.
    // TP1 gets floor(21 × 55 %) = 11, leaving 10; TP2 floor(21 × 20 %) = 4 < 11 is skipped and rolls on;
    // TP3 closes the 10 (20.7 USDT ≥ 20.5). Two exits: no reason to close all at TP1 or to fall back.
    const m = marketRules({ tick: '0.01', step: '0.001' });
    const settings = { minOrderNotional: 20.5, levels: [{ profitPct: 1, closePct: 55 }, { profitPct: 2, closePct: 20 }, { profitPct: 3.5, closePct: 25 }] };
    const p = plan({ market: m, entryPrice: '2000', quantitySteps: asSteps(21), settings });
    expect(p.mode).toBe('scaled');
    expect(p.levels.map((l) => l.minSteps)).toEqual([11, 11, 10]);
    expect(qtys(p)).toEqual([11, 0, 10]);
    expect(p.levels.map((l) => l.skipped)).toEqual([null, 'below_minimum', null]);
    expect(p.levels[0]!.closesRemainder).toBe(false);
    expect(p.levels[2]!.carriedInSteps).toBe(4);
    expect(splitQuantity(21, settings.levels, [11, 11, 10]).map((x) => x.qtySteps)).toEqual([11, 0, 10]);
  });

  it('falls back to the single take-profit when the position is too small to split (R3.3)', () => {
    const p = plan({ entryPrice: '150', market: SOL, quantitySteps: asSteps(3) });
    expect(p.mode).toBe('single');
    expect(p.singleReason).toBe('too_small_to_split');
    expect(p.levels).toHaveLength(1);
    expect(p.levels[0]!.reason).toBe('tp');
    expect(p.levels[0]!.targetPrice).toBe(154.5);
    expect(p.levels[0]!.stopAfter).toBeNull();
  });

  it('without the fallback, closes the whole position at the last level (R3.3)', () => {
    const p = plan({ entryPrice: '150', market: SOL, quantitySteps: asSteps(3), settings: { fallbackToSingle: false } });
    expect(p.mode).toBe('scaled');
    expect(qtys(p)).toEqual([0, 0, 3]);
    expect(p.levels.map((l) => l.skipped)).toEqual(['too_small_to_split', 'too_small_to_split', null]);
  });

  it('uses the single take-profit when scaled TP is disabled', () => {
    const p = plan({ settings: { scaled: false } });
    expect(p.mode).toBe('single');
    expect(p.singleReason).toBe('disabled');
    expect(p.levels[0]!.targetPrice).toBe(61800);
  });

  it('ignores MIN_NOTIONAL for reduce-only exits on Binance USDⓈ-M, but applies it where it binds', () => {
    // 0.010 BTC: 30% = 0.003 BTC ≈ 182 USDT at TP1; with a 500 USDT exchange minimum that would be skipped.
    expect(qtys(plan({}))).toEqual([3, 3, 4]);
    const binding = marketRules({ tick: '0.1', step: '0.001', minNotional: 500, notionalBindsReduceOnly: true });
    expect(plan({ market: binding }).mode).toBe('single');
  });

  it('applies move_stop_to overrides: none, profit_pct and breakeven plus offset', () => {
    const p = plan({
      settings: {
        breakevenOffsetPct: 0.1,
        levels: [
          { profitPct: 1, closePct: 30, moveStopTo: 'none' },
          { profitPct: 2, closePct: 30, moveStopTo: { profitPct: 0.5 } },
          { profitPct: 3.5, closePct: 40, moveStopTo: 'breakeven' },
        ],
      },
    });
    expect(p.levels.map((l) => l.stopAfter && [l.stopAfter.price, l.stopAfter.rule])).toEqual([null, [60300, 'profit_pct'], [60060, 'breakeven']]);
  });

  it('previous_tp means the configured target of a skipped level too', () => {
    const p = plan({ entryPrice: '150', market: SOL, quantitySteps: asSteps(5), settings: { minOrderNotional: 200 } });
    expect(p.levels[1]!.stopAfter!.price).toBe(151.5);
  });

  it('reports a short target at or below zero as an error', () => {
    const r = planLadder({
      side: 'short',
      entryPrice: '1',
      quantitySteps: asSteps(1),
      market: BTC,
      settings: { ...DEFAULT_SETTINGS, levels: [{ profitPct: 100, closePct: 100 }] },
    });
    expect(r.ok).toBe(false);
    // The refusal names the level and the entry: a config of three levels said only "level at 120%".
    const third = planLadder({
      side: 'short',
      entryPrice: '50',
      quantitySteps: asSteps(3),
      market: BTC,
      settings: { ...DEFAULT_SETTINGS, levels: [{ profitPct: 1, closePct: 30 }, { profitPct: 2, closePct: 30 }, { profitPct: 120, closePct: 40 }] },
    });
    expect(!third.ok && third.error.message).toBe('level 3 (scaled_tp_levels[2].profit_pct 120%) puts a short\'s target at or below zero from the entry 50: a short gains at most 100 %');
    const single = planLadder({ side: 'short', entryPrice: '50', quantitySteps: asSteps(3), market: BTC, settings: { ...DEFAULT_SETTINGS, scaled: false, takeProfitPct: 100 } });
    expect(!single.ok && single.error.message).toBe("take_profit_pct 100% puts a short's target at or below zero from the entry 50: a short gains at most 100 %");
  });
});

describe('splitQuantity', () => {
  it('gives the last level whatever remains after flooring', () => {
    const specs = [{ profitPct: 1, closePct: 33.333333333 }, { profitPct: 2, closePct: 33.333333333 }, { profitPct: 3, closePct: 33.333333334 }];
    expect(splitQuantity(10, specs, [1, 1, 1]).map((s) => s.qtySteps)).toEqual([3, 3, 4]);
  });
});

describe('a one-level ladder', () => {
  it('keeps its own target: it never asked for a split, so it is not "too small to split"', () => {
    const p = plan({ settings: { levels: [{ profitPct: 1.5, closePct: 100 }] } });
    expect(p.mode).toBe('scaled');
    expect(p.levels[0]!.reason).toBe('tp1');
    expect(p.levels[0]!.targetPrice).toBe(60900);
  });
});

describe('exact rounding on the fast path', () => {
  it('agrees with exact rationals on round numbers, where the float estimate must defer', () => {
    // 60000 × 1.01 = 60600 exactly: the float estimate sits on a whole tick and the exact path decides.
    const p = plan({ entryPrice: 60000 });
    expect(p.levels.map((l) => l.targetTicks)).toEqual([606000, 612000, 621000]);
    // 0.1 + 0.2 style inputs: 100.3 × 1.1 % = 101.4033 → ceil to 101.41 on a 0.01 tick.
    const m = marketRules({ tick: '0.01', step: '0.001' });
    const q = plan({ entryPrice: 0.1 + 100.2, market: m, settings: { levels: [{ profitPct: 1.1, closePct: 50 }, { profitPct: 2, closePct: 50 }] } });
    expect(q.levels[0]!.targetPrice).toBe(101.41);
  });
});
