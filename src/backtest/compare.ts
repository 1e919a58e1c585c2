import { type RunAnalytics, analyzeRun } from '../core/analytics/run-analytics.ts';
import type { Position } from '../core/model/position.ts';
import type { ExitSettings } from '../core/scaled-tp/settings.ts';
import { type BacktestOptions, type BacktestRun, type SymbolInput, runBacktest } from './engine.ts';

export interface ExitPolicy {
  readonly name: string;
  readonly settings: ExitSettings;
}

export interface ComparedRun {
  readonly name: string;
  readonly run: BacktestRun;
  readonly analytics: RunAnalytics;
}

export interface Comparison {
  readonly runs: readonly ComparedRun[];
  /** Computed: every run entered the same trades (symbol, side, time, price, quantity). */
  readonly sameEntries: boolean;
  /** When not the same: the first entry that differs, for the message. */
  readonly firstDifference: string | null;
}

const entryKey = (t: Position) => `${t.symbol} ${t.side} ${new Date(t.entryTimeMs).toISOString()} @${t.entryPrice} ×${t.originalSteps}`;

/**
 * One signal stream, several exit policies (R5.5): the same candles, strategy and sizing for every
 * run; only the exit settings differ. The entries are decided once, in the reference run (the last
 * policy: the single take-profit every ladder is compared with), sized from the starting balance;
 * every other run takes exactly those entries with the same quantities, whatever its own slots and
 * margin would allow (they depend on how the earlier trades exited: the very thing compared). Only a
 * signal for the side a still-open position holds can still differ (one position per symbol): whether
 * the entries really are the same is checked, not assumed.
 */
export function compareExits(symbols: readonly SymbolInput[], base: BacktestOptions, policies: readonly ExitPolicy[]): Comparison {
  const last = policies.length - 1;
  const reference = runBacktest(symbols, { ...base, settings: policies[last]!.settings, sizingBalance: 'starting' });
  const runs = policies.map((p, k): ComparedRun => {
    const run = k === last ? reference : runBacktest(symbols, { ...base, settings: p.settings, sizingBalance: 'starting', entriesOf: reference.trades });
    return { name: p.name, run, analytics: analyzeRun(run.trades, base.startingBalance, run.equity) };
  });
  const keys = runs.map((r) => r.run.trades.map(entryKey).sort());
  let firstDifference: string | null = null;
  for (let k = 1; k < keys.length && firstDifference === null; k++) {
    const a = keys[0]!;
    const b = keys[k]!;
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      if (a[i] !== b[i]) {
        firstDifference = `${runs[0]!.name}: ${a[i] ?? '(none)'} vs ${runs[k]!.name}: ${b[i] ?? '(none)'}`;
        break;
      }
    }
  }
  return { runs, sameEntries: firstDifference === null, firstDifference };
}
