/**
 * The grademark baseline (npm `grademark` 0.3.0, a devDependency of the bench only): the same
 * EMA-cross entries, the same stop and a single take-profit, on the same candles.
 *
 * grademark cannot reverse a position on one bar (it enters only when flat, and a bar on which it
 * exits never asks for an entry), so the comparison trades long only: our engine gets the long
 * signals of ema_cross, grademark enters on the same cross up. Its stop and target are the ladder's
 * own prices (the core's tick rounding: stop rounded toward the entry, target away from it), given
 * to grademark as distances that reproduce them exactly (Sterbenz: entry − stop is exact when the
 * stop is within a factor 2 of the entry, so entry − (entry − stop) is the stop again).
 */
import { type DataFrame as DataFrameT, type IDataFrame, DataFrame, Series } from 'data-forge';
import { type IBar, type IStrategy, type ITrade, backtest } from 'grademark';
import { type MarketRules, ticksToPrice } from '../src/core/market/market-rules.ts';
import { stopTicksAt, targetTicks } from '../src/core/scaled-tp/price-math.ts';
import { type CandleSeries, lowerBoundTime } from '../src/data/candle-series.ts';
import type { EmaCrossParams } from '../src/strategy/ema-cross.ts';
import type { TradeMismatch, TradeRecord } from './trade-records.ts';

interface CrossBar extends IBar {
  /** The fast EMA crossed above the slow one at this bar's close. */
  crossUp: boolean;
}

/** The candles as grademark's input, a data-forge DataFrame of bars (built before timing: its loaded form). */
export function grademarkFrame(s: CandleSeries): IDataFrame<number, IBar> {
  const bars: IBar[] = new Array<IBar>(s.length);
  for (let i = 0; i < s.length; i++) {
    bars[i] = { time: new Date(s.time[i]!), open: s.open[i]!, high: s.high[i]!, low: s.low[i]!, close: s.close[i]!, volume: s.volume[i]! };
  }
  return new DataFrame<number, IBar>(bars);
}

/**
 * ema_cross's cross-up flags for grademark's prepIndicators: the same arithmetic as trading-signals'
 * EMA (the engine's), the same warm-up, so the entries are the engine's long entries.
 */
export function crossUpFlags(closes: readonly number[], p: EmaCrossParams): boolean[] {
  const wf = 2 / (p.fast + 1);
  const ws = 2 / (p.slow + 1);
  const out = new Array<boolean>(closes.length);
  let fast = 0;
  let slow = 0;
  let prev = NaN;
  for (let j = 0; j < closes.length; j++) {
    const c = closes[j]!;
    fast = c * wf + (j === 0 ? c : fast) * (1 - wf);
    slow = c * ws + (j === 0 ? c : slow) * (1 - ws);
    const diff = fast - slow;
    out[j] = j >= p.slow && prev <= 0 && diff > 0;
    prev = j >= p.slow - 1 ? diff : NaN;
  }
  return out;
}

export interface GrademarkRules {
  readonly strategy: EmaCrossParams;
  readonly stopLossPct: number;
  readonly takeProfitPct: number;
  readonly market: MarketRules;
}

/** The strategy object grademark runs: indicators in prepIndicators (timed with the backtest). */
export function grademarkStrategy(r: GrademarkRules): IStrategy<IBar, CrossBar> {
  const m = r.market;
  return {
    prepIndicators: ({ inputSeries }) => {
      const closes = inputSeries.getSeries<number>('close').toArray();
      return (inputSeries as DataFrameT<number, IBar>).withSeries('crossUp', new Series(crossUpFlags(closes, r.strategy))) as unknown as IDataFrame<number, CrossBar>;
    },
    entryRule: (enter, { bar }) => {
      if (bar.crossUp) enter({ direction: 'long' as never });
    },
    stopLoss: ({ entryPrice }) => entryPrice - ticksToPrice(stopTicksAt(entryPrice, -r.stopLossPct, 'long', m), m),
    profitTarget: ({ entryPrice }) => ticksToPrice(targetTicks(entryPrice, r.takeProfitPct, 'long', m), m) - entryPrice,
  };
}

