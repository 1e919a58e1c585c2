import type { ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { type Job, Queue, QueueEvents, UnrecoverableError, Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type JobData, QUEUE_NAME, refusalsKey, studyFiles, studyKey } from '../../src/optimize/queue.ts';
import type { StudySpec } from '../../src/optimize/study.ts';
import { redisOptions } from '../../src/optimize/redis-url.ts';
import { KLINES, MARKETS, ROOT, type RedisServer, expectSameStudyJson, progressDone, queueDataDir, runLadder as ladder, spawnLadder, startRedis, storedCounts, until } from '../support/queue-run.ts';
import { tempDir } from '../support/temp-dir.ts';

const tmp = tempDir('ladder-opt-queue-');
const children: ChildProcess[] = [];
const start = (args: string[]) => spawnLadder(args, children);
/** A worker's data directory: the same files as the coordinator's, by name. */
const dataDir = (name: string, btc?: string) => queueDataDir(tmp, name, btc);

const SPACE = join(tmp, 'space.json');
/** SPACE with one stop: every entry of the donchian-breakout module has its own (several would be refused as copies). */
const MODULE_SPACE = join(tmp, 'module-space.json');
let url = '';
let redis: RedisServer | undefined;
beforeAll(async () => {
  writeFileSync(SPACE, JSON.stringify({ levels: [2, 3], profit_pct: [{ min: 0.5, max: 2, step: 0.5 }, { min: 1, max: 4, step: 1 }, { values: [3, 5] }], close_pct: { step: 25 }, stop_loss_pct: { values: [1.5, 2, 3] } }));
  writeFileSync(MODULE_SPACE, JSON.stringify({ levels: [2, 3], profit_pct: [{ min: 0.5, max: 2, step: 0.5 }, { min: 1, max: 4, step: 1 }, { values: [3, 5] }], close_pct: { step: 25 } }));
  redis = await startRedis();
  url = redis.url;
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await redis?.kill();
});

/** The embedded run of `args` (seed 9), once: what every queued run of it must give. */
let embeddedRun: Promise<Record<string, unknown>> | undefined;
const embedded = () =>
  (embeddedRun ??= ladder([...args(join(tmp, 'embedded.db')), '--workers', '1']).then((r) => {
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as Record<string, unknown>;
  }));
const expectSameStudy = async (stdout: string) => expectSameStudyJson(JSON.parse(stdout) as Record<string, unknown>, await embedded());
/** The exit code of `p`, failing with its stderr if it has none within `ms`. */
const exitOf = async (p: { exit: Promise<number | null>; stderr(): string }, ms: number) => {
  const code = await Promise.race([p.exit, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), ms))]);
  if (code === 'timeout') throw new Error(`still running after ${ms} ms: ${p.stderr()}`);
  return code;
};
const runIdOf = (stderr: string) => /^run ([0-9a-f]+) /m.exec(stderr)![1]!;

const args = (db: string) => ['optimize', '--config', 'examples/scaled.config.json', '--data', `${KLINES}/BTCUSDT-1h.csv`, '--markets', MARKETS, '--from', '2023-01-01', '--to', '2024-01-01', '--space', SPACE, '--trials', '16', '--folds', '2', '--train-months', '6', '--test-months', '3', '--min-trades', '5', '--seed', '9', '--db', db, '--json'];

