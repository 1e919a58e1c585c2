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
