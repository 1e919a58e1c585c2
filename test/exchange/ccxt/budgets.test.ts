import ccxt from 'ccxt';
import { describe, expect, it } from 'vitest';
import { apiOrigin } from '../../../src/exchange/ccxt/budgets.ts';
import { CcxtExchange } from '../../../src/exchange/ccxt/ccxt-exchange.ts';
import { WeightBudget } from '../../../src/exchange/ccxt/weight-budget.ts';
import { ccxtForSimulator } from '../../../src/sim/ccxt-client.ts';

describe('one rate-limit budget per API origin in the process', () => {
  it('every CcxtExchange on the same host spends from the same budget; another host has its own', async () => {
    const a = new CcxtExchange(ccxtForSimulator('http://127.0.0.1:7001'));
    const b = new CcxtExchange(ccxtForSimulator('http://127.0.0.1:7001/'));
    const c = new CcxtExchange(ccxtForSimulator('http://127.0.0.1:7002'));
    expect(a.budget).toBe(b.budget);
    expect(c.budget).not.toBe(a.budget);
    await Promise.all([a.close(), b.close(), c.close()]);
  });

  it("Binance USDⓈ-M's origin is its fapi host", () => {
    const ex = new ccxt.binanceusdm();
    expect(apiOrigin(ex.urls, ex.id)).toBe('https://fapi.binance.com');
  });

  it('a ccxt instance cannot be tapped twice with different budgets', () => {
    const client = ccxtForSimulator('http://127.0.0.1:7003');
    const first = new CcxtExchange(client);
    expect(new CcxtExchange(client).budget).toBe(first.budget);
    expect(() => new CcxtExchange(client, { budget: new WeightBudget() })).toThrow(/another rate-limit budget/);
  });
});
