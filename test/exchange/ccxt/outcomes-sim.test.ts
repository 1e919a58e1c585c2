import { afterEach, describe, expect, it } from 'vitest';
import type { FaultRule } from '../../../src/sim/faults.ts';
import { type SimAdapter, failure, marketOrder, simAdapter } from './sim-adapter.ts';

/**
 * The outcomes table through real ccxt on the simulator (issue 12 item 1, FAILURES.md L1): a 5xx or a
 * lost answer after the exchange executed an order is an unknown outcome, never a rejection; the same
 * on a read is transient; definitive Binance codes keep their meaning.
 */
describe('ccxt adapter outcomes on the simulator', () => {
  let a: SimAdapter;
  afterEach(async () => a?.close());

  async function ready(timeoutMs = 3000): Promise<void> {
    a = await simAdapter({}, {}, timeoutMs);
    await a.ex.markets();
    a.sim.admin.setPrice('BTCUSDT', '60000');
  }
  const fault = (rule: FaultRule): void => void a.sim.admin.setFaults(rule);
  const fills = (clientOrderId: string): unknown[] =>
    (a.sim.admin.state()['fills'] as Array<{ clientOrderId: string }>).filter((f) => f.clientOrderId === clientOrderId);

  const processed5xx: Array<[string, Partial<FaultRule>, number]> = [
    ['500 -1001 (internal error)', { status: 500 }, -1001],
    ['503 -1008 (server busy)', { status: 503 }, -1008],
    ['503 -1007 (backend timeout)', { status: 503, code: -1007 }, -1007],
    ['500 -1006 (message bus)', { status: 500, code: -1006 }, -1006],
    ['502 -1000 (unknown error)', { status: 502, code: -1000 }, -1000],
  ];
  for (const [name, rule, code] of processed5xx) {
    it(`createOrder answered ${name} after the order filled: unknownOutcome, and the order is there by client id`, async () => {
      await ready();
      fault({ kind: 'error5xx', processed: true, method: 'POST', path: '/fapi/v1/order', count: 1, ...rule } as FaultRule);
      const e = await failure(a.ex.createOrder(marketOrder('u-entry')));
      expect(e).toMatchObject({ name: 'ExchangeError', code: 'unknownOutcome', exchangeCode: code });
      expect(fills('u-entry')).toHaveLength(1);
      expect(await a.ex.fetchOrder('BTCUSDT', 'u-entry', 'order')).toMatchObject({ status: 'filled', filledSteps: 2 });
    });
  }

  it('a 502 with a plain-text body (no Binance code) on createOrder: unknownOutcome', async () => {
    await ready();
    fault({ kind: 'error5xx', status: 502, processed: true, method: 'POST', path: '/fapi/v1/order', count: 1 });
    expect(await failure(a.ex.createOrder(marketOrder('u-502')))).toMatchObject({ code: 'unknownOutcome', exchangeCode: null });
    expect(fills('u-502')).toHaveLength(1);
  });

  it('a 503 -1008 before the order was handled is still unknownOutcome (the client cannot tell the two apart)', async () => {
    await ready();
    fault({ kind: 'error5xx', status: 503, method: 'POST', path: '/fapi/v1/order', count: 1 });
    expect(await failure(a.ex.createOrder(marketOrder('u-before')))).toMatchObject({ code: 'unknownOutcome', exchangeCode: -1008 });
    expect(await a.ex.fetchOrder('BTCUSDT', 'u-before', 'order')).toBeNull();
  });

  it('cancelOrder answered 500 -1001 after cancelling: unknownOutcome; the order is cancelled on the exchange', async () => {
    await ready();
    await a.ex.createOrder({ ...marketOrder('u-limit'), type: 'limit', priceTicks: 590000 as never });
    fault({ kind: 'error5xx', status: 500, processed: true, method: 'DELETE', path: '/fapi/v1/order', count: 1 });
    expect(await failure(a.ex.cancelOrder('BTCUSDT', 'u-limit', 'order'))).toMatchObject({ code: 'unknownOutcome', exchangeCode: -1001 });
    expect(await a.ex.fetchOrder('BTCUSDT', 'u-limit', 'order')).toMatchObject({ status: 'canceled' });
  });

  it('a stop (algo order) answered 503 -1008 after it was placed: unknownOutcome', async () => {
    await ready();
    await a.ex.createOrder(marketOrder('u-pos'));
    fault({ kind: 'error5xx', status: 503, processed: true, method: 'POST', path: '/fapi/v1/algoOrder', count: 1 });
    const stop = { symbol: 'BTCUSDT', side: 'sell', type: 'stop_market', stopPriceTicks: 580000, reduceOnly: true, closePosition: true, clientOrderId: 'u-sl' } as const;
    expect(await failure(a.ex.createOrder(stop as never))).toMatchObject({ code: 'unknownOutcome', exchangeCode: -1008 });
    expect(await a.ex.fetchOrder('BTCUSDT', 'u-sl', 'stop')).toMatchObject({ status: 'open', closePosition: true });
  });

  it('a protective stop answered by a 5xx whose body carries -4130 after it was placed: unknownOutcome, not a reduce-only second stop under the same id', async () => {
    await ready();
    await a.ex.createOrder(marketOrder('u-pos'));
    // A 502 whose body says "a closePosition stop exists" says nothing of what was done: here the stop was placed.
    fault({ kind: 'error5xx', status: 502, code: -4130, processed: true, method: 'POST', path: '/fapi/v1/algoOrder', count: 1 });
    const stop = { symbol: 'BTCUSDT', side: 'sell', type: 'stop_market', stopPriceTicks: 580000, amountSteps: 2, protective: true, reduceOnly: true, clientOrderId: 'u-psl' } as const;
    expect(await failure(a.ex.createOrder(stop as never))).toMatchObject({ code: 'unknownOutcome', exchangeCode: -4130 });
    // One request to the algo endpoint: the answer was not taken as "the slot is taken" (then a reduce-only stop went out too).
    expect(a.sim.admin.requests().filter((r) => r.method === 'POST' && r.path === '/fapi/v1/algoOrder')).toHaveLength(1);
    expect(await a.ex.fetchOrder('BTCUSDT', 'u-psl', 'stop')).toMatchObject({ status: 'open', closePosition: true });
  });

  it('the answer lost after the order executed (connection reset): unknownOutcome', async () => {
    await ready();
    fault({ kind: 'lostResponse', mode: 'reset', method: 'POST', path: '/fapi/v1/order', count: 1 });
    expect(await failure(a.ex.createOrder(marketOrder('u-reset')))).toMatchObject({ code: 'unknownOutcome' });
    expect(fills('u-reset')).toHaveLength(1);
  });

  it('no answer before the client timeout: unknownOutcome', async () => {
    await ready(400);
    fault({ kind: 'lostResponse', mode: 'hang', method: 'POST', path: '/fapi/v1/order', count: 1 });
    expect(await failure(a.ex.createOrder(marketOrder('u-hang')))).toMatchObject({ code: 'unknownOutcome' });
    expect(fills('u-hang')).toHaveLength(1);
  });

  const reads: Array<[string, string, (x: SimAdapter) => Promise<unknown>]> = [
    ['price', '/fapi/v1/ticker/24hr', (x) => x.ex.price('BTCUSDT')],
    ['position', '/fapi/v3/positionRisk', (x) => x.ex.position('BTCUSDT')],
    ['openOrders', '/fapi/v1/openOrders', (x) => x.ex.openOrders('BTCUSDT')],
    ['trades', '/fapi/v1/userTrades', (x) => x.ex.trades('BTCUSDT', 0)],
    ['fetchOrder', '/fapi/v1/order', (x) => x.ex.fetchOrder('BTCUSDT', 'nope', 'order')],
    ['balance', '/fapi/v3/account', (x) => x.ex.balance()],
  ];
  // fetchOrder of an order that is there (the reads' 'nope' is refused -2013 before any answer).
  const withOrder: typeof reads = [...reads.filter(([n]) => n !== 'fetchOrder'), ['fetchOrder', '/fapi/v1/order', (x) => x.ex.fetchOrder('BTCUSDT', 'u-there', 'order')]];
  for (const [name, path, read] of withOrder) {
    for (const body of [undefined, '{}']) {
      it(`${name} answered 200 with ${body ?? 'an HTML page'} (not its answer): transient, not an empty or zero answer`, async () => {
        await ready();
        await a.ex.createOrder(marketOrder('u-there'));
        fault({ kind: 'badBody', method: 'GET', path, count: 1, ...(body === undefined ? {} : { body }) });
        expect(await failure(read(a))).toMatchObject({ code: 'transient' });
        await expect(read(a)).resolves.toBeDefined();
      });
    }
  }

  for (const path of ['/fapi/v1/positionSide/dual', '/fapi/v1/multiAssetsMargin']) {
    it(`accountModes with ${path} answered 200 with {} (no mode in it): transient, not read as one-way / single-asset`, async () => {
      await ready();
      fault({ kind: 'badBody', body: '{}', method: 'GET', path, count: 1 });
      expect(await failure(a.ex.accountModes())).toMatchObject({ code: 'transient' });
      await expect(a.ex.accountModes()).resolves.toEqual({ hedgeMode: false, multiAssets: false });
    });
  }

  for (const body of [undefined, '{}']) {
    it(`createOrder answered 200 with ${body ?? 'an HTML page'} after the order filled: unknownOutcome, and the order is there by client id`, async () => {
      await ready();
      fault({ kind: 'badBody', method: 'POST', path: '/fapi/v1/order', count: 1, ...(body === undefined ? {} : { body }) });
      expect(await failure(a.ex.createOrder(marketOrder('u-bad')))).toMatchObject({ code: 'unknownOutcome' });
      expect(fills('u-bad')).toHaveLength(1);
      expect(await a.ex.fetchOrder('BTCUSDT', 'u-bad', 'order')).toMatchObject({ status: 'filled', filledSteps: 2 });
    });
  }

  for (const [name, path, read] of reads) {
    for (const status of [500, 503]) {
      it(`${name} answered ${status}: transient (a read is simply retried)`, async () => {
        await ready();
        fault({ kind: 'error5xx', status, method: 'GET', path, count: 1 });
        const e = await failure(read(a));
        expect(e).toMatchObject({ code: 'transient', exchangeCode: status === 500 ? -1001 : -1008 });
        expect(a.requests().filter((r) => r.path === path && r.status === status)).toHaveLength(1);
        await expect(read(a)).resolves.toBeDefined();
      });
    }
  }

  it('start-up: markets() after one 503 -1008 on exchangeInfo succeeds on the next call (ccxt kept the failed load, L2)', async () => {
    a = await simAdapter();
    a.sim.admin.setFaults({ kind: 'error5xx', status: 503, method: 'GET', path: '/fapi/v1/exchangeInfo', count: 1 });
    expect(await failure(a.ex.markets())).toMatchObject({ code: 'transient', exchangeCode: -1008 });
    const rules = await a.ex.markets();
    expect(rules.get('BTCUSDT')).toMatchObject({ symbol: 'BTC/USDT:USDT' });
    expect(a.requests().filter((r) => r.path === '/fapi/v1/exchangeInfo').map((r) => r.status)).toEqual([503, 200]);
    // ccxt's own calls (which load the markets first) work again too.
    a.sim.admin.setPrice('BTCUSDT', '60000');
    expect(await a.ex.price('BTCUSDT')).toBe(60000);
  });

  it('definitive codes keep their meaning through ccxt: -2022 reduceOnlyRejected, -4116 duplicate, -2013 notFound', async () => {
    await ready();
    expect(await failure(a.ex.createOrder(marketOrder('r-ro', 'sell', 2, true)))).toMatchObject({ code: 'reduceOnlyRejected', exchangeCode: -2022 });
    await a.ex.createOrder({ ...marketOrder('r-dup'), type: 'limit', priceTicks: 590000 as never });
    expect(await failure(a.ex.createOrder({ ...marketOrder('r-dup'), type: 'limit', priceTicks: 590000 as never }))).toMatchObject({ code: 'duplicate', exchangeCode: -4116 });
    expect(await a.ex.fetchOrder('BTCUSDT', 'r-none', 'order')).toBeNull();
    expect(await a.ex.cancelOrder('BTCUSDT', 'r-none', 'order')).toBeNull();
  });
});
