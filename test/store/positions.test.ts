import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { type Position, asSteps, onPrice, requestClose } from '../../src/core/index.ts';
import { type Store, StoreError, openStore } from '../../src/store/index.ts';
import { OPEN_VERSIONS_SQL } from '../../src/store/positions.ts';
import { SOL } from '../support/market.ts';
import { fill, hitLevel, mustApply, newPosition } from './store-fixtures.ts';
import { tempDir } from '../support/temp-dir.ts';


function withStore<T>(fn: (s: Store, path: string) => T): T {
  const path = join(tempDir('ladder-store-'), 'ladder.db');
  const s = openStore(path);
  try {
    return fn(s, path);
  } finally {
    s.close();
  }
}

/** A long closed by its three levels, with fees: every exit, stop move, trigger price ±Infinity. */
function closedByLadder(): Position {
  let p = newPosition({ qty: 100, entryFee: 3 });
  for (const k of [1, 2, 3]) p = hitLevel(p, k, { fee: 0.1 * k }).filled.position;
  return p;
}

const reopened = (path: string, fn: (s: Store) => void) => {
  const s = openStore(path);
  try {
    fn(s);
  } finally {
    s.close();
  }
};

describe('positions', () => {
  it('restores an open position exactly, after a reopen', () =>
    withStore((s, path) => {
      const p = newPosition();
      expect(s.savePosition(p)).toBe(1);
      s.close();
      reopened(path, (r) => {
        expect(r.getPosition('p1')).toEqual(p);
        expect(r.openPositions()).toEqual([p]);
        expect(r.positionBySymbol('BTCUSDT')).toEqual(p);
      });
    }));

  it('restores a closed position exactly: ±Infinity trigger prices, every double of every exit', () =>
    withStore((s, path) => {
      const p = closedByLadder();
      expect(p.status).toBe('closed');
      expect(p.nextTargetPrice).toBe(Infinity);
      s.savePosition(p);
      s.close();
      reopened(path, (r) => {
        expect(r.getPosition('p1')).toEqual(p);
        expect(r.openPositions()).toEqual([]);
        expect(r.positionBySymbol('BTCUSDT')).toBeNull();
      });
    }));

  it('keeps the sign of a −0 PnL (a short stopped at breakeven without fees)', () =>
    withStore((s) => {
      let p = newPosition({ side: 'short', qty: 10 });
      p = hitLevel(p, 1).filled.position; // the stop moves to the entry
      const stop = onPrice(p, p.stopPrice, 5000);
      const close = stop.commands.find((c) => c.kind === 'closeRemainder')!;
      p = mustApply(stop.position, fill(close.clientOrderId, 'ts', p.remainingSteps, p.entryPrice, { timeMs: 5000 })).position;
      const last = p.partialExits.at(-1)!;
      expect(Object.is(last.pnl, -0)).toBe(true);
      s.savePosition(p);
      const back = s.getPosition('p1')!;
      expect(Object.is(back.partialExits.at(-1)!.pnl, -0)).toBe(true);
      expect(back).toEqual(p);
    }));

  it('restores a single-TP fallback plan and a coarse-step symbol', () =>
    withStore((s) => {
      const p = newPosition({ id: 'sol1', market: SOL, entry: '150.37', qty: 1 });
      expect(p.plan.mode).toBe('single');
      s.savePosition(p);
      expect(s.getPosition('sol1')).toEqual(p);
    }));

  it('stores the plan once, with the position (R3.4)', () =>
    withStore((s, path) => {
      const p = newPosition();
      s.savePosition(p);
      s.savePosition(hitLevel(p, 1).filled.position);
      s.close();
      reopened(path, (r) => expect(r.getPosition('p1')!.plan).toEqual(p.plan));
    }));

  it('bumps the version on a change and not on an identical save', () =>
    withStore((s) => {
      const p = newPosition();
      expect(s.savePosition(p)).toBe(1);
      expect(s.savePosition(p)).toBe(1);
      expect(s.savePosition({ ...p })).toBe(1);
      const reached = onPrice(p, p.plan.levels[0]!.targetPrice, 1000).position;
      expect(s.savePosition(reached)).toBe(2);
      expect(s.positionVersion('p1')).toBe(2);
      expect(s.positionVersion('nope')).toBeNull();
    }));

  it('says every save of an open position in its ids and versions, events or not (the dashboard polls it), by the open positions\' index', () =>
    withStore((s, path) => {
      expect(s.openPositionVersions()).toBe('');
      const p = newPosition();
      s.savePosition(p);
      expect(s.openPositionVersions()).toBe('p1@1');
      s.savePosition({ ...p, funding: -5, fundingThroughMs: 1000 }); // funding booked: no event goes with it
      expect(s.openPositionVersions()).toBe('p1@2');
      const db = new Database(path, { readonly: true });
      const plan = (db.prepare(`EXPLAIN QUERY PLAN ${OPEN_VERSIONS_SQL}`).all() as { detail: string }[]).map((r) => r.detail).join('\n');
      db.close();
      expect(plan).toMatch(/USING INDEX positions_open_symbol/);
    }));

  it('refuses a save from a stale copy when the caller names the version it read', () =>
    withStore((s) => {
      const p = newPosition();
      s.savePosition(p);
      const reached = onPrice(p, p.plan.levels[0]!.targetPrice, 1000).position;
      expect(s.savePosition(reached, { expectVersion: 1 })).toBe(2);
      const e = catchStore(() => s.savePosition(requestClose(p, 'end', 60000, 2000).position, { expectVersion: 1 }));
      expect(e.code).toBe('stale_version');
      expect(s.getPosition('p1')).toEqual(reached);
      expect(catchStore(() => s.savePosition(newPosition({ id: 'p2', entry: '100' }), { expectVersion: 3 })).code).toBe('stale_version');
    }));

  it('refuses a position whose size is not conserved (R4.2)', () =>
    withStore((s) => {
      const p = newPosition();
      const bad = { ...p, remainingSteps: asSteps(p.remainingSteps - 1) };
      expect(catchStore(() => s.savePosition(bad)).code).toBe('size_not_conserved');
      expect(s.getPosition('p1')).toBeNull();
    }));

  it('refuses a changed plan or symbol for a stored position', () =>
    withStore((s) => {
      const p = newPosition();
      s.savePosition(p);
      expect(catchStore(() => s.savePosition(newPosition({ entry: '61000' }))).code).toBe('conflicting_position');
      expect(catchStore(() => s.savePosition({ ...p, symbol: 'ETHUSDT' })).code).toBe('conflicting_position');
    }));

  it('refuses to drop booked trades: an older copy cannot overwrite a newer one', () =>
    withStore((s) => {
      const p = newPosition();
      const after = hitLevel(p, 1).filled.position;
      s.savePosition(after);
      const e = catchStore(() => s.savePosition(onPrice(p, 1, 1).position));
      expect(e.code).toBe('conflicting_position');
      expect(e.message).toContain('drop booked trades');
      expect(s.getPosition('p1')).toEqual(after);
    }));

  it('allows one open position per symbol, and a new one once it is closed', () =>
    withStore((s) => {
      s.savePosition(newPosition({ id: 'a' }));
      expect(catchStore(() => s.savePosition(newPosition({ id: 'b' }))).code).toBe('duplicate_open_position');
      s.savePosition(newPosition({ id: 'e', market: SOL, entry: '150', qty: 100 }));
      let a = newPosition({ id: 'a' });
      for (const k of [1, 2, 3]) a = hitLevel(a, k, { tradeId: `a${k}` }).filled.position;
      s.savePosition(a);
      s.savePosition(newPosition({ id: 'b' }));
      expect(s.openPositions().map((p) => p.id)).toEqual(['b', 'e']);
      expect(s.positionBySymbol('BTCUSDT')!.id).toBe('b');
    }));

  it('rolls a failed save back entirely: no half-written projections', () =>
    withStore((s) => {
      const p = newPosition({ id: 'a' });
      s.savePosition(p);
      const closed = closedByLadder();
      const other = { ...closed, id: 'b', partialExits: closed.partialExits.map((e) => ({ ...e, pnl: NaN })) };
      // NaN money cannot go into the exits projection (NOT NULL): the whole save fails
      expect(() => s.savePosition(other)).toThrow();
      expect(s.getPosition('b')).toBeNull();
      expect(s.tradeHistory({ includeOpen: true }).map((t) => t.positionId)).toEqual(['a']);
    }));
});

function catchStore(fn: () => unknown): StoreError {
  try {
    fn();
  } catch (e) {
    if (e instanceof StoreError) return e;
    throw e;
  }
  throw new Error('expected a StoreError');
}
