import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../../src/sim/simulator.ts';
import { tempDir } from '../support/temp-dir.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const KEY = 'start-key';
const SECRET = 'start-secret';

/**
 * A module resolution hook for the child (`node --import`): every URL its modules resolve to, one a
 * line, into the file named by LADDER_TEST_MODULE_LOG.
 */
const HOOKS = `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(process.env.LADDER_TEST_MODULE_LOG, r.url + '\\n');
  return r;
}`;
const LOG_MODULES = `data:text/javascript,${encodeURIComponent(`import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(HOOKS)}`)});`)}`;

/** `ladder live` as the crash tests restart it, until it logs bot.started; then Ctrl-C. */
function startLive(url: string, db: string, modulesLog: string): Promise<{ startedAtMs: number }> {
  return new Promise((ok, fail) => {
    const child = spawn('node', ['--import', LOG_MODULES, 'bin/ladder.js', 'live', '--config', 'examples/scaled.config.json', '--confirm-live', '--exchange-url', url, '--db', db, '--poll-ms', '20', '--no-dashboard'], {
      cwd: ROOT,
      env: { ...process.env, LADDER_API_KEY: KEY, LADDER_API_SECRET: SECRET, LADDER_LOG_LEVEL: 'info', LADDER_TEST_MODULE_LOG: modulesLog },
    });
    let err = '';
    let startedAtMs = 0;
    child.stderr.on('data', (d) => {
      err += d;
      if (!startedAtMs && err.includes('"msg":"bot.started"')) {
        startedAtMs = Date.now();
        child.kill('SIGINT');
      }
    });
    child.on('close', (code) => (startedAtMs ? ok({ startedAtMs }) : fail(new Error(`bot exited (${code}) before starting:\n${err.slice(-2000)}`))));
  });
}

describe('the start of ladder live (a restart: nothing of ours watches the position until it ends)', () => {
  let sim: Simulator;
  const dir = tempDir('ladder-live-start-');
  let requests: string[] = [];
  let modules: string[] = [];
  beforeAll(async () => {
    sim = await startSimulator({ speed: 0, apiKey: KEY, apiSecret: SECRET, warmupCandles: 200, seed: 20261125 });
    const log = join(dir, 'modules.txt');
    const { startedAtMs } = await startLive(sim.url, join(dir, 'live.db'), log);
    requests = sim.admin.requests().filter((r) => r.wallMs <= startedAtMs).map((r) => `${r.method} ${r.path}`);
    modules = readFileSync(log, 'utf8').trim().split('\n');
  }, 60_000);
  afterAll(async () => sim?.close());

  it('loads the markets, checks the account, sets margin mode and leverage, warms the strategy up, reads open orders and algo orders, in that order', () => {
    const must = ['GET /fapi/v1/exchangeInfo', 'GET /fapi/v1/positionSide/dual', 'GET /fapi/v1/multiAssetsMargin', 'POST /fapi/v1/marginType', 'POST /fapi/v1/leverage', 'GET /fapi/v1/klines', 'GET /fapi/v1/openOrders', 'GET /fapi/v1/openAlgoOrders'];
    expect(requests.filter((r) => must.includes(r)), requests.join('\n')).toEqual(must);
  });

  it('reads the account once: the start summary takes the run record\'s first balance read (it was read twice, weight 5 each on Binance)', () => {
    expect(requests.filter((r) => r === 'GET /fapi/v3/account'), requests.join('\n')).toHaveLength(1);
  });

  it('does not load the Telegram client (grammy) when no notification channel is configured', () => {
    expect(modules.length).toBeGreaterThan(10); // the hook saw the start's modules
    expect(modules.some((u) => u.includes('/node_modules/ccxt/'))).toBe(true);
    expect(modules.filter((u) => u.includes('/node_modules/grammy/'))).toEqual([]);
  });

  it("does not load trading-signals' entry (176 modules) for ema_cross's one class", () => {
    expect(modules.filter((u) => u.includes('/node_modules/trading-signals/')).map((u) => u.replace(/.*\/trading-signals\//, ''))).not.toContain('dist/index.js');
  });
});
