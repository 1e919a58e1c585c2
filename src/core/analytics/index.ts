export { summarizeRun, maxDrawdownPct, type RunSummary } from './run-summary.ts';
export { levelStats, type LevelStats } from './level-stats.ts';
export { analyzeRun, initialRisk, rMultiple, type LevelAnalytics, type RunAnalytics } from './run-analytics.ts';
