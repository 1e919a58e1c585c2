import { describe, expect, it } from 'vitest';
import { decodeJson, encodeJson } from '../../src/store/json-codec.ts';

describe('exact JSON', () => {
  it('round-trips the numbers JSON has no literal for: ±Infinity, NaN and −0', () => {
    const value = { a: Infinity, b: -Infinity, c: NaN, d: -0, e: [0, -0, 1e-320, 0.1 + 0.2, Number.MAX_SAFE_INTEGER], f: { g: null } };
    const back = decodeJson(encodeJson(value)) as typeof value;
    expect(back).toEqual(value);
    expect(Object.is(back.d, -0)).toBe(true);
    expect(Object.is(back.e[1], -0)).toBe(true);
    expect(Object.is(back.e[0], 0)).toBe(true);
  });

  it('leaves every finite double to JSON, which writes the shortest text that parses back to it', () => {
    expect(encodeJson({ x: 0.1 + 0.2, y: 60600 })).toBe('{"x":0.30000000000000004,"y":60600}');
  });

  it('leaves an object that only looks like a tag alone unless its name is one of the four', () => {
    expect(decodeJson('{"$num":"42"}')).toEqual({ $num: '42' });
    expect(decodeJson('{"$num":"-0","x":1}')).toEqual({ $num: '-0', x: 1 });
  });
});
