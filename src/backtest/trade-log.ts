import type { LadderPlan, LevelReason, StopRule } from '../core/model/plan.ts';
import { type ExitReason, type LevelState, type LevelStatus, type PartialExit, type StopMove, closeClientId, exitClientId, stopClientId } from '../core/model/position.ts';
import type { LadderPlanner } from '../core/scaled-tp/ladder-plan.ts';
import { type LadderState, NONE, levelState } from '../core/scaled-tp/ladder-rules.ts';
import type { Side, Steps, Ticks } from '../core/units.ts';
import { Rows } from './columns.ts';
import { OpenTradeRows } from './open-trade-rows.ts';

/**
 * A backtest's closed trades, one column per field (issue 14 part 3): a closed ladder state is
 * written here when it closes and read back, field by field, by its `ClosedTrade` view. A trade of
 * three exits and a stop move takes ~0.2 KB of columns instead of ~2 KB of objects (the 10M-candle
 * run's 360,000 trades fit well under 1 GB), and keeping thousands of trades costs the garbage
 * collector nothing: a run's records are a few typed arrays, not 20 objects per trade to copy.
 *
 * Nothing is lost: what the columns do not hold is held beside them, row by row, when it is not what
 * the trade's own fields give (an id that is not `<symbol>-<n>`, a client id that is not `<id>-tpN` /
 * `<id>-close`, trade ids that are not the exits' client ids, an entry planned from an exact text).
 * The plan is not held at all: the symbol's planner is pure and makes it again from the same request.
 */
export class TradeLog {
  private n = 0;
  private readonly symbols: string[] = [];
  private readonly planners: LadderPlanner[] = [];
  private readonly plannerIndex = new Map<LadderPlanner, number>();
  /** A row per trade, its fields at the T_ offsets. */
  private readonly trades = new Rows(T_STRIDE);
  private readonly ids = new Map<number, string>();
  private readonly entryTexts = new Map<number, string>();
  private readonly tpLevelsHit = new Map<number, readonly number[]>();
  private readonly appliedTradeIds = new Map<number, readonly string[]>();
  /** A row per level of each trade: status code, filled steps, order steps, reached (1/0). */
  private nl = 0;
  private readonly levelRows = new Rows(4);
  /** A row per exit: time, price, steps, fee, PnL, level (0: none), reason code. */
  private ne = 0;
  private readonly exitRows = new Rows(7);
  private readonly reasons: ExitReason[] = [];
  private readonly exitIds = new Map<number, string>();
  private readonly orderIds = new Map<number, string>();
  /** A row per stop move: time, from ticks, to ticks, from price, to price, level, rule code. */
  private nm = 0;
  private readonly moveRows = new Rows(7);

  /**
   * Writes a closed ladder state whose exits, stop moves, levels hit and trade ids are in `rows` (the
   * backtest's ledger), or on the state itself when no rows are given. `plannedEntry` and
   * `stopLossPct` are what its plan was made from; `funding`, what it paid or received while open (NaN:
   * funding not modelled). Returns its row.
   */
  append(s: LadderState, planner: LadderPlanner, plannedEntry: string | number, stopLossPct: number, rows: OpenTradeRows = OpenTradeRows.of(s), funding = NaN): number {
    const sym = this.symbolOf(planner, s.symbol);
    return this.write(sym, numberOfId(s.id, this.symbols[sym]!), s, plannedEntry, stopLossPct, rows, funding);
  }

  /**
   * The log's index of a symbol's planner, for `appendNumbered`: a driver asks once per symbol
   * instead of the log finding it per trade.
   */
  symbolIndex(planner: LadderPlanner, symbol: string): number {
    return this.symbolOf(planner, symbol);
  }

