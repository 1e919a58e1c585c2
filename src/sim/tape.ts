import { TIMEFRAMES, bucketStartMs as bucketStart, isTimeframeName } from '../data/index.ts';

/** Milliseconds of a Binance kline interval name (`1h`), or undefined (months are not supported). */
export const intervalMs = (name: string): number | undefined => (isTimeframeName(name) ? TIMEFRAMES[name] : undefined);

/** One candle in integer ticks (volumes as numbers). */
export interface TickCandle {
  t: number;
  o: number;
  h: number;
  l: number;
  c: number;
  v: number;
  q: number;
  n: number;
  tb: number;
  tq: number;
}

/** Where a tape's next candles come from: a replayed file or a seeded random walk. */
export interface CandleSource {
  /** The candle opening at `t` (undefined: a gap, or past the end of the data). */
  candleAt(t: number): TickCandle | undefined;
  /** True when no candle exists at or after `t`. */
  endedAt(t: number): boolean;
}

/**
 * One symbol's price history as the simulator actually played it: closed candles (history before the
 * start comes from the source; after it, what was walked, admin price moves included) and the
 * candle forming now. Prices are integer ticks.
 */
export class Tape {
  private readonly hist: TickCandle[] = [];
  private forming: (TickCandle & { closed: boolean }) | undefined;
  private lastTicks: number | undefined;
  private lastTimeMs = 0;

  constructor(
    readonly symbol: string,
    readonly intervalMs: number,
    readonly source: CandleSource,
    history: readonly TickCandle[],
  ) {
    this.hist.push(...history);
    const prev = history[history.length - 1];
    if (prev) this.lastTicks = prev.c;
  }

  get price(): number | undefined {
    return this.lastTicks;
  }

  get timeMs(): number {
    return this.lastTimeMs;
  }

  /** Starts the candle opening at `t`; its open is set by the first `setPrice`. */
  openCandle(t: number, volumeShare?: Pick<TickCandle, 'v' | 'q' | 'n' | 'tb' | 'tq'>): void {
    this.closeCandle();
    this.forming = { t, o: NaN, h: NaN, l: NaN, c: NaN, v: 0, q: 0, n: 0, tb: 0, tq: 0, closed: false, ...volumeShare };
  }

  /** Closes the forming candle (its close is the last price) and appends it to the history. */
  closeCandle(): void {
    const f = this.forming;
    if (!f || f.closed || Number.isNaN(f.o)) return;
    f.closed = true;
    this.hist.push({ t: f.t, o: f.o, h: f.h, l: f.l, c: f.c, v: f.v, q: f.q, n: f.n, tb: f.tb, tq: f.tq });
  }

  /** Records a traded price at `timeMs` (extends the forming candle, or starts one if none is open). */
  setPrice(ticks: number, timeMs: number): void {
    const bucket = bucketStart(timeMs, this.intervalMs);
    if (this.forming?.closed && this.forming.t === bucket) this.reopen();
    if (!this.forming || this.forming.closed) this.openCandle(bucket);
    const f = this.forming!;
    if (Number.isNaN(f.o)) f.o = f.h = f.l = ticks;
    f.h = Math.max(f.h, ticks);
    f.l = Math.min(f.l, ticks);
    f.c = ticks;
    this.lastTicks = ticks;
    this.lastTimeMs = Math.max(this.lastTimeMs, timeMs);
  }

  /** A price set after the close but still inside the candle's time (admin moves) extends that candle. */
  private reopen(): void {
    const last = this.hist[this.hist.length - 1];
    if (last && this.forming && last.t === this.forming.t) {
      this.hist.pop();
      this.timesCache.length = Math.min(this.timesCache.length, this.hist.length);
    }
    if (this.forming) this.forming.closed = false;
  }

  /** Adds volume to the forming candle (the replay spreads each candle's volume over its path). */
  addVolume(share: Pick<TickCandle, 'v' | 'q' | 'n' | 'tb' | 'tq'>): void {
    const f = this.forming;
    if (!f) return;
    f.v += share.v;
    f.q += share.q;
    f.n += share.n;
    f.tb += share.tb;
    f.tq += share.tq;
  }

  /** The forming candle if it is still open. */
  get current(): (TickCandle & { closed: boolean }) | undefined {
    return this.forming && !Number.isNaN(this.forming.o) ? this.forming : undefined;
  }

  /** Base candles (closed history, then the forming one) with open time in [fromMs, toMs]. */
  baseCandles(fromMs: number, toMs: number): TickCandle[] {
    const times = this.histTimes();
    const out = this.hist.slice(lowerBound(times, fromMs), lowerBound(times, toMs + 1));
    const f = this.current;
    if (f && !f.closed && f.t >= fromMs && f.t <= toMs) out.push({ ...f });
    return out;
  }

  private timesCache: number[] = [];
  private histTimes(): number[] {
    if (this.timesCache.length !== this.hist.length) {
      for (let i = this.timesCache.length; i < this.hist.length; i++) this.timesCache.push(this.hist[i]!.t);
    }
    return this.timesCache;
  }

  /** Open time of the earliest candle the tape knows. */
  get firstTimeMs(): number | undefined {
    return this.hist[0]?.t ?? this.current?.t;
  }

  /**
   * Candles of `ms` (a whole multiple of the tape's interval) built from base candles, ascending.
   * Binance semantics: `startTime` → the first `limit` from there; else the last `limit` up to
   * `endTime` (or now). The last one may still be forming, as on Binance.
   */
  klines(ms: number, limit: number, startTime?: number, endTime?: number): Array<TickCandle & { closeTime: number }> {
    const end = endTime ?? Number.MAX_SAFE_INTEGER;
    let from: number;
    if (startTime !== undefined) from = bucketStart(startTime, ms) < startTime ? bucketStart(startTime, ms) + ms : startTime;
    else {
      const lastT = Math.min(end, this.current?.t ?? this.hist[this.hist.length - 1]?.t ?? 0);
      from = bucketStart(lastT, ms) - (limit - 1) * ms;
    }
    const base = this.baseCandles(from, end);
    const out: Array<TickCandle & { closeTime: number }> = [];
    for (const b of base) {
      const bt = bucketStart(b.t, ms);
      if (bt > end) break;
      const last = out[out.length - 1];
      if (last && last.t === bt) {
        last.h = Math.max(last.h, b.h);
        last.l = Math.min(last.l, b.l);
        last.c = b.c;
        last.v += b.v;
        last.q += b.q;
        last.n += b.n;
        last.tb += b.tb;
        last.tq += b.tq;
      } else {
        if (out.length === limit) break;
        out.push({ ...b, t: bt, closeTime: bt + ms - 1 });
      }
    }
    return startTime !== undefined ? out : out.slice(-limit);
  }

  /** Rolling statistics over (nowMs − windowMs, nowMs]: the 24 h ticker. */
  window(nowMs: number, windowMs: number): TickCandle | undefined {
    const base = this.baseCandles(nowMs - windowMs + 1, nowMs);
    const first = base[0];
    if (!first) return undefined;
    const acc = { ...first };
    for (const b of base.slice(1)) {
      acc.h = Math.max(acc.h, b.h);
      acc.l = Math.min(acc.l, b.l);
      acc.c = b.c;
      acc.v += b.v;
      acc.q += b.q;
      acc.n += b.n;
      acc.tb += b.tb;
      acc.tq += b.tq;
    }
    return acc;
  }
}

/** Index of the first element of ascending `a` that is ≥ `x` (a.length when none). */
export function lowerBound(a: readonly number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
