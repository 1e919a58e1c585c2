import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { add, ceilRatio, decOf, div, floorRatio, intRatio, mul, ratioOf } from '../../../src/core/decimal.ts';
import type { MarketRules } from '../../../src/core/market/market-rules.ts';
import { stopTicksAt, targetTicks } from '../../../src/core/scaled-tp/price-math.ts';
import type { Side } from '../../../src/core/units.ts';
import { marketRules } from '../../support/market.ts';

const runs = Number(process.env.FC_NUM_RUNS ?? 300);

/** The exact answer, BigInt rationals only: entry (its shortest text) × (1 + pct/100) / tick, rounded. */
function exactTicks(entry: number, signedPct: number, m: MarketRules, up: boolean): number {
  const r = div(mul(ratioOf(decOf(entry)), div(add(intRatio(100), ratioOf(decOf(signedPct))), intRatio(100))), ratioOf(m.tickSize));
  return Number(up ? ceilRatio(r) : floorRatio(r));
}

const TICKS = ['0.1', '0.01', '0.001', '0.0001', '0.00001', '0.000001', '0.0000001', '1', '0.5', '0.05', '0.025'];
const sides = fc.constantFrom<Side>('long', 'short');

describe('price math against the exact rationals', () => {
  // The float estimate answers most cases; an entry on the tick with a 0 % offset (the breakeven
  // stop) is exactly on a tick and takes a shortcut of its own. Both must equal the exact answer.
  it('an entry on the tick: the breakeven stop is the entry itself, from either side', () =>
    fc.assert(
      fc.property(fc.constantFrom(...TICKS), fc.integer({ min: 1, max: 2_000_000_000 }), sides, (tick, r, side) => {
        const m = marketRules({ tick, step: '1' });
        const entry = Number(decOf(tick).int * BigInt(r)) / 10 ** decOf(tick).scale;
        expect(stopTicksAt(entry, 0, side, m)).toBe(exactTicks(entry, 0, m, side === 'long'));
      }),
      { numRuns: runs },
    ));

  it('any entry and offset: stops round in the position favour, targets away from the entry', () =>
    fc.assert(
      fc.property(
        fc.constantFrom(...TICKS),
        fc.oneof(fc.double({ min: 1e-4, max: 2e5, noNaN: true }), fc.integer({ min: 1, max: 200_000 }).map((x) => x / 10)),
        fc.oneof(fc.constant(0), fc.constantFrom(0.1, 1, 2, 3.5, -1, -2.5), fc.double({ min: -50, max: 50, noNaN: true })),
        sides,
        (tick, entry, pct, side) => {
          const m = marketRules({ tick, step: '1' });
          const long = side === 'long';
          expect(stopTicksAt(entry, pct, side, m)).toBe(exactTicks(entry, long ? pct : -pct, m, long));
          if (pct > 0) expect(targetTicks(entry, pct, side, m)).toBe(exactTicks(entry, long ? pct : -pct, m, long));
        },
      ),
      { numRuns: runs },
    ));

  it('an entry just off the tick is not taken for one on it', () => {
    const m = marketRules({ tick: '0.1', step: '1' });
    expect(stopTicksAt(100.00000000001, 0, 'long', m)).toBe(1001);
    expect(stopTicksAt(100.00000000001, 0, 'short', m)).toBe(1000);
    expect(stopTicksAt(99.99999999999, 0, 'long', m)).toBe(1000);
    expect(stopTicksAt(99.99999999999, 0, 'short', m)).toBe(999);
    expect(stopTicksAt(100, 0, 'long', m)).toBe(1000);
    expect(stopTicksAt(100, 0, 'short', m)).toBe(1000);
  });
});
