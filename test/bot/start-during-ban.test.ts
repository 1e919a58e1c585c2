import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/bot/logger.ts';
import { realSleep } from '../../src/bot/retry.ts';
import { StoppedDuringStart, TradingBot } from '../../src/bot/trading-bot.ts';
import { CcxtExchange } from '../../src/exchange/ccxt/ccxt-exchange.ts';
import { ccxtForSimulator } from '../../src/sim/ccxt-client.ts';
import { type Harness, startHarness, testConfig } from '../support/bot-harness.ts';

/**
 * The bot's start retries its calls (markets, account, leverage, candles), waiting out a rate limit's
 * Retry-After: an IP ban's (418) can be days. stop() (Ctrl-C, SIGTERM) must end that wait, through
 * ccxt on the simulator with a real ban.
 */
let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

describe('stopping the bot while its start waits out an IP ban', () => {
  it('a 10-minute ban met by the first call: start() waits; stop() ends the wait at once (StoppedDuringStart), nothing sent', async () => {
    h = await startHarness(testConfig(), { seed: 3, rateLimits: { banSec: 600 } });
    h.bot.stop();
    // Another program on this IP ignores a 429: the IP is banned for 10 minutes.
    h.sim.admin.setFaults({ rules: [{ kind: 'rateLimit', path: '/fapi/v1/time', retryAfterSec: 30, count: 1 }] });
    await fetch(`${h.sim.url}/fapi/v1/time`, { headers: { connection: 'close' } });
    await realSleep(1100);
    expect((await fetch(`${h.sim.url}/fapi/v1/time`, { headers: { connection: 'close' } })).status).toBe(418);
    const client = ccxtForSimulator(h.sim.url, { apiKey: h.sim.apiKey, secret: h.sim.apiSecret });
    client.enableRateLimit = false;
    const ex = new CcxtExchange(client);
    const bot = new TradingBot({ config: testConfig(), exchange: ex, store: h.store, log: silentLogger(), retry: { attempts: 5, baseDelayMs: 1, maxDelayMs: 5, sleep: realSleep } });
    try {
      const starting = bot.start().then(
        () => 'started',
        (e: unknown) => e,
      );
      await realSleep(500);
      const stopAt = Date.now();
      bot.stop();
      const outcome = await starting;
      expect(Date.now() - stopAt).toBeLessThan(1000);
      expect(outcome).toBeInstanceOf(StoppedDuringStart);
      expect(bot.traders).toEqual([]);
      expect(h.sim.admin.requests().filter((r) => r.method === 'POST')).toEqual([]);
    } finally {
      await ex.close();
    }
  }, 30_000);
});
