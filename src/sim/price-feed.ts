import { type CandleSeries, bucketStartMs as bucketStart, formatTimeframe, isTimeframeName } from '../data/index.ts';
import { fileSource, randomWalkSource } from './candle-sources.ts';
import type { SymbolRules } from './markets.ts';
import { type CandleSource, Tape, type TickCandle } from './tape.ts';

/** Moves a symbol's price to `ticks`, firing every order the move crosses (the matching engine). */
export interface PriceWalker {
  walkPrice(symbol: string, ticks: number, timeMs: number, gap: boolean): void;
}

export interface FeedListener {
  onPrice?(symbol: string, ticks: number, timeMs: number): void;
  onCandleClose?(symbol: string, candle: TickCandle): void;
}

export interface FeedOptions {
  readonly rules: ReadonlyMap<string, SymbolRules>;
  /** Candle series to replay (one symbol each, all at the same interval), loaded by src/data. */
  readonly series?: readonly CandleSeries[];
  readonly seed?: number;
  /** Candles per second of wall time; 0 = only admin steps move prices. */
  readonly speed?: number;
  /** Candle interval of the random walk when there are no data files (default 1 h). */
  readonly intervalMs?: number;
  /** Open time of the first replayed candle (default: after `warmupCandles` of the data, or 2024-01-01). */
  readonly startMs?: number;
  /** Candles of history served before the start (default 500). */
  readonly warmupCandles?: number;
}

/** Points walked per candle: open, the two extremes, close. */
export const POINTS_PER_CANDLE = 4;
const DEFAULT_START_MS = Date.UTC(2024, 0, 1);

/**
 * The simulator's clock and prices. Time is the candles' time: each candle is walked in four points
 * (up candle open→low→high→close, down candle open→high→low→close; SPEC's `ohlc` path) at its open,
 * one third, two thirds and its close time. A candle's open is a gap from the previous close (orders
 * crossed by it fill at the open); the other segments are continuous (orders fill at their own price).
 */
export class PriceFeed {
  readonly intervalMs: number;
  private readonly tapes = new Map<string, Tape>();
  private readonly fileSymbols = new Set<string>();
  private readonly listeners: FeedListener[] = [];
  private walker: PriceWalker | undefined;
  private candleOpen: number;
  private point = 0;
  private timer: NodeJS.Timeout | undefined;
  private speed: number;
  private readonly originMs: number;
  /** Every replayed file has ended (set by the first step that found nothing left to play). */
  private ended = false;

  constructor(private readonly opts: FeedOptions) {
    const series = opts.series ?? [];
    const intervals = new Set(series.map((s) => s.timeframeMs));
    if (intervals.size > 1) throw new Error('all --data files must have the same candle interval');
    this.intervalMs = series[0]?.timeframeMs ?? opts.intervalMs ?? 3_600_000;
    if (!isTimeframeName(formatTimeframe(this.intervalMs))) throw new Error(`unsupported candle interval ${formatTimeframe(this.intervalMs)}`);
    const warmup = opts.warmupCandles ?? 500;
    const start = opts.startMs ?? (series.length ? Math.max(...series.map((s) => s.time[Math.min(warmup, s.length - 1)]!)) : DEFAULT_START_MS);
    this.candleOpen = bucketStart(start, this.intervalMs);
    // Before a file's first candle every price answered -1000 "no price yet"; after its last, the clock ran
    // on for years over a frozen price. The default start (after the warm-up) is inside every file.
    if (opts.startMs !== undefined) {
      for (const s of series) {
        const [first, last] = [s.time[0]!, s.time[s.length - 1]!];
        if (this.candleOpen < first || this.candleOpen > last) {
          const iso = (ms: number) => new Date(ms).toISOString();
          throw new Error(`--start ${iso(opts.startMs)}: outside ${s.source} (candles ${iso(first)} to ${iso(last)}): the replay starts at a candle of every --data file`);
        }
      }
    }
    this.originMs = this.candleOpen - warmup * this.intervalMs;
    this.speed = opts.speed ?? 1;
    for (const s of series) {
      if (s.symbol === undefined) throw new Error(`${s.source}: cannot tell the symbol (name the file like BTCUSDT-1h.csv)`);
      const rules = opts.rules.get(s.symbol);
      if (!rules) throw new Error(`${s.symbol} (${s.source}) is not in the exchange information`);
      // As --funding and the backtest's --data: a second file of a symbol replaced the first without a word.
      if (this.tapes.has(s.symbol)) throw new Error(`--data: two entries for ${s.symbol} (${s.source} is the second): one per symbol; several files of it (months) go in one directory, given as one entry`);
      const src = fileSource(s, rules);
      this.fileSymbols.add(s.symbol);
      this.tapes.set(s.symbol, new Tape(s.symbol, this.intervalMs, src, src.all(this.candleOpen)));
    }
  }

  /** Connects the matching engine and plays the first point (the start candle's open). */
  attach(walker: PriceWalker): void {
    this.walker = walker;
    for (const [symbol, tape] of this.tapes) this.playPoint(symbol, tape);
  }

  addListener(l: FeedListener): void {
    this.listeners.push(l);
  }

  /** The simulator's current time (candle time, ms). */
  get nowMs(): number {
    return this.pointTime(this.point);
  }

