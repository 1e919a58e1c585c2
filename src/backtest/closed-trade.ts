import type { LadderPlan } from '../core/model/plan.ts';
import type { LevelState, PartialExit, Position, StopMove } from '../core/model/position.ts';
import type { LadderPlanner } from '../core/scaled-tp/ladder-plan.ts';
import { type LadderState, NONE } from '../core/scaled-tp/ladder-rules.ts';
import type { Side, Steps, Ticks } from '../core/units.ts';
import type { ExitLog } from './exit-log.ts';

/**
 * A closed trade as the backtest keeps it: the ladder state's fields without its plan (issue 14
 * part 3, < 1 GB on the 10M series). The plan is about half of a closed state and all of it follows
 * from what the entry asked the symbol's planner (side, the exact entry price, steps, stop distance),
 * so it is planned again, by the same pure planner, the first time a reader asks for it. A long run
 * keeps ~1 KB per trade instead of ~2 KB, and its plans die young instead of filling the old space.
 */
export class ClosedTrade implements Position {
  readonly id: string;
  readonly symbol: string;
  readonly side: Side;
  readonly entryPrice: number;
  readonly entryTimeMs: number;
  readonly entryFee: number;
  readonly entryFeeBooked: number;
  readonly originalSteps: Steps;
  readonly levels: readonly LevelState[];
  readonly stopTicks: Ticks;
  readonly stopSeq: number;
  readonly stopMoves: readonly StopMove[];
  readonly closing: { readonly reason: 'stop' | 'signal' | 'end'; readonly clientOrderId: string } | null;
  readonly closeSeq: number;
  // What the planner was asked: the entry price as planned (its exact text after slippage) and the
  // stop distance. Private (#) so that they are no fields of the record: not in JSON, not compared.
  readonly #plannedEntry: string | number | null;
  readonly #stopLossPct: number;
  readonly #planner: LadderPlanner;
  #plan: LadderPlan | null = null;
  // Its exits: rows [first, first + count) of the run's exit log, built into objects when first read.
  readonly #log: ExitLog;
  readonly #first: number;
  readonly #count: number;
  #exits: readonly PartialExit[] | null = null;
  // Kept only when they differ from what the exits say (null: derived from the exits when read).
  readonly #tpLevelsHit: readonly number[] | null;
  readonly #appliedTradeIds: readonly string[] | null;

  /** Appends the state's exits to `log`. */
  constructor(s: LadderState, planner: LadderPlanner, plannedEntry: string | number, stopLossPct: number, log: ExitLog) {
    if (s.status !== 'closed') throw new Error(`${s.id}: only a closed ladder is a closed trade`);
    const none = s.side === 'long' ? Infinity : -Infinity;
    if (s.remainingSteps !== 0) throw new Error(`${s.id}: a closed ladder holds nothing`);
    if (s.nextTargetPrice !== none || s.stopPrice !== -none) throw new Error(`${s.id}: a closed ladder has no trigger left`);
    this.id = s.id;
    this.symbol = s.symbol;
    this.side = s.side;
    this.entryPrice = s.entryPrice;
    this.entryTimeMs = s.entryTimeMs;
    this.entryFee = s.entryFee;
    this.entryFeeBooked = s.entryFeeBooked;
    this.originalSteps = s.originalSteps;
    this.levels = s.levels;
    this.#log = log;
    this.#first = log.append(s.id, s.partialExits);
    this.#count = s.partialExits.length;
    this.stopTicks = s.stopTicks;
    this.stopSeq = s.stopSeq;
    this.stopMoves = s.stopMoves;
    this.closing = s.closing;
    this.closeSeq = s.closeSeq;
    this.#tpLevelsHit = levelsAreOfExits(s.tpLevelsHit, s.partialExits) ? null : s.tpLevelsHit;
    this.#appliedTradeIds = idsAreOfExits(s.appliedTradeIds, s.partialExits) ? null : s.appliedTradeIds;
    // The entry price itself unless slippage made it an exact decimal text (no second copy of the double).
    this.#plannedEntry = plannedEntry === s.entryPrice ? null : plannedEntry;
    this.#stopLossPct = stopLossPct;
    this.#planner = planner;
  }

  get partialExits(): readonly PartialExit[] {
    return (this.#exits ??= this.#count === 0 ? NONE : this.#log.read(this.id, this.#first, this.#count));
  }

  get remainingSteps(): Steps {
    return 0 as Steps;
  }

  get status(): 'closed' {
    return 'closed';
  }

  /** No target and no stop can be reached any more: the band of a closed ladder (settle in ladder-rules.ts). */
  get nextTargetPrice(): number {
    return this.side === 'long' ? Infinity : -Infinity;
  }

  get stopPrice(): number {
    return this.side === 'long' ? -Infinity : Infinity;
  }

  /** Levels hit in fill order: each ladder level's first exit (the single take-profit's exits carry no level). */
  get tpLevelsHit(): readonly number[] {
    return this.#tpLevelsHit ?? levelsOfExits(this.partialExits);
  }

  /** The backtest's fills are instant: each one's trade id is its order's client id. */
  get appliedTradeIds(): readonly string[] {
    return this.#appliedTradeIds ?? idsOfExits(this.partialExits);
  }

  /** The plan the trade was opened with: the planner is pure, so planning the same request again gives it back. */
  get plan(): LadderPlan {
    if (this.#plan !== null) return this.#plan;
    const r = this.#planner.plan({ side: this.side, entryPrice: this.#plannedEntry ?? this.entryPrice, quantitySteps: this.originalSteps, stopLossPct: this.#stopLossPct });
    if (!r.ok) throw new Error(`${this.id}: its plan cannot be made again (${r.error.message})`);
    return (this.#plan = r.value);
  }
}

function levelsOfExits(exits: readonly PartialExit[]): readonly number[] {
  let out: number[] | null = null;
  for (const e of exits) if (e.level !== null && !(out !== null && out.includes(e.level))) (out ??= []).push(e.level);
  return out ?? NONE;
}

function idsOfExits(exits: readonly PartialExit[]): readonly string[] {
  return exits.length === 0 ? NONE : exits.map((e) => e.clientOrderId);
}

/** Is `levels` what `levelsOfExits(exits)` gives? Without building it (every closed trade asks). */
function levelsAreOfExits(levels: readonly number[], exits: readonly PartialExit[]): boolean {
  let n = 0;
  for (let i = 0; i < exits.length; i++) {
    const level = exits[i]!.level;
    if (level === null) continue;
    let seen = false;
    for (let j = 0; j < i && !seen; j++) seen = exits[j]!.level === level;
    if (seen) continue;
    if (levels[n++] !== level) return false;
  }
  return n === levels.length;
}

/** Is `ids` what `idsOfExits(exits)` gives? */
function idsAreOfExits(ids: readonly string[], exits: readonly PartialExit[]): boolean {
  if (ids.length !== exits.length) return false;
  for (let i = 0; i < ids.length; i++) if (ids[i] !== exits[i]!.clientOrderId) return false;
  return true;
}
