import { type RunSummary, summarizePnls } from '../core/analytics/run-summary.ts';
import { type LevelStats, LevelTally } from '../core/analytics/level-stats.ts';
import { type IntrabarModel, triggerHigh, triggerLow, walkCandleOf } from '../core/candle-path.ts';
import { type FillModel, type FillTally, closeRemainderOf, feeOf, slippedText } from '../core/fill-model.ts';
import type { MarketRules } from '../core/market/market-rules.ts';
import type { Position } from '../core/model/position.ts';
import { type LadderState, openLadder, qtyOf } from '../core/scaled-tp/ladder-rules.ts';
import { LadderPlanner } from '../core/scaled-tp/ladder-plan.ts';
import type { ExitSettings } from '../core/scaled-tp/settings.ts';
import type { Side, Steps } from '../core/units.ts';
import type { CandleSeries } from '../data/candle-series.ts';
import { closeTimeMs, wholeDetailFrom } from '../data/candle-series.ts';
import type { FundingRates } from '../data/funding-rates.ts';
import { EntrySizer, type PositionSize, stopPastLiquidation } from '../core/position-size.ts';
import { ClosedTrade } from './closed-trade.ts';
import { OpenTradeRows } from './open-trade-rows.ts';
import { type CloseKind, TradeLog } from './trade-log.ts';

/** An entry decided before candle i opens; the engine enters at that open (SPEC R5). */
export interface EntrySignal {
  readonly side: Side;
  /** When the signal became known, ms (a candle strategy: the close of its candle). */
  readonly timeMs: number;
  /** Overrides `stop_loss_pct` for this entry (ATR stops, signal files). */
  readonly stopLossPct?: number;
}

export interface SymbolInput {
  /** Exchange id, e.g. BTCUSDT. */
  readonly symbol: string;
  readonly candles: CandleSeries;
  /** Finer candles (e.g. 15m under 1h) that replace each candle's modelled path (`--detail`). */
  readonly detail?: CandleSeries;
  readonly market: MarketRules;
  /** The entry signal at the open of candle i, or null. Must only use candles before i. */
  readonly entryAt: (i: number) => EntrySignal | null;
  /**
   * The symbol's funding settlements (a perpetual's): each charges the position open at it
   * `quantity × price × rate` (longs pay a positive rate, shorts receive it). Not modelled when absent.
   */
  readonly funding?: SettlementPrices;
}

/**
 * Funding settlements with, optionally, the mark price at each (Binance charges the notional at the
 * mark price); where `price` is absent or NaN, the candle open at the settlement stands in for it.
 */
export interface SettlementPrices extends Pick<FundingRates, 'time' | 'rate'> {
  readonly price?: Float64Array;
}

export interface BacktestOptions {
  readonly settings: ExitSettings;
  readonly fills: FillModel;
  readonly intrabar: IntrabarModel;
  readonly startingBalance: number;
  readonly leverage: number;
  readonly maxOpenPositions: number;
  readonly positionSize: PositionSize;
  /**
   * Equity that `risk_pct` sizing uses: the equity at the entry's open (default: the running balance
   * plus the open positions marked there, `sizingEquity`), or the starting balance, so that runs
   * comparing exit policies size every entry alike (`compare`).
   */
  readonly sizingBalance?: 'running' | 'starting';
  /**
   * `compare` (R5.5: the same entries in every run): the trades of its reference run. Only their
   * entries are taken, each with its quantity, whatever this run's slots and margin would say (they
   * depend on how earlier trades exited, which is what differs between the runs); no other signal
   * enters. A signal for the side a still-open position holds is still ignored (one position per symbol).
   */
  readonly entriesOf?: readonly Position[];
}

/** A `max_open_positions` skip's detail, said alike by the engine and the optimizer's replay (which compares them). */
export const positionsOpenText = (n: number): string => `${n} position${n === 1 ? '' : 's'} open`;

export type SkipWhy = 'max_open_positions' | 'stop_past_liquidation' | 'below_min_qty' | 'below_min_notional' | 'insufficient_margin' | 'plan_error';

/** A signal that did not become a trade, and why. */
export interface SkippedSignal {
  readonly symbol: string;
  readonly timeMs: number;
  readonly side: Side;
  readonly why: SkipWhy;
  readonly detail: string;
}

