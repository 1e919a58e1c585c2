import type { WindowMetrics } from './metrics.ts';

export const OBJECTIVES = ['total_pnl', 'profit_factor', 'sharpe', 'sortino', 'calmar', 'expectancy_r'] as const;
export type ObjectiveName = (typeof OBJECTIVES)[number];

/** Bigger is better. A null ratio (no loss, no drawdown, no losing day) counts as very large but finite, so ties stay ordered. */
const UNBOUNDED = 1e9;

/**
 * The score of a window's metrics: −Infinity when it has fewer than `minTrades` trades (too few to
 * mean anything: disqualified), else the objective.
 */
export function score(m: WindowMetrics, objective: ObjectiveName, minTrades: number): number {
  if (m.trades < minTrades) return -Infinity;
  switch (objective) {
    case 'total_pnl':
      return m.total_pnl;
    case 'profit_factor':
      return m.profit_factor ?? (m.total_pnl > 0 ? UNBOUNDED : 0);
    case 'sharpe':
      return m.sharpe;
    case 'sortino':
      return m.sortino ?? (m.total_pnl > 0 ? UNBOUNDED : 0);
    case 'calmar':
      return m.calmar ?? (m.total_pnl > 0 ? UNBOUNDED : 0);
    case 'expectancy_r':
      return m.expectancy_r;
    default: {
      const never: never = objective;
      throw new Error(`unknown objective ${String(never)}`);
    }
  }
}
