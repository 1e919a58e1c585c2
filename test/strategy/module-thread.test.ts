import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LiveCandles } from '../../src/data/live-candles.ts';
import { loadCandles } from '../../src/data/load-candles.ts';
import { loadStrategy } from '../../src/strategy/create-strategy.ts';
import { StrategyModuleError } from '../../src/strategy/module-error.ts';
import { loadStrategyModule } from '../../src/strategy/module-loader.ts';
import { H, T0, seriesOf } from './make-series.ts';
import { ModuleThread } from '../../src/strategy/module-thread.ts';

/**
 * A strategy module in a worker thread (the bot's way to run one): the same answers and errors as
 * in the main thread, and a module that never returns stops itself, not its caller.
 */
const ROOT = resolve(import.meta.dirname, '../..');
const FILE = resolve(ROOT, 'data/candles/BTCUSDT-1h.csv');
const EXAMPLES = resolve(ROOT, 'examples/strategies');
const MODULES = resolve(import.meta.dirname, 'modules');
const candles = await loadCandles(FILE);
const DONCHIAN = { name: 'module' as const, path: 'donchian-breakout.ts', params: { period: 20, atr_period: 14, atr_mult: 2 } };

/** The bot's growing view: candles appended one at a time to a LiveCandles, as they close. */
function grown(n: number): LiveCandles {
  const live = new LiveCandles('BTCUSDT', candles.timeframeMs);
  for (let i = 0; i < n; i++) live.append([{ symbol: 'BTCUSDT', openTimeMs: candles.time[i]!, open: candles.open[i]!, high: candles.high[i]!, low: candles.low[i]!, close: candles.close[i]!, volume: candles.volume[i]! }]);
  return live;
}

const started: ModuleThread[] = [];
async function start(...a: Parameters<typeof ModuleThread.start>): Promise<ModuleThread> {
  const s = await ModuleThread.start(...a);
  started.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.close()));
});

