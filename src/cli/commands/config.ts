import type { Command } from 'commander';
import { configJsonSchema, summarizeConfig } from '../../core/config/index.ts';
import { CliError } from '../cli-error.ts';
import { readConfig } from '../read-config.ts';

/** `ladder config validate [FILE | --config FILE]` and `ladder config schema` (SPEC R2, "Modes and CLI"). */
export function registerConfigCommands(program: Command): void {
  const config = program.command('config').description('check config.json, print its JSON Schema');

  config
    .command('validate')
    .description('check a config file; print every problem with its path, exit 1 if there is any')
    .argument('[file]', 'config file (default: config.json)')
    // Every other command names its config with --config: the same words work here.
    .option('--config <file>', 'the same as [file]')
    .action(async (arg: string | undefined, o: { config?: string }) => {
      if (arg !== undefined && o.config !== undefined && arg !== o.config) throw new CliError(`config validate: two files given (${arg} and --config ${o.config}): give one`);
      const file = arg ?? o.config ?? 'config.json';
      const r = await readConfig(file);
      if (!r.ok) {
        process.exitCode = 1;
        return;
      }
      // A module strategy (its file, exports and params) or a signals file (its lines). Loaded only then: the
      // strategy code pulls in trading-signals (≈ 0.07 s), which checking an ema_cross config does not need.
      if (r.value.strategy.name !== 'ema_cross') await (await import('../check-strategy.ts')).checkStrategyLoads(r.value, file);
      process.stdout.write(`ok: ${file}\n${summarizeConfig(r.value)}\n`);
    });

  config
    .command('schema')
    .description('print the JSON Schema of config.json (draft 2020-12), generated from the validator')
    .action(() => {
      process.stdout.write(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
    });
}
