import { dirname } from 'node:path';
import type { LadderConfig } from '../core/config/index.ts';
import { loadStrategy } from '../strategy/create-strategy.ts';
import { CliError } from './cli-error.ts';

/**
 * Loads a `module` strategy or a `signals` file once, before anything connects or runs, so a broken
 * file (missing, syntax error, no `create`, bad params, a bad signal line) stops `config validate`,
 * `paper` and `live` at once with its file and line. ema_cross was checked with the config.
 */
export async function checkStrategyLoads(config: LadderConfig, configPath: string): Promise<void> {
  if (config.strategy.name === 'ema_cross') return;
  try {
    await loadStrategy(config.strategy, { baseDir: dirname(configPath), leverage: config.leverage });
  } catch (e) {
    throw new CliError(`${configPath}: strategy: ${e instanceof Error ? e.message : String(e)}`);
  }
}