/** An entry whose quantity is the market's largest order quantity, as the bot logs `entry.capped_at_max_qty`. */
export interface EntryAtMaxQty {
  readonly symbol: string;
  readonly timeMs: number;
  readonly qtySteps: Steps;
}

export interface BacktestRun {
  /**
   * Closed trades in the order they closed. Each is read back by walking it again over its symbol's
   * candles (trade-log.ts): the run keeps the inputs' candle series, which must not change while its
   * trades are read (a trade that reads back otherwise throws).
   */
  readonly trades: readonly Position[];
  readonly equityTimeMs: Float64Array;
  /** Equity at each candle close: balance + realised PnL + open positions marked at the close. */
  readonly equity: Float64Array;
  readonly skipped: readonly SkippedSignal[];
  /**
   * Entries taken at the exchange's largest order quantity (`maxEntrySteps`): the size asked for may
   * have been cut to it. Set by runBacktest (the CLI says them); the optimizer's replay leaves it out.
   */
  readonly atMaxQty?: readonly EntryAtMaxQty[];
  readonly summary: RunSummary;
  readonly levels: readonly LevelStats[];
  /** When any symbol had funding rates: the funding all trades paid (negative) or received, and how many settlements charged an open position. */
  readonly funding?: FundingTotals;
}

export interface FundingTotals {
  readonly total: number;
  readonly settlements: number;
}

interface SymbolState {
  readonly input: SymbolInput;
  readonly planner: LadderPlanner;
  /** Sizes its entries (the market's step and largest entry worked out once). */
  readonly sizer: EntrySizer;
  /** The symbol's index in the run's trade log (`TradeLog.symbolIndex`). */
  logSym: number;
  /** The open trade's ladder, changed in place by the core's rules; its fields become the trade's record when it closes. */
  pos: LadderState | null;
  /** The open trade's exits, stop moves, levels hit and trade ids: the core's rules write them here (the ledger). */
  readonly rows: OpenTradeRows;
  /** The last closed trade's state, once its record is written: the next trade's state is written into it. */
  spare: LadderState | null;
  /** The candle the open trade entered at (its record walks it again from there when read: trade-log.ts). */
  entryIndex: number;
  stopLossPct: number;
  /** The open trade's margin at entry (notional / leverage); it holds `heldMargin` of it. */
  margin: number;
  count: number;
  /** Next candle index to process. */
  i: number;
  /** The candle index being processed at the current open time, or -1 (no candle at this time). */
  at: number;
  /** The entry signal read at the current open (phase 1), acted on in phase 2. */
  sig: EntrySignal | null;
  /** The data ended and the remainder was closed (`end`): the symbol takes no more part. */
  ended: boolean;
  /** `qtyOf(qtySteps)`, kept for the mark to market of every candle: it changes only on a fill. */
  qtySteps: number;
  qty: number;
  /** The funding settlements' times and rates (empty when not modelled), the next one's index and time (Infinity: none left). */
  readonly fundTime: Float64Array;
  readonly fundRate: Float64Array;
  /** The mark price at each settlement (NaN: none), or null. */
  readonly fundPrice: Float64Array | null;
  fi: number;
  nextFund: number;
  /** Funding the open trade paid or received so far. */
  funding: number;
  /** The candles' count, open times and closes, read at every open time of the merge loop. */
  readonly n: number;
  readonly time: Float64Array;
  readonly close: Float64Array;
}

/**
 * Do all four prices of a candle lie strictly inside the trigger band (lo, hi)? Then no segment of its
 * path reaches a trigger (touch counts, hence strictly). Open and close are checked too, not assumed
 * inside [low, high]: if in doubt, walk.
 */
function insideBand(lo: number, hi: number, o: number, h: number, l: number, c: number): boolean {
  return l > lo && h < hi && o > lo && o < hi && c > lo && c < hi;
}

/**
 * Two symbols whose candles do not open on one grid (another timeframe, or the same one shifted), or
 * null. Several symbols on one balance need one: each candle's path is walked at its open, so what it
 * changes (a slot or margin freed, a realised PnL) would be known at another symbol's opens inside it.
 */
export function candleGridMismatch(symbols: readonly SymbolInput[]): readonly [SymbolInput, SymbolInput] | null {
  const phase = (s: SymbolInput) => {
    const tf = s.candles.timeframeMs;
    return s.candles.length === 0 ? 0 : ((s.candles.time[0]! % tf) + tf) % tf;
  };
  // In symbol-id order, so that the pair named does not depend on the order of `--data` either.
  const [first, ...rest] = [...symbols].sort(bySymbol);
  for (const s of rest) if (s.candles.timeframeMs !== first!.candles.timeframeMs || phase(s) !== phase(first!)) return [first!, s];
  return null;
}

