import { type BacktestOptions, type SkipWhy, type SkippedSignal, heldMargin, openEquity, positionsOpenText, settlementPay } from '../../backtest/engine.ts';
import { rMultipleOf } from '../../core/analytics/run-analytics.ts';
import { intrabarPath, triggerHigh, triggerLow, walkCandleOf } from '../../core/candle-path.ts';
import { type FillTally, closeRemainderOf } from '../../core/fill-model.ts';
import { stopPastLiquidation } from '../../core/position-size.ts';
import { type LadderState, type Ledger, NO_RECORD, POSITION_LEDGER, openLadder, qtyOf } from '../../core/scaled-tp/ladder-rules.ts';
import type { LadderPlanner } from '../../core/scaled-tp/ladder-plan.ts';
import type { LadderPlan } from '../../core/model/plan.ts';
import { wholeDetailFrom } from '../../data/candle-series.ts';
import type { EntryCache } from './entry-cache.ts';
import { type FirstExitMemo, firstExit } from './first-exit-memo.ts';
import type { PositionMemo } from './position-memo.ts';
import { EV_CLOSE, EV_FUNDING, EV_PNL, Trace, key } from './trace.ts';
import { BLOCK, BLOCK_SHIFT, type FundingPrep, type WindowSymbol, lowerBound } from './window-index.ts';

export type ReplayOptions = Pick<BacktestOptions, 'settings' | 'fills' | 'intrabar' | 'startingBalance' | 'leverage' | 'maxOpenPositions' | 'positionSize' | 'sizingBalance'>;

/** The shared state the engine decides an entry on (SPEC "Several symbols on one balance"). */
export interface SharedState {
  /** Positions open on all symbols. */
  open: number;
  /** Realised PnL of all symbols so far. */
  realized: number;
  /** The margin each symbol's open position holds now (`heldMargin`), by rank; 0 when flat. */
  readonly held: Float64Array;
  /** The largest margin an entry has taken so far: no symbol holds more (`heldMargin` is a share of it). */
  maxMargin: number;
  /** 1 where the symbol of that rank holds a position now (its entry taken, its close not yet booked). */
  readonly inPosition: Uint8Array;
  /** The replays by rank: an open position's mark at an entry's open (`risk_pct` sizing, `openEquityAt`). */
  readonly replays: readonly SymbolReplay[];
}

/**
 * The engine's `sizingEquity` at the open of point k (phase 2): the realised `balance` plus every open
 * position's `openEquityAt(k)`, in rank (symbol) order, so the doubles are the engine's.
 */
function equityAt(st: SharedState, balance: number, k: number): number {
  let e = balance;
  for (let q = 0; q < st.inPosition.length; q++) if (st.inPosition[q] === 1) e += st.replays[q]!.openEquityAt(k);
  return e;
}

/**
 * The trades shared across candidates (first-exit-memo.ts) as one candidate's replay of one symbol
 * uses them: the memo, and the target prices by signal of the candidate's percentages.
 */
export interface FirstExits {
  readonly memo: FirstExitMemo;
  /** The memo's records of the settings' stop distance and execution (`FirstExitMemo.index`). */
  readonly index: Int32Array;
  /** Of each level's percentage, in the settings' order, and of the single take-profit's. */
  readonly levels: readonly Float64Array[];
  readonly single: Float64Array;
  /**
   * Of the smallest and the largest percentage a plan of these settings may aim at (its levels', and
   * the single take-profit's when a plan may use it): every target of such a plan lies between them.
   */
  readonly nearest: Float64Array;
  readonly farthest: Float64Array;
}

/**
 * A `FillTally` that hands each fill's PnL to its replay (`SymbolReplay.fill`) and reads 0. A class, its
 * accessors on the prototype: the core adds every fill with `tally.realized += pnl`, and an object
 * literal's own get/set pair (new closures per literal) is not a constant V8 can inline, so each fill
 * took the generic accessor path (~100 ns against ~3 ns in a Node 20 micro-benchmark).
 */
class FillHandover implements FillTally {
  constructor(private readonly replay: SymbolReplay) {}

  get realized(): number {
    return 0;
  }

  set realized(pnl: number) {
    this.replay.fill(pnl);
  }
}

