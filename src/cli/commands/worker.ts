import { stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename } from 'node:path';
import type { Job } from 'bullmq';
import type { Command } from 'commander';
import type { BatchProgress, BatchResult, JobData } from '../../optimize/queue.ts';
import type { EvalTask } from '../../optimize/candidate.ts';
import type { StudyData } from '../../optimize/pool.ts';
import type { StudySpec } from '../../optimize/study.ts';
import type { CandidateResult } from '../../optimize/evaluate.ts';
import type { WireResult } from '../../optimize/wire-result.ts';
import { CliError } from '../cli-error.ts';
import { fileInDataDir, studyInputFiles } from '../../optimize/file-names.ts';

interface WorkerCliOptions {
  queue: string;
  dataDir: string;
  concurrency: string;
  lockMs: string;
}

/** A run as a worker holds it: its data, and the result format its coordinator reads (wire-result.ts). */
type WorkerStudy = StudyData & { readonly resultFormat?: string };

/** The longest delay a Node timer takes (2^31 − 1 ms, about 24.8 days). */
const MAX_TIMER_MS = 2_147_483_647;

/** A refusal: this machine's copy of an input file is not the coordinator's. */
class DataMismatch extends Error {}

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description("Take `ladder optimize --queue` jobs from Redis and evaluate them on this machine's copy of the data")
    .requiredOption('--queue <url>', 'redis://[:password@]host:port (rediss:// for TLS), the coordinator\'s --queue')
    .requiredOption('--data-dir <dir>', 'directory holding the same input files as the coordinator, by name (where two share a name, in folders: BTCUSDT/1h; the coordinator prints the names)')
    .option('--concurrency <n>', 'jobs at once (one core each; run one worker process per core instead for CPU-bound work)', '1')
    .option('--lock-ms <ms>', 'job lock: a job of a worker that stops answering for this long is given to another worker', '30000')
    .action(async (o: WorkerCliOptions) => {
      // Imported on use, not when the command is registered: bullmq alone takes ≈ 0.17 s (issue 14).
      const [{ Worker, DelayedError, UnrecoverableError, isNotConnectionError }, { sha256CandleEntry }, { settingsOf }, { prepareDataset }, { evaluateCandidate }, { ABANDONED, QUEUE_NAME, aliveKey, connectOrFail, doneIndices, reachable, refusalsKey, studyKey }, { describeRedis, redisOptions }, { int, loadStudyInputs }, { watchRedis }, { resultForSpec }] =
        await Promise.all([
          import('bullmq'),
          import('../../data/candle-entry-hash.ts'),
          import('../../optimize/candidate.ts'),
          import('../../optimize/dataset.ts'),
          import('../../optimize/evaluate.ts'),
          import('../../optimize/queue.ts'),
          import('../../optimize/redis-url.ts'),
          import('./optimize.ts'),
          import('../../optimize/redis-watch.ts'),
          import('../../optimize/wire-result.ts'),
        ]);
      let connection;
      try {
        connection = redisOptions(o.queue, '--queue');
      } catch (e) {
        throw new CliError((e as Error).message);
      }
      // Plain decimal, as optimize's numbers (not 0x400 or 1e3). The lock is renewed by a timer and
      // Node's timers hold at most 2^31 − 1 ms: a longer one fires at once (TimeoutOverflowWarning).
      const lockMs = int('--lock-ms', o.lockMs, 500, MAX_TIMER_MS);
      const concurrency = int('--concurrency', o.concurrency, 1);
      // A directory that is not there would refuse every job, one by one: said once, at the start.
      const dir = await stat(o.dataDir).catch((e: NodeJS.ErrnoException) => e);
      if (dir instanceof Error) throw new CliError(`--data-dir: cannot read ${o.dataDir} (${dir.code ?? dir.message})`);
      if (!dir.isDirectory()) throw new CliError(`--data-dir: ${o.dataDir} is not a directory`);
      try {
        await reachable(connection, o.queue);
      } catch (e) {
        throw new CliError((e as Error).message);
      }
      /** Each run's data as loaded here, with the SHA-256 of the bytes it was loaded from (file name → hash). */
      const studies = new Map<string, Promise<WorkerStudy & { readonly hashes: ReadonlyMap<string, string> }>>();
      /** When this worker last took a job of each run it holds data or a refusal for, and whether the run has a heartbeat (to let go of runs no longer served). */
      const lastUsed = new Map<string, { at: number; heartbeat: boolean }>();
      /** Runs this worker refuses (its files differ): the message, and the files' stat when it was found (a file changed since is hashed again). */
      const refusedRuns = new Map<string, { readonly message: string; readonly stamp: string }>();
      /** Runs found abandoned (said once each). */
      const abandoned = new Set<string>();
      const me = `${hostname()}:${process.pid}`;

      /** Where a job's file is in --data-dir (its name may hold folders: `BTCUSDT/1h`); a name leading outside it is a refusal. */
      const localOf = (name: string): string => {
        const local = fileInDataDir(o.dataDir, name);
        if (local === null) throw new DataMismatch(`a job names the input file ${JSON.stringify(name)}, which is not a path inside --data-dir ${o.dataDir}: refusing the job`);
        return local;
      };
      /** The SHA-256 of each of the job's files as it is now on this machine (a file missing is a refusal). */
      const hashNow = (files: JobData['files']) =>
        Promise.all(
          files.map(async (f) => {
            const local = localOf(f.name);
            try {
              return { f, local, sha: await sha256CandleEntry(local) };
            } catch {
              throw new DataMismatch(`${local}: missing on this worker (the job needs ${f.name}, sha256 ${f.sha256.slice(0, 12)}…)`);
            }
          }),
        );
      const differs = (local: string, f: JobData['files'][number], sha: string) =>
        new DataMismatch(`${local}: differs from the coordinator's ${f.name} (sha256 here ${sha.slice(0, 12)}…, job ${f.sha256.slice(0, 12)}…): refusing the job`);

      /**
       * The run's data, loaded once per run. The hashes checked are those of the bytes loaded: each file
       * is hashed before and after it is read (no hash is kept from an earlier run: a file replaced
       * between two runs is seen), and a file that changed while it was read is read again.
       */
      const load = async (data: JobData, client: { get(k: string): Promise<string | null> }) => {
        let spec: (StudySpec & Pick<WorkerStudy, 'resultFormat'>) | undefined;
        for (let attempt = 1; ; attempt++) {
          const before = await hashNow(data.files);
          for (const { f, local, sha } of before) if (sha !== f.sha256) throw differs(local, f, sha);
          if (spec === undefined) {
            const text = await client.get(studyKey(data.runId));
            if (text === null) throw new Error(`run ${data.runId}: its spec is not in Redis (expired, or another Redis database)`);
            spec = JSON.parse(text) as StudySpec & Pick<WorkerStudy, 'resultFormat'>;
          }
          // A job names no hash of a strategy module (nor of its imports): this machine's copy could
          // not be checked, and another version would give other entries. A coordinator refuses
          // --queue for one; an earlier version did not on --resume.
          if (spec.config.strategy.name === 'module') {
            throw new DataMismatch(`its strategy is a module (${basename(spec.config.strategy.path)}), whose copy on this worker cannot be checked against the coordinator's (a job carries no hash of it): refusing the job; resume the run without --queue`);
          }
          // Each stored path by its job name: the job's files are the spec's, in studyInputFiles order (queue.ts studyFiles).
          const names = new Map(studyInputFiles(spec.inputs).map((f, i) => [f.path, data.files[i]?.name ?? basename(f.path)]));
          const input = await loadStudyInputs(spec, (p) => localOf(names.get(p) ?? basename(p)));
          const after = await hashNow(data.files);
          const changed = after.find((a, i) => a.sha !== before[i]!.sha);
          if (changed === undefined) {
            const hashes = new Map(before.map(({ f, sha }) => [f.name, sha]));
            return { dataset: prepareDataset(input.symbols, input.options), config: spec.config, windows: spec.windows, ...(spec.engine ? { engine: spec.engine } : {}), resultFormat: spec.resultFormat, hashes };
          }
          if (attempt === 3) throw new Error(`${changed.local}: changed while this worker read it, three times in a row`);
        }
      };

      const studyOf = async (job: Job<JobData>, client: { get(k: string): Promise<string | null> }): Promise<WorkerStudy> => {
        let s = studies.get(job.data.runId);
        if (!s) {
          s = load(job.data, client);
          studies.set(job.data.runId, s);
          s.catch(() => studies.delete(job.data.runId));
        }
        const study = await s;
        // Every job of a run names the same files; one that does not is checked against what was loaded.
        for (const f of job.data.files) {
          const sha = study.hashes.get(f.name);
          if (sha !== f.sha256) throw differs(localOf(f.name), f, sha ?? '(not loaded)');
        }
        return study;
      };

      /** The files' (size, mtime, ctime, inode) now: a refusal holds while they are the same (any change is hashed again). */
      const stampOf = async (files: JobData['files']) =>
        (
          await Promise.all(
            files.map(async (f) => {
              const local = fileInDataDir(o.dataDir, f.name);
              const st = local === null ? null : await stat(local, { bigint: true }).catch(() => null);
              return st ? `${st.size}/${st.mtimeNs}/${st.ctimeNs}/${st.ino}` : '-';
            }),
          )
        ).join(',');
      /** Lets go of a run's data (and refusal): the run ended, or this worker has not served it for a while. */
      const forget = (runId: string) => {
        studies.delete(runId);
        refusedRuns.delete(runId);
        lastUsed.delete(runId);
      };
      /** A job of a run whose coordinator keeps a heartbeat, and the heartbeat is gone: nobody waits for its result. */
      const isAbandoned = async (data: JobData, client: { get(k: string): Promise<string | null> }) => data.heartbeat === true && (await client.get(aliveKey(data.runId))) === null;
      /** How long a refused job waits before a worker takes it again (another worker with the right files, or this one with its files replaced). */
      const REFUSED_DELAY_MS = 5000;

      /** Candidates evaluated here (a job holds several). */
      let evaluated = 0;
      const worker = new Worker<JobData, BatchResult | WireResult | CandidateResult>(
        QUEUE_NAME,
        async (job, token) => {
          const client = await worker.client;
          const runId = job.data.runId;
          if (await isAbandoned(job.data, client)) {
            // Its coordinator was killed (or stopped without removing its jobs): dropped, not computed
            // nor refused, so that it neither delays nor stops the runs someone waits for. A resume of
            // the run queues it again.
            forget(runId);
            if (!abandoned.has(runId)) {
              abandoned.add(runId);
              process.stderr.write(`worker: run ${runId}: ${ABANDONED.replace('job dropped', 'dropping its jobs')}\n`);
            }
            throw new UnrecoverableError(`run ${runId}: ${ABANDONED}`);
          }
          lastUsed.set(runId, { at: Date.now(), heartbeat: job.data.heartbeat === true });
          const was = refusedRuns.get(runId);
          let study: WorkerStudy;
          try {
            const stamp = await stampOf(job.data.files);
            if (was && was.stamp === stamp) throw new DataMismatch(was.message);
            study = await studyOf(job, client).catch(async (e: unknown) => {
              if (!(e instanceof DataMismatch)) throw e;
              const message = `run ${runId}: ${e.message}`;
              if (refusedRuns.get(runId)?.message !== message) {
                process.stderr.write(`worker: ${message}; this run's jobs wait for a worker whose files are the coordinator's, and this worker goes on with other runs' jobs\n`);
                // Its coordinator says it too: otherwise a run whose only workers refuse it waits without a word.
                try {
                  await client.hset(refusalsKey(runId), { [me]: e.message });
                  await (client as unknown as { pexpire(k: string, ms: number): Promise<number> }).pexpire(refusalsKey(runId), 86_400_000);
                } catch {
                  // Redis went away: the watch says so; the refusal is said here all the same.
                }
              }
              refusedRuns.set(runId, { message, stamp });
              throw new DataMismatch(message);
            });
          } catch (e) {
            if (!(e instanceof DataMismatch)) throw e;
            // Not the job's fault: it waits a while (in the delayed set) without using one of its
            // attempts (a failure would: five stale workers would end the run for everyone), for a
            // worker with the right files; this worker takes other jobs meanwhile.
            await job.moveToDelayed(Date.now() + REFUSED_DELAY_MS, token);
            throw new DelayedError();
          }
          const evaluate = (t: EvalTask) => {
            evaluated++;
            return resultForSpec(study, evaluateCandidate(study.dataset, settingsOf(study.config, t), study.windows, study.engine));
          };
          const tasks = job.data.tasks;
          // A job of an earlier coordinator: one candidate, its result the return value.
          if (tasks === undefined) return evaluate(job.data.task);
          // A batch: each result is reported as soon as it is done (its coordinator stores it at
          // once), and those an earlier attempt reported (a worker killed mid-batch, or one whose
          // lock lapsed) are not evaluated again.
          const done = doneIndices(job.progress, tasks.length);
          const results: [number, WireResult | CandidateResult][] = [];
          const reports: Promise<void>[] = [];
          for (let i = 0; i < tasks.length; i++) {
            if (done.has(i)) continue;
            // Between two candidates, the job lock's renewal and Redis's answers get through.
            await new Promise<void>((r) => setImmediate(r));
            const result = evaluate(tasks[i]!);
            results.push([i, result]);
            done.add(i);
            // Sent now and answered while the next candidate is evaluated; a failed report fails the job (awaited below).
            const report = job.updateProgress({ i, result, done: [...done] } satisfies BatchProgress);
            report.catch(() => undefined);
            reports.push(report);
          }
          await Promise.all(reports);
          return { results } satisfies BatchResult;
        },
        { connection, concurrency, lockDuration: lockMs, stalledInterval: lockMs, maxStalledCount: 5, autorun: false },
      );
      await connectOrFail([worker], o.queue, '--queue');
      const where = describeRedis(o.queue);
      process.stderr.write(`worker: taking jobs from ${where} (data in ${o.dataDir})\n`);
      // A worker on another machine outlives a Redis restart: it says so once, BullMQ reconnects, and it takes jobs again.
      const client = await worker.client;
      const watch = watchRedis([client], {
        lost: () => process.stderr.write(`worker: lost the connection to Redis at ${where}; reconnecting every 2 s until it is back (Ctrl-C stops this worker)\n`),
        back: (ms) => process.stderr.write(`worker: Redis at ${where} is back after ${(ms / 1000).toFixed(0)} s; taking jobs again\n`),
      });
      // Connection and socket errors are the watch's to report; anything else is said, in words for the
      // ones a restart causes: the job in hand lost its lock or its key (the coordinator queues it again).
      const gone = new Set<string>();
      worker.on('error', (e: Error & { syscall?: string }) => {
        if (!isNotConnectionError(e) || e.syscall !== undefined) return;
        const lost = /^(?:Missing (?:key|lock) for job|could not renew lock for job) (\S+?)\.?(?: |$)/.exec(e.message);
        if (lost === null) process.stderr.write(`worker: ${e.message}\n`);
        else if (!gone.has(lost[1]!)) {
          gone.add(lost[1]!);
          process.stderr.write(`worker: job ${lost[1]} lost its lock in Redis (a restart, or a lock that expired: the job goes to a worker again); its result here is dropped\n`);
        }
      });
      let count = 0;
      worker.on('completed', () => void count++);
      // Memory: a long-lived worker lets go of the data of runs that ended (their heartbeat is gone) or
      // that it has not served for IDLE_MS (a coordinator of an earlier version keeps no heartbeat).
      const IDLE_MS = 10 * 60_000;
      let sweeping = false;
      const sweep = setInterval(() => {
        if (sweeping || !watch.up) return;
        sweeping = true;
        void (async () => {
          for (const [runId, u] of lastUsed) {
            const ended = u.heartbeat && (await client.get(aliveKey(runId))) === null;
            if (!ended && Date.now() - u.at < IDLE_MS) continue;
            const held = studies.has(runId);
            forget(runId);
            if (held) process.stderr.write(`worker: run ${runId} ${ended ? 'ended' : `had no job here for ${IDLE_MS / 60_000} min`}; its data is let go\n`);
          }
        })()
          .catch(() => undefined)
          .finally(() => void (sweeping = false));
      }, 5000);
      sweep.unref();
      await new Promise<void>((resolve, reject) => {
        const stop = () => {
          clearInterval(sweep);
          watch.stop();
          // A dead Redis cannot take the job in hand back nor answer QUIT: drop the connections instead of waiting.
          const force = !watch.up;
          if (force) client.disconnect();
          void worker.close(force).then(resolve, reject);
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        // An abandoned run's jobs are said once per run (above), not once per job.
        worker.on('failed', (job, e) => void (e.message.includes(ABANDONED) || process.stderr.write(`worker: job ${job?.id ?? '?'} failed: ${e.message}\n`)));
        worker.run().catch(reject);
      });
      process.stderr.write(`worker: stopped after ${count} jobs (${evaluated} candidates evaluated)\n`);
    });
}
