import { createHash } from 'node:crypto';
import { type ConnectionOptions, type Job, Queue, QueueEvents } from 'bullmq';
import type { EvalTask } from './candidate.ts';
import type { Evaluator } from './pool.ts';
import { RedisReplyError, describeRedis, pingRedis, redisOptions } from './redis-url.ts';
import { watchRedis } from './redis-watch.ts';
import { studyInputFiles, workerFileNames } from './file-names.ts';
import type { StudySpec } from './study.ts';
import { type WireResult, fromWire, specForWorkers } from './wire-result.ts';

export const QUEUE_NAME = 'ladder-optimize';
/** Where a run's spec waits for the workers (set once by the coordinator). */
export const studyKey = (runId: string) => `ladder:optimize:study:${runId}`;

/**
 * Set by a run's coordinator while it waits for results, with a time to live: a run whose key is gone
 * has nobody waiting for it (its coordinator was killed, or stopped without removing its jobs), and
 * workers drop its jobs instead of computing them or stopping on them.
 */
export const aliveKey = (runId: string) => `ladder:optimize:alive:${runId}`;
/** How long a coordinator's heartbeat lives, and how often it renews it, ms. */
export const HEARTBEAT_TTL_MS = 15_000;
export const HEARTBEAT_EVERY_MS = 3_000;
/** A refused renewal stops the run unless the next one (HEARTBEAT_EVERY_MS later, and half as much again for drift) would still find the key alive. */
const BEAT_MARGIN_MS = HEARTBEAT_EVERY_MS * 1.5;
/** Where workers that refuse a run's jobs (their files differ) say why, for its coordinator: a hash of worker → message. */
export const refusalsKey = (runId: string) => `ladder:optimize:refusals:${runId}`;
/** The reason of a job a worker dropped because no coordinator waits for its run. */
export const ABANDONED = 'no coordinator is waiting for this run (stopped or killed): job dropped';

/** What a job carries: the candidate's parameters and each input file's name and SHA-256, never candles. */
export interface JobData {
  readonly runId: string;
  readonly task: EvalTask;
  readonly files: readonly { readonly name: string; readonly sha256: string }[];
  /** Its coordinator keeps `aliveKey(runId)` alive (a coordinator of an earlier version does not: its jobs are never dropped). */
  readonly heartbeat?: true;
}

/** Every file a worker must hold, by the name it finds it by in its --data-dir (file-names.ts), with its hash; in `studyInputFiles` order. */
export function studyFiles(spec: StudySpec): JobData['files'] {
  const files = studyInputFiles(spec.inputs);
  const names = workerFileNames(files.map((f) => f.path));
  return files.map((f, i) => ({ name: names[i]!, sha256: f.sha256 }));
}

/** A job id per (run, candidate): adding it twice adds one job, and a result already computed is found again. */
export const jobId = (runId: string, key: string) => `${runId}-${createHash('sha256').update(key).digest('hex').slice(0, 32)}`;

const ATTEMPTS = 5;

/** One clear error when Redis cannot be reached or refuses the password (before any BullMQ client exists). */
export async function reachable(connection: ConnectionOptions, url: string, flag = '--queue'): Promise<void> {
  try {
    await pingRedis(connection as Parameters<typeof pingRedis>[0]);
  } catch (e) {
    const why = (e as Error).message;
    // Redis answered, and refused the login: not a reachability problem. Before SELECT's own case: a
    // protected Redis refuses the first command of a URL without a password, SELECT when it names a database.
    if (/^(?:NOAUTH|WRONGPASS|ERR AUTH|ERR invalid password|ERR Client sent AUTH)/.test(why)) throw new Error(`${flag}: Redis at ${describeRedis(url)} refused the login (${why}): check the user and password in the URL`);
    // A user the ACL denies the command: neither a database the server lacks nor an unreachable Redis.
    if (e instanceof RedisReplyError && why.startsWith('NOPERM')) throw new Error(`${flag}: Redis at ${describeRedis(url)} refuses ${e.command} to this user (${why}): check the user's ACL`);
    // ioredis would ignore the failed SELECT and use database 0: another run's keys, or none.
    if (e instanceof RedisReplyError && e.command === 'SELECT') throw new Error(`${flag}: Redis at ${describeRedis(url).replace(/\/\d+$/, '')} has no database ${(connection as { db?: number }).db} (${why}): databases are numbered from 0 to the server's \`databases\` setting less one`);
    throw new Error(`${flag}: cannot reach Redis at ${describeRedis(url)} (${why})`);
  }
}

