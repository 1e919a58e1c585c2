/**
 * Loads a strategy module (config `strategy: { name: "module", path, params }`) and checks it:
 * the file exists and imports, exports `params` (a zod schema) and `create`, the config's params
 * pass the schema, and `create` makes an instance with `onCandle`. Every failure is a
 * StrategyModuleError naming the file (and the line where the runtime knows it).
 * TypeScript files load through tsx: registered by bin/ladder.js, else imported with tsImport.
 */
import { existsSync, statSync } from 'node:fs';
import { basename, extname, isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CandleStrategy, StrategyModule, ZodLikeIssue } from './api.ts';
import { StrategyModuleError, lineIn, messageOf } from './module-error.ts';
import type { LoadedModule } from './module-strategy.ts';

export interface ModuleConfig {
  readonly path: string;
  readonly params?: Readonly<Record<string, unknown>>;
}

/** Imports, checks and binds the params of a strategy module; `baseDir` is the config file's directory. */
export async function loadStrategyModule(config: ModuleConfig, baseDir = '.'): Promise<LoadedModule> {
  const file = config.path;
  const absPath = isAbsolute(file) ? file : resolve(baseDir, file);
  const fail = (problem: string, line?: number, cause?: unknown) => new StrategyModuleError(file, line, problem, cause !== undefined ? { cause } : undefined);
  if (!existsSync(absPath)) throw fail(`strategy module not found (looked for ${absPath}; a relative path is taken from the config file's directory)`);
  if (!statSync(absPath).isFile()) throw fail(`strategy module is not a file (${absPath})`);

  let ns: Record<string, unknown>;
  try {
    ns = await importFile(absPath);
  } catch (e) {
    throw fail(`cannot load the strategy module: ${messageOf(e, absPath)}`, lineIn(e, absPath), e);
  }
  const mod = exportsOf(ns);
  const params = mod['params'] as StrategyModule['params'] | undefined;
  const create = mod['create'];
  if (typeof params?.safeParse !== 'function') throw fail('does not export `params`, a zod schema of its parameters (export const params = z.strictObject({ … }))');
  if (typeof create !== 'function') throw fail('does not export `create`, a function (params) => { onCandle(candles, i) } (export function create(p) { … })');
  const name = typeof mod['name'] === 'string' && mod['name'] !== '' ? mod['name'] : basename(file, extname(file));

  const given = config.params ?? {};
  const parsed = params.safeParse(given);
  if (!parsed.success) throw fail(`bad params: ${parsed.error.issues.map(issueText).join('; ')}`);
  const unknown = unknownKeys(given, parsed.data);
  if (unknown.length) throw fail(`bad params: ${unknown.map((k) => `strategy.params.${k}: unknown key`).join('; ')}`);

  const make = (): CandleStrategy => {
    let inst: unknown;
    try {
      inst = (create as (p: unknown) => unknown)(parsed.data);
    } catch (e) {
      throw fail(`create() threw: ${messageOf(e)}`, lineIn(e, absPath), e);
    }
    if (typeof (inst as CandleStrategy | null)?.onCandle !== 'function') throw fail('create() must return an object with an onCandle(candles, i) method');
    return inst as CandleStrategy;
  };
  return { file, absPath, name, make };
}

/** ESM named exports, or a CommonJS module's `module.exports` (which import() puts on `default`). */
function exportsOf(ns: Record<string, unknown>): Record<string, unknown> {
  const d = ns['default'];
  if (!('create' in ns) && typeof d === 'object' && d !== null && 'create' in d) return d as Record<string, unknown>;
  return ns;
}

async function importFile(absPath: string): Promise<Record<string, unknown>> {
  const url = pathToFileURL(absPath).href;
  try {
    return (await import(url)) as Record<string, unknown>;
  } catch (e) {
    // Plain Node without tsx's loader cannot read .ts: import it through tsx instead.
    if ((e as { code?: unknown }).code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw e;
    const { tsImport } = await import('tsx/esm/api');
    return (await tsImport(url, import.meta.url)) as Record<string, unknown>;
  }
}

const issueText = (i: ZodLikeIssue): string => `strategy.params${i.path.map((k) => (typeof k === 'number' ? `[${k}]` : `.${String(k)}`)).join('')}: ${i.message}`;

/** Keys the config gave that the parsed params dropped (a z.object strips typos silently). */
function unknownKeys(given: Readonly<Record<string, unknown>>, data: unknown): string[] {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return [];
  return Object.keys(given).filter((k) => !(k in data));
}
