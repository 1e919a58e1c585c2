import { rMultiple } from '../core/analytics/run-analytics.ts';
import type { RunSummary } from '../core/analytics/run-summary.ts';
import type { BacktestRun } from '../backtest/engine.ts';
import { mean, sharpeRatio, sortinoRatio } from './stats/moments.ts';

const DAY_MS = 86_400_000;
/** Crypto trades every day of the year. */
export const DAYS_PER_YEAR = 365;

/** What one candidate did in one window. Ratios annualised from daily returns (√365). */
export interface WindowMetrics {
  readonly trades: number;
  readonly total_pnl: number;
  /** Gross profit / gross loss; null when nothing was lost. */
  readonly profit_factor: number | null;
  readonly sharpe: number;
  /** Null when no day closed down (no downside to divide by), as profit_factor and calmar. */
  readonly sortino: number | null;
  /** Compound annual growth / max drawdown (fractions); null without a drawdown. */
  readonly calmar: number | null;
  /** Average trade in multiples of its initial risk. */
  readonly expectancy_r: number;
  readonly max_drawdown_pct: number;
  readonly win_rate: number;
  /** Number of daily returns. */
  readonly days: number;
}

/**
 * Daily returns of an equity curve: the last equity of each UTC day over the previous day's (the first
 * day over the start). A point (a candle's open time, `timeframeMs` long) holds the equity at that
 * candle's close: it is dated by the candle's last day, when it is known (a weekly candle's Sunday).
 * Every calendar day from the first candle's first day to the last candle's last has one: a day
 * without a point (candles of 3d, 1w or 1M; a gap in the data) keeps the day before's equity, so the
 * ratios are annualised over the days the run took and the k-th return is the first day's + k (the
 * out-of-sample curves). With candles of a day or less this is the day of each open.
 */
export function dailyReturns(times: ArrayLike<number>, equity: ArrayLike<number>, start: number, timeframeMs: number): { dayMs: number[]; returns: number[]; equity: number[] } {
  const dayMs: number[] = [];
  const closes: number[] = [];
  const dayOf = (t: number) => Math.floor(t / DAY_MS) * DAY_MS;
  for (let i = 0; i < equity.length; i++) {
    const d = dayOf(times[i]! + timeframeMs - 1);
    // The first candle's days before its last keep the starting equity.
    const last = dayMs.length ? dayMs[dayMs.length - 1]! : dayOf(times[i]!) - DAY_MS;
    if (dayMs.length && last === d) closes[closes.length - 1] = equity[i]!;
    else {
      for (let gap = last + DAY_MS; gap < d; gap += DAY_MS) {
        dayMs.push(gap);
        closes.push(closes.length ? closes[closes.length - 1]! : start);
      }
      dayMs.push(d);
      closes.push(equity[i]!);
    }
  }
  const returns = closes.map((e, k) => e / (k === 0 ? start : closes[k - 1]!) - 1);
  return { dayMs, returns, equity: closes };
}

/**
 * What the metrics read of a run: its summary, each trade's R multiple in the order trades closed,
 * and the equity curve. A `BacktestRun` has it (`figuresOfRun`); the replay makes it without keeping
 * the trades (src/optimize/replay).
 */
export interface RunFigures {
  readonly summary: RunSummary;
  readonly rMultiples: ArrayLike<number>;
  readonly equityTimeMs: ArrayLike<number>;
  readonly equity: ArrayLike<number>;
}

export const figuresOfRun = (run: BacktestRun): RunFigures => ({ summary: run.summary, rMultiples: run.trades.map(rMultiple), equityTimeMs: run.equityTimeMs, equity: run.equity });

export function windowMetrics(run: RunFigures, startingBalance: number, returns: readonly number[]): WindowMetrics {
  const s = run.summary;
  const years = returns.length / DAYS_PER_YEAR;
  const growth = s.final_equity / startingBalance;
  const cagr = years > 0 && growth > 0 ? growth ** (1 / years) - 1 : -1;
  return {
    trades: s.trades,
    total_pnl: s.total_pnl,
    profit_factor: s.profit_factor,
    sharpe: sharpeRatio(returns) * Math.sqrt(DAYS_PER_YEAR),
    sortino: returns.some((r) => r < 0) ? sortinoRatio(returns) * Math.sqrt(DAYS_PER_YEAR) : null,
    calmar: s.max_drawdown_pct > 0 ? cagr / (s.max_drawdown_pct / 100) : null,
    expectancy_r: run.rMultiples.length ? mean(run.rMultiples) : 0,
    max_drawdown_pct: s.max_drawdown_pct,
    win_rate: s.win_rate,
    days: returns.length,
  };
}
