import fc from 'fast-check';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LiveCandles } from '../../src/data/live-candles.ts';
import type { CandleSeries } from '../../src/data/candle-series.ts';
import type { CandleStrategy } from '../../src/strategy/api.ts';
import { loadStrategyModule } from '../../src/strategy/module-loader.ts';
import { type LoadedModule, ModuleStrategy } from '../../src/strategy/module-strategy.ts';
import type { Strategy } from '../../src/strategy/strategy.ts';
import { type Bar, H, T0, seriesOf } from './make-series.ts';

/** The wrapper keeps a module's promise (every candle once, in order, only candles 0…i visible). */
const EXAMPLES = resolve(import.meta.dirname, '../../examples/strategies');
const numRuns = Number(process.env.FC_NUM_RUNS ?? 100);

const arbBar: fc.Arbitrary<Bar> = fc
  .tuple(fc.double({ min: 10, max: 1000, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 0.2, noNaN: true }))
  .map(([mid, a, b, spread]) => {
    const low = mid * (1 - spread);
    const high = mid * (1 + spread);
    return { open: low + a * (high - low), close: low + b * (high - low), high, low };
  });

const examples = await Promise.all([
  loadStrategyModule({ path: 'rsi-reversion.ts', params: { period: 3, oversold: 40, overbought: 60 } }, EXAMPLES),
  loadStrategyModule({ path: 'donchian-breakout.ts', params: { period: 4, atr_period: 3 } }, EXAMPLES),
]);

const answers = (st: Strategy, s: CandleSeries, order: readonly number[]) => order.map((i) => JSON.stringify(st.onCandle(s, i)));
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** A module that records what it was shown, to check the wrapper's promises. */
function recorder(log: string[]): LoadedModule {
  let made = 0;
  return {
    file: 'rec.ts',
    absPath: '/x/rec.ts',
    name: 'rec',
    make: (): CandleStrategy => {
      const id = made++;
      let expect = 0;
      return {
        onCandle(c, i) {
          log.push(`${id}:${i}/${c.length}`);
          if (i !== expect++) throw new Error(`fed ${i}, expected ${expect - 1}`);
          return i % 3 === 2 ? { side: 'long' } : null;
        },
      };
    },
  };
}

