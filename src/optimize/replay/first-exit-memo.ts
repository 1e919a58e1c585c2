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
 * candidates). A record is one row of a flat array (its key and test in its first cache line: a
 * lookup reads one row a probe).
 */
// The fields of a record, by offset in its row.
const NEXT = 0;
const STOP = 1;
const STEPS = 2;
const LIMIT = 3;
/** The best price seen before the close: a first target at or beyond it would have been reached. */
const FAV = 4;
/** Candle index of the close, and its phase (1: an opposite signal at the open, 3: the stop in the walk). */
const CLOSE = 5;
const PHASE = 6;
/** Signal ordinal of the next entry attempt after the close. */
const S_AFTER = 7;
const PNL = 8;
const R = 9;
/** The mark of the open position: entry price, quantity, entry fee not yet booked, long (1) or short (0). */
const ENTRY = 10;
const QTY = 11;
const FEE_LEFT = 12;
const LONG = 13;
const ROW = 16;

/** A record's fields, read by `read`. */
export interface FirstExit {
  closeIdx: number;
  phase: number;
  sAfter: number;
  pnl: number;
  r: number;
  entry: number;
  qty: number;
  feeLeft: number;
  long: boolean;
}

export class FirstExitMemo {
  /** First record of signal ordinal s, or −1; records of one signal are chained by NEXT. */
  private readonly head: Int32Array;
  private rows = new Float64Array(64 * ROW);
  private n = 0;
  /** Trades read back instead of replayed, since this memo was made (for tests and the bench). */
  hits = 0;
  private readonly maxRecords: number;

  /**
   * `signals`: the symbol's number of signals; `maxRecords`: stop keeping past this many (128 bytes
   * each; by default eight per signal, e.g. eight stop distances, then first come first kept).
   */
  constructor(signals: number, maxRecords = Math.max(4096, 8 * signals)) {
    this.head = new Int32Array(signals).fill(-1);
    this.maxRecords = maxRecords;
  }

  /** The record of signal s with this stop, quantity and execution, or −1. */
  private lookup(s: number, stopTicks: number, steps: number, limit: boolean): number {
    const rows = this.rows;
    const l = limit ? 1 : 0;
    for (let rec = this.head[s]!; rec >= 0; rec = rows[rec * ROW + NEXT]!) {
      const o = rec * ROW;
      if (rows[o + STOP] === stopTicks && rows[o + STEPS] === steps && rows[o + LIMIT] === l) return rec;
    }
    return -1;
  }

  /**
   * The record of the trade of signal s with this stop, quantity and execution, if one was kept, its
   * best price stayed short of `firstTarget` (strictly: touch counts) and it closed before candle `b`;
   * else −1.
   */
  find(s: number, stopTicks: number, steps: number, limit: boolean, long: boolean, firstTarget: number, b: number): number {
    const rec = this.lookup(s, stopTicks, steps, limit);
    if (rec < 0) return -1;
    const o = rec * ROW;
    const fav = this.rows[o + FAV]!;
    if (!(long ? fav < firstTarget : fav > firstTarget) || this.rows[o + CLOSE]! >= b) return -1;
    this.hits++;
    return rec;
  }

  /** Is a trade of signal s with this stop, quantity and execution kept already? */
  has(s: number, stopTicks: number, steps: number, limit: boolean): boolean {
    return this.lookup(s, stopTicks, steps, limit) >= 0;
  }

  get full(): boolean {
    return this.n >= this.maxRecords;
  }

  /** Record `rec`'s fields, into `into`. */
  read(rec: number, into: FirstExit): FirstExit {
    const r = this.rows;
    const o = rec * ROW;
    into.closeIdx = r[o + CLOSE]!;
    into.phase = r[o + PHASE]!;
    into.sAfter = r[o + S_AFTER]!;
    into.pnl = r[o + PNL]!;
    into.r = r[o + R]!;
    into.entry = r[o + ENTRY]!;
    into.qty = r[o + QTY]!;
    into.feeLeft = r[o + FEE_LEFT]!;
    into.long = r[o + LONG] === 1;
    return into;
  }

  keep(s: number, stopTicks: number, steps: number, limit: boolean, fav: number, x: FirstExit): void {
    if (this.n * ROW === this.rows.length) {
      const grown = new Float64Array(this.rows.length * 2);
      grown.set(this.rows);
      this.rows = grown;
    }
    const rec = this.n++;
    const r = this.rows;
    const o = rec * ROW;
    r[o + NEXT] = this.head[s]!;
    this.head[s] = rec;
    r[o + STOP] = stopTicks;
    r[o + STEPS] = steps;
    r[o + LIMIT] = limit ? 1 : 0;
    r[o + FAV] = fav;
    r[o + CLOSE] = x.closeIdx;
    r[o + PHASE] = x.phase;
    r[o + S_AFTER] = x.sAfter;
    r[o + PNL] = x.pnl;
    r[o + R] = x.r;
    r[o + ENTRY] = x.entry;
    r[o + QTY] = x.qty;
    r[o + FEE_LEFT] = x.feeLeft;
    r[o + LONG] = x.long ? 1 : 0;
  }
}

/** A record to fill (`FirstExitMemo.read`) or to keep, reused by its owner. */
export const firstExit = (): FirstExit => ({ closeIdx: 0, phase: 0, sAfter: 0, pnl: 0, r: 0, entry: 0, qty: 0, feeLeft: 0, long: true });
