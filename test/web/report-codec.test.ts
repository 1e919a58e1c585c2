import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBase85, encodeBase85 } from '../../src/web/components/base85.ts';
import { decodeColumn, decodeTextColumn, encodeColumn, encodeTextColumn, exactScale } from '../../src/web/components/column-codec.ts';
import { canonicalJson, configSha256 } from '../../src/web/config-hash.ts';

const roundTrip = (values: number[], o = {}) => {
  const { spec, bytes } = encodeColumn(values, o);
  expect(bytes.length).toBe(spec.bytes);
  return Array.from(decodeColumn(bytes, 0, spec));
};

describe('report column codec', () => {
  it('P exact: any doubles come back as the same doubles (scaled integers, or raw when no scale fits)', () =>
    fc.assert(fc.property(fc.array(fc.double({ noNaN: true, noDefaultInfinity: true })), fc.boolean(), (xs, delta) => {
      expect(roundTrip(xs, { delta }).map((x) => x + 0)).toEqual(xs.map((x) => x + 0));
    })));

  it('P exact: decimal prices come back exactly, in a few bytes each', () =>
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 10_000_000 }), { minLength: 1 }), fc.integer({ min: 0, max: 8 }), (ints, dec) => {
        const xs = ints.map((i) => i / 10 ** dec);
        const { spec } = encodeColumn(xs);
        expect(spec.f64).toBeUndefined();
        expect(roundTrip(xs)).toEqual(xs);
      }),
    ));

  it('finds the smallest exact scale: hours in ms at 10^5, cents at 2, a third at none', () => {
    expect(exactScale([3_600_000, 7_200_000])).toBe(-5);
    expect(exactScale([77_850.01, 1.5])).toBe(2);
    expect(exactScale([1 / 3])).toBeNull();
    expect(exactScale([Number.NaN])).toBeNull();
  });

  it('rounds a money column to the decimals it is asked for, and says so', () => {
    const { spec, bytes } = encodeColumn([0.123456789, -2.5000049], { roundTo: 4, delta: false });
    expect(spec.roundedTo).toBe(4);
    expect(Array.from(decodeColumn(bytes, 0, spec))).toEqual([0.1235, -2.5]);
  });

  it('reads a column at an offset inside a blob and refuses one whose bytes do not match', () => {
    const a = encodeColumn([1, 2, 3]);
    const b = encodeColumn([10.5, 11.25]);
    const blob = new Uint8Array([...a.bytes, ...b.bytes]);
    expect(Array.from(decodeColumn(blob, a.spec.bytes, b.spec))).toEqual([10.5, 11.25]);
    expect(() => decodeColumn(blob, 0, { ...a.spec, n: 2 })).toThrow(/took \d+ bytes, \d+ expected/);
    expect(() => decodeColumn(blob.subarray(0, 2), 0, a.spec)).toThrow(/ends early/);
  });

  it('keeps text values and refuses one holding a newline', () => {
    const { spec, bytes } = encodeTextColumn(['BTCUSDT-1', 'ü manual', '']);
    expect(decodeTextColumn(bytes, 0, spec)).toEqual(['BTCUSDT-1', 'ü manual', '']);
    expect(() => encodeTextColumn(['a\nb'])).toThrow(/newline/);
  });
});

describe('base85 (the report blobs as text)', () => {
  it('P round trip: any bytes come back, 5 characters per 4 bytes', () =>
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const text = encodeBase85(bytes);
        expect(text.length).toBe(1 + Math.ceil(bytes.length / 4) * 5);
        expect(Array.from(decodeBase85(text))).toEqual(Array.from(bytes));
      }),
    ));

  it('never writes a character that could end or escape a script element', () =>
    fc.assert(fc.property(fc.uint8Array({ minLength: 1, maxLength: 400 }), (bytes) => {
      expect(encodeBase85(bytes)).not.toMatch(/[<>&"'\\`/~\s]/);
    })));

  it('refuses text that is not base85', () => {
    expect(() => decodeBase85('0abc')).toThrow(/whole number of groups/);
    expect(() => decodeBase85('0ab<de')).toThrow(/not in the alphabet/);
  });
});

describe('config hash', () => {
  it('is the SHA-256 of the JSON with keys sorted at every depth: key order does not change it', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[2,{"y":2,"z":1}]},"b":1}');
    expect(configSha256({ b: 1, a: 2 })).toBe(configSha256({ a: 2, b: 1 }));
    // sha256('{"a":2,"b":1}'), computed with `printf '{"a":2,"b":1}' | sha256sum`
    expect(configSha256({ b: 1, a: 2 })).toBe('d3626ac30a87e6f7a6428233b3c68299976865fa5508e4267c5415c76af7a772');
    expect(configSha256({ a: 2, b: 1.5 })).not.toBe(configSha256({ a: 2, b: 1 }));
  });
});
