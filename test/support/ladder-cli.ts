import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');

export interface LadderRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * The real `ladder` process, as a user runs it (`node bin/ladder.js …`), asynchronously so the test
 * process keeps serving (a simulator, an archive server). `code` is the exit code (1 when killed).
 */
export function runLadder(args: readonly string[], o: { readonly cwd?: string; readonly env?: NodeJS.ProcessEnv } = {}): Promise<LadderRun> {
  return new Promise((done) => {
    execFile(process.execPath, [join(ROOT, 'bin/ladder.js'), ...args], { cwd: o.cwd ?? ROOT, maxBuffer: 256 * 1024 * 1024, ...(o.env ? { env: o.env } : {}) }, (err, stdout, stderr) =>
      done({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

/**
 * `base` with `extra`'s options: an option `base` already gives (`--trials 16`) takes `extra`'s value in
 * its place, the others are added. A single-value option given twice is refused by the CLI, so a test
 * that varies one option of a common command line replaces it rather than repeating it. In `extra`, an
 * option followed by a token that is not an option takes it as its value; flags stand alone.
 */
export function withOptions(base: readonly string[], extra: readonly string[]): string[] {
  const out = [...base];
  for (let i = 0; i < extra.length; i++) {
    const name = extra[i]!;
    const value = extra[i + 1];
    const takesValue = name.startsWith('--') && value !== undefined && !value.startsWith('--');
    const at = out.indexOf(name);
    if (takesValue && at !== -1 && at + 1 < out.length && !out[at + 1]!.startsWith('--')) out[at + 1] = value;
    else out.push(...(takesValue ? [name, value] : [name]));
    if (takesValue) i++;
  }
  return out;
}
