import { describe, expect, it } from 'vitest';
import { findMarket, marketsBySymbol, marketsFromExchangeInfo, parseMarketsFile } from '../../../src/core/market/index.ts';
import { ccxtMarketsOf, loadSnapshot } from './snapshot.ts';

const snapshot = loadSnapshot();
const fromInfo = marketsFromExchangeInfo(snapshot);
if (!fromInfo.ok) throw new Error(fromInfo.error.join('\n'));
const expected = fromInfo.value;

// A ccxt markets JSON as a user would save it: JSON.stringify(exchange.markets).
const ccxtArray: unknown[] = JSON.parse(JSON.stringify(ccxtMarketsOf(snapshot)));
const ccxtObject = Object.fromEntries(ccxtArray.map((m) => [(m as { symbol: string }).symbol, m]));

describe('parseMarketsFile', () => {
  it('reads a Binance exchangeInfo response', () => {
    expect(parseMarketsFile(snapshot)).toEqual({ ok: true, value: expected });
  });

  it('reads ccxt markets keyed by unified symbol, with the same rules as the exchangeInfo', () => {
    expect(parseMarketsFile(ccxtObject)).toEqual({ ok: true, value: expected });
  });

  it('reads an array of ccxt markets', () => {
    expect(parseMarketsFile(ccxtArray)).toEqual({ ok: true, value: expected });
  });

  it('reports each bad ccxt market with its key', () => {
    const bad = { ...ccxtObject, 'BTC/USDT:USDT': { ...(ccxtObject['BTC/USDT:USDT'] as object), info: undefined, precision: {} } };
    const r = parseMarketsFile(bad);
    expect(r).toEqual({ ok: false, error: ['BTC/USDT:USDT: precision.price missing'] });
  });

  it('reports a spot and a swap market sharing one exchange id (ccxt binance rather than binanceusdm)', () => {
    const swap = ccxtObject['BTC/USDT:USDT'] as Record<string, unknown>;
    const spot = { ...swap, symbol: 'BTC/USDT', info: undefined };
    const r = parseMarketsFile([swap, spot]);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error[0]).toBe('[1]: id BTCUSDT is used by both BTC/USDT:USDT and BTC/USDT (use one market type, e.g. binanceusdm)');
  });

  for (const [name, json] of [
    ['a number', 42],
    ['an empty object', {}],
    ['an object of something else', { a: { b: 1 } }],
    ['null', null],
  ] as const) {
    it(`rejects ${name} as not a markets file`, () => {
      const r = parseMarketsFile(json);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error[0]).toMatch(/^not a markets file/);
    });
  }
});

describe('finding a market by exchange id or ccxt symbol', () => {
  it('finds BTCUSDT both ways', () => {
    expect(findMarket(expected, 'BTCUSDT')?.symbol).toBe('BTC/USDT:USDT');
    expect(findMarket(expected, 'BTC/USDT:USDT')?.id).toBe('BTCUSDT');
  });

  it('finds a delivery contract by its dated symbol', () => {
    expect(findMarket(expected, 'BTC/USDT:USDT-241227')?.id).toBe('BTCUSDT_241227');
    expect(findMarket(expected, 'ETH/USDT:USDT-250328')?.id).toBe('ETHUSDT_250328');
  });

  it('finds nothing for an unknown or spot-style name', () => {
    expect(findMarket(expected, 'NOPEUSDT')).toBeUndefined();
    expect(findMarket(expected, 'BTC/USDT')).toBeUndefined();
  });

  it('indexes all 347 markets by unified symbol', () => {
    const bySymbol = marketsBySymbol(expected);
    expect(bySymbol.size).toBe(347);
    expect(bySymbol.get('SOL/USDT:USDT')?.id).toBe('SOLUSDT');
  });
});
