import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../../src/sim/simulator.ts';
import { openStore } from '../../src/store/index.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const KEY = 'LADDERTESTKEY9f3a7c1e5b';
const SECRET = 'LADDERTESTSECRETd8e2b6a4f0c9';

function run(args: string[], env: Record<string, string>, untilMs?: number): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((done) => {
    const child: ChildProcess = spawn('node', ['bin/ladder.js', ...args], { cwd: ROOT, env: { ...process.env, LADDER_API_KEY: '', LADDER_API_SECRET: '', ...env } });
    let out = '';
    let err = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (err += d));
    if (untilMs) setTimeout(() => child.kill('SIGINT'), untilMs);
    child.on('exit', (code) => done({ code, out, err }));
  });
}

describe('ladder live', () => {
  let sim: Simulator;
  const dir = mkdtempSync(join(tmpdir(), 'ladder-live-'));
  beforeAll(async () => {
    sim = await startSimulator({ dataFiles: [join(ROOT, 'data/candles/BTCUSDT-1h.csv')], speed: 40, apiKey: KEY, apiSecret: SECRET, warmupCandles: 60 });
  });
  afterAll(async () => sim?.close());

  it('refuses to start without API keys, saying where keys come from', async () => {
    const r = await run(['live', '--config', 'examples/scaled.config.json', '--confirm-live'], {});
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/LADDER_API_KEY and LADDER_API_SECRET/);
  });

  it('refuses to start without --confirm-live', async () => {
    const r = await run(['live', '--config', 'examples/scaled.config.json'], { LADDER_API_KEY: KEY, LADDER_API_SECRET: SECRET });
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/--confirm-live/);
  });

  it('trades against the simulator, stops cleanly on Ctrl-C, and never logs the key or the secret', async () => {
    const db = join(dir, 'live.db');
    const r = await run(['live', '--config', 'examples/scaled.config.json', '--confirm-live', '--exchange-url', sim.url, '--db', db, '--poll-ms', '50'], { LADDER_API_KEY: KEY, LADDER_API_SECRET: SECRET, LADDER_LOG_LEVEL: 'debug' }, 8000);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/"msg":"bot.started"/);
    expect(r.err).toMatch(/"msg":"bot.stopped"/);
    for (const secret of [KEY, SECRET]) {
      expect(r.err).not.toContain(secret);
      expect(r.out).not.toContain(secret);
    }
    const store = openStore(db);
    try {
      const positions = store.tradeHistory();
      // 8 s at 40 candles/s is ~300 candles of ema_cross: it entered and managed trades.
      expect(positions.length).toBeGreaterThan(0);
      for (const t of positions) expect(t.remainingSteps + t.exits.reduce((s, e) => s + e.qtySteps, 0)).toBe(t.originalSteps);
    } finally {
      store.close();
    }
  }, 30_000);
});

describe('ladder paper', () => {
  let sim: Simulator;
  const dir = mkdtempSync(join(tmpdir(), 'ladder-paper-cli-'));
  beforeAll(async () => {
    sim = await startSimulator({ dataFiles: [join(ROOT, 'data/candles/ETHUSDT-1h.csv')], speed: 40, warmupCandles: 60 });
  });
  afterAll(async () => sim?.close());

  it('trades on public market data without keys, keeps its paper account in a file beside the store, stops on Ctrl-C', async () => {
    const db = join(dir, 'paper.db');
    const cfg = join(dir, 'paper.config.json');
    const { readFileSync, writeFileSync, existsSync } = await import('node:fs');
    const c = JSON.parse(readFileSync(join(ROOT, 'examples/scaled.config.json'), 'utf8'));
    writeFileSync(cfg, JSON.stringify({ ...c, $schema: undefined, symbols: ['ETH/USDT:USDT'] }));
    const r = await run(['paper', '--config', cfg, '--exchange-url', sim.url, '--db', db, '--poll-ms', '50'], {}, 8000);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/"mode":"paper"/);
    expect(existsSync(`${db}.paper.json`)).toBe(true);
    const store = openStore(db);
    try {
      expect(store.tradeHistory({ includeOpen: true }).length).toBeGreaterThan(0);
    } finally {
      store.close();
    }
  }, 30_000);
});