/**
 * The margin a position holds: its entry margin for the quantity it still holds. A partial exit frees
 * its share, as the exchange does (a position's initial margin is that of its size): after TP1 and TP2
 * of a ladder only the remainder's margin is held. The optimizer's replay uses the same function, so
 * its doubles are the engine's.
 */
export const heldMargin = (margin: number, remainingSteps: number, originalSteps: number): number =>
  remainingSteps === originalSteps ? margin : (margin * remainingSteps) / originalSteps;

/**
 * What a funding settlement pays (negative) or brings the open position `p`: its notional at the
 * settlement's mark price (NaN: unknown, then `price`, the candle price the engine charges at) times
 * the rate; longs pay a positive rate to shorts (Binance: funding fee = position notional × rate).
 * The optimizer's replay uses the same function, so its doubles are the engine's.
 */
export const settlementPay = (p: Pick<LadderState, 'remainingSteps' | 'plan' | 'side'>, mark: number, price: number, rate: number): number => {
  const notional = qtyOf(p.remainingSteps, p.plan) * (mark === mark ? mark : price);
  return p.side === 'long' ? -(notional * rate) : notional * rate;
};

/**
 * An open position's part of the equity beyond the realised balance, marked at `mark`: its unrealised
 * PnL less the entry fee the wallet paid at entry and its exits have not booked yet (the equity
 * curve's term). `risk_pct` sizes from the equity so made (sizingEquity); the optimizer's replay uses
 * the same function, so its doubles are the engine's.
 */
export const openEquity = (long: boolean, mark: number, entry: number, qty: number, feeLeft: number): number =>
  (long ? mark - entry : entry - mark) * qty - feeLeft;

const NO_SETTLEMENTS = new Float64Array(0);

/** An entry as `compare` matches it across runs: its symbol, open time and side. */
const entryKey = (symbol: string, timeMs: number, side: Side): string => `${symbol} ${timeMs} ${side}`;

/** Symbols in one fixed order that is not the order of `--data` (SPEC "Several symbols on one balance"). */
const bySymbol = (a: SymbolInput, b: SymbolInput): number => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0);

/**
 * Drives the core ladder candle by candle over one or more symbols with one equity curve. The exit
 * logic is the core's (its ladder rules, run in place on one state per trade); this file only models the exchange:
 * entries at the open, the intrabar path, fees, sizing and margin.
 *
 * Several symbols share one balance without look-ahead (SPEC "Several symbols on one balance"): at
 * each open time, (1) every symbol with a candle there reads its signal and an opposite signal
 * closes its position at that open; (2) entries are decided on the state at that open (equity,
 * open positions, margin), competing for slots and margin in symbol-id order (A before B), never
 * in `--data` order; (3) only then is every symbol's candle path walked. A symbol whose data ends
 * closes its remainder at its own last close (`end`), freeing its slot and margin from that time.
 */
