import { describe, expect, it } from 'vitest';
import { fundingBooked, totalPnl } from '../../../src/core/scaled-tp/exit-manager.ts';
import { fillSent, open } from '../../support/ladder.ts';
import { BTC } from '../../support/market.ts';
import { DEFAULT_SETTINGS as S } from '../../support/settings.ts';


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
