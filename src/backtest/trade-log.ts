import type { LadderPlan, LevelReason, StopRule } from '../core/model/plan.ts';
import { type ExitReason, type LevelState, type LevelStatus, type PartialExit, type StopMove, closeClientId, exitClientId } from '../core/model/position.ts';
import type { LadderPlanner } from '../core/scaled-tp/ladder-plan.ts';
import { type LadderState, NONE, levelState } from '../core/scaled-tp/ladder-rules.ts';
import type { Side, Steps, Ticks } from '../core/units.ts';
import { f64, i32, u8 } from './columns.ts';

/**
 * A backtest's closed trades, one column per field (issue 14 part 3): a closed ladder state is
 * written here when it closes and read back, field by field, by its `ClosedTrade` view. A trade of
 * three exits and a stop move takes ~0.2 KB of columns instead of ~2 KB of objects (the 10M-candle
 * run's 360,000 trades fit well under 1 GB), and keeping thousands of trades costs the garbage
 * collector nothing: a run's records are a few typed arrays, not 20 objects per trade to copy.
 *
 * Nothing is lost: what the columns do not hold is held beside them, row by row, when it is not what
 * the trade's own fields give (an id that is not `<symbol>-<n>`, a client id that is not `<id>-tpN` /
 * `<id>-close`, trade ids that are not the exits' client ids, an entry planned from an exact text).
 * The plan is not held at all: the symbol's planner is pure and makes it again from the same request.
 */
export class TradeLog {
  private n = 0;
  private readonly symbols: string[] = [];
  private readonly planners: LadderPlanner[] = [];
  private readonly plannerIndex = new Map<LadderPlanner, number>();
  // Per trade.
  private readonly sym = i32();
  /** n of the id `<symbol>-<n>`, or 0 when the id is another (then in `ids`). */
  private readonly num = i32();
  private readonly short = u8();
  private readonly entryPrice = f64();
  private readonly entryTimeMs = f64();
  private readonly entryFee = f64();
  private readonly entryFeeBooked = f64();
  private readonly originalSteps = f64();
  private readonly stopTicks = f64();
  private readonly stopSeq = i32();
  private readonly closeSeq = i32();
  private readonly stopLossPct = f64();
  /** The entry price the plan was made from, when it is not `entryPrice` itself (else NaN; a text: in `entryTexts`). */
  private readonly plannedEntry = f64();
  private readonly levelFrom = i32();
  private readonly levelCount = i32();
  private readonly exitFrom = i32();
  private readonly exitCount = i32();
  private readonly moveFrom = i32();
  private readonly moveCount = i32();
  private readonly ids = new Map<number, string>();
  private readonly entryTexts = new Map<number, string>();
  private readonly tpLevelsHit = new Map<number, readonly number[]>();
  private readonly appliedTradeIds = new Map<number, readonly string[]>();
  // Per level of each trade.
  private nl = 0;
  private readonly lStatus = u8();
  private readonly lFilled = f64();
  private readonly lOrder = f64();
  private readonly lReached = u8();
  // Per exit.
  private ne = 0;
  private readonly eTime = f64();
  private readonly ePrice = f64();
  private readonly eQty = f64();
  private readonly eFee = f64();
  private readonly ePnl = f64();
  /** The 1-based level, or 0 for none. */
  private readonly eLevel = i32();
  private readonly eReason = u8();
  private readonly reasons: ExitReason[] = [];
  private readonly exitIds = new Map<number, string>();
  private readonly orderIds = new Map<number, string>();
  // Per stop move.
  private nm = 0;
  private readonly mTime = f64();
  private readonly mFromTicks = f64();
  private readonly mToTicks = f64();
  private readonly mFromPrice = f64();
  private readonly mToPrice = f64();
  private readonly mLevel = i32();
  private readonly mRule = u8();

  /** Trades so far. */
  get length(): number {
    return this.n;
  }

