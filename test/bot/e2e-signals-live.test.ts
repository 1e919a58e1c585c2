import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/bot/logger.ts';
import { positionIdOf, waitOriginOf } from '../../src/bot/symbol-trader.ts';
import { TradingBot } from '../../src/bot/trading-bot.ts';
import type { ExchangePort } from '../../src/exchange/port.ts';
import { PaperExchange } from '../../src/exchange/paper/paper-exchange.ts';
import { openStore } from '../../src/store/index.ts';
import { type Harness, exchangeStepsOf, startHarness, stepBot, testConfig } from '../support/bot-harness.ts';
import { recordingLogger } from '../support/log-lines.ts';
import { tempDir } from '../support/temp-dir.ts';

/** Fault 9: the `signals` strategy fires live, one new closed candle per poll, on the simulator through ccxt. */
let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});
const H = 3_600_000;
const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * A signals file (`time,symbol,side,stop_loss_pct`) with rows placed around the candle forming now
 * on the simulator (its replay clock, read from a first harness, closed again): each row is made from
 * that candle's open time.
 */
async function signalsFile(prefix: string, rows: readonly ((open: number) => string)[]): Promise<{ file: string; open: number }> {
  const file = join(tempDir(prefix), 'signals.csv');
  const first = await startHarness(testConfig({ strategy: { name: 'signals', file: 'placeholder.csv' } }), { seed: 3 });
  try {
    const open = Math.floor(first.sim.admin.setPrice('BTCUSDT', 60000, true).timeMs / H) * H;
    writeFileSync(file, ['time,symbol,side,stop_loss_pct', ...rows.map((row) => row(open))].join('\n'));
    return { file, open };
  } finally {
    await first.close();
  }
}

describe('the signals strategy live', () => {
  it('enters each signal at the open after it, as the backtest would; a signal for another symbol or already past is not entered', async () => {
    // The simulator's clock: its replay time, not ours.
    const { file, open } = await signalsFile('ladder-signals-live-', [
      (open) => `${iso(open - 5 * H)},BTCUSDT,short,`, // long past: never entered
      (open) => `${iso(open + H + 60_000)},BTCUSDT,long,3`, // entered at the open of candle +2
      (open) => `${iso(open + H + 120_000)},ETHUSDT,short,`, // another symbol
    ]);
    h = await startHarness(testConfig({ strategy: { name: 'signals', file } }), { seed: 3 });
    h.sim.admin.setPrice('BTCUSDT', 60000, true);
    await h.bot.start();
    const t = h.trader('BTCUSDT');
    // Candles close one at a time; the entry must come on the poll that sees candle +1 closed, not before.
    const seen: [number, boolean][] = [];
    for (let k = 0; k < 5 && !t.position; k++) {
      h.sim.admin.step({ candles: 1 });
      await h.bot.step();
      seen.push([(t.candles.lastOpenMs - open) / H, t.position !== null]);
    }
    expect(seen.at(-1)).toEqual([1, true]);
    expect(seen.slice(0, -1).every(([, entered]) => !entered)).toBe(true);
    expect(t.position?.side).toBe('long');
    expect(t.position!.entryTimeMs).toBeGreaterThanOrEqual(open + 2 * H); // at the open after the signal
    expect(h.state().openAlgoOrders).toHaveLength(1);
    // Its own stop distance (3 %), not the config's 2 %.
    expect(t.position!.plan.initialStopPrice).toBeCloseTo(t.position!.entryPrice * 0.97, -1);
  });

  it('signals for a symbol the config does not trade are said at start (the backtest notes them), not left to wait for ever in silence', async () => {
    const { file } = await signalsFile('ladder-signals-other-', [
      (open) => `${iso(open + H)},BTCUSDT,long,`,
      (open) => `${iso(open + H)},ETHUSDT,short,`, // config.symbols has BTC/USDT:USDT only
      (open) => `${iso(open + 2 * H)},SOLUSDT,long,`,
    ]);
    const config = testConfig({ strategy: { name: 'signals', file } });
    h = await startHarness(config, { seed: 3 });
    const { log, records } = recordingLogger();
    h.bot = new TradingBot({ config, exchange: h.ex, store: h.store, log, retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 5, sleep: async () => undefined } });
    await h.bot.start();
    expect(records.filter((r) => r['msg'] === 'signals.symbols_not_traded')).toEqual([
      expect.objectContaining({ level: 40, file, symbols: ['ETHUSDT', 'SOLUSDT'], traded: ['BTCUSDT'], signals: 2 }),
    ]);
    h.bot.stop();
  });
});

