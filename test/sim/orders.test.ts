import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BTC, type Harness, btcPosition, harness } from './harness.ts';

/** ccxt's amount for a `closePosition` stop: none (ccxt then sends no quantity). */
const CLOSE_ALL = undefined as unknown as number;

/** ccxt's `fetchOrder(id, symbol, params)` with a client order id only. */
const byClientId = (h: Harness, clientOrderId: string, trigger = false) =>
  h.ex.fetchOrder(undefined as unknown as string, BTC, { clientOrderId, ...(trigger ? { trigger: true } : {}) });

describe('orders through ccxt', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
    await h.ex.loadMarkets();
    await h.admin.setPrice('BTCUSDT', '60000');
  });
  afterEach(async () => h.close());

  it('sets leverage and opens a position with a market order at the current price, taker fee', async () => {
    const lev = await h.ex.setLeverage(10, BTC);
    expect(lev).toMatchObject({ leverage: 10, symbol: 'BTCUSDT' });
    const o = await h.ex.createOrder(BTC, 'market', 'buy', 0.003, undefined, { clientOrderId: 'p1-entry' });
    expect(o).toMatchObject({ status: 'closed', filled: 0.003, average: 60000, clientOrderId: 'p1-entry' });
    const [pos] = await h.ex.fetchPositions([BTC]);
    expect(pos).toMatchObject({ symbol: BTC, side: 'long', contracts: 0.003, entryPrice: 60000 });
    const s = await h.admin.state();
    expect(s.fills).toHaveLength(1);
    expect(s.fills[0]!.commission).toBeCloseTo(60000 * 0.003 * 0.0005, 10);
  });

  it('rejects leverage above the first bracket (-4028)', async () => {
    const raw = h.ex as unknown as { fapiPrivatePostLeverage(p: Record<string, string>): Promise<unknown> };
    await expect(raw.fapiPrivatePostLeverage({ symbol: 'BTCUSDT', leverage: '126' })).rejects.toThrow(/-4028/);
  });

  it('places a closePosition stop on the algo endpoint; touching it closes the whole position at the stop price', async () => {
    await h.ex.createOrder(BTC, 'market', 'buy', 0.005, undefined, { clientOrderId: 'p2-entry' });
    const stop = await h.ex.createOrder(BTC, 'market', 'sell', CLOSE_ALL, undefined, { stopLossPrice: 59000, closePosition: true, clientOrderId: 'p2-sl' });
    expect(stop).toMatchObject({ status: 'open', triggerPrice: 59000, clientOrderId: 'p2-sl' });
    await h.admin.setPrice('BTCUSDT', '58500'); // the walk down passes 59000: the stop fills there
    expect(await btcPosition(h.admin)).toBe('0');
    const fills = (await h.admin.state()).fills;
    expect(fills.at(-1)).toMatchObject({ clientOrderId: 'p2-sl', side: 'SELL', price: '59000', qty: '0.005' });
    expect(fills.at(-1)!.realizedPnl).toBeCloseTo(-5, 8);
    const after = await byClientId(h, 'p2-sl', true);
    expect(after.status).toBe('closed');
  });

  it('fills a stop jumped by a gap at the gap price, not at the stop', async () => {
    await h.ex.createOrder(BTC, 'market', 'buy', 0.002);
    await h.ex.createOrder(BTC, 'market', 'sell', CLOSE_ALL, undefined, { stopLossPrice: 59000, closePosition: true });
    await h.admin.setPrice('BTCUSDT', '58000', true);
    expect((await h.admin.state()).fills.at(-1)).toMatchObject({ price: '58000', qty: '0.002' });
  });

  it('finds orders by client order id: matching-engine orders and algo orders', async () => {
    await h.ex.createOrder(BTC, 'market', 'buy', 0.004, undefined, { clientOrderId: 'p3-entry' });
    await h.ex.createOrder(BTC, 'limit', 'sell', 0.002, 62000, { clientOrderId: 'p3-tp1', reduceOnly: true });
    await h.ex.createOrder(BTC, 'market', 'sell', CLOSE_ALL, undefined, { stopLossPrice: 58000, closePosition: true, clientOrderId: 'p3-sl' });
    expect(await byClientId(h, 'p3-entry')).toMatchObject({ status: 'closed', filled: 0.004, clientOrderId: 'p3-entry' });
    expect(await byClientId(h, 'p3-tp1')).toMatchObject({ status: 'open', price: 62000, reduceOnly: true });
    expect(await byClientId(h, 'p3-sl', true)).toMatchObject({ status: 'open', triggerPrice: 58000 });
    const open = await h.ex.fetchOpenOrders(BTC);
    expect(open.map((o) => o.clientOrderId)).toEqual(['p3-tp1']);
    const openStops = await h.ex.fetchOpenOrders(BTC, undefined, undefined, { trigger: true });
    expect(openStops.map((o) => o.clientOrderId)).toEqual(['p3-sl']);
  });

  it('rests a limit order and fills it at its own price when touched, maker fee', async () => {
    await h.ex.createOrder(BTC, 'limit', 'buy', 0.002, 59500, { clientOrderId: 'p4-entry' });
    await h.admin.setPrice('BTCUSDT', '59000');
    const o = await byClientId(h, 'p4-entry');
    expect(o).toMatchObject({ status: 'closed', average: 59500 });
    const fill = (await h.admin.state()).fills[0]!;
    expect(fill.maker).toBe(true);
    expect(fill.commission).toBeCloseTo(59500 * 0.002 * 0.0002, 10);
  });

  it('rejects a reduce-only order that would flip the position (-2022), and one with no position', async () => {
    await h.ex.createOrder(BTC, 'market', 'buy', 0.002);
    await expect(h.ex.createOrder(BTC, 'market', 'sell', 0.003, undefined, { reduceOnly: true })).rejects.toThrow(/-2022/);
    await expect(h.ex.createOrder(BTC, 'market', 'buy', 0.001, undefined, { reduceOnly: true })).rejects.toThrow(/-2022/);
    expect(await btcPosition(h.admin)).toBe('0.002');
  });

  it('rejects a duplicate client order id among open orders (-4116), allows it again once the first is closed', async () => {
    await h.ex.createOrder(BTC, 'limit', 'buy', 0.002, 58000, { clientOrderId: 'dup-1' });
    await expect(h.ex.createOrder(BTC, 'limit', 'buy', 0.002, 57000, { clientOrderId: 'dup-1' })).rejects.toThrow(/-4116/);
    await h.ex.cancelOrder(undefined as unknown as string, BTC, { clientOrderId: 'dup-1' });
    const again = await h.ex.createOrder(BTC, 'limit', 'buy', 0.002, 57000, { clientOrderId: 'dup-1' });
    expect(again.status).toBe('open');
  });

  it('rejects an entry below MIN_NOTIONAL (-4164) but accepts a reduce-only exit below it (SPEC R3, F17)', async () => {
    // BTCUSDT: minQty 0.001, MIN_NOTIONAL 100; 0.001 × 60000 = 60 USDT
    await expect(h.ex.createOrder(BTC, 'market', 'buy', 0.001)).rejects.toThrow(/-4164/);
    await h.ex.createOrder(BTC, 'market', 'buy', 0.002, undefined, { clientOrderId: 'p5-entry' });
    const exit = await h.ex.createOrder(BTC, 'market', 'sell', 0.001, undefined, { reduceOnly: true, clientOrderId: 'p5-tp1' });
    expect(exit).toMatchObject({ status: 'closed', filled: 0.001 });
    expect(await btcPosition(h.admin)).toBe('0.001');
  });

  it('counts resting reduce-only orders against the position (-4118, F6); closePosition stops do not count', async () => {
    await h.ex.createOrder(BTC, 'market', 'buy', 0.003);
    await h.ex.createOrder(BTC, 'market', 'sell', CLOSE_ALL, undefined, { stopLossPrice: 58000, closePosition: true });
    await h.ex.createOrder(BTC, 'limit', 'sell', 0.002, 62000, { reduceOnly: true, clientOrderId: 'p6-tp1' });
    await h.ex.createOrder(BTC, 'limit', 'sell', 0.001, 63000, { reduceOnly: true, clientOrderId: 'p6-tp2' });
    await expect(h.ex.createOrder(BTC, 'market', 'sell', 0.001, undefined, { reduceOnly: true })).rejects.toThrow(/-4118/);
    await h.ex.cancelOrder(undefined as unknown as string, BTC, { clientOrderId: 'p6-tp2' });
    const manual = await h.ex.createOrder(BTC, 'market', 'sell', 0.001, undefined, { reduceOnly: true });
    expect(manual.status).toBe('closed');
  });

  it('clamps a resting reduce-only order to the position at fill time, never flipping it (F19)', async () => {
    await h.ex.createOrder(BTC, 'market', 'buy', 0.003);
    await h.ex.createOrder(BTC, 'limit', 'sell', 0.003, 61000, { reduceOnly: true, clientOrderId: 'p7-tp' });
    await h.ex.createOrder(BTC, 'market', 'sell', 0.002); // not reduce-only: the position shrinks to 0.001
    await h.admin.setPrice('BTCUSDT', '61500');
    expect(await btcPosition(h.admin)).toBe('0');
    const tp = await byClientId(h, 'p7-tp');
    expect(tp).toMatchObject({ status: 'expired', filled: 0.001 });
  });

  it('answers -4120 for STOP_MARKET on the classic order endpoint (F10): stops go to the algo endpoint', async () => {
    await h.ex.createOrder(BTC, 'market', 'buy', 0.002);
    const raw = h.ex as unknown as { fapiPrivatePostOrder(p: Record<string, string>): Promise<unknown> };
    await expect(raw.fapiPrivatePostOrder({ symbol: 'BTCUSDT', side: 'SELL', type: 'STOP_MARKET', quantity: '0.002', stopPrice: '58000' })).rejects.toThrow(/-4120/);
  });

  it('rejects a stop that would trigger at once (-2021)', async () => {
    await h.ex.createOrder(BTC, 'market', 'buy', 0.002);
    await expect(h.ex.createOrder(BTC, 'market', 'sell', CLOSE_ALL, undefined, { stopLossPrice: 60500, closePosition: true })).rejects.toThrow(/-2021/);
  });

  it('refuses a closePosition stop while the symbol has no position and no open order (-4509: GTE_GTC needs one)', async () => {
    await expect(h.ex.createOrder(BTC, 'market', 'sell', CLOSE_ALL, undefined, { stopLossPrice: 58000, closePosition: true, clientOrderId: 'p9-sl' })).rejects.toThrow(/-4509/);
    expect((await h.admin.state()).algoOrders).toEqual([]);
    // A resting order of the symbol is enough (Binance: "open positions or open orders").
    await h.ex.createOrder(BTC, 'limit', 'buy', 0.002, 59000);
    await h.ex.createOrder(BTC, 'market', 'sell', CLOSE_ALL, undefined, { stopLossPrice: 58000, closePosition: true, clientOrderId: 'p9-sl' });
  });

  it('expires closePosition stops when the position is closed (GTE_GTC)', async () => {
    await h.ex.createOrder(BTC, 'market', 'buy', 0.002);
    await h.ex.createOrder(BTC, 'market', 'sell', CLOSE_ALL, undefined, { stopLossPrice: 58000, closePosition: true, clientOrderId: 'p8-sl' });
    await h.ex.createOrder(BTC, 'market', 'sell', 0.002, undefined, { reduceOnly: true });
    expect(await byClientId(h, 'p8-sl', true)).toMatchObject({ status: 'expired' });
  });

  it('liquidates as Binance does (POST /_sim/liquidate): every open order and algo order of the symbol expired first, then an autoclose- order closes the part asked at its price; adl: an adl_autoclose order, orders kept', async () => {
    await h.ex.createOrder(BTC, 'market', 'buy', 0.01);
    await h.ex.createOrder(BTC, 'limit', 'sell', 0.003, 61000, { reduceOnly: true, clientOrderId: 'p9-tp1' });
    await h.ex.createOrder(BTC, 'market', 'sell', CLOSE_ALL, undefined, { stopLossPrice: 58000, closePosition: true, clientOrderId: 'p9-sl' });
    const adl = await h.admin.call('POST', 'liquidate', { symbol: 'BTCUSDT', price: '59000', qty: '0.002', adl: true });
    expect(adl).toMatchObject({ clientOrderId: 'adl_autoclose', qty: '0.002', price: '59000' });
    expect((await h.ex.fetchOpenOrders(BTC)).map((o) => o.clientOrderId)).toEqual(['p9-tp1']);
    const liq = await h.admin.call<{ clientOrderId: string }>('POST', 'liquidate', { symbol: 'BTCUSDT', price: '58500', qty: '0.005' });
    expect(liq.clientOrderId).toMatch(/^autoclose-\d+$/);
    expect(await byClientId(h, 'p9-tp1')).toMatchObject({ status: 'expired' });
    expect(await byClientId(h, 'p9-sl', true)).toMatchObject({ status: 'expired' });
    expect(await btcPosition(h.admin)).toBe('0.003');
    const trades = await h.ex.fetchMyTrades(BTC);
    expect(trades.slice(-2).map((t) => [t.side, t.amount, t.price])).toEqual([['sell', 0.002, 59000], ['sell', 0.005, 58500]]);
    expect(await byClientId(h, liq.clientOrderId)).toMatchObject({ status: 'closed', filled: 0.005 });
    await expect(h.admin.call('POST', 'liquidate', { symbol: 'BTCUSDT', price: '58500', qty: '0.004' })).rejects.toThrow(/at most 0.003/);
  });

  it("charges a liquidation's clearance fee as Binance does, apart from the trade's commission: liquidationFee × the notional, off the wallet, an INSURANCE_CLEAR income record; none for auto-deleveraging", async () => {
    await h.ex.createOrder(BTC, 'market', 'buy', 0.01);
    await h.admin.call('POST', 'liquidate', { symbol: 'BTCUSDT', price: '59000', qty: '0.002', adl: true });
    const before = (await h.admin.state()).balance.wallet;
    const liq = await h.admin.call<{ clearanceFee: number }>('POST', 'liquidate', { symbol: 'BTCUSDT', price: '58500', qty: '0.005' });
    expect(liq.clearanceFee).toBeCloseTo(-0.005 * 58500 * 0.0125, 8);
    const s = await h.admin.state();
    const commission = 0.005 * 58500 * 0.0005;
    expect(s.balance.wallet - before).toBeCloseTo(0.005 * (58500 - 60000) - commission + liq.clearanceFee, 8);
    const raw = h.ex as unknown as { fapiPrivateGetIncome(p: Record<string, string>): Promise<{ incomeType: string; income: string }[]> };
    const cleared = (await raw.fapiPrivateGetIncome({ symbol: 'BTCUSDT', incomeType: 'INSURANCE_CLEAR' })).map((r) => Number(r.income));
    expect(cleared).toEqual([liq.clearanceFee]);
  });

  it('refuses a liquidationFee that is not a rate (negative, not a number, 1 or more) before it liquidates anything', async () => {
    await h.ex.createOrder(BTC, 'market', 'buy', 0.01);
    const wallet = (await h.admin.state()).balance.wallet;
    for (const liquidationFee of [-0.01, 'x', 1, 'Infinity']) {
      await expect(h.admin.call('POST', 'liquidate', { symbol: 'BTCUSDT', price: '58500', liquidationFee })).rejects.toThrow(/liquidationFee/);
    }
    // Before: the position was liquidated, then the fee refused (the error answered, the state changed).
    expect(await btcPosition(h.admin)).toBe('0.01');
    expect((await h.admin.state()).balance.wallet).toBe(wallet);
    expect((await h.ex.fetchMyTrades(BTC)).length).toBe(1);
  });

  it('refuses an admin price that is not above zero (0, -5, 0.00) for price, wick and liquidate: nothing moves, no stop fires', async () => {
    await h.ex.createOrder(BTC, 'market', 'buy', 0.005, undefined, { clientOrderId: 'adm-entry' });
    await h.ex.createOrder(BTC, 'market', 'sell', CLOSE_ALL, undefined, { stopLossPrice: 59000, closePosition: true, clientOrderId: 'adm-sl' });
    for (const price of ['0', '-5', '0.00']) {
      for (const route of ['price', 'wick', 'liquidate']) {
        await expect(h.admin.call('POST', route, { symbol: 'BTCUSDT', price }), `${route} ${price}`).rejects.toThrow(/price: must be a positive multiple of the tick/);
      }
    }
    // Before: '-5' walked the price down to -5 (the stop fired on the way) and left it there.
    const s = await h.admin.state();
    expect(s.prices['BTCUSDT']).toBe('60000');
    expect(await btcPosition(h.admin)).toBe('0.005');
    expect(s.fills).toHaveLength(1);
  });

  it('answers unknown orders with -2013 on fetch and -2011 on cancel', async () => {
    await expect(byClientId(h, 'nope')).rejects.toThrow(/-2013/);
    await expect(h.ex.cancelOrder('123', BTC)).rejects.toThrow(/-2011/);
  });

  it('rejects an order the margin cannot carry (-2019)', async () => {
    // 10000 USDT at 20× carries 200000 USDT of notional; 4 BTC at 60000 is 240000
    await expect(h.ex.createOrder(BTC, 'market', 'buy', 4)).rejects.toThrow(/-2019/);
  });

  it('applies PRICE_FILTER, precision and PERCENT_PRICE like Binance', async () => {
    const raw = h.ex as unknown as { fapiPrivatePostOrder(p: Record<string, string>): Promise<unknown> };
    const limit = (price: string, quantity = '0.002') => raw.fapiPrivatePostOrder({ symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', quantity, price });
    await expect(limit('59000.123')).rejects.toThrow(/-1111/);
    await expect(limit('59000.05')).rejects.toThrow(/-4014/);
    await expect(limit('59000.1', '0.0025')).rejects.toThrow(/-1111/);
    await expect(limit('64000')).rejects.toThrow(/-4016/);
    await expect(limit('56000')).rejects.toThrow(/-4024/);
  });

  it("refuses a quantity or price that is not plain decimal digits (-1100), as Binance does: JavaScript's String(0.0000002) is '2e-7' (ccxt #1054); nothing is placed", async () => {
    const raw = h.ex as unknown as { fapiPrivatePostOrder(p: Record<string, string>): Promise<unknown>; fapiPrivatePostAlgoOrder(p: Record<string, string>): Promise<unknown> };
    const legal = "legal range is '^([0-9]{1,20})("; // then (\.[0-9]{1,20})?$', its backslash doubled in the JSON body
    const market = (quantity: string) => raw.fapiPrivatePostOrder({ symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity, newClientOrderId: `q-${quantity.length}` });
    await expect(market('1e-2')).rejects.toThrow(`Illegal characters found in parameter 'quantity'; ${legal}`);
    await expect(market('2E-3')).rejects.toThrow(/-1100/);
    await expect(market('+0.002')).rejects.toThrow(/-1100/);
    await expect(market(' 0.002')).rejects.toThrow(/-1100/);
    await expect(raw.fapiPrivatePostOrder({ symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', quantity: '0.002', price: '5.9e4' })).rejects.toThrow(`Illegal characters found in parameter 'price'; ${legal}`);
    await expect(
      raw.fapiPrivatePostAlgoOrder({ algoType: 'CONDITIONAL', symbol: 'BTCUSDT', side: 'SELL', type: 'STOP_MARKET', quantity: '0.002', triggerPrice: '5.8e4', reduceOnly: 'true' }),
    ).rejects.toThrow(`Illegal characters found in parameter 'triggerPrice'; ${legal}`);
    const s = await h.admin.state();
    expect([s.orders, s.algoOrders, s.fills].map((x) => x.length)).toEqual([0, 0, 0]);
  });

  it('books realised PnL and fees into the wallet', async () => {
    await h.ex.createOrder(BTC, 'market', 'buy', 0.01);
    await h.admin.setPrice('BTCUSDT', '61000');
    await h.ex.createOrder(BTC, 'market', 'sell', 0.01, undefined, { reduceOnly: true });
    const s = await h.admin.state();
    const fees = 60000 * 0.01 * 0.0005 + 61000 * 0.01 * 0.0005;
    expect(s.balance.wallet).toBeCloseTo(10000 + 10 - fees, 8);
    const trades = await h.ex.fetchMyTrades(BTC);
    expect(trades.map((t) => t.info['realizedPnl'])).toEqual(['0.00000000', '10.00000000']);
  });
});
