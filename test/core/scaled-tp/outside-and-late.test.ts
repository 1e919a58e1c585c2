import { describe, expect, it } from 'vitest';
import { applyExternalExit, applyFill, applyOrderEnd, onPrice, stopNotTriggered } from '../../../src/core/scaled-tp/exit-manager.ts';
import { nextLevelStatus } from '../../../src/core/scaled-tp/level-status.ts';
import { parseClientId } from '../../../src/core/model/position.ts';
import { asSteps } from '../../../src/core/units.ts';
import { open } from '../../support/ladder.ts';
import { BTC } from '../../support/market.ts';
import { DEFAULT_SETTINGS as S } from '../../support/settings.ts';

const must = <T>(r: { ok: true; value: T } | { ok: false; error: { message: string } }): T => {
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
};
const conserved = (p: { originalSteps: number; remainingSteps: number; partialExits: readonly { qtySteps: number }[] }) =>
  p.originalSteps === p.remainingSteps + p.partialExits.reduce((a, e) => a + e.qtySteps, 0);

describe('late fills after a cancel or an expiry (the level table rows canceled → filled, filled → filled)', () => {
  it('a resting TP cancelled, then a fill of it arrives: booked, the level done, the stop climbs', () => {
    const o = open({ entry: '60000', qty: 10, market: BTC, settings: { ...S, execution: 'limit' } });
    const canceled = must(applyOrderEnd(o.position, { clientOrderId: 'p1-tp1', status: 'canceled', timeMs: 2 }));
    expect(canceled.position.levels[0]!.status).toBe('canceled');
    const late = must(applyFill(canceled.position, { clientOrderId: 'p1-tp1', tradeId: 't1', orderId: '9', timeMs: 3, qtySteps: asSteps(3), price: 60600, fee: 0 }));
    expect(late.position.levels[0]!.status).toBe('filled');
    expect(late.position.remainingSteps).toBe(7);
    expect(late.position.tpLevelsHit).toEqual([1]);
    expect(late.commands.map((c) => c.kind)).toEqual(['moveStop']);
    expect(conserved(late.position)).toBe(true);
  });

  it('a market TP that expired in part (level done at what filled), then a late fill of the same order: booked once, never twice', () => {
    const sent = onPrice(open({ entry: '60000', qty: 10, market: BTC, settings: S }).position, 60700, 1);
    const part = must(applyFill(sent.position, { clientOrderId: 'p1-tp1', tradeId: 'a', orderId: '9', timeMs: 2, qtySteps: asSteps(1), price: 60600, fee: 0 }));
    const ended = must(applyOrderEnd(part.position, { clientOrderId: 'p1-tp1', status: 'expired', timeMs: 3 }));
    expect(ended.position.levels[0]!.status).toBe('filled');
    const late = must(applyFill(ended.position, { clientOrderId: 'p1-tp1', tradeId: 'b', orderId: '9', timeMs: 4, qtySteps: asSteps(1), price: 60600, fee: 0 }));
    expect(late.position.remainingSteps).toBe(8);
    expect(must(applyFill(late.position, { clientOrderId: 'p1-tp1', tradeId: 'b', orderId: '9', timeMs: 4, qtySteps: asSteps(1), price: 60600, fee: 0 })).position).toBe(late.position);
    expect(conserved(late.position)).toBe(true);
  });

  it('the table itself: canceled and filled take late fills; skipped takes nothing', () => {
    expect(nextLevelStatus('canceled', 'fill')).toEqual({ ok: true, value: 'filled' });
    expect(nextLevelStatus('canceled', 'partialFill')).toEqual({ ok: true, value: 'filled' });
    expect(nextLevelStatus('filled', 'fill')).toEqual({ ok: true, value: 'filled' });
    expect(nextLevelStatus('skipped', 'fill').ok).toBe(false);
  });
});

