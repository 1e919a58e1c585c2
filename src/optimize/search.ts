import type { LadderConfig } from '../core/config/index.ts';
import { type Rng, createRng, deriveSeed } from '../sim/random.ts';
import { type Candidate, ladderCandidate, ladderKey } from './candidate.ts';
import type { SpaceGrid } from './space-grid.ts';
import { tpeRank } from './tpe.ts';

export const METHODS = ['grid', 'random', 'tpe'] as const;
export type Method = (typeof METHODS)[number];

/** Largest grid run in full; beyond it the space must be sampled (random or tpe). */
export const MAX_GRID = 200_000;
/**
 * Most ladders a random draw (random, the TPE's start) looks at before it gives up short of --trials:
 * enough for a space in which a valid ladder is rare (levels drawn from the same targets ascend about
 * once in n! draws) to give the trials asked for; ~16 µs a ladder, so at most ~15 s.
 */
export const MAX_RANDOM_DRAWS = 1_000_000;
/** Candidates proposed together by the model-based search; a batch is proposed only when the previous one is scored. */
export const TPE_BATCH = 8;

/**
 * How a ladder's index is drawn: `u53` from 53 random bits, uniform over any grid (up to 2^53);
 * `u32` from one 32-bit draw, as runs stored before (spec version 2) drew theirs, kept so that they
 * resume with the same ladders. One 32-bit draw reaches only every (size / 2^32)-th index of a
 * larger grid: with 2^33 ladders only even ones, so level 1's target never took half its values.
 */
export type IndexDraw = 'u32' | 'u53';

/** A uniform index in [0, size). */
export function drawIndex(rng: Rng, size: number, draw: IndexDraw = 'u53'): number {
  if (draw === 'u32') return Math.floor(rng.next() * size);
  // hi's 32 bits then 21 of lo's: an exact double in [0, 1) on a 2^-53 lattice.
  const u = rng.next() + Math.floor(rng.next() * 2 ** 21) / 2 ** 53;
  return Math.min(size - 1, Math.floor(u * size));
}

/** A candidate the search proposed, and on whose behalf (see `Search`). */
export interface Proposed {
  readonly candidate: Candidate;
  /** `prior`: chosen without looking at any result (grid, random, the TPE's start); a number: the study whose scores chose it. */
  readonly origin: 'prior' | number;
  readonly vector: readonly number[];
}

/**
 * Proposes the candidates of a study, deterministically from the seed: grid (every valid ladder),
 * random (distinct ladders drawn uniformly from the grid), or TPE in batches of TPE_BATCH.
 *
 * With walk-forward folds the TPE keeps one model per study (0: the full data, k + 1: fold k's
 * training window) and the proposals of a batch take turns between them. Fold k may only choose
 * among candidates that were chosen without results (`prior`) or by its own model, which saw only
 * its training window: a candidate found by looking at later data cannot leak into its choice.
 * Invalid ladders (refused by the config rules) are skipped and counted by reason.
 */
export class Search {
  readonly invalid = new Map<string, number>();
  readonly proposed: Proposed[] = [];
  private readonly seen = new Set<number>();
  /** Keys of the ladders considered: two indices may be one ladder (an offset without a breakeven move). */
  private readonly seenKeys = new Set<string>();
  private batch = 0;
  private done = false;

  constructor(
    private readonly grid: SpaceGrid,
    private readonly config: LadderConfig,
    private readonly method: Method,
    private readonly trials: number,
    private readonly seed: number,
    private readonly studies: number,
    private readonly draw: IndexDraw = 'u53',
  ) {
    if (method === 'grid' && grid.size > MAX_GRID) {
      throw new RangeError(`--method grid: the space has ${grid.size} ladders (more than ${MAX_GRID}): use --method random or tpe with --trials, or narrow the space`);
    }
  }

  /** Valid ladders proposed so far. */
  get count(): number {
    return this.proposed.length;
  }