describe('a row due at the open of the candle forming when the bot starts (that open passed before the bot could ask for it)', () => {
  async function startOn(rows: readonly ((open: number) => string)[]) {
    const { file, open } = await signalsFile('ladder-signals-start-', rows);
    const config = testConfig({ strategy: { name: 'signals', file } });
    h = await startHarness(config, { seed: 3 });
    h.sim.admin.setPrice('BTCUSDT', 60000, true);
    const { log, records } = recordingLogger();
    h.bot = new TradingBot({ config, exchange: h.ex, store: h.store, log, retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 5, sleep: async () => undefined } });
    await h.bot.start();
    return { t: h.bot.traders[0]!, records, open, config };
  }

  it('written 30 s before that open (within webhook.max_lag_s, 60 s): entered at the start, as a webhook signal that late is (before: never entered, nothing said)', async () => {
    const { t, records, open, config } = await startOn([(open) => `${iso(open - 30_000)},BTCUSDT,long,`]);
    expect(t.position?.side).toBe('long');
    expect(t.position!.id).toBe(positionIdOf('BTCUSDT', open - 30_000, 'long')); // the row's own id: a restart finds it entered
    expect(records.filter((r) => r['msg'] === 'signal.due_at_start')).toEqual([expect.objectContaining({ side: 'long', signalTime: iso(open - 30_000), entryOpen: iso(open) })]);
    // A restart within the lag finds it entered (its id) and sends nothing more.
    const buys = () => h!.state().fills.filter((f) => f.side === 'BUY').length;
    expect(buys()).toBe(1);
    h!.bot.stop();
    h!.bot = new TradingBot({ config, exchange: h!.ex, store: h!.store, log: silentLogger(), retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 5, sleep: async () => undefined } });
    await h!.bot.start();
    expect(buys()).toBe(1);
    h!.bot.stop();
  });

  it('written 10 min before that open (past webhook.max_lag_s): not entered, and said (before: skipped in silence)', async () => {
    const { t, records, open } = await startOn([(open) => `${iso(open - 10 * 60_000)},BTCUSDT,long,`]);
    expect(t.position).toBeNull();
    expect(records.filter((r) => r['msg'] === 'signal.missed_before_start')).toEqual([expect.objectContaining({ level: 40, side: 'long', signalTime: iso(open - 10 * 60_000), entryOpen: iso(open), maxLagS: 60 })]);
    h!.bot.stop();
  });
});

describe('two symbols, one slot: rows due at the open of the candle forming when the bot starts', () => {
  /** A bot started on rows due at that open (30 s before it): ETHUSDT's `ethSide` (null: a long from flat; 'short': reversing the long an earlier run left), BTCUSDT's long; config.symbols in `symbols`' order. */
  async function startOn(symbols: string[], ethSide: 'short' | null) {
    const { file, open } = await signalsFile('ladder-signals-start-slot-', [(open) => `${iso(open - 30_000)},ETHUSDT,${ethSide ?? 'long'},`, (open) => `${iso(open - 30_000)},BTCUSDT,long,`]);
    const config = testConfig({ strategy: { name: 'signals', file }, symbols, max_open_positions: 1 });
    h = await startHarness(config, { seed: 3 });
    h.sim.admin.setPrice('BTCUSDT', 60000, true);
    h.sim.admin.setPrice('ETHUSDT', 3000, true);
    const retry = { attempts: 2, baseDelayMs: 1, maxDelayMs: 5, sleep: async () => undefined };
    if (ethSide !== null) {
      // An earlier run (another strategy) left ETHUSDT long in the store and on the exchange.
      const before = new TradingBot({ config: testConfig({ symbols, max_open_positions: 1 }), exchange: h.ex, store: h.store, log: silentLogger(), retry });
      await before.start();
      await before.traders.find((t) => t.symbol === 'ETHUSDT')!.onSignal({ side: 'long', timeMs: open - 3 * H, reason: 'test' });
      before.stop();
    }
    h.bot = new TradingBot({ config, exchange: h.ex, store: h.store, log: silentLogger(), retry });
    await h.bot.start();
    const trader = (symbol: string) => h!.bot.traders.find((t) => t.symbol === symbol)!;
    return { eth: trader('ETHUSDT'), btc: trader('BTCUSDT') };
  }

  it('both entries, config.symbols ETHUSDT first: BTCUSDT takes the slot, as the backtest and every later open do (symbol-id order; before: ETHUSDT, config order)', async () => {
    const { eth, btc } = await startOn(['ETH/USDT:USDT', 'BTC/USDT:USDT'], null);
    expect([btc.position?.side ?? null, eth.position?.side ?? null]).toEqual(['long', null]);
    expect(h!.state().fills.map((f) => f.symbol)).toEqual(['BTCUSDT']);
  });

  it("ETHUSDT's short reverses its long: its close frees the slot before any entry, so BTCUSDT enters long and ETHUSDT's short is skipped, as at any later open (before: ETHUSDT closed and entered short whole, BTCUSDT skipped)", async () => {
    const { eth, btc } = await startOn(['BTC/USDT:USDT', 'ETH/USDT:USDT'], 'short');
    expect([btc.position?.side ?? null, eth.position?.side ?? null]).toEqual(['long', null]);
    expect(h!.state().fills.map((f) => [f.symbol, f.side])).toEqual([
      ['ETHUSDT', 'BUY'],
      ['ETHUSDT', 'SELL'],
      ['BTCUSDT', 'BUY'],
    ]);
    expect(h!.state().positions.filter((x) => Number(x.positionAmt) !== 0).map((x) => x.symbol)).toEqual(['BTCUSDT']);
  });
});