describe('a change made outside the bot (R6.6)', () => {
  it('a reduction by hand is an exit of its own reason; pending levels take at most what is left', () => {
    const o = open({ entry: '60000', qty: 10, market: BTC, settings: S });
    const r = must(applyExternalExit(o.position, { reason: 'manual', tradeId: 'x1', orderId: '5', clientOrderId: 'web_1', timeMs: 2, qtySteps: asSteps(8), price: 60300, fee: 0.1 }));
    expect(r.position.remainingSteps).toBe(2);
    expect(r.position.partialExits).toEqual([expect.objectContaining({ reason: 'manual', level: null, qtySteps: 8, clientOrderId: 'web_1' })]);
    expect(r.commands).toEqual([]);
    expect(conserved(r.position)).toBe(true);
    // TP1 (3 planned) now sends the 2 that are left: never more than the position.
    const tp = onPrice(r.position, 60700, 3);
    expect(tp.commands).toEqual([expect.objectContaining({ kind: 'placeExit', clientOrderId: 'p1-tp1', qtySteps: 2 })]);
  });

  it('a close by hand ends the position and cancels the stop (and resting exits): nothing rests once flat (F12)', () => {
    const o = open({ entry: '60000', qty: 10, market: BTC, settings: { ...S, execution: 'limit' } });
    const r = must(applyExternalExit(o.position, { reason: 'liquidation', tradeId: 'l1', orderId: null, clientOrderId: 'autoclose-1', timeMs: 2, qtySteps: asSteps(10), price: 48000, fee: 0 }));
    expect(r.position.status).toBe('closed');
    expect(r.commands).toEqual([{ kind: 'cancelOrders', clientOrderIds: ['p1-sl0', 'p1-tp1', 'p1-tp2', 'p1-tp3'] }]);
    expect(r.events.map((e) => e.type)).toEqual(['fill.applied', 'position.closed']);
    expect(r.position.partialExits[0]!.pnl).toBeLessThan(0);
  });

  it('a reduction in limit mode cancels the resting exits (they claimed what is gone): withdrawn until each cancel is confirmed, then resting again for what is left', () => {
    const o = open({ entry: '60000', qty: 10, market: BTC, settings: { ...S, execution: 'limit' } });
    const r = must(applyExternalExit(o.position, { reason: 'manual', tradeId: 'x', orderId: null, clientOrderId: '', timeMs: 2, qtySteps: asSteps(5), price: 60000, fee: 0 }));
    expect(r.position.levels.map((l) => l.status)).toEqual(['withdrawn', 'withdrawn', 'withdrawn']);
    expect(r.commands).toEqual([{ kind: 'cancelOrders', clientOrderIds: ['p1-tp1', 'p1-tp2', 'p1-tp3'] }]);
    expect(r.position.partialExits[0]!.clientOrderId).toBe('p1-manual');
    // While withdrawn nothing of a level goes out again, even at its target.
    expect(onPrice(r.position, 61000, 3).commands.filter((c) => c.kind === 'placeExit')).toEqual([]);
    // TP1's cancel confirmed with nothing filled: pending; the others still claim what they may fill.
    const back = must(applyOrderEnd(r.position, { clientOrderId: 'p1-tp1', status: 'canceled', timeMs: 4 }));
    expect(back.position.levels.map((l) => l.status)).toEqual(['pending', 'withdrawn', 'withdrawn']);
    expect(onPrice(back.position, 60700, 5).commands.filter((c) => c.kind === 'placeExit')).toEqual([]);
    // Every cancel confirmed: the levels rest again at their targets, as at entry, each for its share of
    // the 5 left (TP3 gets nothing: TP2 takes what is left, R3.2), not only once the price reaches them.
    const tp2 = must(applyOrderEnd(back.position, { clientOrderId: 'p1-tp2', status: 'canceled', timeMs: 5 }));
    expect(tp2.commands).toEqual([]);
    const all = must(applyOrderEnd(tp2.position, { clientOrderId: 'p1-tp3', status: 'expired', timeMs: 5 }));
    expect(all.position.levels.map((l) => l.status)).toEqual(['sent', 'sent', 'pending']);
    expect(all.commands.map((c) => c.kind === 'placeExit' && [c.clientOrderId, c.orderType, c.qtySteps, c.limitPrice])).toEqual([
      ['p1-tp1', 'limit', 3, 60600],
      ['p1-tp2', 'limit', 2, 61200],
    ]);
    // Reached, they fill as resting orders: nothing is sent twice.
    const again = onPrice(all.position, 60700, 6);
    expect(again.commands.filter((c) => c.kind === 'placeExit')).toEqual([]);
    const tp1 = must(applyFill(again.position, { clientOrderId: 'p1-tp1', tradeId: 't1', orderId: '9', timeMs: 7, qtySteps: asSteps(3), price: 60600, fee: 0 }));
    expect(tp1.position.remainingSteps).toBe(2);
    expect(conserved(tp1.position)).toBe(true);
  });

  it('a withdrawn exit that fills before its cancel lands is booked once as its level (never sent again); one that filled in part is done by what filled', () => {
    const o = open({ entry: '60000', qty: 10, market: BTC, settings: { ...S, execution: 'limit' } });
    const r = must(applyExternalExit(o.position, { reason: 'manual', tradeId: 'x', orderId: null, clientOrderId: '', timeMs: 2, qtySteps: asSteps(2), price: 60000, fee: 0 }));
    const filled = must(applyFill(r.position, { clientOrderId: 'p1-tp1', tradeId: 't1', orderId: '9', timeMs: 3, qtySteps: asSteps(3), price: 60600, fee: 0 }));
    expect(filled.position.levels[0]!.status).toBe('filled');
    expect(filled.position.tpLevelsHit).toEqual([1]);
    expect(filled.commands.map((c) => c.kind)).toEqual(['moveStop']);
    expect(filled.position.remainingSteps).toBe(5);
    expect(conserved(filled.position)).toBe(true);
    // Its cancel then answers (-2011 looked up, or canceled): nothing changes.
    expect(must(applyOrderEnd(filled.position, { clientOrderId: 'p1-tp1', status: 'canceled', timeMs: 4 })).position.levels[0]!.status).toBe('filled');
    const part = must(applyFill(r.position, { clientOrderId: 'p1-tp2', tradeId: 't2', orderId: '8', timeMs: 3, qtySteps: asSteps(1), price: 61200, fee: 0 }));
    expect(part.position.levels[1]!.status).toBe('withdrawn');
    const done = must(applyOrderEnd(part.position, { clientOrderId: 'p1-tp2', status: 'canceled', timeMs: 4 }));
    expect(done.position.levels[1]!).toMatchObject({ status: 'filled', filledSteps: 1 });
  });

  it('a resting TP partly filled before a reduction by hand: the level is done by what filled and the stop climbs, as when the partial fill comes after the reduction (R1.5, F15)', () => {
    const o = open({ entry: '60000', qty: 10, market: BTC, settings: { ...S, execution: 'limit' } });
    const part = must(applyFill(o.position, { clientOrderId: 'p1-tp1', tradeId: 't1', orderId: '9', timeMs: 2, qtySteps: asSteps(1), price: 60600, fee: 0 }));
    expect(part.position.levels[0]!.status).toBe('sent');
    const r = must(applyExternalExit(part.position, { reason: 'manual', tradeId: 'x', orderId: null, clientOrderId: '', timeMs: 3, qtySteps: asSteps(2), price: 60500, fee: 0 }));
    // Withdrawn (the rest of it may still rest and fill) until its end is confirmed, then done by what filled.
    expect(r.position.levels[0]!).toMatchObject({ status: 'withdrawn', filledSteps: 1 });
    expect(must(applyOrderEnd(r.position, { clientOrderId: 'p1-tp1', status: 'canceled', timeMs: 4 })).position.levels[0]!).toMatchObject({ status: 'filled', filledSteps: 1 });
    expect(r.position.tpLevelsHit).toEqual([1]);
    // TP1 is done: the stop goes to breakeven, as applyOrderEnd does for a level ended in part.
    expect(r.position.stopPrice).toBe(60000);
    expect(r.commands).toEqual([
      { kind: 'cancelOrders', clientOrderIds: ['p1-tp1', 'p1-tp2', 'p1-tp3'] },
      expect.objectContaining({ kind: 'moveStop', clientOrderId: 'p1-sl1', replacesClientOrderId: 'p1-sl0', stopPrice: 60000 }),
    ]);
    expect(r.events.map((e) => e.type)).toEqual(['fill.applied', 'stop.moved']);
    expect(conserved(r.position)).toBe(true);
    // The same reduction after the partial fill's order ended: the same stop.
    const ended = must(applyOrderEnd(part.position, { clientOrderId: 'p1-tp1', status: 'canceled', timeMs: 3 }));
    expect(ended.position.stopPrice).toBe(r.position.stopPrice);
  });

  it('a TP partly filled before a reduction by hand still rests until its cancel is confirmed: the others rest again only for what it cannot take (no -4118, never more resting than held)', () => {
    const o = open({ entry: '60000', qty: 10, market: BTC, settings: { ...S, execution: 'limit' } });
    const part = must(applyFill(o.position, { clientOrderId: 'p1-tp1', tradeId: 't1', orderId: '9', timeMs: 2, qtySteps: asSteps(1), price: 60600, fee: 0 }));
    const r = must(applyExternalExit(part.position, { reason: 'manual', tradeId: 'x', orderId: null, clientOrderId: '', timeMs: 3, qtySteps: asSteps(2), price: 60500, fee: 0 }));
    expect(r.position.remainingSteps).toBe(7);
    // TP2 and TP3's cancels are confirmed; TP1's (2 of 3 still resting) is not yet.
    const tp2 = must(applyOrderEnd(r.position, { clientOrderId: 'p1-tp2', status: 'canceled', timeMs: 4 }));
    const tp3 = must(applyOrderEnd(tp2.position, { clientOrderId: 'p1-tp3', status: 'canceled', timeMs: 5 }));
    const placed = tp3.commands.reduce((n, c) => n + (c.kind === 'placeExit' ? c.qtySteps : 0), 0);
    // 2 of TP1 may still rest (and fill): what rests again must leave them room.
    expect(placed + 2).toBeLessThanOrEqual(tp3.position.remainingSteps);
    // TP1's last 2 then fill before its cancel lands: never more resting than the position holds.
    const late = must(applyFill(tp3.position, { clientOrderId: 'p1-tp1', tradeId: 't3', orderId: '9', timeMs: 6, qtySteps: asSteps(2), price: 60600, fee: 0 }));
    const resting = late.position.levels.reduce((n, l) => n + (l.status === 'sent' || l.status === 'withdrawn' ? l.orderSteps - l.filledSteps : 0), 0);
    expect(resting).toBeLessThanOrEqual(late.position.remainingSteps);
    expect(conserved(late.position)).toBe(true);
  });

  it('the last withdrawn exit filling whole before its cancel lands rests the others again once, within what is left (applyFill path)', () => {
    const o = open({ entry: '60000', qty: 10, market: BTC, settings: { ...S, execution: 'limit' } });
    const r = must(applyExternalExit(o.position, { reason: 'manual', tradeId: 'x', orderId: null, clientOrderId: '', timeMs: 2, qtySteps: asSteps(2), price: 60000, fee: 0 }));
    const tp2 = must(applyOrderEnd(r.position, { clientOrderId: 'p1-tp2', status: 'canceled', timeMs: 3 }));
    const tp3 = must(applyOrderEnd(tp2.position, { clientOrderId: 'p1-tp3', status: 'canceled', timeMs: 3 }));
    expect(tp3.commands).toEqual([]);
    const filled = must(applyFill(tp3.position, { clientOrderId: 'p1-tp1', tradeId: 't1', orderId: '9', timeMs: 4, qtySteps: asSteps(3), price: 60600, fee: 0 }));
    const placed = filled.commands.filter((c) => c.kind === 'placeExit').map((c) => (c.kind === 'placeExit' ? [c.clientOrderId, c.qtySteps] : []));
    expect(placed).toEqual([
      ['p1-tp2', 3],
      ['p1-tp3', 2],
    ]);
    expect(filled.commands.filter((c) => c.kind === 'moveStop')).toHaveLength(1);
    expect(filled.position.remainingSteps).toBe(5);
    // Reached afterwards: nothing is sent twice.
    expect(onPrice(filled.position, 62500, 5).commands.filter((c) => c.kind === 'placeExit')).toEqual([]);
    // TP1's cancel then answers: nothing more.
    expect(must(applyOrderEnd(filled.position, { clientOrderId: 'p1-tp1', status: 'canceled', timeMs: 6 })).commands).toEqual([]);
  });

  it('withdrawn exits whose cancels are confirmed while the price is through the stop rest again once the stop proves not triggered (R1.4)', () => {
    const o = open({ entry: '60000', qty: 10, market: BTC, settings: { ...S, execution: 'limit' } });
    const r = must(applyExternalExit(o.position, { reason: 'manual', tradeId: 'x', orderId: null, clientOrderId: '', timeMs: 2, qtySteps: asSteps(2), price: 60000, fee: 0 }));
    // The last price wicks through the stop (58800): closing on the exchange's stop.
    const wick = onPrice(r.position, 58700, 3);
    expect(wick.position.closing).toMatchObject({ reason: 'stop' });
    const tp1 = must(applyOrderEnd(wick.position, { clientOrderId: 'p1-tp1', status: 'canceled', timeMs: 4 }));
    const tp2 = must(applyOrderEnd(tp1.position, { clientOrderId: 'p1-tp2', status: 'canceled', timeMs: 4 }));
    const tp3 = must(applyOrderEnd(tp2.position, { clientOrderId: 'p1-tp3', status: 'canceled', timeMs: 4 }));
    // The stop did not trigger (mark price): the position is open again, its take-profits must rest again.
    const back = stopNotTriggered(tp3.position, 59500, 5);
    expect(back.position.closing).toBeNull();
    expect(tp3.commands).toEqual([]);
    expect(back.commands.map((c) => c.kind === 'placeExit' && [c.clientOrderId, c.orderType, c.qtySteps, c.limitPrice])).toEqual([
      ['p1-tp1', 'limit', 3, 60600],
      ['p1-tp2', 'limit', 3, 61200],
      ['p1-tp3', 'limit', 2, 62100],
    ]);
    expect(back.position.levels.map((l) => l.status)).toEqual(['sent', 'sent', 'sent']);
    // Reached, they fill as resting orders: nothing is sent twice.
    expect(onPrice(back.position, 60700, 6).commands.filter((c) => c.kind === 'placeExit')).toEqual([]);
  });

  it('the table rows of a withdrawn level: fills are booked, a confirmed end with nothing filled makes it pending, nothing is sent from it', () => {
    expect(nextLevelStatus('sent', 'withdraw')).toEqual({ ok: true, value: 'withdrawn' });
    expect(nextLevelStatus('withdrawn', 'fill')).toEqual({ ok: true, value: 'filled' });
    expect(nextLevelStatus('withdrawn', 'partialFill')).toEqual({ ok: true, value: 'withdrawn' });
    expect(nextLevelStatus('withdrawn', 'endPartial')).toEqual({ ok: true, value: 'filled' });
    expect(nextLevelStatus('withdrawn', 'cancel')).toEqual({ ok: true, value: 'pending' });
    expect(nextLevelStatus('withdrawn', 'reject')).toEqual({ ok: true, value: 'pending' });
    expect(nextLevelStatus('withdrawn', 'send').ok).toBe(false);
    expect(nextLevelStatus('pending', 'withdraw').ok).toBe(false);
  });

  it('the same change twice changes nothing; more than the position holds is refused', () => {
    const o = open({ entry: '60000', qty: 10, market: BTC, settings: S });
    const e = { reason: 'manual' as const, tradeId: 'x1', orderId: null, clientOrderId: '', timeMs: 2, qtySteps: asSteps(3), price: 60000, fee: 0 };
    const r = must(applyExternalExit(o.position, e));
    expect(must(applyExternalExit(r.position, e)).position).toBe(r.position);
    expect(applyExternalExit(r.position, { ...e, tradeId: 'x2', qtySteps: asSteps(8) }).ok).toBe(false);
  });
});

