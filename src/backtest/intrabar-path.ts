import type { Side } from '../core/units.ts';

export type IntrabarModel = 'pessimistic' | 'ohlc';

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
