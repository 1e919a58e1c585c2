import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TradingBot } from '../../src/bot/trading-bot.ts';
import { type Harness, startHarness, testConfig } from '../support/bot-harness.ts';
import { recordingLogger } from '../support/log-lines.ts';
import { tempDir } from '../support/temp-dir.ts';

/**
 * A step runs every symbol's signals, then every symbol's entries (symbol-id order, as the backtest
 * decides them): a strategy module that hangs on one symbol holds the others' entries until its call
 * times out. Through ccxt on the simulator, with a module that hangs on ETHUSDT's candle once a flag
 * file exists and gives BTCUSDT a long on the same candle.
 */
const HANGS = resolve(import.meta.dirname, '../strategy/modules/hangs-on-symbol.ts');
let h: Harness | null = null;
let bot: TradingBot | null = null;
afterEach(async () => {
  bot?.stop();
  await bot?.closeStrategies();
  bot = null;
  await h?.close();
  h = null;
});

/** A bot on BTCUSDT and ETHUSDT whose module hangs on ETHUSDT (call timeout `timeoutMs`), `max_lag_s` as given. */
async function start(timeoutMs: number, maxLagS: number) {
  const flag = join(tempDir('ladder-hang-flag-'), 'hang');
  const config = testConfig({ strategy: { name: 'module', path: HANGS, params: { flag, hang_symbol: 'ETHUSDT', long_symbol: 'BTCUSDT' } }, symbols: ['BTC/USDT:USDT', 'ETH/USDT:USDT'], max_open_positions: 2, webhook: { max_lag_s: maxLagS } });
  h = await startHarness(config, { seed: 3 });
  h.sim.admin.setPrice('BTCUSDT', 60000, true);
  h.sim.admin.setPrice('ETHUSDT', 3000, true);
  h.bot.stop();
  const { log, records } = recordingLogger();
  const alerts: string[] = [];
  bot = new TradingBot({ config, exchange: h.ex, store: h.store, log, strategyTimeoutMs: timeoutMs, onAlert: (_s, _k, m) => alerts.push(m), retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 5, sleep: async () => {} } });
  h.bot = bot;
  await bot.start();
  await bot.step();
  const btc = bot.traders.find((t) => t.symbol === 'BTCUSDT')!;
  expect(btc.position).toBeNull();
  /** The next candle closes with the flag set: BTCUSDT's long, ETHUSDT's hang; one step, timed; the BTCUSDT entry's send time from the step's start. */
  const hangingStep = async () => {
    writeFileSync(flag, '');
    let from = 0;
    let startedMs = 0;
    const called = () => records.some((r) => r['msg'] === 'strategy.stopped') || btc.position !== null;
    for (let k = 0; k < 4 && !called(); k++) {
      h!.sim.admin.step({ candles: 1 });
      from = h!.sim.admin.requests().length;
      startedMs = Date.now();
      await bot!.step();
    }
    expect(called()).toBe(true);
    const entry = h!.sim.admin.requests().slice(from).find((r) => r.method === 'POST' && r.path === '/fapi/v1/order' && r.clientOrderId?.startsWith('BTCUSDT-') === true);
    return { stepMs: Date.now() - startedMs, entrySentAfterMs: entry ? entry.wallMs - startedMs : null };
  };
  return { btc, records, alerts, hangingStep };
}

describe('a strategy module that hangs on one symbol (ETHUSDT) at the candle another symbol (BTCUSDT) signals on', () => {
  it('the call times out (2 s) within max_lag_s (60 s): BTCUSDT\'s long still goes out in that step, once ETHUSDT\'s call has timed out; the module is stopped, said once', async () => {
    const { btc, records, hangingStep } = await start(2_000, 60);
    const { stepMs, entrySentAfterMs } = await hangingStep();
    expect(btc.position?.side).toBe('long');
    expect(entrySentAfterMs).toBeGreaterThanOrEqual(2_000); // waited for ETHUSDT's first half: the backtest's order of decisions
    expect(stepMs).toBeLessThan(15_000);
    expect(records.filter((r) => r['msg'] === 'strategy.stopped')).toHaveLength(1);
    expect(records.filter((r) => r['msg'] === 'entry.wait_expired')).toEqual([]);
  }, 60_000);

  it('the call times out (3 s) past max_lag_s (1 s): BTCUSDT\'s long is not sent, dropped with a reason that names the wait (other symbols\' signals of the step), never an order in doubt', async () => {
    const { btc, records, alerts, hangingStep } = await start(3_000, 1);
    const { entrySentAfterMs } = await hangingStep();
    expect(entrySentAfterMs).toBeNull();
    expect(btc.position).toBeNull();
    expect(records.filter((r) => r['msg'] === 'entry.wait_expired')).toEqual([expect.objectContaining({ symbol: 'BTCUSDT', side: 'long', waitedFor: 'step_signals' })]);
    const notTraded = alerts.filter((a) => a.includes('is not traded'));
    expect(notTraded).toHaveLength(1);
    expect(notTraded[0]).toMatch(/^BTCUSDT: the long signal of .* is not traded: it waited \d+ s \(webhook\.max_lag_s 1\) for every symbol's signals of the step to be computed \(a strategy call slow or hung on another symbol: see strategy\.failed\); nothing was sent for it$/);
  }, 60_000);
});
