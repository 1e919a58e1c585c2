import type { Position } from '../../core/model/position.ts';
import { NumColumn } from './num-column.ts';

/**
 * What one symbol's replay leaves for the window's loop, in the order it happened on that symbol.
 * Each event has the engine's sort key `point × 4 + phase` (phase 0: a remainder closed because the
 * data ended, and the funding charged just before it; 1: the funding settlements charged at an open,
 * then an opposite signal's close; 2: an entry; 3: the candle's walk), so that the events of
 * all symbols are taken in the order the engine's shared loop books them (see run-window.ts).
 */
export const EV_PNL = 0;
/** A position closed by its last fill: that fill's PnL (the value), then the trade (its margin held is then 0). */
export const EV_CLOSE = 1;
/** A funding settlement charged to the open position (the value: what it paid, negative, or received). */
export const EV_FUNDING = 2;

export const key = (point: number, phase: 0 | 1 | 2 | 3): number => point * 4 + phase;

/** Reused from candidate to candidate: typed columns that keep their room (num-column.ts). */
export class Trace {
  /** Events: sort key, kind, the fill's PnL, and the margin the position holds after it (`heldMargin`). */
  readonly keys = new NumColumn();
  readonly kinds = new NumColumn();
  readonly values = new NumColumn();
  readonly helds = new NumColumn();
  /** Closed trades, in the order of their EV_CLOSE events (when trades are kept). */
  readonly trades: Position[] = [];
  /** Else each closed trade's PnL (`totalPnl`) and R multiple (`rMultiple`), in that order. */
  readonly pnls = new NumColumn();
  readonly rs = new NumColumn();
  /**
   * Mark-to-market segments: from point `segFrom` to `segTo` (exclusive) the open position is marked as
   * (close − entry) × qty − feeLeft (short: entry − close; `segLong` 1 or 0), with the state it has after
   * that point's walk.
   */
  readonly segFrom = new NumColumn();
  readonly segTo = new NumColumn();
  readonly segEntry = new NumColumn();
  readonly segQty = new NumColumn();
  readonly segFeeLeft = new NumColumn();
  readonly segLong = new NumColumn();
  /** Set when the core left a position open after an `end` close (never expected): the window is then run in full. */
  unclosed = false;
  private readonly columns = [this.keys, this.kinds, this.values, this.helds, this.pnls, this.rs, this.segFrom, this.segTo, this.segEntry, this.segQty, this.segFeeLeft, this.segLong];

  reset(): void {
    for (const c of this.columns) c.truncate(0);
    this.trades.length = 0;
    this.unclosed = false;
  }

  event(k: number, kind: number, value: number, held: number): void {
    this.keys.push(k);
    this.kinds.push(kind);
    this.values.push(value);
    this.helds.push(held);
  }

  /**
   * The fill just recorded (the last event, an EV_PNL at key k) closed its position: one EV_CLOSE
   * step books its PnL and frees its slot (the window's loop takes one step instead of two).
   */
  closeLast(k: number): void {
    const e = this.keys.n - 1;
    if (e < 0 || this.keys.a[e] !== k || this.kinds.a[e] !== EV_PNL) throw new Error('replay: a position closed without its closing fill');
    this.kinds.a[e] = EV_CLOSE;
  }

  /** A closed trade's PnL and R multiple (trades not kept). */
  closed(pnl: number, r: number): void {
    this.pnls.push(pnl);
    this.rs.push(r);
  }

  /** A segment from point k, open-ended (`segTo` Infinity) until the next change. */
  pushSegment(k: number, entry: number, qty: number, feeLeft: number, long: boolean): void {
    this.segFrom.push(k);
    this.segTo.push(Infinity);
    this.segEntry.push(entry);
    this.segQty.push(qty);
    this.segFeeLeft.push(feeLeft);
    this.segLong.push(long ? 1 : 0);
  }

  popSegment(): void {
    this.segFrom.pop();
    this.segTo.pop();
    this.segEntry.pop();
    this.segQty.pop();
    this.segFeeLeft.pop();
    this.segLong.pop();
  }
}
