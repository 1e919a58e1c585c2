import { type BacktestOptions, runBacktest } from '../backtest/engine.ts';
import type { ExitSettings } from '../core/scaled-tp/settings.ts';
import { type Dataset, windowInputs } from './dataset.ts';
import { type RunFigures, type WindowMetrics, dailyReturns, figuresOfRun, windowMetrics } from './metrics.ts';
import { Replayer } from './replay/replayer.ts';

/** A time window a candidate is run on: the whole data, or a walk-forward fold's training or test part. */
export interface StudyWindow {
  readonly role: 'full' | 'train' | 'test';
  /** 0-based fold, null for the full window. */
  readonly fold: number | null;
  readonly fromMs: number;
  readonly toMs: number;
}

export interface WindowOutcome {
  readonly metrics: WindowMetrics;
  /**
   * Daily returns (full and test windows: the CSCV matrix, the DSR and the out-of-sample curves). A
   * study holds them as a Float64Array (packedResult): a plain array that came through a thread, the
   * queue or the database holds each double in a box of its own, three times the memory.
   */
  readonly daily?: { readonly firstDayMs: number; readonly returns: ArrayLike<number> };
}

/** What one candidate did on every window of the study, in the order of the windows. */
export interface CandidateResult {
  readonly windows: readonly WindowOutcome[];
  /** Windows evaluated by a full `runBacktest` rather than the replay (absent in results stored before the replay). */
  readonly fullRuns?: number;
}

/**
 * The result with its daily returns in Float64Arrays (8 bytes a day instead of ~24 for the boxed
 * doubles of an array that was cloned or parsed): what a study keeps of every candidate until its
 * analysis. Only for holding: a result is saved or sent (JSON, the queue's wire form) as it came.
 */
export function packedResult(r: CandidateResult): CandidateResult {
  const packed = (w: WindowOutcome) => w.daily === undefined || w.daily.returns instanceof Float64Array;
  // Already packed (a sink that packs as it reads): the same result, nothing copied.
  if (r.windows.every(packed)) return r;
  return { ...r, windows: r.windows.map((w) => (packed(w) ? w : { ...w, daily: { firstDayMs: w.daily!.firstDayMs, returns: Float64Array.from(w.daily!.returns) } })) };
}

/**
 * How candidates are evaluated: `replay` (the default) replays each taken entry's position through
 * the core and rebuilds the engine's run from them (src/optimize/replay, identical results);
 * `full` runs `runBacktest` over every window, for a cross-check.
 */
export const ENGINES = ['replay', 'full'] as const;
export type Engine = (typeof ENGINES)[number];

/** The options of every run of a study: entries are sized from the starting balance, as in `compare`, so no candidate's luck changes another's sizes. */
const runOptions = (ds: Dataset): Omit<BacktestOptions, 'settings'> => ({ ...ds.options, sizingBalance: 'starting' });

/** One replayer per dataset (per worker thread or process), kept for the whole study. */
const replayers = new WeakMap<Dataset, Replayer>();

/**
 * Runs one exit policy on every window, with the signals read once (see dataset.ts): by the replay
 * (`runBacktest`'s result, built from each taken entry's own position) or by `runBacktest` itself
 * over the window's candles; a window the replay cannot follow is run in full (counted in `fullRuns`):
 * one with a symbol whose funding falls inside its --detail candles, or a position the core left open.
 */
export function evaluateCandidate(ds: Dataset, settings: ExitSettings, windows: readonly StudyWindow[], engine: Engine = 'replay'): CandidateResult {
  let replayer: Replayer | null = null;
  if (engine === 'replay') {
    replayer = replayers.get(ds) ?? null;
    if (replayer === null) replayers.set(ds, (replayer = new Replayer(ds, runOptions(ds))));
  }
  let fullRuns = 0;
  const outcomes = windows.map((w, k): WindowOutcome => {
    let run: RunFigures | null = replayer ? replayer.figures(settings, w.fromMs, w.toMs, k < windows.length - 1) : null;
    if (run === null) {
      fullRuns++;
      run = figuresOfRun(runBacktest(windowInputs(ds, w.fromMs, w.toMs), { ...runOptions(ds), settings }));
    }
    // Symbols on one balance share one timeframe (backtest-inputs): the candles' span of each point.
    const d = dailyReturns(run.equityTimeMs, run.equity, ds.options.startingBalance, ds.symbols[0]!.candles.timeframeMs);
    const metrics = windowMetrics(run, ds.options.startingBalance, d.returns);
    return w.role === 'train' ? { metrics } : { metrics, daily: { firstDayMs: d.dayMs[0] ?? w.fromMs, returns: d.returns } };
  });
  return { windows: outcomes, fullRuns };
}

/** Candles a candidate replays over all windows (the throughput unit: candidates × candles per second). */
export function candlesPerCandidate(ds: Dataset, windows: readonly StudyWindow[]): number {
  let n = 0;
  for (const w of windows) for (const s of windowInputs(ds, w.fromMs, w.toMs)) n += s.candles.length;
  return n;
}
