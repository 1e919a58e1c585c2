import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type MarketRules, stepsToQty } from '../../src/core/market/market-rules.ts';
import { EntrySizer, entryBelowMinimum, entrySteps, maxEntrySteps } from '../../src/core/position-size.ts';
import { asSteps } from '../../src/core/units.ts';
import { BTC, marketRules } from '../support/market.ts';

// BTCUSDT's real maximums: LOT_SIZE 1000 BTC, MARKET_LOT_SIZE 120 BTC (steps of 0.001).
const BTC_MAX: MarketRules = { ...BTC, maxQtySteps: { limit: asSteps(1_000_000), market: asSteps(120_000) } };

describe('entry size', () => {
  it('is capped at the lower of the market and limit maximum quantities, so every exit fits one order', () => {
    expect(maxEntrySteps(BTC_MAX)).toBe(120_000);
    expect(entrySteps({ mode: 'base', value: 500 }, 60000, 1e9, 2, BTC_MAX)).toBe(120_000);
    expect(stepsToQty(entrySteps({ mode: 'quote', value: 50_000_000 }, 60000, 1e9, 2, BTC_MAX), BTC_MAX)).toBe(120);
    // 10 % of 10^9 at risk with a 1 % stop would be 166,666 BTC.
    expect(entrySteps({ mode: 'risk_pct', value: 10 }, 60000, 1e9, 1, BTC_MAX)).toBe(120_000);
    expect(entrySteps({ mode: 'base', value: 119.9999 }, 60000, 1e9, 2, BTC_MAX)).toBe(119_999);
  });

  it('below the maximum it is the configured size rounded down to the step', () => {
    expect(entrySteps({ mode: 'quote', value: 1000 }, 60000, 10_000, 2, BTC_MAX)).toBe(16);
    expect(entrySteps({ mode: 'base', value: 0 }, 60000, 10_000, 2, BTC_MAX)).toBe(0);
  });

  it('an entry below minQty or MIN_NOTIONAL is refused with the reason', () => {
    expect(entryBelowMinimum(asSteps(0), 60000, BTC)?.why).toBe('below_min_qty');
    expect(entryBelowMinimum(asSteps(1), 60000, BTC)?.why).toBe('below_min_notional'); // 60 USDT < 100
    expect(entryBelowMinimum(asSteps(2), 60000, BTC)).toBeNull();
  });
});

describe('entrySteps is exact for quote and risk_pct sizing (the inputs as the decimals they print as)', () => {
  const m = marketRules({ tick: '0.0001', step: '0.001' });
  it('risk 3 % of 10,000 at a 1.5 % stop from 12.8 is 1562.5 exactly, not a step short (binary floating point: 1562.4999…)', () => {
    expect(entrySteps({ mode: 'risk_pct', value: 3 }, 12.8, 10_000, 1.5, m)).toBe(1_562_500);
    // 0.3 USDT at 0.1 is 3 units (0.3 / 0.1 = 2.9999999999999996 in doubles).
    expect(entrySteps({ mode: 'quote', value: 0.3 }, 0.1, 10_000, 2, marketRules({ tick: '0.0001', step: '1' }))).toBe(3);
  });

  it('equals floor of the exact quotient for random decimals near and off whole steps', () => {
    const dec = (digits: number, scale: number) => fc.integer({ min: 1, max: 10 ** digits }).map((n) => Number((n / 10 ** scale).toFixed(scale)));
    const exact = (num: [number, number][], den: [number, number][], step: bigint): number => {
      // Each [value, scale]: value × 10^scale is a whole number.
      const big = (x: number, s: number) => BigInt(Math.round(x * 10 ** s));
      let n = 1n;
      let d = step; // the step in thousandths
      let ns = 0;
      let ds = 3;
      for (const [x, s] of num) {
        n *= big(x, s);
        ns += s;
      }
      for (const [x, s] of den) {
        d *= big(x, s);
        ds += s;
      }
      // n / 10^ns ÷ (d / 10^ds) = n × 10^ds / (d × 10^ns)
      return Number((n * 10n ** BigInt(ds)) / (d * 10n ** BigInt(ns)));
    };
    fc.assert(
      fc.property(dec(6, 2), dec(6, 1), dec(4, 2), dec(3, 1), (equity, price, risk, stop) => {
        expect(entrySteps({ mode: 'risk_pct', value: risk }, price, equity, stop, m)).toBe(exact([[equity, 2], [risk, 2]], [[price, 1], [stop, 1]], 1n));
        expect(entrySteps({ mode: 'quote', value: equity }, price, 0, stop, m)).toBe(exact([[equity, 2]], [[price, 1]], 1n));
      }),
      { numRuns: Number(process.env.FC_NUM_RUNS ?? 2000) },
    );
  });
});

describe('EntrySizer (one market, its step and maximum worked out once)', () => {
  it('sizes, refuses and converts as entrySteps, entryBelowMinimum and stepsToQty do, on any market', () => {
    const market = fc.record({
      step: fc.constantFrom('1', '0.1', '0.001', '0.00001', '5', '0.5'),
      minQtySteps: fc.integer({ min: 1, max: 50 }),
      minNotional: fc.constantFrom(0, 5, 100),
      max: fc.integer({ min: 1, max: 10_000_000 }),
    });
    const size = fc.record({ mode: fc.constantFrom<'quote' | 'base' | 'risk_pct'>('quote', 'base', 'risk_pct'), value: fc.double({ min: 0, max: 1e6, noNaN: true }) });
    fc.assert(
      fc.property(market, size, fc.double({ min: 1e-6, max: 1e6, noNaN: true }), fc.double({ min: 0, max: 1e7, noNaN: true }), fc.double({ min: 0.01, max: 50, noNaN: true }), (mk, sz, price, equity, stop) => {
        const m: MarketRules = { ...marketRules({ tick: '0.0001', step: mk.step, minQtySteps: mk.minQtySteps, minNotional: mk.minNotional }), maxQtySteps: { limit: asSteps(mk.max), market: asSteps(mk.max) } };
        const sizer = new EntrySizer(m);
        const steps = entrySteps(sz, price, equity, stop, m);
        expect(sizer.steps(sz, price, equity, stop)).toBe(steps);
        expect(sizer.maxSteps).toBe(maxEntrySteps(m));
        expect(sizer.belowMinimum(steps, price)).toEqual(entryBelowMinimum(steps, price, m));
        expect(sizer.qty(steps)).toBe(stepsToQty(steps, m));
      }),
      { numRuns: Number(process.env.FC_NUM_RUNS ?? 2000) },
    );
  });
});
