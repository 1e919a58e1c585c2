import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadStrategy } from '../../src/strategy/create-strategy.ts';
import { StrategyModuleError } from '../../src/strategy/module-error.ts';
import { loadStrategyModule } from '../../src/strategy/module-loader.ts';
import { ModuleStrategy } from '../../src/strategy/module-strategy.ts';
import { closesSeries } from './make-series.ts';
import { tempDir } from '../support/temp-dir.ts';

/** Loading a strategy module: every way it can be wrong is an error naming the file (and line). */
const DIR = resolve(import.meta.dirname, 'modules');
const EXAMPLES = resolve(import.meta.dirname, '../../examples/strategies');
/** Written here, not shipped in test/: a file with a syntax error would break tsc and eslint. */
const TMP = tempDir('ladder-modules-');
const SYNTAX_ERROR = ['export const params = { safeParse: (x: unknown) => ({ success: true, data: x }) };', '', 'export function create() {', '  return {', '    onCandle() {', '      return null ;; const = 3', '    },', '  };', '}', ''].join('\n');
writeFileSync(join(TMP, 'syntax-error.ts'), SYNTAX_ERROR);

async function failure(path: string, params: Record<string, unknown> = {}, baseDir = DIR): Promise<StrategyModuleError> {
  try {
    await loadStrategy({ name: 'module', path, params }, { baseDir });
  } catch (e) {
    expect(e).toBeInstanceOf(StrategyModuleError);
    return e as StrategyModuleError;
  }
  throw new Error(`${path} loaded`);
}

