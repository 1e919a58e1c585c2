/**
 * Loads a strategy module (config `strategy: { name: "module", path, params }`) and checks it:
 * the file exists and imports, exports `params` (a zod schema) and `create`, the config's params
 * pass the schema, and `create` makes an instance with `onCandle`. Every failure is a
 * StrategyModuleError naming the file (and the line where the runtime knows it).
 * TypeScript files load through tsx (a dependency), JavaScript files with import().
 */
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { basename, extname, isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CandleStrategy, StrategyModule, ZodLikeIssue } from './api.ts';
import { StrategyModuleError, lineIn, messageOf } from './module-error.ts';
import { type LoadedModule, isThenable } from './module-strategy.ts';

/** Loading a module (its top level; tsx compiles TypeScript): longer than this is an error naming it. */
export const MODULE_LOAD_TIMEOUT_MS = 60_000;

export interface LoadOptions {
  /** Default MODULE_LOAD_TIMEOUT_MS. */
  readonly loadTimeoutMs?: number;
}

export interface ModuleConfig {
  readonly path: string;
  readonly params?: Readonly<Record<string, unknown>>;
}

/** Imports, checks and binds the params of a strategy module; `baseDir` is the config file's directory. */
export async function loadStrategyModule(config: ModuleConfig, baseDir = '.', o: LoadOptions = {}): Promise<LoadedModule> {
  const file = config.path;
  const absPath = isAbsolute(file) ? file : resolve(baseDir, file);
  const fail = (problem: string, line?: number, cause?: unknown) => new StrategyModuleError(file, line, problem, cause !== undefined ? { cause } : undefined);
  if (!existsSync(absPath)) throw fail(`strategy module not found (looked for ${absPath}; a relative path is taken from the config file's directory)`);
  if (!statSync(absPath).isFile()) throw fail(`strategy module is not a file (${absPath})`);

  let ns: Record<string, unknown>;
  const loadMs = o.loadTimeoutMs ?? MODULE_LOAD_TIMEOUT_MS;
  let timer: NodeJS.Timeout | undefined;
  // The timer also keeps the process alive: a top level awaiting what never settles would otherwise
  // end it with exit code 13 and no word, as if nothing were wrong.
  const tooLate = fail(`the strategy module did not load within ${loadMs / 1000} s (does its top level wait or loop?)`);
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(tooLate), loadMs);
  });
  try {
    ns = await Promise.race([importFile(absPath), late]);
  } catch (e) {
    if (e === tooLate) throw e;
    const syntax = jsSyntaxError(absPath);
    if (syntax) throw fail(`cannot load the strategy module: ${syntax.message}`, syntax.line, e);
    throw fail(`cannot load the strategy module: ${messageOf(e, absPath)}`, lineIn(e, absPath), e);
  } finally {
    clearTimeout(timer);
  }
  const mod = exportsOf(ns);
  const params = mod['params'] as StrategyModule['params'] | undefined;
  const create = mod['create'];
  if (typeof params?.safeParse !== 'function') throw fail('does not export `params`, a zod schema of its parameters (export const params = z.strictObject({ … }))');
  if (typeof create !== 'function') throw fail('does not export `create`, a function (params) => { onCandle(candles, i) } (export function create(p) { … })');
  const name = typeof mod['name'] === 'string' && mod['name'] !== '' ? mod['name'] : basename(file, extname(file));

  const given = config.params ?? {};
  let parsed: ReturnType<StrategyModule['params']['safeParse']>;
  try {
    parsed = params.safeParse(given);
  } catch (e) {
    // A transform or refinement that throws instead of adding an issue: safeParse lets it through.
    throw fail(`bad params: the module's params schema threw: ${messageOf(e)}`, lineIn(e, absPath), e);
  }
  if (!parsed.success) throw fail(`bad params: ${parsed.error.issues.map(issueText).join('; ')}`);
  const unknown = unknownKeys(given, parsed.data);
  if (unknown.length) throw fail(`bad params: ${unknown.map((k) => `strategy.params.${k}: unknown key`).join('; ')}`);

  /** An instance the check below made and nothing was fed: the first make() takes it (one create() less). */
  let spare: object | null = null;
  const make = (): CandleStrategy => {
    let inst: unknown = spare;
    spare = null;
    if (inst === null) {
      try {
        inst = (create as (p: unknown) => unknown)(parsed.data);
      } catch (e) {
        throw fail(`create() threw: ${messageOf(e)}`, lineIn(e, absPath), e);
      }
    }
    if (isThenable(inst)) {
      inst.then(undefined, () => {}); // its rejection is not an unhandled one: the error below says what is wrong
      throw fail('create() returned a Promise (an async function?): it must return the instance itself, { onCandle(candles, i) }');
    }
    if (typeof (inst as CandleStrategy | null)?.onCandle !== 'function') throw fail('create() must return an object with an onCandle(candles, i) method');
    return inst as CandleStrategy;
  };
  // One object handed out twice would be fed two symbols' candles, or a replay on top of its state: two
  // instances are made now, so that such a module is refused at load (config validate, the bot's start),
  // not on a second symbol or weeks later on a replay. create() failing is said when an instance is made.
  const probe = (): unknown => {
    try {
      const inst: unknown = (create as (p: unknown) => unknown)(parsed.data);
      if (isThenable(inst)) inst.then(undefined, () => {}); // said by make()
      return inst;
    } catch {
      return undefined; // said by make(), with its line
    }
  };
  // Once per process (a module may make heavy instances: a model read from a file), until it passes.
  if (!probed.has(create)) {
    const once = probe();
    if (typeof once === 'object' && once !== null && once === probe()) {
      throw fail('create() returned the same object twice: it must make a fresh instance each call (one per symbol, and one for each replay), with its state inside it');
    }
    probed.add(create);
    if (typeof once === 'object' && once !== null) spare = once;
  }
  return { file, absPath, name, make };
}

