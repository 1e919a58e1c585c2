import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/bot/logger.ts';
import { TradingBot } from '../../src/bot/trading-bot.ts';
import { type Harness, startHarness, testConfig } from '../support/bot-harness.ts';
import { duplicateKeys, quantityFields } from '../support/log-lines.ts';

/**
 * Every line the bot writes while trading a ladder on the simulator (real HTTP, real SQLite):
 * quantities in BTC as the exchange fills them, never lot steps, no key written twice (`symbol`,
 * pino's `time` and `level`), each TP and stop fill with its slippage.
 */
let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

const T = Date.UTC(2026, 0, 1);

describe('bot log lines on the simulator', () => {
  it('a long through TP1 and its breakeven stop: base-asset quantities equal to the exchange’s fills, no duplicate key, slippage on each fill', async () => {
    const config = testConfig();
    h = await startHarness(config);
    const raw: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        for (const l of chunk.toString().split('\n')) if (l.trim()) raw.push(l);
        cb();
      },
    });
    const bot = new TradingBot({ config, exchange: h.ex, store: h.store, log: createLogger('debug', sink), retry: { attempts: 5, baseDelayMs: 1, maxDelayMs: 5, sleep: async () => undefined } });
    h.sim.admin.setPrice('BTCUSDT', 60000, true);
    await bot.start();
    const t = bot.traders[0]!;
    await t.onSignal({ side: 'long', timeMs: T, reason: 'test' });
    const id = t.position!.id;
    h.sim.admin.setPrice('BTCUSDT', 60650, true); // past TP1 (60600): the market exit fills at 60650, 50 better
    await bot.step();
    h.sim.admin.setPrice('BTCUSDT', 59900, true); // through the breakeven stop (60000): it fills at 59900, 100 worse
    await bot.step();
    await bot.step();
    expect(t.position).toBeNull();

    const lines = raw.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.length).toBeGreaterThan(10);
    for (const l of raw) expect(duplicateKeys(l), l).toEqual([]);
    const fills = h.state().fills;
    for (const l of lines) {
      for (const [path, v] of quantityFields(l)) {
        // The position is 0.010 BTC: a count of 0.001 steps would be 3, 7 or 10.
        expect(v, `${String(l['msg'])} ${path}`).toBeLessThanOrEqual(0.01);
        expect(Math.round(v * 1000) / 1000, `${String(l['msg'])} ${path}`).toBe(v);
      }
      if (l['msg'] === 'fill.applied') expect(String(l['qty']), String(l['clientOrderId'])).toBe(fills.find((f) => f.clientOrderId === l['clientOrderId'])!.qty.replace(/0+$/, ''));
    }
    const opened = lines.find((l) => l['msg'] === 'position.opened')!;
    expect(opened).toMatchObject({ symbol: 'BTCUSDT', qty: 0.01, plan: 'tp1@60600×0.003 tp2@61200×0.003 tp3@62100×0.004' });
    expect(lines.filter((l) => l['msg'] === 'order.sent').map((l) => l['qty'])).toContain(0.003);
    const exits = lines.filter((l) => l['msg'] === 'fill.applied' && String(l['positionId']) === id);
    expect(exits.map((l) => [l['reason'], l['qty'], l['price'], l['refKind'], l['refPrice'], l['slippage'], l['slippagePct']])).toEqual([
      ['tp1', 0.003, 60650, 'target', 60600, -50, -0.0825],
      ['stop', 0.007, 59900, 'stop', 60000, 100, 0.1667],
    ]);
  });
});
