import ccxt from 'ccxt';
import { describe, expect, it } from 'vitest';
import { testConfig } from '../../support/bot-harness.ts';
import { connectExchange } from '../../../src/exchange/connect.ts';
import { ccxtForSimulator } from '../../../src/sim/ccxt-client.ts';
import { CcxtExchange } from '../../../src/exchange/ccxt/ccxt-exchange.ts';

/**
 * The bot believes an order in doubt "not found" only once its request can no longer execute: its
 * recvWindow after it was signed (symbol-trader's resolveDoubts). That window is the one ccxt signs
 * the order request with, pinned here: a ccxt upgrade that changes it fails this test.
 */
describe("the recvWindow the bot assumes is the one ccxt sends with an order", () => {
  /** The recvWindow in the signed body of a POST /fapi/v1/order as ccxt builds it. */
  function sentRecvWindow(ex: { sign(path: string, api: string, method: string, params: object): unknown }): number | null {
    const signed = ex.sign('order', 'fapiPrivate', 'POST', { symbol: 'BTCUSDT', side: 'SELL', type: 'MARKET', quantity: '0.003', newClientOrderId: 'x-tp1' }) as { body?: string };
    const v = new URLSearchParams(signed.body ?? '').get('recvWindow');
    return v === null ? null : Number(v);
  }

  it('10 s, for the live client (connectExchange) and the simulator client alike', async () => {
    const live = connectExchange(testConfig(), { apiKey: 'k', secret: 's' });
    const liveClient = (live as unknown as { ex: Parameters<typeof sentRecvWindow>[0] }).ex;
    expect(sentRecvWindow(liveClient)).toBe(10_000);
    expect(live.recvWindowMs).toBe(10_000);
    await live.close();
    const simClient = ccxtForSimulator('http://127.0.0.1:1', { apiKey: 'k', secret: 's' });
    const sim = new CcxtExchange(simClient);
    expect(sim.recvWindowMs).toBe(sentRecvWindow(simClient));
    await sim.close();
  });

  it('a recvWindow set in the client options is the one assumed', () => {
    const client = new ccxt.binanceusdm({ apiKey: 'k', secret: 's', options: { recvWindow: 7_000 } });
    expect(sentRecvWindow(client)).toBe(7_000);
    expect(new CcxtExchange(client).recvWindowMs).toBe(7_000);
  });
});