  /**
   * `append` for a driver that names its trades `<symbol>-<n>` itself (the engine): `sym` is the
   * symbol's `symbolIndex`, `num` the n of the trade's id, so the log does not parse the id back
   * (checked by its length: the id is `<symbol>-` and num's digits).
   */
  appendNumbered(sym: number, num: number, s: LadderState, plannedEntry: string | number, stopLossPct: number, rows: OpenTradeRows, funding: number): number {
    const symbol = this.symbols[sym]!;
    if (!(num >= 1 && num <= 9_999_999_999 && Number.isInteger(num)) || s.symbol !== symbol || s.id.length !== symbol.length + 1 + digits(num)) {
      throw new Error(`${s.id}: not the trade ${num} of ${symbol} (its id must be ${symbol}-${num})`);
    }
    return this.write(sym, num, s, plannedEntry, stopLossPct, rows, funding);
  }

  /** Writes the trade (see `append`): one chunk look-up per table, its level, exit and move rows in one chunk each (`Rows.span`). */
  private write(sym: number, num: number, s: LadderState, plannedEntry: string | number, stopLossPct: number, rows: OpenTradeRows, funding: number): number {
    if (s.status !== 'closed') throw new Error(`${s.id}: only a closed ladder is a closed trade`);
    const none = s.side === 'long' ? Infinity : -Infinity;
    if (s.remainingSteps !== 0 || s.closing !== null || s.nextTargetPrice !== none || s.stopPrice !== -none) throw new Error(`${s.id}: a closed ladder holds nothing and has no order or trigger left`);
    const t = this.n++;
    if (num === 0) this.ids.set(t, s.id);
    if (typeof plannedEntry === 'string') this.entryTexts.set(t, plannedEntry);
    const levels = s.levels;
    const nl = levels.length;
    const ne = rows.ne;
    const nm = rows.nm;
    const lf = nl === 0 ? this.nl : this.levelRows.span(this.nl, nl);
    const ef = ne === 0 ? this.ne : this.exitRows.span(this.ne, ne);
    const mf = nm === 0 ? this.nm : this.moveRows.span(this.nm, nm);
    const r = this.trades.at(t);
    const o = this.trades.off;
    r[o + T_SYM] = sym;
    r[o + T_NUM] = num;
    r[o + T_SHORT] = s.side === 'short' ? 1 : 0;
    r[o + T_ENTRY_PRICE] = s.entryPrice;
    r[o + T_ENTRY_TIME] = s.entryTimeMs;
    r[o + T_ENTRY_FEE] = s.entryFee;
    r[o + T_ENTRY_FEE_BOOKED] = s.entryFeeBooked;
    r[o + T_ORIGINAL_STEPS] = s.originalSteps;
    r[o + T_STOP_TICKS] = s.stopTicks;
    r[o + T_STOP_SEQ] = s.stopSeq;
    r[o + T_CLOSE_SEQ] = s.closeSeq;
    r[o + T_STOP_LOSS_PCT] = stopLossPct;
    r[o + T_PLANNED_ENTRY] = typeof plannedEntry === 'number' && plannedEntry !== s.entryPrice ? plannedEntry : NaN;
    r[o + T_LEVEL_FROM] = lf;
    r[o + T_LEVEL_COUNT] = nl;
    r[o + T_EXIT_FROM] = ef;
    r[o + T_EXIT_COUNT] = ne;
    r[o + T_MOVE_FROM] = mf;
    r[o + T_MOVE_COUNT] = nm;
    r[o + T_FUNDING] = funding;
    if (nl > 0) {
      const a = this.levelRows.at(lf);
      let k = this.levelRows.off;
      for (let j = 0; j < nl; j++, k += 4) {
        const l = levels[j]!;
        a[k] = statusCode(l.status);
        a[k + 1] = l.filledSteps;
        a[k + 2] = l.orderSteps;
        a[k + 3] = l.reached ? 1 : 0;
      }
      this.nl = lf + nl;
    }
    if (ne > 0) {
      const a = this.exitRows.at(ef);
      let k = this.exitRows.off;
      for (let x = 0; x < ne; x++, k += 7) {
        const reason = rows.reasons[x]!;
        rows.copyExit(x, a, k);
        a[k + 6] = this.reasonIndex(reason);
        // Instant fills' ids are the derived ones by construction (OpenTradeRows.instantFills).
        if (!rows.instantFills && !isDerivedClientId(rows.clientIds[x]!, s.id, reason, s.stopSeq)) this.exitIds.set(ef + x, rows.clientIds[x]!);
        const orderId = rows.orderIds[x]!;
        if (orderId !== null) this.orderIds.set(ef + x, orderId);
      }
      this.ne = ef + ne;
    }
    if (nm > 0) {
      const a = this.moveRows.at(mf);
      let k = this.moveRows.off;
      for (let x = 0; x < nm; x++, k += 7) {
        rows.copyMove(x, a, k);
        a[k + 6] = ruleCode(rows.rules[x]!);
      }
      this.nm = mf + nm;
    }
    if (!levelsAreOfExits(rows)) this.tpLevelsHit.set(t, rows.levelsHit.slice(0, rows.nh));
    if (!idsAreOfExits(rows)) this.appliedTradeIds.set(t, rows.tradeIds.slice(0, rows.nt));
    return t;
  }

