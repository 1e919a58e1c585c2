import type { LadderPlan } from '../core/model/plan.ts';
import type { LevelState, PartialExit, Position, StopMove } from '../core/model/position.ts';
import type { Side, Steps, Ticks } from '../core/units.ts';
import type { TradeLog } from './trade-log.ts';

/**
 * A closed trade of a backtest: a view of row `t` of the run's TradeLog with the fields of a
 * `Position`, read from the columns (the plan made again by the symbol's planner) when asked; the
 * plan, the levels, the exits and the stop moves are built once, on first read. Private (#) fields
 * are no fields of the record: not in JSON, not compared.
 */
export class ClosedTrade implements Position {
  readonly #log: TradeLog;
  readonly #t: number;
  #plan: LadderPlan | null = null;
  #levels: readonly LevelState[] | null = null;
  #exits: readonly PartialExit[] | null = null;
  #moves: readonly StopMove[] | null = null;

  constructor(log: TradeLog, t: number) {
    this.#log = log;
    this.#t = t;
  }

  get id(): string {
    return this.#log.id(this.#t);
  }
  get symbol(): string {
    return this.#log.symbol(this.#t);
  }
  get side(): Side {
    return this.#log.side(this.#t);
  }
  get entryPrice(): number {
    return this.#log.entryPriceOf(this.#t);
  }
  get entryTimeMs(): number {
    return this.#log.entryTimeMsOf(this.#t);
  }
  get entryFee(): number {
    return this.#log.entryFeeOf(this.#t);
  }
  get entryFeeBooked(): number {
    return this.#log.entryFeeBookedOf(this.#t);
  }
  get originalSteps(): Steps {
    return this.#log.originalStepsOf(this.#t);
  }
  get remainingSteps(): Steps {
    return 0 as Steps;
  }
  get plan(): LadderPlan {
    return (this.#plan ??= this.#log.plan(this.#t));
  }
  get levels(): readonly LevelState[] {
    return (this.#levels ??= this.#log.levels(this.#t));
  }
  get partialExits(): readonly PartialExit[] {
    return (this.#exits ??= this.#log.exits(this.#t));
  }
  get tpLevelsHit(): readonly number[] {
    return this.#log.tpLevelsHitOf(this.#t, this.partialExits);
  }
  get stopTicks(): Ticks {
    return this.#log.stopTicksOf(this.#t);
  }
  get stopSeq(): number {
    return this.#log.stopSeqOf(this.#t);
  }
  get stopMoves(): readonly StopMove[] {
    return (this.#moves ??= this.#log.stopMoves(this.#t));
  }
  /** A closed ladder has no close order in flight. */
  get closing(): null {
    return null;
  }
  get closeSeq(): number {
    return this.#log.closeSeqOf(this.#t);
  }
  get status(): 'closed' {
    return 'closed';
  }
  get appliedTradeIds(): readonly string[] {
    return this.#log.appliedTradeIdsOf(this.#t, this.partialExits);
  }
  /** No target and no stop can be reached any more: the band of a closed ladder (settle in ladder-rules.ts). */
  get nextTargetPrice(): number {
    return this.side === 'long' ? Infinity : -Infinity;
  }
  get stopPrice(): number {
    return this.side === 'long' ? -Infinity : Infinity;
  }
  get funding(): number | undefined {
    return this.#log.fundingOf(this.#t);
  }

  /** The fields as a plain object: what JSON.stringify and a spread of a position would show. */
  toJSON(): Position {
    return {
      id: this.id, symbol: this.symbol, side: this.side, entryPrice: this.entryPrice, entryTimeMs: this.entryTimeMs, entryFee: this.entryFee,
      entryFeeBooked: this.entryFeeBooked, originalSteps: this.originalSteps, remainingSteps: this.remainingSteps, plan: this.plan, levels: this.levels,
      partialExits: this.partialExits, tpLevelsHit: this.tpLevelsHit, stopTicks: this.stopTicks, stopSeq: this.stopSeq, stopMoves: this.stopMoves,
      closing: this.closing, closeSeq: this.closeSeq, status: this.status, appliedTradeIds: this.appliedTradeIds, nextTargetPrice: this.nextTargetPrice, stopPrice: this.stopPrice,
      ...(this.funding === undefined ? {} : { funding: this.funding }),
    };
  }
}
