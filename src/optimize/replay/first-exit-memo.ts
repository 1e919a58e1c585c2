import { NumColumn } from './num-column.ts';

/**
 * Trades that ended before any target was reached, kept across candidates (issue 15). A position that
 * the stop or an opposite signal closed before its price reached the first target depends on its
 * ladder only through the entry (the same for every candidate: entries are sized independently of the
 * exits here), the initial stop and that first target: its one exit, PnL, R multiple and mark are those
 * of any other ladder with the same stop whose first target lies beyond the best price the trade saw
 * before it closed (`fav`: the highest for a long, the lowest for a short, up to the touch of the
 * stop in its last candle). Such a trade is replayed once through the core, then read back for every
 * later candidate that qualifies: the core's own results, not a second copy of its rules.
 *
 * Keyed by signal ordinal, stop (ticks), quantity (steps) and execution; records by candle index, as
 * PositionMemo keeps them, so that any window holding the whole trade can read it back. Not used with a
 * detail timeframe, nor when sizes follow the running balance (then an entry is not the same across
 * candidates).
 */
export class FirstExitMemo {
  /** First record of signal ordinal s, or −1; records of one signal are chained by `next`. */
  private readonly head: Int32Array;
  readonly next = new NumColumn();
  readonly stopTicks = new NumColumn();
  readonly steps = new NumColumn();
  readonly limit = new NumColumn();
  /** The best price seen before the close: a first target at or beyond it would have been reached. */
  readonly fav = new NumColumn();
  /** Candle index of the close, and its phase (1: an opposite signal at the open, 3: the stop in the walk). */
  readonly closeIdx = new NumColumn();
  readonly phase = new NumColumn();
  /** Signal ordinal of the next entry attempt after the close. */
  readonly sAfter = new NumColumn();
  readonly pnl = new NumColumn();
  readonly r = new NumColumn();
  /** The mark of the open position: entry price, quantity, entry fee not yet booked, long (1) or short (0). */
  readonly entry = new NumColumn();
  readonly qty = new NumColumn();
  readonly feeLeft = new NumColumn();
  readonly long = new NumColumn();
  /** Trades read back instead of replayed, since this memo was made (for tests and the bench). */
  hits = 0;
  private readonly maxRecords: number;

  /**
   * `signals`: the symbol's number of signals; `maxRecords`: stop keeping past this many (~120 bytes
   * each; by default eight per signal, e.g. eight stop distances, then first come first kept).
   */
  constructor(signals: number, maxRecords = Math.max(4096, 8 * signals)) {
    this.head = new Int32Array(signals).fill(-1);
    this.maxRecords = maxRecords;
  }

  /**
   * The record of the trade of signal s with this stop, quantity and execution, if one was kept, its
   * best price stayed short of `firstTarget` (strictly: touch counts) and it closed before candle `b`;
   * else −1.
   */
  find(s: number, stopTicks: number, steps: number, limit: boolean, long: boolean, firstTarget: number, b: number): number {
    for (let rec = this.head[s]!; rec >= 0; rec = this.next.a[rec]!) {
      if (this.stopTicks.a[rec] !== stopTicks || this.steps.a[rec] !== steps || this.limit.a[rec] !== (limit ? 1 : 0)) continue;
      const fav = this.fav.a[rec]!;
      if ((long ? fav < firstTarget : fav > firstTarget) && this.closeIdx.a[rec]! < b) {
        this.hits++;
        return rec;
      }
      return -1;
    }
    return -1;
  }

  /** Is a trade of signal s with this stop, quantity and execution kept already? */
  has(s: number, stopTicks: number, steps: number, limit: boolean): boolean {
    for (let rec = this.head[s]!; rec >= 0; rec = this.next.a[rec]!) {
      if (this.stopTicks.a[rec] === stopTicks && this.steps.a[rec] === steps && this.limit.a[rec] === (limit ? 1 : 0)) return true;
    }
    return false;
  }

  get full(): boolean {
    return this.next.n >= this.maxRecords;
  }

  keep(
    s: number,
    stopTicks: number,
    steps: number,
    limit: boolean,
    fav: number,
    closeIdx: number,
    phase: number,
    sAfter: number,
    pnl: number,
    r: number,
    entry: number,
    qty: number,
    feeLeft: number,
    long: boolean,
  ): void {
    this.next.push(this.head[s]!);
    this.head[s] = this.next.n - 1;
    this.stopTicks.push(stopTicks);
    this.steps.push(steps);
    this.limit.push(limit ? 1 : 0);
    this.fav.push(fav);
    this.closeIdx.push(closeIdx);
    this.phase.push(phase);
    this.sAfter.push(sAfter);
    this.pnl.push(pnl);
    this.r.push(r);
    this.entry.push(entry);
    this.qty.push(qty);
    this.feeLeft.push(feeLeft);
    this.long.push(long ? 1 : 0);
  }
}