describe('two symbols, one slot (max_open_positions 1), signals at the same open', () => {
  it('the symbol entered is the one the backtest enters (symbol-id order: BTCUSDT before ETHUSDT), whatever the order of config.symbols', async () => {
    const { file, open } = await signalsFile('ladder-signals-slot-', [
      (open) => `${iso(open + H + 60_000)},ETHUSDT,short,`,
      (open) => `${iso(open + H + 60_000)},BTCUSDT,long,`,
    ]);
    const config = testConfig({ strategy: { name: 'signals', file }, symbols: ['ETH/USDT:USDT', 'BTC/USDT:USDT'], max_open_positions: 1 });
    h = await startHarness(config, { seed: 3 });
    h.sim.admin.setPrice('BTCUSDT', 60000, true);
    h.sim.admin.setPrice('ETHUSDT', 3000, true);
    await h.bot.start();
    const [eth, btc] = [h.trader('ETHUSDT'), h.trader('BTCUSDT')];
    for (let k = 0; k < 5 && !btc.position && !eth.position; k++) {
      h.sim.admin.step({ candles: 1 });
      await h.bot.step();
    }
    expect((btc.candles.lastOpenMs - open) / H).toBe(1);
    expect([btc.position?.side, eth.position?.side ?? null]).toEqual(['long', null]);
    expect(h.state().fills.map((f) => f.symbol)).toEqual(['BTCUSDT']);
  });
});

describe('two symbols, one slot: one closes on an opposite signal and another enters at the same open', () => {
  /**
   * BTCUSDT and ETHUSDT on one slot, ETHUSDT long from candle +1 (the file's first row) under the bot:
   * `rows` are the signals file's rows after that one (at candle +2, `open + 2 * H + 60_000`).
   */
  async function ethLongOnTheSlot(prefix: string, rows: readonly ((open: number) => string)[]) {
    const { file, open } = await signalsFile(prefix, [(open) => `${iso(open + H + 60_000)},ETHUSDT,long,`, ...rows]);
    const config = testConfig({ strategy: { name: 'signals', file }, symbols: ['BTC/USDT:USDT', 'ETH/USDT:USDT'], max_open_positions: 1 });
    const harness = (h = await startHarness(config, { seed: 3 })); // closed by afterEach
    harness.sim.admin.setPrice('BTCUSDT', 60000, true);
    harness.sim.admin.setPrice('ETHUSDT', 3000, true);
    await harness.bot.start();
    const [eth, btc] = [harness.trader('ETHUSDT'), harness.trader('BTCUSDT')];
    for (let k = 0; k < 5 && !eth.position; k++) {
      harness.sim.admin.step({ candles: 1 });
      await harness.bot.step();
    }
    expect(eth.position?.side).toBe('long');
    return { h: harness, open, eth, btc, ethLong: eth.position!.id };
  }

  const cases: [string, object[]][] = [
    ['', []],
    // The close's answer lost after it executed: found filled by its look-up within the step, the slot free all the same.
    [' (the close answered 500 after it executed)', [{ kind: 'error5xx', status: 500, processed: true, method: 'POST', path: '/fapi/v1/order', count: 1 }]],
  ];
  for (const [fault, rules] of cases) {
    it(`the close frees the slot before any entry of that open is decided (the backtest: signals and their closes at the open, then entries in symbol-id order): BTCUSDT enters long, ETHUSDT's short is skipped${fault}`, async () => {
      const { h, open, eth, btc, ethLong } = await ethLongOnTheSlot('ladder-signals-close-then-entry-', [
        (open) => `${iso(open + 2 * H + 60_000)},ETHUSDT,short,`, // on candle +2: closes ETH's long at the open of +3 (its own entry waits for a slot)
        (open) => `${iso(open + 2 * H + 60_000)},BTCUSDT,long,`, // on candle +2: at that same open, BTC (before ETH in symbol order) takes the freed slot
      ]);
      expect((eth.candles.lastOpenMs - open) / H).toBe(1);
      expect(eth.position?.side).toBe('long');
      h.sim.admin.setFaults({ rules: rules as never });
      h.sim.admin.step({ candles: 1 }); // candle +2 closes: both signals at the open of +3
      await h.bot.step();
      expect((btc.candles.lastOpenMs - open) / H).toBe(2);
      expect(h.store.getPosition(ethLong)!.partialExits.map((e) => e.reason)).toEqual(['signal']);
      // Before: BTC was stepped first and found the slot held by ETH's long (skipped), then ETH closed and
      // entered its short: the bot held ETH short where the backtest holds BTC long.
      expect([btc.position?.side ?? null, eth.position?.side ?? null]).toEqual(['long', null]);
      expect(h.state().fills.map((f) => [f.symbol, f.side])).toEqual([
        ['ETHUSDT', 'BUY'],
        ['ETHUSDT', 'SELL'],
        ['BTCUSDT', 'BUY'],
      ]);
      expect(h.state().positions.filter((x) => x.symbol === 'ETHUSDT' && Number(x.positionAmt) !== 0)).toEqual([]);
      expect(h.sim.admin.requests().filter((r) => r.method === 'POST' && r.clientOrderId === `${ethLong}-close`).map((r) => r.status)).toEqual([rules.length ? 500 : 200]);
    });
  }

  it('a position whose exchange stop fired during the candle (not yet seen by the bot) frees its slot before the entries at the next open, as the backtest walks that candle before them: BTCUSDT enters long', async () => {
    const { h, eth, btc, ethLong } = await ethLongOnTheSlot('ladder-signals-stop-then-entry-', [
      (open) => `${iso(open + 2 * H + 60_000)},BTCUSDT,long,`, // on candle +2: BTC at the open of +3
    ]);
    h.sim.admin.setPrice('ETHUSDT', eth.position!.entryPrice * 0.97); // through its 2 % stop, on the exchange only
    expect(h.state().positions.filter((x) => x.symbol === 'ETHUSDT' && Number(x.positionAmt) !== 0)).toEqual([]);
    h.sim.admin.step({ candles: 1 }); // candle +2 closes: BTC's signal at the open of +3
    await h.bot.step();
    expect(h.store.getPosition(ethLong)!.partialExits.map((e) => e.reason)).toEqual(['stop']);
    // Before: BTC's entry was decided while the bot still took ETH's long as open (skipped); ETH's cycle then booked the stop.
    expect([btc.position?.side ?? null, eth.position?.side ?? null]).toEqual(['long', null]);
  });

  it('…the position read failing (503) at that open: the slot is taken as held (unknown is not free), so BTCUSDT\'s long is not entered; the stop is booked once the read answers', async () => {
    const { h, eth, btc, ethLong } = await ethLongOnTheSlot('ladder-signals-stop-unread-', [
      (open) => `${iso(open + 2 * H + 60_000)},BTCUSDT,long,`,
    ]);
    h.sim.admin.setPrice('ETHUSDT', eth.position!.entryPrice * 0.97);
    h.sim.admin.setFaults({ rules: [{ kind: 'error5xx', status: 503, method: 'GET', path: '/fapi/v3/positionRisk' }] });
    h.sim.admin.step({ candles: 1 });
    await h.bot.step();
    expect([btc.position, eth.position?.id ?? null]).toEqual([null, ethLong]);
    expect(h.state().fills.filter((f) => f.symbol === 'BTCUSDT')).toEqual([]);
    h.sim.admin.setFaults({ rules: [] });
    await h.bot.step();
    expect(h.store.getPosition(ethLong)!.partialExits.map((e) => e.reason)).toEqual(['stop']);
    expect([btc.position, eth.position]).toEqual([null, null]);
  });

  it('…the close refused outright (-4131): the slot is not freed, so BTCUSDT\'s long is not entered (never two positions in one slot); ETHUSDT\'s short waits for its close, sent again after the back-off', async () => {
    const { h, eth, btc, ethLong } = await ethLongOnTheSlot('ladder-signals-close-refused-', [
      (open) => `${iso(open + 2 * H + 60_000)},ETHUSDT,short,`,
      (open) => `${iso(open + 2 * H + 60_000)},BTCUSDT,long,`,
    ]);
    h.sim.admin.setFaults({ rules: [{ kind: 'reject', code: -4131, method: 'POST', path: '/fapi/v1/order', count: 1 }] });
    h.sim.admin.step({ candles: 1 });
    await h.bot.step();
    expect([btc.position?.side ?? null, eth.position?.id ?? null]).toEqual([null, ethLong]);
    expect(h.state().fills.map((f) => [f.symbol, f.side])).toEqual([['ETHUSDT', 'BUY']]);
    await new Promise((r) => setTimeout(r, 1_100)); // the close's back-off
    await h.bot.step();
    expect([btc.position?.side ?? null, eth.position?.side ?? null]).toEqual([null, 'short']);
    expect(h.state().fills.map((f) => [f.symbol, f.side])).toEqual([
      ['ETHUSDT', 'BUY'],
      ['ETHUSDT', 'SELL'],
      ['ETHUSDT', 'SELL'],
    ]);
  });
});

