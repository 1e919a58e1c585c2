import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.ts';
import { REALISED_PNL_SINCE_SQL } from '../../src/store/realised-pnl.ts';
import { DAY, DAY0, storeWithManyTrades } from '../web/many-trades-store.ts';

/** What the dashboard computed before: every trade of the history, filtered and summed (the reference). */
function fromHistory(store: ReturnType<typeof openStore>, fromMs: number): { realisedPnl: number; trades: number } {
  const closed = store.tradeHistory().filter((t) => t.closedAtMs !== null && t.closedAtMs >= fromMs);
  return { realisedPnl: closed.reduce((s, t) => s + t.pnl, 0), trades: closed.length };
}

describe('realisedPnlSince: the realised PnL of the trades closed since a time, from the index', () => {
  const days = 6;
  const fx = storeWithManyTrades({ days, perDay: 40 });
  const store = openStore(fx.dbPath);
  afterAll(() => store.close());

  it('equals the sum over the whole history, bit for bit, from each midnight UTC and from hours in between', () => {
    const starts = [DAY0 - DAY, DAY0];
    for (let d = 0; d <= days; d++) starts.push(DAY0 + d * DAY, DAY0 + d * DAY + 20 * 60_000, DAY0 + d * DAY + 13 * 3_600_000 + 7);
    for (const fromMs of starts) {
      const got = store.realisedPnlSince(fromMs);
      const want = fromHistory(store, fromMs);
      expect(got.trades, `from ${new Date(fromMs).toISOString()}`).toBe(want.trades);
      // Object.is: the same double, not merely close.
      expect(Object.is(got.realisedPnl, want.realisedPnl), `from ${new Date(fromMs).toISOString()}: ${got.realisedPnl} vs ${want.realisedPnl}`).toBe(true);
    }
    // The whole history is every closed trade (the open one is not realised).
    expect(store.realisedPnlSince(0).trades).toBe(fx.trades);
    expect(store.realisedPnlSince(DAY0 + days * DAY)).toEqual({ realisedPnl: 0, trades: 0 });
  });

  it('counts a trade entered before midnight UTC on the day it closed', () => {
    const night = store.getPosition(fx.crossMidnightIds[0]!)!;
    const midnight = DAY0 + DAY;
    expect(night.entryTimeMs).toBeLessThan(midnight);
    const closedAt = Math.max(...night.partialExits.map((e) => e.timeMs));
    expect(closedAt).toBeGreaterThan(midnight);
    const day1 = store.realisedPnlSince(midnight).trades - store.realisedPnlSince(midnight + DAY).trades;
    // Day 1's own trades and the one that crossed into it.
    expect(day1).toBe(40 + 1);
  });

  it('reads the closed positions through the close-time index, not by scanning the table', () => {
    const db = new Database(fx.dbPath, { readonly: true });
    try {
      const plan = (db.prepare(`EXPLAIN QUERY PLAN ${REALISED_PNL_SINCE_SQL}`).all(DAY0) as { detail: string }[]).map((r) => r.detail).join('\n');
      expect(plan).toContain('USING INDEX positions_closed_at');
      expect(plan).not.toContain('SCAN positions'); // without the index: SCAN positions USING INDEX positions_entry_time
    } finally {
      db.close();
    }
  });
});
