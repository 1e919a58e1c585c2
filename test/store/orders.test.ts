import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { asSteps } from '../../src/core/index.ts';
import { type OrderIntent, type Store, StoreError, openStore } from '../../src/store/index.ts';
import { entryIntent, exitIntent, fill, hitLevel, mustApply, newPosition, stopIntent } from './store-fixtures.ts';
import { tempDir } from '../support/temp-dir.ts';


function withStore<T>(fn: (s: Store, path: string) => T): T {
  const path = join(tempDir('ladder-store-'), 'ladder.db');
  const s = openStore(path, { now: () => 7777 });
  try {
    return fn(s, path);
  } finally {
    s.close();
  }
}

const value = <T>(r: { ok: true; value: T } | { ok: false; error: unknown }): T => {
  if (!r.ok) throw new Error(`refused: ${JSON.stringify(r.error)}`);
  return r.value;
};

describe('orders', () => {
  it("keeps whether an entry was sent from a flat position (true, false, or unknown), across a reopen", () =>
    withStore((s, path) => {
      const p = newPosition();
      for (const [id, flat] of [['a', true], ['b', false], ['c', null]] as const) s.recordIntent({ ...entryIntent(p), clientOrderId: `${p.id}-${id}-entry`, sentFromFlat: flat });
      s.close();
      const again = openStore(path);
      try {
        expect(['a', 'b', 'c'].map((id) => again.getOrder(`${p.id}-${id}-entry`)?.sentFromFlat)).toEqual([true, false, null]);
      } finally {
        again.close();
      }
    }));

  it('follows an order from intent to filled, keeping the exchange id and a log of every step', () =>
    withStore((s, path) => {
      const p = newPosition();
      const i = exitIntent(p, 1, 30, 1000);
      const written = value(s.recordIntent(i));
      expect(written).toEqual({
        ...i,
        status: 'intent',
        attempt: 1,
        exchangeOrderId: null,
        exchangeFilledSteps: null,
        bookedSteps: 0,
        error: null,
        sentAtMs: null,
        updatedAtMs: 1000,
        stopLossPct: null, // entries only
        sentFromFlat: null, // entries only
      });
      expect(value(s.markSent(i.clientOrderId, 1001)).sentAtMs).toBe(1001);
      value(s.markOrderStatus(i.clientOrderId, 'open', { exchangeOrderId: '8886', timeMs: 1002 }));
      const done = value(s.markOrderStatus(i.clientOrderId, 'filled', { exchangeFilledSteps: asSteps(30) }));
      expect(done).toMatchObject({ status: 'filled', exchangeOrderId: '8886', exchangeFilledSteps: 30, sentAtMs: 1001, updatedAtMs: 7777 });
      s.close();
      const db = new Database(path);
      expect(db.prepare('SELECT status, time_ms FROM order_log ORDER BY id').all()).toEqual([
        { status: 'intent', time_ms: 1000 },
        { status: 'sent', time_ms: 1001 },
        { status: 'open', time_ms: 1002 },
        { status: 'filled', time_ms: 7777 },
      ]);
      db.close();
    }));

  it('lists an intent written just before a crash as in doubt after the restart (R6.3)', () => {
    const path = join(tempDir('ladder-store-'), 'ladder.db');
    const p = newPosition();
    const a = openStore(path);
    a.savePosition(p);
    value(a.recordIntent(stopIntent(p, 0)));
    value(a.markOrderStatus('p1-sl0', 'open'));
    value(a.recordIntent(exitIntent(p, 1, 30)));
    value(a.recordIntent(exitIntent(p, 2, 30)));
    value(a.markSent('p1-tp2'));
    a.close(); // the process dies here: no outcome for tp1 or tp2
    const b = openStore(path);
    expect(b.ordersInDoubt().map((o) => [o.clientOrderId, o.status])).toEqual([
      ['p1-tp1', 'intent'],
      ['p1-tp2', 'sent'],
    ]);
    expect(b.openOrders().map((o) => o.clientOrderId)).toEqual(['p1-sl0']);
    expect(b.getOrder('p1-tp1')).toMatchObject({ kind: 'exit', level: 1, qtySteps: 30, reduceOnly: true, side: 'sell' });
    b.close();
  });

  it('keeps an order whose send timed out in doubt until it is found by client id', () =>
    withStore((s) => {
      const p = newPosition();
      value(s.recordIntent(exitIntent(p, 1, 30)));
      value(s.markSent('p1-tp1'));
      const unknown = value(s.markOrderStatus('p1-tp1', 'unknown', { error: { code: 'unknownOutcome', message: 'timeout after 10000 ms' } }));
      expect(unknown.error).toEqual({ code: 'unknownOutcome', message: 'timeout after 10000 ms' });
      expect(s.ordersInDoubt().map((o) => o.clientOrderId)).toEqual(['p1-tp1']);
      const found = value(s.markOrderStatus('p1-tp1', 'filled', { exchangeOrderId: '42' }));
      expect(found.error).toBeNull(); // the error belonged to the unknown state
      expect(s.ordersInDoubt()).toEqual([]);
    }));

  it('refuses a second intent for a live or filled client id, so a level is never sent twice (invariant 8, F4)', () =>
    withStore((s) => {
      const p = newPosition();
      const i = exitIntent(p, 1, 30);
      value(s.recordIntent(i));
      for (const status of ['intent', 'sent', 'unknown', 'open'] as const) {
        if (status !== 'intent') value(s.markOrderStatus(i.clientOrderId, status));
        const again = s.recordIntent(i);
        expect(again.ok).toBe(false);
        if (!again.ok) expect(again.error).toMatchObject({ code: 'in_flight', existing: { status } });
      }
      value(s.markOrderStatus(i.clientOrderId, 'filled'));
      const filled = s.recordIntent(i);
      expect(!filled.ok && filled.error.code).toBe('already_filled');
    }));

  it('reuses a client id after a rejection, as a new attempt with a clean outcome', () =>
    withStore((s) => {
      const p = newPosition();
      value(s.recordIntent(exitIntent(p, 1, 30)));
      value(s.markOrderStatus('p1-tp1', 'rejected', { error: { code: '-2019', message: 'Margin is insufficient' } }));
      expect(s.ordersInDoubt()).toEqual([]);
      const again = value(s.recordIntent(exitIntent(p, 1, 25, 2000)));
      expect(again).toMatchObject({ attempt: 2, status: 'intent', qtySteps: 25, error: null, exchangeOrderId: null, createdAtMs: 2000 });
    }));

  it('returns an impossible status change as a value and changes nothing', () =>
    withStore((s) => {
      const p = newPosition();
      value(s.recordIntent(exitIntent(p, 1, 30)));
      value(s.markOrderStatus('p1-tp1', 'filled'));
      const r = s.markOrderStatus('p1-tp1', 'open');
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toMatchObject({ code: 'invalid_transition', from: 'filled', to: 'open' });
      expect(s.getOrder('p1-tp1')!.status).toBe('filled');
      expect(s.markOrderStatus('nope', 'open')).toEqual({ ok: false, error: { code: 'unknown_order', clientOrderId: 'nope' } });
    }));

  it('accepts a late fill after a cancel', () =>
    withStore((s) => {
      const p = newPosition();
      value(s.recordIntent(exitIntent(p, 1, 30)));
      value(s.markOrderStatus('p1-tp1', 'open'));
      value(s.markOrderStatus('p1-tp1', 'canceled'));
      expect(value(s.markOrderStatus('p1-tp1', 'filled')).status).toBe('filled');
    }));

  it('lists the open orders of one position or of all', () =>
    withStore((s) => {
      const a = newPosition({ id: 'a' });
      const b = newPosition({ id: 'b', entry: '100' });
      for (const p of [a, b]) {
        value(s.recordIntent(stopIntent(p, 0)));
        value(s.markOrderStatus(`${p.id}-sl0`, 'open'));
      }
      value(s.recordIntent(exitIntent(a, 1, 30)));
      expect(s.openOrders().map((o) => o.clientOrderId)).toEqual(['a-sl0', 'b-sl0']);
      expect(s.openOrders('b').map((o) => o.clientOrderId)).toEqual(['b-sl0']);
      expect(s.ordersOf('a').map((o) => o.clientOrderId)).toEqual(['a-sl0', 'a-tp1']);
    }));

  it('reports the steps booked against an order from its fills', () =>
    withStore((s) => {
      const p = newPosition();
      const h = hitLevel(p, 1);
      s.savePosition(h.reached.position);
      value(s.recordIntent(exitIntent(p, 1, 30)));
      expect(s.getOrder('p1-tp1')!.bookedSteps).toBe(0);
      const f1 = fill('p1-tp1', 'a', 10, h.fill.price);
      const r1 = mustApply(h.reached.position, f1);
      s.bookFill(f1, r1.position);
      expect(s.getOrder('p1-tp1')!.bookedSteps).toBe(10);
      const f2 = fill('p1-tp1', 'b', 20, h.fill.price);
      s.bookFill(f2, mustApply(r1.position, f2).position);
      expect(s.getOrder('p1-tp1')!.bookedSteps).toBe(30);
    }));

  it('writes an entry intent before its position exists', () =>
    withStore((s) => {
      const p = newPosition();
      value(s.recordIntent(entryIntent(p)));
      expect(s.getPosition('p1')).toBeNull();
      expect(s.ordersInDoubt().map((o) => o.kind)).toEqual(['entry']);
    }));

  const bad: [string, (i: OrderIntent) => OrderIntent, string][] = [
    ['an exit that is not reduce-only', (i) => ({ ...i, reduceOnly: false }), 'only an entry may increase the position (F12)'],
    ['a reduce-only entry', (i) => ({ ...i, kind: 'entry' }), 'only an entry may increase the position (F12)'],
    ['a fractional quantity', (i) => ({ ...i, qtySteps: asSteps(1) + 0.5 }) as OrderIntent, 'is not a positive integer of steps'],
    ['a quantity with closePosition', (i) => ({ ...i, reduceOnly: false, closePosition: true }), 'a quantity is given exactly when closePosition is false'],
    ['a market order with a limit price', (i) => ({ ...i, price: 1, priceTicks: 10 }) as OrderIntent, 'a limit price is given exactly for limit orders'],
    ['a limit order without one', (i) => ({ ...i, type: 'limit' }), 'a limit price is given exactly for limit orders'],
  ];
  for (const [name, change, message] of bad) {
    it(`throws on a contradictory intent: ${name}`, () =>
      withStore((s) => {
        const i = change(exitIntent(newPosition(), 1, 30));
        expect(() => s.recordIntent(i)).toThrow(StoreError);
        expect(() => s.recordIntent(i)).toThrow(message);
        expect(s.getOrder(i.clientOrderId)).toBeNull();
      }));
  }
});
