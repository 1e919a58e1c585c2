import { describe, expect, it } from 'vitest';
import type { Position } from '../../../src/core/index.ts';
import { openStore } from '../../../src/store/index.ts';
import { realisedEquity } from '../../../src/web/server/analytics.ts';
import { storeWithTrades } from '../store-fixture.ts';

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

  it('is empty without trades', () => {
    expect(realisedEquity('scaled', [], 10_000)).toEqual({ name: 'scaled', t: [], v: [] });
  });
});
