import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfigValue } from '../../src/core/config/index.ts';
import { checkStrategyLoads } from '../../src/cli/check-strategy.ts';

/**
 * The check `config validate`, `paper` and `live` make before anything connects: a module whose top
 * level never finishes (a loop, an await of nothing) is an error naming it within the load time, as
 * docs/strategies.md says, never a start that hangs for ever.
 */
const MODULES = resolve(import.meta.dirname, '../strategy/modules');
const CONFIG_PATH = resolve(MODULES, 'config.json');

function configWith(path: string) {
  const r = parseConfigValue({ symbols: ['BTC/USDT:USDT'], strategy: { name: 'module', path, params: {} } }, 'test');
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  return r.value;
}

describe('checkStrategyLoads', () => {
  for (const [file, what] of [
    ['hangs-on-load.ts', 'a top level that loops for ever'],
    ['never-settles-on-load.ts', 'a top level awaiting what never settles'],
  ] as const) {
    it(`${what}: an error naming the module after the load time, not a start that hangs`, async () => {
      const t0 = Date.now();
      const e = await checkStrategyLoads(configWith(file), CONFIG_PATH, { loadTimeoutMs: 1500 }).catch((x: unknown) => x);
      expect((e as Error).message).toBe(`${CONFIG_PATH}: strategy: ${file}: the strategy module did not load within 1.5 s (does its top level wait or loop?)`);
      expect(Date.now() - t0).toBeLessThan(15_000);
    }, 30_000);
  }

  it('a module that loads is checked as before: bad params name the key', async () => {
    const r = parseConfigValue({ symbols: ['BTC/USDT:USDT'], strategy: { name: 'module', path: 'momentum-window.ts', params: { period: 'x' } } }, 'test');
    if (!r.ok) throw new Error('config');
    const e = await checkStrategyLoads(r.value, CONFIG_PATH).catch((x: unknown) => x);
    expect((e as Error).message).toMatch(/strategy: momentum-window\.ts: bad params: strategy\.params\.period: /);
    const ok = parseConfigValue({ symbols: ['BTC/USDT:USDT'], strategy: { name: 'module', path: 'momentum-window.ts', params: { period: 5 } } }, 'test');
    if (!ok.ok) throw new Error('config');
    await expect(checkStrategyLoads(ok.value, CONFIG_PATH)).resolves.toBeUndefined();
  }, 30_000);
});