/**
 * One symbol of one window, replayed for one exit policy through the core, position by position.
 * Its next step is either the next event of the position in flight (a fill, the close) or the next
 * entry attempt (a signal while flat). The window's loop (run-window.ts) takes the steps of all
 * symbols in the engine's order and decides each entry on the shared state at that moment; an entry
 * taken is replayed at once to its end — last target, stop, an opposite signal at an open (which
 * closes there and is the next attempt), or the end of the window's data — walking only the candles
 * that leave the position's trigger band, since nothing that happens on other symbols can change an
 * open position. Same-side signals while in a position are ignored, as in the engine.
 */
export class SymbolReplay {
  readonly trace = new Trace();
  /** Next unread event of `trace`. */
  cursor = 0;
  private ws!: WindowSymbol;
  private planner!: LadderPlanner;
  private cache!: EntryCache;
  private o!: ReplayOptions;
  private path!: Float64Array;
  /** Index into the symbol's signals (`prep.signalAt`) of the pending entry attempt. */
  private s = 0;
  /** Candle index (full series) of the pending entry attempt, or −1 when the symbol is done. */
  private attemptAt = -1;
  /** Its sort key (Infinity when none). */
  private attemptKey = Infinity;
  private count = 0;
  // The position being replayed.
  /** The open trade's ladder, changed in place by the core's rules (as in the engine). */
  private pos: LadderState | null = null;
  /** The last closed ladder when trades are not kept: the next position is written into it. */
  private spare: LadderState | null = null;
  private margin = 0;
  private lo = 0;
  private hi = 0;
  /** Sort key of whatever the core books now, and the same by candle index (candle × 4 + phase; −1 at an `end`). */
  private now = 0;
  private nowIdx = 0;
  /** Positions kept from earlier windows of this candidate (figures only), or null. */
  private memo: PositionMemo | null = null;
  /** Keep this window's positions in the memo (more windows of this candidate follow). */
  private remember = false;
  /** Keep each closed trade (a `BacktestRun`), or only its PnL and R multiple (the optimizer's figures). */
  private keep = true;
  /** The engine's words for the last refused entry (kept trades only: the optimizer needs no text). */
  private skipDetail = '';
  /** Fills booked since this was last cleared. */
  private fills = 0;
  /** Trades closed before any target, shared by all candidates (figures only), or null. */
  private firstExits: FirstExits | null = null;
  /** Keep the position in flight in `firstExits` if it closes with its first fill, by the stop or a signal. */
  private keepFirstExit = false;
  /** The position in flight's entry candle and signal ordinal, and its fills so far. */
  private entryIdx = 0;
  private entrySignal = 0;
  private positionFills = 0;
  /**
   * The last position entered (sizes that follow the equity only): its time-line point and its mark terms
   * at that open, before its entry candle's walk (which its trace's segment from that point already holds).
   */
  private enteredPoint = -1;
  private enteredLong = true;
  private enteredPrice = 0;
  private enteredQty = 0;
  private enteredFeeLeft = 0;
  /** A record of `firstExits.memo`, read or written (reused). */
  private readonly fx = firstExit();
  /**
   * Where the core records the position's exits: on the position when its trades are kept, else
   * nowhere (`NO_RECORD`): the figures need only each trade's PnL, summed here from its fills.
   */
  private ledger: Ledger = POSITION_LEDGER;
  /**
   * The PnL of the position's fills so far, in fill order: `totalPnl` of it, since an instant fill
   * fills its whole order once (no two fills are merged into one exit).
   */
  private tradePnl = 0;
  /** The symbol's funding settlements, or null (not modelled); the next one the open position may be charged; what it paid so far. */
  private fund: FundingPrep | null = null;
  private fs = 0;
  private tradeFunding = 0;
  /**
   * Where the core's instant fills add their PnL (`tally.realized += pnl`, in fill order): a tally whose
   * `realized` reads 0 hands over each fill's PnL itself, which the window's loop adds to the shared
   * realised PnL in the engine's order of all symbols' fills.
   */
  private readonly tally: FillTally = new FillHandover(this);

