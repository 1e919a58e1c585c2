import { createHash } from 'node:crypto';
import { type ConnectionOptions, type Job, Queue, QueueEvents } from 'bullmq';
import type { EvalTask } from './candidate.ts';
import type { CandidateResult } from './evaluate.ts';
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

/**
 * What a job carries: a batch of candidates' parameters (`batchesOf`) and each input file's name and
 * SHA-256, never candles.
 */
export interface JobData {
  readonly runId: string;
  /** The batch's candidates, evaluated in this order (absent in a job of an earlier coordinator: one candidate, `task`). */
  readonly tasks?: readonly EvalTask[];
  /** The batch's first candidate: all that a worker of an earlier version evaluates (its coordinator queues the rest again). */
  readonly task: EvalTask;
  readonly files: readonly { readonly name: string; readonly sha256: string }[];
  /** Its coordinator keeps `aliveKey(runId)` alive (a coordinator of an earlier version does not: its jobs are never dropped). */
  readonly heartbeat?: true;
}

/**
 * What a worker reports as each candidate of a batch is done (BullMQ's job progress: a field of the
 * job, and an event the coordinator reads and stores at once): a worker killed mid-batch has lost
 * none of the results it reported, and the worker that takes the job again skips them (`done`).
 */
export interface BatchProgress {
  /** The candidate's index in the job's `tasks`, and its result. */
  readonly i: number;
  readonly result: WireResult | CandidateResult;
  /** Every index reported so far, by this attempt and the ones before it. */
  readonly done: readonly number[];
}

/** A batch's return value: the results of the candidates this attempt evaluated, by index (those of an earlier attempt were reported then). */
export interface BatchResult {
  readonly results: readonly (readonly [number, WireResult | CandidateResult])[];
}

/** The indices a job's progress says are done (an earlier attempt's), or none. */
export function doneIndices(progress: unknown, size: number): Set<number> {
  const done = (progress as Partial<BatchProgress> | null)?.done;
  return new Set(Array.isArray(done) ? done.filter((i): i is number => Number.isInteger(i) && i >= 0 && i < size) : []);
}

/**
 * Candles a job's candidates replay together at most: about 0.25 s of work at the replay's ~10 M
 * candles a second on a core. A job's fixed cost (BullMQ's fetch and completion, the worker's checks
 * of the run's heartbeat and files) is then paid once for several candidates, and a job stays short.
 */
const BATCH_CANDLES = 2_500_000;
/** Candidates a job carries at most (a study of short candidates). */
const MAX_BATCH = 32;

/**
 * The tasks as the jobs they are queued in, in order: each at most `BATCH_CANDLES` of work (and
 * `MAX_BATCH` candidates), and at most a `2 × workers`-th of what is left from it on, so that the
 * jobs shrink toward the end and the workers finish within about one candidate of each other
 * (workers take the jobs in the order they are queued). `workers` is a guess (BullMQ counts the
 * connected ones; more may come): at least 2 are assumed.
 */
export function batchesOf(tasks: readonly EvalTask[], candlesPerCandidate: number, workers: number): EvalTask[][] {
  const cap = Math.max(1, Math.min(MAX_BATCH, Math.floor(BATCH_CANDLES / Math.max(1, candlesPerCandidate))));
  const share = 2 * Math.max(2, workers);
  const out: EvalTask[][] = [];
  for (let i = 0; i < tasks.length; ) {
    const n = Math.min(cap, Math.ceil((tasks.length - i) / share));
    out.push(tasks.slice(i, (i += n)));
  }
  return out;
}

/** Every file a worker must hold, by the name it finds it by in its --data-dir (file-names.ts), with its hash; in `studyInputFiles` order. */
export function studyFiles(spec: StudySpec): JobData['files'] {
  const files = studyInputFiles(spec.inputs);
  const names = workerFileNames(files.map((f) => f.path));
  return files.map((f, i) => ({ name: names[i]!, sha256: f.sha256 }));
}

