import { Command, CommanderError } from 'commander';
import { registerBacktestCommand } from './commands/backtest.ts';
import { registerCloseCommand } from './commands/close.ts';
import { registerCompareCommand } from './commands/compare.ts';
import { registerConfigCommands } from './commands/config.ts';
import { registerDashboardCommand } from './commands/dashboard.ts';
import { registerDemoCommand } from './commands/demo.ts';
import { registerHistoryCommand } from './commands/history.ts';
import { registerLiveCommand } from './commands/live.ts';
import { registerPaperCommand } from './commands/paper.ts';
import { registerDataCommands } from './commands/data.ts';
import { registerSimCommand } from './commands/sim.ts';
import { registerOptimizeCommand } from './commands/optimize.ts';
import { registerWorkerCommand } from './commands/worker.ts';

/** Builds the `ladder` command tree. Each command module registers its own subcommands. */
export function buildProgram(): Command {
  const program = new Command('ladder')
    .description('Scaled take-profit trading bot for crypto perpetual futures')
    .exitOverride()
    .showHelpAfterError();
  registerConfigCommands(program);
  registerBacktestCommand(program);
  registerCompareCommand(program);
  registerOptimizeCommand(program);
  registerPaperCommand(program);
  registerLiveCommand(program);
  registerCloseCommand(program);
  registerDemoCommand(program);
  registerDashboardCommand(program);
  registerHistoryCommand(program);
  registerSimCommand(program);
  registerWorkerCommand(program);
  registerDataCommands(program);
  return program;
}

/** Runs the CLI and returns the process exit code (0 ok, non-zero on any error). */
export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    process.stderr.write(`ladder: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}
