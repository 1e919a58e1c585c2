import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatScaled, parseDec } from '../../src/core/decimal.ts';
import { slipped, slippedText } from '../../src/core/fill-model.ts';
import { planLadder } from '../../src/core/scaled-tp/ladder-plan.ts';
import { marketRules } from '../support/market.ts';
import { DEFAULT_SETTINGS } from '../support/settings.ts';
import { asSteps } from '../../src/core/units.ts';

const runs = Number(process.env.FC_NUM_RUNS ?? 300);
const TICK = parseDec('0.01');
const ETH = marketRules({ id: 'ETHUSDT', tick: '0.01', step: '0.001' });

describe('slippage is exact (SPEC "Entry fill and slippage")', () => {
  it('114 sold at 0.5 % is 113.43 (binary floating point gives 113.42999999999999)', () => {
    expect(114 * (1 - 0.5 / 100)).not.toBe(113.43);
    expect(slipped(114, false, 0.5)).toBe(113.43);
    expect(slippedText(114, false, 0.5)).toBe('113.43');
    expect(slipped(114, true, 0.5)).toBe(114.57);
    expect(slipped(112.29, true, 0.5)).toBe(112.85145);
    expect(slipped(114, true, 0)).toBe(114);
  });

  it('the breakeven stop of that short is on its exact tick: 113.43, not 113.42', () => {
    const plan = planLadder({ side: 'short', entryPrice: slippedText(114, false, 0.5), quantitySteps: asSteps(10_000), market: ETH, settings: DEFAULT_SETTINGS });
    if (!plan.ok) throw new Error(plan.error.message);
    expect(plan.value.entryPrice).toBe(113.43);
    expect(plan.value.breakevenTicks).toBe(11343);
    expect(plan.value.levels[0]!.stopAfter?.price).toBe(113.43);
    expect(plan.value.initialStopPrice).toBe(115.69); // 115.6986 down for a short
    expect(plan.value.levels.map((l) => l.targetPrice)).toEqual([112.29, 111.16, 109.45]); // 112.2957, 111.1614, 109.45995 down
  });

  it('a fill on a whole tick gives a breakeven on that tick, either side, for any slippage of up to 3 decimals', () => {
    // price = p ticks of 0.01; slippage s/1000 %. The exact fill p × (100000 ± s) / 100000 ticks is whole
    // when 100000 divides p × (100000 ± s); then the breakeven (offset 0) must be exactly that many ticks.
    const m = marketRules({ tick: '0.01', step: '0.001' });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 99_999 }), fc.integer({ min: 1, max: 9_999 }), fc.boolean(), (k, s, buy) => {
        const factor = buy ? 100_000 + s : 100_000 - s;
        const p = (100_000 * k) / gcd(factor, 100_000); // ticks such that p × factor / 100000 is whole
        const ticks = (p * factor) / 100_000;
        if (!Number.isSafeInteger(p * factor)) return;
        const price = p / 100;
        const text = slippedText(price, buy, s / 1000);
        expect(text).toBe(formatScaled(ticks, TICK));
        for (const side of ['long', 'short'] as const) {
          const plan = planLadder({ side, entryPrice: text, quantitySteps: asSteps(1000), market: m, settings: DEFAULT_SETTINGS });
          if (plan.ok) expect(plan.value.breakevenTicks).toBe(ticks);
        }
        expect(slipped(price, buy, s / 1000)).toBe(Number(text));
      }),
      { numRuns: runs },
    );
  });
});

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}
