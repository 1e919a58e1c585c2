import { runBacktest } from '../backtest/engine.ts';
import type { ExitSettings } from '../core/scaled-tp/settings.ts';
import { type Dataset, windowInputs } from './dataset.ts';
import { type WindowMetrics, dailyReturns, windowMetrics } from './metrics.ts';

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
  /** Daily returns (full and test windows: the CSCV matrix, the DSR and the out-of-sample curves). */
  readonly daily?: { readonly firstDayMs: number; readonly returns: readonly number[] };
}

/** What one candidate did on every window of the study, in the order of the windows. */
export interface CandidateResult {
  readonly windows: readonly WindowOutcome[];
}

/**
 * Runs one exit policy on every window: the engine's own `runBacktest` over the window's candles,
 * with the signals read once (see dataset.ts). Entries are sized from the starting balance, as in
 * `compare`, so no candidate's luck changes another's position sizes.
 */
export function evaluateCandidate(ds: Dataset, settings: ExitSettings, windows: readonly StudyWindow[]): CandidateResult {
  return {
    windows: windows.map((w): WindowOutcome => {
      const inputs = windowInputs(ds, w.fromMs, w.toMs);
      const run = runBacktest(inputs, { ...ds.options, settings, sizingBalance: 'starting' });
      const d = dailyReturns(run.equityTimeMs, run.equity, ds.options.startingBalance);
      const metrics = windowMetrics(run, ds.options.startingBalance, d.returns);
      return w.role === 'train' ? { metrics } : { metrics, daily: { firstDayMs: d.dayMs[0] ?? w.fromMs, returns: d.returns } };
    }),
  };
}

/** Candles a candidate replays over all windows (the throughput unit: candidates × candles per second). */
export function candlesPerCandidate(ds: Dataset, windows: readonly StudyWindow[]): number {
  let n = 0;
  for (const w of windows) for (const s of windowInputs(ds, w.fromMs, w.toMs)) n += s.candles.length;
  return n;
}
