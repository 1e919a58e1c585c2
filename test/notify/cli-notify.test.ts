import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../../src/sim/simulator.ts';
import { tempDir } from '../support/temp-dir.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const KEY = 'notify-cli-key-0123';
const SECRET = 'notify-cli-secret-4567';

function run(args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((done) => {
    const child = spawn('node', ['bin/ladder.js', ...args], { cwd: ROOT, env: { ...process.env, LADDER_TELEGRAM_BOT_TOKEN: '', LADDER_NOTIFY_WEBHOOK_SECRET: '', ...env } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => done({ code, out, err })); // 'close': the output is all read
  });
}

describe('ladder live with notify ([operate] 5)', () => {
  let sim: Simulator;
  const dir = tempDir('ladder-notify-cli-');
  beforeAll(async () => {
    sim = await startSimulator({ apiKey: KEY, apiSecret: SECRET, warmupCandles: 60 });
  });
  afterAll(async () => sim?.close());

  it('refuses to start with a Telegram channel but no bot token, naming the variable, before any order', async () => {
    const base = JSON.parse(readFileSync(join(ROOT, 'examples/scaled.config.json'), 'utf8')) as Record<string, unknown>;
    delete base['$schema'];
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ ...base, notify: { telegram: { chat_id: '123456789' } } }));
    // The token is set empty (not unset), so a .env of the checkout is not read for it either.
    const r = await run(['live', '--config', config, '--confirm-live', '--exchange-url', sim.url, '--db', join(dir, 'x.db'), '--no-dashboard'], { LADDER_API_KEY: KEY, LADDER_API_SECRET: SECRET });
    expect(r.code).toBe(1);
    expect(r.err).toContain('notify: notify.telegram is set but LADDER_TELEGRAM_BOT_TOKEN is not (put the bot token from @BotFather in the environment or .env)');
    expect(sim.admin.requests().filter((q) => q.method === 'POST' && q.path === '/fapi/v1/order')).toEqual([]);
  });
});
