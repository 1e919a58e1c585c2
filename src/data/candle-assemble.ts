/**
 * Parsed files → one CandleSeries: files in time order (no overlaps), the timeframe (given, else the
 * one their names say, else the most common step between candles), every step checked against it,
 * and the gaps listed. A step of several candles is a gap unless the row before's close_time says it
 * is a candle of several (a file mixing 1h and 15m rows is refused, not read as 15m with gaps).
 */
import { CANDLE_COLUMNS, type CandleColumn, findGaps, type CandleSeries, seriesOf } from './candle-series.ts';
import type { CandleChunk } from './candle-csv.ts';
import { CandleFileError } from './candle-file-error.ts';
import { isoOf } from './parse-time.ts';
import { formatTimeframe } from './timeframe.ts';

export interface AssembleOptions {
  /** The timeframe in ms; inferred from the most common step between candles when absent. */
  readonly timeframeMs?: number;
  /** The timeframe the file names say (the `1h` of `BTCUSDT-1h-2024-01.csv`): used before the most common step. */
  readonly timeframeHintMs?: number;
  readonly symbol?: string;
  readonly source: string;
}

const DAY_MS = 86_400_000;

/** The most common positive step between consecutive open times (the smaller one on a tie). */
export function inferTimeframeMs(time: Float64Array): number | undefined {
  // Nearly always one step makes up most of the file: find it with a majority vote (Boyer–Moore)
  // and a count, two passes without a Map; a step held by more than half the pairs is the mode.
  let candidate = NaN;
  let votes = 0;
  for (let i = 1; i < time.length; i++) {
    const d = (time[i] as number) - (time[i - 1] as number);
    if (votes === 0) candidate = d;
    votes += d === candidate ? 1 : -1;
  }
  let held = 0;
  for (let i = 1; i < time.length; i++) if ((time[i] as number) - (time[i - 1] as number) === candidate) held++;
  if (held * 2 > time.length - 1) return candidate;
  const counts = new Map<number, number>();
  for (let i = 1; i < time.length; i++) {
    const d = (time[i] as number) - (time[i - 1] as number);
    counts.set(d, (counts.get(d) ?? 0) + 1);
  }
  let best: number | undefined;
  let bestCount = 0;
  for (const [d, count] of counts) {
    if (count > bestCount || (count === bestCount && best !== undefined && d < best)) {
      best = d;
      bestCount = count;
    }
  }
  return best;
}

function concatChunks(chunks: readonly CandleChunk[]): CandleChunk {
  if (chunks.length === 1) return chunks[0] as CandleChunk;
  const total = chunks.reduce((s, c) => s + c.length, 0);
  const cols = CANDLE_COLUMNS;
  const buf = new Float64Array(total * cols.length);
  const out = Object.fromEntries(cols.map((k, j) => [k, buf.subarray(j * total, (j + 1) * total)])) as Record<CandleColumn, Float64Array>;
  const lines = new Uint32Array(total);
  const spanMs = new Map<number, number>();
  let at = 0;
  for (const c of chunks) {
    for (const k of cols) out[k].set(c[k], at);
    lines.set(c.lines, at);
    if (c.spanMs) for (const [row, ms] of c.spanMs) spanMs.set(at + row, ms);
    at += c.length;
  }
  return { file: chunks.map((c) => c.file).join(','), length: total, ...out, lines, spanMs };
}

/** The error for a row of another timeframe than the file's `tf` (`tfSays`: where tf comes from). */
function mixedTimeframes(at: { file: string; line: number }, what: string, tf: number, tfSays: string): CandleFileError {
  return new CandleFileError(at.file, at.line, 'time', `${what}, not ${formatTimeframe(tf)} (${tfSays}): a file holds candles of one timeframe only`);
}

