/**
 * What the queue tests share: a real `redis-server` on a free loopback port (no persistence, so a
 * restart comes back empty), `ladder` child processes with their output, and a wait-until loop.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'vitest';
import { pingRedis } from '../../src/optimize/redis-url.ts';

export const ROOT = resolve(import.meta.dirname, '../..');

export const freePort = () =>
  new Promise<number>((done) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => done(port));
    });
  });

export const until = async (what: string, f: () => boolean | Promise<boolean>, ms = 60_000, everyMs = 100) => {
  const t0 = Date.now();
  while (!(await f())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
};

export const KLINES = resolve(ROOT, '../shared/data/binance-spot-klines');
export const MARKETS = resolve(ROOT, '../shared/data/binance-usdm-exchange-info.json');

/** A worker's data directory under `parent`: the coordinator's files by name (`btc` may be another file posing as BTCUSDT-1h.csv). */
export function queueDataDir(parent: string, name: string, btc = join(KLINES, 'BTCUSDT-1h.csv')): string {
  const d = join(parent, name);
  mkdirSync(d);
  symlinkSync(btc, join(d, 'BTCUSDT-1h.csv'));
  symlinkSync(MARKETS, join(d, 'binance-usdm-exchange-info.json'));
  return d;
}

/** The highest `done` of the coordinator's progress lines (`… 12/42 …`) for a run of `total` candidates. */
export const progressDone = (stderr: string, total: number): number => Math.max(-1, ...[...stderr.matchAll(new RegExp(` (\\d+)/${total} `, 'g'))].map((m) => Number(m[1])));

export interface RedisServer {
  readonly port: number;
  readonly url: string;
  readonly child: ChildProcess;
  /** SIGKILL (a crash: nothing saved, and it saves nothing anyway) and wait until the process is gone. */
  kill(): Promise<void>;
}

/** Starts `redis-server` on `port` (default: a free one) bound to 127.0.0.1, without RDB or AOF. */
export async function startRedis(port?: number, password?: string): Promise<RedisServer> {
  const p = port ?? (await freePort());
  const child = spawn('/usr/bin/redis-server', ['--port', String(p), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...(password ? ['--requirepass', password] : [])], { stdio: 'ignore' });
  const gone = new Promise<void>((r) => child.once('exit', () => r()));
  await until('redis-server', () => pingRedis({ host: '127.0.0.1', port: p, ...(password ? { password } : {}) }).then(() => true, () => false), 10_000);
  return {
    port: p,
    url: `redis://127.0.0.1:${p}`,
    child,
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await gone;
    },
  };
}

export interface LadderChild {
  readonly child: ChildProcess;
  stderr(): string;
  stdout(): string;
  /** The exit code once the process has closed its output (null if a signal ended it). */
  readonly exit: Promise<number | null>;
}

/** Spawns `ladder ARGS` (bin/ladder.js); `children` collects it for an afterAll that kills what is left. */
export function spawnLadder(args: string[], children: ChildProcess[] = []): LadderChild {
  const child = spawn('node', ['bin/ladder.js', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let err = '';
  let out = '';
  child.stderr!.on('data', (b: Buffer) => {
    err += b.toString();
    if (process.env.DEBUG_QUEUE_TEST) process.stdout.write(`[${args[0]} ${child.pid}] ${b.toString()}`);
  });
  child.stdout!.on('data', (b: Buffer) => void (out += b.toString()));
  return { child, stderr: () => err, stdout: () => out, exit: new Promise((r) => child.once('close', (code) => r(code))) };
}

/** Runs `ladder ARGS` to its end. */
export function runLadder(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile('node', ['bin/ladder.js', ...args], { cwd: ROOT, maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) =>
      done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** Stored results per candidate key of an optimizer database (each must be 1: stored once). */
export function storedCounts(db: string): number[] {
  const d = new Database(db, { readonly: true });
  try {
    return (d.prepare('SELECT COUNT(*) AS n FROM optimize_results GROUP BY key').all() as { n: number }[]).map((r) => r.n);
  } finally {
    d.close();
  }
}

/** The figures of a study's --json that two runs of the same seed must share (not its run id or timings). */
export function expectSameStudyJson(got: Record<string, unknown>, want: Record<string, unknown>): void {
  for (const k of ['ranking', 'references', 'folds', 'out_of_sample', 'deflated_sharpe', 'pbo', 'verdict']) expect(got[k], k).toEqual(want[k]);
}
