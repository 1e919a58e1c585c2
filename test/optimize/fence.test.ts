import { resolve } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const eslint = new ESLint({ cwd: ROOT });
const errors = async (code: string) => {
  const [r] = await eslint.lintText(code, { filePath: resolve(ROOT, 'src/optimize/fence-probe.ts') });
  return r!.messages.filter((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === 'no-restricted-syntax').map((m) => m.message);
};

describe('the lint fence of src/optimize', () => {
  for (const to of ['bot', 'exchange', 'store', 'web']) {
    it(`src/optimize importing src/${to} is a lint error (static and dynamic)`, async () => {
      expect(await errors(`import { x } from '../${to}/m.ts';\nexport const y = x;\n`)).toEqual([expect.stringContaining('src/optimize must not import')]);
      expect(await errors(`export async function f(): Promise<unknown> {\n  return import('../${to}/m.ts');\n}\n`)).toEqual([expect.stringContaining('src/optimize must not import')]);
    });
  }
  it('may import the engine, the core and the data layer', async () => {
    expect(await errors("import { x } from '../backtest/engine.ts';\nimport { y } from '../core/units.ts';\nexport const z = [x, y];\n")).toEqual([]);
  });
});
