import type { LadderConfig, MoveStopTo } from '../core/config/index.ts';
import { type MoveStopChoice, type SearchSpace, specValues } from './space.ts';

/** One ladder the optimizer tries: the exit keys of config.json it sets (snake_case, as in the file). */
export interface LadderParams {
  readonly levels: readonly { readonly profit_pct: number; readonly close_pct: number; readonly move_stop_to: MoveStopTo }[];
  readonly breakeven_offset_pct: number;
  readonly stop_loss_pct: number;
  readonly scaled_tp_execution: 'market' | 'limit';
}

/** A dimension of the space as the model-based search sees it: `size` options, ordered or not. */
export interface Dimension {
  readonly name: string;
  readonly size: number;
  /** Ordered values (a numeric range): neighbours are alike. Otherwise categories. */
  readonly ordinal: boolean;
}

/**
 * The whole space as a mixed-radix number: every candidate has an index in [0, size), so a grid is
 * 0…size−1, a random search draws indices, and a candidate's index is its identity. The split of
 * `close_pct` is a composition of 100/step units into n parts (each ≥ min), ranked lexicographically.
 *
 * As a vector (the TPE's view): [count, profit_0…profit_{L−1}, move_0…move_{L−1}, split_{count 0}…,
 * breakeven_offset, stop_loss, execution]; profit_k is active when k < the level count, move_k when
 * k < the level count − 1 (the last level's stop never moves), split_j when the count is the j-th count.
 */
export class SpaceGrid {
  readonly counts: readonly number[];
  readonly profits: readonly (readonly number[])[];
  readonly moves: readonly (readonly MoveStopTo[])[];
  readonly offsets: readonly number[];
  readonly stops: readonly number[];
  readonly executions: readonly ('market' | 'limit')[];
  readonly dims: readonly Dimension[];
  /** Number of candidates (including those the config rules will refuse). */
  readonly size: number;
  private readonly units: number;
  private readonly minUnits: number;
  private readonly stepPct: number;
  private readonly blocks: readonly number[];
  private readonly maxLevels: number;

  constructor(space: SearchSpace, config: LadderConfig) {
    this.counts = [...new Set(space.levels)].sort((a, b) => a - b);
    this.maxLevels = Math.max(...this.counts);
    this.profits = space.profit_pct.slice(0, this.maxLevels).map(specValues);
    this.moves = Array.from({ length: this.maxLevels }, (_, k) => {
      const given = space.move_stop_to?.[k];
      // A choice listed twice ("breakeven" twice, { "profit_pct": 1 } twice) is one choice: else the same ladder has two indices.
      return given ? [...new Map(given.map((m) => [JSON.stringify(toMoveStop(m)), toMoveStop(m)])).values()] : [k === 0 ? 'breakeven' : 'previous_tp'];
    });
    this.offsets = space.breakeven_offset_pct === undefined ? [config.breakeven_offset_pct] : specValues(space.breakeven_offset_pct);
    this.stops = space.stop_loss_pct === undefined ? [config.stop_loss_pct] : specValues(space.stop_loss_pct);
    this.executions = space.scaled_tp_execution === undefined ? [config.scaled_tp_execution] : [...new Set(space.scaled_tp_execution)];
    this.stepPct = space.close_pct.step;
    this.units = Math.round(100 / space.close_pct.step);
    this.minUnits = Math.ceil((space.close_pct.min ?? space.close_pct.step) / space.close_pct.step - 1e-9);
    const common = this.offsets.length * this.stops.length * this.executions.length;
    this.blocks = this.counts.map((n) => {
      let b = this.splitCount(n) * common;
      for (let k = 0; k < n; k++) b *= this.profits[k]!.length * this.movesAt(k, n);
      return b;
    });
    this.size = this.blocks.reduce((a, b) => a + b, 0);
    if (!Number.isSafeInteger(this.size)) throw new RangeError('the space has more than 2^53 candidates: narrow it');
    this.dims = [
      { name: 'levels', size: this.counts.length, ordinal: true },
      ...this.profits.map((v, k) => ({ name: `profit_pct[${k}]`, size: v.length, ordinal: true })),
      ...this.moves.map((v, k) => ({ name: `move_stop_to[${k}]`, size: v.length, ordinal: false })),
      ...this.counts.map((n) => ({ name: `close_pct split of ${n}`, size: this.splitCount(n), ordinal: true })),
      { name: 'breakeven_offset_pct', size: this.offsets.length, ordinal: true },
      { name: 'stop_loss_pct', size: this.stops.length, ordinal: true },
      { name: 'scaled_tp_execution', size: this.executions.length, ordinal: false },
    ];
  }

  /** Splits of the position into n shares. */
  splitCount(n: number): number {
    return compositions(n, this.units - n * this.minUnits);
  }

  /**
   * Stop-move choices of level k in a ladder of n levels. The last level closes what remains, so its
   * stop never moves: its choices make no other ladder (the same trades), and it has one, `none`.
   */
  private movesAt(k: number, n: number): number {
    return k < n - 1 ? this.moves[k]!.length : 1;
  }

