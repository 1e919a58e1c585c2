import { describe, expect, it } from 'vitest';
import { fundingBooked, totalPnl } from '../../../src/core/scaled-tp/exit-manager.ts';
import { fillSent, open } from '../../support/ladder.ts';
import { BTC } from '../../support/market.ts';
import { DEFAULT_SETTINGS as S } from '../../support/settings.ts';


describe('fundingBooked: the funding settlements a live position paid or received, as the exchange reports them', () => {
  const H = 3_600_000;
  it('adds the settlements after its cursor and moves the cursor: one read twice or an older one is not booked again; kept through later fills; the trade PnL is its exits plus it (SPEC "Fees")', () => {
    const o = open({ entry: '60000', qty: 10, market: BTC, settings: S }).position;
    expect(o.funding).toBeUndefined();
    const paid = fundingBooked(o, -1.25, 8 * H);
    expect(paid.commands).toEqual([]);
    expect(paid.events).toEqual([]);
    expect([paid.position.funding, paid.position.fundingThroughMs]).toEqual([-1.25, 8 * H]);
    // The same settlement read again, or one before it: nothing added.
    expect(fundingBooked(paid.position, -1.25, 8 * H).position).toBe(paid.position);
    expect(fundingBooked(paid.position, -0.5, 0).position).toBe(paid.position);
    const more = fundingBooked(paid.position, -0.75, 16 * H).position;
    expect([more.funding, more.fundingThroughMs]).toEqual([-2, 16 * H]);
    // A fill after it (the core copies the position): the funding and its cursor stay.
    const afterTp1 = fillSent(more, 60600, 1);
    expect(afterTp1.partialExits).toHaveLength(1);
    expect([afterTp1.funding, afterTp1.fundingThroughMs]).toEqual([-2, 16 * H]);
    const closed = fillSent(afterTp1, 58000, 2);
    expect(closed.status).toBe('closed');
    expect(closed.funding).toBe(-2);
    const exits = closed.partialExits.reduce((s, e) => s + e.pnl, 0);
    expect(totalPnl(closed)).toBe(exits + -2);
    // A settlement read after the close: booked on the closed trade too.
    const late = fundingBooked(closed, 2.5, 24 * H).position;
    expect(late.status).toBe('closed');
    expect(totalPnl(late)).toBe(exits + 0.5);
  });

  it('changes nothing for an amount or a time that is not a finite number', () => {
    const o = open({ entry: '60000', qty: 10, market: BTC, settings: S }).position;
    for (const bad of [Number.NaN, Infinity, -Infinity]) {
      expect(fundingBooked(o, bad, 8 * H).position).toBe(o);
      expect(fundingBooked(o, -1, bad).position).toBe(o);
    }
  });
});
