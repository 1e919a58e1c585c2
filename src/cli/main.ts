import { Command, CommanderError } from 'commander';

type Register = (program: Command) => void;

/**
 * Each top-level command and the module that registers it, in help order. Loaded on demand: a call
 * that names a command loads only that command's module, so `ladder config validate` does not pay
 * for the imports of backtest, optimize or the bot (issue 14, docs/benchmarks.md "CLI start-up").
 */
const COMMANDS: readonly (readonly [name: string, load: () => Promise<Register>])[] = [
  ['config', async () => (await import('./commands/config.ts')).registerConfigCommands],
  ['backtest', async () => (await import('./commands/backtest.ts')).registerBacktestCommand],
  ['compare', async () => (await import('./commands/compare.ts')).registerCompareCommand],
  ['optimize', async () => (await import('./commands/optimize.ts')).registerOptimizeCommand],
  ['paper', async () => (await import('./commands/paper.ts')).registerPaperCommand],
  ['live', async () => (await import('./commands/live.ts')).registerLiveCommand],
  ['close', async () => (await import('./commands/close.ts')).registerCloseCommand],
  ['demo', async () => (await import('./commands/demo.ts')).registerDemoCommand],
  ['dashboard', async () => (await import('./commands/dashboard.ts')).registerDashboardCommand],
  ['history', async () => (await import('./commands/history.ts')).registerHistoryCommand],
  ['sim', async () => (await import('./commands/sim.ts')).registerSimCommand],
  ['worker', async () => (await import('./commands/worker.ts')).registerWorkerCommand],
  ['data', async () => (await import('./commands/data.ts')).registerDataCommands],
];

/**
 * Builds the `ladder` command tree: every command, or only `only` (the command a call names; its
 * help, options and errors do not depend on the others). Each command module registers its own
 * subcommands.
 */
export async function buildProgram(only?: string): Promise<Command> {
  const program = new Command('ladder')
    .description('Scaled take-profit trading bot for crypto perpetual futures')
    .exitOverride()
    .showHelpAfterError();
  const chosen = COMMANDS.filter(([name]) => only === undefined || name === only);
  const registers = await Promise.all(chosen.map(([, load]) => load()));
  chosen.forEach(([name], i) => {
    registers[i]!(program);
    // The table names what the module registers: a mismatch would hide the command from calls naming it.
    if (!program.commands.some((c) => c.name() === name)) throw new Error(`ladder: the module listed for '${name}' registered no such command`);
  });
  return program;
}

/** Commands that print a report and end. */
const REPORTS: ReadonlySet<string> = new Set(['backtest', 'compare', 'history', 'config']);

/** Runs the CLI and returns the process exit code (0 ok, non-zero on any error). */
export async function main(argv: readonly string[]): Promise<number> {
  const named = COMMANDS.some(([name]) => name === argv[0]) ? argv[0] : undefined;
  const program = await buildProgram(named); // `help`, `--help`, an unknown command: all of them
  // A report read by something that stops early (`ladder backtest | head -1`): the closed pipe ends the
  // command quietly, as it ends any Unix filter, not with an unhandled EPIPE and its stack trace. The
  // bot's commands keep running (their guard survives a closed stdout); optimize stops only with its run.
  if (named !== undefined && REPORTS.has(named)) {
    process.stdout.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE') throw e;
      process.exit(0);
    });
  }
  // Checked before any command runs: every command's single-value options, every subcommand's too.
  // (Loaded here, not at the top: `ladder --help` and a mistyped command do not pay for its imports.)
  program.hook('preAction', async (_program, command) => (await import('./cli-error.ts')).refuseRepeatedOptions(command, argv));
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    // Every line of a message is an error line (a file's problems, one per line): each carries the prefix.
    const message = e instanceof Error ? e.message : String(e);
    process.stderr.write(`${message.split('\n').map((line) => `ladder: ${line}`).join('\n')}\n`);
    return 1;
  }
}
