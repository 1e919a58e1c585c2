import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDecimal } from '../../src/data/parse-number.ts';

const numRuns = Number(process.env.FC_NUM_RUNS ?? 300);
const digits = (min: number, max: number): fc.Arbitrary<string> =>
  fc.string({ unit: fc.constantFrom(...'0123456789'.split('')), minLength: min, maxLength: max });

/** Same double as Number(text), including -0 (Object.is tells -0 from 0). */
const sameAsNumber = (text: string): boolean => Object.is(parseDecimal(text), Number(text));

describe('parseDecimal', () => {
  it('gives the same double as Number() for random decimals of up to 40 digits', () =>
    fc.assert(
      fc.property(fc.constantFrom('', '-', '+'), digits(0, 20), fc.boolean(), digits(0, 20), (sign, int, dot, frac) => {
        fc.pre(int.length + frac.length > 0 && (dot || frac === ''));
        return sameAsNumber(`${sign}${int}${dot ? '.' : ''}${frac}`);
      }),
      { numRuns },
    ));

  it('gives the same double as Number() for Binance-style prices with 8 decimals', () =>
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 999_999_999 }), fc.integer({ min: 0, max: 99_999_999 }), (whole, frac) =>
        sameAsNumber(`${whole}.${String(frac).padStart(8, '0')}`),
      ),
      { numRuns },
    ));

  it('gives the same double as Number() for doubles printed by JavaScript (17 significant digits)', () =>
    fc.assert(
      fc.property(fc.double({ min: 1e-6, max: 1e12, noNaN: true }), (x) => {
        const text = x.toFixed(Math.max(0, Math.min(20, 16 - Math.floor(Math.log10(x)))));
        return sameAsNumber(text);
      }),
      { numRuns },
    ));

  it('takes exponents and very long numbers through Number()', () => {
    for (const t of ['1e5', '1.5E-7', '-2.5e+3', '123456789012345678901234567890', '0.1000000000000000055511151231257827', '9007199254740993', '9007199254740992.0']) {
      expect(Object.is(parseDecimal(t), Number(t)), t).toBe(true);
    }
  });

  it('keeps trailing fraction zeros from costing precision ("123456789.00000000")', () => {
    for (const t of ['123456789.00000000', '98765432109.87600000', '0.00000100000000000000000000', '46216.93000000']) {
      expect(parseDecimal(t)).toBe(Number(t));
    }
  });

  it('returns NaN for text that is not a decimal number', () => {
    for (const t of ['', '-', '.', 'abc', '1.2.3', '0x10', 'Infinity', 'NaN', '1e', ' 1', '1 ', '1,5', '--1', '1_000']) {
      expect(parseDecimal(t), JSON.stringify(t)).toBeNaN();
    }
  });
});
