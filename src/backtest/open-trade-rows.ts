import type { StopRule } from '../core/model/plan.ts';
import type { ExitReason, Position } from '../core/model/position.ts';
import { type LadderState, type Ledger, mergedPrice } from '../core/scaled-tp/ladder-rules.ts';
import type { Steps, Ticks } from '../core/units.ts';

/** An exit row: time, price, steps, fee, PnL, level (0: none). */
const E = 6;
/** A stop move row: time, from ticks, to ticks, from price, to price, level. */
const M = 6;

/**
 * The ledger of a backtest's open trade (one per symbol): the core's rules write its exits, stop moves,
 * levels hit and trade ids here as numbers in reused scratch rows, so that a fill allocates nothing;
 * when the trade closes, the run's `TradeLog` copies the rows and they are cleared for the next trade.
 * It keeps what `POSITION_LEDGER` keeps on a position, the same way (fills of one order merged into
 * one exit by `mergeExit`'s arithmetic, each level hit once, in order): a property test holds the two
 * to the same records (test/backtest/closed-trade.test.ts).
 */
export class OpenTradeRows implements Ledger {
  /** Exits so far, their numbers (E per row) and, beside them, reasons, client ids and order ids. */
  ne = 0;
  private exitNums: Float64Array = new Float64Array(E * 8);
  readonly reasons: ExitReason[] = [];
  readonly clientIds: string[] = [];
  readonly orderIds: (string | null)[] = [];
  /** Stop moves so far (M numbers per row) and their rules. */
  nm = 0;
  private moveNums: Float64Array = new Float64Array(M * 4);
  readonly rules: StopRule[] = [];
  /** Levels hit, in the order of their first fills. */
  nh = 0;
  readonly levelsHit: number[] = [];
  /** Trade ids applied, in fill order. */
  nt = 0;
  readonly tradeIds: string[] = [];

  /**
   * `instantFills`: every fill is an instant fill of the core's fill model (fill-model.ts), which fills
   * each order whole, once, as its own trade, under the client id its position's id and its reason give
   * (`<id>-tpN`, the last stop's `<id>-sl<n>`, the first close's `<id>-close`). Then an order is told by
   * its reason, no id string is compared per fill, and the log keeps no client id (it derives them when
   * read). The engine's ledger; a property test holds its records to the position's own
   * (test/backtest/closed-trade.test.ts). Without it (a position's records), ids are compared as strings.
   */
  constructor(readonly instantFills = false) {}

  /** The rows of a position's own records (a state booked with `POSITION_LEDGER`). */
  static of(p: Position): OpenTradeRows {
    const r = new OpenTradeRows();
    for (const e of p.partialExits) r.addExit(e.reason, e.level, e.timeMs, e.price, e.qtySteps, e.fee, e.pnl, e.clientOrderId, e.orderId);
    for (const m of p.stopMoves) r.stopMove(null, m.timeMs, m.fromTicks, m.toTicks, m.fromPrice, m.toPrice, m.rule, m.level);
    for (const l of p.tpLevelsHit) r.levelsHit[r.nh++] = l;
    for (const id of p.appliedTradeIds) r.tradeIds[r.nt++] = id;
    return r;
  }

