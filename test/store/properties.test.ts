import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type FillInput, type Position, type Side, applyFill } from '../../src/core/index.ts';
import { tradeOf } from '../../src/store/history.ts';
import { type Store, isConserved, openStore } from '../../src/store/index.ts';
import { MARKETS, openLadder, priceTick } from './ladder-driver.ts';
import { tempDir } from '../support/temp-dir.ts';

const numRuns = Number(process.env.FC_NUM_RUNS ?? 300);

type Op =
  | { kind: 'open'; market: number; side: Side; qtySteps: number; entry: number }
  /** The price goes to the position's next target, its stop, or somewhere near the entry. */
  | { kind: 'price'; pick: number; to: 'target' | 'stop' | 'near'; pct: number }
  /** A fill already booked is read again from the exchange. */
  | { kind: 'replay'; pick: number }
  /** The unchanged position is saved again. */
  | { kind: 'resave'; market: number }
  | { kind: 'reopen' };

/** Fees of every fill (0 gives −0 PnLs on shorts closed at the entry). */
const arbFee = fc.oneof(fc.constant(0), fc.double({ min: 0, max: 5, noNaN: true }));

const arbOp: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('open' as const),
      market: fc.integer({ min: 0, max: 2 }),
      side: fc.constantFrom<Side>('long', 'short'),
      qtySteps: fc.oneof(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 100_000 })),
      entry: fc.integer({ min: 10, max: 100_000 }),
    }),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('price' as const),
      pick: fc.nat(),
      to: fc.constantFrom<'target' | 'stop' | 'near'>('target', 'target', 'stop', 'near'),
      pct: fc.double({ min: -3, max: 3, noNaN: true }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('replay' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('resave' as const), market: fc.integer({ min: 0, max: 2 }) }) },
  { weight: 1, arbitrary: fc.constant<Op>({ kind: 'reopen' }) },
);

/** The store as it should be, given the positions the core produced. */
function checkAgainst(store: Store, model: Map<string, Position>): void {
  const all = [...model.values()].sort((a, b) => a.entryTimeMs - b.entryTimeMs || a.id.localeCompare(b.id));
  for (const p of all) {
    expect(store.getPosition(p.id)).toEqual(p);
    expect(isConserved(p)).toBe(true);
    const exitFills = store.fillsOf(p.id).filter((f) => f.role === 'exit');
    expect(exitFills.map((f) => f.tradeId).sort()).toEqual([...p.appliedTradeIds].sort());
    expect(exitFills.reduce((s, f) => s + f.qtySteps, 0)).toBe(p.originalSteps - p.remainingSteps);
  }
  const open = all.filter((p) => p.status === 'open');
  expect(store.openPositions()).toEqual(open);
  for (const m of MARKETS) expect(store.positionBySymbol(m.id)).toEqual(open.find((p) => p.symbol === m.id) ?? null);
  const closedAt = (p: Position) => (p.status === 'closed' ? p.partialExits.reduce((t, e) => Math.max(t, e.timeMs), p.entryTimeMs) : null);
  expect(store.tradeHistory({ includeOpen: true })).toEqual(all.map((p) => tradeOf(p, closedAt(p))));
  expect(store.ordersInDoubt()).toEqual([]);
}

describe('store properties', () => {
  it('any sequence of opens, fills, replays, saves and reopens leaves the store equal to the core’s positions', () => {
    let run = 0;
    fc.assert(
      fc.property(arbFee, fc.array(arbOp, { minLength: 5, maxLength: 40 }), (fee, ops) => {
        const path = join(tempDir('ladder-store-'), `p${run++}.db`);
        // Logical consistency, not durability, is under test here: skip the fsyncs.
        let store = openStore(path, { synchronous: 'normal' });
        const model = new Map<string, Position>();
        const driver = { fee };
        try {
          ops.forEach((op, i) => {
            const t = 1_000_000 * (i + 1);
            const openOn = (market: number) => [...model.values()].find((p) => p.status === 'open' && p.symbol === MARKETS[market]!.id);
            switch (op.kind) {
              case 'open': {
                if (openOn(op.market)) return;
                const p = openLadder(store, driver, { id: `q${i}`, market: op.market, side: op.side, qtySteps: op.qtySteps, entry: op.entry, timeMs: t });
                model.set(p.id, p);
                break;
              }
              case 'price': {
                const open = [...model.values()].filter((p) => p.status === 'open');
                const p = open[op.pick % Math.max(1, open.length)];
                if (!p) return;
                const price =
                  op.to === 'target' && Number.isFinite(p.nextTargetPrice) ? p.nextTargetPrice : op.to === 'near' ? p.entryPrice * (1 + op.pct / 100) : p.stopPrice;
                model.set(p.id, priceTick(store, driver, p, price, t));
                break;
              }
              case 'replay': {
                const fills = [...model.keys()].flatMap((id) => store.fillsOf(id));
                if (fills.length === 0) return;
                const f = fills[op.pick % fills.length]!;
                const p = model.get(f.positionId)!;
                const version = store.positionVersion(p.id);
                const input: FillInput = { clientOrderId: f.clientOrderId, tradeId: f.tradeId, orderId: f.orderId, timeMs: f.timeMs, qtySteps: f.qtySteps, price: f.price, fee: f.fee };
                if (f.role === 'exit') {
                  const r = applyFill(p, input);
                  expect(r.ok && r.value.position).toBe(p); // the core changes nothing either
                }
                expect(store.bookFill(input, p, { entry: f.role === 'entry' })).toBe(false);
                expect(store.positionVersion(p.id)).toBe(version);
                break;
              }
              case 'resave': {
                const p = openOn(op.market);
                if (!p) return;
                const version = store.positionVersion(p.id);
                expect(store.savePosition(p)).toBe(version);
                break;
              }
              case 'reopen':
                store.close();
                store = openStore(path, { synchronous: 'normal' });
                break;
            }
            checkAgainst(store, model);
          });
        } finally {
          store.close();
        }
      }),
      { numRuns },
    );
  }, 300_000);
});
