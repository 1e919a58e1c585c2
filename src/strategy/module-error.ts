/**
 * Errors of a user's strategy module, always naming the file (as the config wrote it) and, when the
 * runtime tells it, the line: `strategies/rsi.ts:12: onCandle threw on candle 40 …: boom`.
 */
import { relative } from 'node:path';
import { pathToFileURL } from 'node:url';

export class StrategyModuleError extends Error {
  override readonly name = 'StrategyModuleError';
  constructor(
    /** The path as given in the config (what the user recognises). */
    readonly file: string,
    readonly line: number | undefined,
    readonly problem: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}${line !== undefined ? `:${line}` : ''}: ${problem}`, options);
  }
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
// eslint-disable-next-line no-control-regex -- terminal colour codes, which some bundlers' errors carry
const stripAnsi = (s: string): string => s.replace(/\u001b\[[0-9;]*m/g, '');

/**
 * The line in `absPath` where `e` was thrown (or failed to parse), from its stack or message:
 * V8 frames (`at f (file:///x.ts:12:5)`), Node's syntax-error header (`/x.mjs:3`) and esbuild's
 * transform errors (`/x.ts:3:10: ERROR: …`) all write `path:line`. Source maps (tsx) make it the
 * TypeScript line. The first frame in the file is the one nearest the throw.
 */
export function lineIn(e: unknown, absPath: string): number | undefined {
  const text = e instanceof Error ? stripAnsi(`${e.stack ?? ''}\n${e.message}`) : '';
  const names = [pathToFileURL(absPath).href, absPath, relative(process.cwd(), absPath)].map(escape);
  // tsx's tsImport names the file with a query (`x.ts?tsx-namespace=…:12:5`).
  const re = new RegExp(`(?:^|[\\s(\\[])(?:${names.join('|')})(?:\\?[^\\s:)]*)?:(\\d+)`, 'm');
  const m = re.exec(text);
  return m ? Number(m[1]) : undefined;
}

/**
 * The message of anything thrown, on one line: esbuild's `Transform failed with 1 error:` header
 * and the `path:line:col: ERROR:` prefix go (the error already names the file and line).
 */
export function messageOf(e: unknown, absPath?: string): string {
  if (!(e instanceof Error)) return thrownValue(e);
  const line = stripAnsi(e.message).split('\n').find((l) => l.trim() !== '' && !/^Transform failed/.test(l))?.trim() ?? e.name;
  const prefix = absPath !== undefined ? new RegExp(`^${escape(absPath)}:\\d+:\\d+: (?:ERROR: )?`) : null;
  const text = prefix ? line.replace(prefix, '') : line;
  return e.name && e.name !== 'Error' && !text.startsWith(e.name) ? `${e.name}: ${text}` : text;
}

/** Something thrown that is not an Error (`throw { code, message }`, a string): its message, or the value itself. */
function thrownValue(e: unknown): string {
  if (typeof e !== 'object' || e === null) return String(e);
  const message = (e as { message?: unknown }).message;
  if (typeof message === 'string' && message !== '') return message;
  try {
    return JSON.stringify(e) ?? Object.prototype.toString.call(e);
  } catch {
    return Object.prototype.toString.call(e); // a cycle, a BigInt inside
  }
}
