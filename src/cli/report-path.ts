import { statSync } from 'node:fs';
import { dirname } from 'node:path';
import { CliError } from './cli-error.ts';

/**
 * `--report FILE.html`, checked before any work: an HTML name, in a folder that exists. Found only
 * when the report is written, a bad path would cost the whole run and leave its output half done.
 */
export function checkReportPath(file: string, flag = '--report'): void {
  if (file.trim() === '') throw new CliError(`${flag}: empty value`);
  if (!file.endsWith('.html')) throw new CliError(`${flag}: ${file} should end in .html`);
  const dir = dirname(file);
  let isDir: boolean;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    throw new CliError(`${flag}: ${file}: the folder ${dir} does not exist`);
  }
  if (!isDir) throw new CliError(`${flag}: ${file}: ${dir} is not a folder`);
}
