import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness, testConfig } from '../support/bot-harness.ts';

/**
 * The user-data websocket: an exchange stop that fires wakes the bot at once (it polls only every
 * 60 s here), and after the websocket is dropped the bot reconnects and is woken again.
 */
let h: Harness | null = null;
afterEach(async () => {
  h?.bot.stop();
  await h?.close();
  h = null;
});

async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return cond();
}

describe('bot ↔ simulator: user-data websocket', () => {
  it('books a fired exchange stop as soon as the stream reports it, and again after a websocket drop and reconnect', async () => {
    h = await startHarness(testConfig());
    h.sim.admin.setPrice('BTCUSDT', 60000, true);
    await h.bot.start();
    const t = h.trader('BTCUSDT');
    const running = h.bot.run(60_000); // polling alone would take a minute
    await new Promise((r) => setTimeout(r, 500)); // the stream subscribes
    await t.onSignal({ side: 'long', timeMs: Date.UTC(2026, 0, 1), reason: 'test' });
    expect(t.position).not.toBeNull();
    h.sim.admin.setPrice('BTCUSDT', 58000); // through the exchange stop at 58800
    expect(await until(() => t.position === null, 10_000)).toBe(true);
    expect(h.store.tradeHistory()[0]!.exits.map((e) => e.reason)).toEqual(['stop']);

    const dropped = h.sim.admin.disconnectWs('user');
    expect(dropped.closed).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 1500)); // ccxt reconnects on the next watch
    await t.onSignal({ side: 'short', timeMs: Date.UTC(2026, 0, 2), reason: 'test' });
    expect(t.position).not.toBeNull();
    h.sim.admin.setPrice('BTCUSDT', 60000); // through the short's stop at 58000 × 1.02 = 59160
    expect(await until(() => t.position === null, 10_000)).toBe(true);
    expect(h.store.tradeHistory().map((x) => x.exits.at(-1)!.reason)).toEqual(['stop', 'stop']);
    h.bot.stop();
    await running;
  }, 60_000);
});
