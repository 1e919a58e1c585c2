import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { readFile, writeFile } from 'node:fs/promises';
import { availableParallelism, hostname } from 'node:os';
import type { Command } from 'commander';
import { sha256CandleEntry } from '../../data/candle-entry-hash.ts';
import { type StudyReport, analyzeStudy } from '../../optimize/analysis.ts';
import { counted } from '../../optimize/describe.ts';
import { type CandidateResult, ENGINES, type Engine, candlesPerCandidate, packedResult } from '../../optimize/evaluate.ts';
import { type FoldRequest, type FoldSpec, MAX_FOLDS, resolveFolds, studyWindows } from '../../optimize/folds.ts';
import { OBJECTIVES, type ObjectiveName } from '../../optimize/objectives.ts';
import { type Evaluator, inlineEvaluator, threadPool } from '../../optimize/pool.ts';
import { printStudy } from '../../optimize/print-study.ts';
import { stderrProgress } from '../../optimize/progress.ts';
import { candidatesThatFit, studyMemoryProblem } from '../../optimize/memory-budget.ts';
import { redisOptions } from '../../optimize/redis-url.ts';
import { METHODS, type Method, Search, countValidLadders, probeSpace } from '../../optimize/search.ts';
import { SpaceGrid } from '../../optimize/space-grid.ts';
import { parseSpaceText, spaceJsonSchema, specValues } from '../../optimize/space.ts';
import { type InputFile, RESUMABLE_SPEC_VERSIONS, STUDY_SPEC_VERSION, type StudySpec, runStudy } from '../../optimize/study.ts';
import { studyInputFiles } from '../../optimize/file-names.ts';
import { withFundingOption } from '../funding-inputs.ts';
import { type Dataset, everyEntryHasItsOwnStop, fundingInsideDetail, fundingModelled, prepareDataset } from '../../optimize/dataset.ts';
import type { OptimizeRunStore } from '../../store/optimize-runs.ts';
import { StoreError } from '../../store/store-error.ts';
import { formatConfigIssues } from '../../core/config/index.ts';
import { type BacktestArgs, type LoadedBacktest, consoleToStderr, loadBacktestInputs, withBacktestInputOptions } from '../backtest-inputs.ts';
import { checkReportPath, isDirectory, writeReport } from '../report-path.ts';
import { CliError, refuseEmptyValues, splitList } from '../cli-error.ts';

interface OptimizeCliOptions extends BacktestArgs {
  space?: string;
  method: string;
  trials: string;
  objective: string;
  minTrades: string;
  folds?: string;
  trainMonths?: string;
  testMonths?: string;
  anchored?: boolean;
  seed: string;
  workers?: string;
  engine: string;
  queue?: string;
  queueTimeout: string;
  resume?: string;
  db: string;
  report?: string;
  json?: boolean;
  top: string;
  spaceSchema?: boolean;
}

/** A whole number in plain decimal (`12`, not `0x3`, `3e0`, `1.0` or an empty value), within [min, max]. */
export const int = (flag: string, text: string, min: number, max = Number.MAX_SAFE_INTEGER): number => {
  const range = max === Number.MAX_SAFE_INTEGER ? `${min} or more` : `from ${min} to ${max}`;
  if (text.trim() === '') throw new CliError(`${flag}: empty value (give a whole number ${range})`);
  const n = /^-?\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) throw new CliError(`${flag}: must be a whole number ${range} (got ${JSON.stringify(text)})`);
  return n;
};

/** The options a run is made of (its stored spec): given with --resume, they are refused. */
const RUN_DEFINING = ['config', 'data', 'markets', 'symbol', 'signals', 'detail', 'funding', 'mark', 'from', 'to', 'space', 'method', 'trials', 'objective', 'minTrades', 'folds', 'trainMonths', 'testMonths', 'anchored', 'seed', 'engine'] as const;