  // ---- Reading trade t back ----

  /** Field `f` (a T_ offset) of trade t. */
  private field(t: number, f: number): number {
    const r = this.trades.row(t);
    return r[this.trades.off + f]!;
  }

  symbol(t: number): string {
    return this.symbols[this.field(t, T_SYM)]!;
  }

  id(t: number): string {
    const num = this.field(t, T_NUM);
    return num === 0 ? this.ids.get(t)! : `${this.symbol(t)}-${num}`;
  }

  side(t: number): Side {
    return this.field(t, T_SHORT) === 1 ? 'short' : 'long';
  }

  entryPriceOf(t: number): number {
    return this.field(t, T_ENTRY_PRICE);
  }

  entryTimeMsOf(t: number): number {
    return this.field(t, T_ENTRY_TIME);
  }

  entryFeeOf(t: number): number {
    return this.field(t, T_ENTRY_FEE);
  }

  entryFeeBookedOf(t: number): number {
    return this.field(t, T_ENTRY_FEE_BOOKED);
  }

  originalStepsOf(t: number): Steps {
    return this.field(t, T_ORIGINAL_STEPS) as Steps;
  }

  stopTicksOf(t: number): Ticks {
    return this.field(t, T_STOP_TICKS) as Ticks;
  }

  stopSeqOf(t: number): number {
    return this.field(t, T_STOP_SEQ);
  }

  closeSeqOf(t: number): number {
    return this.field(t, T_CLOSE_SEQ);
  }

  /** Funding paid (negative) or received while open; undefined when funding was not modelled. */
  fundingOf(t: number): number | undefined {
    const f = this.field(t, T_FUNDING);
    return Number.isNaN(f) ? undefined : f;
  }

  /** The plan, made again by the symbol's planner from the request the trade's entry made. */
  plan(t: number): LadderPlan {
    const planned = this.field(t, T_PLANNED_ENTRY);
    const entryPrice = this.entryTexts.get(t) ?? (Number.isNaN(planned) ? this.entryPriceOf(t) : planned);
    const r = this.planners[this.field(t, T_SYM)]!.plan({ side: this.side(t), entryPrice, quantitySteps: this.originalStepsOf(t), stopLossPct: this.field(t, T_STOP_LOSS_PCT) });
    if (!r.ok) throw new Error(`${this.id(t)}: its plan cannot be made again (${r.error.message})`);
    return r.value;
  }

  levels(t: number): LevelState[] {
    const from = this.field(t, T_LEVEL_FROM);
    const out = new Array<LevelState>(this.field(t, T_LEVEL_COUNT));
    for (let j = 0; j < out.length; j++) {
      const a = this.levelRows.row(from + j);
      const k = this.levelRows.off;
      out[j] = levelState(STATUSES[a[k]!]!, a[k + 1]! as Steps, a[k + 2]! as Steps, a[k + 3] === 1);
    }
    return out;
  }

