import { describe, expect, it } from 'vitest';
import { type FirstExit, FirstExitMemo, firstExit } from '../../../src/optimize/replay/first-exit-memo.ts';

const trade = (x: Partial<FirstExit>): FirstExit => ({ ...firstExit(), ...x });

describe('FirstExitMemo', () => {
  const memo = () => {
    const m = new FirstExitMemo(4);
    m.keep(2, 9_800, 10, false, 101.5, trade({ closeIdx: 40, phase: 3, sAfter: 3, pnl: -20.5, r: -1, entry: 100, qty: 1, feeLeft: 0.05, long: true })); // a long stopped at candle 40, best price 101.5
    m.keep(2, 10_200, 10, false, 98.5, trade({ closeIdx: 41, phase: 1, sAfter: 3, pnl: -12, r: -0.6, entry: 100, qty: 1, feeLeft: 0.05, long: false })); // a short of the same signal ordinal, closed by a signal
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
    expect(m.read(1, firstExit())).toEqual({ closeIdx: 41, phase: 1, sAfter: 3, pnl: -12, r: -0.6, entry: 100, qty: 1, feeLeft: 0.05, long: false });
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
    m.keep(0, 1, 1, false, 1, trade({ closeIdx: 1, phase: 3, sAfter: 1 }));
    expect(m.full).toBe(true);
    expect(m.has(0, 1, 1, false)).toBe(true);
    expect(m.has(0, 1, 1, true)).toBe(false);
    m.keep(1, 1, 1, false, 1, trade({}));
    expect(m.has(1, 1, 1, false)).toBe(true); // keep itself does not refuse: its caller asks \`full\` first
  });
});
