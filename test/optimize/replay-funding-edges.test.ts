/**
 * The replay with funding against runBacktest on synthetic series built to hit the edges: settlements
 * exactly at an open, a few ms after, 1 ms before, mid-candle, inside data gaps, before a symbol's first
 * candle and inside its last; large rates (the realised PnL moves sizing and margin); symbols that join
 * late and end early.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type BacktestOptions, type EntrySignal, type SymbolInput, runBacktest } from '../../src/backtest/engine.ts';
import { resultJson } from '../../src/backtest/result-json.ts';
import { loadBacktestInputs } from '../../src/cli/backtest-inputs.ts';
import type { CandleSeries } from '../../src/data/candle-series.ts';
import { ladderCandidate, referenceCandidates } from '../../src/optimize/candidate.ts';
import { prepareDataset, windowInputs } from '../../src/optimize/dataset.ts';
import { figuresOfRun } from '../../src/optimize/metrics.ts';
import { Replayer } from '../../src/optimize/replay/replayer.ts';
import { SpaceGrid } from '../../src/optimize/space-grid.ts';
import { parseSpaceText } from '../../src/optimize/space.ts';
import { fileURLToPath } from 'node:url';

const KLINES = fileURLToPath(new URL('../../../shared/data/binance-spot-klines/', import.meta.url));
const MARKETS = fileURLToPath(new URL('../../../shared/data/binance-usdm-exchange-info.json', import.meta.url));
const CONFIG = fileURLToPath(new URL('../../examples/scaled.config.json', import.meta.url));
const H = 3_600_000;
const base = await loadBacktestInputs({ config: CONFIG, data: ['BTCUSDT', 'ETHUSDT'].map((s) => `${KLINES}${s}-1h.csv`).join(','), markets: MARKETS, from: '2023-01-01', to: '2023-03-01' });
const space = parseSpaceText(JSON.stringify({ levels: [1, 2, 3], profit_pct: [{ min: 0.5, max: 2, step: 0.5 }, { min: 1, max: 4, step: 1 }, { values: [3, 5, 8] }], close_pct: { step: 10, min: 10 }, move_stop_to: [['breakeven', 'none'], ['previous_tp', 'breakeven', 'none'], ['previous_tp', 'breakeven']], stop_loss_pct: { min: 1, max: 4, step: 0.5 }, scaled_tp_execution: ['market', 'limit'] }));
if (!space.ok) throw new Error('space');
const grid = new SpaceGrid(space.value, base.config);
const refs = referenceCandidates(base.config);
const settingsAt = (index: number) => {
  const c = ladderCandidate(base.config, grid.paramsAt(index % grid.size));
  return c.ok ? c.value.settings : refs[index % 2]!.settings;
};

/** A small PRNG (mulberry32). */
const rng = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

function keep(c: CandleSeries, idx: number[]): CandleSeries {
  const pick = (x: Float64Array) => Float64Array.from(idx, (i) => x[i]!);
  return { ...c, length: idx.length, time: pick(c.time), open: pick(c.open), high: pick(c.high), low: pick(c.low), close: pick(c.close), volume: pick(c.volume), gaps: [] };
}

/** 4h candles from the 1h ones (whole groups of four only). */
function coarse(c: CandleSeries): CandleSeries {
  const idx: number[] = [];
  const o: number[] = [], h: number[] = [], l: number[] = [], cl: number[] = [];
  for (let i = 0; i + 3 < c.length; i++) {
    if (c.time[i]! % (4 * H) !== 0 || c.time[i + 3]! !== c.time[i]! + 3 * H) continue;
    idx.push(i);
    o.push(c.open[i]!);
    h.push(Math.max(...[0, 1, 2, 3].map((k) => c.high[i + k]!)));
    l.push(Math.min(...[0, 1, 2, 3].map((k) => c.low[i + k]!)));
    cl.push(c.close[i + 3]!);
  }
  return { ...c, timeframeMs: 4 * H, length: idx.length, time: Float64Array.from(idx, (i) => c.time[i]!), open: Float64Array.from(o), high: Float64Array.from(h), low: Float64Array.from(l), close: Float64Array.from(cl), volume: new Float64Array(idx.length), gaps: [] };
}

