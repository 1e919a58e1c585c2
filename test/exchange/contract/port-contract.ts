import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExchangeError } from '../../../src/exchange/errors.ts';
import type { ExchangePort, OrderRequest, OrderState } from '../../../src/exchange/port.ts';
import { type Steps, type Ticks, asSteps, asTicks } from '../../../src/core/units.ts';

/** An exchange port under test, with the market around it under the test's control. */
export interface PortUnderTest {
  readonly port: ExchangePort;
  /** Jumps BTCUSDT's price to `price`: orders it crosses fill now (limits at their price, stops at the market). */
  movePrice(price: number): Promise<void>;
  /** Thin liquidity: from now on an order filling on arrival (or a triggered stop) fills only `ratio`, the rest expires. */
  setFillRatio(ratio: number | undefined): Promise<void>;
  close(): Promise<void>;
}

const S = 'BTCUSDT';
/** BTCUSDT: tick 0.1, step 0.001, MIN_NOTIONAL 100 (the shared exchange information). */
const px = (p: number): Ticks => asTicks(Math.round(p * 10));
const qty = (steps: number): Steps => asSteps(steps);
const START = 60_000;

const market = (side: 'buy' | 'sell', steps: number, clientOrderId: string, reduceOnly = false): OrderRequest =>
  ({ symbol: S, side, type: 'market', amountSteps: qty(steps), reduceOnly, clientOrderId });
const limit = (side: 'buy' | 'sell', steps: number, price: number, clientOrderId: string, reduceOnly = true): OrderRequest =>
  ({ symbol: S, side, type: 'limit', amountSteps: qty(steps), priceTicks: px(price), reduceOnly, clientOrderId });
const stopClose = (side: 'buy' | 'sell', stop: number, clientOrderId: string): OrderRequest =>
  ({ symbol: S, side, type: 'stop_market', stopPriceTicks: px(stop), reduceOnly: true, closePosition: true, clientOrderId });
const protective = (side: 'buy' | 'sell', steps: number, stop: number, clientOrderId: string): OrderRequest =>
  ({ symbol: S, side, type: 'stop_market', amountSteps: qty(steps), stopPriceTicks: px(stop), reduceOnly: true, protective: true, clientOrderId });
const stopReduce = (side: 'buy' | 'sell', steps: number, stop: number, clientOrderId: string): OrderRequest =>
  ({ symbol: S, side, type: 'stop_market', amountSteps: qty(steps), stopPriceTicks: px(stop), reduceOnly: true, clientOrderId });

async function rejection(p: Promise<unknown>): Promise<ExchangeError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ExchangeError) return e;
    throw e;
  }
  throw new Error('expected an ExchangeError, the call succeeded');
}

const brief = (o: OrderState | null) =>
  o && { clientOrderId: o.clientOrderId, type: o.type, side: o.side, status: o.status, amountSteps: o.amountSteps, filledSteps: o.filledSteps, reduceOnly: o.reduceOnly, closePosition: o.closePosition };

/**
 * The ExchangePort contract (STYLE §15): the same tests for every implementation, so the bot sees one
 * behaviour whether it trades through ccxt (on the simulator) or on paper. BTCUSDT starts at 60 000,
 * 10 000 USDT, leverage 5, taker 0.05 %, maker 0.02 %.
 */
