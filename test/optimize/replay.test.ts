import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type BacktestOptions, type BacktestRun, runBacktest } from '../../src/backtest/engine.ts';
import { resultJson } from '../../src/backtest/result-json.ts';
import { loadBacktestInputs } from '../../src/cli/backtest-inputs.ts';
import type { ExitSettings } from '../../src/core/scaled-tp/settings.ts';
import { type CandleSeries, sliceByTime, wholeDetailFrom } from '../../src/data/candle-series.ts';
import { ladderCandidate, referenceCandidates } from '../../src/optimize/candidate.ts';
import { type Dataset, prepareDataset, windowInputs } from '../../src/optimize/dataset.ts';
import { evaluateCandidate } from '../../src/optimize/evaluate.ts';
import { figuresOfRun } from '../../src/optimize/metrics.ts';
import { studyWindows } from '../../src/optimize/folds.ts';
import { Replayer } from '../../src/optimize/replay/replayer.ts';
import { SpaceGrid } from '../../src/optimize/space-grid.ts';
import { tempDir } from '../support/temp-dir.ts';
import { parseSpaceText } from '../../src/optimize/space.ts';

const KLINES = fileURLToPath(new URL('../../../shared/data/binance-spot-klines/', import.meta.url));
const MARKETS = fileURLToPath(new URL('../../../shared/data/binance-usdm-exchange-info.json', import.meta.url));
const CONFIG = fileURLToPath(new URL('../../examples/scaled.config.json', import.meta.url));
const D = (s: string) => Date.parse(`${s}T00:00:00Z`);

// Two real datasets. A: three 1h symbols over two years, SOLUSDT cut to start and end inside the others'
// range (symbols that join late and whose data ends first: the engine's `end` at its own last close).
// B: two 1h symbols with BTCUSDT's 15m candles as its intrabar path (--detail), around the 15m files' start.
const a = await loadBacktestInputs({ config: CONFIG, data: ['BTCUSDT', 'ETHUSDT', 'SOLUSDT'].map((s) => `${KLINES}${s}-1h.csv`).join(','), markets: MARKETS, from: '2022-01-01', to: '2024-01-01' });
const cut = a.symbols.map((s) => (s.symbol === 'SOLUSDT' ? { ...s, candles: sliceByTime(s.candles, D('2022-07-15') + 5 * 3_600_000, D('2023-10-02')) } : s));
const b = await loadBacktestInputs({ config: CONFIG, data: `${KLINES}BTCUSDT-1h.csv,${KLINES}ETHUSDT-1h.csv`, markets: MARKETS, detail: `${KLINES}BTCUSDT-15m.csv`, from: '2024-11-01', to: '2025-05-01' });
/**
 * B's 15m candles with holes: one quarter dropped here and there (an hour with only part of its detail,
 * walked on its own path) and now and then a whole hour's four (an hour with none).
 */
function withHoles(d: CandleSeries): CandleSeries {
  const keep: number[] = [];
  for (let i = 0; i < d.length; i++) if (i % 97 !== 5 && i % 1009 >= 4) keep.push(i);
  const pick = (x: Float64Array) => Float64Array.from(keep, (i) => x[i]!);
  return { ...d, length: keep.length, time: pick(d.time), open: pick(d.open), high: pick(d.high), low: pick(d.low), close: pick(d.close), volume: pick(d.volume) };
}
const holed = b.symbols.map((s) => (s.detail ? { ...s, detail: withHoles(s.detail) } : s));
const datasets: Dataset[] = [prepareDataset(cut, a.options), prepareDataset(holed, b.options)];
const btcB = datasets[1]!.symbols.find((s) => s.symbol === 'BTCUSDT')!;
expect(btcB.detail!.length).toBeGreaterThan(10_000);
// Not vacuous: hours with part of their detail and hours with none, among the hours it covers whole.
const partial = Array.from({ length: btcB.candles.length }, (_, i) => wholeDetailFrom(btcB.candles, i, btcB.detail!)).filter((f) => f < 0).length;
expect(partial).toBeGreaterThan(50);

