import type { ExitReason } from '../core/model/position.ts';
import type { LadderState, Ledger } from '../core/scaled-tp/ladder-rules.ts';
import type { Steps } from '../core/units.ts';

/**
 * The ledger of a backtest's open trade (one per symbol): of each exit the core's rules book, what the
 * run's summary and level statistics take when the trade closes (its reason, ladder level and PnL),
 * in reused scratch rows, so that a fill allocates nothing. The trade's full record is its walk again
 * (trade-log.ts); stop moves, levels hit and trade ids are not kept here. Fills of one order are one
 * exit, their PnLs summed as `mergeExit` sums them; the engine's instant fills fill each order once,
 * and a property test holds these rows to the exits of the position's own record
 * (test/backtest/open-trade-rows.test.ts).
 */
export class OpenTradeRows implements Ledger {
  /** Exits so far: reason, client id, ladder level (0: none) and PnL of each. */
  ne = 0;
  readonly reasons: ExitReason[] = [];
  private readonly clientIds: string[] = [];
  private levels: Float64Array = new Float64Array(8);
  private pnls: Float64Array = new Float64Array(8);

  fill(
    _s: LadderState,
    reason: ExitReason,
    level: number | null,
    _timeMs: number,
    _price: number,
    _qtySteps: Steps,
    _fee: number,
    pnl: number,
    clientOrderId: string,
  ): void {
    let i = -1;
    // An order's fills share its reason (the plan's and the rules' own strings, compared by reference):
    // the client ids, made per fill, are compared only then (the engine's instant fills: never).
    for (let k = 0; k < this.ne && i < 0; k++) if (this.reasons[k] === reason && this.clientIds[k] === clientOrderId) i = k;
    if (i >= 0) {
      this.pnls[i] = this.pnls[i]! + pnl;
      return;
    }
    if (this.ne === this.levels.length) {
      this.levels = grown(this.levels);
      this.pnls = grown(this.pnls);
    }
    this.reasons[this.ne] = reason;
    this.clientIds[this.ne] = clientOrderId;
    this.levels[this.ne] = level ?? 0;
    this.pnls[this.ne++] = pnl;
  }

  stopMove(): void {}

  /** Exit i's ladder level, or null (a stop, a close, the single take-profit). */
  level(i: number): number | null {
    return this.levels[i] || null;
  }

  /** Exit i's PnL. */
  pnl(i: number): number {
    return this.pnls[i]!;
  }

  /** Realised PnL of all exits, summed in exit order as `totalPnl` sums a position's (R4.3). */
  totalPnl(): number {
    let s = 0;
    for (let i = 0; i < this.ne; i++) s += this.pnls[i]!;
    return s;
  }

  /** Empty again, for the symbol's next trade (the scratch keeps its room). */
  clear(): void {
    this.ne = 0;
  }
}

function grown(a: Float64Array): Float64Array {
  const b = new Float64Array(a.length * 2);
  b.set(a);
  return b;
}