export function runGrademark(frame: IDataFrame<number, IBar>, r: GrademarkRules): ITrade[] {
  return backtest(grademarkStrategy(r), frame);
}

const REASONS: Record<string, string> = { 'stop-loss': 'stop', 'profit-target': 'tp', finalize: 'end', 'exit-rule': 'signal' };

/** grademark's trades in the ladder's words (one exit each, no quantities). */
export function recordsOfGrademark(trades: readonly ITrade[]): TradeRecord[] {
  return trades.map((t) => ({
    side: t.direction === ('long' as never) ? 'long' : 'short',
    entryTimeMs: t.entryTime.getTime(),
    entryPrice: t.entryPrice,
    exits: [{ reason: REASONS[t.exitReason] ?? t.exitReason, timeMs: t.exitTime.getTime(), price: t.exitPrice }],
  }));
}

/**
 * Why a trade differs between the engine and grademark, when grademark's bar model explains it:
 * - `exit_on_entry_bar`: the engine's stop or target was reached on the entry candle itself;
 *   grademark checks neither on the bar it enters, so it exits later (or elsewhere).
 * - `no_entry_on_exit_bar`: the cross up came on a candle where grademark closed a trade; grademark
 *   asks for no entry on such a bar, the engine enters at the next open.
 * - `knock_on`: a trade only one engine made, because the other still held a position opened by an
 *   earlier difference when the signal came.
 * - `end_of_data_time`: both closed the same trade at the end of the data at the same price; the engine
 *   dates that exit at the last candle's close (SPEC "Times"), grademark at that candle's open time.
 * - `other`: none of these (a real disagreement in the rules).
 */
export type MismatchCause = 'exit_on_entry_bar' | 'no_entry_on_exit_bar' | 'knock_on' | 'end_of_data_time' | 'other';

export function mismatchCause(m: TradeMismatch, ladder: readonly TradeRecord[], grademark: readonly TradeRecord[], time: Float64Array): MismatchCause {
  const { ladder: x, other: y } = m;
  if (x !== null && y !== null) {
    const ex = x.exits[x.exits.length - 1]!;
    const ey = y.exits[y.exits.length - 1]!;
    if (ex.timeMs === x.entryTimeMs && ey.timeMs > ex.timeMs) return 'exit_on_entry_bar';
    const endTime = x.exits.length === 1 && ex.reason === 'end' && ey.reason === 'end' && ex.price === ey.price;
    return endTime && ex.timeMs > ey.timeMs && time[time.length - 1] === ey.timeMs ? 'end_of_data_time' : 'other';
  }
  const t = (x ?? y)!;
  const signalBar = time[lowerBoundTime(time, t.entryTimeMs) - 1];
  if (signalBar === undefined) return 'other';
  const exitOf = (r: TradeRecord) => r.exits[r.exits.length - 1]!.timeMs;
  const holder = x !== null ? grademark : ladder;
  if (x !== null && grademark.some((r) => exitOf(r) === signalBar)) return 'no_entry_on_exit_bar';
  if (holder.some((r) => r.entryTimeMs <= signalBar && exitOf(r) > signalBar)) return 'knock_on';
  return 'other';
}

/** Counts of each cause over a list of mismatches. */
export function mismatchCauses(ms: readonly TradeMismatch[], ladder: readonly TradeRecord[], grademark: readonly TradeRecord[], time: Float64Array): Record<MismatchCause, number> {
  const out: Record<MismatchCause, number> = { exit_on_entry_bar: 0, no_entry_on_exit_bar: 0, knock_on: 0, end_of_data_time: 0, other: 0 };
  for (const m of ms) out[mismatchCause(m, ladder, grademark, time)]++;
  return out;
}