  start(
    ws: WindowSymbol,
    planner: LadderPlanner,
    cache: EntryCache,
    o: ReplayOptions,
    path: Float64Array,
    keep: boolean,
    memo: PositionMemo | null,
    remember: boolean,
    firstExits: FirstExits | null = null,
  ): void {
    this.keep = keep;
    this.fund = ws.prep.funding;
    // A trade read back from another candidate's is one event at its close: its funding has events of its own.
    this.firstExits = keep || ws.prep.detail !== null || this.fund !== null ? null : firstExits;
    this.ledger = keep ? POSITION_LEDGER : NO_RECORD;
    this.memo = keep ? null : memo;
    this.memo?.startWindow();
    this.remember = remember;
    this.ws = ws;
    this.planner = planner;
    this.cache = cache;
    this.o = o;
    this.path = path;
    this.trace.reset();
    this.cursor = 0;
    this.count = 0;
    this.pos = null;
    this.enteredPoint = -1;
    this.s = ws.sigFrom;
    this.setAttempt(this.s < ws.sigTo ? ws.prep.signalAt[this.s]! : -1);
  }

  /** Sort key (point × 4 + phase) of this symbol's next step; Infinity when it has none left. */
  headKey(): number {
    return this.cursor < this.trace.keys.n ? this.trace.keys.a[this.cursor]! : this.attemptKey;
  }

  private setAttempt(i: number): void {
    this.attemptAt = i;
    this.attemptKey = i < 0 ? Infinity : key(this.ws.point[i - this.ws.a]!, 2);
  }

  /** Is the next step an entry attempt (else an event of `trace` at `cursor`)? */
  headIsAttempt(): boolean {
    return this.cursor >= this.trace.keys.n;
  }

  /**
   * The engine's `enter` at the pending signal, on the shared state: the slot, the size, the
   * exchange's minimums, the margin, the plan. A refused entry returns why (with the engine's
   * words when trades are kept); a taken one updates `st` and is replayed to its end. Either way
   * the next attempt is set.
   */
  attempt(st: SharedState, rank: number): SkippedSignal | SkipWhy | null {
    const { ws } = this;
    const i = this.attemptAt;
    const why = this.enter(i, st);
    if (why !== null) {
      const sig = ws.prep.sym.signals[i]!;
      this.s++;
      this.setAttempt(this.s < ws.sigTo ? ws.prep.signalAt[this.s]! : -1);
      return this.keep ? { symbol: ws.prep.sym.symbol, timeMs: sig.timeMs, side: sig.side, why, detail: this.skipDetail } : why;
    }
    st.held[rank] = this.margin;
    if (!(this.margin <= st.maxMargin)) st.maxMargin = this.margin;
    st.inPosition[rank] = 1;
    st.open++;
    if (this.pos !== null) this.replayPosition(i);
    return null;
  }