/** The `create` functions already probed for a shared instance (an import is evaluated once per process). */
const probed = new WeakSet<object>();

/** ESM named exports, or a CommonJS module's `module.exports` (which import() puts on `default`). */
function exportsOf(ns: Record<string, unknown>): Record<string, unknown> {
  const d = ns['default'];
  if (!('create' in ns) && typeof d === 'object' && d !== null && 'create' in d) return d as Record<string, unknown>;
  return ns;
}

/** Imported modules by path: each file is evaluated once per process (as import() would). */
const imported = new Map<string, Promise<Record<string, unknown>>>();

/**
 * TypeScript goes through tsx's tsImport, which reads ESM syntax wherever the file lives (a plain
 * import() treats a .ts outside a "type": "module" package as CommonJS and fails); JavaScript
 * through import().
 */
function importFile(absPath: string): Promise<Record<string, unknown>> {
  let p = imported.get(absPath);
  if (!p) {
    const url = pathToFileURL(absPath).href;
    // Stack traces through tsx's source maps, so an error names the TypeScript line (the CLI's tsx has them on already).
    process.setSourceMapsEnabled(true);
    p = /\.[cm]?tsx?$/.test(absPath)
      ? import('tsx/esm/api').then(({ tsImport }) => tsImport(url, import.meta.url) as Promise<Record<string, unknown>>)
      : (import(url) as Promise<Record<string, unknown>>);
    imported.set(absPath, p);
    p.catch(() => imported.delete(absPath)); // a fixed file can be tried again
  }
  return p;
}

/**
 * A JavaScript file that does not parse: Node's own words and line, from `node --check`. A failed
 * import says neither (V8's SyntaxError of a module carries no position; under tsx's loader its lexer
 * says "Parse error …:1:1"). Null when the file parses (the load failed otherwise). Run only on a failed load.
 */
function jsSyntaxError(absPath: string): { line: number | undefined; message: string } | null {
  if (!/\.[cm]?js$/.test(absPath)) return null;
  const r = spawnSync(process.execPath, ['--check', absPath], { encoding: 'utf8', timeout: 10_000 });
  if (r.status === 0 || r.error !== undefined) return null;
  const message = /^SyntaxError: .*$/m.exec(r.stderr)?.[0];
  return message === undefined ? null : { line: lineIn(new Error(r.stderr), absPath), message };
}

const issueText = (i: ZodLikeIssue): string => `strategy.params${i.path.map((k) => (typeof k === 'number' ? `[${k}]` : `.${String(k)}`)).join('')}: ${i.message}`;

/** Keys the config gave that the parsed params dropped (a z.object strips typos silently). */
function unknownKeys(given: Readonly<Record<string, unknown>>, data: unknown): string[] {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return [];
  return Object.keys(given).filter((k) => !(k in data));
}