describe('strategy modules: loading', () => {
  it('loads a TypeScript module relative to the config directory, params parsed with its defaults', async () => {
    const st = await loadStrategy({ name: 'module', path: './rsi-reversion.ts', params: { period: 7 } }, { baseDir: EXAMPLES });
    expect(st).toBeInstanceOf(ModuleStrategy);
    expect(st.name).toBe('rsi_reversion');
    expect(st.warmup).toBe(8);
  });

  it('loads a JavaScript module; its signal gets the close time, the stop and the module name as reason', async () => {
    const st = await loadStrategy({ name: 'module', path: 'plain.mjs', params: { at: 2 } }, { baseDir: DIR });
    const s = closesSeries([1, 2, 3, 4, 5]);
    expect([0, 1, 3, 4].map((i) => st.onCandle(s, i))).toEqual([null, null, null, null]);
    expect(st.onCandle(s, 2)).toEqual({ timeMs: (s.time[2] as number) + s.timeframeMs, side: 'long', stopLossPct: 1.5, reason: 'plain_js' });
  });

  it('a missing file names the path it looked for', async () => {
    const e = await failure('./nope.ts');
    expect(e.message).toMatch(/^\.\/nope\.ts: strategy module not found \(looked for .*test\/strategy\/modules\/nope\.ts/);
  });

  it('a syntax error names the file and the line', async () => {
    const e = await failure('syntax-error.ts', {}, TMP);
    expect(e.line).toBe(6);
    expect(e.message).toMatch(/^syntax-error\.ts:6: cannot load the strategy module: /);
  });

  it('a syntax error in a JavaScript module names the line Node finds it on, with its words (before: no line, or line 1 and "Parse error")', async () => {
    const js = SYNTAX_ERROR.replace('(x: unknown)', '(x)');
    writeFileSync(join(TMP, 'syntax-error.mjs'), js);
    writeFileSync(join(TMP, 'unclosed.mjs'), js.replace('      return null ;; const = 3', '      return null;').replace(/\}\n$/, ''));
    const e = await failure('syntax-error.mjs', {}, TMP);
    expect([e.line, e.message]).toEqual([6, "syntax-error.mjs:6: cannot load the strategy module: SyntaxError: Unexpected token '='"]);
    const u = await failure('unclosed.mjs', {}, TMP);
    expect([u.line, u.message]).toEqual([9, 'unclosed.mjs:9: cannot load the strategy module: SyntaxError: Unexpected end of input']);
  });

  it('a top level that never settles (an await of nothing) is an error naming the module after the load time, not a silent exit', async () => {
    const e = await loadStrategyModule({ path: 'never-settles-on-load.ts' }, DIR, { loadTimeoutMs: 500 }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(StrategyModuleError);
    expect((e as Error).message).toBe('never-settles-on-load.ts: the strategy module did not load within 0.5 s (does its top level wait or loop?)');
  });

  it('a missing export says which and how to write it', async () => {
    expect((await failure('no-create.ts')).message).toMatch(/^no-create\.ts: does not export `create`/);
    expect((await failure(join(EXAMPLES, 'rsi-reversion.config.json'))).message).toMatch(/cannot load|does not export `params`/);
  });

  it('bad params: each problem with its key, unknown keys too', async () => {
    const e = await failure('./rsi-reversion.ts', { period: 1, oversold: 'x' }, EXAMPLES);
    expect(e.message).toMatch(/^\.\/rsi-reversion\.ts: bad params: strategy\.params\.period: .*; strategy\.params\.oversold: /);
    expect((await failure('./rsi-reversion.ts', { perod: 3 }, EXAMPLES)).message).toMatch(/strategy\.params: Unrecognized key: "perod"/);
  });

  it('a params schema that throws while parsing (a transform that throws) is bad params naming the module, not a bare message', async () => {
    const e = await failure('params-throw.ts', { limit: 12 });
    expect(e.message).toMatch(/^params-throw\.ts(:\d+)?: bad params: the module's params schema threw: limit 12 is more than 10$/);
    expect((await loadStrategyModule({ path: 'params-throw.ts', params: { limit: 3 } }, DIR)).name).toBe('params-throw');
  });

  it('create() returning one shared object is an error naming the module at load: a second symbol, or a replay, would continue its state', async () => {
    const e = await failure('one-instance.ts');
    expect((await failure('one-instance.ts')).message, 'loaded again').toBe(e.message);
    expect(e.message).toBe('one-instance.ts: create() returned the same object twice: it must make a fresh instance each call (one per symbol, and one for each replay), with its state inside it');
  });

  it('an unknown key is refused even by a schema that strips it (z.object)', async () => {
    expect((await failure('plain.mjs', { att: 3 })).message).toBe('plain.mjs: bad params: strategy.params.att: unknown key');
    expect((await loadStrategyModule({ path: 'plain.mjs', params: { at: 3 } }, DIR)).name).toBe('plain_js');
  });

  // The exact lines under the ladder command are checked in test/cli/strategy-modules.test.ts
  // (vitest's own stack handling bypasses the source maps of tsx-loaded files).
  it('create() throwing names the file and a line', async () => {
    const e = await failure('throws-in-create.ts');
    expect(e.message).toMatch(/^throws-in-create\.ts:\d+: create\(\) threw: RangeError: no can do$/);
  });

  it('onCandle throwing names the file, the line and the candle; a wrong answer names the file', async () => {
    const s = closesSeries([1, 2, 3, 4]);
    const st = await loadStrategy({ name: 'module', path: 'throws-on-candle.ts', params: { every: 1, throw_at_ms: s.time[2] as number } }, { baseDir: DIR });
    expect(st.onCandle(s, 1)?.side).toBe('short');
    expect(() => st.onCandle(s, 2)).toThrow(/^throws-on-candle\.ts:\d+: onCandle threw on candle 2 \(2024-01-01T02:00:00\.000Z BTCUSDT\): boom at candle 2$/);
    // The next candle goes on (the live bot skips the candle that threw).
    expect(st.onCandle(s, 3)?.side).toBe('short');

    const bad = new ModuleStrategy({ file: 'bad.ts', absPath: '/x/bad.ts', name: 'bad', make: () => ({ onCandle: () => ({ side: 'up' }) as never }) });
    expect(() => bad.onCandle(s, 0)).toThrow(/^bad\.ts: onCandle returned side "up" on candle 0/);
    const badStop = new ModuleStrategy({ file: 'bad.ts', absPath: '/x/bad.ts', name: 'bad', make: () => ({ onCandle: () => ({ side: 'long', stopLossPct: 0 }) }) });
    expect(() => badStop.onCandle(s, 0)).toThrow(/stopLossPct 0 \(must be a number above 0 and below 100\)/);
  });

  it('an async create or onCandle says so, not that the answer lacks onCandle or a side', async () => {
    writeFileSync(join(TMP, 'async-create.mjs'), 'export const params = { safeParse: (x) => ({ success: true, data: x }) };\nexport async function create() {\n  return { onCandle: () => null };\n}\n');
    const e = await failure('async-create.mjs', {}, TMP);
    expect(e.message).toBe('async-create.mjs: create() returned a Promise (an async function?): it must return the instance itself, { onCandle(candles, i) }');

    const s = closesSeries([1, 2]);
    const later = new ModuleStrategy({ file: 'later.ts', absPath: '/x/later.ts', name: 'later', make: () => ({ onCandle: (async () => ({ side: 'long' })) as never }) });
    expect(() => later.onCandle(s, 0)).toThrow(/^later\.ts: onCandle returned a Promise on candle 0 \(2024-01-01T00:00:00\.000Z BTCUSDT\): it must answer synchronously \(not an async function\)$/);
  });
});
