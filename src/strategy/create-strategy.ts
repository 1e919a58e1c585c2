import { isAbsolute, resolve } from 'node:path';
import { EmaCrossStrategy, type EmaCrossParams } from './ema-cross.ts';
import { SignalsStrategy } from './signals-strategy.ts';
import { loadStrategyModule } from './module-loader.ts';
import { ModuleStrategy } from './module-strategy.ts';
import type { Strategy } from './strategy.ts';

/** The `strategy` key of config.json (SPEC "Config keys"). */
export type StrategyConfig =
  | ({ readonly name: 'ema_cross' } & EmaCrossParams)
  | { readonly name: 'signals'; readonly file: string }
  | { readonly name: 'module'; readonly path: string; readonly params?: Readonly<Record<string, unknown>> };

export interface CreateStrategyOptions {
  /** Directory a relative signal-file or module path is resolved against (the config file's); default: the working directory. */
  readonly baseDir?: string;
  /**
   * The config's leverage: a signal file's `stop_loss_pct` at or beyond the liquidation distance is
   * then an error naming its line (SPEC R2), as in the config and the webhook. A module's `stopLossPct`
   * is a computed value (an ATR stop): one past it is not entered, as ema_cross's (stop_past_liquidation).
   */
  readonly leverage?: number;
}

/**
 * A fresh strategy for one series (each keeps per-series state; `onCandle` on another series resets it).
 * Built-in strategies only: a module loads asynchronously (loadStrategy).
 */
export function createStrategy(config: StrategyConfig, opts: CreateStrategyOptions = {}): Strategy {
  switch (config.name) {
    case 'ema_cross': {
      const { name: _name, ...params } = config;
      return new EmaCrossStrategy(params);
    }
    case 'signals': {
      const path = isAbsolute(config.file) || opts.baseDir === undefined ? config.file : resolve(opts.baseDir, config.file);
      return SignalsStrategy.fromFile(path, opts.leverage);
    }
    case 'module':
      throw new Error(`strategy module ${config.path}: a module loads asynchronously: use loadStrategy`);
    default: {
      const unknown: never = config;
      throw new Error(`unknown strategy ${JSON.stringify((unknown as { name?: unknown }).name)} (expected ema_cross or signals)`);
    }
  }
}

/**
 * A fresh strategy for one series, any kind: a module is imported (once per process: import()
 * caches it) and checked, and throws StrategyModuleError naming its file if anything is wrong.
 */
export async function loadStrategy(config: StrategyConfig, opts: CreateStrategyOptions = {}): Promise<Strategy> {
  if (config.name !== 'module') return createStrategy(config, opts);
  return new ModuleStrategy(await loadStrategyModule(config, opts.baseDir));
}