export function registerOptimizeCommand(program: Command): void {
  const cmd = withFundingOption(withBacktestInputOptions(program.command('optimize').description('Search ladders for these entries, validated out of sample (walk-forward, deflated Sharpe, PBO)')))
    .option('--space <file>', 'search space JSON (see examples/ladder-space.json and space.schema.json)')
    .option('--method <name>', `search method: ${METHODS.join(', ')}`, 'random')
    .option('--trials <n>', 'ladders to evaluate (random, tpe)', '200')
    .option('--objective <name>', `what to maximise: ${OBJECTIVES.join(', ')}`, 'sharpe')
    .option('--min-trades <n>', 'fewer trades than this in a window disqualifies a ladder there', '30')
    .option('--folds <k>', 'walk-forward folds')
    .option('--train-months <m>', 'training window of each fold, months')
    .option('--test-months <t>', 'test window of each fold, months')
    .option('--anchored', 'training windows all start at the first month (default: rolling)')
    .option('--seed <s>', 'seed of the random and TPE searches', '1')
    .option('--workers <n>', `worker threads (default: ${availableParallelism()}, all cores; 0: this thread)`)
    .option('--engine <name>', `how candidates are evaluated: replay (each entry's position replayed through the core; the default) or full (runBacktest on every window, a cross-check: same results, slower)`, 'replay')
    .option('--queue <url>', 'put the work on a Redis queue (redis://[:password@]host:port, rediss:// for TLS) for `ladder worker`s')
    .option('--queue-timeout <s>', 'with --queue: how long Redis may stay unreachable before the run stops (exit 1; --resume continues it)', '60')
    .option('--resume <id>', 'resume a run stored in --db: evaluates only the ladders it has no result for')
    .option('--db <file>', "the optimizer's results database", 'ladder-optimize.db')
    .option('--report <file.html>', 'write a self-contained HTML report')
    .option('--json', 'print the whole study as JSON on stdout and nothing else')
    .option('--top <n>', 'ladders shown in the ranked table', '10')
    .option('--space-schema', 'print the JSON Schema of space.json and exit');
  cmd.options.find((x) => x.long === '--data')!.makeOptionMandatory(false);
  cmd.action(async (o: OptimizeCliOptions) => {
    if (o.spaceSchema) {
      process.stdout.write(`${JSON.stringify(spaceJsonSchema(), null, 2)}\n`);
      return;
    }
    // Every option is checked before anything is read, evaluated or stored (no database is created for a refused run).
    const opts = checkOptions(o, cmd);
    if (o.json) consoleToStderr();
    // A malformed or unreachable --queue is found before anything is read or stored (no run is stored for it).
    if (o.queue !== undefined) {
      let connection;
      try {
        connection = redisOptions(o.queue, '--queue');
      } catch (e) {
        throw new CliError((e as Error).message);
      }
      try {
        await (await import('../../optimize/queue.ts')).reachable(connection, o.queue);
      } catch (e) {
        throw new CliError((e as Error).message);
      }
    }
    // Imported on use, not when the command is registered: better-sqlite3, and bullmq (≈ 0.17 s) for --queue only (issue 14).
    const { openOptimizeRuns } = await import('../../store/optimize-runs.ts');
    // An existing --db is opened (and checked to be an optimizer database) now; a new one is created
    // only when the run is about to be stored, once every input has been read and checked.
    let store: OptimizeRunStore | null = o.resume !== undefined || existsSync(o.db) ? openOptimizeRuns(o.db) : null;
    /** The run this process holds (one process per run), given back at the end. */
    let locked: string | null = null;
    try {
      let started: { runId: string; spec: StudySpec; input: LoadedBacktest; dataset?: Dataset };
      let runs: OptimizeRunStore;
      if (o.resume !== undefined) {
        runs = store!;
        started = await resumeSpec(runs, o.resume, (id) => (locked = takeRun(runs, id)), o.queue);
      } else {
        const planned = await newSpec(o, opts.run!);
        runs = store ??= openOptimizeRuns(o.db);
        const runId = randomBytes(4).toString('hex');
        runs.createRun(runId, planned.spec, Date.now());
        locked = takeRun(runs, runId);
        started = { runId, ...planned };
      }
      const { runId, spec, input } = started;
      process.stderr.write(`run ${runId} (results in ${o.db}; resume with: ladder optimize --resume ${runId} --db ${o.db})\n`);
      for (const n of input.notes) process.stderr.write(`note: ${n}\n`);
      const dataset = started.dataset ?? prepareDataset(input.symbols, input.options);
      const engine: Engine = spec.engine ?? 'replay';
      const funding = fundingModelled(dataset);
      const inFull = engine === 'full' || fundingInsideDetail(dataset);
      if (inFull && engine === 'replay') process.stderr.write('note: funding with --detail (charged at the detail candle opening at each settlement): every candidate window is run in full by runBacktest, as --engine full does (the replay does not follow it): several times slower\n');
      const data = { dataset, config: spec.config, windows: spec.windows, engine };
      const evaluator: Evaluator = o.queue ? await (await import('../../optimize/queue.ts')).queueCoordinator(o.queue, runId, spec, { downLimitMs: opts.downLimitMs, db: o.db, candlesPerCandidate: candlesPerCandidate(dataset, spec.windows) }) : opts.workers === 0 ? inlineEvaluator(data) : threadPool(data, opts.workers);
      const progress = stderrProgress(`${spec.method} (${inFull ? 'full runBacktest' : 'replay'})`);
      const t0 = performance.now();
      let outcome;
      try {
        outcome = await runStudy(spec, evaluator, {
          // Packed as each row is read: a resumed run's results never sit in memory twice.
          stored: () => {
            const m = new Map<string, CandidateResult>();
            runs.eachResult(runId, (r) => m.set(r.key, packedResult(r.result as CandidateResult)));
            return m;
          },
          save: (key, seq, origin, result) => void runs.saveResult(runId, { key, seq, origin, result }, Date.now()),
        }, progress);
      } finally {
        progress.end();
        await evaluator.close();
      }
      const seconds = (performance.now() - t0) / 1000;
      const report = analyzeStudy(runId, spec, outcome);
      const ev = report.evaluation;
      process.stderr.write(
        `${outcome.evaluatedNow} evaluated now, ${outcome.fromStore} from ${o.db}, in ${seconds.toFixed(1)} s; ` +
          `${ev.engine === 'replay' ? `replayed ${ev.windows - ev.windows_run_in_full} of ${ev.windows} candidate windows, ${ev.windows_run_in_full} run in full` : `all ${ev.windows} candidate windows run in full (--engine full)`}\n`,
      );
      if (o.report) {
        const { renderOptimizeReport } = await import('../../web/optimize-report.ts');
        // Checked before the study (checkReportPath), a folder can still refuse the file (a read-only
        // mount, /proc): the results are stored, so say how to write it without evaluating them again.
        const html = renderOptimizeReport(report, `Ladder optimize — ${input.symbols.map((s) => s.symbol).join(', ')}`);
        await writeReport(o.report, html, '--report', `; the results are stored in ${o.db}: ladder optimize --resume ${runId} --db ${o.db} --report FILE.html writes it without evaluating them again`);
        process.stderr.write(`report: ${o.report}\n`);
      }
      if (o.json) {
        process.stdout.write(`${JSON.stringify(report)}\n`);
        return;
      }
      process.stdout.write(`Optimize ${input.symbols.map((s) => s.symbol).join(', ')}: ${spec.method}, ${counted(report.ladders_evaluated, 'ladder')}, objective ${spec.objective}, seed ${spec.seed}${funding ? ', funding charged (--funding)' : ', funding not charged (no --funding)'}\n`);
      printStudy(report, opts.top, (s) => process.stdout.write(s));
    } finally {
      if (locked !== null) store?.unlockRun(locked, ME);
      store?.close();
    }
  });
}

