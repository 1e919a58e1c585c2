import type { LadderPlan } from '../core/model/plan.ts';
import type { LevelState, PartialExit, Position, StopMove } from '../core/model/position.ts';
import type { Side, Steps, Ticks } from '../core/units.ts';
import type { TradeLog } from './trade-log.ts';

/**
 * A closed trade of a backtest: a view of row `t` of the run's TradeLog with the fields of a
 * `Position`. Its symbol, id, side, entry time, entry fee, quantity and funding are read from the row;
 * every other field from the position the log walks again on first read (`TradeLog.state`), kept
 * from then on. Private (#) fields are no fields of the record: not in JSON, not compared.
 */
export class ClosedTrade implements Position {
  readonly #log: TradeLog;
  readonly #t: number;
  #state: Position | null = null;

  constructor(log: TradeLog, t: number) {
    this.#log = log;
    this.#t = t;
  }

  /** The position walked again, once. */
  get #walked(): Position {
    return (this.#state ??= this.#log.state(this.#t));
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
    return this.#walked.entryPrice;
  }
  get entryTimeMs(): number {
    return this.#log.entryTimeMsOf(this.#t);
  }
  get entryFee(): number {
    return this.#log.entryFeeOf(this.#t);
  }
  get entryFeeBooked(): number {
    return this.#walked.entryFeeBooked;
  }
  get originalSteps(): Steps {
    return this.#log.originalStepsOf(this.#t);
  }
  get remainingSteps(): Steps {
    return 0 as Steps;
  }
  get plan(): LadderPlan {
    return this.#walked.plan;
  }
  get levels(): readonly LevelState[] {
    return this.#walked.levels;
  }
  get partialExits(): readonly PartialExit[] {
    return this.#walked.partialExits;
  }
  get tpLevelsHit(): readonly number[] {
    return this.#walked.tpLevelsHit;
  }
  get stopTicks(): Ticks {
    return this.#walked.stopTicks;
  }
  get stopSeq(): number {
    return this.#walked.stopSeq;
  }
  get stopMoves(): readonly StopMove[] {
    return this.#walked.stopMoves;
  }
  /** A closed ladder has no close order in flight. */
  get closing(): null {
    return null;
  }
  get closeSeq(): number {
    return this.#walked.closeSeq;
  }
  get status(): 'closed' {
    return 'closed';
  }
  get appliedTradeIds(): readonly string[] {
    return this.#walked.appliedTradeIds;
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
