import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ceilRatio, decOf, div, floorRatio, formatScaled, mul, parseDec, ratioOf } from '../../../src/core/decimal.ts';
import { EntryTicks, pctFactor, shareOf } from '../../../src/core/scaled-tp/entry-ticks.ts';
import { planLadder } from '../../../src/core/scaled-tp/ladder-plan.ts';
import { shareOfSteps, stopTicksAt, targetTicks } from '../../../src/core/scaled-tp/price-math.ts';
import type { ExitSettings } from '../../../src/core/scaled-tp/settings.ts';
import { type Side, asSteps } from '../../../src/core/units.ts';
import { marketRules } from '../../support/market.ts';

const numRuns = Number(process.env.FC_NUM_RUNS ?? 1000);

/** entry × (100 + pct) / 100 / tick rounded up or down, in exact BigInt rationals (the definition). */
function exactTicks(entry: string | number, pct: number, tick: string, up: boolean): number {
  const factor = { num: parseDec(String(pct)).int + 100n * 10n ** BigInt(parseDec(String(pct)).scale), den: 100n * 10n ** BigInt(parseDec(String(pct)).scale) };
  const r = div(mul(ratioOf(decOf(entry)), factor), ratioOf(parseDec(tick)));
  return Number(up ? ceilRatio(r) : floorRatio(r));
}

const TICKS = ['1', '0.5', '0.1', '0.01', '0.001', '0.0001', '0.00001', '0.0000001', '0.25', '0.005', '10'];
/** Percentages as configs write them: short decimals, some with many digits, and ATR-like doubles. */
const arbPct = fc.oneof(
  fc.integer({ min: -9_900, max: 50_000 }).map((x) => x / 100),
  fc.integer({ min: -99_000, max: 500_000 }).map((x) => x / 1000),
  fc.double({ min: -99, max: 500, noNaN: true }),
);
/** Entries: on a tick, a tenth off it, random doubles, and near powers of ten (the shortest text's edge cases). */
const arbEntry = fc.oneof(
  fc.tuple(fc.constantFrom(...TICKS), fc.integer({ min: 1, max: 50_000_000 })).map(([t, n]) => Number(formatScaled(n, parseDec(t)))),
  fc.tuple(fc.integer({ min: 1, max: 99_999_999 }), fc.integer({ min: 0, max: 12 })).map(([n, d]) => n / 10 ** d),
  fc.double({ min: 1e-8, max: 1e9, noNaN: true }),
  fc.tuple(fc.integer({ min: -8, max: 8 }), fc.integer({ min: -3, max: 3 })).map(([e, k]) => 10 ** e + k * Number.EPSILON * 10 ** e),
  // 15-16 significant digits, a few ulps off: where a decimal that gives the double back need not be its shortest text
  fc.tuple(fc.integer({ min: 2 ** 47, max: 2 ** 53 }), fc.integer({ min: 5, max: 15 }), fc.integer({ min: -3, max: 3 })).map(([n, d, k]) => {
    const x = n / 10 ** d;
    return x + k * Number.EPSILON * x;
  }),
);

