import { describe, expect, it } from 'vitest';
import { type MarketRules, fromBinanceSymbol, fromCcxtMarket } from '../../../src/core/market/index.ts';
import { ccxtMarketsOf, loadSnapshot, rawSymbol } from './snapshot.ts';

const snapshot = loadSnapshot();
// ccxt's own parser over the real snapshot: exactly what binanceusdm.loadMarkets() would hold.
const ccxtMarkets = ccxtMarketsOf(snapshot);

function expectOk(r: ReturnType<typeof fromCcxtMarket>): MarketRules {
  if (!r.ok) throw new Error(r.error);
  return r.value;
}
const fromRaw = (id: string): MarketRules => expectOk(fromBinanceSymbol(rawSymbol(snapshot, id)));
/** A ccxt market as plain data without its raw `info` (what a ccxt markets JSON of another exchange looks like). */
const withoutInfo = (m: object): unknown => {
  const { info: _info, ...rest } = JSON.parse(JSON.stringify(m)) as Record<string, unknown>;
  return rest;
};

describe('fromCcxtMarket against real ccxt 4.5 binanceusdm.parseMarket output', () => {
  it('parses the snapshot into 347 ccxt markets', () => {
    expect(ccxtMarkets).toHaveLength(347);
    expect(ccxtMarkets.find((m) => m.id === 'BTCUSDT')?.precision).toEqual({ amount: 0.001, price: 0.1, base: 1e-8, quote: 1e-8 });
  });

  it('gives the same unified symbol as ccxt for all 347 symbols', () => {
    for (const m of ccxtMarkets) expect(fromRaw(m.id).symbol).toBe(m.symbol);
  });

  it('with info.filters, gives exactly the MarketRules of the raw symbol for all 347', () => {
    for (const m of ccxtMarkets) expect(expectOk(fromCcxtMarket(m))).toEqual(fromRaw(m.id));
  });

  it("from ccxt's numbers alone (precision, limits), gives the same rules for all 347 except status and contract type", () => {
    for (const m of ccxtMarkets) {
      const { status: _s, contractType: _c, ...expected } = fromRaw(m.id);
      const got = expectOk(fromCcxtMarket(withoutInfo(m)));
      expect(got).toEqual({ ...expected, status: undefined, contractType: undefined });
    }
  });

  it('survives a JSON round trip of the markets (a saved ccxt markets file)', () => {
    for (const m of ccxtMarkets) expect(expectOk(fromCcxtMarket(JSON.parse(JSON.stringify(m))))).toEqual(fromRaw(m.id));
  });

  it('reads delivery contracts with their ccxt symbol', () => {
    const q = ccxtMarkets.find((m) => m.id === 'BTCUSDT_241227');
    expect(q?.symbol).toBe('BTC/USDT:USDT-241227');
    expect(expectOk(fromCcxtMarket(q)).symbol).toBe('BTC/USDT:USDT-241227');
  });
});