/** This process, as a run's lock names it. */
const ME = { pid: process.pid, host: hostname(), startedAtMs: Date.now() };

/**
 * Takes the run for this process: a second coordinator of a run (two --resume at once) is refused at
 * once, naming the other process; a lock left by a killed one is taken over, and said.
 */
function takeRun(store: OptimizeRunStore, runId: string): string {
  let took;
  try {
    took = store.lockRun(runId, { ...ME, startedAtMs: Date.now() });
  } catch (e) {
    if (e instanceof StoreError && e.code === 'store_in_use') throw new CliError(`--resume: ${e.message}`);
    throw e;
  }
  const t = took.tookOverFrom;
  if (t !== null) process.stderr.write(`note: run ${runId} was last run by pid ${t.pid} on ${t.host} (since ${new Date(t.startedAtMs).toISOString()}), which no longer runs: continuing it here\n`);
  return runId;
}

/** What a new run is made of, checked (the options stored with it; a resumed run has its own). */
interface RunOptions {
  readonly data: string;
  readonly space: string;
  readonly method: Method;
  readonly engine: Engine;
  readonly objective: ObjectiveName;
  readonly trials: number;
  readonly seed: number;
  readonly minTrades: number;
  /** Any of the three may be left out: the data's span decides it (resolveFolds), once the data is read. */
  readonly folds: FoldRequest | null;
}

