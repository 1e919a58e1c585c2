import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Position, averageExitPrice, onPrice, totalPnl } from '../../src/core/index.ts';
import { type Store, openStore } from '../../src/store/index.ts';
import { SOL } from '../support/market.ts';
import { fill, hitLevel, mustApply, newPosition } from './store-fixtures.ts';
import { tempDir } from '../support/temp-dir.ts';


function withStore<T>(fn: (s: Store) => T): T {
  const s = openStore(join(tempDir('ladder-store-'), 'ladder.db'));
  try {
    return fn(s);
  } finally {
    s.close();
  }
}

/** Books every step of a position into the store the way the bot does, and returns the final position. */
function ladderTo(s: Store, p0: Position, levels: number[], stopAfter = false): Position {
  s.savePosition(p0);
  let p = p0;
  for (const k of levels) {
    const h = hitLevel(p, k, { tradeId: `${p.id}-t${k}`, fee: 0.25 * k, timeMs: p.entryTimeMs + 1000 * k });
    s.savePosition(h.reached.position);
    s.bookFill(h.fill, h.filled.position, { events: h.filled.events });
    p = h.filled.position;
  }
  if (stopAfter) {
    const t = p.entryTimeMs + 9000;
    const r = onPrice(p, p.stopPrice, t);
    s.savePosition(r.position);
    const f = fill(r.position.closing!.clientOrderId, `${p.id}-ts`, p.remainingSteps, p.stopPrice, { fee: 0.1, timeMs: t });
    p = mustApply(r.position, f).position;
    s.bookFill(f, p);
  }
  return p;
}

describe('trade history (R4.5)', () => {
  it('groups an entry with all its exits, their levels, prices, fees and PnL, and its stop moves', () =>
    withStore((s) => {
      const p = ladderTo(s, newPosition({ id: 'L1', qty: 100, entryFee: 3, timeMs: 1_000_000 }), [1, 2, 3]);
      const [t] = s.tradeHistory();
      expect(t).toMatchObject({
        positionId: 'L1',
        symbol: 'BTCUSDT',
        side: 'long',
        status: 'closed',
        planMode: 'scaled',
        entryTimeMs: 1_000_000,
        entryPrice: 60000,
        entryFee: 3,
        originalSteps: 100,
        remainingSteps: 0,
        originalQty: 0.1,
        remainingQty: 0,
        tickSize: '0.1',
        stepSize: '0.001',
        levelsHit: [1, 2, 3],
        closedAtMs: 1_003_000,
      });
      expect(t!.exits.map((e) => [e.reason, e.level, e.timeMs, e.price, e.qtySteps, e.qty, e.fee, e.clientOrderId, e.orderId])).toEqual([
        ['tp1', 1, 1_001_000, 60600, 30, 0.03, 0.25, 'L1-tp1', 'x-L1-tp1'],
        ['tp2', 2, 1_002_000, 61200, 30, 0.03, 0.5, 'L1-tp2', 'x-L1-tp2'],
        ['tp3', 3, 1_003_000, 62100, 40, 0.04, 0.75, 'L1-tp3', 'x-L1-tp3'],
      ]);
      // 0.1 BTC: 18 + 36 + 84 gross, less 1.5 of exit fees and the 3 of entry fee
      expect(t!.pnl).toBeCloseTo(138 - 1.5 - 3, 9);
      expect(t!.avgExitPrice).toBeCloseTo(61380, 9);
      // … and exactly the core's own R4.3 arithmetic
      expect(t!.pnl).toBe(totalPnl(p));
      expect(t!.avgExitPrice).toBe(averageExitPrice(p));
      expect(t!.exits.map((e) => e.pnl)).toEqual(p.partialExits.map((e) => e.pnl));
      expect(t!.stopMoves.map((m) => [m.level, m.rule, m.fromPrice, m.toPrice])).toEqual([
        [1, 'breakeven', 58800, 60000],
        [2, 'previous_tp', 60000, 60600],
      ]);
    }));

  it('shows a trade stopped after TP1 with its stop exit and no average before any exit', () =>
    withStore((s) => {
      ladderTo(s, newPosition({ id: 'S1', side: 'short', qty: 10, timeMs: 5 }), [1], true);
      s.savePosition(newPosition({ id: 'O1', market: SOL, entry: '150', qty: 100, timeMs: 7 }));
      const [closed, open] = s.tradeHistory({ includeOpen: true });
      expect(closed!.exits.map((e) => [e.reason, e.level, e.qtySteps])).toEqual([
        ['tp1', 1, 3],
        ['stop', null, 7],
      ]);
      expect(closed!.exits[1]!.price).toBe(60000); // breakeven
      expect(open).toMatchObject({ positionId: 'O1', status: 'open', exits: [], avgExitPrice: null, pnl: 0, closedAtMs: null });
    }));

  it('filters by symbol and entry time (from inclusive, to exclusive), closed trades unless asked', () =>
    withStore((s) => {
      ladderTo(s, newPosition({ id: 'a', timeMs: 100 }), [1, 2, 3]);
      ladderTo(s, newPosition({ id: 'b', timeMs: 200 }), [1, 2, 3]);
      ladderTo(s, newPosition({ id: 'c', timeMs: 300, market: SOL, entry: '150' }), [1, 2, 3]);
      s.savePosition(newPosition({ id: 'd', timeMs: 400 }));
      const ids = (q: Parameters<Store['tradeHistory']>[0]) => s.tradeHistory(q).map((t) => t.positionId);
      expect(ids({})).toEqual(['a', 'b', 'c']);
      expect(ids({ includeOpen: true })).toEqual(['a', 'b', 'c', 'd']);
      expect(ids({ symbol: 'BTCUSDT' })).toEqual(['a', 'b']);
      expect(ids({ fromMs: 200 })).toEqual(['b', 'c']);
      expect(ids({ fromMs: 100, toMs: 300 })).toEqual(['a', 'b']);
      expect(ids({ symbol: 'SOLUSDT', includeOpen: true })).toEqual(['c']);
    }));

  it('is plain data the dashboard can send as JSON', () =>
    withStore((s) => {
      ladderTo(s, newPosition({ id: 'a' }), [1, 2, 3]);
      s.savePosition(newPosition({ id: 'o', market: SOL, entry: '150' }));
      const h = s.tradeHistory({ includeOpen: true });
      expect(JSON.parse(JSON.stringify(h))).toEqual(h);
    }));
});

describe('events', () => {
  it('keeps the core events in order, readable by position and from a cursor', () =>
    withStore((s) => {
      const p = newPosition({ id: 'a' });
      const h = hitLevel(p, 1);
      s.savePosition(h.reached.position);
      s.recordEvents(h.reached.events);
      s.bookFill(h.fill, h.filled.position, { events: h.filled.events });
      const all = s.events();
      expect(all.map((e) => e.event)).toEqual([...h.reached.events, ...h.filled.events]);
      expect(all.map((e) => e.event.type)).toEqual(['tp.hit', 'order.requested', 'fill.applied', 'stop.moved']);
      expect(s.events({ afterId: all[1]!.id }).map((e) => e.event.type)).toEqual(['fill.applied', 'stop.moved']);
      expect(s.events({ positionId: 'zzz' })).toEqual([]);
      expect(s.events({ limit: 1 })).toHaveLength(1);
    }));
});