function build(seed: number): SymbolInput[] {
  const r = rng(seed);
  const four = r() < 0.3;
  const only = r() < 0.2 ? 1 : 2;
  const unfunded = r() < 0.2 ? 1 : -1;
  return base.symbols.slice(0, only).map((s0, q) => {
    const s = four ? { ...s0, candles: coarse(s0.candles) } : s0;
    const n = s.candles.length;
    // Late start, early end, and a few holes.
    const from = q === 0 ? 0 : Math.floor(r() * 200);
    const to = n - (q === 0 ? 0 : Math.floor(r() * 200));
    const idx: number[] = [];
    for (let i = from; i < to; i++) {
      if (r() < 0.01) i += Math.floor(r() * 12);
      if (i < to) idx.push(i);
    }
    const candles = keep(s.candles, idx);
    const sigs: (EntrySignal | null)[] = Array.from({ length: candles.length }, (_, i) => (r() < 0.04 ? { side: r() < 0.5 ? 'long' : 'short', timeMs: candles.time[i]!, ...(r() < 0.2 ? { stopLossPct: 1 + Math.floor(r() * 6) * 0.5 } : {}) } : null));
    // Settlements every 1-8 h from before the first candle to after the last, each with an offset of its own.
    const times: number[] = [];
    const t0 = s.candles.time[0]! - 10 * H;
    const t1 = s.candles.time[n - 1]! + 10 * H;
    const step = [1, 4, 8][Math.floor(r() * 3)]! * H;
    for (let t = t0; t < t1; t += step) {
      const u = r();
      const off = u < 0.3 ? 0 : u < 0.6 ? 1 + Math.floor(r() * 9) : u < 0.7 ? -1 : u < 0.8 ? H / 2 : Math.floor(r() * step);
      times.push(t + off);
    }
    times.sort((x, y) => x - y);
    const time = Float64Array.from(times);
    const rate = Float64Array.from(times, () => (r() - 0.4) * 0.02);
    const withMark = r() < 0.5;
    const price = withMark ? Float64Array.from(times, () => (r() < 0.2 ? NaN : s.candles.open[0]! * (0.5 + r()))) : undefined;
    if (q === unfunded) return { ...s, candles, entryAt: (i: number) => sigs[i] ?? null };
    return { ...s, candles, entryAt: (i: number) => sigs[i] ?? null, funding: { time, rate, ...(price ? { price } : {}) } };
  });
}

const optionsArb = fc.record({
  maxOpenPositions: fc.constantFrom(1, 2),
  startingBalance: fc.constantFrom(1_500, 3_000),
  leverage: fc.constantFrom(1, 3),
  positionSize: fc.constantFrom({ mode: 'quote' as const, value: 1000 }, { mode: 'risk_pct' as const, value: 2 }),
  sizingBalance: fc.constantFrom('starting' as const, 'running' as const),
  slippagePct: fc.constantFrom(0, 0.05),
});

describe('replay with funding: synthetic edges', () => {
  it('run and figures equal runBacktest', () => {
    const stats = { trades: 0, paid: 0, endPaid: 0, skipped: 0 };
    fc.assert(
      fc.property(fc.nat(), fc.array(fc.nat(), { minLength: 1, maxLength: 3 }), optionsArb, fc.array(fc.tuple(fc.nat({ max: 1400 }), fc.integer({ min: 1, max: 1400 })), { minLength: 1, maxLength: 4 }), (seed, indices, v, wins) => {
        const syms = build(seed);
        const ds = prepareDataset(syms, base.options);
        const { slippagePct, ...rest } = v;
        const options: Omit<BacktestOptions, 'settings'> = { ...ds.options, ...rest, fills: { ...ds.options.fills, slippagePct } };
        const t0 = base.symbols[0]!.candles.time[0]!;
        const all: [number, number][] = [[-Infinity, Infinity], ...wins.map(([s, n]): [number, number] => [t0 + s * H + (s % 3 === 0 ? H / 2 : 0), t0 + (s + n) * H])];
        const r = new Replayer(ds, options);
        for (const index of indices) {
          const settings = settingsAt(index);
          all.forEach(([fromMs, toMs], k) => {
            const full = runBacktest(windowInputs(ds, fromMs, toMs), { ...options, settings });
            const run = new Replayer(ds, options).run(settings, fromMs, toMs)!;
            expect(JSON.stringify(resultJson(run))).toBe(JSON.stringify(resultJson(full)));
            expect(run.funding).toEqual(full.funding);
            stats.trades += full.trades.length;
            stats.paid += full.trades.filter((t) => (t.funding ?? 0) !== 0).length;
            // Trades closed by an `end` that held a settlement inside their last candle (charged at its close).
            stats.endPaid += full.trades.filter((t) => {
              const x = t.partialExits.at(-1)!;
              const f = syms.find((y) => y.symbol === t.symbol)!.funding;
              const tf = ds.symbols[0]!.candles.timeframeMs;
              return x.reason === 'end' && f !== undefined && f.time.some((ft) => ft > x.timeMs - tf && ft < x.timeMs && ft > t.entryTimeMs);
            }).length;
            stats.skipped += full.skipped.length;
            expect(Buffer.from(new Float64Array(run.equity).buffer).equals(Buffer.from(new Float64Array(full.equity).buffer))).toBe(true);
            const ff = figuresOfRun(full);
            const fig = r.figures(settings, fromMs, toMs, k < all.length - 1)!;
            expect(fig.summary).toEqual(ff.summary);
            expect(Array.from(fig.rMultiples)).toEqual(Array.from(ff.rMultiples));
            expect(Buffer.from(new Float64Array(fig.equity).buffer).equals(Buffer.from(new Float64Array(ff.equity).buffer))).toBe(true);
          });
        }
      }),
      { numRuns: 60, seed: 1 },
    );
    // Not vacuous: most trades paid or received funding, some of them inside their last candle at an `end`.
    expect(stats.paid).toBeGreaterThan(stats.trades / 2);
    expect(stats.endPaid).toBeGreaterThan(50);
    expect(stats.skipped).toBeGreaterThan(1_000);
  });
});

