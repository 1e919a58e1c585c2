import { afterEach, describe, expect, it } from 'vitest';
import { FeeConverter } from '../../../src/exchange/ccxt/fees.ts';
import { type SimAdapter, marketOrder, simAdapter } from './sim-adapter.ts';

/** Prices of the markets that exist, and how often each was asked for. */
function prices(table: Record<string, number>) {
  const asked: string[] = [];
  const price = async (base: string, quote: string): Promise<number | null> => {
    asked.push(`${base}/${quote}`);
    return table[`${base}/${quote}`] ?? null;
  };
  return { price, asked };
}

describe('FeeConverter: fees in the quote currency (issue 12 item 6)', () => {
  it('a BNB fee is converted at the BNB/USDT price and kept as charged', async () => {
    const p = prices({ 'BNB/USDT': 600 });
    const f = new FeeConverter(p.price);
    expect(await f.toQuote(0.0001, 'BNB', 'USDT')).toEqual({ fee: 0.0001 * 600, feeAsset: 'BNB', feeAmount: 0.0001 });
  });

  it('a fee already in the quote currency is passed through, with its asset', async () => {
    const p = prices({});
    const f = new FeeConverter(p.price);
    expect(await f.toQuote(0.03, 'USDT', 'USDT')).toEqual({ fee: 0.03, feeAsset: 'USDT', feeAmount: 0.03 });
    expect(await f.toQuote(0.03, undefined, 'USDT')).toEqual({ fee: 0.03 });
    expect(p.asked).toEqual([]);
  });

  it('caches the price for its time to live, then reads it again', async () => {
    let now = 0;
    const p = prices({ 'BNB/USDT': 600 });
    const f = new FeeConverter(p.price, 60_000, { nowMs: () => now });
    await f.toQuote(0.001, 'BNB', 'USDT');
    now = 59_000;
    await f.toQuote(0.002, 'BNB', 'USDT');
    expect(p.asked).toEqual(['BNB/USDT']);
    now = 61_000;
    await f.toQuote(0.002, 'BNB', 'USDT');
    expect(p.asked).toEqual(['BNB/USDT', 'BNB/USDT']);
  });

  it('a USDC-margined symbol: a direct BNB/USDC market first', async () => {
    const f = new FeeConverter(prices({ 'BNB/USDC': 601, 'BNB/USDT': 600 }).price);
    expect((await f.toQuote(0.01, 'BNB', 'USDC')).fee).toBeCloseTo(6.01, 10);
  });

  it('with no direct market, through USDT (BNB/USDT, and USDC/USDT inverted)', async () => {
    const f = new FeeConverter(prices({ 'BNB/USDT': 600, 'USDC/USDT': 1.25 }).price);
    expect((await f.toQuote(0.01, 'BNB', 'USDC')).fee).toBeCloseTo((0.01 * 600) / 1.25, 10);
  });

  it('with no way to convert: fee 0 in the quote currency, the fee as charged kept', async () => {
    const f = new FeeConverter(prices({}).price);
    expect(await f.toQuote(0.5, 'XYZ', 'USDT')).toEqual({ fee: 0, feeAsset: 'XYZ', feeAmount: 0.5 });
  });
});

const simNow = (x: SimAdapter): number => Number(x.sim.admin.state()['timeMs']);

describe('ccxt adapter: settle asset and fees on the simulator', () => {
  let a: SimAdapter;
  afterEach(async () => a?.close());

  it('balance() reads the asked asset (the market settle asset), USDT by default', async () => {
    a = await simAdapter({ balance: 5000 });
    await a.ex.markets();
    expect(a.ex.settleAsset('BTCUSDT')).toBe('USDT');
    expect(a.ex.settleAsset('BTCUSDC')).toBe('USDC');
    expect(await a.ex.balance()).toEqual({ total: 5000, free: 5000 });
    expect(await a.ex.balance('USDT')).toEqual({ total: 5000, free: 5000 });
    // The simulator's wallet holds USDT only.
    expect(await a.ex.balance('USDC')).toEqual({ total: 0, free: 0 });
  });

  it('trades(): the simulator charges in USDT, so the fee is passed through with its asset', async () => {
    a = await simAdapter();
    await a.ex.markets();
    a.sim.admin.setPrice('BTCUSDT', '60000');
    await a.ex.createOrder(marketOrder('f-entry'));
    const [t] = await a.ex.trades('BTCUSDT', simNow(a) - 60_000);
    // Taker 0.05 % of 0.002 × 60000.
    expect(t).toMatchObject({ clientOrderId: 'f-entry', feeAsset: 'USDT' });
    expect(t!.fee).toBeCloseTo(0.06, 10);
    expect(t!.feeAmount).toBe(t!.fee);
  });

  it('trades(): a fee ccxt reports in BNB is converted at the BNB/USDT:USDT price (ccxt trades stubbed: the simulator only charges USDT)', async () => {
    a = await simAdapter();
    await a.ex.markets();
    a.sim.admin.setPrice('BTCUSDT', '60000');
    a.sim.admin.setPrice('BNBUSDT', '600');
    await a.ex.createOrder(marketOrder('f-bnb'));
    const client = (a.ex as unknown as { ex: { fetchMyTrades: (...x: unknown[]) => Promise<Array<Record<string, unknown>>> } }).ex;
    const real = client.fetchMyTrades.bind(client);
    client.fetchMyTrades = async (...args: unknown[]) =>
      (await real(...args)).map((t) => ({ ...t, fee: { cost: 0.00009, currency: 'BNB' } }));
    const [t] = await a.ex.trades('BTCUSDT', simNow(a) - 60_000);
    expect(t).toMatchObject({ clientOrderId: 'f-bnb', feeAsset: 'BNB', feeAmount: 0.00009 });
    expect(t!.fee).toBeCloseTo(0.00009 * 600, 10);
    expect(a.requests().filter((r) => r.path === '/fapi/v1/ticker/24hr')).toHaveLength(1);
  });
});