  private enter(i: number, st: SharedState): SkipWhy | null {
    const o = this.o;
    const keep = this.keep;
    if (st.open >= o.maxOpenPositions) {
      if (keep) this.skipDetail = positionsOpenText(st.open);
      return 'max_open_positions';
    }
    const { prep } = this.ws;
    const s = this.s;
    const long = prep.signalLong[s] === 1;
    const own = prep.signalStop[s]!;
    const stopPct = Number.isNaN(own) ? o.settings.stopLossPct : own;
    // The engine's rule, in its order: a stop past liquidation (a signal's own, an ATR stop) is not entered.
    const past = stopPastLiquidation(stopPct, o.leverage);
    if (past !== null) {
      if (keep) this.skipDetail = past;
      return 'stop_past_liquidation';
    }
    const balance = o.startingBalance + st.realized;
    const e = this.cache;
    const k = this.ws.point[i - this.ws.a]!;
    // The engine's sizingEquity: risk_pct from the running balance with the open positions marked at this open.
    e.get(s, long, stopPct, o.sizingBalance === 'starting' ? o.startingBalance : e.varies && st.open > 0 ? equityAt(st, balance, k) : balance);
    if (e.refused) {
      this.skipDetail = e.refused.detail;
      return e.refused.why;
    }
    // The engine's usedMargin: what every open position holds now, summed in symbol order. Not summed when
    // the balance leaves room for every symbol holding twice the largest margin taken, with a relative
    // slack far above the sum's rounding: the engine's test below cannot refuse then.
    if (!(e.margin + 2 * st.held.length * st.maxMargin < balance * (1 - 1e-9))) {
      let used = 0;
      for (let q = 0; q < st.held.length; q++) if (st.held[q] !== 0) used += st.held[q]!;
      if (e.margin > balance - used) {
        if (keep) this.skipDetail = `needs ${e.margin.toFixed(2)}, free ${(balance - used).toFixed(2)}`;
        return 'insufficient_margin';
      }
    }
    const memo = this.memo;
    if (memo !== null) {
      const rec = memo.find(i, this.ws.wholeTo);
      if (rec >= 0) {
        this.margin = e.margin;
        this.recall(memo, rec);
        return null;
      }
    }
    // Another candidate's trade of this entry and stop that no target of this one could have changed:
    // read back before planning. The farthest target known too: every target of the plan is then a
    // positive price (the plan would not refuse the entry), as the nearest and farthest were.
    // (Not for a signal with a stop of its own: the index is the settings' stop distance.)
    const fx = Number.isNaN(own) ? this.firstExits : null;
    this.keepFirstExit = false;
    if (fx !== null) {
      const far = fx.farthest[s]!;
      const rec = far === far ? fx.memo.find(fx.index, s, e.steps, long, fx.nearest[s]!, this.ws.wholeTo) : -1;
      if (rec >= 0) {
        this.margin = e.margin;
        this.recallFirstExit(fx.memo, rec, i, e.steps);
        return null;
      }
      this.keepFirstExit = !fx.memo.full && fx.index[s]! < 0;
    }
    // Kept trades keep their plans; the figures drop each position when it closes: the planner's scratch.
    const req = { side: long ? ('long' as const) : ('short' as const), entryPrice: e.exact ?? e.price, quantitySteps: e.steps, stopLossPct: stopPct };
    const plan = this.keep ? this.planner.plan(req) : this.planner.planScratch(req);
    if (!plan.ok) {
      this.skipDetail = plan.error.message;
      return 'plan_error';
    }
    if (this.firstExits !== null) keepTargets(this.firstExits, plan.value, s);
    this.entryIdx = i;
    this.entrySignal = s;
    this.positionFills = 0;
    const { sym } = this.ws.prep;
    this.pos = openLadder({ id: this.idOf(++this.count), symbol: sym.symbol, timeMs: sym.candles.time[i]!, entryFee: e.fee, plan: plan.value }, null, this.keep ? null : this.spare);
    this.tradePnl = 0;
    this.tradeFunding = 0;
    if (e.varies) {
      const p = this.pos;
      this.enteredPoint = k;
      this.enteredLong = long;
      this.enteredPrice = p.entryPrice;
      this.enteredQty = qtyOf(p.remainingSteps, p.plan);
      this.enteredFeeLeft = p.entryFee - p.entryFeeBooked;
    }
    // Settlements at or before the entry's open were charged before it (to a position closed then, or nobody).
    if (this.fund !== null) this.fs = lowerBound(this.fund.at, i + 1);
    this.margin = e.margin;
    if (this.remember) memo?.begin(i);
    this.changed(i, k);
    return null;
  }

