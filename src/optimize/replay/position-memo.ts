import { NumColumn } from './num-column.ts';
import { EV_CLOSE } from './trace.ts';

/**
 * What one candidate's positions did on one symbol, kept across the windows of a study. A position
 * opened at candle i evolves the same way in every window that holds it to its close: its exits read
 * only its own candles and signals, and nothing on another symbol can change an open position. So
 * once replayed (in the full window, which comes first) it is not replayed again in a fold's windows:
 * its events and mark segments are read back, keyed by candle index, and put on the window's time
 * line. A position that a window's end closed (`end`) is not kept: that close is the window's.
 *
 * Only for the optimizer's figures (no trade objects) with entries sized independently of the running
 * balance; typed columns (num-column.ts), so thousands of kept positions are a few arrays for the
 * collector and a new candidate reuses their room.
 */
export class PositionMemo {
  /** Candidate generation: `stamp[i] === gen` when `at[i]` is a record of the current candidate. */
  private gen = 1;
  private readonly stamp: Int32Array;
  private readonly at: Int32Array;
  // Records.
  readonly closeIdx = new NumColumn();
  /** Index into the symbol's signals of the next entry attempt after the close. */
  readonly sAfter = new NumColumn();
  readonly evFrom = new NumColumn();
  readonly segFrom = new NumColumn();
  readonly pnl = new NumColumn();
  readonly r = new NumColumn();
  // Events: candle index × 4 + phase, kind, value, margin held after it.
  readonly evKey = new NumColumn();
  readonly evKind = new NumColumn();
  readonly evValue = new NumColumn();
  readonly evHeld = new NumColumn();
  // Segments by candle index [from, to); long 1, short 0.
  readonly sFrom = new NumColumn();
  readonly sTo = new NumColumn();
  readonly sEntry = new NumColumn();
  readonly sQty = new NumColumn();
  readonly sFeeLeft = new NumColumn();
  readonly sLong = new NumColumn();
  /** Positions read back instead of replayed, since this memo was made (for tests and the bench). */
  hits = 0;
  /** Records kept before the current window began. */
  private earlier = 0;
  /** The record being written (between `begin` and `commit`/`discard`), or −1. */
  private open = -1;
  private openAt = -1;

  private readonly columns = [this.closeIdx, this.sAfter, this.evFrom, this.segFrom, this.pnl, this.r, this.evKey, this.evKind, this.evValue, this.evHeld, this.sFrom, this.sTo, this.sEntry, this.sQty, this.sFeeLeft, this.sLong];

  constructor(candles: number) {
    this.stamp = new Int32Array(candles);
    this.at = new Int32Array(candles);
  }

  /** A new candidate: nothing kept applies any more. */
  reset(): void {
    this.gen++;
    for (const a of this.columns) a.truncate(0);
    this.open = -1;
    this.earlier = 0;
  }

  /** A window of the candidate begins: only what earlier windows kept can be read back in it. */
  startWindow(): void {
    this.earlier = this.closeIdx.n;
  }

  /**
   * The record of the position opened at candle i, if an earlier window kept it and it closed before
   * candle `b` (the window's end), else −1. A window enters at candle i at most once, so a record of
   * its own is never asked for: in a candidate's first window nothing is looked up (each lookup reads
   * `stamp` at a candle far from the last one read).
   */
  find(i: number, b: number): number {
    if (this.earlier === 0 || this.stamp[i] !== this.gen) return -1;
    const rec = this.at[i]!;
    if (this.closeIdx.a[rec]! >= b) return -1;
    this.hits++;
    return rec;
  }

  /** Records from here on belong to the position opened at candle i. */
  begin(i: number): void {
    this.open = this.closeIdx.n;
    this.openAt = i;
    this.evFrom.push(this.evKey.n);
    this.segFrom.push(this.sFrom.n);
  }

  get recording(): boolean {
    return this.open >= 0;
  }

  event(keyIdx: number, kind: number, value: number, held: number): void {
    this.evKey.push(keyIdx);
    this.evKind.push(kind);
    this.evValue.push(value);
    this.evHeld.push(held);
  }

  /** The last event recorded closed the position (see Trace.closeLast). */
  closeLast(): void {
    this.evKind.a[this.evKind.n - 1] = EV_CLOSE;
  }

  /** Mirrors the trace's segment changes (see SymbolReplay.changed). */
  endSegment(toIdx: number): void {
    this.sTo.a[this.sTo.n - 1] = toIdx;
  }

  popSegment(): void {
    this.sFrom.pop();
    this.sTo.pop();
    this.sEntry.pop();
    this.sQty.pop();
    this.sFeeLeft.pop();
    this.sLong.pop();
  }

  pushSegment(fromIdx: number, entry: number, qty: number, feeLeft: number, long: boolean): void {
    this.sFrom.push(fromIdx);
    this.sTo.push(Infinity);
    this.sEntry.push(entry);
    this.sQty.push(qty);
    this.sFeeLeft.push(feeLeft);
    this.sLong.push(long ? 1 : 0);
  }

  /** The position closed at candle `closeIdx` (a target, the stop or a signal): keep it. */
  commit(closeIdx: number, sAfter: number, pnl: number, r: number): void {
    this.closeIdx.push(closeIdx);
    this.sAfter.push(sAfter);
    this.pnl.push(pnl);
    this.r.push(r);
    this.stamp[this.openAt] = this.gen;
    this.at[this.openAt] = this.open;
    this.open = -1;
  }

  /** The window's end closed it: forget what was written for it. */
  discard(): void {
    if (this.open < 0) return;
    const ev = this.evFrom.pop();
    const seg = this.segFrom.pop();
    this.evKey.truncate(ev);
    this.evKind.truncate(ev);
    this.evValue.truncate(ev);
    this.evHeld.truncate(ev);
    for (const a of [this.sFrom, this.sTo, this.sEntry, this.sQty, this.sFeeLeft, this.sLong]) a.truncate(seg);
    this.open = -1;
  }

  /** Events of record `rec`: [evFrom[rec], evEnd(rec)). */
  evEnd(rec: number): number {
    return rec + 1 < this.evFrom.n ? this.evFrom.a[rec + 1]! : this.evKey.n;
  }

  segEnd(rec: number): number {
    return rec + 1 < this.segFrom.n ? this.segFrom.a[rec + 1]! : this.sFrom.n;
  }
}
