/**
 * Trades that ended before any target was reached, kept across candidates (issue 15). A position that
 * the stop or an opposite signal closed before its price reached a target depends on its ladder only
 * through the entry (the same for every candidate: entries are sized independently of the exits here)
 * and the initial stop: its one exit, PnL, R multiple and mark are those of any other ladder with the
 * same stop distance whose nearest possible target lies beyond the best price the trade saw before it
 * closed (`fav`: the highest for a long, the lowest for a short, up to the touch of the stop in its last
 * candle). Such a trade is replayed once through the core, then read back for every later candidate
 * that qualifies, before that candidate plans the entry: the core's own results, not a second copy of
 * its rules.
 *
 * A target is a function of the entry, its percentage and the side only (`LadderPlanner`: targetTicks
 * of the entry, then the tick's price), and it moves away from the entry as its percentage grows. So
 * the targets the planner made for a signal are kept by percentage (`TargetPrices`), and a candidate's
 * nearest possible target is that of its smallest percentage (its levels', and the single take-profit's
 * when the plan may fall back to it): whichever level a plan skips, its first target is no nearer.
 *
 * Keyed by stop distance (%) and execution (an index by signal ordinal each: one look-up a trade),
 * checked against the quantity (steps); records by candle index, as PositionMemo keeps them, so that
 * any window holding the whole trade can read it back. Not used with a detail timeframe, nor when
 * sizes follow the equity (then an entry is not the same across candidates), nor for a
 * signal with a stop of its own. A record is one row of a flat array (its test in its first cache line).
 */
// The fields of a record, by offset in its row.
/** The quantity (steps) it was entered with: a read-back checks it. */
const STEPS = 0;
/** The best price seen before the close: a first target at or beyond it would have been reached. */
const FAV = 1;
/** Candle index of the close, and its phase (1: an opposite signal at the open, 3: the stop in the walk). */
const CLOSE = 2;
const PHASE = 3;
/** Signal ordinal of the next entry attempt after the close. */
const S_AFTER = 4;
const PNL = 5;
const R = 6;
/** The mark of the open position: entry price, quantity, entry fee not yet booked, long (1) or short (0). */
const ENTRY = 7;
const QTY = 8;
const FEE_LEFT = 9;
const LONG = 10;
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
  /** Per stop distance and execution (`index`): the record of each signal ordinal, or −1. */
  private readonly indices = new Map<number, [Int32Array | null, Int32Array | null]>();
  private indexCount = 0;
  private rows = new Float64Array(64 * ROW);
  private n = 0;
  /** Trades read back instead of replayed, since this memo was made (for tests and the bench). */
  hits = 0;
  private readonly maxRecords: number;

  /**
   * `signals`: the symbol's number of signals; `maxRecords`: stop keeping past this many (128 bytes
   * each; by default eight per signal, e.g. eight stop distances, then first come first kept).
   */
  constructor(
    private readonly signals: number,
    maxRecords = Math.max(4096, 8 * signals),
    /** Stop distances × executions indexed at most (4 bytes a signal each): a fine grid of stops would grow without end. */
    private readonly maxIndices = 32,
  ) {
    this.maxRecords = maxRecords;
  }

  /**
   * The records of one stop distance (%) and execution, by signal ordinal: what a candidate looks its
   * entries up in (one per candidate and symbol; the trades of signals with a stop of their own are
   * not kept). Null once `maxIndices` are made and this is not one of them: the candidate then
   * replays every trade.
   */
  index(stopPct: number, limit: boolean): Int32Array | null {
    const k = limit ? 1 : 0;
    const pair = this.indices.get(stopPct);
    const had = pair?.[k] ?? null;
    if (had !== null) return had;
    if (this.indexCount >= this.maxIndices) return null;
    this.indexCount++;
    const made = new Int32Array(this.signals).fill(-1);
    if (pair === undefined) this.indices.set(stopPct, k === 0 ? [made, null] : [null, made]);
    else pair[k] = made;
    return made;
  }

  /**
   * The record of the trade of signal s in `index` (its stop and execution), if one was kept with this
   * quantity, its best price stayed short of `nearestTarget` (strictly: touch counts; NaN, unknown:
   * never) and it closed before candle `b`; else −1.
   */
  find(index: Int32Array, s: number, steps: number, long: boolean, nearestTarget: number, b: number): number {
    const rec = index[s]!;
    if (rec < 0) return -1;
    const o = rec * ROW;
    const rows = this.rows;
    const fav = rows[o + FAV]!;
    if (rows[o + STEPS] !== steps || !(long ? fav < nearestTarget : fav > nearestTarget) || rows[o + CLOSE]! >= b) return -1;
    this.hits++;
    return rec;
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

  /** Keeps the trade of signal s in `index` (its stop and execution), unless one is kept there already. */
  keep(index: Int32Array, s: number, steps: number, fav: number, x: FirstExit): void {
    if (index[s]! >= 0) return;
    if (this.n * ROW === this.rows.length) {
      const grown = new Float64Array(this.rows.length * 2);
      grown.set(this.rows);
      this.rows = grown;
    }
    const rec = this.n++;
    index[s] = rec;
    const r = this.rows;
    const o = rec * ROW;
    r[o + STEPS] = steps;
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

/**
 * The target prices the planner made for a symbol's signals, by percentage: `column(pct)[s]` is the
 * target `pct` % from signal s's entry (NaN until a plan with that percentage was made for it). Shared
 * by every candidate: a target depends on the entry, the percentage and the side only.
 */
export class TargetPrices {
  private readonly byPct = new Map<number, Float64Array>();

  constructor(
    private readonly signals: number,
    /** Percentages kept at most (8 bytes a signal each): a fine grid of targets would grow without end. */
    private readonly maxColumns = 64,
  ) {}

  /** Null once `maxColumns` are made and `pct` is not one of them (the candidate then replays every trade). */
  column(pct: number): Float64Array | null {
    let c = this.byPct.get(pct);
    if (c === undefined) {
      if (this.byPct.size >= this.maxColumns) return null;
      this.byPct.set(pct, (c = new Float64Array(this.signals).fill(NaN)));
    }
    return c;
  }
}