/** Joins the chunks of one symbol into a series; throws a CandleFileError naming file and line. */
export function assembleSeries(input: readonly CandleChunk[], opts: AssembleOptions): CandleSeries {
  const chunks = [...input].sort((a, b) => (a.time[0] as number) - (b.time[0] as number));
  // Which file each row came from, for messages: chunk k holds rows [starts[k], starts[k+1]).
  const starts: number[] = [];
  let total = 0;
  for (let k = 0; k < chunks.length; k++) {
    const c = chunks[k] as CandleChunk;
    const prev = chunks[k - 1];
    if (prev !== undefined && (c.time[0] as number) <= (prev.time[prev.length - 1] as number)) {
      throw new CandleFileError(c.file, c.lines[0], 'time', `${isoOf(c.time[0] as number)} overlaps ${prev.file} (which runs to ${isoOf(prev.time[prev.length - 1] as number)}, line ${prev.lines[prev.length - 1]})`);
    }
    starts.push(total);
    total += c.length;
  }
  const all = concatChunks(chunks);
  const where = (i: number): { file: string; line: number } => {
    let k = starts.length - 1;
    while ((starts[k] as number) > i) k--;
    return { file: (chunks[k] as CandleChunk).file, line: all.lines[i] as number };
  };

  // A file's name (BTCUSDT-1h.csv) says its timeframe: a 1h file missing every other hour is 1h with
  // gaps, not 2h. Only a name that says none leaves it to the most common step.
  const tf = opts.timeframeMs ?? opts.timeframeHintMs ?? inferTimeframeMs(all.time);
  if (tf === undefined) {
    throw new CandleFileError(all.file, undefined, 'time', 'a single candle: cannot infer the timeframe; name the file for it, e.g. BTCUSDT-1h.csv (symbol, then timeframe)');
  }
  if (!(tf > 0) || !Number.isInteger(tf)) throw new Error(`timeframe must be a positive whole number of ms, got ${tf}`);
  // Rows a month apart (Binance's 1M klines, or a BTCUSDT-1M.csv: its name says no timeframe Ladder
  // knows): months are 28 to 31 days, so no fixed step fits, and the first 28-day month read as a step
  // shorter than the timeframe would be the message.
  if (opts.timeframeMs === undefined && opts.timeframeHintMs === undefined && tf >= 28 * DAY_MS && tf <= 31 * DAY_MS) {
    throw new CandleFileError(all.file, undefined, 'time', `its rows are a month apart (most often ${formatTimeframe(tf)}): monthly candles (Binance's 1M) have no fixed length and are not supported; use 1w or a shorter timeframe`);
  }
  const tfSays = opts.timeframeHintMs !== undefined ? 'the timeframe its name says' : 'the most common step between its rows';
  // A timeframe given is taken as given (1h data read as 30m has gaps); a found one is checked
  // against what the rows' close_times say where a candle of another timeframe would show.
  const spanMs = opts.timeframeMs === undefined ? (all.spanMs ?? new Map<number, number>()) : new Map<number, number>();
  for (let i = 1; i < all.length; i++) {
    const d = (all.time[i] as number) - (all.time[i - 1] as number);
    // The common case first: a floating-point remainder per candle cost a tenth of the whole load.
    if (d === tf) continue;
    const at = where(i);
    const before = where(i - 1);
    const stepText = `${isoOf(all.time[i] as number)} is ${formatTimeframe(d)} after ${before.file === at.file ? `line ${before.line}` : `${before.file}:${before.line}`}`;
    if (d < tf || d % tf !== 0) {
      const why = d < tf ? `less than the ${formatTimeframe(tf)} timeframe` : `not a whole number of ${formatTimeframe(tf)} candles`;
      throw new CandleFileError(at.file, at.line, 'time', `${stepText}, ${why}`);
    }
    // A step of several candles is a gap, unless the row before says it is a candle of several: a
    // file of 1h rows then 15m rows would otherwise be read as 15m candles with every 1h row a gap
    // (an hour row followed by missing rows too: a step of 1h45m, the row saying 1h). A row that
    // closes early (an exchange outage, a partial last candle) says less than one candle.
    const span = spanMs.get(i - 1);
    if (span !== undefined && span > tf && span % tf === 0) throw mixedTimeframes(at, `${stepText}, whose close_time says its candle is ${formatTimeframe(span)}`, tf, tfSays);
  }
  const last = all.length - 1;
  const lastSpan = spanMs.get(last);
  if (lastSpan !== undefined && lastSpan > tf && lastSpan % tf === 0) {
    throw mixedTimeframes(where(last), `its close_time says its candle (${isoOf(all.time[last] as number)}) is ${formatTimeframe(lastSpan)}`, tf, tfSays);
  }
  return seriesOf(opts.symbol, {
    timeframeMs: tf,
    length: all.length,
    time: all.time,
    open: all.open,
    high: all.high,
    low: all.low,
    close: all.close,
    volume: all.volume,
    gaps: findGaps(all.time, tf),
    source: opts.source,
  });
}
