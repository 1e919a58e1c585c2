/**
 * Wall-clock timing of whole jobs: untimed warm-ups, then the median of several timed runs. Jobs
 * compared with each other run in turns (round robin, the starting job rotating each round), so a
 * burst of load from other processes on the machine hits all of them alike. Each result is dropped
 * as soon as it is timed (only the last round's are kept).
 *
 * `clock`: milliseconds, wall time by default; `cpuClock` counts only the CPU time the process got
 * (its threads', the garbage collector's included), which a machine shared with other work
 * steals less of than wall time.
 *
 * `collectBetweenRuns` adds an untimed full GC before every run (with `--expose-gc`): the 10M-candle
 * child uses it so that one run never shares the heap with the previous run's garbage (its peak RSS
 * is one run's). Not for short jobs: a forced full GC shrinks the young generation, and the next
 * ~50 ms run then pays to grow it again (measured: 60 → 100 ms on BTCUSDT 1h).
 */

export interface Timing {
  /** Milliseconds of each timed run, in run order. */
  readonly runsMs: readonly number[];
  readonly medianMs: number;
  readonly bestMs: number;
}

export interface Timed<T> {
  readonly timing: Timing;
  /** The result of the last run (every earlier result is dropped as soon as it is timed). */
  readonly last: T;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** A full garbage collection when the process runs with `--expose-gc`; else nothing. */
export function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** The process's CPU time (user + system, all its threads), ms: a `clock` for timeJobs on a busy machine. */
export function cpuClock(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

const timingOf = (runsMs: readonly number[]): Timing => ({ runsMs, medianMs: median(runsMs), bestMs: Math.min(...runsMs) });

function order(names: readonly string[], round: number): string[] {
  const k = round % names.length;
  return [...names.slice(k), ...names.slice(0, k)];
}

type SyncJobs = Record<string, () => unknown>;
type AsyncJobs = Record<string, () => Promise<unknown>>;

/**
 * Synchronous jobs, in turns: `warmups` untimed rounds, then `runs` timed ones. Synchronous on
 * purpose: a result that passed through an `await` can stay reachable from the suspended async
 * frame, and two 10M-candle results would then share the heap.
 */
export function timeJobs<J extends SyncJobs>(
  jobs: J,
  warmups: number,
  runs: number,
  collectBetweenRuns = false,
  clock: () => number = () => performance.now(),
): { [K in keyof J]: Timed<ReturnType<J[K]>> } {
  const names = Object.keys(jobs);
  if (names.length === 0 || runs < 1) throw new Error('timeJobs: nothing to time');
  const ms = new Map<string, number[]>(names.map((n) => [n, []]));
  const last = new Map<string, unknown>();
  for (let r = 0; r < warmups + runs; r++) {
    const final = r === warmups + runs - 1;
    for (const n of order(names, r)) {
      last.delete(n);
      if (collectBetweenRuns) collectGarbage();
      const t0 = clock();
      let result: unknown = jobs[n]!();
      const t = clock() - t0;
      if (r >= warmups) ms.get(n)!.push(t);
      if (final) last.set(n, result);
      // Cleared by hand: an interpreter register keeps a dead local alive into the next run.
      result = undefined;
    }
  }
  return Object.fromEntries(names.map((n) => [n, { timing: timingOf(ms.get(n)!), last: last.get(n) }])) as { [K in keyof J]: Timed<ReturnType<J[K]>> };
}

/**
 * timeJobs for asynchronous jobs (file loading). Deliberately a copy of timeJobs' loop, not a shared
 * helper: a version passing each result through a shared bookkeeping object kept one 10M-candle
 * result alive into the next run (peak RSS 1.38 → 2.15 GB, measured).
 */
export async function timeAsyncJobs<J extends AsyncJobs>(jobs: J, warmups: number, runs: number): Promise<{ [K in keyof J]: Timed<Awaited<ReturnType<J[K]>>> }> {
  const names = Object.keys(jobs);
  if (names.length === 0 || runs < 1) throw new Error('timeAsyncJobs: nothing to time');
  const ms = new Map<string, number[]>(names.map((n) => [n, []]));
  const last = new Map<string, unknown>();
  for (let r = 0; r < warmups + runs; r++) {
    const final = r === warmups + runs - 1;
    for (const n of order(names, r)) {
      last.delete(n);
      const t0 = performance.now();
      let result: unknown = await jobs[n]!();
      const t = performance.now() - t0;
      if (r >= warmups) ms.get(n)!.push(t);
      if (final) last.set(n, result);
      result = undefined;
    }
  }
  return Object.fromEntries(names.map((n) => [n, { timing: timingOf(ms.get(n)!), last: last.get(n) }])) as { [K in keyof J]: Timed<Awaited<ReturnType<J[K]>>> };
}

/** Items per second at the median run. */
export const ratePerS = (items: number, t: Timing): number => items / (t.medianMs / 1000);