describe('ModuleThread', () => {
  it('answers as the module in the main thread: candle by candle as they close, out of order, and on another series', async () => {
    const threaded = await (await start(DONCHIAN, { baseDir: EXAMPLES })).strategy();
    const inProcess = await loadStrategy(DONCHIAN, { baseDir: EXAMPLES, leverage: 5 });
    expect([threaded.name, threaded.warmup]).toEqual([inProcess.name, inProcess.warmup]);
    const n = 600;
    const live = new LiveCandles('BTCUSDT', candles.timeframeMs);
    let signals = 0;
    // The bot's start: a history of 300 candles first (the thread gets them in one call), then one candle at a time.
    const history = grown(300);
    expect(JSON.stringify(await threaded.onCandle(history.series(), 299))).toBe(JSON.stringify(inProcess.onCandle(history.series(), 299)));
    for (let i = 0; i < n; i++) {
      live.append([{ symbol: 'BTCUSDT', openTimeMs: candles.time[i]!, open: candles.open[i]!, high: candles.high[i]!, low: candles.low[i]!, close: candles.close[i]!, volume: candles.volume[i]! }]);
      const want = inProcess.onCandle(live.series(), i);
      const got = await threaded.onCandle(live.series(), i);
      expect(JSON.stringify(got), `candle ${i}`).toBe(JSON.stringify(want));
      if (want) signals++;
    }
    expect(signals).toBeGreaterThan(5);
    // Asked again about earlier candles (a replay there), then on a series of another symbol.
    for (const i of [10, 250, 599]) expect(JSON.stringify(await threaded.onCandle(live.series(), i))).toBe(JSON.stringify(inProcess.onCandle(live.series(), i)));
    const other = { ...candles, symbol: 'ETHUSDT', length: 400, time: candles.time.subarray(0, 400) };
    expect(JSON.stringify(await threaded.onCandle(other, 399))).toBe(JSON.stringify(inProcess.onCandle(other, 399)));
  }, 60_000);

  it('one thread holds an instance per symbol, each with its own state: answers as separate instances in the main thread', async () => {
    const thread = await start(DONCHIAN, { baseDir: EXAMPLES });
    const [a, b] = [await thread.strategy(), await thread.strategy()];
    const [x, y] = [await loadStrategy(DONCHIAN, { baseDir: EXAMPLES }), await loadStrategy(DONCHIAN, { baseDir: EXAMPLES })];
    const btc = grown(400).series();
    const eth = { ...candles, symbol: 'ETHUSDT', length: 400, time: candles.time.subarray(0, 400), close: candles.close.subarray(0, 400).map((c) => c * 0.05) };
    const got: string[] = [];
    const want: string[] = [];
    for (let i = 100; i < 400; i++) {
      got.push(JSON.stringify([await a.onCandle(btc, i), await b.onCandle(eth, i)]));
      want.push(JSON.stringify([x.onCandle(btc, i), y.onCandle(eth, i)]));
    }
    expect(got).toEqual(want);
  }, 60_000);

  it('a call that never returns stops the module: that call and every later one fail with one error naming the file and candle, and the thread is ended', async () => {
    const k = 40;
    const thread = await start({ path: 'hangs-on-candle.ts', params: { every: 10, hang_at_ms: candles.time[k]! } }, { baseDir: MODULES, timeoutMs: 500 });
    const s = await thread.strategy();
    const other = await thread.strategy(); // another symbol's instance in the same thread
    const live = grown(k + 5);
    const eth = { ...live.series(), symbol: 'ETHUSDT' };
    for (let i = 0; i < k; i++) expect(await s.onCandle(live.series(), i)).toEqual(i % 10 === 0 ? expect.objectContaining({ side: i % 20 === 0 ? 'long' : 'short' }) : null);
    const t0 = Date.now();
    const hung = await s.onCandle(live.series(), k).catch((e: unknown) => e);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(450);
    expect(hung).toBeInstanceOf(StrategyModuleError);
    const message = (hung as Error).message;
    expect(message).toBe(`hangs-on-candle.ts: onCandle did not return within 0.5 s on candle ${k} (${new Date(candles.time[k]!).toISOString()} BTCUSDT): the module is stopped, no more entries from it until the bot restarts; open positions are still managed`);
    expect(thread.stopped?.message).toBe(message);
    // Later candles: the same error at once (the bot alerts once), never another wait.
    const t1 = Date.now();
    await expect(s.onCandle(live.series(), k + 1)).rejects.toThrow(message);
    // The module is stopped on every symbol: the same code would meet the same loop.
    await expect(other.onCandle(eth, k - 10)).rejects.toThrow(message);
    expect(Date.now() - t1).toBeLessThan(450);
    // The endless loop is ended with its thread: this process burns no CPU on it any more.
    await new Promise((r) => setTimeout(r, 100));
    const cpu0 = process.cpuUsage();
    await new Promise((r) => setTimeout(r, 600));
    const cpu = process.cpuUsage(cpu0);
    expect((cpu.user + cpu.system) / 1000).toBeLessThan(300);
  }, 30_000);

  it('each candle is timed on its own: a first call that replays 60 candles of 20 ms each (1.2 s) under a 0.5 s timeout is answered, and the next candle too', async () => {
    const thread = await start({ path: 'slow-per-candle.ts', params: { ms: 20 } }, { baseDir: MODULES, timeoutMs: 500 });
    const st = await thread.strategy();
    const history = grown(61);
    const t0 = Date.now();
    expect(await st.onCandle({ ...history.series(), length: 60 }, 59)).toBeNull();
    expect(Date.now() - t0).toBeGreaterThan(1000); // the whole call took longer than the timeout
    expect(thread.stopped).toBeNull();
    expect(await st.onCandle(history.series(), 60)).toBeNull();
  });

  it('a candle of the history that never returns: the stop names that candle and says it was catching up, not the candle asked', async () => {
    const k = 40;
    const thread = await start({ path: 'hangs-on-candle.ts', params: { every: 10, hang_at_ms: candles.time[k]! } }, { baseDir: MODULES, timeoutMs: 500 });
    const s = await thread.strategy();
    const live = grown(k + 5);
    const e = await s.onCandle(live.series(), k + 4).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(StrategyModuleError);
    expect((e as Error).message).toBe(
      `hangs-on-candle.ts: onCandle did not return within 0.5 s on candle ${k} (${new Date(candles.time[k]!).toISOString()} BTCUSDT), while catching up on the ${k + 5} candles fed to answer candle ${k + 4} (a symbol's first call replays its history): the module is stopped, no more entries from it until the bot restarts; open positions are still managed`,
    );
  });

  it('a module that throws: the main thread\'s error (file, line, candle), and the next candle is answered', async () => {
    const k = 30;
    const params = { every: 10, throw_at_ms: candles.time[k]! };
    const thread = await start({ path: 'throws-on-candle.ts', params }, { baseDir: MODULES });
    const s = await thread.strategy();
    const inProcess = await loadStrategy({ name: 'module', path: 'throws-on-candle.ts', params }, { baseDir: MODULES });
    const live = grown(k + 11);
    let want = '';
    try {
      inProcess.onCandle(live.series(), k);
    } catch (e) {
      want = (e as Error).message;
    }
    expect(want).toMatch(/^throws-on-candle\.ts:\d+: onCandle threw on candle 30 /);
    // The same message; the line is the throw's own (11) in the thread (vitest's transform of the
    // main thread's copy can map it to another).
    const got = await s.onCandle(live.series(), k).catch((e: Error) => e.message);
    expect(got).toBe(want.replace(/^throws-on-candle\.ts:\d+:/, 'throws-on-candle.ts:11:'));
    expect(thread.stopped).toBeNull();
    expect(await s.onCandle(live.series(), k + 10)).toEqual(expect.objectContaining({ side: 'long', reason: 'every 10' }));
  }, 30_000);

  it('a series with a hole: the thread sees the gaps a backtest of the same candles sees (a module reading candles.gaps answers the same)', async () => {
    // 1h candles at 00:00, 01:00, 02:00, then 05:00, 06:00 (03:00 and 04:00 missing: 2 candles), then 07:00, 09:00 (1 missing).
    const hours = [0, 1, 2, 5, 6, 7, 9];
    const backtest = seriesOf(hours.map(() => ({ open: 100, high: 100, low: 100, close: 100 })), hours.map((h) => T0 + h * H));
    expect(backtest.gaps.map((g) => [g.afterIndex, g.missing])).toEqual([[2, 2], [5, 1]]);
    const config = { name: 'module' as const, path: 'long-after-gap.ts' };
    const inProcess = await loadStrategy(config, { baseDir: MODULES });
    const want = hours.map((_, i) => inProcess.onCandle(backtest, i)?.reason ?? null);
    // Worked out by hand: the candle after each gap (05:00, 09:00), nothing else.
    expect(want).toEqual([null, null, null, 'after 2 missing', null, null, 'after 1 missing']);
    const threaded = await (await start(config, { baseDir: MODULES })).strategy();
    const live = new LiveCandles('BTCUSDT', H);
    const got: (string | null)[] = [];
    for (let i = 0; i < hours.length; i++) {
      live.append([{ symbol: 'BTCUSDT', openTimeMs: backtest.time[i]!, open: 100, high: 100, low: 100, close: 100, volume: 0 }]);
      got.push((await threaded.onCandle(live.series(), i))?.reason ?? null);
    }
    expect(got).toEqual(want);
  }, 30_000);

  it("a create() that does not return within the time (made at the bot's start): said as what it is, the bot not starting, not as a module stopped while positions are managed", async () => {
    const probe = await start({ path: 'slow-create.ts', params: { ms: 0 } }, { baseDir: MODULES, timeoutMs: 500 });
    expect(await (await probe.strategy()).onCandle(grown(3).series(), 2)).toBeNull(); // a quick create: made and answering
    const thread = await start({ path: 'slow-create.ts', params: { ms: 2000 } }, { baseDir: MODULES, timeoutMs: 500 });
    await thread.strategy(); // the first symbol's: made while loading (its check that each create() is a fresh instance), under the load time
    const e = await thread.strategy().catch((x: unknown) => x); // a second symbol's
    expect(e).toBeInstanceOf(StrategyModuleError);
    expect((e as Error).message).toBe('slow-create.ts: create() did not return within 0.5 s: an instance is made for each symbol at the start, within that time (keep heavy set-up at the top level, which has 60 s); the bot does not start');
  }, 30_000);

  it('a module that does not load, or whose create() throws: the main thread\'s error; one whose top level never ends: an error after the load timeout', async () => {
    const want = await loadStrategyModule({ path: 'no-create.ts' }, MODULES).catch((e: Error) => e.message);
    expect(want).toMatch(/no-create\.ts: does not export `create`/);
    await expect(start({ path: 'no-create.ts' }, { baseDir: MODULES })).rejects.toThrow(want);
    // create() failing: the symbol's instance is refused with the main thread's message.
    const inMain = await loadStrategy({ name: 'module', path: 'throws-in-create.ts' }, { baseDir: MODULES }).then(() => 'loaded', (e: Error) => e.message);
    expect(inMain).toMatch(/throws-in-create\.ts:\d+: create\(\) threw/);
    const thread = await start({ path: 'throws-in-create.ts' }, { baseDir: MODULES });
    const refused = await thread.strategy().then(() => 'made', (e: Error) => e.message);
    expect(refused.replace(/:\d+:/, ':L:')).toBe(inMain.replace(/:\d+:/, ':L:'));
    await expect(start({ path: 'hangs-on-load.ts' }, { baseDir: MODULES, loadTimeoutMs: 1500 })).rejects.toThrow('hangs-on-load.ts: the strategy module did not load within 1.5 s (does its top level wait or loop?)');
  }, 30_000);
});
