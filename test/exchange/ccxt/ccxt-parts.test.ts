import ccxt, * as entry from 'ccxt';
import { describe, expect, it } from 'vitest';
import { BinanceUsdm, ccxtErrors } from '../../../src/exchange/ccxt/ccxt-parts.ts';

// ccxt-parts.ts loads two of ccxt's files by path (its entry costs 0.5–1 s more a process): they must
// be the very classes the package's entry exports, or `instanceof` in errors.ts would miss them.
describe('ccxt parts loaded by their own files', () => {
  it("are the package entry's own binanceusdm (ccxt.pro) class", () => {
    expect(BinanceUsdm).toBe(ccxt.pro.binanceusdm);
    expect(new BinanceUsdm({}).id).toBe('binanceusdm');
  });

  it("are the package entry's own error classes, every one of them", () => {
    const names = Object.keys(entry.errors).filter((n) => n !== 'default');
    expect(names.length).toBeGreaterThan(30);
    expect(Object.keys(ccxtErrors).sort()).toEqual([...names].sort());
    for (const name of names) expect(ccxtErrors[name], name).toBe((entry as unknown as Record<string, unknown>)[name]);
    expect(new ccxt.RateLimitExceeded('x')).toBeInstanceOf(ccxtErrors['NetworkError']!);
  });
});
