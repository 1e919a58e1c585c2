import { describe, expect, it } from 'vitest';
import { mismatchCause } from '../../bench/grademark-run.ts';
import { mirroredSeries } from '../../bench/mirrored-series.ts';
import { type TradeRecord, matchTrades } from '../../bench/trade-records.ts';
import { HOUR, T0, series } from '../support/candles.ts';

// Three real-looking candles, each opening at the previous close.
const base = series([
  [100, 103, 99, 102], // up
  [102, 102, 97, 98], // down
  [98, 101, 96, 100], // up
]);

describe('mirroredSeries (the benchmark’s 10M-candle series)', () => {
  const s = mirroredSeries(base, 8);
  const rows = Array.from({ length: s.length }, (_, i) => [s.open[i], s.high[i], s.low[i], s.close[i]]);

  it('alternates the real candles forward and time-reversed with open and close swapped', () => {
    expect(rows).toEqual([
      [100, 103, 99, 102], // forward pass
      [102, 102, 97, 98],
      [98, 101, 96, 100],
      [100, 101, 96, 98], // reversed pass: the last candle first, open ↔ close
      [98, 102, 97, 102],
      [102, 103, 99, 100],
      [100, 103, 99, 102], // forward again, cut at the length asked for
      [102, 102, 97, 98],
    ]);
  });

  it('is continuous: every candle opens at the previous close, across the seams too', () => {
    for (let i = 1; i < s.length; i++) expect(s.open[i]).toBe(s.close[i - 1]);
  });

  it('has strictly increasing, gapless open times from the first real candle', () => {
    expect([...s.time]).toEqual(Array.from({ length: 8 }, (_, i) => T0 + i * HOUR));
    expect(s.timeframeMs).toBe(HOUR);
    expect(s.gaps).toEqual([]);
  });

  it('stays in the real price range with valid candles', () => {
    for (let i = 0; i < s.length; i++) {
      expect(s.low[i]).toBeGreaterThanOrEqual(96);
      expect(s.high[i]).toBeLessThanOrEqual(103);
      expect(s.high[i]!).toBeGreaterThanOrEqual(Math.max(s.open[i]!, s.close[i]!));
      expect(s.low[i]!).toBeLessThanOrEqual(Math.min(s.open[i]!, s.close[i]!));
    }
  });

  it('rejects an empty base and a length that is not a whole number ≥ 1', () => {
    expect(() => mirroredSeries(series([]), 5)).toThrow(/empty/);
    expect(() => mirroredSeries(base, 0)).toThrow(/length/);
    expect(() => mirroredSeries(base, 2.5)).toThrow(/length/);
  });
});

describe('matchTrades (engine vs grademark trades)', () => {
  const t = (h: number) => T0 + h * HOUR;
  const trade = (entryH: number, reason: string, exitH: number, price: number, qtySteps?: number): TradeRecord => ({
    side: 'long',
    entryTimeMs: t(entryH),
    entryPrice: 100,
    exits: [{ reason, timeMs: t(exitH), price, ...(qtySteps !== undefined ? { qtySteps } : {}) }],
  });

  it('matches the same trades, ignoring quantities the other engine does not have', () => {
    const m = matchTrades([trade(1, 'tp', 3, 103, 10), trade(5, 'stop', 6, 98, 10)], [trade(1, 'tp', 3, 103), trade(5, 'stop', 6, 98)]);
    expect(m).toMatchObject({ match: true, mismatches: 0, first: null, ladderTrades: 2, otherTrades: 2 });
  });

  it('counts a different exit and a trade only one engine made, and reports the first by entry time', () => {
    const ladder = [trade(1, 'stop', 1, 98), trade(4, 'tp', 5, 103)];
    const other = [trade(1, 'stop', 2, 98), trade(7, 'end', 8, 101)];
    const m = matchTrades(ladder, other);
    expect(m.match).toBe(false);
    expect(m.mismatches).toBe(3);
    expect(m.first).toEqual({ entryTimeMs: t(1), ladder: ladder[0], other: other[0] });
    expect(m.list.map((x) => [x.ladder !== null, x.other !== null])).toEqual([
      [true, true],
      [true, false],
      [false, true],
    ]);
  });

  it('names the causes grademark’s bar model explains', () => {
    const time = Float64Array.from({ length: 10 }, (_, h) => t(h));
    // The engine stops out on its entry candle 1; grademark checks from candle 2 on.
    const ladder = [trade(1, 'stop', 1, 98), trade(3, 'tp', 4, 103)];
    // grademark exits on candle 2, the candle whose close signalled the entry at 3: it takes no entry there.
    const other = [trade(1, 'stop', 2, 98)];
    const m = matchTrades(ladder, other);
    expect(m.list.map((x) => mismatchCause(x, ladder, other, time))).toEqual(['exit_on_entry_bar', 'no_entry_on_exit_bar']);
  });
});
