import { writeSync } from 'node:fs';
import { lineIn } from '../strategy/module-error.ts';
import type { LoadedModule } from '../strategy/module-strategy.ts';

let guarded = false;

/**
 * A strategy module run in this process (backtest, compare, optimize) that calls `process.exit`
 * (code carried over from a script) would end the run with no result and its own exit code, 0 by
 * default: a script reading the exit code takes it for a finished run. A call from the module's code
 * (its file in the stack) is said, naming the file and line, and the process exits 1; any other
 * caller's exit goes through unchanged. In paper and live the module runs in a thread, where
 * `process.exit` ends only that thread (module-thread.ts).
 */
export function guardModuleExit(m: Pick<LoadedModule, 'file' | 'absPath'>): void {
  if (guarded) return;
  guarded = true;
  const exit = process.exit.bind(process);
  process.exit = ((code?: number | string | null) => {
    const line = lineIn(new Error('process.exit'), m.absPath);
    if (line === undefined) return exit(code);
    writeSync(2, `ladder: ${m.file}:${line}: the strategy module called process.exit(${code ?? ''}): the run stopped without its result\n`);
    return exit(1);
  }) as typeof process.exit;
}