// Ladders of 1 to 3 levels: every move_stop_to rule, market and limit exits, stops 1–4 %.
const space = parseSpaceText(
  JSON.stringify({
    levels: [1, 2, 3],
    profit_pct: [{ min: 0.5, max: 2, step: 0.5 }, { min: 1, max: 4, step: 1 }, { values: [3, 5, 8] }],
    close_pct: { step: 10, min: 10 },
    move_stop_to: [['breakeven', 'none', { profit_pct: 0.3 }], ['previous_tp', 'breakeven', 'none'], ['previous_tp', 'breakeven']],
    breakeven_offset_pct: { values: [0, 0.1] },
    stop_loss_pct: { min: 1, max: 4, step: 0.5 },
    scaled_tp_execution: ['market', 'limit'],
  }),
);
if (!space.ok) throw new Error(JSON.stringify(space.error));
const grid = new SpaceGrid(space.value, a.config);
const refs = referenceCandidates(a.config);

/** A candidate's exit settings: a ladder from the grid (an invalid one falls back to a reference). */
function settingsAt(index: number): ExitSettings {
  const c = ladderCandidate(a.config, grid.paramsAt(index % grid.size));
  return c.ok ? c.value.settings : refs[index % 2]!.settings;
}

/** The run's options, varied where the engine couples the symbols: slots, margin, sizing, slippage, path. */
const optionsArb = fc.record({
  maxOpenPositions: fc.constantFrom(1, 2, 10),
  startingBalance: fc.constantFrom(1_500, 3_000, 10_000),
  leverage: fc.constantFrom(1, 3),
  positionSize: fc.constantFrom({ mode: 'quote' as const, value: 1000 }, { mode: 'base' as const, value: 0.05 }, { mode: 'risk_pct' as const, value: 1 }),
  sizingBalance: fc.constantFrom('starting' as const, 'running' as const),
  slippagePct: fc.constantFrom(0, 0.05),
  intrabar: fc.constantFrom('pessimistic' as const, 'ohlc' as const),
});

/** Any window [from, to) in quarter hours from the first candle (an end may cut a 1h candle's 15m detail), or the whole data. */
const QUARTER_MS = 900_000;
const windowArb = fc.oneof(
  { weight: 1, arbitrary: fc.constant<[number, number]>([-Infinity, Infinity]) },
  { weight: 4, arbitrary: fc.tuple(fc.integer({ min: 0, max: 96 * 700 }), fc.integer({ min: 96, max: 96 * 400 })).map(([s, n]): [number, number] => [s, s + n]) },
);

function identical(full: BacktestRun, replay: BacktestRun): void {
  expect(JSON.stringify(resultJson(replay))).toBe(JSON.stringify(resultJson(full)));
  expect(replay.skipped).toEqual(full.skipped);
  expect(replay.equity.length).toBe(full.equity.length);
  expect([...replay.equityTimeMs]).toEqual([...full.equityTimeMs]);
  // Bit for bit (Object.is tells −0 from 0 and compares NaN).
  for (let i = 0; i < full.equity.length; i++) if (!Object.is(replay.equity[i], full.equity[i])) expect([i, replay.equity[i]]).toEqual([i, full.equity[i]]);
}

