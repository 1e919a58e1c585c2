/**
 * `npx tsx bench/optimize-sweep.ts [--json] [--ladders N] [--queue-ladders N] [--quick]`: the
 * optimizer's speed (issue 15) on the ten real 1h files, each figure beside a baseline measured in
 * the same run:
 *
 * - `optimize_per_core_vs_backtest`: one thread replaying ladders (the optimizer's evaluation, the
 *   ten symbols on one balance) against `runBacktest` on the same candles the way
 *   `backtest_candles_per_s` runs it (each symbol alone, the strategy computed inside), in turns.
 * - `optimize_sweep_s` and `optimize_ladder_candles_per_s`: N ladders (default 1,000) × the ten
 *   symbols on the embedded worker-thread pool, all cores (after a warm-up batch).
 * - `queue_vs_embedded`: the same ladders through a real `redis-server` (free loopback port) to two
 *   `ladder worker` processes on this machine, against the embedded pool, in turns. Beside it (in
 *   the log line and `meta.queue`), the same turns by CPU time: what this process (the pool's threads,
 *   the coordinator), the workers and redis-server used during each turn, read from /proc, which
 *   other work on a shared machine does not change the way it changes wall time.
 *
 * Progress on stderr; with --json stdout is one JSON line (the summary on stderr). Never asserts a speed.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runBacktest } from '../src/backtest/engine.ts';
import { loadBacktestInputs } from '../src/cli/backtest-inputs.ts';
import { type LadderConfig, parseConfigText } from '../src/core/config/index.ts';
import { exitSettingsFromConfig } from '../src/core/scaled-tp/from-config.ts';
import { sha256File } from '../src/data/download/checksum.ts';
import { type Candidate, type EvalTask, taskOf } from '../src/optimize/candidate.ts';
import { prepareDataset, windowInputs } from '../src/optimize/dataset.ts';
import { candlesPerCandidate } from '../src/optimize/evaluate.ts';
import { studyWindows } from '../src/optimize/folds.ts';
import { type Evaluator, threadPool } from '../src/optimize/pool.ts';
import { queueCoordinator } from '../src/optimize/queue.ts';
import { pingRedis } from '../src/optimize/redis-url.ts';
import { Replayer } from '../src/optimize/replay/replayer.ts';
import { Search } from '../src/optimize/search.ts';
import { SpaceGrid } from '../src/optimize/space-grid.ts';
import { parseSpaceText } from '../src/optimize/space.ts';
import { STUDY_SPEC_VERSION, type StudySpec } from '../src/optimize/study.ts';
import { EXAMPLE_CONFIG, EXCHANGE_INFO, SYMBOLS_1H, klineFile } from './paths.ts';
import { BENCH_BALANCE, loadSetup, symbolInput } from './setup.ts';
import { cpuClock, ratePerS, timeJobs } from './timing.ts';

const { values: args } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    quick: { type: 'boolean', default: false },
    ladders: { type: 'string' },
    'queue-ladders': { type: 'string' },
  },
});
const quick = args.quick === true;
const LADDERS = Number(args.ladders ?? (quick ? 100 : 1000));
/** Ladders per turn of the queue comparison (two turns each, embedded and queue, alternating). */
const QUEUE_LADDERS = Number(args['queue-ladders'] ?? (quick ? 20 : 100));
/**
 * Jobs each worker runs before the turns: its first loads the files and the study, and its first
 * ~8 run 3–15× slower while V8 compiles the replay (measured per job: 511, 133, 86, 105, 88, 87, 62,
 * 53 ms, then ~30 ms). The pool is as warm by then (its warm-up batch and the sweep), so the turns
 * compare throughput, warm against warm; the workers' cold start is reported apart (queue_warmup_s).
 */
