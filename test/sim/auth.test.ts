import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BTC, type Harness, harness } from './harness.ts';

describe('request authentication like Binance', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
  });
  afterEach(async () => h.close());

  it('rejects a request signed with the wrong secret (-1022)', async () => {
    const wrong = h.client({ secret: 'not-the-secret' });
    await expect(wrong.fetchBalance()).rejects.toThrow(/-1022/);
  });

  it('rejects an unknown API key (-2015)', async () => {
    const stranger = h.client({ apiKey: 'someone-else' });
    await expect(stranger.fetchBalance()).rejects.toThrow(/-2015/);
  });

  it('rejects a timestamp outside recvWindow against the wall clock (-1021); a time resync fixes it', async () => {
    await h.admin.call('POST', 'clock', { skewMs: 30_000 }); // the server's clock runs 30 s ahead
    await expect(h.ex.fetchBalance()).rejects.toThrow(/-1021/);
    await h.ex.loadTimeDifference();
    const balance = await h.ex.fetchBalance();
    expect(balance['USDT']?.total).toBe(10000);
  });

  it('rejects a timestamp more than 1 s ahead of the server (-1021)', async () => {
    await h.admin.call('POST', 'clock', { skewMs: -5_000 });
    await expect(h.ex.fetchBalance()).rejects.toThrow(/-1021/);
  });

  it('needs no signature for market data, and only the API key for the listenKey', async () => {
    const anonymous = h.client({ apiKey: undefined, secret: undefined });
    await expect(anonymous.fetchTicker(BTC)).resolves.toMatchObject({ symbol: BTC });
    const raw = h.ex as unknown as { fapiPrivatePostListenKey(): Promise<{ listenKey: string }> };
    const { listenKey } = await raw.fapiPrivatePostListenKey();
    expect(listenKey).toMatch(/^[A-Za-z0-9]{64}$/);
  });
});