export function runBacktest(symbols: readonly SymbolInput[], o: BacktestOptions): BacktestRun {
  // One position per symbol: a symbol given twice would trade twice under the same trade ids.
  const seen = new Set<string>();
  for (const s of symbols) {
    if (seen.has(s.symbol)) throw new RangeError(`runBacktest: ${s.symbol} is given twice (one input per symbol)`);
    seen.add(s.symbol);
  }
  const apart = candleGridMismatch(symbols);
  if (apart !== null) throw new RangeError(`runBacktest: ${apart[0].symbol} and ${apart[1].symbol} do not share one candle grid (timeframe and open times): a walked candle would be known at the other's opens inside it`);
  const states: SymbolState[] = [...symbols].sort(bySymbol).map((input) => {
    const st: SymbolState = {
      input,
      planner: new LadderPlanner(input.market, o.settings),
      sizer: new EntrySizer(input.market),
      logSym: -1,
      pos: null,
      rows: new OpenTradeRows(),
      spare: null,
      entryIndex: -1,
      stopLossPct: 0,
      margin: 0,
      count: 0,
      i: 0,
      at: -1,
      sig: null,
      ended: input.candles.length === 0,
      qtySteps: -1,
      qty: 0,
      fundTime: input.funding?.time ?? NO_SETTLEMENTS,
      fundRate: input.funding?.rate ?? NO_SETTLEMENTS,
      fundPrice: input.funding?.price ?? null,
      fi: 0,
      nextFund: input.funding !== undefined && input.funding.time.length > 0 ? input.funding.time[0]! : Infinity,
      funding: 0,
      n: input.candles.length,
      time: input.candles.time,
      close: input.candles.close,
    };
    return st;
  });
  // compare: the reference run's entries, by symbol, open time and side, with their quantities.
  let forcedSteps: Map<string, Steps> | null = null;
  if (o.entriesOf) {
    forcedSteps = new Map();
    for (const t of o.entriesOf) forcedSteps.set(entryKey(t.symbol, t.entryTimeMs, t.side), t.originalSteps);
  }
  const total = symbols.reduce((n, s) => n + s.candles.length, 0);
  // One symbol: the curve's times are its candles' own (one point per candle), so they are not copied.
  const sharedTimes = symbols.length === 1 ? symbols[0]!.candles.time : null;
  const equityTimeMs = sharedTimes ?? new Float64Array(total);
  const equity = new Float64Array(total);
  const trades: Position[] = [];
  // What the summary and the level rows need is taken from each trade as it closes, while its plan and
  // exits are at hand: the closed records are views of a columnar log (trade-log.ts).
  const levelTally = new LevelTally();
  const pnls: number[] = [];
  // The path model as the literal (a config's "pessimistic" is a string of its own, longer than the
  // values JSON.parse internalizes): the core compares it on every walk, then by pointer.
  const intrabar: IntrabarModel = o.intrabar === 'ohlc' ? 'ohlc' : 'pessimistic';
  const tradeLog = new TradeLog(o.fills, intrabar);
  for (const st of states) st.logSym = tradeLog.symbolIndex({ symbol: st.input.symbol, planner: st.planner, candles: st.input.candles, detail: st.input.detail });
  const skipped: SkippedSignal[] = [];
  const atMaxQty: EntryAtMaxQty[] = [];
  const path = new Float64Array(4);
  const slip = o.fills.slippagePct;
  // Realised PnL: the core's instant fills add each fill's PnL here, in fill order.
  const tally: FillTally = { realized: 0 };
  let open = 0;
  let points = 0;
  const fundingModelled = symbols.some((s) => s.funding !== undefined);
  let fundingTotal = 0;
  let settlements = 0;

  /**
   * After the core changed `st.pos` at candle `i` (`how`: a candle walk, or the close of an opposite
   * signal or of the data's end): a closed ladder becomes the trade's record, its slot and margin freed.
   */
  const book = (st: SymbolState, how: CloseKind, i: number) => {
    const p = st.pos!;
    if (p.status !== 'closed') return;
    const rows = st.rows;
    levelTally.addPlan(p.plan);
    for (let x = 0; x < rows.ne; x++) levelTally.addExit(rows.reasons[x]!, rows.level(x), rows.pnl(x));
    // SPEC "Fees": with funding modelled, the trade's pnl is its exits' plus its funding.
    const modelled = st.input.funding !== undefined;
    const pnl = rows.totalPnl();
    pnls.push(modelled ? pnl + st.funding : pnl);
    trades.push(new ClosedTrade(tradeLog, tradeLog.append(st.logSym, st.count, p.side, st.entryIndex, p.originalSteps, st.stopLossPct, p.entryFee, how, i, modelled ? st.funding : NaN, pnl)));
    st.funding = 0;
    rows.clear();
    st.spare = p;
    st.pos = null;
    st.margin = 0;
    open--;
  };

  // The core's candle walk on the ladder in place (st.pos becomes null when it closes).
  // A candle whose prices all lie strictly inside the position's trigger band changes nothing: skipped.
  const walk = (st: SymbolState, c: CandleSeries, j: number, i: number) => {
    const p = st.pos!;
    const op = c.open[j]!;
    const h = c.high[j]!;
    const l = c.low[j]!;
    const cl = c.close[j]!;
    if (insideBand(triggerLow(p), triggerHigh(p), op, h, l, cl)) return;
    walkCandleOf(p, path, op, h, l, cl, c.time[j]!, intrabar, o.fills, tally, st.rows);
    book(st, 'walk', i);
  };

  /**
   * The funding settlements due by open time `t` (those after the previous open and at most `t`): each
   * charges the position open at this open, before its signal, entry or path, at the settlement's mark
   * price when known, else at `openPrice` (this candle's open). A settlement inside a coarser candle (8 h funding
   * under 1d candles) is charged at the next open; with `--detail`, at the detail candle opening at it (walkAt).
   */
  const settle = (st: SymbolState, t: number, openPrice: number) => {
    const ft = st.fundTime;
    while (st.fi < ft.length && ft[st.fi]! <= t) {
      const p = st.pos;
      if (p !== null) {
        const pay = settlementPay(p, st.fundPrice === null ? NaN : st.fundPrice[st.fi]!, openPrice, st.fundRate[st.fi]!);
        st.funding += pay;
        tally.realized += pay;
        fundingTotal += pay;
        settlements++;
      }
      st.fi++;
    }
    st.nextFund = st.fi < ft.length ? ft[st.fi]! : Infinity;
  };

  /** An opposite signal at the open of candle i, or the end of data at its close: the remainder closes at `price` now. */
  const closeNow = (st: SymbolState, reason: 'signal' | 'end', price: number, timeMs: number, i: number) => {
    closeRemainderOf(st.pos!, reason, price, timeMs, o.fills, null, tally, st.rows);
    book(st, reason, i);
  };

  // Defined once, not per entry: under tsx (esbuild keepNames) every closure made costs a defineProperty.
  const skip = (st: SymbolState, sig: EntrySignal, why: SkipWhy, detail: string) => {
    skipped.push({ symbol: st.input.symbol, timeMs: sig.timeMs, side: sig.side, why, detail });
  };

  const enter = (st: SymbolState, i: number, sig: EntrySignal) => {
    const { candles: c, symbol } = st.input;
    const forced = forcedSteps === null ? undefined : forcedSteps.get(entryKey(symbol, c.time[i]!, sig.side));
    if (forcedSteps !== null && forced === undefined) return; // not an entry of the reference run
    if (forced === undefined && open >= o.maxOpenPositions) return skip(st, sig, 'max_open_positions', positionsOpenText(open));
    // With slippage the fill is an exact decimal: the plan gets its text, so every target and stop
    // is rounded once from the exact value (SPEC "Entry fill and slippage").
    const exact = slip === 0 ? null : slippedText(c.open[i]!, sig.side === 'long', slip);
    const price = exact === null ? c.open[i]! : Number(exact);
    const stopPct = sig.stopLossPct ?? o.settings.stopLossPct;
    const pastLiquidation = stopPastLiquidation(stopPct, o.leverage);
    if (pastLiquidation !== null) return skip(st, sig, 'stop_past_liquidation', pastLiquidation);
    const balance = o.startingBalance + tally.realized;
    const sizer = st.sizer;
    const steps = forced ?? sizer.steps(o.positionSize, price, sizingEquity(balance), stopPct);
    const refused = sizer.belowMinimum(steps, price);
    if (refused) return skip(st, sig, refused.why, refused.detail);
    const qty = sizer.qty(steps);
    const notional = price * qty;
    const margin = notional / o.leverage;
    if (forced === undefined) {
      const used = usedMargin();
      if (margin > balance - used) return skip(st, sig, 'insufficient_margin', `needs ${margin.toFixed(2)}, free ${(balance - used).toFixed(2)}`);
    }
    // The planner's scratch plan: the trade drops it when it closes (its record plans again when read).
    const plan = st.planner.planScratch({ side: sig.side, entryPrice: exact ?? price, quantitySteps: steps, stopLossPct: stopPct });
    if (!plan.ok) return skip(st, sig, 'plan_error', plan.error.message);
    const id = `${symbol}-${++st.count}`;
    st.pos = openLadder({ id, symbol, timeMs: c.time[i]!, entryFee: feeOf(price, qty, o.fills.takerPct), plan: plan.value }, null, st.spare);
    st.entryIndex = i;
    st.stopLossPct = stopPct;
    st.margin = margin;
    open++;
    // Sized by the run's own rule and cut to what one order may carry (a reference run's entries, taken as given, are not).
    if (forced === undefined && steps === sizer.maxSteps) atMaxQty.push({ symbol, timeMs: c.time[i]!, qtySteps: steps });
  };

  /**
   * The equity `risk_pct` sizes an entry from (SPEC `position_size`: "equity % lost if the stop is hit";
   * the bot reads the exchange's, wallet + unrealised PnL): the realised `balance` plus each open
   * position's `openEquity` at this open, in symbol order, marked at its candle's open here when it
   * has one, else at its latest close before (no price after this open). `compare` sizes every run
   * from the starting balance. On one symbol nothing else is open at an entry: the balance itself.
   */
  const sizingEquity = (balance: number): number => {
    if (o.sizingBalance === 'starting') return o.startingBalance;
    if (open === 0 || o.positionSize.mode !== 'risk_pct') return balance;
    let e = balance;
    for (const st of states) {
      const p = st.pos;
      if (p === null) continue;
      const mark = st.at >= 0 ? st.input.candles.open[st.at]! : st.close[st.i - 1]!;
      e += openEquity(p.side === 'long', mark, p.entryPrice, qtyOf(p.remainingSteps, p.plan), p.entryFee - p.entryFeeBooked);
    }
    return e;
  };

  /** Margin the open positions hold at this moment (`heldMargin` of each, in symbol order): read only by an entry. */
  const usedMargin = (): number => {
    let used = 0;
    for (const st of states) if (st.pos !== null) used += heldMargin(st.margin, st.pos.remainingSteps, st.pos.originalSteps);
    return used;
  };

  /** Walks candle i of a symbol (its detail candles when they make it up whole) with its open position. */
  const walkAt = (st: SymbolState, i: number) => {
    const { candles: c, detail } = st.input;
    const from = detail ? wholeDetailFrom(c, i, detail) : -1;
    if (from >= 0) {
      const to = from + c.timeframeMs / detail!.timeframeMs;
      const d = detail!;
      for (let j = from; j < to && st.pos !== null; j++) {
        // A settlement inside the candle: the detail path knows what is held at it (after the exits
        // before it), so it is charged at the detail candle opening at it, not at the next candle's open.
        if (st.nextFund <= d.time[j]!) settle(st, d.time[j]!, d.open[j]!);
        walk(st, d, j, i);
      }
      return;
    }
    walk(st, c, i, i);
  };

  /** End of a symbol's data: the remainder closes at its last close, at that candle's close time (SPEC "Times"). */
  const end = (st: SymbolState) => {
    st.ended = true;
    if (st.pos === null) return;
    const c = st.input.candles;
    const last = c.length - 1;
    const closeMs = closeTimeMs(c, last);
    // Settlements inside the last candle (one held open through it held them): there is no next open to
    // charge them at, so they are charged at the close the remainder fills at. One at the close itself is
    // after the data, as an entry at a settlement's open comes after it.
    if (st.nextFund < closeMs) settle(st, closeMs - 1, c.close[last]!);
    closeNow(st, 'end', c.close[last]!, closeMs, last);
  };

  const markToMarket = (): number => {
    let e = o.startingBalance + tally.realized;
    if (open === 0) return e;
    for (const st of states) {
      const p = st.pos;
      if (p === null) continue;
      const close = st.close[Math.max(0, st.i - 1)]!;
      if (p.remainingSteps !== st.qtySteps) {
        st.qtySteps = p.remainingSteps;
        st.qty = qtyOf(p.remainingSteps, p.plan);
      }
      e += (p.side === 'long' ? close - p.entryPrice : p.entryPrice - close) * st.qty - (p.entryFee - p.entryFeeBooked);
    }
    return e;
  };

  if (states.length === 1) {
    points = runOneSymbol(states[0]!);
  }
  if (states.length > 1) points = runMerged();

  /**
   * Several symbols: their candles merged by open time, each open time in the three phases above. The
   * next open time is found while phase 1 advances the symbols, the entries' phase runs only when a
   * signal came, and the end-of-data check only while a symbol's data has ended but not been closed.
   */
  function runMerged(): number {
    const k = states.length;
    let t = Infinity;
    for (let q = 0; q < k; q++) {
      const st = states[q]!;
      if (st.i < st.n) t = Math.min(t, st.time[st.i]!);
    }
    // Symbols whose data has ended and that are not closed yet (`end` at the first open time after their last close).
    let waiting = 0;
    let pts = 0;
    while (t !== Infinity) {
      // Symbols whose data ended by this open leave first: their slots and margin are free at it.
      if (waiting > 0) {
        for (let q = 0; q < k; q++) {
          const st = states[q]!;
          if (!st.ended && st.i === st.n && closeTimeMs(st.input.candles, st.i - 1) <= t) {
            end(st);
            waiting--;
          }
        }
      }
      // 1. Signals at this open; an opposite signal closes at the open, before any entry is decided.
      let next = Infinity;
      let signalled = false;
      for (let q = 0; q < k; q++) {
        const st = states[q]!;
        if (st.i < st.n && st.time[st.i] === t) {
          const at = (st.at = st.i++);
          if (st.i === st.n && !st.ended) waiting++;
          if (st.nextFund <= t) settle(st, t, st.input.candles.open[at]!);
          const sig = (st.sig = st.input.entryAt(at));
          if (sig !== null) {
            signalled = true;
            if (st.pos !== null && st.pos.side !== sig.side) closeNow(st, 'signal', st.input.candles.open[at]!, t, at);
          }
        } else st.at = -1;
        if (st.i < st.n) next = Math.min(next, st.time[st.i]!);
      }
      // 2. Entries, in symbol order, on the state at this open.
      if (signalled) {
        for (let q = 0; q < k; q++) {
          const st = states[q]!;
          if (st.at >= 0 && st.sig !== null && st.pos === null) enter(st, st.at, st.sig);
          st.sig = null;
        }
      }
      // 3. Only now the candles' paths.
      for (let q = 0; q < k; q++) {
        const st = states[q]!;
        if (st.at >= 0 && st.pos !== null) walkAt(st, st.at);
      }
      if (sharedTimes === null) equityTimeMs[pts] = t;
      equity[pts++] = markToMarket();
      t = next;
    }
    return pts;
  }
  /**
   * One symbol: the merge loop's three phases per candle without the merging (its open times are its
   * own), on hot copies of the position's trigger band and mark-to-market terms, refreshed only after
   * something happened. A candle inside the band costs a few comparisons and the equity point.
   */
  function runOneSymbol(st: SymbolState): number {
    const { candles: c, detail, entryAt } = st.input;
    const { open: O, high: H, low: L, close: C, time: T } = c;
    const n = c.length;
    let pos: Position | null = null;
    let lo = 0;
    let hi = 0;
    let long = true;
    let entry = 0;
    let qty = 0;
    let feeLeft = 0;
    let base = o.startingBalance + tally.realized;
    // The next funding settlement's time, hot (Infinity without funding: one comparison a candle).
    let nextFund = st.nextFund;
    for (let i = 0; i < n; i++) {
      let changed = false;
      if (T[i]! >= nextFund) {
        settle(st, T[i]!, O[i]!);
        nextFund = st.nextFund;
        changed = true;
      }
      const sig = entryAt(i);
      if (sig !== null) {
        // An opposite signal closes at the open, then the entry (SPEC R5), as in the merge loop.
        if (st.pos !== null && st.pos.side !== sig.side) closeNow(st, 'signal', O[i]!, T[i]!, i);
        if (st.pos === null) enter(st, i, sig);
        changed = true;
      }
      if (st.pos !== null && (detail !== undefined || changed || !insideBand(lo, hi, O[i]!, H[i]!, L[i]!, C[i]!))) {
        walkAt(st, i);
        changed = true;
      }
      if (changed) {
        pos = st.pos;
        base = o.startingBalance + tally.realized;
        // A --detail walk may have charged settlements inside the candle (walkAt).
        nextFund = st.nextFund;
        if (pos !== null) {
          lo = triggerLow(pos);
          hi = triggerHigh(pos);
          long = pos.side === 'long';
          entry = pos.entryPrice;
          // The core's own quantity of steps (its plan's step as a number: no BigInt read per change).
          qty = qtyOf(pos.remainingSteps, pos.plan);
          feeLeft = pos.entryFee - pos.entryFeeBooked;
        }
      }
      // markToMarket's arithmetic, in the same order (the curve is bit-identical).
      const cl = C[i]!;
      equity[i] = pos === null ? base : base + ((long ? cl - entry : entry - cl) * qty - feeLeft);
    }
    st.i = n;
    return n;
  }

  // What is still open closes at its own last close (in symbol order).
  for (const st of states) if (!st.ended) end(st);
  if (points > 0) equity[points - 1] = markToMarket();
  const curve = equity.subarray(0, points);
  return {
    trades,
    equityTimeMs: equityTimeMs.subarray(0, points),
    equity: curve,
    skipped,
    atMaxQty,
    summary: summarizePnls(pnls, o.startingBalance, curve),
    levels: levelTally.stats(),
    ...(fundingModelled ? { funding: { total: fundingTotal, settlements } } : {}),
  };
}