const QUEUE_WARM_PER_WORKER = 16;
/** Ladders per timed run of the one-thread replay; runs and warm-ups of the per-core comparison. */
const CORE_LADDERS = quick ? 4 : 10;
const RUNS = quick ? 3 : 5;
const WARMUPS = 2;
const SPACE_FILE = fileURLToPath(new URL('../examples/ladder-space.json', import.meta.url));
const ROOT = fileURLToPath(new URL('..', import.meta.url));

const log = (msg: string) => process.stderr.write(`optimize-sweep: ${msg}\n`);
const mps = (x: number) => `${(x / 1e6).toFixed(2)} M/s`;
const round = (x: number, digits = 4) => Number(x.toPrecision(digits));
const started = Date.now();
const loadBefore = loadavg();

// ---- Inputs: the example config on the ten 1h files, every signal an entry ----
// One slot per symbol and the benchmark's balance (as backtest_candles_per_s): no entry is refused
// for a slot or margin, so both sides of every comparison trade every signal.
const example = parseConfigText(await readFile(EXAMPLE_CONFIG, 'utf8'), EXAMPLE_CONFIG);
if (!example.ok) throw new Error(`${EXAMPLE_CONFIG}: invalid config`);
const config: LadderConfig = { ...example.value, max_open_positions: SYMBOLS_1H.length, backtest: { ...example.value.backtest, starting_balance: BENCH_BALANCE } };
const tmp = await mkdtemp(join(tmpdir(), 'ladder-bench-optimize-'));
const configFile = join(tmp, 'config.json');
await writeFile(configFile, JSON.stringify(config));
const dataFiles = SYMBOLS_1H.map((s) => klineFile(s, '1h'));
const input = await loadBacktestInputs({ config: configFile, data: dataFiles.join(','), markets: EXCHANGE_INFO });
const dataset = prepareDataset(input.symbols, input.options);
const candles = input.symbols.reduce((n, s) => n + s.candles.length, 0);
const first = Math.min(...input.symbols.map((s) => s.candles.time[0]!));
const end = Math.max(...input.symbols.map((s) => s.candles.time[s.candles.length - 1]! + s.candles.timeframeMs));
const win = studyWindows(first, end, null);
if (!win.ok) throw new Error(win.error);
const windows = win.value;

// Distinct random ladders of the example space (seed 1): warm-ups, then the timed sweep, then the queue turns.
const space = parseSpaceText(await readFile(SPACE_FILE, 'utf8'));
if (!space.ok) throw new Error(`${SPACE_FILE}: invalid space`);
const cores = availableParallelism();
const warm = 2 * cores;
const wanted = warm + LADDERS + 4 * QUEUE_LADDERS + 2 * QUEUE_WARM_PER_WORKER;
const drawn = new Search(new SpaceGrid(space.value, config), config, 'random', wanted, 1, 1).next(() => undefined) ?? [];
if (drawn.length < wanted) throw new Error(`the example space gave ${drawn.length} distinct valid ladders, ${wanted} wanted`);
const ladders: Candidate[] = drawn.map((p) => p.candidate);
let next = 0;
const take = (n: number): EvalTask[] => ladders.slice(next, (next += n)).map(taskOf);
log(`${SYMBOLS_1H.length} × 1h, ${candles.toLocaleString('en')} candles; ${cores} cores; load average ${loadBefore.map((x) => x.toFixed(2)).join(' ')}`);

