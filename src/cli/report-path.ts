import { statSync } from 'node:fs';
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