describe("a candle strategy's reversal whose close the exchange refuses every time (-4131)", () => {
  it('the short that waits for the close is said once (entry.waiting_for_close) and dropped when the close is given up (entry.wait_dropped_close_failed): five closes in all, never a sixth round (before: the close asked again by the waiting short after the give-up, nothing said)', async () => {
    const { file } = await signalsFile('ladder-signals-reversal-close-given-up-', [
      (open) => `${iso(open + H + 60_000)},BTCUSDT,long,`,
      (open) => `${iso(open + 2 * H + 60_000)},BTCUSDT,short,`,
    ]);
    const config = testConfig({ strategy: { name: 'signals', file } });
    h = await startHarness(config, { seed: 3 });
    h.sim.admin.setPrice('BTCUSDT', 60000, true);
    // A bot of the test's own, its clock ahead of the wall's by skewMs: the close's back-offs (1, 2, 4, 8 s) without real waits.
    const clock = { skewMs: 0 };
    const logged = recordingLogger('warn');
    const bot = new TradingBot({ config, exchange: h.ex, store: h.store, log: logged.log, now: () => Date.now() + clock.skewMs, retry: { attempts: 5, baseDelayMs: 1, maxDelayMs: 5, sleep: async () => {} } });
    try {
      await bot.start();
      const t = bot.traders[0]!;
      for (let k = 0; k < 5 && !t.position; k++) {
        h.sim.admin.step({ candles: 1 });
        await bot.step();
      }
      const long = t.position!.id;
      h.sim.admin.setFaults({ rules: [{ kind: 'reject', code: -4131, method: 'POST', path: '/fapi/v1/order' }] });
      h.sim.admin.step({ candles: 1 }); // the short's candle closes: its reversal's close is refused
      await bot.step();
      for (let k = 0; k < 80; k++) {
        clock.skewMs += 500; // 40 s of the bot's time, within webhook.max_lag_s (60 s)
        await bot.step();
      }
      const closes = h.sim.admin.requests().filter((r) => r.method === 'POST' && r.path === '/fapi/v1/order' && r.clientOrderId?.startsWith(`${long}-close`));
      expect(closes.map((r) => [r.clientOrderId!.slice(long.length), r.code ?? null])).toEqual(['-close', '-close1', '-close2', '-close3', '-close4'].map((c) => [c, -4131]));
      expect(t.position).toMatchObject({ id: long, side: 'long', status: 'open', closing: null });
      expect(exchangeStepsOf(h)).toBe(10);
      expect(logged.msgs().filter((m) => m === 'entry.waiting_for_close' || m === 'entry.wait_dropped_close_failed')).toEqual(['entry.waiting_for_close', 'entry.wait_dropped_close_failed']);
      expect(h.store.waitingEntry('BTCUSDT')).toBeNull();
    } finally {
      bot.stop();
    }
  });
});

