import { describe, expect, it } from 'vitest';
import { applyExternalExit, exitFeeCharged, totalPnl } from '../../../src/core/scaled-tp/exit-manager.ts';
import { asSteps } from '../../../src/core/units.ts';
import { open } from '../../support/ladder.ts';
import { BTC } from '../../support/market.ts';
import { DEFAULT_SETTINGS as S } from '../../support/settings.ts';

describe("exitFeeCharged: a fee the exchange charged for an exit apart from its trade (Binance's liquidation clearance fee)", () => {
  const liquidated = () => {
    const o = open({ entry: '60000', qty: 10, market: BTC, settings: S }).position;
    const r = applyExternalExit(o, { reason: 'liquidation', tradeId: 't1', orderId: '1', clientOrderId: 'autoclose-1', timeMs: 1_000, qtySteps: asSteps(10), price: 58900, fee: 0.2945 });
    if (!r.ok) throw new Error(r.error.message);
    return r.value.position;
  };

  it('adds the fee to the liquidation exit and takes it off its pnl and the trade pnl, closed or not; the same charge read twice is booked once', () => {
    const p = liquidated();
    expect(p.status).toBe('closed');
    const charged = exitFeeCharged(p, 'liquidation', '14', 7.3625, 1_000);
    expect(charged.commands).toEqual([]);
    expect(charged.position.status).toBe('closed');
    expect(charged.position.partialExits[0]!.fee).toBeCloseTo(0.2945 + 7.3625, 10);
    expect(totalPnl(charged.position)).toBeCloseTo(totalPnl(p) - 7.3625, 10);
    expect(exitFeeCharged(charged.position, 'liquidation', '14', 7.3625, 1_000).position).toBe(charged.position);
  });

  it('changes nothing without a liquidation exit at or before its time, or for a fee that is not a positive number', () => {
    const p = liquidated();
    expect(exitFeeCharged(p, 'liquidation', '14', 7, 999).position).toBe(p);
    expect(exitFeeCharged(p, 'manual', '14', 7, 1_000).position).toBe(p);
    for (const bad of [0, -1, Number.NaN, Infinity]) expect(exitFeeCharged(p, 'liquidation', '14', bad, 1_000).position).toBe(p);
  });
});
