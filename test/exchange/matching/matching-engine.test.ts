import { describe, expect, it } from 'vitest';
import { parseDec } from '../../../src/core/decimal.ts';
import { Ledger, type MatchRules, MatchingEngine, type PriceView } from '../../../src/exchange/matching/index.ts';

const BTC: MatchRules = { symbol: 'BTCUSDT', tickSize: parseDec('0.1'), stepSize: parseDec('0.001'), maxNumAlgoOrders: 10 };

/** A price view the test drives by hand: the engine's only source of prices and time. */
class Market implements PriceView {
  nowMs = 1_000;
  ticks = 600_000;
  price(): number {
    return this.ticks;
  }
}

/** Entry, a resting TP, a closePosition stop, then the price goes up through the TP and down through the stop. */
function scenario() {
  const m = new Market();
  const e = new MatchingEngine(new Map([['BTCUSDT', BTC]]), m, new Ledger(10_000));
  e.account.setLeverage('BTCUSDT', 5);
  e.submitOrder({ symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', timeInForce: 'GTC', qtySteps: 10, priceTicks: 0, reduceOnly: false, clientOrderId: 'p-entry' });
  e.submitOrder({ symbol: 'BTCUSDT', side: 'SELL', type: 'LIMIT', timeInForce: 'GTC', qtySteps: 4, priceTicks: 606_000, reduceOnly: true, clientOrderId: 'p-tp1' });
  e.submitAlgo({ symbol: 'BTCUSDT', side: 'SELL', orderType: 'STOP_MARKET', qtySteps: 0, priceTicks: 0, triggerPriceTicks: 590_000, timeInForce: 'GTE_GTC', workingType: 'MARK_PRICE', closePosition: true, reduceOnly: false, priceProtect: false, clientAlgoId: 'p-sl0' });
  m.ticks = 607_000;
  m.nowMs = 2_000;
  e.match('BTCUSDT');
  m.ticks = 589_000;
  m.nowMs = 3_000;
  e.match('BTCUSDT');
  return e;
}

describe('matching engine', () => {
  it('depends only on its inputs: the same calls at the same prices and times give the same records', () => {
    expect(JSON.stringify(scenario().snapshot())).toBe(JSON.stringify(scenario().snapshot()));
  });

  it('fills at the prices and times the view gives: the entry at the market, the TP at its limit, the stop at the price that crossed it', () => {
    const fills = scenario().fills.map((f) => [f.clientOrderId, f.side, f.qtySteps, f.priceTicks, f.time, f.maker]);
    expect(fills).toEqual([
      ['p-entry', 'BUY', 10, 600_000, 1_000, false],
      ['p-tp1', 'SELL', 4, 606_000, 2_000, true],
      ['p-sl0', 'SELL', 6, 589_000, 3_000, false],
    ]);
  });

  it('restores a snapshot exactly: the open orders, the ledger and the next ids', () => {
    const m = new Market();
    const a = new MatchingEngine(new Map([['BTCUSDT', BTC]]), m, new Ledger(10_000));
    a.submitOrder({ symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', timeInForce: 'GTC', qtySteps: 10, priceTicks: 0, reduceOnly: false, clientOrderId: 'e' });
    a.submitOrder({ symbol: 'BTCUSDT', side: 'SELL', type: 'LIMIT', timeInForce: 'GTC', qtySteps: 4, priceTicks: 606_000, reduceOnly: true, clientOrderId: 't' });
    const b = new MatchingEngine(new Map([['BTCUSDT', BTC]]), m, new Ledger(0));
    b.restore(JSON.parse(JSON.stringify(a.snapshot())));
    expect(b.snapshot()).toEqual(a.snapshot());
    expect(b.openOrders('BTCUSDT').map((o) => o.clientOrderId)).toEqual(['t']);
    const next = b.submitOrder({ symbol: 'BTCUSDT', side: 'SELL', type: 'MARKET', timeInForce: 'GTC', qtySteps: 1, priceTicks: 0, reduceOnly: false, clientOrderId: 'n' });
    expect(next.ok && next.value.orderId).toBe(Math.max(...a.snapshot().orders.map((o) => o.orderId)) + 1);
  });
});
