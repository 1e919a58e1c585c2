import { resolve } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const eslint = new ESLint({ cwd: ROOT });

/** Every fenced arrow of issue 12 item 7: `from` must not import `to`. */
const FORBIDDEN: readonly (readonly [string, string])[] = [
  ['web', 'exchange'],
  ['web', 'bot'],
  ['web', 'sim'],
  ['bot', 'backtest'],
  ['bot', 'sim'],
  ['backtest', 'bot'],
  ['backtest', 'exchange'],
  ['backtest', 'store'],
  ['exchange', 'sim'],
  ['notify', 'exchange'],
  ['notify', 'sim'],
  ['notify', 'bot'],
];

/** The ways one module can reach another; each must be caught. */
const IMPORT_FORMS = {
  static: (p: string) => `import { x } from '${p}';\nexport const y = x;\n`,
  typeOnly: (p: string) => `import type { X } from '${p}';\nexport type Y = X;\n`,
  reExport: (p: string) => `export { x } from '${p}';\n`,
  dynamic: (p: string) => `export async function f(): Promise<unknown> {\n  return import('${p}');\n}\n`,
};

/** Lints `code` as if it were a file at src/<dir>/server/fence-probe.ts (nothing is written to disk). */
async function fenceErrors(dir: string, code: string): Promise<string[]> {
  const [r] = await eslint.lintText(code, { filePath: resolve(ROOT, 'src', dir, 'server', 'fence-probe.ts') });
  return r!.messages.filter((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === 'no-restricted-syntax').map((m) => m.message);
}

describe('lint fences between the layers of src (issue 12, item 7)', () => {
  for (const [from, to] of FORBIDDEN) {
    it(`src/${from} importing src/${to} is a lint error, however it is imported`, async () => {
      for (const [form, code] of Object.entries(IMPORT_FORMS)) {
        const errors = await fenceErrors(from, code(`../../${to}/some-module.ts`));
        expect([form, errors.length]).toEqual([form, 1]);
        expect(errors[0]).toContain(`src/${from} must not import`);
      }
    });
  }

  it('allows the arrows that point the right way (web → store, bot → exchange, sim → exchange, cli → all)', async () => {
    for (const [from, to] of [
      ['web', 'store'],
      ['web', 'core'],
      ['bot', 'exchange'],
      ['bot', 'store'],
      ['sim', 'exchange'],
      ['backtest', 'core'],
      ['cli', 'exchange'],
      ['cli', 'sim'],
    ] as const) {
      for (const code of Object.values(IMPORT_FORMS)) expect([from, to, await fenceErrors(from, code(`../../${to}/some-module.ts`))]).toEqual([from, to, []]);
    }
  });

  it('src as it is passes every fence', async () => {
    const results = await eslint.lintFiles(['src']);
    const broken = results.flatMap((r) => r.messages.filter((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === 'no-restricted-syntax').map((m) => `${r.filePath}:${m.line} ${m.message}`));
    expect(broken).toEqual([]);
  });
});
