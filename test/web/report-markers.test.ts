import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LABEL_PX, MIN_GAP_PX, candleIndexOf, isCluster, markerGroups, thinMarkers } from '../../src/web/components/trade-markers.ts';
import type { ExitView, TradeView } from '../../src/web/components/view-model.ts';

const H = 3_600_000;
const T0 = Date.UTC(2024, 0, 1);
// Hourly candles with one missing (index 5 → 7 h), as real files have.
const times = [0, 1, 2, 3, 4, 5, 7, 8, 9, 10].map((h) => T0 + h * H);

const exit = (h: number, reason: string): ExitView => ({ timeMs: T0 + h * H, price: 1, quantity: 1, reason, level: /^tp\d$/.test(reason) ? Number(reason.slice(2)) : null, fee: 0, pnl: 0 });
const trade = (id: string, side: 'long' | 'short', entryH: number, exits: ExitView[]): TradeView => ({
  id, symbol: 'BTCUSDT', side, entryTimeMs: T0 + entryH * H, entryPrice: 1, originalQuantity: 1, avgExitPrice: 1, pnl: 0, initialStop: 0.9, targets: [], exits, stopMoves: [],
});

describe('trade markers', () => {
  it('puts a time on the candle that contains it: inside, at the open, in a gap, at the last close', () => {
    expect(candleIndexOf(times, T0 + 2 * H)).toBe(2); // at the open
    expect(candleIndexOf(times, T0 + 2 * H + 15 * 60_000)).toBe(2); // a 15m detail fill inside
    expect(candleIndexOf(times, T0 + 6 * H)).toBe(5); // in the gap: the candle before it
    expect(candleIndexOf(times, T0 + 11 * H)).toBe(9); // `end` at the last candle's close
    expect(candleIndexOf(times, T0 - H)).toBe(0);
  });

  it("makes one marker of a trade's exits on one candle, one per candle otherwise, coloured by what closed", () => {
    const t = trade('BTCUSDT-1', 'long', 1, [exit(2, 'tp1'), exit(2.5, 'tp2'), exit(4, 'stop')]);
    const g = markerGroups(times, [t]);
    expect(g.map((x) => [x.kind, x.index, x.lane, x.label])).toEqual([
      ['entry', 1, 'belowBar', 'L'],
      ['exit', 2, 'aboveBar', 'TP1+TP2'],
      ['exit', 4, 'aboveBar', 'STOP'],
    ]);
    expect(g[1]!.exits.map((e) => e.reason)).toEqual(['tp1', 'tp2']);
    expect(g[2]!.color).not.toBe(g[1]!.color);
    const short = markerGroups(times, [trade('BTCUSDT-2', 'short', 3, [exit(11, 'end')])]);
    expect(short.map((x) => [x.index, x.lane, x.label])).toEqual([[3, 'aboveBar', 'S'], [9, 'belowBar', 'END']]);
  });

  it('with room for every candle: every group on its own candle, one candle and lane as one marker with all labels', () => {
    const trades = [trade('A-1', 'long', 1, [exit(3, 'signal')]), trade('A-2', 'short', 3, [exit(8, 'tp')])];
    const drawn = thinMarkers(markerGroups(times, trades), 60);
    expect(drawn.map((d) => [d.index, d.lane, d.text, d.members.length])).toEqual([
      [1, 'belowBar', 'L', 1],
      [3, 'aboveBar', 'SIGNAL S', 2], // the exit and the next trade's entry at the same open
      [7, 'belowBar', 'TP', 1],
    ]);
    expect(drawn.some(isCluster)).toBe(false);
  });

  it('P thinning: every group is drawn exactly once, on its candle or in a cluster starting at or before it; markers of a lane are MIN_GAP_PX apart', () =>
    fc.assert(
      fc.property(
        fc.array(fc.record({ entry: fc.integer({ min: 0, max: 2000 }), len: fc.integer({ min: 0, max: 30 }), long: fc.boolean() }), { maxLength: 60 }),
        fc.double({ min: 0.01, max: 40, noNaN: true }),
        (specs, spacing) => {
          const many = Array.from({ length: 2100 }, (_, i) => T0 + i * H);
          const trades = specs.map((s, k) => ({ ...trade(`X-${k}`, s.long ? 'long' : 'short', s.entry, [exit(s.entry + s.len, 'stop')]) }));
          const groups = markerGroups(many, trades);
          const drawn = thinMarkers(groups, spacing);
          expect(drawn.flatMap((d) => d.members).length).toBe(groups.length);
          expect(new Set(drawn.flatMap((d) => d.members)).size).toBe(groups.length);
          for (const d of drawn) for (const m of d.members) expect(m.index).toBeGreaterThanOrEqual(d.index);
          for (const lane of ['aboveBar', 'belowBar']) {
            const xs = drawn.filter((d) => d.lane === lane).map((d) => d.index * spacing);
            for (let i = 1; i < xs.length; i++) expect(xs[i]! - xs[i - 1]!).toBeGreaterThanOrEqual(MIN_GAP_PX - 1e-9);
          }
          // A label only where it has room on both sides.
          for (const lane of ['aboveBar', 'belowBar']) {
            const inLane = drawn.filter((d) => d.lane === lane);
            inLane.forEach((d, k) => {
              if (!d.text || isCluster(d)) return;
              for (const o of [inLane[k - 1], inLane[k + 1]]) if (o) expect(Math.abs(o.index - d.index) * spacing).toBeGreaterThanOrEqual(LABEL_PX);
            });
          }
        },
      ),
    ));

  it('four years of hourly trades at whole-period zoom: a few dozen markers, not thousands', () => {
    const many = Array.from({ length: 37_895 }, (_, i) => T0 + i * H);
    const trades = Array.from({ length: 1300 }, (_, k) => trade(`B-${k}`, k % 2 ? 'long' : 'short', k * 29, [exit(k * 29 + 3, 'tp1'), exit(k * 29 + 9, 'stop')]));
    const groups = markerGroups(many, trades);
    const drawn = thinMarkers(groups, 1200 / 37_895);
    expect(groups.length).toBe(3900);
    expect(drawn.length).toBeLessThanOrEqual(2 * Math.ceil(1200 / MIN_GAP_PX) + 2);
  });
});
