import type { CandidateResult, WindowOutcome } from './evaluate.ts';

/**
 * A candidate's result as a queue job returns it. BullMQ stores a job's return value as JSON twice
 * (in the job and in the event stream the coordinator reads), and a result is mostly daily returns:
 * as JSON numbers a 4-year window is ~34 KB, which the worker, Redis and the coordinator each copy
 * and parse per job (≈ 10 % of a 2-core machine's time in `queue_vs_embedded`). Here each window's
 * returns are their IEEE-754 bytes (little-endian) in base64: half the size, no number printing or
 * parsing, and every double exact, NaN and ±∞ included (JSON would make them null).
 */
export interface WireResult {
  readonly windows: readonly WireWindow[];
  readonly fullRuns?: number;
}

interface WireWindow {
  readonly metrics: WindowOutcome['metrics'];
  readonly daily?: { readonly firstDayMs: number; readonly returns64: string };
}

/**
 * What the coordinator asks for in the run's spec in Redis (`resultFormat`): a worker returns the
 * packed form only when asked, so a worker of this version serves an older coordinator (plain JSON),
 * and a coordinator of this version reads an older worker's plain results (`fromWire`).
 */
export const RESULT_FORMAT = 'f64-base64';

/** The spec in Redis as the coordinator puts it: the run's spec and the result format it reads. */
export const specForWorkers = <S extends object>(spec: S): S & { readonly resultFormat: typeof RESULT_FORMAT } => ({ ...spec, resultFormat: RESULT_FORMAT });

/** A worker's answer in the form the run's spec asked for. */
export const resultForSpec = (spec: { readonly resultFormat?: string }, r: CandidateResult): WireResult | CandidateResult => (spec.resultFormat === RESULT_FORMAT ? toWire(r) : r);

export function toWire(r: CandidateResult): WireResult {
  const windows = r.windows.map((w): WireWindow => (w.daily ? { metrics: w.metrics, daily: { firstDayMs: w.daily.firstDayMs, returns64: packDoubles(w.daily.returns) } } : { metrics: w.metrics }));
  return r.fullRuns === undefined ? { windows } : { windows, fullRuns: r.fullRuns };
}

/**
 * A job's return value back to a result. A window with plain `returns` (a job finished by a worker
 * of an earlier version, found again by a resumed run) is taken as it is.
 */
export function fromWire(w: WireResult | CandidateResult): CandidateResult {
  const windows = w.windows.map((x): WindowOutcome => {
    const daily = x.daily as { firstDayMs: number; returns64?: string; returns?: readonly number[] } | undefined;
    if (daily === undefined) return { metrics: x.metrics };
    if (daily.returns64 === undefined) return x as WindowOutcome;
    return { metrics: x.metrics, daily: { firstDayMs: daily.firstDayMs, returns: unpackDoubles(daily.returns64) } };
  });
  return w.fullRuns === undefined ? { windows } : { windows, fullRuns: w.fullRuns };
}

function packDoubles(xs: ArrayLike<number>): string {
  const bytes = Buffer.allocUnsafe(xs.length * 8);
  for (let i = 0; i < xs.length; i++) bytes.writeDoubleLE(xs[i]!, i * 8);
  return bytes.toString('base64');
}

function unpackDoubles(text: string): number[] {
  // Node's decoder skips what is not base64 without a word: a damaged value must not become other numbers.
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) throw new Error(`a queue result's daily returns are not base64 (${JSON.stringify(text.slice(0, 24))}…)`);
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length % 8 !== 0) throw new Error(`a queue result's daily returns are ${bytes.length} bytes, not a whole number of doubles`);
  const xs = new Array<number>(bytes.length / 8);
  for (let i = 0; i < xs.length; i++) xs[i] = bytes.readDoubleLE(i * 8);
  return xs;
}