  fill(
    s: LadderState,
    reason: ExitReason,
    level: number | null,
    timeMs: number,
    price: number,
    qtySteps: Steps,
    fee: number,
    pnl: number,
    clientOrderId: string,
    orderId: string | null,
    tradeId: string,
    firstOfLevel: boolean,
  ): void {
    let i = -1;
    if (this.instantFills) {
      // What instant fills are (and the log's derived ids assume), checked without reading the id's text.
      if (tradeId !== clientOrderId) throw new Error(`${clientOrderId}: an instant fill is its order's own trade, not ${tradeId}`);
      if (level === null && reason !== 'tp' && (s.remainingSteps !== 0 || s.closeSeq !== 0)) throw new Error(`${clientOrderId}: an instant ${reason} fill closes the whole first close or stop order`);
      // Reasons are the plan's and the rules' own strings: compared by reference.
      for (let k = 0; k < this.ne && i < 0; k++) if (this.reasons[k] === reason) i = k;
    } else for (let k = 0; k < this.ne && i < 0; k++) if (this.clientIds[k] === clientOrderId) i = k;
    if (i < 0) this.addExit(reason, level, timeMs, price, qtySteps, fee, pnl, clientOrderId, orderId);
    else {
      // As mergeExit: summed quantity, fee and PnL, the volume-weighted price, the first order id.
      const a = this.exitNums;
      const o = i * E;
      a[o + 1] = mergedPrice(a[o + 1]!, a[o + 2]!, price, qtySteps);
      a[o + 2] = a[o + 2]! + qtySteps;
      a[o + 3] = a[o + 3]! + fee;
      a[o + 4] = a[o + 4]! + pnl;
      this.orderIds[i] ??= orderId;
    }
    if (level !== null && firstOfLevel && !this.hasHit(level)) this.levelsHit[this.nh++] = level;
    this.tradeIds[this.nt++] = tradeId;
  }

  stopMove(_s: LadderState | null, timeMs: number, fromTicks: Ticks, toTicks: Ticks, fromPrice: number, toPrice: number, rule: StopRule, level: number): void {
    if ((this.nm + 1) * M > this.moveNums.length) this.moveNums = grown(this.moveNums);
    const a = this.moveNums;
    const o = this.nm * M;
    a[o] = timeMs;
    a[o + 1] = fromTicks;
    a[o + 2] = toTicks;
    a[o + 3] = fromPrice;
    a[o + 4] = toPrice;
    a[o + 5] = level;
    this.rules[this.nm++] = rule;
  }

  /** Number x (0…5: time, price, steps, fee, PnL, level or 0) of exit i. */
  exit(i: number, x: number): number {
    return this.exitNums[i * E + x]!;
  }

  /** Copies exit i's six numbers (`exit(i, 0…5)`) to `to` from index k. */
  copyExit(i: number, to: Float64Array, k: number): void {
    copy6(this.exitNums, i * E, to, k);
  }

  /** Copies stop move i's six numbers (time, from ticks, to ticks, from price, to price, level) to `to` from index k. */
  copyMove(i: number, to: Float64Array, k: number): void {
    copy6(this.moveNums, i * M, to, k);
  }

  /** Realised PnL of all exits, summed in exit order as `totalPnl` sums a position's (R4.3). */
  totalPnl(): number {
    let s = 0;
    for (let i = 0; i < this.ne; i++) s += this.exitNums[i * E + 4]!;
    return s;
  }

  /** Empty again, for the symbol's next trade (the scratch keeps its room). */
  clear(): void {
    this.ne = 0;
    this.nm = 0;
    this.nh = 0;
    this.nt = 0;
  }

  private addExit(reason: ExitReason, level: number | null, timeMs: number, price: number, qtySteps: number, fee: number, pnl: number, clientOrderId: string, orderId: string | null): void {
    if ((this.ne + 1) * E > this.exitNums.length) this.exitNums = grown(this.exitNums);
    const a = this.exitNums;
    const o = this.ne * E;
    a[o] = timeMs;
    a[o + 1] = price;
    a[o + 2] = qtySteps;
    a[o + 3] = fee;
    a[o + 4] = pnl;
    a[o + 5] = level ?? 0;
    this.reasons[this.ne] = reason;
    this.clientIds[this.ne] = clientOrderId;
    this.orderIds[this.ne++] = orderId;
  }

  private hasHit(level: number): boolean {
    for (let i = 0; i < this.nh; i++) if (this.levelsHit[i] === level) return true;
    return false;
  }
}

/** Six numbers of `from` at o to `to` at k (a row: no subarray view made per row). */
function copy6(from: Float64Array, o: number, to: Float64Array, k: number): void {
  to[k] = from[o]!;
  to[k + 1] = from[o + 1]!;
  to[k + 2] = from[o + 2]!;
  to[k + 3] = from[o + 3]!;
  to[k + 4] = from[o + 4]!;
  to[k + 5] = from[o + 5]!;
}

function grown(a: Float64Array): Float64Array {
  const b = new Float64Array(a.length * 2);
  b.set(a);
  return b;
}