describe('candles missed during an outage (network down, an IP ban): their signals are stale', () => {
  it('candles closed while the bot could not read: the signal of an older one is not entered at today\'s price (the backtest entered it candles ago); the newest candle\'s signal is', async () => {
    const { file, open } = await signalsFile('ladder-signals-stale-', [
      (open) => `${iso(open + H + 60_000)},BTCUSDT,long,`, // on candle +1: a candle old when the bot next reads
      (open) => `${iso(open + 2 * H + 60_000)},BTCUSDT,short,`, // on candle +2: the newest when it is read
    ]);
    const config = testConfig({ strategy: { name: 'signals', file } });
    h = await startHarness(config, { seed: 3 });
    h.sim.admin.setPrice('BTCUSDT', 60000, true);
    // The bot's own clock, to let three hours pass without a read.
    let skewMs = 0;
    const bot = new TradingBot({ config, exchange: h.ex, store: h.store, log: silentLogger(), now: () => Date.now() + skewMs, retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 5, sleep: async () => undefined } });
    await bot.start();
    const t = bot.traders[0]!;
    h.sim.admin.step({ candles: 1 }); // to the end of the forming candle 0
    await bot.step();
    expect(t.position).toBeNull();
    h.sim.admin.step({ candles: 3 }); // candles 0, +1 and +2 close while the bot is not reading
    skewMs += 3 * H;
    await bot.step();
    expect((t.candles.lastOpenMs - open) / H).toBe(2);
    expect(h.state().fills.filter((f) => f.side === 'BUY')).toEqual([]); // the stale long never went out
    expect(t.position?.side).toBe('short'); // the newest candle's signal did
  });
  it('a long waiting for a failing position read when the outage began, then a short on a candle missed during it (stale): the waiting long is not sent once the reads answer (the strategy said short since; the stale rule drops both)', async () => {
    const { file } = await signalsFile('ladder-signals-stale-wait-', [
      (open) => `${iso(open + H + 60_000)},BTCUSDT,long,`, // on candle +1: read at once, its entry waits for the position read
      (open) => `${iso(open + 2 * H + 60_000)},BTCUSDT,short,`, // on candle +2: missed during the outage (stale)
    ]);
    // A signal may wait a day (webhook.max_lag_s): longer than the outage.
    const config = testConfig({ strategy: { name: 'signals', file }, webhook: { max_lag_s: 86_400 } });
    h = await startHarness(config, { seed: 3 });
    h.sim.admin.setPrice('BTCUSDT', 60000, true);
    let skewMs = 0;
    const bot = new TradingBot({ config, exchange: h.ex, store: h.store, log: silentLogger(), now: () => Date.now() + skewMs, retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 5, sleep: async () => undefined } });
    await bot.start();
    const t = bot.traders[0]!;
    h.sim.admin.step({ candles: 1 }); // to the end of the forming candle 0
    await bot.step();
    h.sim.admin.setFaults({ rules: [{ kind: 'error5xx', status: 503, method: 'GET', path: '/fapi/v3/positionRisk' }] });
    h.sim.admin.step({ candles: 2 }); // candles 0 and +1 close: the long, not sent (the position cannot be read)
    await bot.step();
    expect(t.position).toBeNull();
    h.sim.admin.step({ candles: 2 }); // candles +2 (the short) and +3 close while the bot is not reading
    skewMs += 3 * H;
    h.sim.admin.setFaults({ rules: [] });
    await bot.step();
    await bot.step();
    expect(h.state().fills).toEqual([]); // before: the long of candle +1 was bought, after the short of candle +2
    expect(t.position).toBeNull();
  });

  const RETRY = { attempts: 2, baseDelayMs: 1, maxDelayMs: 5, sleep: async () => undefined };

  /**
   * A bot (on the exchange `exchangeOf` makes, the simulator's by default) whose long of candle +1 waits
   * for a read that fails (`failPath`) when its process dies; `whileDown` runs before the exchange answers
   * again and the store is opened anew (the caller then starts its own bot on the harness returned, h).
   */
  async function diesWhileLongWaits(config: ReturnType<typeof testConfig>, failPath: string, exchangeOf: (hh: Harness) => ExchangePort = (hh) => hh.ex, whileDown = () => {}): Promise<Harness> {
    h = await startHarness(config, { seed: 3 });
    h.sim.admin.setPrice('BTCUSDT', 60000, true);
    h.bot.stop();
    const first = new TradingBot({ config, exchange: exchangeOf(h), store: h.store, log: silentLogger(), retry: RETRY });
    await first.start();
    h.sim.admin.step({ candles: 1 }); // to the end of the forming candle 0
    await first.step();
    h.sim.admin.setFaults({ rules: [{ kind: 'error5xx', status: 503, method: 'GET', path: failPath }] });
    h.sim.admin.step({ candles: 2 }); // candles 0 and +1 close: the long, not sent (the read fails)
    await first.step();
    expect(h.store.waitingEntry('BTCUSDT')).toMatchObject({ side: 'long' });
    first.stop(); // the process dies
    h.store.close();
    whileDown();
    h.sim.admin.setFaults({ rules: [] });
    h.store = openStore(h.dbPath);
    return h;
  }

  /**
   * The same long, waiting (for the failing position read) when the process dies; the bot is back after
   * candles closed while it was down. Those candles come with the start's warm-up, where the strategy was
   * never asked about them: `short` on one of them drops the stored long as the outage above does;
   * nothing on them leaves it to be acted on (within max_lag_s).
   */
  for (const c of [
    { shortOnMissed: true, name: 'a short on a candle closed while it was down (stale): the restored long is dropped, not sent against it (before: bought after the restart)' },
    { shortOnMissed: false, name: 'no signal on the candles closed while it was down: the restored long is entered' },
  ]) {
    it(`a long waiting for a failing position read when the process dies, restarted after more candles closed; ${c.name}`, async () => {
      const { file } = await signalsFile('ladder-signals-restart-stale-', [
        (open) => `${iso(open + H + 60_000)},BTCUSDT,long,`, // on candle +1: its entry waits for the position read
        ...(c.shortOnMissed ? [(open: number) => `${iso(open + 2 * H + 60_000)},BTCUSDT,short,`] : []), // on candle +2: closed while the bot is down
      ]);
      const config = testConfig({ strategy: { name: 'signals', file }, webhook: { max_lag_s: 86_400 } });
      h = await diesWhileLongWaits(config, '/fapi/v3/positionRisk', (hh) => hh.ex, () => h!.sim.admin.step({ candles: 2 })); // candles +2 and +3 close while it is down
      const { log, msgs } = recordingLogger();
      h.bot = new TradingBot({ config, exchange: h.ex, store: h.store, log, retry: RETRY });
      await h.bot.start();
      await stepBot(h, 2, 100);
      expect(msgs()).toContain('entry.wait_restored');
      if (c.shortOnMissed) {
        expect(h.state().fills).toEqual([]);
        expect(h.bot.traders[0]!.position).toBeNull();
        expect(msgs()).toContain('entry.wait_dropped_by_stale_signal');
      } else {
        expect(h.bot.traders[0]!.position?.side).toBe('long');
        expect(exchangeStepsOf(h)).toBe(10);
      }
      expect(h.store.waitingEntry('BTCUSDT')).toBeNull();
      h.bot.stop();
    });
  }

  it('a long waiting for a failing position read when the process dies, restarted at once with another strategy in the config: the stored long is dropped (entry.wait_dropped_config_changed), not traded by the new strategy (before: bought)', async () => {
    const { file } = await signalsFile('ladder-signals-restart-other-', [
      (open) => `${iso(open + H + 60_000)},BTCUSDT,long,`, // on candle +1: its entry waits for the position read
    ]);
    const config = testConfig({ strategy: { name: 'signals', file } });
    h = await diesWhileLongWaits(config, '/fapi/v3/positionRisk'); // then the owner switches the config to ema_cross and starts it again
    const { log, msgs } = recordingLogger();
    h.bot = new TradingBot({ config: testConfig({ strategy: { name: 'ema_cross', fast: 12, slow: 26 } }), exchange: h.ex, store: h.store, log, retry: RETRY });
    await h.bot.start();
    await stepBot(h, 2, 100);
    expect(h.state().fills).toEqual([]);
    expect(h.bot.traders[0]!.position).toBeNull();
    expect(msgs()).toContain('entry.wait_dropped_config_changed');
    expect(msgs()).not.toContain('entry.wait_restored');
    expect(h.store.waitingEntry('BTCUSDT')).toBeNull();
    h.bot.stop();
  });

  it('a paper run\'s long waiting for a failing price read when it dies, then `live` started on the same --db file: the paper signal is dropped, not bought with real money (before: bought)', async () => {
    const { file } = await signalsFile('ladder-signals-paper-live-', [
      (open) => `${iso(open + H + 60_000)},BTCUSDT,long,`, // on candle +1: its paper entry waits for the price read
    ]);
    const config = testConfig({ strategy: { name: 'signals', file } });
    // The paper process dies; the owner starts `live` on the same file.
    h = await diesWhileLongWaits(config, '/fapi/v1/ticker/24hr', (hh) => new PaperExchange({ source: hh.ex, fills: { takerPct: 0.05, makerPct: 0.02, slippagePct: 0 }, balance: 10_000, statePath: null, now: Date.now }));
    const { log, msgs } = recordingLogger();
    h.bot = new TradingBot({ config, exchange: h.ex, store: h.store, log, retry: RETRY });
    await h.bot.start();
    await stepBot(h, 2, 100);
    expect(h.state().fills).toEqual([]);
    expect(h.bot.traders[0]!.position).toBeNull();
    expect(msgs()).toContain('entry.wait_dropped_config_changed');
    expect(h.store.waitingEntry('BTCUSDT')).toBeNull();
    h.bot.stop();
  });
});

