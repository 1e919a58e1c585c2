import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { moduleFiles } from '../../src/strategy/module-files.ts';
import { tempDir } from '../support/temp-dir.ts';

const tmp = tempDir('ladder-module-files-');

describe('moduleFiles: the local files a strategy module is made of', () => {
  it('the module first, then every local file it reaches (through another file, JSON, ./x.js naming x.ts); packages by name or file: URL are not', async () => {
    const dir = join(tmp, 'graph');
    mkdirSync(join(dir, 'lib'), { recursive: true });
    const zod = import.meta.resolve('zod'); // a file: URL inside node_modules
    writeFileSync(join(dir, 'entry.mjs'), `import { z } from ${JSON.stringify(zod)};\nimport { every } from './lib/helper.mjs';\nimport cfg from './lib/data.json' with { type: 'json' };\nexport const params = z.strictObject({});\nexport const create = () => ({ onCandle: (c, i) => (i % every(cfg.n) === 0 ? { side: 'long' } : null) });\n`);
    writeFileSync(join(dir, 'lib', 'helper.mjs'), "import { k } from './deep.js';\nimport { z } from 'zod';\nexport const every = (n) => n * k + (z ? 0 : 1);\n");
    writeFileSync(join(dir, 'lib', 'deep.ts'), 'export const k: number = 2;\n');
    writeFileSync(join(dir, 'lib', 'data.json'), '{ "n": 24 }\n');
    writeFileSync(join(dir, 'lib', 'unused.mjs'), 'export const x = 1;\n');
    expect(await moduleFiles(join(dir, 'entry.mjs'))).toEqual([join(dir, 'entry.mjs'), join(dir, 'lib', 'data.json'), join(dir, 'lib', 'deep.ts'), join(dir, 'lib', 'helper.mjs')]);
  });

  it('a shipped example (packages only) is its one file', async () => {
    const example = join(import.meta.dirname, '../../examples/strategies/rsi-reversion.ts');
    expect(await moduleFiles(example)).toHaveLength(1);
  });

  it('an import that does not resolve is an error naming it', async () => {
    const dir = join(tmp, 'broken');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'entry.mjs'), "import { x } from './missing.mjs';\nexport const create = () => x;\n");
    await expect(moduleFiles(join(dir, 'entry.mjs'))).rejects.toThrow(/missing\.mjs/);
  });
});
