import { Worker } from 'node:worker_threads';
import type { LadderConfig } from '../core/config/index.ts';
import { tsWorkerCode } from '../strategy/ts-worker.ts';
import { type EvalTask, settingsOf } from './candidate.ts';
import type { Dataset } from './dataset.ts';
import { type CandidateResult, type Engine, type StudyWindow, evaluateCandidate } from './evaluate.ts';

/** Where candidates are evaluated: threads on this machine, this thread, or a Redis queue (queue.ts). */
export interface Evaluator {
  /** Evaluates every task; `onResult` is called as each finishes (in any order). Rejects on the first error. */
  run(tasks: readonly EvalTask[], onResult: (key: string, result: CandidateResult) => void): Promise<void>;
  close(): Promise<void>;
}

export interface StudyData {
  readonly dataset: Dataset;
  readonly config: LadderConfig;
  readonly windows: readonly StudyWindow[];
  readonly engine?: Engine;
}

/** `true` in the bundled CLI (scripts/build-cli.ts defines it); not defined when the sources run. */
declare const LADDER_BUNDLED: boolean | undefined;

/**
 * What a pool thread runs: in the bundled CLI its own bundle, dist/pool-worker.js (built and checked
 * fresh with the rest of dist/ by bin/ladder.js); from the sources, pool-worker.ts through tsx, whose
 * loader then resolves and compiles every module again in each thread (≈ 0.4–0.6 s of CPU a thread
 * more, measured on this machine).
 */
function workerEntry(): string | URL {
  if (typeof LADDER_BUNDLED !== 'undefined' && LADDER_BUNDLED) return new URL('../../dist/pool-worker.js', import.meta.url);
  return tsWorkerCode(new URL('./pool-worker.ts', import.meta.url));
}

/** Tasks a pool's thread holds at most: the one it evaluates and the next. */
const AHEAD = 2;

/** Evaluates in this thread (one worker, tests, the queue worker). */
export function inlineEvaluator(s: StudyData): Evaluator {
  return {
    run: async (tasks, onResult) => {
      for (const t of tasks) {
        onResult(t.key, evaluateCandidate(s.dataset, settingsOf(s.config, t), s.windows, s.engine));
        await new Promise<void>((r) => setImmediate(r)); // let a progress line or a signal through
      }
    },
    close: async () => {},
  };
}

/**
 * A pool of up to `size` worker threads, each holding its own copy of the dataset. Threads are started
 * as a batch needs them: never more than there are tasks waiting (a thread costs its startup and a
 * copy of the dataset), and none for a run with nothing left to evaluate. A thread is handed its next
 * task while it evaluates one (at most `AHEAD` tasks each), as long as more tasks wait than there are
 * threads: it then starts the next the moment it answers, instead of waiting for this thread to read
 * its answer and post again (a round trip that a loaded machine makes long); the last tasks of a batch
 * go one at a time, so that no thread waits while another still holds two.
 */
export function threadPool(s: StudyData, size: number): Evaluator & { readonly threads: () => number; readonly inFlight: () => number } {
  const code = workerEntry();
  const workers: Worker[] = [];
  let starting = 0;
  /** Tasks posted to each started thread and not answered yet. */
  const load = new Map<Worker, number>();
  let closed = false;
  /** The batch being run, if any. */
  let job: { tasks: readonly EvalTask[]; next: number; busy: number; onResult: (key: string, r: CandidateResult) => void; resolve: () => void; reject: (e: Error) => void } | null = null;
  let broken: Error | null = null;

  const fail = (e: Error) => {
    broken ??= e;
    const j = job;
    job = null;
    j?.reject(e);
  };
  const dispatch = () => {
    const j = job;
    if (j === null) return;
    // First every thread without a task, then a second each while more tasks wait than there are threads.
    for (let depth = 1; depth <= AHEAD; depth++) {
      for (const [w, n] of load) {
        if (j.next === j.tasks.length || (depth > 1 && j.tasks.length - j.next <= load.size)) break;
        if (n >= depth) continue;
        j.busy++;
        load.set(w, n + 1);
        w.postMessage(j.tasks[j.next++]);
      }
    }
    if (j.next === j.tasks.length && j.busy === 0) {
      job = null;
      j.resolve();
      return;
    }
    // Tasks still waiting that no thread starting will take: start threads for them, up to `size`.
    while (!closed && workers.length < size && j.tasks.length - j.next > starting) start();
  };
  const start = () => {
    const w = typeof code === 'string' ? new Worker(code, { eval: true, workerData: s }) : new Worker(code, { workerData: s });
    workers.push(w);
    starting++;
    w.on('message', (m: { ready?: true; key?: string; result?: CandidateResult; error?: string }) => {
      if (m.ready) {
        starting--;
        load.set(w, 0);
      } else {
        load.set(w, load.get(w)! - 1);
        if (job !== null) {
          job.busy--;
          if (m.error !== undefined) return fail(new Error(`evaluating ${m.key}: ${m.error}`));
          try {
            job.onResult(m.key!, m.result!);
          } catch (e) {
            return fail(e as Error);
          }
        }
      }
      dispatch();
    });
    w.on('error', (e) => fail(e));
    w.on('exit', (code) => {
      if (!closed) fail(new Error(`a worker thread exited (code ${code})`));
    });
  };
  return {
    threads: () => workers.length,
    inFlight: () => {
      let n = 0;
      for (const x of load.values()) n += x;
      return n;
    },
    run: (tasks, onResult) =>
      new Promise<void>((resolve, reject) => {
        if (broken) return reject(broken);
        if (job !== null) return reject(new Error('the pool is already running a batch'));
        job = { tasks, next: 0, busy: 0, onResult, resolve, reject };
        dispatch();
      }),
    close: async () => {
      closed = true;
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