/** Connects, or fails within `ms` with a message naming the URL (without its password). */
export async function connectOrFail<T extends { waitUntilReady(): Promise<unknown>; close(): Promise<void>; on(e: 'error', f: (e: Error) => void): unknown }>(
  parts: T[],
  url: string,
  flag: string,
  ms = 5000,
): Promise<void> {
  let lastError: Error | null = null;
  for (const p of parts) p.on('error', (e) => void (lastError = e));
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), ms);
  });
  try {
    await Promise.race([Promise.all(parts.map((p) => p.waitUntilReady())), timeout]);
  } catch (e) {
    await Promise.all(parts.map((p) => p.close().catch(() => undefined)));
    const why = (lastError as Error | null)?.message ?? (e as Error).message;
    throw new Error(`${flag}: cannot reach Redis at ${describeRedis(url)} (${why})`);
  } finally {
    clearTimeout(timer);
  }
}

/** What the coordinator says when Redis goes away, and how long it waits for it. */
export interface QueueRunOptions {
  /** How long Redis may stay unreachable before the run stops, ms (`--queue-timeout`). */
  readonly downLimitMs: number;
  /** The run's results database (`--db`), named in the messages with the command that resumes the run. */
  readonly db?: string;
  /** How often the run's pending jobs are checked to be still in Redis, ms. */
  readonly checkEveryMs?: number;
}

/** An argument as a POSIX shell reads it back (the resume command is meant to be pasted). */
const shellArg = (s: string): string => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/** The part of an ioredis pipeline the check uses (BullMQ's client type declares fewer commands). */
interface ExistsPipeline {
  exists(key: string): ExistsPipeline;
  exec(): Promise<[Error | null, unknown][] | null>;
}

const say = (line: string) => void process.stderr.write(`${process.stderr.isTTY ? '\n' : ''}${line}\n`);

/**
 * The coordinator's side of the queue: it puts the run's spec in Redis once, each candidate as one
 * job, and takes the results back from the completed jobs (events, and the job itself for one that
 * had finished before: a resumed coordinator). A job that failed for good (all its attempts, or
 * BullMQ's stall limit) ends the run with the worker's message and the command that resumes it; the
 * resume runs such jobs again.
 *
 * Redis may go away mid-run: the coordinator says so once, waits up to `downLimitMs` for it (then
 * fails with the command that resumes the run: every result received is already stored), and says
 * when it is back. A Redis restarted without persistence has lost the jobs and the spec: every
 * `checkEveryMs` (and at each reconnection) the run's pending jobs are looked up, and the missing
 * ones are added again under the same ids, so a job that still exists is never doubled.
 */
