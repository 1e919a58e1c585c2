import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { type Position, analyzeRun, fundingBooked } from '../../../src/core/index.ts';
import { openStore } from '../../../src/store/index.ts';
import { realisedEquity } from '../../../src/web/server/analytics.ts';
import { tempDir } from '../../support/temp-dir.ts';
import { HOUR, T0, drive, open, storeWithTrades } from '../store-fixture.ts';

/** The fixture's closed trades (a full ladder, TP1 then breakeven, straight to the stop). */
function closedTrades(): Position[] {
  const store = openStore(storeWithTrades().dbPath);
  try {
    return store
      .tradeHistory({ includeOpen: false })
      .map((r) => store.getPosition(r.positionId))
      .filter((p): p is Position => p !== null);
  } finally {
    store.close();
  }
}

describe('realised equity (the Analytics curves, the drawdown they measure)', () => {
  it('draws a store of 200,000 closed trades: starting balance at the first entry, then + each exit in time order', () => {
    const models = closedTrades();
    const n = 200_000;
    const trades: Position[] = Array.from({ length: n }, (_, k) => {
      const m = models[k % models.length]!;
      const shift = (n - k) * 3_600_000;
      return { ...m, id: `${m.id}-${k}`, entryTimeMs: m.entryTimeMs + shift, partialExits: m.partialExits.map((e) => ({ ...e, timeMs: e.timeMs + shift })) };
    });
    const exits = trades.flatMap((t) => t.partialExits);
    const curve = realisedEquity('scaled', trades, 10_000);
    expect(curve.t.length).toBe(exits.length + 1);
    expect(curve.t[0]).toBe(trades.reduce((t, x) => Math.min(t, x.entryTimeMs), Infinity));
    expect(curve.v[0]).toBe(10_000);
    let ordered = true;
    for (let i = 1; i < curve.t.length; i++) ordered &&= curve.t[i]! >= curve.t[i - 1]!;
    expect(ordered).toBe(true);
    expect(curve.v.at(-1)).toBeCloseTo(10_000 + exits.reduce((s, e) => s + e.pnl, 0), 6);
  });

  it('counts a trade’s funding at its newest settlement: the curve ends at the summary’s final equity, and its drawdown sees the payment', () => {
    // A long of 0.01 BTC at 60,000 (entry fee 0.02) through the whole ladder, paying 20 of funding at
    // the settlement after TP2; each exit fills at the price that reached it (fee 0.01). Exits: TP1
    // 0.003 × 700 − 0.01 − 0.006 = 2.084; TP2 0.003 × 1,300 − 0.016 = 3.884; TP3 0.004 × 2,200 − 0.018 = 8.782.
    const store = openStore(join(tempDir('ladder-equity-'), 'ladder.db'));
    try {
      let p = drive(store, open(store, 'BTCUSDT-f', 60_000, T0), [{ price: 60_700, timeMs: T0 + HOUR }, { price: 61_300, timeMs: T0 + 2 * HOUR }]);
      p = fundingBooked(p, -20, T0 + 2 * HOUR + 1_000).position;
      store.savePosition(p);
      p = drive(store, p, [{ price: 62_200, timeMs: T0 + 3 * HOUR }]);
      const curve = realisedEquity('scaled', [p], 10_000);
      expect(curve.t).toEqual([T0, T0 + HOUR, T0 + 2 * HOUR, T0 + 2 * HOUR + 1_000, T0 + 3 * HOUR]);
      const expected = [10_000, 10_002.084, 10_005.968, 9_985.968, 9_994.75];
      curve.v.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 9));
      const summary = analyzeRun([p], 10_000, curve.v).summary;
      expect(summary.final_equity).toBeCloseTo(curve.v.at(-1)!, 9);
      // Peak 10,005.968 before the payment, 9,985.968 after it: 20 / 10,005.968 of the peak.
      expect(summary.max_drawdown_pct).toBeCloseTo((20 / 10_005.968) * 100, 9);
    } finally {
      store.close();
    }
  });

  it('is empty without trades', () => {
    expect(realisedEquity('scaled', [], 10_000)).toEqual({ name: 'scaled', t: [], v: [] });
  });
});
