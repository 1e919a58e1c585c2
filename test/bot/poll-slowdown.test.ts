import { afterEach, describe, expect, it } from 'vitest';
import { TradingBot } from '../../src/bot/trading-bot.ts';
import type { ExchangePort } from '../../src/exchange/port.ts';
import { type Harness, startHarness, testConfig } from '../support/bot-harness.ts';
import { recordingLogger } from '../support/log-lines.ts';

/**
 * The loop polls slower while the rate limits run out (the exchange's `pollDelayMs`, from its weight
 * budget): said when that starts and when it ends, not on every cycle in between (near the limit it
 * can last minutes, one line a second).
 */
let h: Harness | null = null;
afterEach(async () => {
  h?.bot.stop();
  await h?.close();
  h = null;
});

describe('the poll loop under rate-limit pressure', () => {
  it('slowed for 6 cycles, then back: one warning when it starts, one line when it ends', async () => {
    h = await startHarness(testConfig(), { seed: 3 });
    h.sim.admin.setPrice('BTCUSDT', 60000, true);
    h.bot.stop();
    // The real adapter on the simulator, its budget's answer replaced: 6 cycles under pressure, then none.
    let cycles = 0;
    const pressured: ExchangePort = Object.assign(Object.create(h.ex) as ExchangePort, {
      pollDelayMs: (base: number) => (++cycles >= 3 && cycles <= 8 ? base * 2 : base),
    });
    const { log, msgs } = recordingLogger();
    const bot = new TradingBot({ config: testConfig(), exchange: pressured, store: h.store, log, retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 5, sleep: async () => {} } });
    h.bot = bot;
    await bot.start();
    const running = bot.run(20);
    while (cycles < 12) await new Promise((r) => setTimeout(r, 20));
    bot.stop();
    await running;
    expect(msgs().filter((m) => m === 'poll.slowed_for_rate_limit')).toHaveLength(1);
    expect(msgs().filter((m) => m === 'poll.normal_again')).toHaveLength(1);
    expect(msgs().indexOf('poll.slowed_for_rate_limit')).toBeLessThan(msgs().indexOf('poll.normal_again'));
  }, 30_000);
});