export async function queueCoordinator(url: string, runId: string, spec: StudySpec, o: QueueRunOptions = { downLimitMs: 60_000 }): Promise<Evaluator> {
  let connection: ConnectionOptions;
  try {
    connection = redisOptions(url, '--queue');
  } catch (e) {
    throw new Error((e as Error).message);
  }
  await reachable(connection, url);
  const queue = new Queue<JobData, WireResult>(QUEUE_NAME, { connection });
  const events = new QueueEvents(QUEUE_NAME, { connection });
  await connectOrFail([queue, events], url, '--queue');
  const client = await queue.client;
  const putSpec = () => client.set(studyKey(runId), JSON.stringify(specForWorkers(spec)), { EX: 30 * 86_400 });
  const where = describeRedis(url);
  const db = o.db ?? 'ladder-optimize.db';
  const resume = `ladder optimize --resume ${runId} --db ${shellArg(db)} --queue ${shellArg(where)}`;
  /**
   * The coordinator's first writes (the spec, the heartbeat): a Redis that answers and refuses them
   * (an ACL, maxmemory, a read-only replica) is one line saying so, not its bare reply.
   */
  const firstWrite = async (what: string, write: () => Promise<unknown>) => {
    try {
      await write();
    } catch (e) {
      if ((e as Error).name !== 'ReplyError') throw e;
      await Promise.allSettled([events.close(), queue.close()]);
      throw new Error(`--queue: Redis at ${where} refuses to store ${what} (${(e as Error).message}): the coordinator writes the run's spec and heartbeat there (check the URL's user and its ACL, maxmemory, or that this is not a read-only replica); nothing was queued; once the cause is fixed, continue with: ${resume}`);
    }
  };
  await firstWrite("this run's spec", putSpec);
  const files = studyFiles(spec);
  say(`queue: the workers' --data-dir must hold ${files.map((f) => f.name).join(', ')}`);
  const jobOpts = { attempts: ATTEMPTS, backoff: { type: 'fixed', delay: 1000 }, removeOnComplete: { age: 7 * 86_400 }, removeOnFail: { age: 7 * 86_400 } };
  /** Jobs this coordinator queued that have not given their result yet: removed from Redis when it stops. */
  const outstanding = new Set<string>();
  const addNew = (tasks: readonly EvalTask[]) => {
    for (const t of tasks) outstanding.add(jobId(runId, t.key));
    return queue.addBulk(tasks.map((task) => ({ name: 'candidate', data: { runId, task, files, heartbeat: true as const }, opts: { ...jobOpts, jobId: jobId(runId, task.key) } })));
  };
  /** The heartbeat: while it lives, workers take this run's jobs (set before any job is added). */
  const beat = () => client.set(aliveKey(runId), String(process.pid), { PX: HEARTBEAT_TTL_MS });
  const firstBeatSentAtMs = Date.now();
  await firstWrite("this run's heartbeat", beat);
  /**
   * Queues the tasks. A job that already exists under its id is kept (adding it again is a no-op),
   * except one in the failed set (kept 7 days): that is a candidate an earlier coordinator of this
   * run gave up on, and a resume runs it again, so it is removed and added afresh with all its attempts.
   */
  const add = async (tasks: readonly EvalTask[]) => {
    // A renewal Redis refuses is no reason to leave these jobs out: the heartbeat's own rule decides (beatRefused).
    if (!(await renew()) && broken) throw broken;
    const ids = tasks.map((t) => jobId(runId, t.key));
    const states = await Promise.all(ids.map((id) => queue.getJobState(id)));
    await Promise.all(ids.filter((_, i) => states[i] === 'failed').map((id) => queue.remove(id)));
    return addNew(tasks);
  };
  /** Why a job that failed for good (in the failed set, never to be retried by BullMQ) ends the run. */
  const failure = (job: Job<JobData, WireResult>, reason: string) => {
    const key = job.data?.task?.key ?? job.id;
    const why = /stalled more than allowable limit/.test(reason)
      ? `${reason}: the workers that took it stopped renewing its lock again and again (killed mid-job, or a job longer than the workers' --lock-ms)`
      : `failed ${job.attemptsMade} time${job.attemptsMade === 1 ? '' : 's'}; last: ${reason}`;
    return new Error(`--queue: candidate ${key} ${why}; the results received so far are stored in ${db}; once the cause is fixed, continue with: ${resume}`);
  };

  /** The batch being run: its unfinished jobs, and how to hand it a result or an error. */
  let current: { pending: Map<string, EvalTask>; done(id: string, value: unknown): void; end(e: Error | null): void } | null = null;
  /** Set once Redis stayed away too long: every later batch fails with it too. */
  let broken: Error | null = null;
  let checking = false;
  let reconnected = false;

  const watch = watchRedis([client, await events.client], {
    lost: () =>
      say(`warning: lost the connection to Redis at ${where}; waiting up to ${o.downLimitMs / 1000} s for it (--queue-timeout). Results so far are stored in ${db}; to continue later: ${resume}`),
    back: (ms) => {
      say(`Redis at ${where} is back after ${(ms / 1000).toFixed(0)} s; the run goes on`);
      reconnected = true;
      void check();
    },
    tooLong: (ms) => {
      broken = new Error(`--queue: Redis at ${where} unreachable for ${(ms / 1000).toFixed(0)} s (--queue-timeout ${o.downLimitMs / 1000}); the results received so far are stored in ${db}; continue with: ${resume}`);
      current?.end(broken);
    },
  }, o.downLimitMs);

  /**
   * Jobs whose results are stored: their results are dropped from Redis in one pipeline a check (a
   * run of 200,000 candidates would otherwise keep gigabytes of them there for the 7 days of
   * removeOnComplete). Only the result field goes (an HDEL, no script, no event: removing each job
   * whole cost the workers beside Redis ~5 % of their throughput); the job itself, its parameters
   * and file hashes, expires with that age. One that fails to go (Redis away) expires with it too.
   */
  const stored: string[] = [];
  const dropStoredResults = async () => {
    if (stored.length === 0 || !watch.up) return;
    const p = client.pipeline() as unknown as { hdel(key: string, field: string): unknown; exec(): Promise<unknown> };
    for (const id of stored.splice(0)) p.hdel(queue.toKey(id), 'returnvalue');
    await p.exec().catch(() => undefined);
  };
  /** The run's pending jobs still in Redis? Adds back the missing ones (and the spec); after a reconnection, also takes the results of jobs that finished unseen. */
  const check = async () => {
    await dropStoredResults();
    const run = current;
    if (run === null || checking || !watch.up) return;
    checking = true;
    try {
      const ids = [...run.pending.keys()];
      const p = (client.pipeline() as unknown as ExistsPipeline).exists(studyKey(runId));
      for (const id of ids) p.exists(queue.toKey(id));
      const answers = (await p.exec()) ?? [];
      const failed = answers.find(([e]) => e !== null);
      if (failed) throw failed[0]!;
      if (answers[0]![1] === 0) await putSpec();
      const missing = ids.filter((id, i) => answers[i + 1]![1] === 0 && run.pending.has(id));
      if (missing.length > 0) {
        say(`warning: ${missing.length} of this run's jobs are no longer in Redis at ${where} (restarted without persistence?); queued them again`);
        await add(missing.map((id) => run.pending.get(id)!));
      }
      if (reconnected) {
        reconnected = false;
        await collect(ids.filter((id) => !missing.includes(id) && run.pending.has(id)));
      }
    } catch (e) {
      // A connection that dropped during the check is the watch's to report; anything else ends the run.
      if (watch.up) run.end(e as Error);
    } finally {
      checking = false;
    }
  };
  /** Hands the current batch the stored results of those jobs that have finished. */
  const collect = async (ids: readonly string[]) => {
    const jobs: (Job<JobData, WireResult> | undefined)[] = await Promise.all(ids.map((id) => queue.getJob(id)));
    for (const j of jobs) if (j?.finishedOn && j.returnvalue !== undefined && j.returnvalue !== null && !j.failedReason) current?.done(j.id!, j.returnvalue);
    // A job that failed for good while nobody listened (the connection was down): the run ends with it.
    const failed = jobs.filter((j) => j?.failedReason && j.id !== undefined && current?.pending.has(j.id));
    const states = await Promise.all(failed.map((j) => j!.getState()));
    const over = failed.filter((_, i) => states[i] === 'failed');
    const dropped = over.filter((j) => j!.failedReason.includes(ABANDONED));
    if (dropped.length > 0) requeueDropped(dropped.map((j) => j!));
    const first = over.find((j) => !j!.failedReason.includes(ABANDONED));
    if (first) current?.end(failure(first, first.failedReason));
  };
  /** Jobs a worker dropped as abandoned while this coordinator lives (its heartbeat had lapsed: Redis out of reach, or a blocked event loop): queued again. */
  const requeueDropped = (jobs: readonly Job<JobData, WireResult>[]) => {
    const tasks = jobs.map((j) => current?.pending.get(j.id!)).filter((t): t is EvalTask => t !== undefined);
    if (tasks.length === 0) return;
    say(`warning: workers dropped ${tasks.length} of this run's jobs as abandoned (this coordinator's heartbeat in Redis had lapsed); queued them again`);
    add(tasks).catch((e: unknown) => current?.end(e as Error));
  };
  /** Each worker's refusal of this run's jobs, said once (a worker whose files differ says so here as well as on its own machine). */
  const refusals = new Map<string, string>();
  /**
   * When the last renewal that got through was sent (Redis ran it at that moment or later: the key
   * lapses HEARTBEAT_TTL_MS after it at the earliest, however late the answer came back), and since
   * when Redis refuses to renew it (it answers, and refuses the SET), or null.
   */
  let beatAtMs = firstBeatSentAtMs;
  let beatRefusedSinceMs: number | null = null;
  /**
   * Redis is up but refuses the SET (a write refused: maxmemory, a read-only replica, an ACL): said
   * once at once; unless a renewal gets through before the key would lapse (workers then drop this
   * run's jobs as abandoned, and their re-queueing would be refused too), the run ends here, saying
   * why and how to continue, before any job is dropped.
   */
  const beatRefused = (e: Error) => {
    const now = Date.now();
    if (beatRefusedSinceMs === null) {
      beatRefusedSinceMs = now;
      say(`warning: Redis at ${where} refuses to renew this run's heartbeat (${e.message}); workers drop the jobs of a run whose heartbeat is gone, so unless it is renewed within ${Math.max(0, Math.round((beatAtMs + HEARTBEAT_TTL_MS - BEAT_MARGIN_MS - now) / 1000))} s the run stops (results so far are stored in ${db}; to continue later: ${resume})`);
    }
    // The next renewal comes HEARTBEAT_EVERY_MS from now, give or take the timer's drift and the
    // answers' latency: the run stops here unless that renewal is surely before the key can lapse.
    if (now + BEAT_MARGIN_MS < beatAtMs + HEARTBEAT_TTL_MS) return;
    broken ??= new Error(`--queue: Redis at ${where} refused to renew this run's heartbeat for ${Math.round((now - beatRefusedSinceMs) / 1000)} s (${e.message}): before it lapsed and workers dropped its jobs, the run stopped; the results received so far are stored in ${db}; once the cause is fixed, continue with: ${resume}`);
    current?.end(broken);
  };
  /**
   * One renewal of the heartbeat: true when it got through (the key lives HEARTBEAT_TTL_MS from when it
   * was sent), false when Redis answered and refused it (beatRefused decides); a connection that
   * dropped throws (the watch's to report).
   */
  const renew = async (): Promise<boolean> => {
    const sentAtMs = Date.now();
    try {
      await beat();
    } catch (e) {
      if ((e as Error).name !== 'ReplyError') throw e;
      beatRefused(e as Error);
      return false;
    }
    beatAtMs = sentAtMs;
    return true;
  };
  const beatAndListen = async () => {
    if (!watch.up || broken) return;
    try {
      if (!(await renew())) return;
      if (beatRefusedSinceMs !== null) say(`Redis at ${where} renews this run's heartbeat again; the run goes on`);
      beatRefusedSinceMs = null;
      const now = (await client.hgetall(refusalsKey(runId))) as Record<string, string>;
      for (const [who, why] of Object.entries(now)) {
        if (refusals.get(who) === why) continue;
        refusals.set(who, why);
        say(`warning: worker ${who} refuses this run's jobs: ${why}; they wait for a worker whose files are the coordinator's`);
      }
    } catch {
      // A connection that dropped is the watch's to report.
    }
  };
  const heartbeat = setInterval(() => void beatAndListen(), HEARTBEAT_EVERY_MS);
  /**
   * What a stopping coordinator leaves in Redis: none of its jobs still waiting (workers would take or
   * refuse them for nobody; a resume queues them again) and no heartbeat. A job a worker holds cannot
   * be removed: it completes, unread.
   */
  let cleaned: Promise<void> | null = null;
  const cleanUp = () =>
    (cleaned ??= (async () => {
      clearInterval(heartbeat);
      if (!watch.up) return;
      await Promise.all([...outstanding].map((id) => queue.remove(id).catch(() => 0)));
      await dropStoredResults();
      await client.del(aliveKey(runId), refusalsKey(runId));
    })().catch(() => undefined));
  /** Ctrl-C or SIGTERM: clean up (for at most 3 s), then die of the signal as before. */
  const onSignal = (signal: NodeJS.Signals) => {
    process.stderr.write(`${process.stderr.isTTY ? '\n' : ''}${signal}: removing this run's queued jobs from Redis (results so far are stored in ${db}; continue with: ${resume})\n`);
    void Promise.race([cleanUp(), new Promise((r) => setTimeout(r, 3000))]).finally(() => process.kill(process.pid, signal));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const timer = setInterval(() => void check(), o.checkEveryMs ?? 3000);

  return {
    run: (tasks, onResult) =>
      new Promise<void>((resolve, reject) => {
        if (broken) return reject(broken);
        const pending = new Map(tasks.map((t) => [jobId(runId, t.key), t]));
        let finished = false;
        const done = (id: string, value: unknown) => {
          const task = pending.get(id);
          if (task === undefined || finished) return;
          pending.delete(id);
          outstanding.delete(id);
          try {
            onResult(task.key, fromWire((typeof value === 'string' ? JSON.parse(value) : value) as WireResult));
          } catch (e) {
            return end(e as Error);
          }
          stored.push(id);
          if (pending.size === 0) end(null);
        };
        const onCompleted = ({ jobId: id, returnvalue }: { jobId: string; returnvalue: unknown }) => done(id, returnvalue);
        const onFailed = ({ jobId: id, failedReason }: { jobId: string; failedReason: string }) => {
          if (!pending.has(id) || finished) return;
          // In the failed set, it is over for BullMQ: its attempts are used up, or it stalled more
          // often than the workers allow (whatever its attempts). Anywhere else it waits for a retry.
          Promise.all([queue.getJob(id), queue.getJobState(id)]).then(
            ([job, state]) => {
              if (finished) return;
              if (job && state === 'failed' && failedReason.includes(ABANDONED)) requeueDropped([job]);
              else if (job && state === 'failed') end(failure(job, failedReason));
              else say(`warning: a worker failed a job (${failedReason}); it will be retried`);
            },
            // Not an unhandled rejection: a lookup cut by the connection closing ends the run with its reason.
            (e: unknown) => end(e as Error),
          );
        };
        const end = (e: Error | null) => {
          if (finished) return;
          finished = true;
          current = null;
          events.off('completed', onCompleted);
          events.off('failed', onFailed);
          if (e) reject(e);
          else resolve();
        };
        current = { pending, done, end };
        events.on('completed', onCompleted);
        events.on('failed', onFailed);
        if (tasks.length === 0) return end(null);
        add(tasks)
          // A job that had finished before this coordinator listened (a resumed run): its stored return value.
          .then((jobs) => collect(jobs.map((j) => j.id!)))
          .catch((e: unknown) => end(e as Error));
      }),
    close: async () => {
      clearInterval(timer);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await cleanUp();
      watch.stop();
      // A dead Redis cannot answer QUIT: drop the connections instead of waiting for it.
      if (!watch.up) client.disconnect();
      await events.close();
      await queue.close();
    },
  };
}
