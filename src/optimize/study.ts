import type { LadderConfig } from '../core/config/index.ts';
import { type Candidate, referenceCandidates, taskOf } from './candidate.ts';
import { type CandidateResult, type Engine, type StudyWindow, packedResult } from './evaluate.ts';
import type { FoldSpec } from './folds.ts';
import { type ObjectiveName, score } from './objectives.ts';
import type { Evaluator } from './pool.ts';
import { type Method, type Proposed, Search } from './search.ts';
import type { SearchSpace } from './space.ts';
import { SpaceGrid } from './space-grid.ts';

/** An input file of the study and its SHA-256, so a resumed run or a remote worker can prove it has the same one. */
export interface InputFile {
  readonly path: string;
  readonly sha256: string;
}

/** Where the candles, markets and entries came from (the `backtest` options), each file with its hash. */
export interface StudyInputs {
  readonly config: string;
  readonly data: readonly InputFile[];
  readonly markets: InputFile | null;
  /** The signals file: `--signals` (from the working directory) or the config's `strategy.file` (from the config's folder), as read. */
  readonly signals: InputFile | null;
  /** The config's strategy module (`strategy.path`, from the config's folder), as read; absent in runs stored before it was hashed. */
  readonly module?: InputFile;
  /** The local files the module imports, directly or not (strategy/module-files.ts), as read; absent in runs stored before they were hashed. */
  readonly moduleImports?: readonly InputFile[];
  readonly detail: readonly InputFile[];
  /** `--funding` and `--mark` (each entry a file or a directory of monthly files); absent: funding not modelled. */
  readonly funding?: readonly InputFile[];
  readonly mark?: readonly InputFile[];
  readonly symbol?: string;
  readonly from?: string;
  readonly to?: string;
}

/**
 * The way a space is enumerated into ladders, stored with each run: 2 since a last level's move_stop_to
 * choices and the breakeven offsets of a ladder that moves no stop to breakeven became one ladder each;
 * 3 since random indices are drawn from 53 bits.
 * A run of another version resumed here would propose other ladders beside its stored ones: refused.
 */
export const STUDY_SPEC_VERSION = 3;
/** Versions a resumed run may have: 2 drew its random ladders from 32 bits (search.ts IndexDraw), and keeps doing so. */
export const RESUMABLE_SPEC_VERSIONS: readonly number[] = [2, 3];

/** Everything that defines a run: stored with it, so `--resume ID` needs nothing else. */
export interface StudySpec {
  readonly version: 2 | typeof STUDY_SPEC_VERSION;
  readonly method: Method;
  readonly trials: number;
  readonly seed: number;
  readonly objective: ObjectiveName;
  readonly minTrades: number;
  readonly folds: FoldSpec | null;
  readonly space: SearchSpace;
  readonly config: LadderConfig;
  readonly inputs: StudyInputs;
  readonly windows: readonly StudyWindow[];
  /** How candidates are evaluated (absent: `replay`); the results are the same either way. */
  readonly engine?: Engine;
}

/** A candidate with its result: the references (`single`, `config`) and every ladder evaluated. */
export interface Evaluated {
  readonly candidate: Candidate;
  readonly seq: number;
  /** `reference`, `prior`, or the study number whose model proposed it (see search.ts). */
  readonly origin: string;
  readonly result: CandidateResult;
}

export interface StudyOutcome {
  readonly evaluated: readonly Evaluated[];
  /** Ladders refused by the config rules, by reason. */
  readonly invalid: ReadonlyMap<string, number>;
  /** Results taken from the database (a resumed run) and evaluated now. */
  readonly fromStore: number;
  readonly evaluatedNow: number;
}

export interface ResultSink {
  /** Results already stored for this run, by key. */
  stored(): ReadonlyMap<string, CandidateResult>;
  /** Stores one result as it arrives. */
  save(key: string, seq: number, origin: string, result: CandidateResult): void;
}

export interface Progress {
  /** `total` may grow (a model-based search proposes batch by batch). */
  update(done: number, total: number): void;
}

/** Window index of what study s scores on: 0 the full data, s ≥ 1 the training window of fold s − 1. */
export const studyWindowIndex = (s: number): number => (s === 0 ? 0 : 2 * s - 1);

/**
 * Runs a study: the two references, then the search's batches, each candidate evaluated once:
 * a result already in the sink (a resumed run) is reused, never recomputed, and every new result
 * is saved the moment it arrives. Deterministic for a seed: a batch is proposed only from the
 * results of the batches before it, whatever the number of workers or the order they finish in.
 */
export async function runStudy(spec: StudySpec, evaluator: Evaluator, sink: ResultSink, progress: Progress): Promise<StudyOutcome> {
  const grid = new SpaceGrid(spec.space, spec.config);
  const stored = sink.stored();
  // Held packed until the analysis (a large grid's results are most of the run's memory); what a
  // sink packed as it read (the CLI's) is taken as it is.
  const results = new Map<string, CandidateResult>();
  for (const [k, r] of stored) results.set(k, packedResult(r));
  const evaluated: Evaluated[] = [];
  let evaluatedNow = 0;
  let fromStore = 0;
  const studies = spec.folds ? spec.folds.folds + 1 : 1;
  const search = new Search(grid, spec.config, spec.method, spec.trials, spec.seed, studies, spec.version === 2 ? 'u32' : 'u53');
  let total = 2 + (spec.method === 'grid' ? 0 : spec.trials);
  let done = 0;

  const evaluate = async (items: readonly { candidate: Candidate; seq: number; origin: string }[]) => {
    const todo = items.filter((i) => !results.has(i.candidate.key));
    fromStore += items.length - todo.length;
    done += items.length - todo.length;
    progress.update(done, total);
    const byKey = new Map(items.map((i) => [i.candidate.key, i]));
    await evaluator.run(todo.map((i) => taskOf(i.candidate)), (key, result) => {
      const i = byKey.get(key)!;
      sink.save(key, i.seq, i.origin, result);
      results.set(key, packedResult(result));
      evaluatedNow++;
      progress.update(++done, total);
    });
    for (const i of items) evaluated.push({ ...i, result: results.get(i.candidate.key)! });
  };

  await evaluate(referenceCandidates(spec.config).map((candidate, k) => ({ candidate, seq: k, origin: 'reference' })));
  const scoreOf = (key: string, s: number): number | undefined => {
    const r = results.get(key);
    return r ? score(r.windows[studyWindowIndex(s)]!.metrics, spec.objective, spec.minTrades) : undefined;
  };
  for (let batch = search.next(scoreOf); batch !== null; batch = search.next(scoreOf)) {
    const first = 2 + search.count - batch.length;
    if (spec.method === 'grid') total = 2 + batch.length;
    await evaluate(batch.map((p: Proposed, k) => ({ candidate: p.candidate, seq: first + k, origin: String(p.origin) })));
  }
  total = done;
  progress.update(done, total);
  return { evaluated, invalid: search.invalid, fromStore, evaluatedNow };
}