// ---- Per core: the replay against runBacktest, in turns, in this thread ----
const setup = await loadSetup();
const series = input.symbols.map((s) => s.candles);
const core = ladders.slice(0, CORE_LADDERS);
const replayer = new Replayer(dataset, { ...dataset.options, sizingBalance: 'starting' });
let replayTrades = 0;
const perCore = timeJobs(
  {
    replay: () => {
      replayTrades = 0;
      // remember false: the sweep's one window (as every study's last) keeps no positions for a later one (evaluate.ts).
      for (const c of core) replayTrades += replayer.figures(c.settings, -Infinity, Infinity, false)!.rMultiples.length;
      return replayTrades;
    },
    backtest: () => series.map((c, k) => runBacktest([symbolInput(setup, c, SYMBOLS_1H[k]!)], setup.scaled).trades.length),
    full: () => runBacktest(windowInputs(dataset, -Infinity, Infinity), { ...dataset.options, settings: core[0]!.settings, sizingBalance: 'starting' }).trades.length,
  },
  WARMUPS,
  RUNS,
);
const replayRate = ratePerS(CORE_LADDERS * candles, perCore.replay.timing);
const backtestRate = ratePerS(candles, perCore.backtest.timing);
const fullRate = ratePerS(candles, perCore.full.timing);
log(`one thread: replay ${mps(replayRate)} (${Math.round(replayTrades / CORE_LADDERS)} trades a ladder), runBacktest per symbol ${mps(backtestRate)}, runBacktest 10 symbols ${mps(fullRate)}`);

// ---- The sweep: embedded pool, all cores ----
const t0 = performance.now();
const pool = threadPool({ dataset, config, windows }, cores);
const run = async (e: Evaluator, tasks: readonly EvalTask[]): Promise<number> => {
  const t = performance.now();
  let n = 0;
  await e.run(tasks, () => void n++);
  if (n !== tasks.length) throw new Error(`${n} results for ${tasks.length} tasks`);
  return (performance.now() - t) / 1000;
};
await run(pool, take(warm));
const poolStartS = (performance.now() - t0) / 1000;
log(`pool of ${cores} threads started and warmed in ${poolStartS.toFixed(1)} s; sweep of ${LADDERS} ladders…`);
const sweepS = await run(pool, take(LADDERS));
const sweepRate = (LADDERS * candles) / sweepS;
log(`sweep: ${LADDERS} ladders in ${sweepS.toFixed(1)} s, ${mps(sweepRate)}`);

// ---- Queue: a real redis-server and two `ladder worker` processes, against the embedded pool ----
const freePort = () =>
  new Promise<number>((done, fail) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => done(port));
    });
    s.on('error', fail);
  });