describe('parseClientId: the one parser of our client ids', () => {
  it.each([
    ['BTCUSDT-abc-entry', { positionId: 'BTCUSDT-abc', kind: 'entry', suffix: 'entry', seq: 0 }],
    ['BTCUSDT-abc-sl12', { positionId: 'BTCUSDT-abc', kind: 'stop', suffix: 'sl12', seq: 12 }],
    ['BTCUSDT-abc-close', { positionId: 'BTCUSDT-abc', kind: 'close', suffix: 'close', seq: 0 }],
    ['BTCUSDT-abc-close3', { positionId: 'BTCUSDT-abc', kind: 'close', suffix: 'close3', seq: 3 }],
    ['BTCUSDT-abc-tp2', { positionId: 'BTCUSDT-abc', kind: 'exit', suffix: 'tp2', seq: 0 }],
    ['BTCUSDT-abc-tp', { positionId: 'BTCUSDT-abc', kind: 'exit', suffix: 'tp', seq: 0 }],
  ])('%s', (id, parsed) => expect(parseClientId(id)).toEqual(parsed));

  it.each(['web_123', 'autoclose-1700000000', 'adl_autoclose', '', 'BTCUSDT-abc-slx', '-tp1'])('%s is not ours', (id) => expect(parseClientId(id)).toBeNull());
});

describe('replaceStop: a spent stop order is replaced, never reused', () => {
  it('the same stop price under the next sequence number; nothing for a closed position', async () => {
    const { replaceStop } = await import('../../../src/core/scaled-tp/exit-manager.ts');
    const o = open({ entry: '60000', qty: 10, market: BTC, settings: S });
    const r = replaceStop(o.position);
    expect(r.position.stopSeq).toBe(1);
    expect(r.position.stopTicks).toBe(o.position.stopTicks);
    expect(r.commands).toEqual([{ kind: 'placeStop', clientOrderId: 'p1-sl1', stopTicks: o.position.stopTicks, stopPrice: 58800 }]);
    const closed = must(applyExternalExit(o.position, { reason: 'manual', tradeId: 'x', orderId: null, clientOrderId: '', timeMs: 2, qtySteps: asSteps(10), price: 60000, fee: 0 }));
    expect(replaceStop(closed.position).commands).toEqual([]);
  });
});
