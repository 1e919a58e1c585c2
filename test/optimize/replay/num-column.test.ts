import { describe, expect, it } from 'vitest';
import { NumColumn } from '../../../src/optimize/replay/num-column.ts';

describe('NumColumn', () => {
  it('keeps what was pushed across growth, pops and truncates by the count, keeps its room, refuses a pop of nothing', () => {
    const c = new NumColumn();
    for (let i = 0; i < 1000; i++) c.push(i * 0.5);
    expect(c.n).toBe(1000);
    expect(Array.from(c.a.subarray(0, c.n))).toEqual(Array.from({ length: 1000 }, (_, i) => i * 0.5));
    expect(c.pop()).toBe(499.5);
    c.truncate(10);
    expect(c.n).toBe(10);
    const room = c.a;
    c.truncate(0);
    c.push(7);
    expect(c.a).toBe(room);
    expect(c.a[0]).toBe(7);
    c.truncate(0);
    expect(() => c.pop()).toThrow(/empty column/);
    expect(c.n).toBe(0);
  });
});
