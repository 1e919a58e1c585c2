import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KLINES, MARKETS, type LadderChild, type RedisServer, progressDone, queueDataDir, expectSameStudyJson, runLadder, spawnLadder, startRedis, storedCounts, until } from '../support/queue-run.ts';
import { tempDir } from '../support/temp-dir.ts';

/**
 * `ladder optimize --queue` when the real redis-server under it dies mid-run: the coordinator waits
 * up to --queue-timeout and then stops with the command that resumes the run; a Redis restarted
 * empty gets the run's jobs again; workers reconnect by themselves. A run is 40 random ladders plus
 * the two references on one year of BTCUSDT 1h, about 1 s of work for one worker.
 */
const tmp = tempDir('ladder-opt-redis-loss-');
const children: ChildProcess[] = [];
const SPACE = join(tmp, 'space.json');
const TOTAL = 42;
const args = (db: string) => ['optimize', '--config', 'examples/scaled.config.json', '--data', `${KLINES}/BTCUSDT-1h.csv`, '--markets', MARKETS, '--from', '2023-01-01', '--to', '2024-01-01', '--space', SPACE, '--trials', '40', '--folds', '2', '--train-months', '6', '--test-months', '3', '--min-trades', '5', '--seed', '5', '--db', db, '--json'];
let embedded: Record<string, unknown>;
let dir: string;
const servers: RedisServer[] = [];

beforeAll(async () => {
  writeFileSync(SPACE, JSON.stringify({ levels: [2, 3], profit_pct: [{ min: 0.5, max: 2, step: 0.5 }, { min: 1, max: 4, step: 1 }, { values: [3, 5] }], close_pct: { step: 25 }, stop_loss_pct: { values: [1.5, 2, 3] } }));
  dir = queueDataDir(tmp, 'data');
  const run = await runLadder([...args(join(tmp, 'embedded.db')), '--workers', '1']);
  expect(run.code, run.stderr).toBe(0);
  embedded = JSON.parse(run.stdout) as Record<string, unknown>;
}, 120_000); // a whole embedded run: well past the 10 s hook default on a loaded machine
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await Promise.all(servers.map((s) => s.kill()));
});

const redis = async (port?: number) => {
  const s = await startRedis(port);
  servers.push(s);
  return s;
};
const worker = async (url: string): Promise<LadderChild> => {
  const w = spawnLadder(['worker', '--queue', url, '--data-dir', dir, '--lock-ms', '1500'], children);
  await until('the worker', () => w.stderr().includes('taking jobs'));
  return w;
};
/** Waits for an exit code, failing with the process's stderr if there is none within `ms`. */
const exitOf = async (p: LadderChild, ms: number) => {
  const code = await Promise.race([p.exit, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), ms))]);
  if (code === 'timeout') throw new Error(`still running after ${ms} ms: ${p.stderr()}`);
  return code;
};
const expectSameStudy = (stdout: string) => expectSameStudyJson(JSON.parse(stdout) as Record<string, unknown>, embedded);
/** Freezes the workers once a few results are in, so Redis goes away with the run half done. */
const freezeMidRun = async (coord: LadderChild, workers: LadderChild[]) => {
  await until('the first results', () => progressDone(coord.stderr(), TOTAL) >= 2, 60_000, 10);
  for (const w of workers) w.child.kill('SIGSTOP');
  const done = progressDone(coord.stderr(), TOTAL);
  expect(done, 'the run was already over when the workers were frozen').toBeLessThan(TOTAL);
  return done;
};

