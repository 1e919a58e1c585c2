/**
 * `signals`: entries from a signal file (signals-file.ts). A signal is returned on the candle
 * before its entry candle (entered at the next open, like any strategy's), or by `beforeFirst`
 * when its entry candle is candle 0. When several signals share an entry candle, the last one
 * (by time, then line) is the one entered: it is the newest information at that open.
 *
 * It reads no prices. To know that a signal falls before candle i + 1 opens, it reads that
 * candle's open time, which is known at the moment of entry (this matters only across a gap).
 */
import type { CandleSeries } from '../data/candle-series.ts';
import { checkSignalStops, loadSignalsFile, mapSignalsToCandles, type FileSignal, type SignalPlan } from './signals-file.ts';
import type { Signal, Strategy } from './strategy.ts';

export class SignalsStrategy implements Strategy {
  readonly name = 'signals';
  readonly warmup = 0;
  readonly signals: readonly FileSignal[];
  /** The signal file, as given to fromFile (errors name it as its own parse errors do). */
  readonly file: string | undefined;
  #series: CandleSeries | undefined;
  /** Signal to return on candle i (entry at i + 1). */
  #onCandle = new Map<number, FileSignal>();
  #beforeFirst: FileSignal | null = null;
  #plan: SignalPlan | undefined;

  constructor(signals: readonly FileSignal[], file?: string) {
    this.signals = signals;
    this.file = file;
  }

  /** `leverage`: refuse a signal whose stop lies at or beyond the liquidation distance (its line named). */
  static fromFile(path: string, leverage?: number): SignalsStrategy {
    const signals = loadSignalsFile(path);
    if (leverage !== undefined) checkSignalStops(signals, path, leverage);
    return new SignalsStrategy(signals, path);
  }

  /** The placement of this strategy's signals on `series` (also: which were stale or too late). */
  plan(series: CandleSeries): SignalPlan {
    this.#prepare(series);
    return this.#plan as SignalPlan;
  }

  #prepare(series: CandleSeries): void {
    if (series === this.#series) return;
    this.#series = series;
    this.#plan = mapSignalsToCandles(this.signals, series);
    this.#onCandle = new Map();
    this.#beforeFirst = null;
    for (const { signal, entryIndex } of this.#plan.placed) {
      if (entryIndex === 0) this.#beforeFirst = signal;
      else this.#onCandle.set(entryIndex - 1, signal);
    }
  }

  onCandle(series: CandleSeries, i: number): Signal | null {
    this.#prepare(series);
    const placed = this.#onCandle.get(i);
    if (placed || i !== series.length - 1) return placed ?? null;
    // The live edge: candle i is the newest closed one and the next (the entry candle) has not
    // opened yet, so a signal due by its open is not placed on any candle. It is entered at that
    // open, the one that comes next: the newest such signal, as for placed ones.
    const nextOpen = (series.time[i] as number) + series.timeframeMs;
    let due: FileSignal | null = null;
    for (const s of this.#plan!.afterEnd) if (s.timeMs <= nextOpen && (due === null || s.timeMs >= due.timeMs)) due = s;
    return due;
  }

  beforeFirst(series: CandleSeries): Signal | null {
    this.#prepare(series);
    return this.#beforeFirst;
  }
}
