import { type FillModel, type FillTally, advanceSegment, advanceSegmentOf } from './fill-model.ts';
import type { StepResult } from './model/commands.ts';
import type { Position } from './model/position.ts';
import { type LadderState, type Ledger, POSITION_LEDGER, triggerHigh, triggerLow } from './scaled-tp/ladder-rules.ts';
import type { Side } from './units.ts';

export type IntrabarModel = 'pessimistic' | 'ohlc';

// The trigger band lives with the trigger prices it reads (exit-manager.ts settles them).
export { triggerHigh, triggerLow } from './scaled-tp/ladder-rules.ts';

/** The segment a→b reaches an edge of the position's trigger band (touch counts): only then can anything happen. */
const reachesTrigger = (p: Position, a: number, b: number): boolean => (a < b ? a : b) <= triggerLow(p) || (a > b ? a : b) >= triggerHigh(p);

/**
 * Writes the four points of a candle's price path into `out` (SPEC R5 "Candle semantics").
 * Pessimistic: a long sees its low before its high (open→low→high→close), a short its high first.
 * `ohlc`: up candles open→low→high→close, down candles open→high→low→close; a candle with
 * close = open uses the pessimistic order. No allocation: the caller owns `out`.
 */
export function intrabarPath(out: Float64Array, o: number, h: number, l: number, c: number, side: Side, model: IntrabarModel): void {
  const lowFirst = model === 'ohlc' && c !== o ? c > o : side === 'long';
  out[0] = o;
  out[1] = lowFirst ? l : h;
  out[2] = lowFirst ? h : l;
  out[3] = c;
}

/**
 * One candle over an open position: its path (`intrabarPath`, into the caller's `path`), then the core's
 * `advanceSegment` on each of the three segments that reaches the next target or the stop, until the
 * position closes. Each step result goes to `onStep` (the caller books fills and PnL). `o` is where
 * the walk starts: the candle's open, or the entry price in the entry candle. Returns the position
 * after the candle. The one candle walk of the backtest and of the dashboard's single take-profit.
 */
export function walkCandle(
  p: Position,
  path: Float64Array,
  o: number,
  h: number,
  l: number,
  c: number,
  timeMs: number,
  model: IntrabarModel,
  fm: FillModel,
  onStep?: (r: StepResult) => void,
): Position {
  intrabarPath(path, o, h, l, c, p.side, model);
  for (let k = 0; k < 3 && p.status === 'open'; k++) {
    const a = path[k]!;
    const b = path[k + 1]!;
    // Only a segment that reaches a trigger price can change anything: skip the call otherwise (hot loop).
    if (!reachesTrigger(p, a, b)) continue;
    const r = advanceSegment(p, a, b, timeMs, fm);
    onStep?.(r);
    p = r.position;
  }
  return p;
}

/**
 * `walkCandle` on a mutable ladder state, in place, with no outputs (the backtest's path): the same
 * segments, skipped or walked by `advanceSegmentOf` alike. Fill PnLs go to `tally` in fill order, the
 * exits and stop moves to `ledger`. Nothing is allocated unless an exit happens.
 */
export function walkCandleOf(
  s: LadderState,
  path: Float64Array,
  o: number,
  h: number,
  l: number,
  c: number,
  timeMs: number,
  model: IntrabarModel,
  fm: FillModel,
  tally: FillTally,
  ledger: Ledger = POSITION_LEDGER,
): void {
  intrabarPath(path, o, h, l, c, s.side, model);
  for (let k = 0; k < 3 && s.status === 'open'; k++) {
    const a = path[k]!;
    const b = path[k + 1]!;
    if (reachesTrigger(s, a, b)) advanceSegmentOf(s, a, b, timeMs, fm, null, tally, ledger);
  }
}