describe('fromCcxtMarket on hand-built markets', () => {
  const base = {
    id: 'FOOUSDT',
    symbol: 'FOO/USDT:USDT',
    base: 'FOO',
    quote: 'USDT',
    precision: { price: 0.0001, amount: 1 },
    limits: { amount: { min: 2.5, max: 1000 }, market: { min: 1, max: 500 }, cost: { min: 5 } },
  };

  it('reads TICK_SIZE precision as tick and step, and rounds an off-grid minimum up', () => {
    const m = expectOk(fromCcxtMarket(base));
    expect(m.tickSize).toEqual({ int: 1n, scale: 4 });
    expect(m.stepSize).toEqual({ int: 1n, scale: 0 });
    expect(m.minQtySteps).toEqual({ limit: 3, market: 1 });
    expect(m.maxQtySteps).toEqual({ limit: 1000, market: 500 });
    expect(m.minNotional).toBe(5);
    expect(m.minNotionalAppliesToReduceOnly).toBe(false);
  });

  it('reads tiny tick sizes printed in exponent form (1e-7)', () => {
    expect(expectOk(fromCcxtMarket({ ...base, precision: { price: 1e-7, amount: 1 } })).tickSize).toEqual({ int: 1n, scale: 7 });
  });

  it('reads DECIMAL_PLACES precision when asked', () => {
    const m = expectOk(fromCcxtMarket({ ...base, precision: { price: 2, amount: 3 } }, { precisionMode: 'decimalPlaces' }));
    expect(m.tickSize).toEqual({ int: 1n, scale: 2 });
    expect(m.stepSize).toEqual({ int: 1n, scale: 3 });
  });

  it('treats absent limits as none: one step minimum, no maximum, no notional minimum', () => {
    const m = expectOk(fromCcxtMarket({ ...base, limits: { amount: { min: null, max: undefined } } }));
    expect(m.minQtySteps).toEqual({ limit: 1, market: 1 });
    expect(m.maxQtySteps).toEqual({ limit: Number.MAX_SAFE_INTEGER, market: Number.MAX_SAFE_INTEGER });
    expect(m.minNotional).toBe(0);
  });

  it('falls back to limits.amount when limits.market is absent', () => {
    const m = expectOk(fromCcxtMarket({ ...base, limits: { amount: { min: 2, max: 1000 } } }));
    expect(m.minQtySteps).toEqual({ limit: 2, market: 2 });
    expect(m.maxQtySteps).toEqual({ limit: 1000, market: 1000 });
  });

  it('lets the caller say that the minimum notional binds reduce-only orders', () => {
    expect(expectOk(fromCcxtMarket(base, { minNotionalAppliesToReduceOnly: true })).minNotionalAppliesToReduceOnly).toBe(true);
  });

  it('ignores an info that is not a raw Binance symbol', () => {
    expect(expectOk(fromCcxtMarket({ ...base, info: { filters: 'none', status: 'TRADING' } }))).toMatchObject({ status: 'TRADING', tickSize: { int: 1n, scale: 4 } });
  });

  it('reports a broken raw Binance info instead of guessing from the numbers', () => {
    const r = fromCcxtMarket({ ...base, info: { symbol: 'FOOUSDT', baseAsset: 'FOO', quoteAsset: 'USDT', filters: [{ filterType: 'LOT_SIZE' }] } });
    expect(r).toEqual({ ok: false, error: 'FOO/USDT:USDT: info: FOOUSDT: PRICE_FILTER missing' });
  });

  const errorCases: { name: string; m: unknown; says: string }[] = [
    { name: 'a missing precision.price', m: { ...base, precision: { amount: 1 } }, says: 'FOO/USDT:USDT: precision.price missing' },
    { name: 'a zero precision.amount', m: { ...base, precision: { price: 0.1, amount: 0 } }, says: 'FOO/USDT:USDT: precision.amount must be positive' },
    { name: 'a negative limits.cost.min', m: { ...base, limits: { ...base.limits, cost: { min: -1 } } }, says: 'FOO/USDT:USDT: limits.cost.min is negative' },
    {
      name: 'precision written as decimal places in a TICK_SIZE read (a step of 3 coins under a minimum of 0.001)',
      m: { ...base, precision: { price: 1, amount: 3 }, limits: { ...base.limits, amount: { min: 0.001, max: 1000 } } },
      says: 'FOO/USDT:USDT: precision.amount 3 is larger than limits.amount.min 0.001: written as decimal places',
    },
    { name: 'a limits.amount.max below the minimum', m: { ...base, limits: { ...base.limits, amount: { min: 20, max: 10 } } }, says: 'FOO/USDT:USDT: limits.amount.max 10 is below the smallest order' },
    { name: 'a limits.market.max of 0', m: { ...base, limits: { ...base.limits, market: { min: 1, max: 0 } } }, says: 'FOO/USDT:USDT: limits.market.max 0 is below the smallest market order' },
    { name: 'a market without limits', m: { ...base, limits: undefined }, says: 'FOO/USDT:USDT: limits: ' },
    { name: 'a market without a symbol', m: { ...base, symbol: undefined }, says: 'FOOUSDT: symbol: ' },
    { name: 'a value that is not a market', m: 'BTC/USDT', says: '(market without a symbol): ' },
  ];
  for (const c of errorCases) {
    it(`reports ${c.name}`, () => {
      const r = fromCcxtMarket(c.m);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toContain(c.says);
    });
  }
});
