import { readFile } from 'node:fs/promises';
import { type ConfigIssue, type LadderConfig, formatConfigIssues, parseConfigText } from '../core/config/index.ts';
import { type Result, err } from '../core/result.ts';

/** Where the problems go, one line each (no trailing newline). Defaults to stderr, as CLI errors: `ladder: …`. */
export type IssueWriter = (line: string) => void;

const toStderr: IssueWriter = (line) => {
  process.stderr.write(`ladder: ${line}\n`);
};

/**
 * Reads and validates a config file for any command. Every problem is written with `write`, one per
 * line (`config.json:7:21: scaled_tp_levels[1].profit_pct: must be …`), and returned as well; the
 * caller only decides the exit code. A file that cannot be read is one issue with an empty path.
 */
export async function readConfig(file: string, write: IssueWriter = toStderr): Promise<Result<LadderConfig, ConfigIssue[]>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const issue: ConfigIssue = { path: '', message: readFailure(e) };
    write(formatConfigIssues([issue], file)[0] ?? issue.message);
    return err([issue]);
  }
  const r = parseConfigText(text, file);
  if (!r.ok) for (const line of formatConfigIssues(r.error, file)) write(line);
  return r;
}

function readFailure(e: unknown): string {
  const code = typeof e === 'object' && e !== null && 'code' in e ? (e as { code: unknown }).code : undefined;
  if (code === 'ENOENT') return 'cannot read the config file: it does not exist (copy the shipped config.json, or pass a path)';
  if (code === 'EISDIR') return 'cannot read the config file: it is a directory';
  if (code === 'EACCES') return 'cannot read the config file: permission denied';
  return `cannot read the config file: ${e instanceof Error ? e.message : String(e)}`;
}
