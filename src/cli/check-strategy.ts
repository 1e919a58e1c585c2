import { dirname } from 'node:path';
import type { LadderConfig } from '../core/config/index.ts';
import { loadStrategy } from '../strategy/create-strategy.ts';
import { ModuleThread } from '../strategy/module-thread.ts';
import { CliError } from './cli-error.ts';

export interface CheckStrategyOptions {
  /** A module's load time limit (default MODULE_LOAD_TIMEOUT_MS); tests shorten it. */
  readonly loadTimeoutMs?: number;
}

/**
 * Loads a `module` strategy or a `signals` file once, before anything connects or runs, so a broken
 * file (missing, syntax error, no `create`, bad params, a bad signal line) stops `config validate`,
 * `paper` and `live` at once with its file and line. ema_cross was checked with the config.
 * A module is loaded, and one instance made, in a thread of its own (as the bot runs it): a top level
 * that loops for ever in this thread would hang the start with no word; there it is an error after
 * the load time.
 */
export async function checkStrategyLoads(config: LadderConfig, configPath: string, o: CheckStrategyOptions = {}): Promise<void> {
  if (config.strategy.name === 'ema_cross') return;
  const opts = { baseDir: dirname(configPath), leverage: config.leverage };
  try {
    if (config.strategy.name !== 'module') await loadStrategy(config.strategy, opts);
    else {
      const thread = await ModuleThread.start(config.strategy, { ...opts, ...(o.loadTimeoutMs !== undefined ? { loadTimeoutMs: o.loadTimeoutMs } : {}) });
      try {
        await thread.strategy();
      } finally {
        await thread.close();
      }
    }
  } catch (e) {
    throw new CliError(`${configPath}: strategy: ${e instanceof Error ? e.message : String(e)}`);
  }
}
