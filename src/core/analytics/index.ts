export { summarizeRun, maxDrawdownPct, type RunSummary } from './run-summary.ts';
export { levelStats, type LevelStats } from './level-stats.ts';