  /** Writes a closed ladder state; `plannedEntry` and `stopLossPct` are what its plan was made from. Returns its row. */
  append(s: LadderState, planner: LadderPlanner, plannedEntry: string | number, stopLossPct: number): number {
    if (s.status !== 'closed') throw new Error(`${s.id}: only a closed ladder is a closed trade`);
    const none = s.side === 'long' ? Infinity : -Infinity;
    if (s.remainingSteps !== 0 || s.closing !== null || s.nextTargetPrice !== none || s.stopPrice !== -none) throw new Error(`${s.id}: a closed ladder holds nothing and has no order or trigger left`);
    const t = this.n++;
    const sym = this.symbolOf(planner, s.symbol);
    this.sym.set(t, sym);
    const num = numberOfId(s.id, this.symbols[sym]!);
    this.num.set(t, num);
    if (num === 0) this.ids.set(t, s.id);
    this.short.set(t, s.side === 'short' ? 1 : 0);
    this.entryPrice.set(t, s.entryPrice);
    this.entryTimeMs.set(t, s.entryTimeMs);
    this.entryFee.set(t, s.entryFee);
    this.entryFeeBooked.set(t, s.entryFeeBooked);
    this.originalSteps.set(t, s.originalSteps);
    this.stopTicks.set(t, s.stopTicks);
    this.stopSeq.set(t, s.stopSeq);
    this.closeSeq.set(t, s.closeSeq);
    this.stopLossPct.set(t, stopLossPct);
    this.plannedEntry.set(t, typeof plannedEntry === 'number' && plannedEntry !== s.entryPrice ? plannedEntry : NaN);
    if (typeof plannedEntry === 'string') this.entryTexts.set(t, plannedEntry);
    this.levelFrom.set(t, this.nl);
    this.levelCount.set(t, s.levels.length);
    for (const l of s.levels) {
      const k = this.nl++;
      this.lStatus.set(k, STATUSES.indexOf(l.status));
      this.lFilled.set(k, l.filledSteps);
      this.lOrder.set(k, l.orderSteps);
      this.lReached.set(k, l.reached ? 1 : 0);
    }
    this.exitFrom.set(t, this.ne);
    this.exitCount.set(t, s.partialExits.length);
    for (const e of s.partialExits) {
      const k = this.ne++;
      this.eTime.set(k, e.timeMs);
      this.ePrice.set(k, e.price);
      this.eQty.set(k, e.qtySteps);
      this.eFee.set(k, e.fee);
      this.ePnl.set(k, e.pnl);
      this.eLevel.set(k, e.level ?? 0);
      this.eReason.set(k, this.reasonIndex(e.reason));
      if (!isDerivedClientId(e.clientOrderId, s.id, e.reason)) this.exitIds.set(k, e.clientOrderId);
      if (e.orderId !== null) this.orderIds.set(k, e.orderId);
    }
    this.moveFrom.set(t, this.nm);
    this.moveCount.set(t, s.stopMoves.length);
    for (const m of s.stopMoves) {
      const k = this.nm++;
      this.mTime.set(k, m.timeMs);
      this.mFromTicks.set(k, m.fromTicks);
      this.mToTicks.set(k, m.toTicks);
      this.mFromPrice.set(k, m.fromPrice);
      this.mToPrice.set(k, m.toPrice);
      this.mLevel.set(k, m.level);
      this.mRule.set(k, RULES.indexOf(m.rule));
    }
    if (!levelsAreOfExits(s.tpLevelsHit, s.partialExits)) this.tpLevelsHit.set(t, s.tpLevelsHit);
    if (!idsAreOfExits(s.appliedTradeIds, s.partialExits)) this.appliedTradeIds.set(t, s.appliedTradeIds);
    return t;
  }

  // ---- Reading trade t back ----

  symbol(t: number): string {
    return this.symbols[this.sym.get(t)]!;
  }

  id(t: number): string {
    const num = this.num.get(t);
    return num === 0 ? this.ids.get(t)! : `${this.symbol(t)}-${num}`;
  }

  side(t: number): Side {
    return this.short.get(t) === 1 ? 'short' : 'long';
  }

  entryPriceOf(t: number): number {
    return this.entryPrice.get(t);
  }

  entryTimeMsOf(t: number): number {
    return this.entryTimeMs.get(t);
  }

  entryFeeOf(t: number): number {
    return this.entryFee.get(t);
  }

  entryFeeBookedOf(t: number): number {
    return this.entryFeeBooked.get(t);
  }

  originalStepsOf(t: number): Steps {
    return this.originalSteps.get(t) as Steps;
  }

  stopTicksOf(t: number): Ticks {
    return this.stopTicks.get(t) as Ticks;
  }

  stopSeqOf(t: number): number {
    return this.stopSeq.get(t);
  }

  closeSeqOf(t: number): number {
    return this.closeSeq.get(t);
  }

  /** The plan, made again by the symbol's planner from the request the trade's entry made. */
  plan(t: number): LadderPlan {
    const planned = this.plannedEntry.get(t);
    const entryPrice = this.entryTexts.get(t) ?? (Number.isNaN(planned) ? this.entryPrice.get(t) : planned);
    const r = this.planners[this.sym.get(t)]!.plan({ side: this.side(t), entryPrice, quantitySteps: this.originalStepsOf(t), stopLossPct: this.stopLossPct.get(t) });
    if (!r.ok) throw new Error(`${this.id(t)}: its plan cannot be made again (${r.error.message})`);
    return r.value;
  }

  levels(t: number): LevelState[] {
    const from = this.levelFrom.get(t);
    const out = new Array<LevelState>(this.levelCount.get(t));
    for (let j = 0; j < out.length; j++) {
      const k = from + j;
      out[j] = levelState(STATUSES[this.lStatus.get(k)]!, this.lFilled.get(k) as Steps, this.lOrder.get(k) as Steps, this.lReached.get(k) === 1);
    }
    return out;
  }

