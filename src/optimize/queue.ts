import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { type ConnectionOptions, type Job, Queue, QueueEvents } from 'bullmq';
import type { EvalTask } from './candidate.ts';
import type { CandidateResult } from './evaluate.ts';
import type { Evaluator } from './pool.ts';
import { describeRedis, pingRedis, redisOptions } from './redis-url.ts';
import type { StudySpec } from './study.ts';

export const QUEUE_NAME = 'ladder-optimize';
/** Where a run's spec waits for the workers (set once by the coordinator). */
export const studyKey = (runId: string) => `ladder:optimize:study:${runId}`;

/** What a job carries: the candidate's parameters and each input file's name and SHA-256, never candles. */
export interface JobData {
  readonly runId: string;
  readonly task: EvalTask;
  readonly files: readonly { readonly name: string; readonly sha256: string }[];
}

/** Every file a worker must hold, by base name, with its hash. */
export function studyFiles(spec: StudySpec): JobData['files'] {
  const i = spec.inputs;
  return [...i.data, ...i.detail, ...(i.markets ? [i.markets] : []), ...(i.signals ? [i.signals] : [])].map((f) => ({ name: basename(f.path), sha256: f.sha256 }));
}

/** A job id per (run, candidate): adding it twice adds one job, and a result already computed is found again. */
export const jobId = (runId: string, key: string) => `${runId}-${createHash('sha256').update(key).digest('hex').slice(0, 32)}`;

const ATTEMPTS = 5;

/** One clear error when Redis cannot be reached or refuses the password (before any BullMQ client exists). */
export async function reachable(connection: ConnectionOptions, url: string, flag = '--queue'): Promise<void> {
  try {
    await pingRedis(connection as Parameters<typeof pingRedis>[0]);
  } catch (e) {
    throw new Error(`${flag}: cannot reach Redis at ${describeRedis(url)} (${(e as Error).message})`);
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

/**
 * The coordinator's side of the queue: it puts the run's spec in Redis once, each candidate as one
 * job, and takes the results back from the completed jobs (events, and the job itself for one that
 * had finished before: a resumed coordinator). A job that failed all its attempts ends the run
 * with the worker's message.
 */
export async function queueCoordinator(url: string, runId: string, spec: StudySpec): Promise<Evaluator> {
  let connection: ConnectionOptions;
  try {
    connection = redisOptions(url, '--queue');
  } catch (e) {
    throw new Error((e as Error).message);
  }
  await reachable(connection, url);
  const queue = new Queue<JobData, CandidateResult>(QUEUE_NAME, { connection });
  const events = new QueueEvents(QUEUE_NAME, { connection });
  await connectOrFail([queue, events], url, '--queue');
  const client = await queue.client;
  await client.set(studyKey(runId), JSON.stringify(spec));
  await (client as unknown as { expire(k: string, s: number): Promise<number> }).expire(studyKey(runId), 30 * 86_400);
  const files = studyFiles(spec);
  return {
    run: (tasks, onResult) =>
      new Promise<void>((resolve, reject) => {
        const byJob = new Map(tasks.map((t) => [jobId(runId, t.key), t.key]));
        const pending = new Set(byJob.keys());
        let finished = false;
        const done = (key: string, id: string, value: unknown) => {
          if (!pending.delete(id) || finished) return;
          try {
            onResult(key, (typeof value === 'string' ? JSON.parse(value) : value) as CandidateResult);
          } catch (e) {
            return end(e as Error);
          }
          if (pending.size === 0) end(null);
        };
        const onCompleted = ({ jobId: id, returnvalue }: { jobId: string; returnvalue: unknown }) => {
          const key = byJob.get(id);
          if (key !== undefined) done(key, id, returnvalue);
        };
        const onFailed = async ({ jobId: id, failedReason }: { jobId: string; failedReason: string }) => {
          if (!byJob.has(id) || finished) return;
          const job = await queue.getJob(id);
          if (job && job.attemptsMade >= ATTEMPTS) end(new Error(`--queue: candidate ${byJob.get(id)} failed ${job.attemptsMade} times; last: ${failedReason}`));
          else process.stderr.write(`warning: a worker failed a job (${failedReason}); it will be retried\n`);
        };
        const end = (e: Error | null) => {
          if (finished) return;
          finished = true;
          events.off('completed', onCompleted);
          events.off('failed', onFailed);
          if (e) reject(e);
          else resolve();
        };
        events.on('completed', onCompleted);
        events.on('failed', onFailed);
        if (tasks.length === 0) return end(null);
        const opts = { attempts: ATTEMPTS, backoff: { type: 'fixed', delay: 1000 }, removeOnComplete: { age: 7 * 86_400 }, removeOnFail: { age: 7 * 86_400 } };
        queue
          .addBulk(tasks.map((task) => ({ name: 'candidate', data: { runId, task, files }, opts: { ...opts, jobId: jobId(runId, task.key) } })))
          // A job that had finished before this coordinator listened (a resumed run): its stored return value.
          .then((jobs: Job<JobData, CandidateResult>[]) => Promise.all(jobs.map((j) => queue.getJob(j.id!))))
          .then((jobs) => {
            for (const j of jobs) if (j?.finishedOn && j.returnvalue !== undefined && j.returnvalue !== null && !j.failedReason) done(j.data.task.key, j.id!, j.returnvalue);
          })
          .catch((e: unknown) => end(e as Error));
      }),
    close: async () => {
      await events.close();
      await queue.close();
    },
  };
}