/**
 * Every option, checked before any file is read or any database opened: one error naming the
 * option. The run-defining ones only for a new run (with --resume they are refused when given).
 */
function checkOptions(o: OptimizeCliOptions, cmd: Command): { workers: number; downLimitMs: number; top: number; run: RunOptions | null } {
  refuseEmptyValues(cmd);
  if (o.report !== undefined) checkReportPath(o.report);
  const cores = availableParallelism();
  let workers = cores;
  if (o.workers !== undefined) {
    workers = int('--workers', o.workers, 0);
    if (workers > cores) throw new CliError(`--workers: at most ${cores}, this machine's cores (got ${workers}): more threads than cores only share them, each with its own copy of the candles`);
  }
  const downLimitMs = int('--queue-timeout', o.queueTimeout, 1, 86_400) * 1000;
  const top = int('--top', o.top, 1);
  if (isDirectory(o.db)) throw new CliError(`--db: ${o.db} is a directory; give the optimizer's database file (e.g. ${join(o.db, 'ladder-optimize.db')})`);
  // Written once the study is done, the report would replace the database its results were just stored in.
  if (o.report !== undefined && resolve(o.report) === resolve(o.db)) throw new CliError(`--report: ${o.report} is the --db file: the report would overwrite the stored results; give the report another file`);
  if (o.resume !== undefined) {
    // A resumed run is the stored one: options that would make it another run are refused, not ignored.
    const given = RUN_DEFINING.filter((name) => cmd.getOptionValueSource(name) === 'cli');
    if (given.length) {
      const flags = given.map((n) => `--${n.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(', ');
      throw new CliError(`--resume: a resumed run keeps the options stored with it; ${flags} would make it another run (drop ${given.length === 1 ? 'it' : 'them'}, or start a new run without --resume)`);
    }
    if (!existsSync(o.db)) throw new CliError(`--resume: no results database ${o.db} (give the --db the run was started with)`);
    return { workers, downLimitMs, top, run: null };
  }
  if (!o.data) throw new CliError('--data: required (candle file(s), comma-separated), unless --resume is given');
  if (!o.space) throw new CliError('--space: required (a search space JSON, see examples/ladder-space.json), unless --resume is given');
  if (!(METHODS as readonly string[]).includes(o.method)) throw new CliError(`--method: must be one of ${METHODS.join(', ')} (got ${JSON.stringify(o.method)})`);
  if (!(ENGINES as readonly string[]).includes(o.engine)) throw new CliError(`--engine: must be one of ${ENGINES.join(', ')} (got ${JSON.stringify(o.engine)})`);
  if (!(OBJECTIVES as readonly string[]).includes(o.objective)) throw new CliError(`--objective: must be one of ${OBJECTIVES.join(', ')} (got ${JSON.stringify(o.objective)})`);
  const trials = int('--trials', o.trials, 1, 1_000_000);
  // A grid is every ladder of the space: a number of trials would be ignored (50 asked, 70,000 run).
  if (o.method === 'grid' && cmd.getOptionValueSource('trials') === 'cli') throw new CliError(`--trials: --method grid evaluates every ladder of the space, so --trials ${o.trials} would be ignored: drop it, or use --method random or tpe to evaluate that many`);
  const seed = int('--seed', o.seed, 0, 2 ** 32 - 1);
  const minTrades = int('--min-trades', o.minTrades, 0);
  let folds: FoldRequest | null = null;
  if (o.folds !== undefined || o.trainMonths !== undefined || o.testMonths !== undefined || o.anchored) {
    folds = {
      ...(o.folds === undefined ? {} : { folds: int('--folds', o.folds, 1, MAX_FOLDS) }),
      ...(o.trainMonths === undefined ? {} : { trainMonths: int('--train-months', o.trainMonths, 1, 600) }),
      ...(o.testMonths === undefined ? {} : { testMonths: int('--test-months', o.testMonths, 1, 600) }),
      anchored: o.anchored === true,
    };
  }
  // Where a new database would go must be a folder (or one that can be made): said now, not after the data is read.
  for (let dir = dirname(resolve(o.db)); ; dir = dirname(dir)) {
    if (existsSync(dir)) {
      if (!isDirectory(dir)) throw new CliError(`--db: ${dir} is not a folder, so ${o.db} cannot be created there`);
      break;
    }
    if (dirname(dir) === dir) break;
  }
  return { workers, downLimitMs, top, run: { data: o.data, space: o.space, method: o.method as Method, engine: o.engine as Engine, objective: o.objective as ObjectiveName, trials, seed, minTrades, folds } };
}


async function hashed(path: string): Promise<InputFile> {
  try {
    return { path, sha256: await sha256CandleEntry(path) };
  } catch (e) {
    throw new CliError(`${path}: cannot read (${(e as Error).message})`);
  }
}

/**
 * The local files a strategy module imports, directly or not, each with its hash: a run resumes
 * only while they are unchanged too (a changed helper is a changed strategy). Packages are not.
 */
async function hashedImports(moduleFile: string): Promise<InputFile[]> {
  const { moduleFiles } = await import('../../strategy/module-files.ts');
  let files: string[];
  try {
    files = await moduleFiles(resolve(moduleFile));
  } catch (e) {
    throw new CliError(`${moduleFile}: cannot tell which files the strategy module imports (${(e as Error).message.split('\n')[0]})`);
  }
  return Promise.all(files.slice(1).map(hashed));
}

/** A new run's spec, every input read and checked; nothing is stored yet. */
async function newSpec(o: OptimizeCliOptions, r: RunOptions): Promise<{ spec: StudySpec; input: LoadedBacktest; dataset: Dataset }> {
  const { trials, seed, minTrades } = r;
  const foldRequest = r.folds;
  let text: string;
  try {
    text = await readFile(r.space, 'utf8');
  } catch (e) {
    throw new CliError(`--space: cannot read ${o.space} (${(e as Error).message})`);
  }
  const space = parseSpaceText(text);
  // One line per problem, each printed as an error (`ladder: space.json:4:37: profit_pct[0].step: …`).
  if (!space.ok) throw new CliError(formatConfigIssues(space.error, r.space).join('\n'));
  const input = await loadBacktestInputs(o);
  refuseModuleOnQueue(o.queue, input.config);
  // The files the entries come from, resolved as `backtest` reads them (a config's own path from its
  // folder, --signals from the working directory): the run hashes, stores and resumes on those files.
  const strategy = input.config.strategy;
  const signalsFile = o.signals ?? (strategy.name === 'signals' ? fromConfigFolder(o.config, strategy.file) : undefined);
  const moduleFile = !o.signals && strategy.name === 'module' ? fromConfigFolder(o.config, strategy.path) : undefined;
  const firstMs = Math.min(...input.symbols.map((s) => s.candles.time[0]!));
  const endMs = Math.max(...input.symbols.map((s) => s.candles.time[s.candles.length - 1]! + s.candles.timeframeMs));
  let folds: FoldSpec | null = null;
  if (foldRequest !== null) {
    const resolved = resolveFolds(firstMs, endMs, foldRequest);
    if (!resolved.ok) throw new CliError(resolved.error);
    folds = resolved.value;
    const given = foldRequest.folds !== undefined && foldRequest.trainMonths !== undefined && foldRequest.testMonths !== undefined;
    if (!given) process.stderr.write(`optimize: walk-forward with --folds ${folds.folds} --train-months ${folds.trainMonths} --test-months ${folds.testMonths}${folds.anchored ? ' --anchored' : ''} (what was not given, worked out from the data's whole months)\n`);
  }
  const windows = studyWindows(firstMs, endMs, folds);
  if (!windows.ok) throw new CliError(windows.error);
  const spec: StudySpec = {
    version: STUDY_SPEC_VERSION,
    method: o.method as Method,
    trials,
    seed,
    objective: o.objective as ObjectiveName,
    minTrades,
    folds,
    space: space.value,
    config: input.config,
    inputs: {
      config: (await hashed(o.config)).path,
      data: await Promise.all(splitList(o.data).map(hashed)),
      markets: o.markets ? await hashed(o.markets) : null,
      signals: signalsFile ? await hashed(signalsFile) : null,
      ...(moduleFile ? { module: await hashed(moduleFile), moduleImports: await hashedImports(moduleFile) } : {}),
      detail: await Promise.all(splitList(o.detail).map(hashed)),
      ...(o.funding ? { funding: await Promise.all(splitList(o.funding).map(hashed)) } : {}),
      ...(o.mark ? { mark: await Promise.all(splitList(o.mark).map(hashed)) } : {}),
      ...(o.symbol ? { symbol: o.symbol } : {}),
      ...(o.from ? { from: o.from } : {}),
      ...(o.to ? { to: o.to } : {}),
    },
    windows: windows.value,
    ...(o.engine === 'full' ? { engine: 'full' as const } : {}),
  };
  // The entries, read once here, after every input file is hashed (a strategy is read from its first candle on, once).
  const dataset = prepareDataset(input.symbols, input.options);
  // A stop every entry overrides makes copies of each ladder (the same trades, counted as more trials).
  const stops = space.value.stop_loss_pct === undefined ? 1 : specValues(space.value.stop_loss_pct).length;
  if (stops > 1 && everyEntryHasItsOwnStop(dataset)) {
    throw new CliError(`${r.space}: stop_loss_pct: every entry of this run has a stop of its own (the strategy's atr_stop_mult, a signals file's stop_loss_pct, or a strategy module's stopLossPct), so stop_loss_pct changes no trade: its ${stops} values would be ${stops} copies of each ladder. Give it one value, or leave it out`);
  }
  let grid: SpaceGrid;
  try {
    // Checked now, not at the first candidate: a space whose grid is too large is a usage error, named with its file.
    grid = new SpaceGrid(spec.space, spec.config);
    new Search(grid, spec.config, spec.method, trials, seed, 1);
  } catch (e) {
    throw new CliError(`${r.space}: ${(e as Error).message}`);
  }
  // So is a space without one valid ladder: the run would only evaluate the references. A grid is
  // checked whole (it is walked whole); a sampled miss is only a warning (the search draws its own).
  const probe = probeSpace(grid, spec.config, seed, spec.method === 'grid' ? grid.size : undefined);
  if (!probe.found) {
    const why = [...probe.invalid].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${v} × ${k}`).join('; ');
    if (probe.exhaustive) throw new CliError(`${o.space}: none of the ${probe.tried} ladders of this space is a valid config with ${o.config} (${why})`);
    process.stderr.write(`warning: ${o.space}: none of ${probe.tried} ladders drawn from this space is a valid config with ${o.config} (${why}); the search may find none\n`);
  }
  // And a run whose results would not fit in memory: it would crash at the end, not fail now. A grid
  // evaluates only its valid ladders: counted when the whole grid would not fit.
  const planned = spec.method === 'grid' ? grid.size : Math.min(trials, grid.size);
  if (planned > candidatesThatFit(windows.value)) {
    const memory = studyMemoryProblem(spec.method === 'grid' ? '--method grid' : '--trials', spec.method === 'grid' ? countValidLadders(grid, spec.config) : planned, windows.value);
    if (memory !== null) throw new CliError(memory);
  }
  return { spec, input, dataset };
}

/** A strategy module does not travel to workers (they would load their own copy, unchecked): --queue with one is refused, new run or resumed. */
function refuseModuleOnQueue(queue: string | undefined, config: StudySpec['config']): void {
  if (queue !== undefined && config.strategy.name === 'module') throw new CliError('--queue: a strategy module cannot travel to other machines yet; use ema_cross or --signals (a run of a module resumes on this machine\'s threads: drop --queue)');
}

/** The stored spec of a run, its input files re-read and checked unchanged. */
async function resumeSpec(store: OptimizeRunStore, runId: string, take: (runId: string) => void, queue: string | undefined): Promise<{ runId: string; spec: StudySpec; input: LoadedBacktest }> {
  const run = store.getRun(runId);
  if (!run) throw new CliError(`--resume: no run ${runId} in ${store.path}${store.runIds().length ? ` (runs: ${store.runIds().join(', ')})` : ''}`);
  // A run of a module resumed with --queue is refused as a new one is: a worker neither checks the
  // module's hash nor its imports, so one with another version of it would mix its results in.
  const version = (run.spec as { version?: unknown }).version;
  if (typeof version !== 'number' || !RESUMABLE_SPEC_VERSIONS.includes(version)) {
    throw new CliError(`--resume: run ${runId} was started by an earlier Ladder, which turned the search space into ladders another way (spec version ${String(version)}, now ${STUDY_SPEC_VERSION}): resumed here it would try other ladders beside its stored ones. Start a new run with the same options (the stored results stay in ${store.path})`);
  }
  refuseModuleOnQueue(queue, (run.spec as StudySpec).config);
  // Before any file is read: a run that another process is running is refused at once.
  take(runId);
  const spec = run.spec as StudySpec;
  const i = spec.inputs;
  const imports = new Set(i.moduleImports ?? []);
  for (const f of [...studyInputFiles(i), ...(i.module ? [i.module] : []), ...imports]) {
    const now = await hashed(f.path);
    const what = imports.has(f) ? `${f.path} (imported by the strategy module ${i.module?.path ?? ''})` : f.path;
    if (now.sha256 !== f.sha256) throw new CliError(`--resume: ${what} changed since run ${runId} started (sha256 ${now.sha256.slice(0, 12)}…, was ${f.sha256.slice(0, 12)}…)`);
  }
  const input = await loadStudyInputs(spec, (p) => p);
  return { runId, spec, input };
}

/**
 * Loads a study's inputs the way `backtest` does, with the study's own config (not today's file);
 * `where` maps each stored path to the file to read (a worker's data directory).
 */
export async function loadStudyInputs(spec: StudySpec, where: (path: string) => string): Promise<LoadedBacktest> {
  const { mkdtemp, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const dir = await mkdtemp(join(tmpdir(), 'ladder-study-'));
  try {
    const config = join(dir, 'config.json');
    const i = spec.inputs;
    // The config is written to a temporary folder: a module's path, relative to the original
    // config's folder, is given whole (the file hashed with the run, or for a run stored before
    // modules were hashed, the same path from the stored config's folder).
    const s = spec.config.strategy;
    const strategy = s.name === 'module' ? { ...s, path: resolve(where(i.module?.path ?? fromConfigFolder(i.config, s.path))) } : s;
    await writeFile(config, JSON.stringify({ ...spec.config, strategy }));
    return await loadBacktestInputs({
      config,
      data: i.data.map((f) => where(f.path)).join(','),
      ...(i.markets ? { markets: where(i.markets.path) } : {}),
      ...(i.signals ? { signals: where(i.signals.path) } : {}),
      ...(i.detail.length ? { detail: i.detail.map((f) => where(f.path)).join(',') } : {}),
      ...(i.funding?.length ? { funding: i.funding.map((f) => where(f.path)).join(',') } : {}),
      ...(i.mark?.length ? { mark: i.mark.map((f) => where(f.path)).join(',') } : {}),
      ...(i.symbol ? { symbol: i.symbol } : {}),
      ...(i.from ? { from: i.from } : {}),
      ...(i.to ? { to: i.to } : {}),
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A path of the config (`strategy.file`, `strategy.path`) as `backtest` reads it: from the config's folder. */
const fromConfigFolder = (config: string, path: string): string => (isAbsolute(path) ? path : join(dirname(config), path));

export type { StudyReport };
