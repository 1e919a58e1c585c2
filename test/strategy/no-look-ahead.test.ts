import fc from 'fast-check';
import { describe, it } from 'vitest';
import type { CandleSeries } from '../../src/data/candle-series.ts';
import { createStrategy, type StrategyConfig } from '../../src/strategy/create-strategy.ts';
import { SignalsStrategy } from '../../src/strategy/signals-strategy.ts';
import type { Strategy } from '../../src/strategy/strategy.ts';
import { H, seriesOf, T0, type Bar } from './make-series.ts';

const numRuns = Number(process.env.FC_NUM_RUNS ?? 300);

const arbBar: fc.Arbitrary<Bar> = fc
  .tuple(fc.double({ min: 10, max: 1000, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 0.2, noNaN: true }))
  .map(([mid, a, b, spread]) => {
    const low = mid * (1 - spread);
    const high = mid * (1 + spread);
    return { open: low + a * (high - low), close: low + b * (high - low), high, low };
  });

const arbConfig: fc.Arbitrary<StrategyConfig> = fc
  .record({ fast: fc.integer({ min: 1, max: 6 }), extra: fc.integer({ min: 1, max: 10 }), atr: fc.option(fc.double({ min: 0.5, max: 4, noNaN: true }), { nil: undefined }), atrPeriod: fc.integer({ min: 1, max: 15 }) })
  .map(({ fast, extra, atr, atrPeriod }) => ({ name: 'ema_cross', fast, slow: fast + extra, ...(atr !== undefined ? { atr_stop_mult: atr, atr_period: atrPeriod } : {}) }));

/** Every candle's answer, candle by candle, from a fresh strategy. */
function answers(make: () => Strategy, s: CandleSeries): string[] {
  const st = make();
  const out = [JSON.stringify(st.beforeFirst?.(s) ?? null)];
  for (let i = 0; i < s.length; i++) out.push(JSON.stringify(st.onCandle(s, i)));
  return out;
}

describe('no look-ahead', () => {
  it('ema_cross: changing any candle after i never changes the signals at indices ≤ i', () =>
    fc.assert(
      fc.property(arbConfig, fc.array(arbBar, { minLength: 2, maxLength: 80 }), fc.nat(), fc.array(arbBar, { minLength: 1, maxLength: 80 }), (config, bars, cut, replacement) => {
        const i = cut % bars.length;
        const changed = [...bars.slice(0, i + 1), ...replacement.slice(0, bars.length - i - 1)];
        while (changed.length < bars.length) changed.push(replacement[0]!);
        const a = answers(() => createStrategy(config), seriesOf(bars));
        const b = answers(() => createStrategy(config), seriesOf(changed));
        // Index 0 of `answers` is beforeFirst, so candle i is at i + 1.
        return a.slice(0, i + 2).every((x, k) => x === b[k]);
      }),
      { numRuns },
    ));

  it('ema_cross: asking about candle i of a series cut after i gives the same answer as of the whole series', () =>
    fc.assert(
      fc.property(arbConfig, fc.array(arbBar, { minLength: 2, maxLength: 80 }), fc.nat(), (config, bars, cut) => {
        const i = cut % bars.length;
        const whole = answers(() => createStrategy(config), seriesOf(bars));
        const prefix = answers(() => createStrategy(config), seriesOf(bars.slice(0, i + 1)));
        return prefix.every((x, k) => x === whole[k]);
      }),
      { numRuns },
    ));

  it('signals: the prices of later candles never change what is entered up to candle i', () =>
    fc.assert(
      fc.property(
        fc.array(arbBar, { minLength: 2, maxLength: 40 }),
        fc.array(fc.tuple(fc.integer({ min: -2 * H, max: 42 * H }), fc.boolean()), { maxLength: 20 }),
        fc.nat(),
        fc.array(arbBar, { minLength: 40, maxLength: 40 }),
        (bars, raw, cut, replacement) => {
          const signals = raw.map(([dt, long], k) => ({ timeMs: T0 + dt, side: long ? ('long' as const) : ('short' as const), symbol: 'BTCUSDT', line: k + 2, reason: `s.csv:${k + 2}` }));
          signals.sort((x, y) => x.timeMs - y.timeMs);
          const i = cut % bars.length;
          const changed = [...bars.slice(0, i + 1), ...replacement.slice(0, bars.length - i - 1)];
          const a = answers(() => new SignalsStrategy(signals), seriesOf(bars));
          const b = answers(() => new SignalsStrategy(signals), seriesOf(changed));
          return a.slice(0, i + 2).every((x, k) => x === b[k]);
        },
      ),
      { numRuns },
    ));
});