describe('strategy modules: the wrapper', () => {
  it("a stop at or beyond the liquidation distance is passed on as the module gave it (the backtest and the bot do not enter it and say so: stop_past_liquidation, as ema_cross's ATR stop); a stop outside 0 … 100 is an error", () => {
    const stopping = (pct: number): LoadedModule => ({ file: 'wide.mjs', absPath: '/x/wide.mjs', name: 'wide', make: () => ({ onCandle: () => ({ side: 'short', stopLossPct: pct }) }) });
    const s = seriesOf(range(3).map(() => ({ open: 1, high: 1, low: 1, close: 1 })));
    expect(new ModuleStrategy(stopping(50)).onCandle(s, 0)?.stopLossPct).toBe(50);
    expect(() => new ModuleStrategy(stopping(100)).onCandle(s, 0)).toThrow(/wide\.mjs: onCandle returned stopLossPct 100 \(must be a number above 0 and below 100\)/);
  });

  it('a warmup that is not a whole number ≥ 0 is shown as written: a string in quotes (got "10", not got 10, which reads as valid)', () => {
    const warming = (w: unknown): LoadedModule => ({ file: 'warm.mjs', absPath: '/x/warm.mjs', name: 'warm', make: () => ({ warmup: w as number, onCandle: () => null }) });
    expect(() => new ModuleStrategy(warming('10'))).toThrow('warm.mjs: warmup must be a whole number ≥ 0, got "10"');
    expect(() => new ModuleStrategy(warming(1.5))).toThrow('warm.mjs: warmup must be a whole number ≥ 0, got 1.5');
    expect(new ModuleStrategy(warming(undefined)).warmup).toBe(0);
    expect(new ModuleStrategy(warming(30)).warmup).toBe(30);
  });

  it('a signal with a key the contract does not have is an error naming the key, not silently ignored (stop_loss_pct would trade the config\'s stop)', () => {
    const returning = (out: unknown): LoadedModule => ({ file: 'keys.mjs', absPath: '/x/keys.mjs', name: 'keys', make: () => ({ onCandle: () => out as null }) });
    const s = seriesOf(range(2).map(() => ({ open: 1, high: 1, low: 1, close: 1 })));
    expect(() => new ModuleStrategy(returning({ side: 'long', stop_loss_pct: 0.3 })).onCandle(s, 0)).toThrow(/keys\.mjs: onCandle returned an unknown key "stop_loss_pct" \(did you mean stopLossPct\?\) on candle 0/);
    expect(() => new ModuleStrategy(returning({ side: 'long', size: 2 })).onCandle(s, 0)).toThrow(/unknown key "size" on candle 0/);
    expect(new ModuleStrategy(returning({ side: 'long', stopLossPct: 1, reason: 'r' })).onCandle(s, 0)).toMatchObject({ side: 'long', stopLossPct: 1, reason: 'r' });
  });

  it('a wrong answer shows the value as written: a string stop in quotes, a BigInt or a Symbol named, never an error without the file', () => {
    const returning = (out: unknown): LoadedModule => ({ file: 'odd.mjs', absPath: '/x/odd.mjs', name: 'odd', make: () => ({ onCandle: () => out as null }) });
    const s = seriesOf(range(2).map(() => ({ open: 1, high: 1, low: 1, close: 1 })));
    const message = (out: unknown) => {
      try {
        new ModuleStrategy(returning(out)).onCandle(s, 0);
      } catch (e) {
        return (e as Error).message;
      }
      return 'no error';
    };
    expect(message({ side: 'long', stopLossPct: '1.5' })).toMatch(/^odd\.mjs: onCandle returned stopLossPct "1\.5" \(must be a number/);
    expect(message({ side: 'long', stopLossPct: 2n })).toMatch(/^odd\.mjs: onCandle returned stopLossPct 2n \(a BigInt\) \(must be a number/);
    expect(message({ side: 1n })).toMatch(/^odd\.mjs: onCandle returned side 1n \(a BigInt\) on candle 0/);
    expect(message({ side: Symbol('long') })).toMatch(/^odd\.mjs: onCandle returned side Symbol\(long\) on candle 0/);
    expect(message(7n)).toMatch(/^odd\.mjs: onCandle returned 7n \(a BigInt\) on candle 0/);
    // The symbol is said, as for a module that throws: with several --data files, which one (before: the time only).
    expect(message('long')).toContain('on candle 0 (2024-01-01T00:00:00.000Z BTCUSDT); expected null');
    expect(message(() => 'long')).toMatch(/^odd\.mjs: onCandle returned a function on candle 0/);
  });

  it('an answer whose fields throw when read (a getter, a Proxy) is an error naming the module and the candle, not the bare message of the getter', () => {
    const returning = (out: unknown): LoadedModule => ({ file: 'trap.mjs', absPath: '/x/trap.mjs', name: 'trap', make: () => ({ onCandle: () => out as null }) });
    const s = seriesOf(range(2).map(() => ({ open: 1, high: 1, low: 1, close: 1 })));
    const getter = {
      get side(): string {
        throw new Error('getter');
      },
    };
    const proxy = new Proxy({}, { get: () => { throw new Error('trap get'); }, ownKeys: () => { throw new Error('trap keys'); } });
    expect(() => new ModuleStrategy(returning(getter)).onCandle(s, 0)).toThrow(/^trap\.mjs: onCandle returned an answer that threw when read \(getter\) on candle 0 \(2024-01-01T00:00:00\.000Z BTCUSDT\); expected null or/);
    expect(() => new ModuleStrategy(returning(proxy)).onCandle(s, 0)).toThrow(/^trap\.mjs: onCandle returned an answer that threw when read \(trap get\) on candle 0/);
  });

  it('onCandle throwing something that is not an Error: its message, or the value, in an error naming the module and the candle', () => {
    const throwing = (thrown: unknown): LoadedModule => ({
      file: 'odd.mjs',
      absPath: '/x/odd.mjs',
      name: 'odd',
      make: () => ({
        onCandle: () => {
          throw thrown;
        },
      }),
    });
    const s = seriesOf(range(2).map(() => ({ open: 1, high: 1, low: 1, close: 1 })));
    const on = (thrown: unknown) => () => new ModuleStrategy(throwing(thrown)).onCandle(s, 0);
    expect(on({ code: 42, message: 'rate too high' })).toThrow(/^odd\.mjs: onCandle threw on candle 0 \([^)]*\): rate too high$/);
    expect(on({ code: 42 })).toThrow(/^odd\.mjs: onCandle threw on candle 0 \([^)]*\): \{"code":42\}$/);
    expect(on(Object.create(null))).toThrow(/^odd\.mjs: onCandle threw on candle 0 \([^)]*\): \{\}$/);
    expect(on('plain text')).toThrow(/^odd\.mjs: onCandle threw on candle 0 \([^)]*\): plain text$/);
  });

  it('shows candles 0…i only, each once and in order, to one instance while asked in order', () => {
    const log: string[] = [];
    const st = new ModuleStrategy(recorder(log));
    const s = seriesOf(range(5).map(() => ({ open: 1, high: 1, low: 1, close: 1 })));
    expect(answers(st, s, [0, 1, 2, 2, 3, 4]).map((x) => x !== 'null')).toEqual([false, false, true, true, false, false]);
    expect(log).toEqual(['0:0/1', '0:1/2', '0:2/3', '0:3/4', '0:4/5']);
  });

  it("no look-ahead through the arrays' buffer, and no writing the caller's candles: the module sees copies of candles 0…i", () => {
    const seen: number[] = [];
    const peeking: LoadedModule = {
      file: 'peek.mjs',
      absPath: '/x/peek.mjs',
      name: 'peek',
      make: () => ({
        onCandle(c, i) {
          // Everything the buffer under c.close holds past candle i: a look-ahead if not 0.
          const all = new Float64Array(c.close.buffer, c.close.byteOffset, (c.close.buffer.byteLength - c.close.byteOffset) / 8);
          seen.push(...all.subarray(i + 1));
          c.close[i] = -1; // a module normalising in place
          return null;
        },
      }),
    };
    const bars = range(6).map((k) => ({ open: 10 + k, high: 11 + k, low: 9 + k, close: 10.5 + k }));
    const s = seriesOf(bars);
    const st = new ModuleStrategy(peeking);
    for (const i of [0, 1, 2, 4, 5, 3]) st.onCandle(s, i); // in order, a skip (catch-up), then a replay
    expect(seen.filter((x) => x !== 0)).toEqual([]);
    expect(Array.from(s.close)).toEqual(bars.map((b) => b.close));
  });

  it('out of order or on other candles: a fresh instance replays from candle 0', () => {
    const log: string[] = [];
    const st = new ModuleStrategy(recorder(log));
    const s = seriesOf(range(4).map(() => ({ open: 1, high: 1, low: 1, close: 1 })));
    st.onCandle(s, 3);
    st.onCandle(s, 1);
    st.onCandle(seriesOf(range(3).map(() => ({ open: 2, high: 2, low: 2, close: 2 }))), 2);
    expect(log).toEqual(['0:0/1', '0:1/2', '0:2/3', '0:3/4', '1:0/1', '1:1/2', '2:0/1', '2:1/2', '2:2/3']);
  });

  it("the live bot's growing view over the same arrays continues without a replay", () => {
    const log: string[] = [];
    const st = new ModuleStrategy(recorder(log));
    const live = new LiveCandles('BTCUSDT', H);
    const candle = (k: number) => ({ symbol: 'BTCUSDT', openTimeMs: T0 + k * H, open: 1, high: 1, low: 1, close: 1, volume: 0 });
    live.append(range(3).map(candle));
    st.onCandle(live.series(), 2);
    for (const k of [3, 4]) for (const i of live.append([candle(k)])) st.onCandle(live.series(), i);
    expect(log).toEqual(['0:0/1', '0:1/2', '0:2/3', '0:3/4', '0:4/5']);
  });

  for (const m of examples) {
    it(`${m.name}: no look-ahead: changing any candle after i never changes the answers up to i`, () =>
      fc.assert(
        fc.property(fc.array(arbBar, { minLength: 2, maxLength: 60 }), fc.nat(), fc.array(arbBar, { minLength: 60, maxLength: 60 }), (bars, cut, other) => {
          const i = cut % bars.length;
          const changed = [...bars.slice(0, i + 1), ...other.slice(0, bars.length - i - 1)];
          const a = answers(new ModuleStrategy(m), seriesOf(bars), range(bars.length));
          const b = answers(new ModuleStrategy(m), seriesOf(changed), range(bars.length));
          return a.slice(0, i + 1).every((x, k) => x === b[k]);
        }),
        { numRuns },
      ));

    it(`${m.name}: answers asked in any order equal the in-order answers`, () =>
      fc.assert(
        fc.property(fc.array(arbBar, { minLength: 2, maxLength: 40 }), fc.array(fc.nat(), { minLength: 1, maxLength: 20 }), (bars, asks) => {
          const s = seriesOf(bars);
          const inOrder = answers(new ModuleStrategy(m), s, range(bars.length));
          const st = new ModuleStrategy(m);
          return asks.every((k) => JSON.stringify(st.onCandle(s, k % bars.length)) === inOrder[k % bars.length]);
        }),
        { numRuns },
      ));
  }

  it('the examples signal on real candles (and the Donchian entries carry an ATR stop)', async () => {
    const { loadCandles } = await import('../../src/data/load-candles.ts');
    const s = await loadCandles(resolve(import.meta.dirname, '../../data/candles/ETHUSDT-1h.csv'));
    const [rsi, dc] = await Promise.all([
      loadStrategyModule({ path: 'rsi-reversion.ts' }, EXAMPLES),
      loadStrategyModule({ path: 'donchian-breakout.ts' }, EXAMPLES),
    ]);
    const signals = (m: LoadedModule) => {
      const st = new ModuleStrategy(m);
      return range(s.length)
        .map((i) => st.onCandle(s, i))
        .filter((x) => x !== null);
    };
    const r = signals(rsi);
    const d = signals(dc);
    expect(r.length).toBeGreaterThan(10);
    expect(new Set(r.map((x) => x.side))).toEqual(new Set(['long', 'short']));
    expect(d.length).toBeGreaterThan(10);
    expect(d.every((x) => x.stopLossPct !== undefined && x.stopLossPct > 0 && x.stopLossPct < 20)).toBe(true);
  });
});
