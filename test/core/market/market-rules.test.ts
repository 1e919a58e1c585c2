import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type MarketRules, formatPrice, formatQty, marketsFromExchangeInfo, priceToTicks, qtyToSteps, stepsToQty, ticksToPrice } from '../../../src/core/market/index.ts';
import { asSteps, asTicks } from '../../../src/core/units.ts';
import { loadSnapshot } from './snapshot.ts';

const numRuns = Number(process.env.FC_NUM_RUNS ?? 300);
const parsed = marketsFromExchangeInfo(loadSnapshot());
if (!parsed.ok) throw new Error(parsed.error.join('\n'));
const markets = parsed.value;
const market = (id: string): MarketRules => {
  const m = markets.get(id);
  if (!m) throw new Error(`no ${id}`);
  return m;
};
const BTC = market('BTCUSDT');
const SOL = market('SOLUSDT');
const DOGE = market('DOGEUSDT');

const arbMarket = fc.constantFrom(...markets.values());
/** Typical sizes and the whole safe-integer range. */
const arbCount = fc.oneof(fc.integer({ min: 0, max: 10_000_000 }), fc.maxSafeNat());

describe('price and quantity conversions on all 347 real symbols', () => {
  it('formatPrice then priceToTicks gives the same ticks back, rounding either way', () =>
    fc.assert(
      fc.property(arbMarket, arbCount, (m, n) => {
        const t = asTicks(n);
        const text = formatPrice(t, m);
        return priceToTicks(text, m, 'down') === t && priceToTicks(text, m, 'up') === t;
      }),
      { numRuns },
    ));

  it('ticksToPrice is the double of the exchange text: ticksToPrice(t) === Number(formatPrice(t))', () =>
    fc.assert(
      fc.property(arbMarket, arbCount, (m, n) => ticksToPrice(asTicks(n), m) === Number(formatPrice(asTicks(n), m))),
      { numRuns },
    ));

  it('formatQty then qtyToSteps gives the same steps back, and stepsToQty === Number(formatQty)', () =>
    fc.assert(
      fc.property(arbMarket, arbCount, (m, n) => {
        const s = asSteps(n);
        const text = formatQty(s, m);
        return qtyToSteps(text, m) === s && qtyToSteps(text, m, 'up') === s && stepsToQty(s, m) === Number(text);
      }),
      { numRuns },
    ));

  it('a quantity given as a number rounds as its own shortest text does (the float shortcut never differs)', () =>
    fc.assert(
      fc.property(
        arbMarket,
        fc.oneof(fc.double({ min: 0, max: 1e7, noNaN: true }), arbCount.map((n) => n / 1000), fc.integer({ min: 0, max: 10 ** 9 }).map((n) => n * 0.001)),
        (m, q) => qtyToSteps(q, m) === qtyToSteps(String(q), m) && qtyToSteps(q, m, 'up') === qtyToSteps(String(q), m, 'up'),
      ),
      { numRuns },
    ));

  it('a price or quantity passed as a number (≤ 15 digits) converts back to the same ticks and steps', () =>
    fc.assert(
      fc.property(arbMarket, fc.integer({ min: 0, max: 10 ** 15 - 1 }), (m, n) => {
        const t = asTicks(n);
        const s = asSteps(n);
        return priceToTicks(ticksToPrice(t, m), m, 'down') === t && priceToTicks(ticksToPrice(t, m), m, 'up') === t && qtyToSteps(stepsToQty(s, m), m) === s;
      }),
      { numRuns },
    ));

  it('an off-grid price lies strictly between its down and up ticks, one tick apart', () =>
    fc.assert(
      fc.property(arbMarket, fc.integer({ min: 0, max: 10 ** 12 }), fc.integer({ min: 1, max: 9 }), (m, n, digit) => {
        const text = `${formatPrice(asTicks(n), m)}${formatPrice(asTicks(n), m).includes('.') ? '' : '.'}${'0'.repeat(m.tickSize.scale)}${digit}`;
        return priceToTicks(text, m, 'down') === n && priceToTicks(text, m, 'up') === n + 1;
      }),
      { numRuns },
    ));
});

describe('directed rounding of off-grid prices and quantities', () => {
  const cases: { name: string; m: MarketRules; price: string | number; down: number; up: number }[] = [
    { name: 'BTC 65000.05 lies between ticks 650000 and 650001', m: BTC, price: '65000.05', down: 650_000, up: 650_001 },
    { name: 'BTC 65000.10 (trailing zero) is on the grid', m: BTC, price: '65000.10', down: 650_001, up: 650_001 },
    { name: 'BTC 0.1 + 0.2 as a float is just above 0.3 and rounds up to tick 4', m: BTC, price: 0.1 + 0.2, down: 3, up: 4 },
    { name: 'DOGE 0.1 + 0.2 (0.30000000000000004) rounds down to 0.3 and up to 0.30001', m: DOGE, price: 0.1 + 0.2, down: 30_000, up: 30_001 },
    { name: 'DOGE 0.123456 rounds to 0.12345 / 0.12346', m: DOGE, price: '0.123456', down: 12_345, up: 12_346 },
    { name: 'SOL 150.005 rounds to 150.00 / 150.01', m: SOL, price: '150.005', down: 15_000, up: 15_001 },
    { name: 'SOL 1e2 in exponent form is on the grid', m: SOL, price: '1e2', down: 10_000, up: 10_000 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(priceToTicks(c.price, c.m, 'down')).toBe(c.down);
      expect(priceToTicks(c.price, c.m, 'up')).toBe(c.up);
    });
  }

  it('rounds quantities down by default and up on request: BTC 0.0126 is 12 or 13 steps', () => {
    expect(qtyToSteps('0.0126', BTC)).toBe(12);
    expect(qtyToSteps(0.0126, BTC, 'up')).toBe(13);
    expect(formatQty(asSteps(12), BTC)).toBe('0.012');
  });

  it('rounds SOL quantities to whole coins: 2.5 is 2 down, 3 up', () => {
    expect(qtyToSteps('2.5', SOL)).toBe(2);
    expect(qtyToSteps('2.5', SOL, 'up')).toBe(3);
    expect(formatQty(asSteps(3), SOL)).toBe('3');
  });

  it('prints prices as the exchange would, without trailing zeros', () => {
    expect(formatPrice(asTicks(650_001), BTC)).toBe('65000.1');
    expect(formatPrice(asTicks(650_000), BTC)).toBe('65000');
    expect(formatPrice(asTicks(12_345), DOGE)).toBe('0.12345');
    expect(formatPrice(asTicks(1), DOGE)).toBe('0.00001');
    expect(ticksToPrice(asTicks(12_345), DOGE)).toBe(0.12345);
  });
});