  exits(t: number): readonly PartialExit[] {
    const count = this.field(t, T_EXIT_COUNT);
    if (count === 0) return NONE;
    const from = this.field(t, T_EXIT_FROM);
    const id = this.id(t);
    const stopSeq = this.stopSeqOf(t);
    const out = new Array<PartialExit>(count);
    for (let j = 0; j < count; j++) {
      const i = from + j;
      const a = this.exitRows.row(i);
      const k = this.exitRows.off;
      const reason = this.reasons[a[k + 6]!]!;
      const level = a[k + 5]!;
      out[j] = {
        reason,
        level: level === 0 ? null : level,
        timeMs: a[k]!,
        price: a[k + 1]!,
        qtySteps: a[k + 2]! as Steps,
        fee: a[k + 3]!,
        pnl: a[k + 4]!,
        clientOrderId: this.exitIds.get(i) ?? derivedClientId(id, reason, stopSeq),
        orderId: this.orderIds.get(i) ?? null,
      };
    }
    return out;
  }

  stopMoves(t: number): readonly StopMove[] {
    const count = this.field(t, T_MOVE_COUNT);
    if (count === 0) return NONE;
    const from = this.field(t, T_MOVE_FROM);
    const out = new Array<StopMove>(count);
    for (let j = 0; j < count; j++) {
      const a = this.moveRows.row(from + j);
      const k = this.moveRows.off;
      out[j] = { timeMs: a[k]!, fromTicks: a[k + 1]! as Ticks, toTicks: a[k + 2]! as Ticks, fromPrice: a[k + 3]!, toPrice: a[k + 4]!, rule: RULES[a[k + 6]!]!, level: a[k + 5]! };
    }
    return out;
  }

  /** Levels hit in fill order, as the exits say (each ladder level's first exit), unless the state said otherwise. */
  tpLevelsHitOf(t: number, exits: readonly PartialExit[]): readonly number[] {
    return this.tpLevelsHit.get(t) ?? levelsOfExits(exits);
  }

  /** The backtest's fills are instant: each one's trade id is its order's client id, unless the state said otherwise. */
  appliedTradeIdsOf(t: number, exits: readonly PartialExit[]): readonly string[] {
    return this.appliedTradeIds.get(t) ?? (exits.length === 0 ? NONE : exits.map((e) => e.clientOrderId));
  }

  private symbolOf(planner: LadderPlanner, symbol: string): number {
    let k = this.plannerIndex.get(planner);
    if (k === undefined) {
      k = this.planners.push(planner) - 1;
      this.symbols.push(symbol);
      this.plannerIndex.set(planner, k);
    }
    if (this.symbols[k] !== symbol) throw new Error(`${symbol}: a trade under the planner of ${this.symbols[k]}`);
    return k;
  }

  private reasonIndex(reason: ExitReason): number {
    let k = this.reasons.indexOf(reason);
    if (k < 0) {
      if (this.reasons.length === 256) throw new RangeError('more than 256 exit reasons');
      k = this.reasons.push(reason) - 1;
    }
    return k;
  }
}

// A trade's row: the symbol's index, n of its id `<symbol>-<n>` (0: another id, in `ids`), short (1/0),
// its scalars, the entry price its plan was made from when not the entry price itself (else NaN; an
// exact text: in `entryTexts`), and where its levels, exits and stop moves start and how many.
const [T_SYM, T_NUM, T_SHORT, T_ENTRY_PRICE, T_ENTRY_TIME, T_ENTRY_FEE, T_ENTRY_FEE_BOOKED, T_ORIGINAL_STEPS, T_STOP_TICKS, T_STOP_SEQ, T_CLOSE_SEQ, T_STOP_LOSS_PCT, T_PLANNED_ENTRY, T_LEVEL_FROM, T_LEVEL_COUNT, T_EXIT_FROM, T_EXIT_COUNT, T_MOVE_FROM, T_MOVE_COUNT, T_FUNDING, T_STRIDE] = [
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20,
] as const;
const STATUSES: readonly LevelStatus[] = ['pending', 'sent', 'filled', 'skipped', 'canceled', 'withdrawn'];
const RULES: readonly StopRule[] = ['breakeven', 'previous_tp', 'profit_pct'];