const withDetail = await loadBacktestInputs({ config: CONFIG, data: `${KLINES}BTCUSDT-1h.csv,${KLINES}ETHUSDT-1h.csv`, markets: MARKETS, detail: `${KLINES}BTCUSDT-15m.csv`, from: '2024-11-01', to: '2025-01-01' });
describe('replay with funding on one symbol, --detail on the other', () => {
  it('equals runBacktest', () => {
    const stats = { trades: 0, paid: 0 };
    fc.assert(
      fc.property(fc.nat(), fc.nat(), optionsArb, fc.array(fc.tuple(fc.nat({ max: 1400 }), fc.integer({ min: 1, max: 1400 })), { minLength: 1, maxLength: 3 }), (seed, index, v, wins) => {
        const r = rng(seed);
        const syms = withDetail.symbols.map((s) => {
          if (s.symbol === 'BTCUSDT') return s;
          const n = s.candles.length;
          const times: number[] = [];
          for (let t = s.candles.time[0]! - 5 * H; t < s.candles.time[n - 1]! + 5 * H; t += 4 * H) times.push(t + (r() < 0.5 ? 0 : Math.floor(r() * 4 * H)));
          return { ...s, funding: { time: Float64Array.from(times), rate: Float64Array.from(times, () => (r() - 0.4) * 0.02) } };
        });
        const ds = prepareDataset(syms, withDetail.options);
        const { slippagePct, ...rest } = v;
        const options: Omit<BacktestOptions, 'settings'> = { ...ds.options, ...rest, fills: { ...ds.options.fills, slippagePct } };
        const t0 = withDetail.symbols[0]!.candles.time[0]!;
        const all: [number, number][] = [[-Infinity, Infinity], ...wins.map(([s, n]): [number, number] => [t0 + s * H + (s % 3 === 0 ? H / 4 : 0), t0 + (s + n) * H + (n % 2 ? H / 2 : 0)])];
        const settings = settingsAt(index);
        const rep = new Replayer(ds, options);
        all.forEach(([fromMs, toMs], k) => {
          const full = runBacktest(windowInputs(ds, fromMs, toMs), { ...options, settings });
          const run = new Replayer(ds, options).run(settings, fromMs, toMs)!;
          expect(JSON.stringify(resultJson(run))).toBe(JSON.stringify(resultJson(full)));
          expect(run.funding).toEqual(full.funding);
          expect(Buffer.from(new Float64Array(run.equity).buffer).equals(Buffer.from(new Float64Array(full.equity).buffer))).toBe(true);
          const ff = figuresOfRun(full);
          const fig = rep.figures(settings, fromMs, toMs, k < all.length - 1)!;
          expect(fig.summary).toEqual(ff.summary);
          expect(Buffer.from(new Float64Array(fig.equity).buffer).equals(Buffer.from(new Float64Array(ff.equity).buffer))).toBe(true);
          stats.trades += full.trades.length;
          stats.paid += full.trades.filter((t) => (t.funding ?? 0) !== 0).length;
        });
      }),
      { numRuns: 30, seed: 1 },
    );
    expect(stats.paid).toBeGreaterThan(500);
  });
});
