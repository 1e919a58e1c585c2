import type { Position } from '../../core/model/position.ts';

/**
 * What one symbol's replay leaves for the window's loop, in the order it happened on that symbol.
 * Each event has the engine's sort key `point × 4 + phase` (phase 0: a remainder closed because the
 * data ended, 1: an opposite signal's close, 2: an entry, 3: the candle's walk), so that the events of
 * all symbols are taken in the order the engine's shared loop books them (see run-window.ts).
 */
export const EV_PNL = 0;
/** A position closed: its trade and the margin it frees. */
export const EV_CLOSE = 1;

export const key = (point: number, phase: 0 | 1 | 2 | 3): number => point * 4 + phase;

/** Reused from candidate to candidate: plain arrays reset to length 0. */
export class Trace {
  readonly keys: number[] = [];
  readonly kinds: number[] = [];
  /** PnL (EV_PNL) or the margin freed (EV_CLOSE). */
  readonly values: number[] = [];
  /** Closed trades, in the order of their EV_CLOSE events (when trades are kept). */
  readonly trades: Position[] = [];
  /** Else each closed trade's PnL (`totalPnl`) and R multiple (`rMultiple`), in that order. */
  readonly pnls: number[] = [];
  readonly rs: number[] = [];
  /**
   * Mark-to-market segments: from point `segFrom` to `segTo` (exclusive) the open position is marked as
   * (close − entry) × qty − feeLeft (short: entry − close), with the state it has after that point's walk.
   */
  readonly segFrom: number[] = [];
  readonly segTo: number[] = [];
  readonly segEntry: number[] = [];
  readonly segQty: number[] = [];
  readonly segFeeLeft: number[] = [];
  readonly segLong: boolean[] = [];
  /** Set when the core left a position open after an `end` close (never expected): the window is then run in full. */
  unclosed = false;

  reset(): void {
    this.keys.length = 0;
    this.kinds.length = 0;
    this.values.length = 0;
    this.trades.length = 0;
    this.pnls.length = 0;
    this.rs.length = 0;
    this.segFrom.length = 0;
    this.segTo.length = 0;
    this.segEntry.length = 0;
    this.segQty.length = 0;
    this.segFeeLeft.length = 0;
    this.segLong.length = 0;
    this.unclosed = false;
  }

  event(k: number, kind: number, value: number): void {
    this.keys.push(k);
    this.kinds.push(kind);
    this.values.push(value);
  }

  /** A segment from point k, open-ended until the next change. */
  pushSegment(k: number, entry: number, qty: number, feeLeft: number, long: boolean): void {
    this.segFrom.push(k);
    this.segTo.push(Infinity);
    this.segEntry.push(entry);
    this.segQty.push(qty);
    this.segFeeLeft.push(feeLeft);
    this.segLong.push(long);
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
