import { walkCandleOf, type IntrabarModel } from '../core/candle-path.ts';
import { closeRemainderOf, type FillModel, slippedText } from '../core/fill-model.ts';
import type { Position } from '../core/model/position.ts';
import type { LadderPlanner } from '../core/scaled-tp/ladder-plan.ts';
import { openLadder, totalPnl } from '../core/scaled-tp/ladder-rules.ts';
import type { Side, Steps } from '../core/units.ts';
import { type CandleSeries, closeTimeMs, wholeDetailFrom } from '../data/candle-series.ts';
import { Rows } from './columns.ts';

/** A symbol of the run, as its trades are walked again: its planner, its candles and their detail series. */
export interface LogSymbol {
  readonly symbol: string;
  readonly planner: LadderPlanner;
  readonly candles: CandleSeries;
  readonly detail: CandleSeries | undefined;
}

/**
 * How a trade ended, at candle index `closeIndex` of its symbol: its ladder closed while a candle was
 * walked (`walk`), an opposite signal closed it at that candle's open (`signal`), or the data ended
 * and it closed at that last candle's close (`end`).
 */
export type CloseKind = 'walk' | 'signal' | 'end';
const CLOSE_KINDS: readonly CloseKind[] = ['walk', 'signal', 'end'];

/**
 * A backtest's closed trades, kept as what their walks were made of (issue 14 part 3): the symbol,
 * the entry's candle, side, quantity and stop, the entry fee, how and at which candle the trade
 * ended, its funding and the PnL its exits booked. One row of numbers per trade, written when it closes.
 *
 * A trade is read back by walking it again: its plan made again by the symbol's planner from the same
 * request, then the core's rules (`openLadder`, `walkCandleOf`, `closeRemainderOf`) over the same
 * candles, as the engine called them, recorded this time on the position itself (the immutable
 * `Position` a reader sees). The rules are pure and the inputs the same, so the position is the one the
 * engine closed; that its exits booked the PnL the engine booked is checked at every read (a trade
 * that read back otherwise would throw). So closing a trade writes ~100 bytes and no exit row, and a
 * run keeps ~0.1 KB per trade whatever it holds; a trade read costs one walk of its candles.
 */
export class TradeLog {
  private n = 0;
  private readonly symbols: LogSymbol[] = [];
  private readonly trades = new Rows(T_STRIDE);

  constructor(
    private readonly fills: FillModel,
    private readonly intrabar: IntrabarModel,
  ) {}

  /** The log's index of a symbol, for `append`. */
  symbolIndex(s: LogSymbol): number {
    return this.symbols.push(s) - 1;
  }

  /**
   * A closed trade, `<symbol>-<num>`, entered at the open of candle `entryIndex` with `steps` and the
   * stop `stopLossPct` (its plan's request), `entryFee` paid; ended as `close` says at candle
   * `closeIndex`; `funding` paid or received while open (NaN: not modelled); `pnl` its exits' PnL
   * (without funding). Returns its row.
   */
  append(sym: number, num: number, side: Side, entryIndex: number, steps: Steps, stopLossPct: number, entryFee: number, close: CloseKind, closeIndex: number, funding: number, pnl: number): number {
    const c = this.symbols[sym]!.candles;
    if (!(entryIndex >= 0 && closeIndex >= entryIndex && closeIndex < c.length) || (close === 'signal' && closeIndex === entryIndex)) {
      throw new RangeError(`${this.symbols[sym]!.symbol}-${num}: entered at candle ${entryIndex}, ${close} at ${closeIndex} of ${c.length}`);
    }
    const t = this.n++;
    const r = this.trades.at(t);
    const o = this.trades.off;
    r[o + T_SYM] = sym;
    r[o + T_NUM] = num;
    r[o + T_SHORT] = side === 'short' ? 1 : 0;
    r[o + T_ENTRY_INDEX] = entryIndex;
    r[o + T_STEPS] = steps;
    r[o + T_STOP_LOSS_PCT] = stopLossPct;
    r[o + T_ENTRY_FEE] = entryFee;
    r[o + T_CLOSE] = close === 'walk' ? 0 : close === 'signal' ? 1 : 2;
    r[o + T_CLOSE_INDEX] = closeIndex;
    r[o + T_FUNDING] = funding;
    r[o + T_PNL] = pnl;
    return t;
  }

  /** Field `f` (a T_ offset) of trade t. */
  private field(t: number, f: number): number {
    const r = this.trades.row(t);
    return r[this.trades.off + f]!;
  }