/**
 * A job id per (run, batch of candidates): adding it twice adds one job, and a result already computed
 * is found again. A batch of one candidate has the id an earlier coordinator gave its job.
 */
export const jobId = (runId: string, keys: readonly string[]) => `${runId}-${createHash('sha256').update(keys.join('\n')).digest('hex').slice(0, 32)}`;

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
  /** Candles a candidate replays over all the windows (evaluate.ts candlesPerCandidate): the size of a job's batch (`batchesOf`). */
  readonly candlesPerCandidate?: number;
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
 * The coordinator's side of the queue: it puts the run's spec in Redis once, the candidates as jobs
 * of a few each (`batchesOf`), and takes each result back as its worker reports it (the job's
 * progress events), and the rest from the completed jobs (events, and the job itself for one that
 * had finished before: a resumed coordinator). A result is handed on once, by candidate, whichever
 * way it came and however often its job was run. A job that failed for good (all its attempts, or
 * BullMQ's stall limit) ends the run with the worker's message and the command that resumes it; the
 * resume runs such jobs again.
 *
 * Redis may go away mid-run: the coordinator says so once, waits up to `downLimitMs` for it (then
 * fails with the command that resumes the run: every result received is already stored), and says
 * when it is back. A Redis restarted without persistence has lost the jobs and the spec: every
 * `checkEveryMs` (and at each reconnection) the run's pending jobs are looked up, and the missing
 * ones are added again (under the same ids while they are whole, so a job that still exists is never doubled).
 */
export async function queueCoordinator(url: string, runId: string, spec: StudySpec, o: QueueRunOptions = { downLimitMs: 60_000 }): Promise<Evaluator> {
  let connection: ConnectionOptions;
  try {
    connection = redisOptions(url, '--queue');
  } catch (e) {
    throw new Error((e as Error).message);
  }
  await reachable(connection, url);
  const queue = new Queue<JobData, Returned>(QUEUE_NAME, { connection });
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
  /** Jobs this coordinator queued that have not given all their results yet: removed from Redis when it stops. */
  const outstanding = new Set<string>();
  /** Jobs this coordinator queued whose completion it has not seen yet (their results are dropped from Redis once it is). */
  const unseen = new Set<string>();
  const addNew = (batches: readonly Batch[]) => {
    for (const b of batches) outstanding.add(b.id);
    return queue.addBulk(batches.map((b) => ({ name: 'candidates', data: { runId, task: b.tasks[0]!, tasks: b.tasks, files, heartbeat: true as const }, opts: { ...jobOpts, jobId: b.id } })));
  };
  /** The heartbeat: while it lives, workers take this run's jobs (set before any job is added). */
  const beat = () => client.set(aliveKey(runId), String(process.pid), { PX: HEARTBEAT_TTL_MS });
  const firstBeatSentAtMs = Date.now();
  await firstWrite("this run's heartbeat", beat);
  /**
   * Queues the batches. A job that already exists under its id is kept (adding it again is a no-op),
   * except one in the failed set (kept 7 days): that is a batch an earlier coordinator of this run
   * gave up on, and a resume runs it again, so it is removed and added afresh with all its attempts.
   */
  const add = async (batches: readonly Batch[]) => {
    // A renewal Redis refuses is no reason to leave these jobs out: the heartbeat's own rule decides (beatRefused).
    if (!(await renew()) && broken) throw broken;
    const states = await Promise.all(batches.map((b) => queue.getJobState(b.id)));
    await Promise.all(batches.filter((_, i) => states[i] === 'failed').map((b) => queue.remove(b.id)));
    return addNew(batches);
  };
  /** Why a job that failed for good (in the failed set, never to be retried by BullMQ) ends the run. */
  const failure = (job: Job<JobData, Returned>, reason: string) => {
    const tasks = job.data?.tasks ?? (job.data?.task ? [job.data.task] : []);
    const what = tasks.length > 1 ? `job of ${tasks.length} candidates (${tasks[0]!.key}, …)` : `candidate ${tasks[0]?.key ?? job.id}`;
    const why = /stalled more than allowable limit/.test(reason)
      ? `${reason}: the workers that took it stopped renewing its lock again and again (killed mid-job, or a job longer than the workers' --lock-ms)`
      : `failed ${job.attemptsMade} time${job.attemptsMade === 1 ? '' : 's'}; last: ${reason}`;
    return new Error(`--queue: ${what} ${why}; the results received so far are stored in ${db}; once the cause is fixed, continue with: ${resume}`);
  };

  /** The batch of tasks being run (one `run`): its candidates without a result, its jobs, and how to hand it results or an error. */
  interface RunState {
    /** Candidates without a result yet, by key. */
    readonly pending: Map<string, EvalTask>;
    /** Its jobs whose completion has not been seen, by id: their candidates, in the order of the job's `tasks`. */
    readonly jobs: Map<string, readonly EvalTask[]>;
    /** Results of a job (reported as it goes, or its return value), by index in its tasks. */
    take(id: string, results: readonly (readonly [number, unknown])[]): void;
    /** The job completed with this return value: its results taken; any candidate it left without one is queued again. */
    completed(id: string, value: unknown): void;
    end(e: Error | null): void;
  }
  let current: RunState | null = null;
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
   * Completed jobs of this run, their results taken: their results are dropped from Redis in one
   * pipeline a check (a run of 200,000 candidates would otherwise keep gigabytes of them there for
   * the 7 days of removeOnComplete). Only the result fields go (the return value and the last
   * progress; an HDEL, no script, no event: removing each job whole cost the workers beside Redis ~5 %
   * of their throughput); the job itself, its parameters and file hashes, expires with that age. One
   * that fails to go (Redis away) expires with it too.
   */
  const stored: string[] = [];
  const dropStoredResults = async () => {
    if (stored.length === 0 || !watch.up) return;
    const p = client.pipeline() as unknown as { hdel(key: string, ...fields: string[]): unknown; exec(): Promise<unknown> };
    for (const id of stored.splice(0)) p.hdel(queue.toKey(id), 'returnvalue', 'progress');
    await p.exec().catch(() => undefined);
  };
  /** Registers the batches as the run's jobs (before they are added: a worker may report before addBulk answers) and queues them. */
  const queueBatches = async (run: RunState, batches: readonly Batch[]) => {
    for (const b of batches) {
      run.jobs.set(b.id, b.tasks);
      unseen.add(b.id);
    }
    return batches.length === 0 ? [] : add(batches);
  };
  let requeued = 0;
  /**
   * Queues again the candidates of these jobs that have no result yet: under the same id while they
   * are the whole job (one Redis lost, or a worker dropped: a job that still exists is not doubled),
   * otherwise under a new one (another batch; or the job completed, and adding its id would add nothing).
   */
  const again = (run: RunState, ids: readonly string[], completed: boolean) => {
    const batches: Batch[] = [];
    for (const id of ids) {
      const tasks = run.jobs.get(id);
      if (tasks === undefined) continue;
      run.jobs.delete(id);
      outstanding.delete(id);
      unseen.delete(id);
      const left = tasks.filter((t) => run.pending.has(t.key));
      if (left.length === 0) continue;
      const same = !completed && left.length === tasks.length;
      batches.push({ id: same ? id : jobId(runId, [`again ${process.pid} ${Date.now()} ${++requeued}`, ...left.map((t) => t.key)]), tasks: left });
    }
    return queueBatches(run, batches);
  };
  /** The run's pending jobs still in Redis? Adds back the missing ones (and the spec); after a reconnection, also takes the results of jobs that finished unseen. */
  const check = async () => {
    await dropStoredResults();
    const run = current;
    if (run === null || checking || !watch.up) return;
    checking = true;
    try {
      const ids = [...run.jobs.keys()];
      const p = (client.pipeline() as unknown as ExistsPipeline).exists(studyKey(runId));
      for (const id of ids) p.exists(queue.toKey(id));
      const answers = (await p.exec()) ?? [];
      const failed = answers.find(([e]) => e !== null);
      if (failed) throw failed[0]!;
      if (answers[0]![1] === 0) await putSpec();
      const missing = ids.filter((id, i) => answers[i + 1]![1] === 0 && run.jobs.has(id));
      if (missing.length > 0) {
        say(`warning: ${missing.length} of this run's jobs are no longer in Redis at ${where} (restarted without persistence?); queued them again`);
        await again(run, missing, false);
      }
      if (reconnected) {
        reconnected = false;
        await collect(ids.filter((id) => !missing.includes(id) && run.jobs.has(id)));
      }
    } catch (e) {
      // A connection that dropped during the check is the watch's to report; anything else ends the run.
      if (watch.up) run.end(e as Error);
    } finally {
      checking = false;
    }
  };
  /** Hands the current batch the results of those jobs that have completed, and ends it with one that failed for good. */
  const collect = async (ids: readonly string[]) => {
    const run = current;
    const jobs: (Job<JobData, Returned> | undefined)[] = await Promise.all(ids.map((id) => queue.getJob(id)));
    const states = await Promise.all(jobs.map((j) => j?.getState()));
    if (run === null || current !== run) return;
    jobs.forEach((j, i) => {
      if (j === undefined || states[i] !== 'completed') return;
      if (unseen.delete(j.id!)) stored.push(j.id!);
      run.completed(j.id!, j.returnvalue);
    });
    // A job that failed for good while nobody listened (the connection was down): the run ends with it.
    const over = jobs.filter((j, i): j is Job<JobData, Returned> => j !== undefined && states[i] === 'failed' && run.jobs.has(j.id!));
    const dropped = over.filter((j) => j.failedReason?.includes(ABANDONED));
    if (dropped.length > 0) requeueDropped(dropped);
    const first = over.find((j) => !j.failedReason?.includes(ABANDONED));
    if (first) run.end(failure(first, first.failedReason));
  };
  /** Jobs a worker dropped as abandoned while this coordinator lives (its heartbeat had lapsed: Redis out of reach, or a blocked event loop): queued again. */
  const requeueDropped = (jobs: readonly Job<JobData, Returned>[]) => {
    const run = current;
    const ids = jobs.map((j) => j.id!).filter((id) => run?.jobs.has(id));
    if (run === null || ids.length === 0) return;
    say(`warning: workers dropped ${ids.length} of this run's jobs as abandoned (this coordinator's heartbeat in Redis had lapsed); queued them again`);
    again(run, ids, false).catch((e: unknown) => run.end(e as Error));
  };
  // Every event of the queue comes here (other runs' too): each is handed to the run whose job it is, if any.
  events.on('progress', ({ jobId: id, data }: { jobId: string; data: unknown }) => {
    const p = data as Partial<BatchProgress> | null;
    if (typeof p === 'object' && p !== null && Number.isInteger(p.i) && p.result !== undefined) current?.take(id, [[p.i!, p.result]]);
  });
  events.on('completed', ({ jobId: id, returnvalue }: { jobId: string; returnvalue: unknown }) => {
    const seen = unseen.delete(id);
    current?.completed(id, returnvalue);
    if (seen) stored.push(id);
  });
  events.on('failed', ({ jobId: id, failedReason }: { jobId: string; failedReason: string }) => {
    const run = current;
    if (run === null || !run.jobs.has(id)) return;
    // In the failed set, it is over for BullMQ: its attempts are used up, or it stalled more often
    // than the workers allow (whatever its attempts). Anywhere else it waits for a retry.
    Promise.all([queue.getJob(id), queue.getJobState(id)]).then(
      ([job, state]) => {
        if (current !== run) return;
        if (job && state === 'failed' && failedReason.includes(ABANDONED)) requeueDropped([job]);
        else if (job && state === 'failed') run.end(failure(job, failedReason));
        else say(`warning: a worker failed a job (${failedReason}); it will be retried`);
      },
      // Not an unhandled rejection: a lookup cut by the connection closing ends the run with its reason.
      (e: unknown) => run.end(e as Error),
    );
  });
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
      // A job whose results all came (as it went) completes a moment later: waited for, briefly, so
      // that its return value is dropped from Redis with the others.
      for (const t0 = Date.now(); [...unseen].some((id) => !outstanding.has(id)) && Date.now() - t0 < 2000; ) await new Promise((r) => setTimeout(r, 20));
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
  let olderWorkers = false;

  return {
    run: (tasks, onResult) =>
      new Promise<void>((resolve, reject) => {
        if (broken) return reject(broken);
        const pending = new Map(tasks.map((t) => [t.key, t]));
        const jobs = new Map<string, readonly EvalTask[]>();
        let finished = false;
        const end = (e: Error | null) => {
          if (finished) return;
          finished = true;
          current = null;
          if (e) reject(e);
          else resolve();
        };
        const take = (id: string, results: readonly (readonly [number, unknown])[]) => {
          const batch = jobs.get(id);
          if (batch === undefined || finished) return;
          for (const [i, value] of results) {
            const task = batch[i];
            if (task === undefined || !pending.has(task.key)) continue;
            pending.delete(task.key);
            try {
              onResult(task.key, fromWire((typeof value === 'string' ? JSON.parse(value) : value) as WireResult));
            } catch (e) {
              return end(e as Error);
            }
          }
          if (batch.every((t) => !pending.has(t.key))) outstanding.delete(id);
          if (pending.size === 0) end(null);
        };
        const completed = (id: string, value: unknown) => {
          const batch = jobs.get(id);
          if (batch === undefined || finished) return;
          take(id, resultsOf(value));
          if (finished) return;
          if (batch.some((t) => pending.has(t.key))) {
            // A worker of an earlier version evaluates a job's first candidate only; or this job's
            // other results were reported by an attempt whose reports this coordinator did not see.
            if (!olderWorkers) say(`note: a job completed without the results of ${batch.filter((t) => pending.has(t.key)).length} of its ${batch.length} candidates (a worker of an earlier version takes one candidate a job); they are queued again`);
            olderWorkers = true;
            again(run, [id], true).catch((e: unknown) => end(e as Error));
          } else jobs.delete(id);
        };
        const run: RunState = { pending, jobs, take, completed, end };
        current = run;
        if (tasks.length === 0) return end(null);
        void (async () => {
          // How many workers there are now (BullMQ lists their connections): the jobs are sized for them.
          const workers = await queue.getWorkersCount().catch(() => 0);
          const batches = batchesOf(tasks, o.candlesPerCandidate ?? BATCH_CANDLES, workers).map((b) => ({ id: jobId(runId, b.map((t) => t.key)), tasks: b }));
          const added = await queueBatches(run, batches);
          // A job that had finished before this coordinator listened (a resumed run): its stored return value.
          await collect(added.map((j) => j.id!));
        })().catch((e: unknown) => end(e as Error));
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

/** A job as the coordinator queues it: its id and its candidates. */
interface Batch {
  readonly id: string;
  readonly tasks: readonly EvalTask[];
}

/** What a worker returns: a batch's results, or (a worker of an earlier version, or a job of an earlier coordinator) one candidate's. */
type Returned = BatchResult | WireResult | CandidateResult;

/** A job's return value as (index in its tasks, result) pairs: a worker of an earlier version returns its first candidate's result alone. */
function resultsOf(value: unknown): readonly (readonly [number, unknown])[] {
  let v: unknown = value;
  try {
    if (typeof value === 'string') v = JSON.parse(value);
  } catch {
    return []; // not a result: the job's candidates are queued again
  }
  if (typeof v !== 'object' || v === null) return [];
  if (Array.isArray((v as BatchResult).results)) return (v as BatchResult).results;
  return Array.isArray((v as WireResult).windows) ? [[0, v]] : [];
}