  exits(t: number): readonly PartialExit[] {
    const count = this.exitCount.get(t);
    if (count === 0) return NONE;
    const from = this.exitFrom.get(t);
    const id = this.id(t);
    const out = new Array<PartialExit>(count);
    for (let j = 0; j < count; j++) {
      const k = from + j;
      const reason = this.reasons[this.eReason.get(k)]!;
      const level = this.eLevel.get(k);
      out[j] = {
        reason,
        level: level === 0 ? null : level,
        timeMs: this.eTime.get(k),
        price: this.ePrice.get(k),
        qtySteps: this.eQty.get(k) as Steps,
        fee: this.eFee.get(k),
        pnl: this.ePnl.get(k),
        clientOrderId: this.exitIds.get(k) ?? derivedClientId(id, reason),
        orderId: this.orderIds.get(k) ?? null,
      };
    }
    return out;
  }

  stopMoves(t: number): readonly StopMove[] {
    const count = this.moveCount.get(t);
    if (count === 0) return NONE;
    const from = this.moveFrom.get(t);
    const out = new Array<StopMove>(count);
    for (let j = 0; j < count; j++) {
      const k = from + j;
      out[j] = {
        timeMs: this.mTime.get(k),
        fromTicks: this.mFromTicks.get(k) as Ticks,
        toTicks: this.mToTicks.get(k) as Ticks,
        fromPrice: this.mFromPrice.get(k),
        toPrice: this.mToPrice.get(k),
        rule: RULES[this.mRule.get(k)]!,
        level: this.mLevel.get(k),
      };
    }
    return out;
  }

  /** Levels hit in fill order, as the exits say (each ladder level's first exit), unless the state said otherwise. */
  tpLevelsHitOf(t: number, exits: readonly PartialExit[]): readonly number[] {
    return this.tpLevelsHit.get(t) ?? levelsOfExits(exits);
  }

  /** The backtest's fills are instant: each one's trade id is its order's client id, unless the state said otherwise. */
  appliedTradeIdsOf(t: number, exits: readonly PartialExit[]): readonly string[] {
    return this.appliedTradeIds.get(t) ?? (exits.length === 0 ? NONE : exits.map((e) => e.clientOrderId));
  }

  private symbolOf(planner: LadderPlanner, symbol: string): number {
    let k = this.plannerIndex.get(planner);
    if (k === undefined) {
      k = this.planners.push(planner) - 1;
      this.symbols.push(symbol);
      this.plannerIndex.set(planner, k);
    }
    if (this.symbols[k] !== symbol) throw new Error(`${symbol}: a trade under the planner of ${this.symbols[k]}`);
    return k;
  }

  private reasonIndex(reason: ExitReason): number {
    let k = this.reasons.indexOf(reason);
    if (k < 0) {
      if (this.reasons.length === 256) throw new RangeError('more than 256 exit reasons');
      k = this.reasons.push(reason) - 1;
    }
    return k;
  }
}

const STATUSES: readonly LevelStatus[] = ['pending', 'sent', 'filled', 'skipped', 'canceled'];
const RULES: readonly StopRule[] = ['breakeven', 'previous_tp', 'profit_pct'];

/** n when `id` is `<symbol>-<n>` (n from 1, below 2^31, no leading zero), else 0. */
function numberOfId(id: string, symbol: string): number {
  const from = symbol.length + 1;
  if (id.length <= from || id.length > from + 10 || !id.startsWith(symbol) || id.charCodeAt(symbol.length) !== 45 /* - */ || id.charCodeAt(from) === 48 /* 0 */) return 0;
  let n = 0;
  for (let i = from; i < id.length; i++) {
    const d = id.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return 0;
    n = n * 10 + d;
  }
  return n <= 0x7fffffff ? n : 0;
}

/** The client id an exit of this reason has when its order was the first of its kind: `<id>-tpN` / `<id>-tp`, else `<id>-close`. */
function derivedClientId(tradeId: string, reason: ExitReason): string {
  return reason.startsWith('tp') ? exitClientId(tradeId, reason as LevelReason) : closeClientId(tradeId);
}

/** Is `id` the one `derivedClientId` gives? Compared in place: the common case builds no string. */
function isDerivedClientId(id: string, tradeId: string, reason: ExitReason): boolean {
  const suffix = reason.startsWith('tp') ? reason : 'close';
  return id.length === tradeId.length + 1 + suffix.length && id.startsWith(tradeId) && id.charCodeAt(tradeId.length) === 45 /* - */ && id.endsWith(suffix);
}

function levelsOfExits(exits: readonly PartialExit[]): readonly number[] {
  let out: number[] | null = null;
  for (const e of exits) if (e.level !== null && !(out !== null && out.includes(e.level))) (out ??= []).push(e.level);
  return out ?? NONE;
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

/** Are `ids` the exits' client ids, in order? */
function idsAreOfExits(ids: readonly string[], exits: readonly PartialExit[]): boolean {
  if (ids.length !== exits.length) return false;
  for (let i = 0; i < ids.length; i++) if (ids[i] !== exits[i]!.clientOrderId) return false;
  return true;
}
