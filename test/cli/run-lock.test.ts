import { type ChildProcess, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../../src/sim/simulator.ts';
import { tempDir } from '../support/temp-dir.ts';

/** [entries] 4 through the CLI: a second `ladder live` on the same store refuses; a killed bot's lock is taken over. */
const ROOT = resolve(import.meta.dirname, '../..');
let sim: Simulator | undefined;
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  children.length = 0;
  await sim?.close();
  sim = undefined;
});

function live(url: string, db: string) {
  const child = spawn('node', ['bin/ladder.js', 'live', '--config', 'examples/scaled.config.json', '--confirm-live', '--no-dashboard', '--exchange-url', url, '--db', db, '--poll-ms', '200'], {
    cwd: ROOT,
    env: { ...process.env, LADDER_API_KEY: 'lock-key', LADDER_API_SECRET: 'lock-secret' },
  });
  children.push(child);
  let out = '';
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const started = async () => {
    const end = Date.now() + 60_000;
    while (!out.includes('"msg":"bot.started"')) {
      if (Date.now() > end || child.exitCode !== null) throw new Error(`did not start:\n${out.slice(-1500)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  return { child, exited, started, output: () => out };
}

describe('one bot per store', () => {
  it('refuses a second bot naming the first; after the first is SIGKILLed, the next one takes the lock over', async () => {
    sim = await startSimulator({ apiKey: 'lock-key', apiSecret: 'lock-secret', seed: 5, speed: 0 });
    const db = join(tempDir('ladder-lock-cli-'), 'ladder.db');
    const first = live(sim.url, db);
    await first.started();
    const second = live(sim.url, db);
    expect(await second.exited).toBe(1);
    expect(second.output()).toContain(`this store is in use by ladder live (pid ${first.child.pid} on `);
    expect(first.child.exitCode).toBeNull(); // the first trades on
    first.child.kill('SIGKILL');
    await first.exited;
    const third = live(sim.url, db);
    await third.started();
    expect(third.output()).toContain('"msg":"store.lock_taken_over"');
    third.child.kill('SIGINT');
    expect(await third.exited).toBe(0);
  }, 120_000);
});
