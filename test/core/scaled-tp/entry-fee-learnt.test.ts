import { describe, expect, it } from 'vitest';
import { entryFeeLearnt, totalPnl } from '../../../src/core/scaled-tp/exit-manager.ts';
import { fillSent, open } from '../../support/ladder.ts';
import { BTC } from '../../support/market.ts';
import { DEFAULT_SETTINGS as S } from '../../support/settings.ts';


describe('entryFeeLearnt: an entry fee known only after the position was opened with fee 0', () => {
  it('exits booked before shared none of it, later ones share it pro rata and the last takes the rest: the exits still sum to the trade, fee included', () => {
    const o = open({ entry: '60000', qty: 10, market: BTC, settings: S }).position; // entry fee 0
    const afterTp1 = fillSent(o, 60600, 1); // TP1: 3 of 10 steps, no entry fee to share yet
    expect(afterTp1.entryFeeBooked).toBe(0);
    const learnt = entryFeeLearnt(afterTp1, 0.24);
    expect(learnt.commands).toEqual([]);
    const p = learnt.position;
    expect([p.entryFee, p.entryFeeBooked]).toEqual([0.24, 0]);
    const afterTp2 = fillSent(p, 61200, 2); // TP2: 3 steps, 0.24 × 3/10
    expect(afterTp2.entryFeeBooked).toBeCloseTo(0.072, 12);
    const closed = fillSent(afterTp2, 58000, 3); // the stop (breakeven, then TP1's price) closes the rest
    expect(closed.status).toBe('closed');
    expect(closed.entryFeeBooked).toBe(0.24);
    const gross = closed.partialExits.reduce((s, e) => s + (e.price - 60000) * e.qtySteps * 0.001, 0);
    const fees = closed.partialExits.reduce((s, e) => s + e.fee, 0);
    expect(totalPnl(closed)).toBeCloseTo(gross - fees - 0.24, 9);
  });

  it('changes nothing for a position with a fee already, a closed one, or a fee that is not a positive number', () => {
    const withFee = open({ entry: '60000', qty: 10, market: BTC, settings: S, entryFee: 0.3 }).position;
    expect(entryFeeLearnt(withFee, 0.24).position).toBe(withFee);
    const o = open({ entry: '60000', qty: 10, market: BTC, settings: S }).position;
    for (const bad of [0, -1, Number.NaN, Infinity]) expect(entryFeeLearnt(o, bad).position).toBe(o);
    const closed = fillSent(o, 58000, 1);
    expect(closed.status).toBe('closed');
    expect(entryFeeLearnt(closed, 0.24).position).toBe(closed);
  });
});
