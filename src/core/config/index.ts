/** Public surface of the config module: one zod schema for config.json (SPEC R2, "Config keys"). */
export {
  configSchema,
  type LadderConfig,
  type LevelConfig,
  type MoveStopTo,
  type PositionSizeConfig,
  type StrategyConfig,
  MAX_LEVELS,
  STRATEGY_NAMES,
  TIMEFRAMES,
} from './schema.ts';
export { DEFAULT_LEVELS, MAINTENANCE_MARGIN_PCT, defaultMoveStopTo, liquidationDistancePct } from './defaults.ts';
export { CLOSE_PCT_SUM_TOLERANCE } from './rules.ts';
export { type ConfigIssue, formatConfigIssues } from './issues.ts';
export { parseConfigOverlayText, parseConfigText, parseConfigValue } from './parse.ts';
export { configJsonSchema } from './json-schema.ts';
export { type RunFacts, settleAssetsOf, startSummary, summarizeConfig } from './summary.ts';
