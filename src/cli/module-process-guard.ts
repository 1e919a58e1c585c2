import { writeSync } from 'node:fs';
import { lineIn, messageOf } from '../strategy/module-error.ts';
import type { LoadedModule } from '../strategy/module-strategy.ts';

let guarded = false;

/**
 * A strategy module run in this process (backtest, compare, optimize) can end it from outside the
 * checks around its onCandle calls; each is said in one line naming the file and line, exit 1:
 * - `process.exit` (code carried over from a script) would end the run with no result and its own
 *   exit code, 0 by default, which a script takes for a finished run;
 * - a promise it did not await that rejects, or a timer or callback that throws, would print Node's
 *   stack trace through Ladder's own files.
 * Only what comes from the module's code (its file in the stack) is taken; anything else goes as
 * before. In paper and live the module runs in a thread, whose failures stop it there (module-thread.ts).
 */
export function guardModuleProcess(m: Pick<LoadedModule, 'file' | 'absPath'>): void {
  if (guarded) return;
  guarded = true;
  const say = (line: number, problem: string) => writeSync(2, `ladder: ${m.file}:${line}: ${problem}\n`);
  const exit = process.exit.bind(process);
  process.exit = ((code?: number | string | null) => {
    const line = lineIn(new Error('process.exit'), m.absPath);
    if (line === undefined) return exit(code);
    say(line, `the strategy module called process.exit(${code ?? ''}): the run stopped without its result`);
    return exit(1);
  }) as typeof process.exit;
  const failed = (e: unknown) => {
    const line = lineIn(e, m.absPath);
    if (line === undefined) {
      // Not the module's: reported as Node reports an uncaught error (its stack, exit 1), as without this guard.
      writeSync(2, `${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      return exit(1);
    }
    say(line, `the strategy module failed outside onCandle (a promise it did not await, a timer, a callback): ${messageOf(e)}`);
    exit(1);
  };
  process.on('uncaughtException', failed);
  process.on('unhandledRejection', failed);
}