export function describePortContract(name: string, makePort: () => Promise<PortUnderTest>): void {
  describe(`ExchangePort contract: ${name}`, () => {
    let t: PortUnderTest;
    let ex: ExchangePort;
    beforeEach(async () => {
      sinceMs = 0;
      t = await makePort();
      ex = t.port;
      await ex.markets();
      await ex.setLeverage(S, 5);
    });
    afterEach(async () => {
      await t.close();
    });
    /** Moves the price and reads it, as the bot does each step (paper matches on reads). */
    const moveTo = async (p: number): Promise<void> => {
      await t.movePrice(p);
      expect(await ex.price(S)).toBe(p);
    };
    /** Binance answers a time range of at most 7 days: trades are read from a minute before the first order. */
    let sinceMs = 0;
    const create = async (r: OrderRequest): Promise<OrderState> => {
      const o = await ex.createOrder(r);
      if (sinceMs === 0) sinceMs = o.timeMs - 60_000;
      return o;
    };
    const trades = () => ex.trades(S, sinceMs);
    const enterLong = async (steps = 10): Promise<void> => {
      await create(market('buy', steps, 'entry'));
    };

    it('markets: the symbol with its tick and step', async () => {
      const m = (await ex.markets()).get(S)!;
      expect(m.id).toBe(S);
      expect(m.tickSize).toEqual({ int: 1n, scale: 1 });
      expect(m.stepSize).toEqual({ int: 1n, scale: 3 });
      expect(m.minNotional).toBe(100);
    });

    it('markets(only): the symbols asked for, by exchange id or ccxt symbol, with the rules of the full read', async () => {
      const all = await ex.markets();
      for (const only of [[S], ['BTC/USDT:USDT']]) expect((await ex.markets(only)).get(S), only[0]).toEqual(all.get(S));
    });

    it('candles: closed candles of the timeframe, oldest first, one interval apart', async () => {
      const c = await ex.candles(S, '1h', 5);
      expect(c).toHaveLength(5);
      for (const [i, k] of c.entries()) {
        expect(k.symbol).toBe(S);
        expect(k.low).toBeLessThanOrEqual(Math.min(k.open, k.close));
        expect(k.high).toBeGreaterThanOrEqual(Math.max(k.open, k.close));
        if (i > 0) expect(k.openTimeMs - c[i - 1]!.openTimeMs).toBe(3_600_000);
      }
    });

    it('balance: the starting wallet, all free; fees and margin come out of free after an entry', async () => {
      expect(await ex.balance()).toEqual({ total: 10_000, free: 10_000 });
      await enterLong();
      const b = await ex.balance();
      expect(b.total).toBeCloseTo(10_000 - 0.3, 6);
      expect(b.free).toBeCloseTo(10_000 - 0.3 - 600 / 5, 6);
    });

    it('position: flat, then long after a market buy, at the fill price', async () => {
      expect(await ex.position(S)).toEqual({ symbol: S, side: null, qtySteps: 0, entryPrice: 0 });
      await enterLong();
      expect(await ex.position(S)).toEqual({ symbol: S, side: 'long', qtySteps: 10, entryPrice: START });
      await ex.createOrder(market('sell', 25, 'flip'));
      expect(await ex.position(S)).toEqual({ symbol: S, side: 'short', qtySteps: 15, entryPrice: START });
    });

    it('market order: filled at once at the price; its trade reads back with the client order id and taker fee', async () => {
      const o = await create(market('buy', 10, 'p1-entry'));
      expect(brief(o)).toEqual({ clientOrderId: 'p1-entry', type: 'market', side: 'buy', status: 'filled', amountSteps: 10, filledSteps: 10, reduceOnly: false, closePosition: false });
      expect(o.averagePrice).toBe(START);
      const read = await trades();
      expect(read.map((x) => [x.clientOrderId, x.orderId === o.orderId, x.side, x.qtySteps, x.price])).toEqual([['p1-entry', true, 'buy', 10, START]]);
      expect(read[0]!.fee).toBeCloseTo(0.3, 9);
      expect(brief(await ex.fetchOrder(S, 'p1-entry', 'order'))).toEqual(brief(o));
    });

    it('limit reduce-only: rests, is listed, then fills at its own price with the maker fee when the price crosses it', async () => {
      await enterLong();
      const o = await ex.createOrder(limit('sell', 4, 60_600, 'p1-tp1'));
      expect(brief(o)).toMatchObject({ status: 'open', filledSteps: 0, amountSteps: 4, reduceOnly: true });
      expect((await ex.openOrders(S)).map(brief)).toEqual([brief(o)]);
      await moveTo(60_500);
      expect((await ex.fetchOrder(S, 'p1-tp1', 'order'))!.status).toBe('open');
      await moveTo(60_700);
      const done = await ex.fetchOrder(S, 'p1-tp1', 'order');
      expect(brief(done)).toMatchObject({ status: 'filled', filledSteps: 4 });
      expect(done!.averagePrice).toBe(60_600);
      expect(await ex.position(S)).toMatchObject({ side: 'long', qtySteps: 6 });
      const tp = (await trades()).find((x) => x.clientOrderId === 'p1-tp1')!;
      expect([tp.side, tp.qtySteps, tp.price]).toEqual(['sell', 4, 60_600]);
      expect(tp.fee).toBeCloseTo(60_600 * 0.004 * 0.0002, 9);
      expect(await ex.openOrders(S)).toEqual([]);
    });

    it('stop_market closePosition: rests as a stop, then closes the whole position at the market when touched', async () => {
      await enterLong();
      const s = await ex.createOrder(stopClose('sell', 59_000, 'p1-sl0'));
      expect(brief(s)).toMatchObject({ clientOrderId: 'p1-sl0', type: 'stop_market', status: 'open', reduceOnly: true, closePosition: true, filledSteps: 0 });
      expect(s.stopPriceTicks).toBe(px(59_000));
      expect((await ex.fetchOrder(S, 'p1-sl0', 'stop'))!.status).toBe('open');
      await moveTo(58_900);
      expect(await ex.position(S)).toMatchObject({ side: null, qtySteps: 0 });
      const done = await ex.fetchOrder(S, 'p1-sl0', 'stop');
      expect(done).toMatchObject({ status: 'filled', filledSteps: 10 });
      const sl = (await trades()).find((x) => x.clientOrderId === 'p1-sl0')!;
      expect([sl.side, sl.qtySteps, sl.price]).toEqual(['sell', 10, 58_900]);
      expect(await ex.openOrders(S)).toEqual([]);
    });

    it('stop_market reduce-only with an amount closes that amount when touched', async () => {
      await enterLong();
      await ex.createOrder(stopReduce('sell', 4, 59_500, 'p1-sl1'));
      await moveTo(59_400);
      expect(await ex.position(S)).toMatchObject({ side: 'long', qtySteps: 6 });
      expect(await ex.fetchOrder(S, 'p1-sl1', 'stop')).toMatchObject({ status: 'filled', filledSteps: 4 });
    });

    it('a protective stop is a closePosition stop while that slot is free, else reduce-only for what is held (a stop move, -4130)', async () => {
      await enterLong();
      const first = await ex.createOrder(protective('sell', 10, 59_000, 'p1-sl0'));
      expect(brief(first)).toMatchObject({ clientOrderId: 'p1-sl0', type: 'stop_market', status: 'open', closePosition: true, reduceOnly: true });
      const moved = await ex.createOrder(protective('sell', 10, 59_500, 'p1-sl1'));
      expect(brief(moved)).toMatchObject({ clientOrderId: 'p1-sl1', status: 'open', closePosition: false, reduceOnly: true, amountSteps: 10 });
      await ex.cancelOrder(S, 'p1-sl0', 'stop');
      await moveTo(59_400);
      expect(await ex.position(S)).toMatchObject({ side: null, qtySteps: 0 });
      expect(await ex.fetchOrder(S, 'p1-sl1', 'stop')).toMatchObject({ status: 'filled', filledSteps: 10 });
    });

    it('a closePosition stop expires when the position is closed by other means', async () => {
      await enterLong();
      await ex.createOrder(stopClose('sell', 59_000, 'p1-sl0'));
      await ex.createOrder(market('sell', 10, 'p1-close', true));
      expect(await ex.openOrders(S)).toEqual([]);
      expect((await ex.fetchOrder(S, 'p1-sl0', 'stop'))!.status).toBe('expired');
    });

    it('openOrders lists resting limits and stops together', async () => {
      await enterLong();
      await ex.createOrder(limit('sell', 3, 61_000, 'p1-tp1'));
      await ex.createOrder(stopClose('sell', 59_000, 'p1-sl0'));
      const open = await ex.openOrders(S);
      expect(open.map((o) => [o.clientOrderId, o.type]).sort()).toEqual([['p1-sl0', 'stop_market'], ['p1-tp1', 'limit']]);
    });

    it('rejects a stop its price has already crossed (-2021) as rejected', async () => {
      await enterLong();
      const e = await rejection(ex.createOrder(stopClose('sell', 60_100, 'p1-sl0')));
      expect([e.code, e.exchangeCode]).toEqual(['rejected', -2021]);
      expect(await ex.fetchOrder(S, 'p1-sl0', 'stop')).toBeNull();
    });

    it('keeps one closePosition stop per direction (-4130)', async () => {
      await enterLong();
      await ex.createOrder(stopClose('sell', 59_000, 'p1-sl0'));
      const e = await rejection(ex.createOrder(stopClose('sell', 59_500, 'p1-sl1')));
      expect([e.code, e.exchangeCode]).toEqual(['rejected', -4130]);
    });

    it('rejects reduce-only with no position, or larger than it (-2022), and over the resting reduce-only orders (-4118)', async () => {
      const none = await rejection(ex.createOrder(market('sell', 5, 'x1', true)));
      expect([none.code, none.exchangeCode]).toEqual(['reduceOnlyRejected', -2022]);
      await enterLong();
      const flip = await rejection(ex.createOrder(market('sell', 11, 'x2', true)));
      expect([flip.code, flip.exchangeCode]).toEqual(['reduceOnlyRejected', -2022]);
      const wrongSide = await rejection(ex.createOrder(limit('buy', 2, 59_000, 'x3')));
      expect(wrongSide.code).toBe('reduceOnlyRejected');
      await ex.createOrder(limit('sell', 8, 61_000, 'p1-tp1'));
      const budget = await rejection(ex.createOrder(limit('sell', 3, 62_000, 'p1-tp2')));
      expect([budget.code, budget.exchangeCode]).toEqual(['reduceOnlyRejected', -4118]);
    });

    it('rejects a second open order with the same client id (-4116) and takes the id again once the first is done', async () => {
      await enterLong();
      await ex.createOrder(limit('sell', 3, 61_000, 'p1-tp1'));
      const e = await rejection(ex.createOrder(limit('sell', 3, 61_500, 'p1-tp1')));
      expect([e.code, e.exchangeCode]).toEqual(['duplicate', -4116]);
      await ex.cancelOrder(S, 'p1-tp1', 'order');
      expect((await ex.createOrder(limit('sell', 3, 61_500, 'p1-tp1'))).status).toBe('open');
    });

    it('applies MIN_NOTIONAL to entries (-4164) but not to reduce-only exits', async () => {
      const e = await rejection(ex.createOrder(market('buy', 1, 'tiny')));
      expect([e.code, e.exchangeCode]).toEqual(['rejected', -4164]);
      await enterLong();
      expect((await ex.createOrder(market('sell', 1, 'p1-tp1', true))).status).toBe('filled');
    });

    it('refuses an entry the margin cannot carry (-2019)', async () => {
      const e = await rejection(ex.createOrder(market('buy', 1_000, 'big')));
      expect([e.code, e.exchangeCode]).toEqual(['insufficientMargin', -2019]);
    });

    it('fetchOrder of an unknown client id is null, for orders and stops', async () => {
      expect(await ex.fetchOrder(S, 'nobody', 'order')).toBeNull();
      expect(await ex.fetchOrder(S, 'nobody', 'stop')).toBeNull();
    });

    it('cancelOrder: an open limit or stop is cancelled; one already gone (filled, cancelled, unknown) is null', async () => {
      await enterLong();
      await ex.createOrder(limit('sell', 3, 61_000, 'p1-tp1'));
      await ex.createOrder(stopClose('sell', 59_000, 'p1-sl0'));
      expect(brief(await ex.cancelOrder(S, 'p1-tp1', 'order'))).toMatchObject({ clientOrderId: 'p1-tp1', status: 'canceled' });
      expect(brief(await ex.cancelOrder(S, 'p1-sl0', 'stop'))).toMatchObject({ clientOrderId: 'p1-sl0', status: 'canceled' });
      expect(await ex.cancelOrder(S, 'p1-tp1', 'order')).toBeNull();
      expect(await ex.cancelOrder(S, 'p1-sl0', 'stop')).toBeNull();
      expect(await ex.cancelOrder(S, 'entry', 'order')).toBeNull();
      expect(await ex.cancelOrder(S, 'nobody', 'order')).toBeNull();
      expect(await ex.cancelOrder(S, 'nobody', 'stop')).toBeNull();
      expect((await ex.fetchOrder(S, 'p1-tp1', 'order'))!.status).toBe('canceled');
      expect((await ex.fetchOrder(S, 'p1-sl0', 'stop'))!.status).toBe('canceled');
      expect(await ex.openOrders(S)).toEqual([]);
    });

    it('trades: from a trade id, that trade and every later one, oldest first; since a time, none before it', async () => {
      await enterLong();
      await ex.createOrder(market('sell', 2, 'p1-tp1', true));
      await ex.createOrder(market('sell', 3, 'p1-tp2', true));
      const all = await trades();
      expect(all.map((x) => x.clientOrderId)).toEqual(['entry', 'p1-tp1', 'p1-tp2']);
      const from = await ex.trades(S, sinceMs, all[1]!.tradeId);
      expect(from.map((x) => [x.clientOrderId, x.tradeId])).toEqual([['p1-tp1', all[1]!.tradeId], ['p1-tp2', all[2]!.tradeId]]);
      expect(await ex.trades(S, Math.max(...all.map((x) => x.timeMs)) + 1)).toEqual([]);
    });

    it('partial fill: an order meeting thin liquidity fills in part and the rest expires', async () => {
      await t.setFillRatio(0.5);
      const o = await create(market('buy', 10, 'entry'));
      expect(brief(o)).toMatchObject({ status: 'expired', filledSteps: 5, amountSteps: 10 });
      expect(await ex.position(S)).toMatchObject({ side: 'long', qtySteps: 5 });
      expect((await trades()).map((x) => [x.clientOrderId, x.qtySteps])).toEqual([['entry', 5]]);
    });

    it('partial fill: a triggered stop meeting thin liquidity closes only part of the position', async () => {
      await enterLong();
      await ex.createOrder(stopClose('sell', 59_000, 'p1-sl0'));
      await t.setFillRatio(0.5);
      await moveTo(58_900);
      expect(await ex.position(S)).toMatchObject({ side: 'long', qtySteps: 5 });
      expect(await ex.fetchOrder(S, 'p1-sl0', 'stop')).toMatchObject({ filledSteps: 5 });
    });

    it('reduce-only is clamped at fill time: a resting exit never flips a position that shrank meanwhile (F19)', async () => {
      await enterLong();
      await ex.createOrder(limit('sell', 10, 60_600, 'p1-tp1'));
      await ex.createOrder(market('sell', 6, 'hand'));
      await moveTo(60_700);
      expect(await ex.position(S)).toMatchObject({ side: null, qtySteps: 0 });
      expect(await ex.fetchOrder(S, 'p1-tp1', 'order')).toMatchObject({ status: 'expired', filledSteps: 4 });
    });
  });
}
