import type { CandleSeries, Gap } from './candle-series.ts';
import type { ClosedCandle } from '../exchange/port.ts';

/**
 * The closed candles a live strategy sees, as a growing columnar series: candles are only ever
 * appended, in time order, so a strategy that reads indices ≤ i sees exactly what a backtest on the
 * same candles would see.
 */
export class LiveCandles {
  private cap = 1024;
  private n = 0;
  /** Holes between appended candles, as a loaded file reports them (findGaps): a strategy reading `gaps` answers as in the backtest. */
  private gaps: readonly Gap[] = [];
  private cols = { time: new Float64Array(1024), open: new Float64Array(1024), high: new Float64Array(1024), low: new Float64Array(1024), close: new Float64Array(1024), volume: new Float64Array(1024) };

  constructor(
    readonly symbol: string,
    readonly timeframeMs: number,
  ) {}

  get length(): number {
    return this.n;
  }

  get lastOpenMs(): number {
    return this.n ? this.cols.time[this.n - 1]! : -Infinity;
  }

  /** Appends the candles newer than the last one; returns the indices of those added. */
  append(candles: readonly ClosedCandle[]): number[] {
    const added: number[] = [];
    for (const c of candles) {
      if (c.openTimeMs <= this.lastOpenMs) continue;
      if (this.n === this.cap) this.grow();
      const fromMs = this.lastOpenMs + this.timeframeMs;
      // A new array, not a push: a view already handed out keeps the gaps of its own candles.
      if (this.n > 0 && c.openTimeMs > fromMs) this.gaps = [...this.gaps, { afterIndex: this.n - 1, fromMs, toMs: c.openTimeMs, missing: Math.round((c.openTimeMs - fromMs) / this.timeframeMs) }];
      const i = this.n++;
      this.cols.time[i] = c.openTimeMs;
      this.cols.open[i] = c.open;
      this.cols.high[i] = c.high;
      this.cols.low[i] = c.low;
      this.cols.close[i] = c.close;
      this.cols.volume[i] = c.volume;
      added.push(i);
    }
    return added;
  }

  /** A view over the candles so far (the same object while nothing is added, so strategies keep state). */
  series(): CandleSeries {
    if (this.view && this.view.length === this.n) return this.view;
    const sub = (a: Float64Array) => a.subarray(0, this.n);
    this.view = {
      symbol: this.symbol,
      timeframeMs: this.timeframeMs,
      length: this.n,
      time: sub(this.cols.time),
      open: sub(this.cols.open),
      high: sub(this.cols.high),
      low: sub(this.cols.low),
      close: sub(this.cols.close),
      volume: sub(this.cols.volume),
      gaps: this.gaps,
      source: `live ${this.symbol}`,
    };
    return this.view;
  }

  private view: CandleSeries | null = null;

  private grow(): void {
    this.cap *= 2;
    for (const k of Object.keys(this.cols) as (keyof typeof this.cols)[]) {
      const a = new Float64Array(this.cap);
      a.set(this.cols[k]);
      this.cols[k] = a;
    }
    this.view = null;
  }
}