describe('ladder optimize --queue with ladder worker processes', () => {
  it('two workers, one SIGKILLed mid-run: the results equal the embedded run of the same seed, every candidate stored once', async () => {
    const dir = dataDir('data');
    const w1 = start(['worker', '--queue', url, '--data-dir', dir, '--lock-ms', '1500']);
    const w2 = start(['worker', '--queue', url, '--data-dir', dir, '--lock-ms', '1500']);
    await until('workers', () => w1.stderr().includes('taking jobs') && w2.stderr().includes('taking jobs'));
    const db = join(tmp, 'queue.db');
    const coord = start([...args(db), '--queue', url]);
    let out = '';
    coord.child.stdout!.on('data', (b: Buffer) => void (out += b.toString()));
    await until('a few results', () => [...coord.stderr().matchAll(/ (\d+)\/18 /g)].some((m) => Number(m[1]) >= 4));
    w1.child.kill('SIGKILL');
    expect(await coord.exit).toBe(0);
    expect(w1.child.signalCode).toBe('SIGKILL');
    await expectSameStudy(out);
    const d = new Database(db, { readonly: true });
    const rows = d.prepare('SELECT key, COUNT(*) AS n FROM optimize_results GROUP BY key').all() as { n: number }[];
    d.close();
    expect(rows).toHaveLength(18);
    expect(rows.every((r) => r.n === 1)).toBe(true);
    const q = new Queue(QUEUE_NAME, { connection: redisOptions(url, '--queue') });
    // Each job's result is dropped from Redis once stored: none of the run's is left there, and no job waits.
    const runId = runIdOf(coord.stderr());
    const left = (await q.getJobs(['completed', 'waiting', 'delayed', 'active', 'failed'])).filter((j) => j.data.runId === runId);
    expect(left.filter((j) => j.returnvalue !== null && j.returnvalue !== undefined).map((j) => j.id)).toEqual([]);
    expect(left.every((j) => j.finishedOn)).toBe(true);
    // What crossed Redis: the packed form the coordinator asked for (wire-result.ts), read back above as the embedded run's.
    const client = (await q.client) as unknown as { xrange(key: string, from: string, to: string): Promise<[string, string[]][]> };
    const events = (await client.xrange(q.keys.events!, '-', '+')).map(([, f]) => Object.fromEntries(f.flatMap((x, i) => (i % 2 ? [] : [[x, f[i + 1]!]]))));
    await q.close();
    // Each result travels as its worker reports it (a job holds several candidates): every candidate reported, each job's once at least.
    const reported = events.filter((e) => e['event'] === 'progress' && e['jobId']!.startsWith(`${runId}-`));
    expect(new Set(reported.map((e) => `${e['jobId']} ${(JSON.parse(e['data']!) as { i: number }).i}`)).size).toBe(18);
    expect(reported[0]!['data']).toMatch(/"returns64":"[A-Za-z0-9+/]+=*"/);
    w2.child.kill('SIGTERM');
    expect(await w2.exit).toBe(0);
  });

  it('a worker SIGKILLed half-way through a batch: the results it reported are stored once, the worker that takes the job again evaluates only the rest, and the run equals the embedded one', async () => {
    // The whole file with 4 folds: ~90,000 candles a candidate, so that a job of several candidates lasts long enough to be caught half-done.
    const longArgs = (db: string) => ['optimize', '--config', 'examples/scaled.config.json', '--data', `${KLINES}/BTCUSDT-1h.csv`, '--markets', MARKETS, '--space', SPACE, '--trials', '40', '--folds', '4', '--train-months', '12', '--test-months', '6', '--min-trades', '5', '--seed', '3', '--db', db, '--json'];
    const embeddedLong = ladder([...longArgs(join(tmp, 'half-embedded.db')), '--workers', '1']);
    const dir = dataDir('half');
    const connection = redisOptions(url, '--queue');
    const q = new Queue<JobData>(QUEUE_NAME, { connection });
    const qe = new QueueEvents(QUEUE_NAME, { connection });
    /** The queue's events stream, each event's fields. */
    const eventsOf = async () => {
      const client = (await q.client) as unknown as { xrange(key: string, from: string, to: string): Promise<[string, string[]][]> };
      return (await client.xrange(q.keys.events!, '-', '+')).map(([, f]) => Object.fromEntries(f.flatMap((x, i) => (i % 2 ? [] : [[x, f[i + 1]!]]))) as Record<string, string>);
    };
    try {
      await qe.waitUntilReady();
      const w1 = start(['worker', '--queue', url, '--data-dir', dir, '--lock-ms', '1500']);
      await until('the worker', () => w1.stderr().includes('taking jobs'));
      const db = join(tmp, 'half.db');
      const coord = start([...longArgs(db), '--queue', url]);
      // At each report the worker is frozen and its job looked at: the first job of several candidates
      // caught with some of them reported and some not is where it is killed.
      let caught: { id: string; size: number; done: number[]; storedBefore: number } | null = null;
      let looking = false;
      qe.on('progress', ({ jobId: id }) => {
        if (caught !== null || looking || w1.child.exitCode !== null) return;
        looking = true;
        w1.child.kill('SIGSTOP');
        void (async () => {
          const job = await q.getJob(id);
          const size = job?.data.tasks?.length ?? 0;
          const done = (job?.progress as { done?: number[] } | undefined)?.done ?? [];
          if (job && job.data.runId === runIdOf(coord.stderr()) && size >= 3 && done.length < size) {
            // The coordinator stores each report as it comes: every one made so far is stored before the kill.
            const reported = (await eventsOf()).filter((e) => e['event'] === 'progress' && e['jobId']!.startsWith(`${job.data.runId}-`)).length;
            await until('the reported results stored', () => existsSync(db) && storedCounts(db).length >= reported, 10_000, 20);
            caught = { id, size, done, storedBefore: storedCounts(db).length };
            w1.child.kill('SIGKILL');
          } else w1.child.kill('SIGCONT');
          looking = false;
        })();
      });
      await until('a batch caught half-done', () => caught !== null || coord.child.exitCode !== null, 60_000, 20);
      expect(caught, 'no job of several candidates was caught half-done').not.toBeNull();
      const { id, size, done } = caught!;
      expect(done.length).toBeGreaterThan(0);
      // Another worker takes the job once its lock lapses, and the run ends.
      const w2 = start(['worker', '--queue', url, '--data-dir', dir, '--lock-ms', '1500']);
      expect(await exitOf(coord, 60_000), coord.stderr()).toBe(0);
      const want = await embeddedLong;
      expect(want.code, want.stderr).toBe(0);
      expectSameStudyJson(JSON.parse(coord.stdout()) as Record<string, unknown>, JSON.parse(want.stdout) as Record<string, unknown>);
      // Every candidate stored once, those of the killed job's first attempt included.
      const counts = storedCounts(db);
      expect(counts).toHaveLength(42);
      expect(counts.every((n) => n === 1)).toBe(true);
      // The job's reports: the killed attempt's, then the second attempt's, of the other candidates only (each evaluated once).
      const reports = (await eventsOf()).filter((e) => e['event'] === 'progress' && e['jobId'] === id).map((e) => (JSON.parse(e['data']!) as { i: number }).i);
      expect([...reports].sort((a, b) => a - b)).toEqual([...Array(size).keys()]);
      expect(reports.slice(0, done.length).sort((a, b) => a - b)).toEqual([...done].sort((a, b) => a - b));
      expect((await q.getJob(id))?.finishedOn).toBeDefined();
      expect(w2.stderr()).not.toMatch(/failed/);
      w2.child.kill('SIGTERM');
      expect(await w2.exit).toBe(0);
      expect(/stopped after \d+ jobs \((\d+) candidates evaluated\)/.exec(w2.stderr())?.[1]).toBe(String(42 - caught!.storedBefore));
    } finally {
      await qe.close();
      await q.close();
    }
  }, 180_000);

  it('a worker whose --data-dir is missing or not a directory says so at once, exit 1, and takes no job', async () => {
    const missing = await ladder(['worker', '--queue', url, '--data-dir', join(tmp, 'no-such-dir')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(`ladder: --data-dir: cannot read ${join(tmp, 'no-such-dir')} (ENOENT)\n`);
    const file = await ladder(['worker', '--queue', url, '--data-dir', SPACE]);
    expect(file.code).toBe(1);
    expect(file.stderr).toBe(`ladder: --data-dir: ${SPACE} is not a directory\n`);
  });

  it('a run of a strategy module is refused with --queue, new or resumed (a worker would load its own copy of the module, unchecked): one line, exit 1, nothing queued', async () => {
    const line = "ladder: --queue: a strategy module cannot travel to other machines yet; use ema_cross or --signals (a run of a module resumes on this machine's threads: drop --queue)\n";
    const db = join(tmp, 'module.db');
    const moduleArgs = args(db).map((a, i, all) => (all[i - 1] === '--config' ? 'examples/strategies/donchian-breakout.config.json' : all[i - 1] === '--trials' ? '2' : all[i - 1] === '--space' ? MODULE_SPACE : a));
    const fresh = await ladder([...moduleArgs, '--queue', url]);
    expect(fresh.code).toBe(1);
    expect(fresh.stderr).toBe(line);
    expect(existsSync(db)).toBe(false);
    // Stored embedded, one result lost (a killed run): the resume with --queue is refused as well.
    const first = await ladder([...moduleArgs, '--workers', '1']);
    expect(first.code, first.stderr).toBe(0);
    const d = new Database(db);
    d.prepare("DELETE FROM optimize_results WHERE key = 'single'").run();
    d.close();
    const runId = runIdOf(first.stderr);
    const queue = new Queue(QUEUE_NAME, { connection: redisOptions(url, '--queue') });
    try {
      const before = await queue.getJobCounts();
      // It queued the missing candidate and waited for a worker, which would load its own module.
      const resumed = start(['optimize', '--resume', runId, '--db', db, '--queue', url]);
      expect(await exitOf(resumed, 20_000)).toBe(1);
      expect(resumed.stderr()).toBe(line);
      expect(await queue.getJobCounts()).toEqual(before);
    } finally {
      await queue.close();
    }
    // Without --queue it resumes on this machine.
    const here = await ladder(['optimize', '--resume', runId, '--db', db, '--workers', '1']);
    expect(here.code, here.stderr).toBe(0);
    expect(here.stderr).toContain('1 evaluated now');
  }, 60_000);

  it("a worker refuses the jobs of a strategy module's run (queued by an earlier coordinator, which did not refuse --resume --queue for one): its copy of the module cannot be checked; the job is put aside, not computed", async () => {
    const db = join(tmp, 'module-jobs.db');
    const stored = await ladder([...args(db).map((a, i, all) => (all[i - 1] === '--config' ? 'examples/strategies/donchian-breakout.config.json' : all[i - 1] === '--trials' ? '2' : all[i - 1] === '--space' ? MODULE_SPACE : a)), '--workers', '1']);
    expect(stored.code, stored.stderr).toBe(0);
    const d = new Database(db, { readonly: true });
    const spec = JSON.parse((d.prepare('SELECT spec FROM optimize_runs').get() as { spec: string }).spec) as StudySpec;
    d.close();
    // What such a coordinator put in Redis: the run's spec and a job naming the candle and markets files.
    const runId = 'feed0001';
    const queue = new Queue<JobData>(QUEUE_NAME, { connection: redisOptions(url, '--queue') });
    // The worker holds a copy of the module (here the same file; it could be any version of it).
    const dir = dataDir('module-worker');
    copyFileSync(join(ROOT, 'examples/strategies/donchian-breakout.ts'), join(dir, 'donchian-breakout.ts'));
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
    const worker = start(['worker', '--queue', url, '--data-dir', dir, '--lock-ms', '2000']);
    try {
      const client = await queue.client;
      await client.set(studyKey(runId), JSON.stringify(spec));
      const job = await queue.add('candidate', { runId, task: { key: 'single', kind: 'single', params: null }, files: studyFiles(spec) }, { jobId: `${runId}-single` });
      // Before, the worker loaded its own copy of the module and computed the job.
      await until('the refusal or the result', async () => /strategy is a module/.test(worker.stderr()) || (await job.getState()) === 'completed', 20_000);
      expect(await job.getState()).not.toBe('completed');
      expect(worker.stderr()).toContain(`worker: run ${runId}: its strategy is a module (donchian-breakout.ts), whose copy on this worker cannot be checked against the coordinator's (a job carries no hash of it): refusing the job; resume the run without --queue`);
      // Said to the coordinator as any refusal is.
      expect(Object.values(await client.hgetall(refusalsKey(runId)))).toEqual([expect.stringMatching(/^its strategy is a module/)]);
      await job.remove().catch(() => undefined);
    } finally {
      worker.child.kill('SIGTERM');
      await exitOf(worker, 10_000);
      await queue.close();
    }
  }, 60_000);

  it("a worker's --lock-ms and --concurrency are whole numbers in plain decimal, the lock within a Node timer's reach: one line naming the option, exit 1, before Redis is contacted", async () => {
    for (const [option, value, line] of [
      // Accepted before: the lock's renewal timer overflowed (TimeoutOverflowWarning) and fired at once, again and again.
      ['--lock-ms', '1e12', 'ladder: --lock-ms: must be a whole number from 500 to 2147483647 (got "1e12")'],
      ['--lock-ms', '2147483648', 'ladder: --lock-ms: must be a whole number from 500 to 2147483647 (got "2147483648")'],
      ['--lock-ms', '0x400', 'ladder: --lock-ms: must be a whole number from 500 to 2147483647 (got "0x400")'],
      ['--lock-ms', '499', 'ladder: --lock-ms: must be a whole number from 500 to 2147483647 (got "499")'],
      ['--concurrency', '1e3', 'ladder: --concurrency: must be a whole number 1 or more (got "1e3")'],
      ['--concurrency', '0', 'ladder: --concurrency: must be a whole number 1 or more (got "0")'],
    ] as const) {
      const r = await ladder(['worker', '--queue', 'redis://127.0.0.1:1', '--data-dir', tmp, option, value]);
      expect(r.code, `${option} ${value}`).toBe(1);
      expect(r.stderr, `${option} ${value}`).toBe(`${line}\n`);
    }
  });

  it('--queue naming a database the Redis does not have (/16 of 0–15): one line and exit 1, coordinator (no run stored) and worker alike', async () => {
    const line = `ladder: --queue: Redis at ${url} has no database 16 (ERR DB index is out of range): databases are numbered from 0 to the server's \`databases\` setting less one\n`;
    const db = join(tmp, 'db16.db');
    const coord = await ladder([...args(db), '--queue', `${url}/16`]);
    expect(coord.code).toBe(1);
    expect(coord.stderr).toBe(line);
    expect(existsSync(db)).toBe(false);
    const worker = await ladder(['worker', '--queue', `${url}/16`, '--data-dir', tmp]);
    expect(worker.code).toBe(1);
    expect(worker.stderr).toBe(line);
  });

  it("a worker whose data file differs refuses the run's jobs with a clear error naming the run, without using their attempts, and goes on; the coordinator says so; a good worker then finishes the run", async () => {
    const other = join(tmp, 'ETH-as-BTC.csv');
    copyFileSync(join(KLINES, 'ETHUSDT-1h.csv'), other);
    const badDir = dataDir('bad', other);
    const coord = start([...args(join(tmp, 'refused.db')), '--queue', url]);
    const bad = start(['worker', '--queue', url, '--data-dir', badDir, '--lock-ms', '1500']);
    await until('the run id', () => /^run [0-9a-f]+ /m.test(coord.stderr()));
    const runId = runIdOf(coord.stderr());
    await until('the refusal', () => bad.stderr().includes(`worker: run ${runId}: `), 30_000);
    expect(bad.stderr()).toMatch(
      new RegExp(`worker: run ${runId}: .*BTCUSDT-1h\\.csv: differs from the coordinator's BTCUSDT-1h\\.csv \\(sha256 here [0-9a-f]{12}…, job [0-9a-f]{12}…\\): refusing the job; this run's jobs wait for a worker whose files are the coordinator's, and this worker goes on with other runs' jobs\n`),
    );
    // A run whose only workers refuse it is not a silent wait: its coordinator names the worker and why.
    await until("the coordinator's warning", () => /warning: worker \S+ refuses this run's jobs: .*BTCUSDT-1h\.csv: differs from the coordinator's/.test(coord.stderr()), 15_000);
    // The refused jobs wait in the delayed set, none of their attempts used, while the worker refuses them again and again.
    await new Promise((r) => setTimeout(r, 6000));
    const q = new Queue<JobData>(QUEUE_NAME, { connection: redisOptions(url, '--queue') });
    const mine = (await q.getJobs(['delayed', 'waiting', 'active'])).filter((j) => j.data.runId === runId);
    await q.close();
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.every((j) => j.attemptsMade === 0)).toBe(true);
    expect(bad.child.exitCode).toBeNull();
    expect(coord.child.exitCode).toBeNull();
    // Stopped now: left running beside a good worker, it would keep putting the jobs it takes aside for 5 s.
    bad.child.kill('SIGTERM');
    expect(await bad.exit).toBe(0);
    const good = start(['worker', '--queue', url, '--data-dir', dataDir('good'), '--lock-ms', '1500']);
    expect(await exitOf(coord, 60_000)).toBe(0);
    await expectSameStudy(coord.stdout());
    good.child.kill('SIGTERM');
    expect(await good.exit).toBe(0);
  }, 120_000);

  /** The coordinator's heartbeat (spelt out: it is the protocol between coordinators and workers of different versions). */
  const aliveKey = (runId: string) => `ladder:optimize:alive:${runId}`;
  const HEARTBEAT_TTL_MS = 15_000;
  const ABANDONED = 'no coordinator is waiting for this run (stopped or killed): job dropped';

  it("jobs of a run nobody waits for (coordinator SIGKILLed, or stopped with Ctrl-C) neither stop nor delay the workers; a worker lets go of a run's data when it ends", async () => {
    const q = new Queue<JobData>(QUEUE_NAME, { connection: redisOptions(url, '--queue') });
    const client = await q.client;
    const jobsOf = async (runId: string, states: ('waiting' | 'delayed' | 'active' | 'completed' | 'failed')[]) => (await q.getJobs(states)).filter((j) => j.data.runId === runId);
    try {
      // A: data that differs from the workers' files, its coordinator killed with its jobs queued.
      const coordDir = join(tmp, 'dead-coord');
      mkdirSync(coordDir);
      copyFileSync(join(KLINES, 'ETHUSDT-1h.csv'), join(coordDir, 'BTCUSDT-1h.csv'));
      const a = start([...args(join(tmp, 'dead-a.db')).map((x) => (x === `${KLINES}/BTCUSDT-1h.csv` ? join(coordDir, 'BTCUSDT-1h.csv') : x)), '--queue', url]);
      await until("A's jobs", async () => /^run [0-9a-f]+ /m.test(a.stderr()) && (await jobsOf(runIdOf(a.stderr()), ['waiting'])).length > 0);
      const runA = runIdOf(a.stderr());
      a.child.kill('SIGKILL');
      // Its heartbeat outlives it for at most its time to live.
      const ttl = Number(await (client as unknown as { pttl(k: string): Promise<number> }).pttl(aliveKey(runA)));
      // B, a live run, with one worker: the worker refuses A's jobs (A still looks alive) and goes on with B's.
      const w = start(['worker', '--queue', url, '--data-dir', dataDir('dead-w'), '--lock-ms', '1500']);
      const b = start([...args(join(tmp, 'dead-b.db')), '--queue', url]);
      expect(await exitOf(b, 60_000), `${b.stderr()}\nworker: ${w.stderr()}`).toBe(0);
      await expectSameStudy(b.stdout());
      expect(w.stderr()).toMatch(new RegExp(`worker: run ${runA}: .*differs from the coordinator's BTCUSDT-1h\\.csv`));
      // B ended (its coordinator removed its heartbeat): the worker lets go of its data.
      const runB = runIdOf(b.stderr());
      await until("the worker lets go of B's data", () => w.stderr().includes(`worker: run ${runB} ended; its data is let go`), 15_000);
      expect(await client.get(aliveKey(runB))).toBeNull();
      // A's heartbeat lapses: its jobs are dropped, not refused again and again.
      await until("A's jobs dropped", async () => (await jobsOf(runA, ['waiting', 'delayed', 'active'])).length === 0, 40_000, 500);
      expect(w.stderr()).toContain(`worker: run ${runA}: no coordinator is waiting for this run (stopped or killed): dropping its jobs\n`);
      // C: the workers' own data, its coordinator killed while the worker is frozen; once the heartbeat
      // is gone (deleted here: what its time to live does), none of its jobs is computed.
      w.child.kill('SIGSTOP');
      const c = start([...args(join(tmp, 'dead-c.db')), '--queue', url]);
      await until("C's jobs", async () => /^run [0-9a-f]+ /m.test(c.stderr()) && (await jobsOf(runIdOf(c.stderr()), ['waiting'])).length > 0);
      const runC = runIdOf(c.stderr());
      c.child.kill('SIGKILL');
      await client.del(aliveKey(runC));
      w.child.kill('SIGCONT');
      await until("C's jobs dropped", async () => (await jobsOf(runC, ['waiting', 'delayed', 'active'])).length === 0, 20_000, 200);
      expect(await jobsOf(runC, ['completed'])).toHaveLength(0);
      expect((await jobsOf(runC, ['failed'])).every((j) => j.failedReason.includes(ABANDONED))).toBe(true);
      // D: stopped with Ctrl-C while its jobs wait (the worker frozen): it removes them and its heartbeat.
      w.child.kill('SIGSTOP');
      const d = start([...args(join(tmp, 'dead-d.db')), '--queue', url]);
      await until("D's jobs", async () => /^run [0-9a-f]+ /m.test(d.stderr()) && (await jobsOf(runIdOf(d.stderr()), ['waiting'])).length > 0);
      const runD = runIdOf(d.stderr());
      d.child.kill('SIGINT');
      await d.exit;
      expect(d.child.signalCode).toBe('SIGINT');
      expect(d.stderr()).toMatch(/SIGINT: removing this run's queued jobs from Redis/);
      expect(await jobsOf(runD, ['waiting', 'delayed'])).toHaveLength(0);
      expect(await client.get(aliveKey(runD))).toBeNull();
      w.child.kill('SIGCONT');
      expect(w.child.exitCode).toBeNull();
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(HEARTBEAT_TTL_MS);
      w.child.kill('SIGTERM');
      expect(await w.exit).toBe(0);
    } finally {
      await q.close();
    }
  }, 180_000);

  /** Starts a coordinator of `args` on the queue, and waits until its jobs are in Redis. */
  const queuedRun = async (db: string) => {
    const coord = start([...args(db), '--queue', url]);
    const q = new Queue<JobData>(QUEUE_NAME, { connection: redisOptions(url, '--queue') });
    try {
      await until('the jobs in Redis', async () => coord.stderr().includes('run ') && (await q.getJobs(['waiting'])).some((j) => j.data.runId === runIdOf(coord.stderr())));
    } finally {
      await q.close();
    }
    return coord;
  };
  /** Resumes the run with one good worker: it must end like the embedded run, every candidate stored once. */
  const resumeWithAWorker = async (db: string, runId: string) => {
    const good = start(['worker', '--queue', url, '--data-dir', dataDir(`good-${runId}`), '--lock-ms', '1500']);
    const resumed = start(['optimize', '--resume', runId, '--db', db, '--queue', url, '--json']);
    expect(await exitOf(resumed, 60_000), resumed.stderr()).toBe(0);
    await expectSameStudy(resumed.stdout());
    const counts = storedCounts(db);
    expect(counts).toHaveLength(18);
    expect(counts.every((n) => n === 1)).toBe(true);
    good.child.kill('SIGTERM');
    expect(await good.exit).toBe(0);
  };

  it("a job failed by BullMQ's stall limit (with attempts left) ends the run with one clear error instead of a wait forever; the resume runs it again", async () => {
    const db = join(tmp, 'stalled.db');
    const coord = await queuedRun(db);
    const runId = runIdOf(coord.stderr());
    // What BullMQ does to a job whose workers stopped renewing its lock more than maxStalledCount
    // times: it fails it for good with this reason, its attemptsMade (here 1) below the 5 attempts.
    const w = new Worker<JobData>(QUEUE_NAME, null, { connection: redisOptions(url, '--queue') });
    try {
      const job = (await w.getNextJob('t')) as Job<JobData>;
      expect(job.data.runId).toBe(runId);
      await job.moveToFailed(new UnrecoverableError('job stalled more than allowable limit'), 't');
    } finally {
      await w.close();
    }
    expect(await exitOf(coord, 20_000)).toBe(1);
    expect(coord.stderr()).toMatch(/\nladder: --queue: candidate \S+ job stalled more than allowable limit: the workers that took it stopped renewing its lock again and again \(killed mid-job, or a job longer than the workers' --lock-ms\); the results received so far are stored in \S+; once the cause is fixed, continue with: ladder optimize --resume [0-9a-f]+ --db \S+ --queue \S+\n$/);
    expect(coord.stderr()).not.toMatch(/it will be retried/);
    await resumeWithAWorker(db, runId);
  }, 120_000);

  it('a run ended by a candidate that failed all its attempts: --resume --queue runs its failed jobs again (they sat in the failed set, and adding them again under their ids did nothing)', async () => {
    const db = join(tmp, 'failed.db');
    const coord = await queuedRun(db);
    const runId = runIdOf(coord.stderr());
    const bad = new Worker<JobData>(QUEUE_NAME, async () => Promise.reject(new Error('boom')), { connection: redisOptions(url, '--queue') });
    try {
      expect(await exitOf(coord, 60_000)).toBe(1);
    } finally {
      await bad.close();
    }
    expect(coord.stderr()).toMatch(/\nladder: --queue: (candidate \S+|job of \d+ candidates \(\S+, …\)) failed 5 times; last: boom(;|\n)/);
    await resumeWithAWorker(db, runId);
  }, 120_000);

  it('a worker checks the bytes it loads for each run, not a hash kept from an earlier run: its file replaced between two runs is refused, and accepted where the coordinator has the same new file', async () => {
    // The worker's own copies (not links), so that one can be replaced under it.
    const dir = join(tmp, 'replaced');
    mkdirSync(dir);
    copyFileSync(join(KLINES, 'BTCUSDT-1h.csv'), join(dir, 'BTCUSDT-1h.csv'));
    copyFileSync(MARKETS, join(dir, 'binance-usdm-exchange-info.json'));
    // The coordinator's side of the second run: ETHUSDT's candles under the name BTCUSDT-1h.csv.
    const coordDir = join(tmp, 'replaced-coord');
    mkdirSync(coordDir);
    copyFileSync(join(KLINES, 'ETHUSDT-1h.csv'), join(coordDir, 'BTCUSDT-1h.csv'));
    const withData = (db: string, data: string) => args(db).map((a) => (a === `${KLINES}/BTCUSDT-1h.csv` ? data : a));
    const w = start(['worker', '--queue', url, '--data-dir', dir, '--lock-ms', '1500']);
    await until('the worker', () => w.stderr().includes('taking jobs'));
    const first = start([...args(join(tmp, 'replaced-1.db')), '--queue', url]);
    expect(await exitOf(first, 60_000), first.stderr()).toBe(0);
    await expectSameStudy(first.stdout());
    // Both sides now have the new file: the worker takes the run, and its results are the embedded run's on that file.
    copyFileSync(join(coordDir, 'BTCUSDT-1h.csv'), join(dir, 'BTCUSDT-1h.csv'));
    const second = start([...withData(join(tmp, 'replaced-2.db'), join(coordDir, 'BTCUSDT-1h.csv')), '--queue', url]);
    expect(await exitOf(second, 60_000), `${second.stderr()}\nworker: ${w.stderr()}`).toBe(0);
    const embeddedEth = await ladder([...withData(join(tmp, 'replaced-embedded.db'), join(coordDir, 'BTCUSDT-1h.csv')), '--workers', '1']);
    expect(embeddedEth.code, embeddedEth.stderr).toBe(0);
    const [a, b] = [JSON.parse(embeddedEth.stdout) as Record<string, unknown>, JSON.parse(second.stdout()) as Record<string, unknown>];
    for (const k of ['ranking', 'references', 'folds', 'verdict']) expect(b[k], k).toEqual(a[k]);
    // The coordinator has the original file again, the worker still the new one: refused, naming both hashes.
    const third = start([...args(join(tmp, 'replaced-3.db')), '--queue', url]);
    await until('the refusal', () => /BTCUSDT-1h\.csv: differs from the coordinator's BTCUSDT-1h\.csv \(sha256 here [0-9a-f]{12}…, job [0-9a-f]{12}…\)/.test(w.stderr()), 30_000);
    expect(progressDone(third.stderr(), 18)).toBeLessThan(18);
    third.child.kill('SIGKILL');
    w.child.kill('SIGKILL');
  }, 180_000);
});
