import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ceilRatio, floorRatio, formatScaled, parseDec, scaledToNumber } from '../../src/core/decimal.ts';

const runs = Number(process.env.FC_NUM_RUNS ?? 300);

describe('decimal', () => {
  it('parses exchange strings with trailing zeros exactly', () => {
    expect(parseDec('0.0100')).toEqual({ int: 100n, scale: 4 });
    expect(parseDec('-1.5')).toEqual({ int: -15n, scale: 1 });
    expect(parseDec('1e-8')).toEqual({ int: 1n, scale: 8 });
    expect(parseDec('2E3')).toEqual({ int: 2000n, scale: 0 });
    expect(parseDec('.5')).toEqual({ int: 5n, scale: 1 });
  });

  it('rejects text that is not a number', () => {
    for (const bad of ['', 'abc', '1.2.3', '1,5', 'NaN']) expect(() => parseDec(bad)).toThrow(/not a decimal/);
  });

  it('floors and ceils negative and positive rationals', () => {
    expect(floorRatio({ num: 7n, den: 2n })).toBe(3n);
    expect(ceilRatio({ num: 7n, den: 2n })).toBe(4n);
    expect(floorRatio({ num: -7n, den: 2n })).toBe(-4n);
    expect(ceilRatio({ num: -7n, den: 2n })).toBe(-3n);
    expect(ceilRatio({ num: 6n, den: 2n })).toBe(3n);
  });

  it('formats n × unit exactly and the number equals parsing that text', () =>
    fc.assert(
      fc.property(fc.integer({ min: -1e12, max: 1e12 }), fc.constantFrom('0.1', '0.01', '0.0001', '0.000010', '1', '0.5', '0.001'), (n, unit) => {
        const text = formatScaled(n, parseDec(unit));
        expect(scaledToNumber(n, parseDec(unit))).toBe(Number(text));
      }),
      { numRuns: runs },
    ));
});