  private symbolOf(t: number): LogSymbol {
    return this.symbols[this.field(t, T_SYM)]!;
  }

  symbol(t: number): string {
    return this.symbolOf(t).symbol;
  }

  id(t: number): string {
    return `${this.symbol(t)}-${this.field(t, T_NUM)}`;
  }

  side(t: number): Side {
    return this.field(t, T_SHORT) === 1 ? 'short' : 'long';
  }

  entryTimeMsOf(t: number): number {
    return this.symbolOf(t).candles.time[this.field(t, T_ENTRY_INDEX)]!;
  }

  entryFeeOf(t: number): number {
    return this.field(t, T_ENTRY_FEE);
  }

  originalStepsOf(t: number): Steps {
    return this.field(t, T_STEPS) as Steps;
  }

  /** Funding paid (negative) or received while open; undefined when funding was not modelled. */
  fundingOf(t: number): number | undefined {
    const f = this.field(t, T_FUNDING);
    return Number.isNaN(f) ? undefined : f;
  }

  /**
   * Trade t's closed position, walked again (see the class): the engine's calls in its order. The entry
   * candle is walked from its open after the entry; each later candle (or its detail candles, when they
   * make it up whole) until the ladder closes, or until the signal's open or the data's last close.
   */
  state(t: number): Position {
    const ls = this.symbolOf(t);
    const c = ls.candles;
    const side = this.side(t);
    const i0 = this.field(t, T_ENTRY_INDEX);
    const stopLossPct = this.field(t, T_STOP_LOSS_PCT);
    const close = CLOSE_KINDS[this.field(t, T_CLOSE)]!;
    const last = this.field(t, T_CLOSE_INDEX);
    const id = this.id(t);
    const fm = this.fills;
    // With slippage the entry is an exact decimal: the plan gets its text, as at entry (engine.ts).
    const entry = fm.slippagePct === 0 ? c.open[i0]! : slippedText(c.open[i0]!, side === 'long', fm.slippagePct);
    const plan = ls.planner.plan({ side, entryPrice: entry, quantitySteps: this.originalStepsOf(t), stopLossPct });
    if (!plan.ok) throw new Error(`${id}: its plan cannot be made again (${plan.error.message})`);
    const s = openLadder({ id, symbol: ls.symbol, timeMs: c.time[i0]!, entryFee: this.entryFeeOf(t), plan: plan.value }, null);
    const tally = { realized: 0 };
    const path = new Float64Array(4);
    for (let i = i0; i <= last && s.status === 'open'; i++) {
      if (close === 'signal' && i === last) {
        closeRemainderOf(s, 'signal', c.open[i]!, c.time[i]!, fm, null, tally);
        break;
      }
      const d = ls.detail;
      const from = d ? wholeDetailFrom(c, i, d) : -1;
      if (from >= 0) {
        const to = from + c.timeframeMs / d!.timeframeMs;
        for (let j = from; j < to && s.status === 'open'; j++) walkCandleOf(s, path, d!.open[j]!, d!.high[j]!, d!.low[j]!, d!.close[j]!, d!.time[j]!, this.intrabar, fm, tally);
      } else walkCandleOf(s, path, c.open[i]!, c.high[i]!, c.low[i]!, c.close[i]!, c.time[i]!, this.intrabar, fm, tally);
      if (close === 'end' && i === last && s.status === 'open') closeRemainderOf(s, 'end', c.close[i]!, closeTimeMs(c, i), fm, null, tally);
    }
    const pnl = this.field(t, T_PNL);
    if (s.status !== 'closed' || totalPnl(s) !== pnl) throw new Error(`${id}: walked again, it ${s.status === 'closed' ? `booked ${totalPnl(s)}, not ${pnl}` : 'did not close'}`);
    return s;
  }
}

// A trade's row: the symbol's index, n of its id `<symbol>-<n>`, short (1/0), the entry's candle index,
// its steps and stop %, the entry fee, how it closed (CLOSE_KINDS) and at which candle, its funding
// (NaN: not modelled) and its exits' PnL.
const [T_SYM, T_NUM, T_SHORT, T_ENTRY_INDEX, T_STEPS, T_STOP_LOSS_PCT, T_ENTRY_FEE, T_CLOSE, T_CLOSE_INDEX, T_FUNDING, T_PNL, T_STRIDE] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11] as const;