describe('the per-entry replay', () => {
  it('gives runBacktest’s run byte for byte: trades, skipped signals, equity curve, Result JSON (random ladders, options, windows)', () => {
    let trades = 0;
    let skips = 0;
    fc.assert(
      fc.property(fc.nat({ max: 1 }), fc.nat(), optionsArb, windowArb, (which, index, v, [from, to]) => {
        const ds = datasets[which]!;
        const t0 = ds.symbols[0]!.candles.time[0]!;
        const fromMs = from === -Infinity ? from : t0 + from * QUARTER_MS;
        const toMs = to === Infinity ? to : t0 + to * QUARTER_MS;
        const { slippagePct, ...rest } = v;
        const options: Omit<BacktestOptions, 'settings'> = { ...ds.options, ...rest, fills: { ...ds.options.fills, slippagePct } };
        const settings = settingsAt(index);
        const full = runBacktest(windowInputs(ds, fromMs, toMs), { ...options, settings });
        const replay = new Replayer(ds, options).run(settings, fromMs, toMs);
        expect(replay).not.toBeNull();
        identical(full, replay!);
        trades += full.trades.length;
        skips += full.skipped.length;
      }),
      { numRuns: 100, seed: 20260430 },
    );
    // The property saw real work: many trades, and entries refused by the shared balance.
    expect(trades).toBeGreaterThan(5_000);
    expect(skips).toBeGreaterThan(100);
  });

  it('risk_pct sizes from the equity at each open, other symbols’ positions marked there: the replay sizes alike (runs and figures)', () => {
    // Entries while another symbol holds a position (sized on its mark at that open), among them entries
    // at an open where a symbol ranked before entered too (marked as entered, before its candle's walk).
    let whileOpen = 0;
    let sameOpen = 0;
    for (const ds of datasets) {
      const options: Omit<BacktestOptions, 'settings'> = { ...ds.options, maxOpenPositions: 10, leverage: 3, positionSize: { mode: 'risk_pct', value: 1 }, sizingBalance: 'running', fills: { ...ds.options.fills, slippagePct: 0.05 } };
      const t0 = ds.symbols[0]!.candles.time[0]!;
      for (const [index, from, to] of [
        [11, -Infinity, Infinity],
        [5_000, t0 + 96 * 30 * QUARTER_MS, t0 + 96 * 200 * QUARTER_MS],
      ] as const) {
        const settings = settingsAt(index);
        const full = runBacktest(windowInputs(ds, from, to), { ...options, settings });
        identical(full, new Replayer(ds, options).run(settings, from, to)!);
        const fig = new Replayer(ds, options).figures(settings, from, to)!;
        expect(Buffer.from(new Float64Array(fig.equity).buffer).equals(Buffer.from(new Float64Array(figuresOfRun(full).equity).buffer))).toBe(true);
        const closes = full.trades.map((t) => Math.max(...t.partialExits.map((e) => e.timeMs)));
        for (const t of full.trades) {
          if (full.trades.some((u, y) => u.symbol !== t.symbol && u.entryTimeMs < t.entryTimeMs && closes[y]! > t.entryTimeMs)) whileOpen++;
          if (full.trades.some((u) => u.symbol < t.symbol && u.entryTimeMs === t.entryTimeMs)) sameOpen++;
        }
      }
    }
    expect(whileOpen).toBeGreaterThan(500);
    expect(sameOpen).toBeGreaterThan(5);
  });

  it('ema_cross ATR stops past liquidation (20x) are refused as the engine refuses them: same run, same skipped signals', async () => {
    const dir = tempDir('ladder-replay-atr-');
    const base = JSON.parse(readFileSync(CONFIG, 'utf8')) as Record<string, unknown>;
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...base, leverage: 20, strategy: { name: 'ema_cross', fast: 12, slow: 26, atr_stop_mult: 5 } }));
    const inputs = await loadBacktestInputs({ config: join(dir, 'config.json'), data: `${KLINES}BTCUSDT-1h.csv`, markets: MARKETS, from: '2023-01-01', to: '2024-01-01' });
    const ds = prepareDataset(inputs.symbols, inputs.options);
    const full = runBacktest(windowInputs(ds, -Infinity, Infinity), inputs.options);
    expect(full.skipped.filter((x) => x.why === 'stop_past_liquidation').length).toBeGreaterThan(10);
    identical(full, new Replayer(ds, inputs.options).run(inputs.options.settings, -Infinity, Infinity)!);
  });

  it('one replayer over many candidates and windows stays exact (its caches carry nothing from one candidate to the next)', () => {
    const ds = datasets[0]!;
    const options = { ...ds.options, sizingBalance: 'starting' as const, maxOpenPositions: 2, startingBalance: 2_500 };
    const r = new Replayer(ds, options);
    const w = studyWindows(D('2022-01-01'), D('2024-01-01'), { folds: 3, trainMonths: 9, testMonths: 4, anchored: false });
    if (!w.ok) throw new Error(w.error);
    for (const index of [3, 1_000, 77_777, 123_456]) {
      const settings = settingsAt(index);
      for (const win of w.value) identical(runBacktest(windowInputs(ds, win.fromMs, win.toMs), { ...options, settings }), r.run(settings, win.fromMs, win.toMs)!);
    }
  });

  it('the figures without trades (what the optimizer scores) are those of the run with them: summary, R multiples, equity', () => {
    fc.assert(
      fc.property(fc.nat({ max: 1 }), fc.nat(), optionsArb, windowArb, (which, index, v, [from, to]) => {
        const ds = datasets[which]!;
        const t0 = ds.symbols[0]!.candles.time[0]!;
        const fromMs = from === -Infinity ? from : t0 + from * QUARTER_MS;
        const toMs = to === Infinity ? to : t0 + to * QUARTER_MS;
        const { slippagePct, ...rest } = v;
        const options: Omit<BacktestOptions, 'settings'> = { ...ds.options, ...rest, fills: { ...ds.options.fills, slippagePct } };
        const settings = settingsAt(index);
        const full = figuresOfRun(runBacktest(windowInputs(ds, fromMs, toMs), { ...options, settings }));
        const fig = new Replayer(ds, options).figures(settings, fromMs, toMs)!;
        expect(fig.summary).toEqual(full.summary);
        expect(Object.keys(fig.summary)).toEqual(Object.keys(full.summary));
        expect(Array.from(fig.rMultiples)).toEqual(Array.from(full.rMultiples));
        expect(Buffer.from(new Float64Array(fig.equity).buffer).equals(Buffer.from(new Float64Array(full.equity).buffer))).toBe(true);
      }),
      { numRuns: 40, seed: 7 },
    );
  });

  it('a candidate’s positions kept from one window and read back in the next give each window’s own figures (any windows, in any order)', () => {
    let recalled = 0;
    fc.assert(
      fc.property(fc.nat({ max: 1 }), fc.nat(), optionsArb, fc.array(windowArb, { minLength: 2, maxLength: 5 }), (which, index, v, wins) => {
        const ds = datasets[which]!;
        const t0 = ds.symbols[0]!.candles.time[0]!;
        const { slippagePct, ...rest } = v;
        const options: Omit<BacktestOptions, 'settings'> = { ...ds.options, ...rest, fills: { ...ds.options.fills, slippagePct } };
        const settings = settingsAt(index);
        const r = new Replayer(ds, options);
        for (const [from, to] of [[-Infinity, Infinity] as [number, number], ...wins]) {
          const fromMs = from === -Infinity ? from : t0 + from * QUARTER_MS;
          const toMs = to === Infinity ? to : t0 + to * QUARTER_MS;
          const full = figuresOfRun(runBacktest(windowInputs(ds, fromMs, toMs), { ...options, settings }));
          const fig = r.figures(settings, fromMs, toMs)!;
          expect(fig.summary).toEqual(full.summary);
          expect(Array.from(fig.rMultiples)).toEqual(Array.from(full.rMultiples));
          expect(Buffer.from(new Float64Array(fig.equity).buffer).equals(Buffer.from(new Float64Array(full.equity).buffer))).toBe(true);
        }
        recalled += r.recalled;
      }),
      { numRuns: 30, seed: 11 },
    );
    expect(recalled).toBeGreaterThan(10_000);
  });

  it('trades closed before any target, read back across candidates before planning, give each candidate’s own figures (one replayer, many ladders and windows)', () => {
    let recalled = 0;
    fc.assert(
      fc.property(fc.nat({ max: 1 }), fc.array(fc.nat(), { minLength: 4, maxLength: 8 }), optionsArb, fc.array(windowArb, { minLength: 1, maxLength: 3 }), (which, indices, v, wins) => {
        const ds = datasets[which]!;
        const t0 = ds.symbols[0]!.candles.time[0]!;
        const { slippagePct, ...rest } = v;
        const options: Omit<BacktestOptions, 'settings'> = { ...ds.options, ...rest, fills: { ...ds.options.fills, slippagePct } };
        const r = new Replayer(ds, options);
        // Candidates in turn, each on the whole data then the windows (as a study evaluates them), the last window not remembered.
        for (const index of indices) {
          const settings = settingsAt(index);
          const all: [number, number][] = [[-Infinity, Infinity], ...wins];
          all.forEach(([from, to], k) => {
            const fromMs = from === -Infinity ? from : t0 + from * QUARTER_MS;
            const toMs = to === Infinity ? to : t0 + to * QUARTER_MS;
            const full = figuresOfRun(runBacktest(windowInputs(ds, fromMs, toMs), { ...options, settings }));
            const fig = r.figures(settings, fromMs, toMs, k < all.length - 1)!;
            expect(fig.summary).toEqual(full.summary);
            expect(Array.from(fig.rMultiples)).toEqual(Array.from(full.rMultiples));
            expect(Buffer.from(new Float64Array(fig.equity).buffer).equals(Buffer.from(new Float64Array(full.equity).buffer))).toBe(true);
          });
        }
        recalled += r.firstExitsRecalled;
      }),
      { numRuns: 12, seed: 13 },
    );
    // Not vacuous: 711 trades read back across these candidates when written.
    expect(recalled).toBeGreaterThan(500);
  });

  it('past the shared memo’s caps (distinct stop distances, target percentages) a candidate replays every trade: still runBacktest’s figures', () => {
    const ds = datasets[0]!;
    const options = { ...ds.options, sizingBalance: 'starting' as const };
    const r = new Replayer(ds, options);
    const [fromMs, toMs] = [D('2022-03-01'), D('2022-06-01')];
    // 70 candidates, each with a stop distance and a single take-profit of its own: past 32 indices and 64 columns.
    for (let k = 0; k < 70; k++) {
      const base = settingsAt(k);
      const settings: ExitSettings = { ...base, stopLossPct: 1 + k * 0.05, takeProfitPct: 3 + k * 0.05, fallbackToSingle: true };
      const full = figuresOfRun(runBacktest(windowInputs(ds, fromMs, toMs), { ...options, settings }));
      const fig = r.figures(settings, fromMs, toMs, false)!;
      expect(fig.summary).toEqual(full.summary);
      expect(Array.from(fig.rMultiples)).toEqual(Array.from(full.rMultiples));
      expect(Buffer.from(new Float64Array(fig.equity).buffer).equals(Buffer.from(new Float64Array(full.equity).buffer))).toBe(true);
    }
  });

  it('a window whose end cuts a candle’s 15m detail replays the position that closes inside that candle instead of reading it back', () => {
    const ds = datasets[1]!;
    const options = { ...ds.options, sizingBalance: 'starting' as const };
    let checked = 0;
    for (let index = 0; index < 50 && checked < 3; index++) {
      const settings = settingsAt(index * 7_919);
      const all = runBacktest(windowInputs(ds, -Infinity, Infinity), { ...options, settings });
      // A BTCUSDT position whose last exit is on a later 15m candle of its hour: cut the window just before it.
      const t = all.trades.find((p) => p.symbol === 'BTCUSDT' && p.partialExits.at(-1)!.timeMs % 3_600_000 !== 0 && p.partialExits.at(-1)!.reason !== 'end');
      if (!t) continue;
      const to = t.partialExits.at(-1)!.timeMs;
      const r = new Replayer(ds, options);
      r.figures(settings, -Infinity, Infinity);
      const fig = r.figures(settings, -Infinity, to)!;
      const full = figuresOfRun(runBacktest(windowInputs(ds, -Infinity, to), { ...options, settings }));
      expect(fig.summary).toEqual(full.summary);
      expect(Array.from(fig.rMultiples)).toEqual(Array.from(full.rMultiples));
      expect(Buffer.from(new Float64Array(fig.equity).buffer).equals(Buffer.from(new Float64Array(full.equity).buffer))).toBe(true);
      checked++;
    }
    expect(checked).toBe(3);
  });

  it('the optimizer’s results are the same by replay and by full runs, on walk-forward folds (a test window ends with an `end` at its last close)', () => {
    for (const ds of datasets) {
      const first = ds.symbols[0]!.candles.time[0]!;
      const last = Math.max(...ds.symbols.map((s) => s.candles.time[s.candles.length - 1]! + s.candles.timeframeMs));
      const w = studyWindows(first, last, { folds: 2, trainMonths: 2, testMonths: 1, anchored: true });
      if (!w.ok) throw new Error(w.error);
      for (const index of [11, 5_000, 99_999]) {
        const settings = settingsAt(index);
        const replay = evaluateCandidate(ds, settings, w.value, 'replay');
        const full = evaluateCandidate(ds, settings, w.value, 'full');
        expect(replay.fullRuns).toBe(0);
        expect(full.fullRuns).toBe(w.value.length);
        expect(JSON.stringify(replay.windows)).toBe(JSON.stringify(full.windows));
        const ends = runBacktest(windowInputs(ds, w.value[2]!.fromMs, w.value[2]!.toMs), { ...ds.options, settings, sizingBalance: 'starting' }).trades.flatMap((t) => t.partialExits.filter((e) => e.reason === 'end'));
        for (const e of ends) expect(e.timeMs).toBeLessThanOrEqual(w.value[2]!.toMs);
      }
    }
  });
});

