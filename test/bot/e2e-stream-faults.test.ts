import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness, testConfig } from '../support/bot-harness.ts';

/**
 * Fault 7: the user-data stream dropping while ccxt subscribes (its listen key, its snapshot
 * futures) must not reject a promise nobody handles, nor stop the loop: the bot reconnects and
 * trades on. Vitest fails the run on any unhandled rejection, so the test also proves there is none.
 */
let h: Harness | null = null;
afterEach(async () => {
  h?.bot.stop();
  await h?.close();
  h = null;
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('bot ↔ simulator: the user stream dropping again and again', () => {
  it('drops at subscription and on every message for a while: no unhandled rejection, the ladder still runs', async () => {
    h = await startHarness(testConfig(), { seed: 3 });
    h.sim.admin.setPrice('BTCUSDT', 60000, true);
    await h.bot.start();
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      h.sim.admin.setFaults({ rules: [{ kind: 'wsDisconnect', target: 'user', count: 20 }] });
      const running = h.bot.run(100);
      // Drops at every moment of the subscription: before the socket opens, during the listen-key
      // and snapshot requests, right after the first message.
      for (const ms of [0, 1, 2, 5, 10, 20, 40, 80, 150, 300]) {
        await sleep(ms);
        h.sim.admin.disconnectWs('user');
      }
      const t = h.trader('BTCUSDT');
      await t.onSignal({ side: 'long', timeMs: Date.UTC(2026, 0, 1), reason: 'test' });
      h.sim.admin.setPrice('BTCUSDT', 60700);
      const end = Date.now() + 8_000;
      while (Date.now() < end && !t.position?.tpLevelsHit.includes(1)) await sleep(50);
      expect(t.position!.tpLevelsHit).toEqual([1]);
      h.bot.stop();
      await running;
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect(unhandled).toEqual([]);
  }, 30_000);
});