describe('EntryTicks: targets and stops in integers, equal to the exact rationals', () => {
  it('ticks(pctFactor(pct), up) is floor/ceil of entry × (100 + pct) / 100 / tick whenever it answers', () => {
    let answered = 0;
    fc.assert(
      fc.property(arbEntry, arbPct, fc.constantFrom(...TICKS), fc.boolean(), (entry, pct, tick, up) => {
        const m = marketRules({ tick, step: '0.001' });
        const et = new EntryTicks({ int: Number(m.tickSize.int), scale: m.tickSize.scale });
        et.read(entry);
        const t = et.ticks(pctFactor(pct), up);
        if (Number.isNaN(t)) return;
        answered++;
        expect(t).toBe(exactTicks(entry, pct, tick, up));
        // and what the core's functions give (the planner's fallback)
        expect(t).toBe(up ? stopTicksAt(entry, pct, 'long', m) : stopTicksAt(entry, -pct, 'short', m));
      }),
      { numRuns },
    );
    // The property is not vacuous: most draws are in the integer path's range.
    expect(answered).toBeGreaterThan(numRuns / 6);
  });

  it('answers on the common path: an entry on the tick with the settings percentages (no BigInt there)', () => {
    const et = new EntryTicks({ int: 1, scale: 1 });
    expect(et.read(60000.1)).toBe(true);
    expect(et.ticks(pctFactor(1), true)).toBe(606002); // 60600.101 → up
    expect(et.ticks(pctFactor(0), true)).toBe(600001); // the breakeven of an entry on the tick
    expect(et.ticks(pctFactor(-2), false)).toBe(588000); // 58800.098 → down
  });

  it('a slipped fill as text is read exactly; other texts and unreadable numbers answer NaN', () => {
    const et = new EntryTicks({ int: 1, scale: 2 });
    expect(et.read('113.43')).toBe(true);
    expect(et.ticks(pctFactor(0), false)).toBe(11343);
    for (const bad of ['1.1343e2', '-113.43', '.5', '5.', '', '12345678901234567']) {
      expect(et.read(bad)).toBe(false);
      expect(et.ticks(pctFactor(1), true)).toBeNaN();
    }
    expect(et.read(Number.MAX_SAFE_INTEGER)).toBe(false);
    expect(et.read(0.1 + 0.2)).toBe(false); // 0.30000000000000004: 17 digits, beyond the exact reading
  });

  it('shareOf(q, pctFactor(closePct)) is floor(q × closePct / 100), as shareOfSteps', () =>
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 40 }), fc.oneof(fc.integer({ min: 1, max: 10_000 }).map((x) => x / 100), fc.double({ min: 0.001, max: 100, noNaN: true })), (q, pct) => {
        const s = shareOf(q, pctFactor(pct));
        if (!Number.isNaN(s)) expect(s).toBe(shareOfSteps(q, pct));
      }),
      { numRuns },
    ));
});

describe('the planner with the integer path equals the planner on the exact path', () => {
  const settings = (scaled: boolean, be: number, rule: number): ExitSettings => ({
    scaled,
    levels: [
      { profitPct: 1, closePct: 30, moveStopTo: 'breakeven' },
      { profitPct: 2.05, closePct: 33.3 },
      { profitPct: 3.5, closePct: 36.7, moveStopTo: { profitPct: rule } },
    ],
    minOrderNotional: 0,
    fallbackToSingle: true,
    execution: 'market',
    breakevenOffsetPct: be,
    stopLossPct: 2,
    takeProfitPct: 3,
  });

  it('every target, stop and quantity of a plan is the one the exact BigInt path gives', () =>
    fc.assert(
      fc.property(
        arbEntry,
        fc.constantFrom(...TICKS),
        fc.constantFrom<Side>('long', 'short'),
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.boolean(),
        fc.constantFrom(0, 0.05, 0.1),
        fc.constantFrom(0.5, 1.25),
        fc.option(fc.double({ min: 0.1, max: 20, noNaN: true }), { nil: undefined }),
        (entry, tick, side, qty, scaled, be, rule, stopLossPct) => {
          const market = marketRules({ tick, step: '0.001' });
          if (entry / Number(tick) > 1e14) return; // beyond safe-integer ticks both paths throw (asTicks)
          const s = settings(scaled, be, rule);
          const base = { side, quantitySteps: asSteps(qty), market, settings: s, ...(stopLossPct === undefined ? {} : { stopLossPct }) };
          const fast = planLadder({ ...base, entryPrice: entry });
          // The same decimal in exponent form: the integer reader refuses it, so every level takes the exact path.
          const d = decOf(entry);
          const exact = planLadder({ ...base, entryPrice: `${d.int}e-${d.scale}` });
          // (an error's message quotes the entry as given, so errors are compared by their code)
          expect(fast.ok ? fast.value : fast.error.code).toEqual(exact.ok ? exact.value : exact.error.code);
          if (fast.ok) expect(fast.value.levels.map((l) => l.targetTicks)).toEqual(fast.value.levels.map((l) => targetTicks(entry, l.profitPct, side, market)));
        },
      ),
      { numRuns: Math.ceil(numRuns / 4) },
    ));
});
