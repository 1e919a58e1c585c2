import { afterEach, describe, expect, it } from 'vitest';
import { type SimAdapter, marketOrder, simAdapter } from './sim-adapter.ts';

/**
 * userTrades answers a page of 1000 at most (500 when no limit is sent) and, on the simulator, the
 * newest trades of a time range that holds more: every trade from a time on is still read (trades-since.ts).
 */
describe('trades: more than a page of account trades, through ccxt on the simulator', () => {
  let a: SimAdapter;
  afterEach(async () => a?.close());

  const LIMITS = { weightPerMinute: 1e7, ordersPerMinute: 1e7, ordersPer10s: 1e7 };

  /** An adapter on a simulator at 60000, limits out of the way; a minute before its clock. */
  async function ready(): Promise<number> {
    a = await simAdapter({ rateLimits: LIMITS }, { limits: LIMITS });
    await a.ex.markets();
    a.sim.admin.setPrice('BTCUSDT', '60000');
    return Number(a.sim.admin.state()['timeMs']) - 60_000;
  }

  /** `n` market orders of two steps, buying and selling in turn: `n` trades of BTCUSDT, ten at a time 15 minutes apart. */
  async function trade(n: number, prefix: string): Promise<void> {
    for (let i = 0; i < n; i++) {
      await a.ex.createOrder(marketOrder(`${prefix}-${i}`, i % 2 === 0 ? 'buy' : 'sell', 2));
      if (i % 10 !== 9) continue;
      a.sim.admin.step(); // 15 minutes
      a.sim.admin.setPrice('BTCUSDT', '60000', true);
    }
  }

  it('1,100 trades over 28 hours: all 1,100 from the first (the read gave the newest 500 before)', async () => {
    const sinceMs = await ready();
    await trade(1_100, 'n');
    const got = await a.ex.trades('BTCUSDT', sinceMs);
    expect(got).toHaveLength(1_100);
    expect(new Set(got.map((t) => t.tradeId)).size).toBe(1_100);
    expect(got[0]!.clientOrderId).toBe('n-0');
  }, 60_000);

  it('1,100 trades over 28 hours ending 10 days ago, then 3 since: all 1,103 (the 600 oldest were missed before)', async () => {
    const sinceMs = await ready();
    await trade(1_100, 'w');
    a.sim.admin.step({ candles: 10 * 24 });
    a.sim.admin.setPrice('BTCUSDT', '60000', true);
    await trade(3, 'later');
    const got = await a.ex.trades('BTCUSDT', sinceMs);
    expect(got).toHaveLength(1_103);
    expect(got[0]!.clientOrderId).toBe('w-0');
    expect(got.at(-1)!.clientOrderId).toBe('later-2');
  }, 60_000);
});
