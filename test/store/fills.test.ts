import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { asSteps, openPosition } from '../../src/core/index.ts';
import { type Store, StoreError, openStore } from '../../src/store/index.ts';
import { fill, hitLevel, mustApply, newPosition } from './store-fixtures.ts';
import { tempDir } from '../support/temp-dir.ts';


function withStore<T>(fn: (s: Store, path: string) => T): T {
  const path = join(tempDir('ladder-store-'), 'ladder.db');
  const s = openStore(path, { now: () => 5 });
  try {
    return fn(s, path);
  } finally {
    s.close();
  }
}

/** A stored position whose TP1 order was sent; returns it and the TP1 fill with the position it gives. */
function sentTp1(s: Store, fee = 0.2) {
  const p = newPosition({ qty: 100, entryFee: 1 });
  const h = hitLevel(p, 1, { fee, tradeId: '9001' });
  s.savePosition(h.reached.position);
  return h;
}

describe('fills', () => {
  it('books a fill and the position it produced together', () =>
    withStore((s, path) => {
      const h = sentTp1(s);
      expect(s.bookFill(h.fill, h.filled.position, { events: h.filled.events })).toBe(true);
      expect(s.hasFill('BTCUSDT', '9001')).toBe(true);
      s.close();
      const r = openStore(path);
      expect(r.getPosition('p1')).toEqual(h.filled.position);
      expect(r.fillsOf('p1')).toEqual([
        { symbol: 'BTCUSDT', tradeId: '9001', positionId: 'p1', role: 'exit', clientOrderId: 'p1-tp1', orderId: 'x-p1-tp1', timeMs: 1000, qtySteps: 30, price: h.fill.price, fee: 0.2, bookedAtMs: r.fillsOf('p1')[0]!.bookedAtMs },
      ]);
      expect(r.events().map((e) => e.event)).toEqual(h.filled.events);
      r.close();
    }));

  it('books a fill read twice once: the second time returns false and changes nothing (F1)', () =>
    withStore((s) => {
      const h = sentTp1(s);
      expect(s.bookFill(h.fill, h.filled.position, { events: h.filled.events })).toBe(true);
      const version = s.positionVersion('p1');
      const events = s.events().length;
      // the same trade, read again from the exchange (a websocket replay, a restart's fetch)
      const replay = mustApply(h.filled.position, h.fill);
      expect(replay.position).toBe(h.filled.position);
      expect(s.bookFill(h.fill, replay.position, { events: h.filled.events })).toBe(false);
      expect(s.positionVersion('p1')).toBe(version);
      expect(s.events().length).toBe(events);
      expect(s.fillsOf('p1')).toHaveLength(1);
    }));

  it('tells trades of different symbols apart even when their ids are equal', () =>
    withStore((s) => {
      const h = sentTp1(s);
      s.bookFill(h.fill, h.filled.position);
      const eth = newPosition({ id: 'e1', entry: '3000', qty: 100 });
      const ethPos = { ...eth, symbol: 'ETHUSDT' };
      const he = hitLevel(ethPos, 1, { tradeId: '9001' });
      s.savePosition(he.reached.position);
      expect(s.bookFill(he.fill, he.filled.position)).toBe(true);
      expect(s.hasFill('ETHUSDT', '9001')).toBe(true);
      expect(s.hasFill('SOLUSDT', '9001')).toBe(false);
    }));

  it('refuses an exit fill paired with a position that has not applied it, writing nothing', () =>
    withStore((s) => {
      const h = sentTp1(s);
      const e = (() => {
        try {
          s.bookFill(h.fill, h.reached.position);
        } catch (x) {
          return x as StoreError;
        }
        throw new Error('expected a throw');
      })();
      expect(e).toBeInstanceOf(StoreError);
      expect(e.code).toBe('fill_mismatch');
      expect(s.hasFill('BTCUSDT', '9001')).toBe(false);
    }));

  it('writes nothing when the position of a fill cannot be saved: the fill is not booked', () =>
    withStore((s) => {
      const h = sentTp1(s);
      const broken = { ...h.filled.position, remainingSteps: asSteps(h.filled.position.remainingSteps + 1) };
      expect(() => s.bookFill(h.fill, broken)).toThrow('original 100 ≠ remaining 71 + Σ exits');
      expect(s.hasFill('BTCUSDT', '9001')).toBe(false);
      expect(s.getPosition('p1')).toEqual(h.reached.position);
      expect(s.bookFill(h.fill, h.filled.position)).toBe(true);
    }));

  it('books partial fills of one order one by one (R3.5)', () =>
    withStore((s) => {
      const h = sentTp1(s, 0);
      let p = h.reached.position;
      for (const [id, qty] of [['a', 10], ['b', 15], ['c', 5]] as const) {
        const f = fill('p1-tp1', id, qty, h.fill.price, { fee: 0.01 });
        p = mustApply(p, f).position;
        expect(s.bookFill(f, p)).toBe(true);
      }
      expect(s.getPosition('p1')).toEqual(p);
      expect(p.partialExits).toHaveLength(1);
      expect(s.fillsOf('p1').map((f) => f.qtySteps)).toEqual([10, 15, 5]);
    }));

  it('books the entry fill with the position it opened, and its events', () =>
    withStore((s) => {
      const plan = newPosition().plan;
      const opened = openPosition({ id: 'p9', symbol: 'BTCUSDT', timeMs: 0, entryFee: 0.6, plan });
      const entry = fill('p9-entry', 'e1', plan.originalSteps, plan.entryPrice, { fee: 0.6, timeMs: 0 });
      expect(s.bookFill(entry, opened.position, { entry: true, events: opened.events })).toBe(true);
      expect(s.getPosition('p9')).toEqual(opened.position);
      expect(s.fillsOf('p9').map((f) => f.role)).toEqual(['entry']);
      expect(s.events({ positionId: 'p9' }).map((e) => e.event.type)).toEqual(['plan.made']);
      expect(s.bookFill(entry, opened.position, { entry: true })).toBe(false);
    }));

  it('gives the newest booked fill time per symbol, where a restart starts fetching', () =>
    withStore((s) => {
      expect(s.latestFillTimeMs('BTCUSDT')).toBeNull();
      const h = sentTp1(s);
      s.bookFill(h.fill, h.filled.position);
      expect(s.latestFillTimeMs('BTCUSDT')).toBe(1000);
    }));

  it('rolls back a fill booked inside a transaction that throws later', () =>
    withStore((s) => {
      const h = sentTp1(s);
      expect(() =>
        s.transaction(() => {
          s.bookFill(h.fill, h.filled.position);
          throw new Error('the process dies before the stop intent is written');
        }),
      ).toThrow('the process dies');
      expect(s.hasFill('BTCUSDT', '9001')).toBe(false);
      expect(s.getPosition('p1')).toEqual(h.reached.position);
    }));
});
