import { statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { CliError } from './cli-error.ts';

/**
 * `--report FILE.html`, checked before any work (backtest, compare, optimize): an HTML name, not a
 * directory, in a folder that exists. Found only when the report is written, a bad path would cost
 * the whole run.
 */
export function checkReportPath(file: string, flag = '--report'): void {
  if (file.trim() === '') throw new CliError(`${flag}: empty value`);
  if (!file.endsWith('.html')) throw new CliError(`${flag}: ${file} should end in .html`);
  const dir = dirname(file);
  if (!isDirectory(dir)) throw new CliError(`${flag}: the folder ${dir} of ${file} does not exist (create it, or give another path)`);
  if (isDirectory(file)) throw new CliError(`${flag}: ${file} is a directory; give a file name ending in .html`);
}

export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Writes the report checked by checkReportPath: a folder can still refuse the file (a read-only mount,
 * /proc, a full disk), and the error says so naming the flag and the file, not a bare ENOENT; `advice`
 * follows it (optimize: how to write it from the stored results).
 */
export async function writeReport(file: string, html: string, flag = '--report', advice = ''): Promise<void> {
  try {
    await writeFile(file, html);
  } catch (e) {
    throw new CliError(`${flag}: cannot write ${file} (${e instanceof Error ? e.message : String(e)})${advice}`);
  }
}