  /** The next candidates to evaluate, given the scores (by key, per study) of all proposed so far; null when the search is over. */
  next(scoreOf: (key: string, study: number) => number | undefined): Proposed[] | null {
    if (this.done) return null;
    const out: Proposed[] = [];
    if (this.method === 'grid') {
      for (let i = 0; i < this.grid.size; i++) this.consider(i, 'prior', out);
      this.done = true;
    } else if (this.method === 'random' || this.proposed.length < this.startup()) {
      const want = this.method === 'random' ? this.trials : Math.min(this.trials, this.startup());
      const rng = createRng(deriveSeed(this.seed, `random-${this.batch}`));
      let tries = 0;
      while (this.proposed.length + out.length < want && this.seen.size < this.grid.size && tries++ < Math.max(50 * this.trials + 1000, MAX_RANDOM_DRAWS)) {
        this.consider(drawIndex(rng, this.grid.size, this.draw), 'prior', out);
      }
      if (this.method === 'random') this.done = true;
    } else {
      for (let j = 0; j < TPE_BATCH && this.proposed.length + out.length < this.trials && this.seen.size < this.grid.size; j++) {
        const study = (this.batch * TPE_BATCH + j) % this.studies;
        const rng = createRng(deriveSeed(this.seed, `tpe-${this.batch}-${j}`));
        const obs = this.proposed
          .filter((p) => p.origin === 'prior' || p.origin === study)
          .map((p) => ({ vector: p.vector, score: scoreOf(p.candidate.key, study) ?? -Infinity }));
        let taken = false;
        for (const v of tpeRank(this.grid, obs, rng)) if ((taken = this.consider(this.grid.indexOf(v), study, out))) break;
        for (let tries = 0; !taken && tries < 1000 && this.seen.size < this.grid.size; tries++) taken = this.consider(drawIndex(rng, this.grid.size, this.draw), study, out);
      }
    }
    this.batch++;
    if (this.proposed.length + out.length >= this.trials && this.method !== 'grid') this.done = true;
    if (out.length === 0) {
      this.done = true;
      return null;
    }
    this.proposed.push(...out);
    return out;
  }

  private startup(): number {
    return Math.max(TPE_BATCH, Math.min(20, Math.round(this.trials / 5)));
  }

  /** Adds ladder `index` to `out` unless seen or invalid; true when added. */
  private consider(index: number, origin: Proposed['origin'], out: Proposed[]): boolean {
    if (this.seen.has(index)) return false;
    this.seen.add(index);
    const vector = this.grid.vectorAt(index);
    const params = this.grid.paramsOf(vector);
    const key = ladderKey(params);
    if (this.seenKeys.has(key)) return false;
    this.seenKeys.add(key);
    const c = ladderCandidate(this.config, params);
    if (!c.ok) {
      this.invalid.set(c.error.why, (this.invalid.get(c.error.why) ?? 0) + 1);
      return false;
    }
    out.push({ candidate: c.value, origin, vector });
    return true;
  }
}

/** What `probeSpace` found: whether the space holds a valid ladder, and the reasons of the invalid ones it met. */
export interface SpaceProbe {
  readonly found: boolean;
  /** Ladders checked; every one of the grid when `exhaustive`. */
  readonly tried: number;
  readonly exhaustive: boolean;
  readonly invalid: ReadonlyMap<string, number>;
}

/**
 * Does the space hold a ladder that is a valid config? Checked before a run starts, so that a space
 * whose every ladder breaks a config rule (a stop beyond liquidation, targets that never ascend) is a
 * usage error, not a run of the references alone: every ladder of a grid of up to `draws`, else
 * `draws` ladders drawn at random (seeded), stopping at the first valid one. Only an exhaustive miss
 * proves there is none.
 */
export function probeSpace(grid: SpaceGrid, config: LadderConfig, seed: number, draws = 20_000): SpaceProbe {
  const invalid = new Map<string, number>();
  const exhaustive = grid.size <= draws;
  const rng = createRng(deriveSeed(seed, 'probe'));
  let tried = 0;
  for (; tried < Math.min(draws, grid.size); tried++) {
    const c = candidateAt(grid, config, exhaustive ? tried : drawIndex(rng, grid.size));
    if (c.ok) return { found: true, tried: tried + 1, exhaustive, invalid };
    invalid.set(c.error.why, (invalid.get(c.error.why) ?? 0) + 1);
  }
  return { found: false, tried, exhaustive, invalid };
}

/** The distinct ladders of the grid that are valid configs: what `--method grid` evaluates (every ladder checked: ~2 s for 125,000). */
export function countValidLadders(grid: SpaceGrid, config: LadderConfig): number {
  const keys = new Set<string>();
  for (let i = 0; i < grid.size; i++) {
    const c = candidateAt(grid, config, i);
    if (c.ok) keys.add(c.value.key);
  }
  return keys.size;
}

/** Ladder `index` of the grid as a candidate, or why it is no valid config. */
const candidateAt = (grid: SpaceGrid, config: LadderConfig, index: number) => ladderCandidate(config, grid.paramsOf(grid.vectorAt(index)));