const until = async (what: string, f: () => Promise<boolean>, ms: number) => {
  const t = Date.now();
  while (!(await f())) {
    if (Date.now() - t > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};
const children: ChildProcess[] = [];
/** Clock ticks a second of /proc/PID/stat's times. */
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));
/** CPU time (user + system) of a process, ms; 0 once it is gone. */
const procCpuMs = (pid: number | undefined): number => {
  try {
    // Fields after the command's closing parenthesis: utime and stime are the 12th and 13th.
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK;
  } catch {
    return 0;
  }
};
/** CPU time used so far by this process (every thread) and every child (workers, redis-server), ms. */
const cpuOfAll = () => cpuClock() + children.reduce((ms, c) => ms + procCpuMs(c.pid), 0);
/** A turn timed by wall time and by the CPU time of everything the bench started. */
/** The CPU time of each part, ms: this process (the pool's threads, the coordinator), the workers, redis-server (children[0]). */
const cpuParts = () => [cpuClock(), children.slice(1).reduce((ms, c) => ms + procCpuMs(c.pid), 0), procCpuMs(children[0]?.pid)] as const;
/** Each queue turn's CPU time by part (cpuParts), ms. */
const queueCpuParts: number[][] = [];
const timedTurn = async (e: Evaluator, tasks: readonly EvalTask[], cpuMs: number[], parts?: number[][]): Promise<number> => {
  const c0 = cpuOfAll();
  const p0 = cpuParts();
  const s = await run(e, tasks);
  cpuMs.push(cpuOfAll() - c0);
  parts?.push(cpuParts().map((x, i) => x - p0[i]!));
  return s;
};
let queueCpuMs: number[] = [];
let embeddedCpuMs: number[] = [];
let queueRatio = NaN;
let queueS: number[] = [];
let queueWarmS = NaN;
let embeddedS: number[] = [];
try {
  const port = await freePort();
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  children.push(redis);
  await until('redis-server', () => pingRedis({ host: '127.0.0.1', port }).then(() => true, () => false), 10_000);
  const url = `redis://127.0.0.1:${port}`;
  // The workers' data directory: the same files, by name.
  const dir = join(tmp, 'data');
  await import('node:fs/promises').then((fs) => fs.mkdir(dir));
  for (const f of [...dataFiles, EXCHANGE_INFO]) await symlink(f, join(dir, basename(f)));
  const hashed = async (path: string) => ({ path, sha256: await sha256File(path) });
  const spec: StudySpec = {
    version: STUDY_SPEC_VERSION,
    method: 'random',
    trials: LADDERS,
    seed: 1,
    objective: 'sharpe',
    minTrades: 30,
    folds: null,
    space: space.value,
    config,
    inputs: { config: configFile, data: await Promise.all(dataFiles.map(hashed)), markets: await hashed(EXCHANGE_INFO), signals: null, detail: [] },
    windows,
  };
  for (let k = 0; k < 2; k++) {
    const w = spawn(process.execPath, ['bin/ladder.js', 'worker', '--queue', url, '--data-dir', dir], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    w.stderr!.on('data', (b: Buffer) => {
      if (/failed|error/i.test(b.toString())) log(`worker ${k + 1}: ${b.toString().trim()}`);
    });
    children.push(w);
  }
  const queue = await queueCoordinator(url, `bench${Date.now().toString(36)}`, spec, { downLimitMs: 60_000, candlesPerCandidate: candlesPerCandidate(dataset, windows) });
  try {
    queueWarmS = await run(queue, take(2 * QUEUE_WARM_PER_WORKER));
    for (let turn = 0; turn < 2; turn++) {
      // In turns, the starter alternating: a burst of load from elsewhere hits both alike.
      const pair = [async () => embeddedS.push(await timedTurn(pool, take(QUEUE_LADDERS), embeddedCpuMs)), async () => queueS.push(await timedTurn(queue, take(QUEUE_LADDERS), queueCpuMs, queueCpuParts))];
      for (const f of turn === 0 ? pair : pair.reverse()) await f();
    }
  } finally {
    await queue.close();
  }
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  queueRatio = sum(embeddedS) / sum(queueS);
  log(`queue: 2 workers ${queueS.map((s) => `${s.toFixed(1)} s`).join(', ')} against embedded ${embeddedS.map((s) => `${s.toFixed(1)} s`).join(', ')} for ${QUEUE_LADDERS} ladders: ${queueRatio.toFixed(3)}× the embedded throughput (after the workers' cold start: ${2 * QUEUE_WARM_PER_WORKER} ladders in ${queueWarmS.toFixed(1)} s)`);
  const cpuS = (xs: number[]) => xs.map((ms) => `${(ms / 1000).toFixed(1)} s`).join(', ');
  log(`queue by CPU time (this process, the workers, redis-server): ${cpuS(queueCpuMs)} against embedded ${cpuS(embeddedCpuMs)}: ${(sum(embeddedCpuMs) / sum(queueCpuMs)).toFixed(3)}× the embedded throughput per CPU second; the queue's turns by part: ${queueCpuParts.map((p) => `this process ${(p[0]! / 1000).toFixed(2)} s, workers ${(p[1]! / 1000).toFixed(2)} s, redis-server ${(p[2]! / 1000).toFixed(2)} s`).join('; ')}`);
} catch (e) {
  log(`queue comparison not run: ${(e as Error).message}`);
  queueS = [];
  embeddedS = [];
  queueCpuMs = [];
  embeddedCpuMs = [];
} finally {
  for (const c of children.reverse()) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await pool.close();
  await rm(tmp, { recursive: true, force: true });
}

const loadAfter = loadavg();
const perCoreRatio = replayRate / backtestRate;
const lines = [
  `Optimizer benchmark — ${new Date(started).toISOString().slice(0, 10)}, Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length}${quick ? ' (--quick)' : ''}`,
  `Ten 1h files (${candles.toLocaleString('en')} candles) on one balance, the example config with one slot per symbol; load average ${loadBefore[0]!.toFixed(2)} → ${loadAfter[0]!.toFixed(2)}.`,
  `optimize_per_core_candles_per_s   ${mps(replayRate)}  vs runBacktest per symbol ${mps(backtestRate)}: ${perCoreRatio.toFixed(2)}× (target ≥ 2×: ${perCoreRatio >= 2 ? 'met' : 'not met'}); vs runBacktest on the 10 symbols ${(replayRate / fullRate).toFixed(2)}×`,
  `optimize_sweep_s                  ${sweepS.toFixed(1)} s for ${LADDERS} ladders (${(LADDERS * candles / 1e6).toFixed(0)} M ladder-candles) on ${cores} threads (target < 10 s: ${sweepS < 10 ? 'met' : 'not met'})`,
  `optimize_ladder_candles_per_s     ${mps(sweepRate)}`,
  `queue_vs_embedded                 ${Number.isNaN(queueRatio) ? 'not measured' : `${queueRatio.toFixed(3)}× (target ≥ 0.85×: ${queueRatio >= 0.85 ? 'met' : 'not met'})`}`,
];
// With --json, stdout is the one JSON line (the summary goes to stderr).
(args.json ? process.stderr : process.stdout).write(`${lines.join('\n')}\n`);
if (args.json) {
  const json = {
    optimize_ladder_candles_per_s: round(sweepRate),
    optimize_sweep_s: round(sweepS),
    optimize_per_core_candles_per_s: round(replayRate),
    optimize_per_core_vs_backtest: round(perCoreRatio, 3),
    backtest_candles_per_s: round(backtestRate),
    optimize_per_core_vs_full_runs: round(replayRate / fullRate, 3),
    full_runs_candles_per_s: round(fullRate),
    queue_vs_embedded: Number.isNaN(queueRatio) ? null : round(queueRatio, 3),
    targets_met: {
      optimize_per_core_vs_backtest_2x: perCoreRatio >= 2,
      optimize_sweep_under_10_s: sweepS < 10,
      queue_within_15_pct: Number.isNaN(queueRatio) ? null : queueRatio >= 0.85,
    },
    meta: {
      date: new Date(started).toISOString(),
      node: process.version,
      cpu: cpus()[0]?.model ?? null,
      cores,
      quick,
      loadavg: { before: loadBefore.map((x) => round(x, 3)), after: loadAfter.map((x) => round(x, 3)) },
      symbols: SYMBOLS_1H.length,
      candles,
      ladders: LADDERS,
      trades_per_ladder: Math.round(replayTrades / CORE_LADDERS),
      per_core: { ladders_per_run: CORE_LADDERS, runs: RUNS, warmups: WARMUPS, median_ms: { replay: round(perCore.replay.timing.medianMs), backtest: round(perCore.backtest.timing.medianMs), full: round(perCore.full.timing.medianMs) } },
      pool_start_and_warmup_s: round(poolStartS),
      queue: { ladders_per_turn: QUEUE_LADDERS, warmup_jobs: 2 * QUEUE_WARM_PER_WORKER, warmup_s: Number.isNaN(queueWarmS) ? null : round(queueWarmS), queue_s: queueS.map((x) => round(x)), embedded_s: embeddedS.map((x) => round(x)), queue_cpu_s: queueCpuMs.map((x) => round(x / 1000)), embedded_cpu_s: embeddedCpuMs.map((x) => round(x / 1000)) },
    },
  };
  process.stdout.write(`${JSON.stringify(json)}\n`);
}
// The example config's own ladder is what backtest_candles_per_s runs; say so if it ever differs.
if (JSON.stringify(exitSettingsFromConfig(example.value)) !== JSON.stringify(setup.scaled.settings)) log('note: bench/setup.ts runs another ladder than the example config');