  /**
   * The engine's term of this symbol's open position in `sizingEquity` at the open of point k (an entry
   * of another symbol there): `openEquity` marked at its candle's open at k when it has one, else at its
   * latest close before k; its state at that open: as entered when entered at k (by a symbol ranked
   * before), else after its last walk before k (the trace's segment over k − 1: nothing at phases 0 and 1
   * of k changes an open position but its close).
   */
  openEquityAt(k: number): number {
    const { a, point } = this.ws;
    const c = this.ws.prep.sym.candles;
    const x = lowerBound(point, k);
    const mark = x < point.length && point[x] === k ? c.open[a + x]! : c.close[a + x - 1]!;
    if (this.enteredPoint === k) return openEquity(this.enteredLong, mark, this.enteredPrice, this.enteredQty, this.enteredFeeLeft);
    const tr = this.trace;
    // The last segment from k − 1 or before (segments start in time order).
    let lo = 0;
    let hi = tr.segFrom.n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (tr.segFrom.a[mid]! <= k - 1) lo = mid + 1;
      else hi = mid;
    }
    const g = lo - 1;
    if (g < 0 || !(tr.segTo.a[g]! > k - 1)) throw new Error(`replay: ${this.ws.prep.sym.symbol} holds a position at point ${k} without its mark`);
    return openEquity(tr.segLong.a[g] === 1, mark, tr.segEntry.a[g]!, tr.segQty.a[g]!, tr.segFeeLeft.a[g]!);
  }

  /** The engine's position id, `SYMBOL-n`: made once per symbol and n, then shared by every candidate. */
  private idOf(n: number): string {
    const ids = this.ws.prep.ids;
    return (ids[n] ??= `${this.ws.prep.sym.symbol}-${n}`);
  }

  /** A position kept from an earlier window: its events and marks on this window's time line, and the next attempt. */
  private recall(memo: PositionMemo, rec: number): void {
    const { ws, trace } = this;
    const { a, point } = ws;
    for (let e = memo.evFrom.a[rec]!, to = memo.evEnd(rec); e < to; e++) {
      const k = memo.evKey.a[e]!;
      const at = point[(k >> 2) - a]! * 4 + (k & 3);
      const kind = memo.evKind.a[e]!;
      trace.event(at, kind === EV_FUNDING ? EV_FUNDING : EV_PNL, memo.evValue.a[e]!, memo.evHeld.a[e]!);
      if (kind === EV_CLOSE) trace.closeLast(at);
    }
    for (let g = memo.segFrom.a[rec]!, to = memo.segEnd(rec); g < to; g++) {
      trace.pushSegment(point[memo.sFrom.a[g]! - a]!, memo.sEntry.a[g]!, memo.sQty.a[g]!, memo.sFeeLeft.a[g]!, memo.sLong.a[g] === 1);
      trace.segTo.a[trace.segTo.n - 1] = point[memo.sTo.a[g]! - a]!;
    }
    trace.closed(memo.pnl.a[rec]!, memo.r.a[rec]!);
    this.s = memo.sAfter.a[rec]!;
    this.setAttempt(this.s < ws.sigTo ? ws.prep.signalAt[this.s]! : -1);
  }

  /** A trade of `firstExits` read back: its fill and close, its mark, and the next attempt (PositionMemo's too, when recording). */
  private recallFirstExit(fx: FirstExitMemo, rec: number, i: number, steps: number): void {
    const { ws, trace } = this;
    const { a, point } = ws;
    const { closeIdx: c, phase, pnl, r, entry, qty, feeLeft, long, sAfter } = fx.read(rec, this.fx);
    const k = point[c - a]! * 4 + phase;
    // The margin it holds once closed, as SymbolReplay.fill computes it after the closing fill.
    const held = heldMargin(this.margin, 0, steps);
    trace.event(k, EV_PNL, pnl, held);
    trace.closeLast(k);
    // Closed in its entry candle: no mark (SymbolReplay.changed drops a segment of no points).
    if (c !== i) {
      trace.pushSegment(point[i - a]!, entry, qty, feeLeft, long);
      trace.segTo.a[trace.segTo.n - 1] = point[c - a]!;
    }
    trace.closed(pnl, r);
    this.s = sAfter;
    this.setAttempt(this.s < ws.sigTo ? ws.prep.signalAt[this.s]! : -1);
    const memo = this.memo;
    if (memo !== null && this.remember) {
      memo.begin(i);
      memo.event(c * 4 + phase, EV_CLOSE, pnl, held);
      if (c !== i) {
        memo.pushSegment(i, entry, qty, feeLeft, long);
        memo.endSegment(c);
      }
      memo.commit(c, this.s, pnl, r);
    }
  }

  /**
   * The position in flight closed with its first fill, by the stop (phase 3) or an opposite signal
   * (phase 1): keep it for the candidates to come, with the best price it saw before the close.
   */
  private keepInFirstExit(p: LadderState, pnl: number, r: number): void {
    const phase = this.nowIdx & 3;
    if (phase !== 1 && phase !== 3) return;
    for (const l of p.levels) if (l.filledSteps !== 0) return;
    const c = this.nowIdx >> 2;
    const i = this.entryIdx;
    const long = p.side === 'long';
    const { lowMin, highMax, sym } = this.ws.prep;
    let fav = long ? -Infinity : Infinity;
    for (let j = i; j < c; j++) fav = long ? Math.max(fav, highMax[j]!) : Math.min(fav, lowMin[j]!);
    if (phase === 3) {
      // The stop's candle: its path up to the segment that touched the stop (a target there would have come first).
      const { open: O, high: H, low: L, close: C } = sym.candles;
      const path = this.path;
      intrabarPath(path, O[c]!, H[c]!, L[c]!, C[c]!, p.side, this.o.intrabar);
      const stop = p.plan.initialStopPrice;
      for (let k = 0; k < 4; k++) {
        const x = path[k]!;
        fav = long ? Math.max(fav, x) : Math.min(fav, x);
        const y = k < 3 ? path[k + 1]! : x;
        if (long ? x <= stop || y <= stop : x >= stop || y >= stop) break;
      }
    }
    const x = this.fx;
    x.closeIdx = c;
    x.phase = phase;
    x.sAfter = this.s;
    x.pnl = pnl;
    x.r = r;
    x.entry = p.entryPrice;
    x.qty = qtyOf(p.originalSteps, p.plan);
    x.feeLeft = p.entryFee;
    x.long = long;
    const fx = this.firstExits!;
    fx.memo.keep(fx.index, this.entrySignal, p.originalSteps, fav, x);
  }

  /**
   * The position opened at candle i, to its end. Afterwards the next attempt is the first signal the
   * symbol sees flat: the opposite signal that closed it, or the first signal after a close by a
   * target or the stop (every signal before it, while the position was open, was on its side).
   */
  private replayPosition(i: number): void {
    const { ws } = this;
    const { a, b, point } = ws;
    const { signalAt, sym } = ws.prep;
    const c = sym.candles;
    let next = i;
    for (this.s++; this.s < ws.sigTo; this.s++) {
      const j = signalAt[this.s]!;
      this.walkRange(next, j);
      if (this.pos === null) break;
      next = j;
      if ((this.pos.side === 'long') !== (ws.prep.signalLong[this.s] === 1)) {
        if (this.fund !== null) this.fundTo(j);
        this.now = key(point[j - a]!, 1);
        this.nowIdx = j * 4 + 1;
        closeRemainderOf(this.pos, 'signal', c.open[j]!, c.time[j]!, this.o.fills, null, this.tally, this.ledger);
        this.book();
        this.changed(j, point[j - a]!);
        if (this.pos === null) break;
      }
    }
    if (this.s < ws.sigTo) {
      this.setAttempt(signalAt[this.s]!);
      this.keepClosed();
      return;
    }
    this.setAttempt(-1);
    if (this.pos !== null) this.walkRange(next, b);
    if (this.pos !== null) {
      if (this.fund !== null) this.fundAtEnd(b);
      this.now = key(ws.endPoint, 0);
      this.nowIdx = -1;
      closeRemainderOf(this.pos, 'end', c.close[b - 1]!, c.time[b - 1]! + c.timeframeMs, this.o.fills, null, this.tally, this.ledger);
      this.book();
      this.changed(-1, ws.endPoint);
      if (this.pos !== null) this.trace.unclosed = true;
      this.memo?.discard();
      return;
    }
    this.keepClosed();
  }

  /** The position closed by a target, the stop or a signal inside the window: the memo keeps it for the next windows. */
  private keepClosed(): void {
    const memo = this.memo;
    if (memo === null || !memo.recording) return;
    const tr = this.trace;
    const closeIdx = this.nowIdx >> 2;
    if (closeIdx >= this.ws.wholeTo) return memo.discard();
    memo.commit(closeIdx, this.s, tr.pnls.a[tr.pnls.n - 1]!, tr.rs.a[tr.rs.n - 1]!);
  }

  /** One fill's PnL (from the tally, FillHandover), at the current sort key. */
  fill(pnl: number): void {
    this.fills++;
    this.positionFills++;
    this.tradePnl += pnl;
    // The core booked the fill on the position before handing over its PnL: its remainder is the new one.
    const p = this.pos!;
    const held = heldMargin(this.margin, p.remainingSteps, p.originalSteps);
    this.trace.event(this.now, EV_PNL, pnl, held);
    if (this.memo !== null && this.memo.recording) this.memo.event(this.nowIdx, EV_PNL, pnl, held);
  }

  /**
   * The engine's `settle` for the open position at the open of candle j (before its signal, entry
   * or walk): every settlement charged at an open up to j not charged yet, on what it holds now (its
   * quantity changed only at walks and closes, each of which charges up to its own candle first).
   */
  private fundTo(j: number): void {
    const f = this.fund!;
    const { a, point } = this.ws;
    const O = this.ws.prep.sym.candles.open;
    for (; this.fs < f.at.length && f.at[this.fs]! <= j; this.fs++) {
      const c = f.at[this.fs]!;
      this.charge(this.fs, O[c]!, key(point[c - a]!, 1), c * 4 + 1);
    }
  }

  /** The engine's `end`: settlements inside the last candle (before its close) are charged at that close, before the remainder closes. */
  private fundAtEnd(b: number): void {
    const f = this.fund!;
    this.fundTo(b - 1);
    const c = this.ws.prep.sym.candles;
    const closeMs = c.time[b - 1]! + c.timeframeMs;
    for (; this.fs < f.at.length && f.time[this.fs]! < closeMs; this.fs++) this.charge(this.fs, c.close[b - 1]!, key(this.ws.endPoint, 0), -1);
  }

  /** Settlement k charged to the open position: −(signed notional) × rate, the notional at the mark price when known, else at `price`. */
  private charge(k: number, price: number, sortKey: number, keyIdx: number): void {
    const f = this.fund!;
    const p = this.pos!;
    // The engine's function (the same doubles).
    const pay = settlementPay(p, f.price[k]!, price, f.rate[k]!);
    this.tradeFunding += pay;
    const held = heldMargin(this.margin, p.remainingSteps, p.originalSteps);
    this.trace.event(sortKey, EV_FUNDING, pay, held);
    if (this.memo !== null && this.memo.recording && keyIdx >= 0) this.memo.event(keyIdx, EV_FUNDING, pay, held);
  }

  /** The engine's `book` after the core changed the ladder: a closed one is a trade, its margin freed. */
  private book(): void {
    const p = this.pos!;
    if (p.status !== 'closed') return;
    if (this.keep) {
      // SPEC "Fees": with funding modelled, a trade's pnl is its exits' plus its funding (totalPnl).
      if (this.fund !== null) p.funding = this.tradeFunding;
      this.trace.trades.push(p);
    } else {
      this.spare = p;
      // The figures the optimizer needs (its PnL as `totalPnl` sums it, its R by the core's rule); the ladder itself can go.
      const pnl = this.fund === null ? this.tradePnl : this.tradePnl + this.tradeFunding;
      const r = rMultipleOf(pnl, p);
      this.trace.closed(pnl, r);
      if (this.keepFirstExit && this.positionFills === 1) this.keepInFirstExit(p, pnl, r);
    }
    this.trace.closeLast(this.now);
    if (this.memo !== null && this.memo.recording) this.memo.closeLast();
    this.pos = null;
  }

  /**
   * The position changed at candle j, time-line point k (j −1: the window's end): its mark from k on
   * (the state after k's walk). The memo, when recording, keeps the same segments by candle index.
   */
  private changed(j: number, k: number): void {
    const tr = this.trace;
    const memo = this.memo !== null && this.memo.recording ? this.memo : null;
    const n = tr.segFrom.n;
    if (n > 0 && tr.segTo.a[n - 1] === Infinity) {
      if (tr.segFrom.a[n - 1] === k) {
        tr.popSegment();
        memo?.popSegment();
      } else {
        tr.segTo.a[n - 1] = k;
        memo?.endSegment(j);
      }
    }
    const p = this.pos;
    if (p === null) return;
    // The core's own quantity of steps (its plan's step as a number: no BigInt read per change).
    const qty = qtyOf(p.remainingSteps, p.plan);
    tr.pushSegment(k, p.entryPrice, qty, p.entryFee - p.entryFeeBooked, p.side === 'long');
    memo?.pushSegment(j, p.entryPrice, qty, p.entryFee - p.entryFeeBooked, p.side === 'long');
    this.lo = triggerLow(p);
    this.hi = triggerHigh(p);
  }

  /** Walks candles [from, to) while the position is open (the engine's `walkAt` on each). */
  private walkRange(from: number, to: number): void {
    const { ws } = this;
    const { a, point } = ws;
    const { lowMin, highMax, blockLow, blockHigh, detail, sym } = ws.prep;
    const { open: O, high: H, low: L, close: C, time: T } = sym.candles;
    const { intrabar, fills } = this.o;
    if (detail !== null) {
      for (let j = from; j < to && this.pos !== null; j++) {
        this.now = key(point[j - a]!, 3);
        this.nowIdx = j * 4 + 3;
        if (this.walkDetail(j)) this.changed(j, point[j - a]!);
      }
      return;
    }
    let j = from;
    while (this.pos !== null) {
      // The hot loop: a candle strictly inside the trigger band changes nothing (the engine skips it too).
      const lo = this.lo;
      const hi = this.hi;
      // A whole block inside the band is skipped at once; else its candles one by one.
      while (j < to) {
        if ((j & (BLOCK - 1)) === 0 && j + BLOCK <= to && blockLow[j >> BLOCK_SHIFT]! > lo && blockHigh[j >> BLOCK_SHIFT]! < hi) j += BLOCK;
        else if (lowMin[j]! > lo && highMax[j]! < hi) j++;
        else break;
      }
      if (j >= to) return;
      if (this.fund !== null) this.fundTo(j);
      this.now = key(point[j - a]!, 3);
      this.nowIdx = j * 4 + 3;
      this.fills = 0;
      walkCandleOf(this.pos, this.path, O[j]!, H[j]!, L[j]!, C[j]!, T[j]!, intrabar, fills, this.tally, this.ledger);
      this.book();
      if (this.fills > 0) this.changed(j, point[j - a]!);
      else this.band();
      j++;
    }
  }

  /** Candle j's detail candles in the window when they make it up whole (else candle j itself), each skipped inside the band. True when the position changed. */
  private walkDetail(j: number): boolean {
    const { ws } = this;
    const d = ws.prep.detail!;
    const c = ws.prep.sym.candles;
    const dc = d.candles;
    const from = wholeDetailFrom(c, j, dc, ws.dA, ws.dB);
    if (from < 0) return this.walkOne(c.open, c.high, c.low, c.close, c.time, ws.prep.lowMin, ws.prep.highMax, j);
    const to = from + c.timeframeMs / dc.timeframeMs;
    let any = false;
    for (let q = from; q < to && this.pos !== null; q++) if (this.walkOne(dc.open, dc.high, dc.low, dc.close, dc.time, d.lowMin, d.highMax, q)) any = true;
    return any;
  }

  /** The engine's `walk` on candle q of one series: nothing happens to a candle strictly inside the band. */
  private walkOne(O: Float64Array, H: Float64Array, L: Float64Array, C: Float64Array, T: Float64Array, mn: Float64Array, mx: Float64Array, q: number): boolean {
    if (mn[q]! > this.lo && mx[q]! < this.hi) return false;
    this.fills = 0;
    walkCandleOf(this.pos!, this.path, O[q]!, H[q]!, L[q]!, C[q]!, T[q]!, this.o.intrabar, this.o.fills, this.tally, this.ledger);
    this.book();
    this.band();
    return this.fills > 0;
  }

  /** The trigger band of the ladder as it is now. */
  private band(): void {
    if (this.pos === null) return;
    this.lo = triggerLow(this.pos);
    this.hi = triggerHigh(this.pos);
  }
}

/** The targets of a plan just made for signal s, kept by percentage for the candidates to come. */
function keepTargets(fx: FirstExits, plan: LadderPlan, s: number): void {
  const levels = plan.levels;
  if (plan.mode === 'single') {
    fx.single[s] = levels[0]!.targetPrice;
    return;
  }
  for (let k = 0; k < levels.length; k++) fx.levels[k]![s] = levels[k]!.targetPrice;
}
