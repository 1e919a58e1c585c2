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

/**
 * Reused from candidate to candidate: typed columns with counts, reset to 0 and never shrunk, so that
 * a candidate writes its events and segments without allocating (a plain array set to length 0 lets
 * its store go, and every candidate grew a dozen of them again).
 */
export class Trace {
  /** Events: `nEvents` of them; PnL (EV_PNL) or the margin freed (EV_CLOSE) in `values`. */
  nEvents = 0;
  keys: Float64Array = new Float64Array(64);
  kinds: Uint8Array = new Uint8Array(64);
  values: Float64Array = new Float64Array(64);
  /** Closed trades, in the order of their EV_CLOSE events (when trades are kept). */
  readonly trades: Position[] = [];
  /** Else each closed trade's PnL (`totalPnl`) and R multiple (`rMultiple`), in that order: `nClosed` of them. */
  nClosed = 0;
  pnls: Float64Array = new Float64Array(64);
  rs: Float64Array = new Float64Array(64);
  /**
   * Mark-to-market segments (`nSegments`): from point `segFrom` to `segTo` (exclusive) the open position
   * is marked as (close − entry) × qty − feeLeft (short: entry − close), with the state it has after
   * that point's walk.
   */
  nSegments = 0;
  segFrom: Float64Array = new Float64Array(64);
  segTo: Float64Array = new Float64Array(64);
  segEntry: Float64Array = new Float64Array(64);
  segQty: Float64Array = new Float64Array(64);
  segFeeLeft: Float64Array = new Float64Array(64);
  segLong: Uint8Array = new Uint8Array(64);
  /** Set when the core left a position open after an `end` close (never expected): the window is then run in full. */
  unclosed = false;

  reset(): void {
    this.nEvents = 0;
    this.trades.length = 0;
    this.nClosed = 0;
    this.nSegments = 0;
    this.unclosed = false;
  }

  event(k: number, kind: number, value: number): void {
    const i = this.nEvents;
    if (i === this.keys.length) {
      this.keys = grownF64(this.keys);
      this.kinds = grownU8(this.kinds);
      this.values = grownF64(this.values);
    }
    this.keys[i] = k;
    this.kinds[i] = kind;
    this.values[i] = value;
    this.nEvents = i + 1;
  }

  /** A closed trade's PnL and R multiple (trades not kept). */
  closed(pnl: number, r: number): void {
    const i = this.nClosed;
    if (i === this.pnls.length) {
      this.pnls = grownF64(this.pnls);
      this.rs = grownF64(this.rs);
    }
    this.pnls[i] = pnl;
    this.rs[i] = r;
    this.nClosed = i + 1;
  }

  /** A segment from point k, open-ended (`segTo` Infinity) until the next change. */
  pushSegment(k: number, entry: number, qty: number, feeLeft: number, long: boolean): void {
    const i = this.nSegments;
    if (i === this.segFrom.length) {
      this.segFrom = grownF64(this.segFrom);
      this.segTo = grownF64(this.segTo);
      this.segEntry = grownF64(this.segEntry);
      this.segQty = grownF64(this.segQty);
      this.segFeeLeft = grownF64(this.segFeeLeft);
      this.segLong = grownU8(this.segLong);
    }
    this.segFrom[i] = k;
    this.segTo[i] = Infinity;
    this.segEntry[i] = entry;
    this.segQty[i] = qty;
    this.segFeeLeft[i] = feeLeft;
    this.segLong[i] = long ? 1 : 0;
    this.nSegments = i + 1;
  }

  popSegment(): void {
    this.nSegments--;
  }
}

function grownF64(a: Float64Array): Float64Array {
  const b = new Float64Array(a.length * 2);
  b.set(a);
  return b;
}

function grownU8(a: Uint8Array): Uint8Array {
  const b = new Uint8Array(a.length * 2);
  b.set(a);
  return b;
}
