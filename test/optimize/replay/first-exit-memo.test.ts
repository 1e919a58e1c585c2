import { describe, expect, it } from 'vitest';
import { type FirstExit, FirstExitMemo, TargetPrices, firstExit } from '../../../src/optimize/replay/first-exit-memo.ts';

const trade = (x: Partial<FirstExit>): FirstExit => ({ ...firstExit(), ...x });
/** `idx(m, ...)`, made. */
const idx = (m: FirstExitMemo, stopPct: number, limit: boolean): Int32Array => {
  const i = m.index(stopPct, limit);
  if (i === null) throw new Error(`no index for ${stopPct}`);
  return i;
};

describe('FirstExitMemo', () => {
  const memo = () => {
    const m = new FirstExitMemo(4);
    m.keep(idx(m, 2, false), 2, 10, 101.5, trade({ closeIdx: 40, phase: 3, sAfter: 3, pnl: -20.5, r: -1, entry: 100, qty: 1, feeLeft: 0.05, long: true })); // a long stopped at candle 40, best price 101.5
    m.keep(idx(m, 2.5, false), 1, 10, 98.5, trade({ closeIdx: 41, phase: 1, sAfter: 3, pnl: -12, r: -0.6, entry: 100, qty: 1, feeLeft: 0.05, long: false })); // a short, closed by a signal
    return m;
  };

  it('reads a trade back only for the same signal, stop distance, execution and quantity', () => {
    const m = memo();
    expect(idx(m, 2, false)).toBe(idx(m, 2, false));
    expect(m.find(idx(m, 2, false), 2, 10, true, 102, 100)).toBe(0);
    expect(m.find(idx(m, 2, false), 1, 10, true, 102, 100)).toBe(-1);
    expect(m.find(idx(m, 1.5, false), 2, 10, true, 102, 100)).toBe(-1);
    expect(m.find(idx(m, 2, false), 2, 11, true, 102, 100)).toBe(-1);
    expect(m.find(idx(m, 2, true), 2, 10, true, 102, 100)).toBe(-1);
    expect(m.find(idx(m, 2.5, false), 1, 10, false, 97, 100)).toBe(1);
    expect(m.hits).toBe(2);
    expect(m.read(1, firstExit())).toEqual({ closeIdx: 41, phase: 1, sAfter: 3, pnl: -12, r: -0.6, entry: 100, qty: 1, feeLeft: 0.05, long: false });
  });

  it('only for a nearest target beyond the best price the trade saw (touch counts; unknown: never), and a window that holds its close', () => {
    const m = memo();
    const i = idx(m, 2, false);
    expect(m.find(i, 2, 10, true, 101.5, 100)).toBe(-1); // a long target at the best price was reached
    expect(m.find(i, 2, 10, true, 101.49, 100)).toBe(-1);
    expect(m.find(i, 2, 10, true, NaN, 100)).toBe(-1);
    expect(m.find(idx(m, 2.5, false), 1, 10, false, 98.5, 100)).toBe(-1); // mirrored for the short
    expect(m.find(idx(m, 2.5, false), 1, 10, false, NaN, 100)).toBe(-1);
    expect(m.find(i, 2, 10, true, 102, 40)).toBe(-1); // the window ends before the close's candle
    expect(m.find(i, 2, 10, true, 102, 41)).toBe(0);
  });

  it('keeps the first trade of a signal and stop, and says when it is full', () => {
    const m = new FirstExitMemo(2, 1);
    const i = idx(m, 1, false);
    expect(m.full).toBe(false);
    m.keep(i, 0, 1, 5, trade({ closeIdx: 1, phase: 3, sAfter: 1, pnl: -1 }));
    expect(m.full).toBe(true);
    m.keep(i, 0, 1, 9, trade({ closeIdx: 1, phase: 3, sAfter: 1, pnl: -2 }));
    expect(m.read(0, firstExit()).pnl).toBe(-1);
    expect(m.find(i, 0, 1, true, 6, 10)).toBe(0); // the first one's best price (5), not the second's
  });

  it('makes at most `maxIndices` indices (stop distances × executions); those made stay', () => {
    const m = new FirstExitMemo(4, 100, 3);
    const a = idx(m, 1, false);
    idx(m, 1, true);
    idx(m, 2, false);
    expect(m.index(2, true)).toBeNull();
    expect(m.index(3, false)).toBeNull();
    expect(m.index(1, false)).toBe(a);
  });

  it('TargetPrices: one column per percentage, shared, unknown (NaN) until set; at most `maxColumns`', () => {
    const t = new TargetPrices(3, 2);
    const c = t.column(1.5)!;
    expect(Array.from(c)).toEqual([NaN, NaN, NaN]);
    c[1] = 101.5;
    expect(t.column(1.5)).toBe(c);
    expect(t.column(2)).not.toBe(c);
    expect(t.column(1.5)![1]).toBe(101.5);
    expect(t.column(3)).toBeNull();
    expect(t.column(1.5)).toBe(c);
  });
});