  /** Whether vector dimension d takes part in a candidate whose level-count index is c. */
  active(d: number, c: number): boolean {
    const L = this.maxLevels;
    const n = this.counts[c]!;
    if (d === 0) return true;
    if (d <= L) return d - 1 < n;
    if (d <= 2 * L) return d - 1 - L < n - 1;
    if (d <= 2 * L + this.counts.length) return d - 1 - 2 * L === c;
    return true;
  }

  /** The candidate with this index, as a vector (inactive dimensions −1). */
  vectorAt(index: number): number[] {
    if (!(Number.isInteger(index) && index >= 0 && index < this.size)) throw new RangeError(`index ${index} outside the space`);
    let c = 0;
    let r = index;
    while (r >= this.blocks[c]!) r -= this.blocks[c++]!;
    const v = new Array<number>(this.dims.length).fill(-1);
    v[0] = c;
    const n = this.counts[c]!;
    const L = this.maxLevels;
    const take = (size: number): number => {
      const x = r % size;
      r = Math.floor(r / size);
      return x;
    };
    for (let k = 0; k < n; k++) v[1 + k] = take(this.profits[k]!.length);
    for (let k = 0; k < n - 1; k++) v[1 + L + k] = take(this.moves[k]!.length);
    const D = this.dims.length;
    v[D - 3] = take(this.offsets.length);
    v[D - 2] = take(this.stops.length);
    v[D - 1] = take(this.executions.length);
    v[1 + 2 * L + c] = r; // what is left is the split's rank (the most significant digit)
    return v;
  }

  /** The index of a vector (its active dimensions). */
  indexOf(v: readonly number[]): number {
    const c = v[0]!;
    const n = this.counts[c]!;
    const L = this.maxLevels;
    const D = this.dims.length;
    const digits: [number, number][] = [];
    for (let k = 0; k < n; k++) digits.push([v[1 + k]!, this.profits[k]!.length]);
    for (let k = 0; k < n - 1; k++) digits.push([v[1 + L + k]!, this.moves[k]!.length]);
    digits.push([v[D - 3]!, this.offsets.length], [v[D - 2]!, this.stops.length], [v[D - 1]!, this.executions.length]);
    let index = v[1 + 2 * L + c]!;
    for (let i = digits.length - 1; i >= 0; i--) index = index * digits[i]![1] + digits[i]![0];
    for (let j = 0; j < c; j++) index += this.blocks[j]!;
    return index;
  }

  /** The ladder of a vector. */
  paramsOf(v: readonly number[]): LadderParams {
    const c = v[0]!;
    const n = this.counts[c]!;
    const L = this.maxLevels;
    const D = this.dims.length;
    const shares = unrankComposition(v[1 + 2 * L + c]!, n, this.units - n * this.minUnits);
    const levels = shares.map((extra, k) => ({
      profit_pct: this.profits[k]![v[1 + k]!]!,
      close_pct: Number(((extra + this.minUnits) * this.stepPct).toPrecision(12)),
      move_stop_to: k < n - 1 ? this.moves[k]![v[1 + L + k]!]! : ('none' as const),
    }));
    return {
      levels,
      // The offset only shifts a stop moved to breakeven: in a ladder without one, every offset gives
      // the same trades, so each is the ladder with none (0), which the search tries once (by key).
      breakeven_offset_pct: levels.some((l) => l.move_stop_to === 'breakeven') ? this.offsets[v[D - 3]!]! : 0,
      stop_loss_pct: this.stops[v[D - 2]!]!,
      scaled_tp_execution: this.executions[v[D - 1]!]!,
    };
  }

  paramsAt(index: number): LadderParams {
    return this.paramsOf(this.vectorAt(index));
  }
}

const toMoveStop = (m: MoveStopChoice): MoveStopTo => (typeof m === 'string' ? m : { profit_pct: m.profit_pct });

/** n·(n−1)…/k!, exact while the result is below 2^53 (each partial product is an integer). */
export function binomial(n: number, k: number): number {
  if (k < 0 || k > n) return 0;
  let r = 1;
  for (let i = 1; i <= Math.min(k, n - k); i++) r = (r * (n - Math.min(k, n - k) + i)) / i;
  return Math.round(r);
}

/** Ways to write `extra` as an ordered sum of n non-negative integers. */
export function compositions(n: number, extra: number): number {
  if (extra < 0) return 0;
  if (n === 0) return extra === 0 ? 1 : 0;
  return binomial(extra + n - 1, n - 1);
}

/** The rank-th composition of `extra` into n parts, in lexicographic order of the parts. */
export function unrankComposition(rank: number, n: number, extra: number): number[] {
  const parts: number[] = [];
  let left = extra;
  let r = rank;
  for (let k = 0; k < n - 1; k++) {
    let v = 0;
    for (;;) {
      const c = compositions(n - k - 1, left - v);
      if (r < c) break;
      r -= c;
      v++;
    }
    parts.push(v);
    left -= v;
  }
  parts.push(left);
  return parts;
}
