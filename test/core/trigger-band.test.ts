import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { triggerHigh, triggerLow } from '../../src/core/candle-path.ts';
import { advanceSegment } from '../../src/core/fill-model.ts';
import type { Position } from '../../src/core/model/position.ts';
import { onSegment, requestClose } from '../../src/core/scaled-tp/exit-manager.ts';
import type { ExitSettings } from '../../src/core/scaled-tp/settings.ts';
import type { Side } from '../../src/core/units.ts';
import { open } from '../support/ladder.ts';
import { marketRules } from '../support/market.ts';

const numRuns = Number(process.env.FC_NUM_RUNS ?? 300);
const FEES = { takerPct: 0.05, makerPct: 0.02, slippagePct: 0 };

/** A position somewhere in its life: opened under a random ladder, then walked along random segments. */
const arbState = fc
  .record({
    side: fc.constantFrom<Side>('long', 'short'),
    execution: fc.constantFrom<'market' | 'limit'>('market', 'limit'),
    scaled: fc.boolean(),
    levels: fc.integer({ min: 1, max: 4 }),
    entryTicks: fc.integer({ min: 1000, max: 200_000 }),
    qty: fc.integer({ min: 1, max: 5000 }),
    // moves in hundredths of a percent of the entry; a gap (roll 0) starts away from the last end
    moves: fc.array(fc.tuple(fc.integer({ min: -500, max: 500 }), fc.integer({ min: 0, max: 5 })), { maxLength: 8 }),
    closing: fc.integer({ min: 0, max: 9 }),
  })
  .map((c) => {
    const market = marketRules({ tick: '0.01', step: '0.001', minQtySteps: 1 });
    const settings: ExitSettings = {
      scaled: c.scaled,
      levels: Array.from({ length: c.levels }, (_, k) => ({ profitPct: k + 1, closePct: k === c.levels - 1 ? 100 - 25 * (c.levels - 1) : 25 })),
      minOrderNotional: 0,
      fallbackToSingle: true,
      execution: c.execution,
      breakevenOffsetPct: 0.1,
      stopLossPct: 2,
      takeProfitPct: 3,
    };
    const entry = c.entryTicks / 100;
    let p: Position = open({ side: c.side, entry: String(entry), qty: c.qty, market, settings }).position;
    let at = entry;
    let t = 1;
    for (const [x, roll] of c.moves) {
      const to = entry * (1 + x / 10000);
      const r = advanceSegment(p, roll === 0 ? entry * (1 + (x * 0.9) / 10000) : at, to, t++, FEES);
      p = r.position;
      at = to;
    }
    // Now and then a close requested and not yet filled (the live bot's state between cycles).
    if (c.closing === 0 && p.status === 'open') p = requestClose(p, 'signal', at, t).position;
    return p;
  });

/** A segment strictly inside (lo, hi): both ends drawn from the open interval (clamped to a finite span). */
const inside = (lo: number, hi: number, u: number, v: number): [number, number] => {
  const a = Number.isFinite(lo) ? lo : Number.isFinite(hi) ? hi / 4 : 1;
  const b = Number.isFinite(hi) ? hi : a * 4;
  const at = (w: number) => Math.min(Math.max(a + (b - a) * w, a), b);
  return [at(u), at(v)];
};

describe('the trigger band (triggerLow, triggerHigh)', () => {
  it('a segment strictly inside the band changes nothing: no command, no event, the same position', () =>
    fc.assert(
      fc.property(arbState, fc.double({ min: 0.001, max: 0.999, noNaN: true }), fc.double({ min: 0.001, max: 0.999, noNaN: true }), (p, u, v) => {
        const lo = triggerLow(p);
        const hi = triggerHigh(p);
        expect(lo).toBeLessThan(hi);
        const [from, to] = inside(lo, hi, u, v);
        if (!(from > lo && from < hi && to > lo && to < hi)) return; // a band too narrow for doubles in between
        // the core's transition itself, and the backtest's walk (which skips such a rest of a segment)
        for (const r of [onSegment(p, from, to, 99), advanceSegment(p, from, to, 99, FEES)]) {
          expect(r.position).toBe(p);
          expect(r.commands).toEqual([]);
          expect(r.events).toEqual([]);
        }
      }),
      { numRuns },
    ));

  it('a segment that touches either end of the band of an active position does something (touch counts)', () =>
    fc.assert(
      fc.property(arbState, fc.boolean(), (p, up) => {
        if (p.status !== 'open' || p.closing !== null) {
          // Nothing can happen on a price: the band is everything.
          expect([triggerLow(p), triggerHigh(p)]).toEqual([-Infinity, Infinity]);
          return;
        }
        const lo = triggerLow(p);
        const hi = triggerHigh(p);
        const edge = up ? hi : lo;
        if (!Number.isFinite(edge)) return; // no target left on that side
        const mid = Number.isFinite(up ? lo : hi) ? (lo + hi) / 2 : up ? hi * 0.99 : lo * 1.01;
        const r = advanceSegment(p, mid, edge, 99, FEES);
        expect(r.events.length).toBeGreaterThan(0);
      }),
      { numRuns },
    ));

  it('a long: the band is (stop, next target); a short: (next target, stop)', () => {
    const market = marketRules({ tick: '0.01', step: '0.001' });
    const settings: ExitSettings = {
      scaled: true,
      levels: [
        { profitPct: 1, closePct: 50 },
        { profitPct: 2, closePct: 50 },
      ],
      minOrderNotional: 0,
      fallbackToSingle: true,
      execution: 'market',
      breakevenOffsetPct: 0,
      stopLossPct: 2,
      takeProfitPct: 3,
    };
    const long = open({ side: 'long', entry: '100', qty: 10, market, settings }).position;
    expect([triggerLow(long), triggerHigh(long)]).toEqual([98, 101]);
    const short = open({ side: 'short', entry: '100', qty: 10, market, settings }).position;
    expect([triggerLow(short), triggerHigh(short)]).toEqual([99, 102]);
  });
});
