import { describe, expect, it } from 'vitest';
import { formatScaled } from '../../../src/core/decimal.ts';
import { fromBinanceSymbol, marketsFromExchangeInfo } from '../../../src/core/market/index.ts';
import type { MarketRules } from '../../../src/core/market/index.ts';
import { type RawFilter, type RawSymbol, TEN, canonical, loadSnapshot, onGridSteps, rawField, rawSymbol } from './snapshot.ts';

const snapshot = loadSnapshot();

function rulesOf(raw: unknown): MarketRules {
  const r = fromBinanceSymbol(raw);
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

/** A copy of a snapshot symbol with one filter replaced (or removed when `next` is undefined). */
function withFilter(s: RawSymbol, filterType: string, next: RawFilter | undefined): RawSymbol {
  const filters = s.filters.flatMap((f) => (f.filterType !== filterType ? [f] : next ? [next] : []));
  return { ...s, filters };
}

const errorOf = (raw: unknown): string => {
  const r = fromBinanceSymbol(raw);
  if (r.ok) throw new Error('expected an error');
  return r.error;
};

describe('marketsFromExchangeInfo on the real USDⓈ-M snapshot', () => {
  const all = marketsFromExchangeInfo(snapshot);

  it('parses all 347 symbols, keyed by exchange id', () => {
    expect(all.ok).toBe(true);
    if (!all.ok) return;
    expect(all.value.size).toBe(347);
    expect([...all.value.keys()]).toEqual(snapshot.symbols.map((s) => s.symbol));
  });

  it('keeps status and contract type as the file gives them', () => {
    if (!all.ok) throw new Error(all.error.join('\n'));
    const count = (f: (m: MarketRules) => boolean) => [...all.value.values()].filter(f).length;
    expect(count((m) => m.status === 'TRADING')).toBe(328);
    expect(count((m) => m.status === 'SETTLING')).toBe(18);
    expect(count((m) => m.contractType === 'PERPETUAL')).toBe(342);
    expect(all.value.get('BTCSTUSDT')?.contractType).toBeUndefined(); // the file's empty contractType
  });

  it('builds ccxt unified symbols for perpetuals, quarterlies, USDC and coin-margined pairs', () => {
    if (!all.ok) throw new Error(all.error.join('\n'));
    const sym = (id: string) => all.value.get(id)?.symbol;
    expect(sym('BTCUSDT')).toBe('BTC/USDT:USDT');
    expect(sym('BTCUSDT_241227')).toBe('BTC/USDT:USDT-241227');
    expect(sym('ETHUSDT_250328')).toBe('ETH/USDT:USDT-250328');
    expect(sym('BTCSTUSDT')).toBe('BTCST/USDT:USDT'); // empty contractType, no-expiry date: a swap, as in ccxt
    expect(sym('ETHBTC')).toBe('ETH/BTC:BTC');
    expect(sym('BTCUSDC')).toBe('BTC/USDC:USDC');
    expect(sym('1000PEPEUSDT')).toBe('1000PEPE/USDT:USDT');
    expect(new Set([...all.value.values()].map((m) => m.symbol)).size).toBe(347);
  });

  it('marks MIN_NOTIONAL as not binding reduce-only orders on every USDⓈ-M symbol (R3)', () => {
    if (!all.ok) throw new Error(all.error.join('\n'));
    expect([...all.value.values()].every((m) => !m.minNotionalAppliesToReduceOnly)).toBe(true);
  });

  it('has a MARKET_LOT_SIZE maxQty below the LOT_SIZE one for most symbols (341 of 347)', () => {
    if (!all.ok) throw new Error(all.error.join('\n'));
    const lower = [...all.value.values()].filter((m) => m.maxQtySteps.market < m.maxQtySteps.limit).map((m) => m.id);
    const rawLower = snapshot.symbols.filter((s) => Number(rawField(s, 'MARKET_LOT_SIZE', 'maxQty')) < Number(rawField(s, 'LOT_SIZE', 'maxQty')));
    expect(lower).toEqual(rawLower.map((s) => s.symbol));
    expect(lower).toHaveLength(341);
  });

  it('reads every symbol the same as the file states it (tick, step, min/max in steps, notional)', () => {
    if (!all.ok) throw new Error(all.error.join('\n'));
    for (const s of snapshot.symbols) {
      const m = all.value.get(s.symbol);
      const step = rawField(s, 'LOT_SIZE', 'stepSize');
      expect(m && formatScaled(1, m.tickSize)).toBe(canonical(rawField(s, 'PRICE_FILTER', 'tickSize')));
      expect(m && formatScaled(1, m.stepSize)).toBe(canonical(step));
      expect(m?.minQtySteps).toEqual({
        limit: onGridSteps(rawField(s, 'LOT_SIZE', 'minQty'), step),
        market: onGridSteps(rawField(s, 'MARKET_LOT_SIZE', 'minQty'), step),
      });
      expect(m?.maxQtySteps).toEqual({
        limit: onGridSteps(rawField(s, 'LOT_SIZE', 'maxQty'), step),
        market: onGridSteps(rawField(s, 'MARKET_LOT_SIZE', 'maxQty'), step),
      });
      expect(m?.minNotional).toBe(Number(rawField(s, 'MIN_NOTIONAL', 'notional')));
    }
  });
});

describe('the ten traded symbols (data README table)', () => {
  for (const id of TEN) {
    it(`${id} is a trading perpetual whose rules match its filters`, () => {
      const raw = rawSymbol(snapshot, id);
      const m = rulesOf(raw);
      const step = rawField(raw, 'LOT_SIZE', 'stepSize');
      expect(m).toMatchObject({ id, symbol: `${raw.baseAsset}/USDT:USDT`, base: raw.baseAsset, quote: 'USDT', status: 'TRADING', contractType: 'PERPETUAL' });
      expect(formatScaled(1, m.tickSize)).toBe(canonical(rawField(raw, 'PRICE_FILTER', 'tickSize')));
      expect(formatScaled(1, m.stepSize)).toBe(canonical(step));
      expect(m.minQtySteps.limit).toBe(onGridSteps(rawField(raw, 'LOT_SIZE', 'minQty'), step));
      expect(m.minQtySteps.market).toBe(onGridSteps(rawField(raw, 'MARKET_LOT_SIZE', 'minQty'), step));
      expect(m.maxQtySteps.market).toBeLessThan(m.maxQtySteps.limit);
      expect(m.minNotional).toBe(Number(rawField(raw, 'MIN_NOTIONAL', 'notional')));
    });
  }

  it('BTCUSDT: tick 0.1, step 0.001, minimum one step, min notional 100 (README values)', () => {
    const m = rulesOf(rawSymbol(snapshot, 'BTCUSDT'));
    expect(m.tickSize).toEqual({ int: 1n, scale: 1 }); // "0.10" in the file
    expect(m.stepSize).toEqual({ int: 1n, scale: 3 });
    expect(m.minQtySteps).toEqual({ limit: 1, market: 1 });
    expect(m.maxQtySteps).toEqual({ limit: 1_000_000, market: 120_000 }); // 1000 and 120 BTC
    expect(m.minNotional).toBe(100);
  });

  it('SOLUSDT: whole-coin step 1, the coarse one (README values)', () => {
    const m = rulesOf(rawSymbol(snapshot, 'SOLUSDT'));
    expect(m.stepSize).toEqual({ int: 1n, scale: 0 });
    expect(m.tickSize).toEqual({ int: 1n, scale: 2 }); // "0.0100"
    expect(m.minQtySteps).toEqual({ limit: 1, market: 1 });
    expect(m.maxQtySteps).toEqual({ limit: 1_000_000, market: 5_000 });
  });

  it('DOGEUSDT: tick 0.00001 from "0.000010" (README values)', () => {
    const m = rulesOf(rawSymbol(snapshot, 'DOGEUSDT'));
    expect(m.tickSize).toEqual({ int: 1n, scale: 5 });
    expect(m.stepSize).toEqual({ int: 1n, scale: 0 });
    expect(m.minNotional).toBe(5);
  });
});

describe('fromBinanceSymbol edge cases', () => {
  const btc = rawSymbol(snapshot, 'BTCUSDT');

  it('rounds a minQty off the step grid UP and a maxQty off the grid DOWN', () => {
    const m = rulesOf(
      withFilter(btc, 'LOT_SIZE', { filterType: 'LOT_SIZE', stepSize: '0.001', minQty: '0.0015', maxQty: '1000.0009' }),
    );
    expect(m.minQtySteps.limit).toBe(2); // 1.5 steps must still be met: 2
    expect(m.maxQtySteps.limit).toBe(1_000_000); // 1000000.9 steps may not be exceeded: 1000000
    const mk = rulesOf(withFilter(btc, 'MARKET_LOT_SIZE', { filterType: 'MARKET_LOT_SIZE', stepSize: '0.001', minQty: '0.0001', maxQty: '119.9999' }));
    expect(mk.minQtySteps.market).toBe(1);
    expect(mk.maxQtySteps.market).toBe(119_999);
  });

  it('reads a minimum of 0 as one step: an order of zero steps is never valid', () => {
    const m = rulesOf(withFilter(btc, 'LOT_SIZE', { filterType: 'LOT_SIZE', stepSize: '0.001', minQty: '0', maxQty: '1000' }));
    expect(m.minQtySteps.limit).toBe(1);
  });

  it('does not depend on the order of filters or of keys inside a filter', () => {
    const shuffled = {
      ...btc,
      filters: [...btc.filters].reverse().map((f) => Object.fromEntries(Object.entries(f).reverse())),
    };
    expect(rulesOf(shuffled)).toEqual(rulesOf(btc));
  });

  it("accepts spot's NOTIONAL / minNotional variants", () => {
    const spotNotional = withFilter(btc, 'MIN_NOTIONAL', { filterType: 'NOTIONAL', minNotional: '5.00000000', maxNotional: '9000000.00000000' });
    expect(rulesOf(spotNotional).minNotional).toBe(5);
    const oldSpot = withFilter(btc, 'MIN_NOTIONAL', { filterType: 'MIN_NOTIONAL', minNotional: '10.00000000', applyToMarket: true });
    expect(rulesOf(oldSpot).minNotional).toBe(10);
  });

  it('reads a symbol without MIN_NOTIONAL as having none, and without MARKET_LOT_SIZE as LOT_SIZE', () => {
    const m = rulesOf(withFilter(withFilter(btc, 'MIN_NOTIONAL', undefined), 'MARKET_LOT_SIZE', undefined));
    expect(m.minNotional).toBe(0);
    expect(m.maxQtySteps).toEqual({ limit: 1_000_000, market: 1_000_000 });
  });

  it('builds a spot-style symbol when the entry has no contract fields', () => {
    const { contractType: _c, deliveryDate: _d, marginAsset: _m, ...spot } = btc;
    expect(rulesOf(spot).symbol).toBe('BTC/USDT');
  });

  it('clamps an enormous maxQty to the largest safe number of steps', () => {
    const m = rulesOf(withFilter(btc, 'LOT_SIZE', { filterType: 'LOT_SIZE', stepSize: '0.00000001', minQty: '0.00000001', maxQty: '92233720368.54775807' }));
    expect(m.maxQtySteps.limit).toBe(Number.MAX_SAFE_INTEGER);
  });

  const errorCases: { name: string; raw: unknown; says: readonly string[] }[] = [
    { name: 'a missing PRICE_FILTER', raw: withFilter(btc, 'PRICE_FILTER', undefined), says: ['BTCUSDT', 'PRICE_FILTER missing'] },
    { name: 'a missing LOT_SIZE', raw: withFilter(btc, 'LOT_SIZE', undefined), says: ['BTCUSDT', 'LOT_SIZE missing'] },
    {
      name: 'a tickSize that is not a decimal',
      raw: withFilter(btc, 'PRICE_FILTER', { filterType: 'PRICE_FILTER', tickSize: 'abc', minPrice: '1', maxPrice: '2' }),
      says: ['BTCUSDT', 'PRICE_FILTER.tickSize', 'abc'],
    },
    {
      name: 'a zero tickSize',
      raw: withFilter(btc, 'PRICE_FILTER', { filterType: 'PRICE_FILTER', tickSize: '0.00', minPrice: '1', maxPrice: '2' }),
      says: ['BTCUSDT', 'PRICE_FILTER.tickSize must be positive'],
    },
    { name: 'a missing stepSize', raw: withFilter(btc, 'LOT_SIZE', { filterType: 'LOT_SIZE', minQty: '0.001', maxQty: '1000' }), says: ['BTCUSDT', 'LOT_SIZE.stepSize missing'] },
    {
      name: 'a negative minQty',
      raw: withFilter(btc, 'MARKET_LOT_SIZE', { filterType: 'MARKET_LOT_SIZE', stepSize: '0.001', minQty: '-1', maxQty: '120' }),
      says: ['BTCUSDT', 'MARKET_LOT_SIZE.minQty is negative'],
    },
    // Sizes no order can have: every entry would be refused, under a reason that names the wrong cause.
    {
      name: 'a LOT_SIZE maxQty below its minQty',
      raw: withFilter(btc, 'LOT_SIZE', { filterType: 'LOT_SIZE', stepSize: '0.001', minQty: '2000', maxQty: '1000' }),
      says: ['BTCUSDT: LOT_SIZE.maxQty 1000 is below its minQty 2000'],
    },
    {
      name: 'a MARKET_LOT_SIZE maxQty of 0',
      raw: withFilter(btc, 'MARKET_LOT_SIZE', { filterType: 'MARKET_LOT_SIZE', stepSize: '0.001', minQty: '0.001', maxQty: '0' }),
      says: ['BTCUSDT: MARKET_LOT_SIZE.maxQty 0 allows no order of step 0.001'],
    },
    { name: 'a MIN_NOTIONAL without a value', raw: withFilter(btc, 'MIN_NOTIONAL', { filterType: 'MIN_NOTIONAL' }), says: ['BTCUSDT', 'MIN_NOTIONAL.notional missing'] },
    { name: 'a quarterly without deliveryDate', raw: { ...rawSymbol(snapshot, 'BTCUSDT_241227'), deliveryDate: undefined }, says: ['BTCUSDT_241227', 'deliveryDate missing'] },
    { name: 'a delivery date out of range', raw: { ...rawSymbol(snapshot, 'BTCUSDT_241227'), deliveryDate: 9e15 }, says: ['BTCUSDT_241227', 'deliveryDate 9000000000000000 is not a date'] },
    { name: 'a filter without filterType', raw: { ...btc, filters: [...btc.filters, { tickSize: '1' }] }, says: ['BTCUSDT', 'filters[7].filterType'] },
    { name: 'a symbol without baseAsset', raw: { ...btc, baseAsset: undefined }, says: ['BTCUSDT', 'baseAsset'] },
    { name: 'something that is not a symbol', raw: 42, says: ['(symbol without a name)'] },
  ];
  for (const c of errorCases) {
    it(`reports ${c.name}, naming the symbol and the field`, () => {
      const e = errorOf(c.raw);
      for (const part of c.says) expect(e).toContain(part);
    });
  }

  it('reports every bad symbol of a file with its index, and duplicates', () => {
    const bad = { ...snapshot, symbols: [btc, withFilter(btc, 'PRICE_FILTER', undefined), rawSymbol(snapshot, 'ETHUSDT'), btc] };
    const r = marketsFromExchangeInfo(bad);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toEqual(['symbols[1] BTCUSDT: PRICE_FILTER missing', 'symbols[3] BTCUSDT: duplicate symbol']);
  });

  it('reports a file that is not an exchangeInfo response', () => {
    const r = marketsFromExchangeInfo({ serverTime: 1 });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error[0]).toMatch(/^exchangeInfo: symbols: /);
  });
});