/** n when `id` is `<symbol>-<n>` (n from 1, at most 10 digits, no leading zero), else 0. */
function numberOfId(id: string, symbol: string): number {
  const from = symbol.length + 1;
  if (id.length <= from || id.length > from + 10 || !id.startsWith(symbol) || id.charCodeAt(symbol.length) !== 45 /* - */ || id.charCodeAt(from) === 48 /* 0 */) return 0;
  let n = 0;
  for (let i = from; i < id.length; i++) {
    const d = id.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return 0;
    n = n * 10 + d;
  }
  return n;
}

/**
 * The client id an exit of this reason has in the common case: `<id>-tpN` / `<id>-tp` for a level, the
 * last stop order's `<id>-sl<stopSeq>` for the stop (a stop that fills closes the trade), else the
 * first close order's `<id>-close`.
 */
function derivedClientId(tradeId: string, reason: ExitReason, stopSeq: number): string {
  return reason.startsWith('tp') ? exitClientId(tradeId, reason as LevelReason) : reason === 'stop' ? stopClientId(tradeId, stopSeq) : closeClientId(tradeId);
}

/** Is `id` the one `derivedClientId` gives? Compared in place: the common case builds no string. */
function isDerivedClientId(id: string, tradeId: string, reason: ExitReason, stopSeq: number): boolean {
  const n = tradeId.length;
  if (id.length <= n + 1 || id.charCodeAt(n) !== 45 /* - */ || !id.startsWith(tradeId)) return false;
  if (reason === 'stop') return id.length === n + 3 + String(stopSeq).length && id.startsWith('sl', n + 1) && id.endsWith(String(stopSeq));
  const suffix = reason.startsWith('tp') ? reason : 'close';
  return id.length === n + 1 + suffix.length && id.endsWith(suffix);
}

function levelsOfExits(exits: readonly PartialExit[]): readonly number[] {
  let out: number[] | null = null;
  for (const e of exits) if (e.level !== null && !(out !== null && out.includes(e.level))) (out ??= []).push(e.level);
  return out ?? NONE;
}

/** Are the levels hit what `levelsOfExits` gives of the exits (each level's first exit, in order)? Without building it (every closed trade asks). */
function levelsAreOfExits(rows: OpenTradeRows): boolean {
  let n = 0;
  for (let i = 0; i < rows.ne; i++) {
    const level = rows.exit(i, 5);
    if (level === 0) continue;
    let seen = false;
    for (let j = 0; j < i && !seen; j++) seen = rows.exit(j, 5) === level;
    if (seen) continue;
    if (n >= rows.nh || rows.levelsHit[n++] !== level) return false;
  }
  return n === rows.nh;
}

/** Are the trade ids the exits' client ids, in order? */
function idsAreOfExits(rows: OpenTradeRows): boolean {
  if (rows.nt !== rows.ne) return false;
  for (let i = 0; i < rows.nt; i++) if (rows.tradeIds[i] !== rows.clientIds[i]) return false;
  return true;
}

/** Decimal digits of a positive integer. */
function digits(n: number): number {
  let d = 1;
  while (n >= 10) {
    n = Math.floor(n / 10);
    d++;
  }
  return d;
}

function ruleCode(rule: StopRule): number {
  return rule === 'breakeven' ? 0 : rule === 'previous_tp' ? 1 : rule === 'profit_pct' ? 2 : RULES.indexOf(rule);
}

function statusCode(s: LevelStatus): number {
  switch (s) {
    case 'pending':
      return 0;
    case 'sent':
      return 1;
    case 'filled':
      return 2;
    case 'skipped':
      return 3;
    case 'canceled':
      return 4;
    default:
      return 5;
  }
}
