import { describe, expect, it } from 'vitest';
import { applyFill, fundingBooked, onPrice, totalPnl } from '../../../src/core/scaled-tp/exit-manager.ts';
import type { Position } from '../../../src/core/model/position.ts';
import { open } from '../../support/ladder.ts';
import { BTC } from '../../support/market.ts';
import { DEFAULT_SETTINGS as S } from '../../support/settings.ts';

/** Each exit order the price sends, filled whole at its trigger price with fee 0.1. */
function fillSent(p: Position, price: number, timeMs: number): Position {
  const r = onPrice(p, price, timeMs);
  let q = r.position;
  for (const c of r.commands) {
    if (c.kind !== 'placeExit' && c.kind !== 'closeRemainder') continue;
    const f = applyFill(q, { clientOrderId: c.clientOrderId, tradeId: `t-${c.clientOrderId}`, orderId: null, timeMs, qtySteps: c.qtySteps, price: c.triggerPrice, fee: 0.1 });
    if (!f.ok) throw new Error(f.error.message);
    q = f.value.position;
  }
  return q;
}

describe('fundingBooked: the funding a live position paid or received, as the exchange reports it', () => {
  it('sets the total (not an increment), kept through later fills; the trade PnL is its exits plus it (SPEC "Fees")', () => {
    const o = open({ entry: '60000', qty: 10, market: BTC, settings: S }).position;
    expect(o.funding).toBeUndefined();
    const paid = fundingBooked(o, -1.25);
    expect(paid.commands).toEqual([]);
    expect(paid.events).toEqual([]);
    expect(paid.position.funding).toBe(-1.25);
    // The same settlements read again, then one more: the total, never added twice.
    expect(fundingBooked(paid.position, -1.25).position).toBe(paid.position);
    const more = fundingBooked(paid.position, -2).position;
    expect(more.funding).toBe(-2);
    // A fill after it (the core copies the position): the funding stays.
    const afterTp1 = fillSent(more, 60600, 1);
    expect(afterTp1.partialExits).toHaveLength(1);
    expect(afterTp1.funding).toBe(-2);
    const closed = fillSent(afterTp1, 58000, 2);
    expect(closed.status).toBe('closed');
    expect(closed.funding).toBe(-2);
    const exits = closed.partialExits.reduce((s, e) => s + e.pnl, 0);
    expect(totalPnl(closed)).toBe(exits + -2);
    // Settlements read after the close: booked on the closed trade too.
    const late = fundingBooked(closed, 0.5).position;
    expect(late.status).toBe('closed');
    expect(totalPnl(late)).toBe(exits + 0.5);
  });

  it('changes nothing for a total that is not a finite number', () => {
    const o = open({ entry: '60000', qty: 10, market: BTC, settings: S }).position;
    for (const bad of [Number.NaN, Infinity, -Infinity]) expect(fundingBooked(o, bad).position).toBe(o);
  });
});