// C: dataset A's symbols with their real funding (BTCUSDT and ETHUSDT charged at their mark prices,
// SOLUSDT at the candle opens: no --mark for it). The loader rounds calc_time to the minute, so every
// settlement falls on a 1h open: settlements inside a candle (the engine's `end` at a last close) are
// in replay-funding-edges.test.ts.
const FUNDING_DIR = fileURLToPath(new URL('../../../shared/data/binance-usdm-funding/', import.meta.url));
const MARK_DIR = fileURLToPath(new URL('../../../shared/data/binance-usdm-mark-1h/', import.meta.url));
const withFunding = await loadBacktestInputs({
  config: CONFIG,
  data: ['BTCUSDT', 'ETHUSDT', 'SOLUSDT'].map((s) => `${KLINES}${s}-1h.csv`).join(','),
  markets: MARKETS,
  from: '2022-01-01',
  to: '2024-01-01',
  funding: ['BTCUSDT', 'ETHUSDT', 'SOLUSDT'].map((s) => `${FUNDING_DIR}${s}-fundingRate.csv`).join(','),
  mark: `${MARK_DIR}BTCUSDT-1h.csv,${MARK_DIR}ETHUSDT-1h.csv`,
});
const funded = prepareDataset(
  withFunding.symbols.map((s) => (s.symbol === 'SOLUSDT' ? { ...s, candles: sliceByTime(s.candles, D('2022-07-15') + 5 * 3_600_000, D('2023-10-02')) } : s)),
  withFunding.options,
);
const optionsOf = (ds: Dataset, v: { slippagePct: number } & Partial<BacktestOptions>): Omit<BacktestOptions, 'settings'> => {
  const { slippagePct, ...rest } = v;
  return { ...ds.options, ...rest, fills: { ...ds.options.fills, slippagePct } };
};
const msOf = (ds: Dataset, [from, to]: [number, number]): [number, number] => {
  const t0 = ds.symbols[0]!.candles.time[0]!;
  return [from === -Infinity ? from : t0 + from * QUARTER_MS, to === Infinity ? to : t0 + to * QUARTER_MS];
};