  get currentSpeed(): number {
    return this.speed;
  }

  /** Symbols with a tape: replayed, or already used (random walk). */
  get activeSymbols(): string[] {
    return [...this.tapes.keys()];
  }

  /** Symbols replayed from files. */
  get replayedSymbols(): string[] {
    return [...this.fileSymbols];
  }

  knows(symbol: string): boolean {
    return this.opts.rules.has(symbol);
  }

  /** The symbol's tape; a symbol without data gets a seeded random walk on first use. */
  tape(symbol: string): Tape {
    let tape = this.tapes.get(symbol);
    if (tape) return tape;
    const rules = this.opts.rules.get(symbol);
    if (!rules) throw new Error(`unknown symbol ${symbol}`);
    const src = randomWalkSource(rules, this.opts.seed ?? 1, this.originMs, this.intervalMs);
    tape = new Tape(symbol, this.intervalMs, src, src.all(this.candleOpen));
    this.tapes.set(symbol, tape);
    for (let k = 0; k <= this.point; k++) this.playPointOf(symbol, tape, src, k, false);
    return tape;
  }

  /** Current price in ticks. */
  price(symbol: string): number {
    const p = this.tape(symbol).price;
    if (p === undefined) throw new Error(`no price for ${symbol} yet`);
    return p;
  }

  /** Records a price (called by the engine for every level it walks through) and tells listeners. */
  setPrice(symbol: string, ticks: number, timeMs: number): void {
    this.tape(symbol).setPrice(ticks, timeMs);
    for (const l of this.listeners) l.onPrice?.(symbol, ticks, timeMs);
  }

  /** Advances one point on every tape; false when every replayed file has ended and no walk runs. */
  step(): boolean {
    if (this.point < POINTS_PER_CANDLE - 1) this.point++;
    else {
      this.candleOpen += this.intervalMs;
      this.point = 0;
    }
    let moved = false;
    for (const [symbol, tape] of this.tapes) moved = this.playPoint(symbol, tape) || moved;
    // With no file the simulator is a random walk, whose tapes start when a symbol is first asked
    // for: the clock runs before that (an idle start is not an ended replay).
    const randomTapes = this.fileSymbols.size === 0 || this.tapes.size > this.fileSymbols.size;
    const allEnded = [...this.fileSymbols].every((s) => this.tapes.get(s)!.source.endedAt(this.candleOpen));
    const more = moved || randomTapes || !allEnded;
    if (!more) this.ended = true;
    return more;
  }

  /** The replay ran out: every data file has ended and no random walk runs, so prices will not move by themselves again. */
  get replayEnded(): boolean {
    return this.ended;
  }

  /** Advances to the close of the current candle, then `n − 1` more whole candles. */
  stepCandles(n: number): void {
    for (let i = 0; i < n; i++) {
      do {
        if (!this.step()) return;
      } while (this.point < POINTS_PER_CANDLE - 1);
    }
  }

  setSpeed(speed: number): void {
    this.speed = speed;
    this.stop();
    this.start();
  }

  /** Runs the clock at `speed` candles per second of wall time. */
  start(): void {
    if (this.timer || this.speed <= 0) return;
    const pointsPerSecond = this.speed * POINTS_PER_CANDLE;
    const delayMs = Math.max(4, 1000 / pointsPerSecond);
    const perTick = Math.max(1, Math.round((pointsPerSecond * delayMs) / 1000));
    const tick = (): void => {
      for (let i = 0; i < perTick; i++) {
        if (!this.step()) {
          this.timer = undefined;
          return;
        }
      }
      this.timer = setTimeout(tick, delayMs);
    };
    this.timer = setTimeout(tick, delayMs);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private pointTime(k: number): number {
    if (k >= POINTS_PER_CANDLE - 1) return this.candleOpen + this.intervalMs - 1;
    return this.candleOpen + Math.floor((k * this.intervalMs) / (POINTS_PER_CANDLE - 1));
  }

  private playPoint(symbol: string, tape: Tape): boolean {
    return this.playPointOf(symbol, tape, tape.source, this.point, true);
  }

  private playPointOf(symbol: string, tape: Tape, src: CandleSource, k: number, walk: boolean): boolean {
    const c = src.candleAt(this.candleOpen);
    if (!c) return false;
    const up = c.c >= c.o;
    const path = up ? [c.o, c.l, c.h, c.c] : [c.o, c.h, c.l, c.c];
    const time = this.pointTime(k);
    if (k === 0) tape.openCandle(c.t);
    const share = { v: c.v / POINTS_PER_CANDLE, q: c.q / POINTS_PER_CANDLE, n: Math.round(c.n / POINTS_PER_CANDLE), tb: c.tb / POINTS_PER_CANDLE, tq: c.tq / POINTS_PER_CANDLE };
    tape.addVolume(share);
    if (walk && this.walker) this.walker.walkPrice(symbol, path[k]!, time, k === 0);
    else tape.setPrice(path[k]!, time);
    if (k === POINTS_PER_CANDLE - 1) {
      tape.closeCandle();
      const closed = tape.baseCandles(c.t, c.t)[0];
      if (walk && closed) for (const l of this.listeners) l.onCandleClose?.(symbol, closed);
    }
    return true;
  }
}
