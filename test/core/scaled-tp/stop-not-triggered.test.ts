import { describe, expect, it } from 'vitest';
import { applyFill, onPrice, requestClose, stopNotTriggered } from '../../../src/core/scaled-tp/exit-manager.ts';
import { stopPriceOf } from '../../../src/core/scaled-tp/ladder-rules.ts';
import { asSteps } from '../../../src/core/units.ts';
import { open } from '../../support/ladder.ts';
import { BTC } from '../../support/market.ts';
import { DEFAULT_SETTINGS as S } from '../../support/settings.ts';

/**
 * Live, the exchange triggers the stop on the mark price, and the bot may see the last price touch it
 * without the stop firing (a wick): the position must not stay closing on a stop that still rests.
 */
describe('stopNotTriggered: a stop the price reached that did not fire', () => {
  for (const side of ['long', 'short'] as const) {
    const sign = side === 'long' ? 1 : -1;
    it(`${side}: back inside the stop, the position is open again with its targets and stop as before`, () => {
      const o = open({ entry: '60000', qty: 10, side, market: BTC, settings: S }).position;
      const stop = stopPriceOf(o);
      const reached = onPrice(o, stop, 1).position;
      expect(reached.closing?.reason).toBe('stop');
      // On the stop itself, or beyond it, nothing changes: the stop may still fire.
      expect(stopNotTriggered(reached, stop, 0)).toMatchObject({ position: reached });
      expect(stopNotTriggered(reached, stop - sign * 10, 0)).toMatchObject({ position: reached });
      const back = stopNotTriggered(reached, stop + sign * 10, 0);
      expect(back.position.closing).toBeNull();
      expect(back.commands).toEqual([]);
      expect(back.position.stopPrice).toBe(o.stopPrice);
      expect(back.position.nextTargetPrice).toBe(o.nextTargetPrice);
      // The ladder works again: TP1 goes out when reached.
      const tp1 = onPrice(back.position, o.plan.levels[0]!.targetPrice, 2);
      expect(tp1.commands.map((c) => c.kind)).toEqual(['placeExit']);
    });
  }

  it('changes nothing once the stop filled in part, on a close of another reason, or on an open position', () => {
    const o = open({ entry: '60000', qty: 10, market: BTC, settings: S }).position;
    const stop = stopPriceOf(o);
    expect(stopNotTriggered(o, 60000, 0).position).toBe(o);
    const signal = requestClose(o, 'signal', 59000, 1).position;
    expect(stopNotTriggered(signal, 60000, 0).position).toBe(signal);
    const reached = onPrice(o, stop, 1).position;
    const part = applyFill(reached, { clientOrderId: reached.closing!.clientOrderId, tradeId: 't1', orderId: '5', timeMs: 2, qtySteps: asSteps(4), price: stop, fee: 0 });
    if (!part.ok) throw new Error(part.error.message);
    expect(stopNotTriggered(part.value.position, 60000, 0).position).toBe(part.value.position);
  });
});
