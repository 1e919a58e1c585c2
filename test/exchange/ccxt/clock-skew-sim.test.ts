import { afterEach, describe, expect, it } from 'vitest';
import { withRetry } from '../../../src/bot/retry.ts';
import { type SimAdapter, failure, marketOrder, simAdapter } from './sim-adapter.ts';

/**
 * -1021 (R6.4: "-1021 clock skew after a time resync"): this machine's clock drifts from Binance's
 * (a VPS without NTP). The request was refused, not executed; the adapter re-reads the server's time,
 * so the retry is signed with a corrected timestamp and succeeds, instead of failing the same way.
 */
describe('clock skew on the simulator', () => {
  let a: SimAdapter;
  afterEach(async () => a?.close());
  const noWait = { attempts: 3, baseDelayMs: 0, maxDelayMs: 0, sleep: async () => undefined };
  const skewed = () => a.requests().filter((r) => r.code === -1021);

  for (const [name, skewMs, offset] of [
    ['the server is 30 s ahead (our timestamps older than recvWindow)', 30_000, -30_000],
    ['the server is 5 s behind (our timestamps more than 1 s ahead)', -5_000, 5_000],
  ] as const) {
    it(`${name}: the first signed call gets clockSkew, the adapter resyncs, and the retry succeeds`, async () => {
      a = await simAdapter();
      await a.ex.markets();
      a.sim.admin.setPrice('BTCUSDT', '60000');
      a.sim.admin.setClockSkew(skewMs);
      const e = await failure(a.ex.balance());
      expect(e).toMatchObject({ name: 'ExchangeError', code: 'clockSkew', exchangeCode: -1021 });
      expect(Math.abs(a.ex.clockOffsetMs - offset)).toBeLessThan(1_000);
      // Now signed with the server's time: reads and orders go through.
      await a.ex.balance();
      expect(skewed()).toHaveLength(1);
    });
  }

  it('an order refused with -1021 is sent again after the resync and executes once', async () => {
    a = await simAdapter();
    await a.ex.markets();
    a.sim.admin.setPrice('BTCUSDT', '60000');
    a.sim.admin.setClockSkew(20_000);
    const o = await withRetry(() => a.ex.createOrder(marketOrder('skew-entry')), noWait);
    expect(o).toMatchObject({ clientOrderId: 'skew-entry', status: 'filled' });
    const posts = a.requests().filter((r) => r.method === 'POST' && r.path === '/fapi/v1/order');
    expect(posts.map((r) => r.code ?? r.status)).toEqual([-1021, 200]);
    expect((a.sim.admin.state()['fills'] as Array<{ clientOrderId: string }>).filter((f) => f.clientOrderId === 'skew-entry')).toHaveLength(1);
  });
});