describe("a candle strategy's reversal while its entry is in doubt (the entry's answer lost)", () => {
  it('a long whose answer was lost (503 after it executed, its look-ups failing), then a short on the next candle: the short waits for the long\'s look-up, then closes the long and enters short (before: skipped, the long held against the strategy)', async () => {
    const { file } = await signalsFile('ladder-signals-doubt-', [
      (open) => `${iso(open + H + 60_000)},BTCUSDT,long,`, // on candle +1: its entry executes, its answer is a 503
      (open) => `${iso(open + 2 * H + 60_000)},BTCUSDT,short,`, // on candle +2: the long is still in doubt
    ]);
    h = await startHarness(testConfig({ strategy: { name: 'signals', file } }), { seed: 3 });
    h.sim.admin.setPrice('BTCUSDT', 60000, true);
    await h.bot.start();
    const t = h.trader('BTCUSDT');
    h.sim.admin.step({ candles: 1 }); // to the end of the forming candle 0
    await h.bot.step();
    h.sim.admin.setFaults({
      rules: [
        { kind: 'error5xx', status: 503, processed: true, method: 'POST', path: '/fapi/v1/order', count: 1 },
        { kind: 'error5xx', status: 503, method: 'GET', path: '/fapi/v1/order' },
      ],
    });
    h.sim.admin.step({ candles: 2 }); // candles 0 and +1 close: the long goes out, its answer a 503
    await h.bot.step();
    expect(t.position).toBeNull();
    expect(h.state().fills.filter((f) => f.side === 'BUY')).toHaveLength(1); // it executed
    h.sim.admin.step({ candles: 1 }); // candle +2 closes: the short, while the long is in doubt
    await h.bot.step();
    h.sim.admin.setFaults({ rules: [] });
    await stepBot(h, 8, 250); // the look-ups answer again (after their back-off)
    expect(t.position?.side).toBe('short'); // before: 'long', against the strategy's short until its next signal
    const sells = h.state().fills.filter((f) => f.side === 'SELL');
    expect(sells.map((f) => f.clientOrderId).some((id) => id.endsWith('-entry'))).toBe(true);
    expect(exchangeStepsOf(h)).toBe(-10); // the long closed, the short held
  });

  it('the same with a restart while the short waits (the process killed): the restarted bot acts on the stored wait, closes the long and enters short (before: the wait was in memory only, the long held against the strategy)', async () => {
    const { file } = await signalsFile('ladder-signals-doubt-restart-', [
      (open) => `${iso(open + H + 60_000)},BTCUSDT,long,`,
      (open) => `${iso(open + 2 * H + 60_000)},BTCUSDT,short,`,
    ]);
    const config = testConfig({ strategy: { name: 'signals', file } });
    h = await startHarness(config, { seed: 3 });
    h.sim.admin.setPrice('BTCUSDT', 60000, true);
    await h.bot.start();
    h.sim.admin.step({ candles: 1 });
    await h.bot.step();
    h.sim.admin.setFaults({
      rules: [
        { kind: 'error5xx', status: 503, processed: true, method: 'POST', path: '/fapi/v1/order', count: 1 },
        { kind: 'error5xx', status: 503, method: 'GET', path: '/fapi/v1/order' },
      ],
    });
    h.sim.admin.step({ candles: 2 });
    await h.bot.step();
    h.sim.admin.step({ candles: 1 }); // candle +2 closes: the short waits for the long in doubt
    await h.bot.step();
    expect(h.trader('BTCUSDT').position).toBeNull();
    // The process dies here; the exchange answers again by the time it is back.
    h.bot.stop();
    h.store.close();
    h.sim.admin.setFaults({ rules: [] });
    h.store = openStore(h.dbPath);
    expect(h.store.waitingEntry('BTCUSDT')).toMatchObject({ side: 'short', forDoubt: true });
    h.bot = new TradingBot({ config, exchange: h.ex, store: h.store, log: silentLogger(), retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 5, sleep: async () => undefined } });
    await h.bot.start();
    await stepBot(h, 4, 100);
    expect(h.bot.traders[0]!.position?.side).toBe('short');
    expect(exchangeStepsOf(h)).toBe(-10);
    expect(h.store.waitingEntry('BTCUSDT')).toBeNull(); // acted on: cleared
    h.bot.stop();
  });

  it('a stored wait older than webhook.max_lag_s when the bot is back is dropped (entry.wait_expired), not acted on', async () => {
    const config = testConfig({ webhook: { max_lag_s: 60 } });
    h = await startHarness(config, { seed: 3 });
    h.sim.admin.setPrice('BTCUSDT', 60000, true);
    h.bot.stop();
    h.store.setWaitingEntry('BTCUSDT', { symbol: 'BTCUSDT', side: 'short', signalTimeMs: Date.now() - 120_000, reason: 'ema_cross down', stopLossPct: null, sinceMs: Date.now() - 61_000, forDoubt: true, closingId: null, origin: waitOriginOf(config, h.ex.name) });
    const { log, msgs } = recordingLogger();
    h.bot = new TradingBot({ config, exchange: h.ex, store: h.store, log, retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 5, sleep: async () => undefined } });
    await h.bot.start();
    await h.bot.step();
    expect(msgs()).toContain('entry.wait_restored');
    expect(msgs()).toContain('entry.wait_expired');
    expect(h.bot.traders[0]!.position).toBeNull();
    expect(h.state().fills).toEqual([]);
    expect(h.store.waitingEntry('BTCUSDT')).toBeNull();
    h.bot.stop();
  });

  /**
   * Where the process dies in the reversal (long held, the short's candle closes): `price`, the close's
   * price read (nothing sent yet); `setMarginMode`, the short's entry from flat (the long's close filled);
   * `createOrder`, the short's entry order once the exchange executed it (its answer lost with the process),
   * or stored as sent but not yet left (the restarted bot finds it never arrived once its 3 s recvWindow
   * has passed).
   */
  const killPoints = [
    { at: 'price', executed: false, what: 'before its close was sent', before: 'nothing was stored, the long held' },
    { at: 'setMarginMode', executed: false, what: 'after its close filled, before its entry went out (the margin-mode call of the entry from flat)', before: 'nothing was stored, flat' },
    { at: 'createOrder', executed: true, what: 'once its entry executed, its answer lost with the process', before: 'short, as now' },
    { at: 'createOrder', executed: false, what: 'with its entry order stored as sent but not yet gone (it never arrives)', before: 'flat, the entry that never arrived taken as the signal acted on' },
  ] as const;
  for (const k of killPoints) {
    it(`a reversal killed ${k.what}: the restarted bot ends short, entered once (before: ${k.before})`, async () => {
      const { file } = await signalsFile('ladder-signals-kill-reversal-', [
        (open) => `${iso(open + H + 60_000)},BTCUSDT,long,`, // on candle +1: entered
        (open) => `${iso(open + 2 * H + 60_000)},BTCUSDT,short,`, // on candle +2: the reversal the process dies in
      ]);
      const config = testConfig({ strategy: { name: 'signals', file } });
      h = await startHarness(config, { seed: 3 });
      h.sim.admin.setPrice('BTCUSDT', 60000, true);
      // The process that dies: once armed, the call at the kill point never returns (nothing after it runs).
      let killed: (() => void) | null = null;
      const real = h.ex;
      const dying = new Proxy(real, {
        get(target, prop) {
          const v = Reflect.get(target, prop, target) as unknown;
          if (typeof v !== 'function') return v;
          const fn = (v as (...a: unknown[]) => Promise<unknown>).bind(target);
          if (prop !== k.at) return fn;
          return async (...a: unknown[]) => {
            const die = killed;
            if (die === null) return fn(...a);
            if (prop === 'createOrder') {
              if (!String((a[0] as { clientOrderId: string }).clientOrderId).endsWith('-entry')) return fn(...a);
              if (k.executed) await fn(...a);
            }
            die();
            return new Promise<never>(() => undefined);
          };
        },
      }) as ExchangePort;
      h.bot.stop();
      const retry = { attempts: 2, baseDelayMs: 1, maxDelayMs: 5, sleep: async () => undefined };
      const first = new TradingBot({ config, exchange: dying, store: h.store, log: silentLogger(), retry });
      await first.start();
      h.sim.admin.step({ candles: 1 });
      await first.step();
      h.sim.admin.step({ candles: 2 }); // candles 0 and +1 close: the long
      await first.step();
      expect(first.traders[0]!.position?.side).toBe('long');
      const dead = new Promise<void>((resolve) => (killed = resolve));
      h.sim.admin.step({ candles: 1 }); // candle +2 closes: the short; the process dies on its way
      void first.step();
      await dead;
      first.stop();
      expect(exchangeStepsOf(h)).toBe(k.at === 'price' ? 10 : k.executed ? -10 : 0);
      h.store.close();
      h.store = openStore(h.dbPath);
      const { log, msgs } = recordingLogger();
      (real as unknown as { ex: { options: Record<string, unknown> } }).ex.options['recvWindow'] = 3_000;
      h.bot = new TradingBot({ config, exchange: real, store: h.store, log, retry });
      await h.bot.start();
      const until = Date.now() + 8_000;
      do await stepBot(h, 1, 100);
      while (h.bot.traders[0]!.position?.side !== 'short' && Date.now() < until);
      expect(h.bot.traders[0]!.position?.side).toBe('short');
      expect(exchangeStepsOf(h)).toBe(-10);
      expect(msgs()).toContain('entry.wait_restored');
      expect(h.state().fills.filter((f) => f.clientOrderId.endsWith('-entry') && f.side === 'SELL')).toHaveLength(1); // entered once
      expect(h.store.waitingEntry('BTCUSDT')).toBeNull();
      h.bot.stop();
    });
  }
});