describe('ladder optimize --queue when Redis goes away mid-run', () => {
  it('Redis down longer than --queue-timeout: exit 1 naming the URL, the wait and the --resume command; the resume, Redis back, gives the unbroken result', async () => {
    const r = await redis();
    const w = await worker(r.url);
    const db = join(tmp, 'down.db');
    const coord = spawnLadder([...args(db), '--queue', r.url, '--queue-timeout', '2'], children);
    await freezeMidRun(coord, [w]);
    await r.kill();

    expect(await exitOf(coord, 30_000)).toBe(1);
    const err = coord.stderr();
    const runId = /^run ([0-9a-f]{8}) /m.exec(err)![1]!;
    const resume = `ladder optimize --resume ${runId} --db ${db} --queue ${r.url}`;
    expect(err).toContain(`warning: lost the connection to Redis at ${r.url}; waiting up to 2 s for it (--queue-timeout). Results so far are stored in ${db}; to continue later: ladder optimize --resume ${runId} --db ${db} --queue ${r.url}\n`);
    expect(err.endsWith(`\nladder: --queue: Redis at ${r.url} unreachable for 2 s (--queue-timeout 2); the results received so far are stored in ${db}; continue with: ${resume}\n`), err).toBe(true);
    expect(err).not.toMatch(/\n\s+at /); // no stack trace
    expect(coord.stdout()).toBe('');
    const before = storedCounts(db);
    expect(before.length).toBeGreaterThanOrEqual(2); // what arrived before Redis died is stored
    expect(before.every((n) => n === 1)).toBe(true);

    // A worker stopped while Redis is down exits promptly instead of waiting for it.
    w.child.kill('SIGCONT');
    await until('the worker to see Redis gone', () => w.stderr().includes('lost the connection'), 20_000);
    const t0 = Date.now();
    w.child.kill('SIGTERM');
    expect(await exitOf(w, 10_000)).toBe(0);
    expect(Date.now() - t0).toBeLessThan(5_000);

    // Redis back (empty), a worker, and the printed command: the run ends as the unbroken one.
    const again = await redis(r.port);
    const w2 = await worker(again.url);
    const resumed = await runLadder([...resume.split(' ').slice(1), '--json']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expectSameStudy(resumed.stdout);
    expect(resumed.stderr).toContain(`${TOTAL - before.length} evaluated now, ${before.length} from ${db}`);
    const after = storedCounts(db);
    expect(after).toHaveLength(TOTAL);
    expect(after.every((n) => n === 1)).toBe(true);
    w2.child.kill('SIGTERM');
    expect(await exitOf(w2, 10_000)).toBe(0);
  });

  it('Redis restarted empty mid-run: the coordinator queues the lost jobs again, the same workers reconnect and finish, every candidate stored once', async () => {
    const r = await redis();
    const workers = [await worker(r.url), await worker(r.url)];
    const db = join(tmp, 'restart.db');
    const coord = spawnLadder([...args(db), '--queue', r.url], children);
    await freezeMidRun(coord, workers);
    await r.kill();
    await until('the coordinator to see Redis gone', () => coord.stderr().includes('lost the connection'), 20_000);
    await redis(r.port);
    for (const w of workers) w.child.kill('SIGCONT');

    expect(await exitOf(coord, 60_000)).toBe(0);
    const err = coord.stderr();
    expect(err).toMatch(new RegExp(`\\nRedis at ${r.url} is back after \\d+ s; the run goes on\\n`));
    expect(err).toMatch(new RegExp(`\\nwarning: \\d+ of this run's jobs are no longer in Redis at ${r.url} \\(restarted without persistence\\?\\); queued them again\\n`));
    expectSameStudy(coord.stdout());
    const counts = storedCounts(db);
    expect(counts).toHaveLength(TOTAL);
    expect(counts.every((n) => n === 1)).toBe(true);
    for (const w of workers) {
      expect(w.stderr()).toContain(`worker: lost the connection to Redis at ${r.url}`);
      expect(w.stderr()).toMatch(new RegExp(`worker: Redis at ${r.url} is back after \\d+ s; taking jobs again`));
      w.child.kill('SIGTERM');
      expect(await exitOf(w, 10_000)).toBe(0);
    }
    // No other worker exists: these two evaluated every candidate, those re-queued after the restart included.
    expect(workers.map((w) => Number(/stopped after \d+ jobs \((\d+) candidates evaluated\)/.exec(w.stderr())![1])).reduce((a, b) => a + b)).toBeGreaterThanOrEqual(TOTAL);
  });
});