describe('the per-entry replay with funding (before: not modelled; the optimizer scored every ladder without it)', () => {
  it('charges every settlement as runBacktest does: the same trades with their funding, totals, equity curve bit for bit, Result JSON (random ladders, options, windows)', () => {
    let paid = 0;
    let settled = 0;
    let atEnd = 0;
    fc.assert(
      fc.property(fc.nat(), optionsArb, windowArb, (index, v, window) => {
        const [fromMs, toMs] = msOf(funded, window);
        const options = optionsOf(funded, v);
        const settings = settingsAt(index);
        const full = runBacktest(windowInputs(funded, fromMs, toMs), { ...options, settings });
        const replay = new Replayer(funded, options).run(settings, fromMs, toMs);
        expect(replay).not.toBeNull();
        identical(full, replay!);
        expect(replay!.funding).toEqual(full.funding);
        expect(replay!.trades.map((t) => t.funding)).toEqual(full.trades.map((t) => t.funding));
        paid += full.trades.filter((t) => (t.funding ?? 0) !== 0).length;
        settled += full.funding!.settlements;
        // Trades closed by the data's or the window's end that paid or received funding before it.
        atEnd += full.trades.filter((t) => t.partialExits.at(-1)!.reason === 'end' && (t.funding ?? 0) !== 0).length;
      }),
      { numRuns: 60, seed: 20261207 },
    );
    // Not vacuous: thousands of trades paid or received funding, some of them at a window's end.
    expect(paid).toBeGreaterThan(2_000);
    expect(settled).toBeGreaterThan(5_000);
    expect(atEnd).toBeGreaterThan(5);
  });

  it('the figures without trades, with positions kept from one window and read back in the next: each window\'s own figures, funding included', () => {
    let recalled = 0;
    fc.assert(
      fc.property(fc.array(fc.nat(), { minLength: 1, maxLength: 3 }), optionsArb, fc.array(windowArb, { minLength: 1, maxLength: 4 }), (indices, v, wins) => {
        const options = optionsOf(funded, v);
        const r = new Replayer(funded, options);
        for (const index of indices) {
          const settings = settingsAt(index);
          const all: [number, number][] = [[-Infinity, Infinity], ...wins];
          all.forEach((w, k) => {
            const [fromMs, toMs] = msOf(funded, w);
            const full = figuresOfRun(runBacktest(windowInputs(funded, fromMs, toMs), { ...options, settings }));
            const fig = r.figures(settings, fromMs, toMs, k < all.length - 1)!;
            expect(fig.summary).toEqual(full.summary);
            expect(Array.from(fig.rMultiples)).toEqual(Array.from(full.rMultiples));
            expect(Buffer.from(new Float64Array(fig.equity).buffer).equals(Buffer.from(new Float64Array(full.equity).buffer))).toBe(true);
          });
        }
        recalled += r.recalled;
      }),
      { numRuns: 20, seed: 17 },
    );
    expect(recalled).toBeGreaterThan(5_000);
  });

  it('funding inside --detail candles (charged at the 15m candle opening at it) is left to runBacktest: every window run in full, the same figures', async () => {
    const inputs = await loadBacktestInputs({ config: CONFIG, data: `${KLINES}BTCUSDT-1h.csv`, markets: MARKETS, detail: `${KLINES}BTCUSDT-15m.csv`, from: '2024-11-01', to: '2025-03-01', funding: `${FUNDING_DIR}BTCUSDT-fundingRate.csv` });
    const ds = prepareDataset(inputs.symbols, inputs.options);
    expect(new Replayer(ds, inputs.options).figures(inputs.options.settings, -Infinity, Infinity)).toBeNull();
    const w = studyWindows(D('2024-11-01'), D('2025-03-01'), { folds: 2, trainMonths: 2, testMonths: 1, anchored: false });
    if (!w.ok) throw new Error(w.error);
    const [replayed, full] = [evaluateCandidate(ds, inputs.options.settings, w.value), evaluateCandidate(ds, inputs.options.settings, w.value, 'full')];
    expect(replayed.fullRuns).toBe(w.value.length);
    expect(replayed.windows).toEqual(full.windows);
  });
});
