import { describe, expect, it } from 'vitest';
import { FirstExitMemo } from '../../../src/optimize/replay/first-exit-memo.ts';

// keep(s, stopTicks, steps, limit, fav, closeIdx, phase, sAfter, pnl, r, entry, qty, feeLeft, long)
describe('FirstExitMemo', () => {
  const memo = () => {
    const m = new FirstExitMemo(4);
    m.keep(2, 9_800, 10, false, 101.5, 40, 3, 3, -20.5, -1, 100, 1, 0.05, true); // a long stopped at candle 40, best price 101.5
    m.keep(2, 10_200, 10, false, 98.5, 41, 1, 3, -12, -0.6, 100, 1, 0.05, false); // a short of the same signal ordinal, closed by a signal
    return m;
  };

  it('reads a trade back only for the same signal, stop, quantity and execution', () => {
    const m = memo();
    expect(m.find(2, 9_800, 10, false, true, 102, 100)).toBe(0);
    expect(m.find(1, 9_800, 10, false, true, 102, 100)).toBe(-1);
    expect(m.find(2, 9_790, 10, false, true, 102, 100)).toBe(-1);
    expect(m.find(2, 9_800, 11, false, true, 102, 100)).toBe(-1);
    expect(m.find(2, 9_800, 10, true, true, 102, 100)).toBe(-1);
    expect(m.find(2, 10_200, 10, false, false, 97, 100)).toBe(1);
    expect(m.hits).toBe(2);
  });

  it('only for a first target beyond the best price the trade saw (touch counts), and a window that holds its close', () => {
    const m = memo();
    expect(m.find(2, 9_800, 10, false, true, 101.5, 100)).toBe(-1); // a long target at the best price was reached
    expect(m.find(2, 9_800, 10, false, true, 101.49, 100)).toBe(-1);
    expect(m.find(2, 10_200, 10, false, false, 98.5, 100)).toBe(-1); // mirrored for the short
    expect(m.find(2, 9_800, 10, false, true, 102, 40)).toBe(-1); // the window ends before the close's candle
    expect(m.find(2, 9_800, 10, false, true, 102, 41)).toBe(0);
  });

  it('keeps nothing more once full', () => {
    const m = new FirstExitMemo(2, 1);
    expect(m.full).toBe(false);
    m.keep(0, 1, 1, false, 1, 1, 3, 1, 0, 0, 1, 1, 0, true);
    expect(m.full).toBe(true);
    expect(m.has(0, 1, 1, false)).toBe(true);
    expect(m.has(0, 1, 1, true)).toBe(false);
  });
});
