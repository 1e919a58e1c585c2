/**
 * The 10M-candle run, in a child process of run.ts so that its peak RSS is this run's alone.
 * Builds the mirrored series from the real BTCUSDT 1h file, times the engine on it (untimed warm-up
 * on the real file first), reads the peak RSS, then times the object loop on the same candles and
 * checks that it made the engine's trades. Prints one JSON line. Run with --expose-gc (run.ts does)
 * so each timed run starts on a clean heap and the peak RSS is one run's, not several runs' garbage.
 *
 * Usage: node --expose-gc --import tsx bench/run-10m.ts [--candles N] [--runs R] [--loop-runs R]
 */
import { parseArgs } from 'node:util';
import { runBacktest } from '../src/backtest/engine.ts';
import type { CandleSeries } from '../src/data/candle-series.ts';
import { loadCandles } from '../src/data/load-candles.ts';
import { mirroredSeries } from './mirrored-series.ts';
import { candleObjects, objectLoop } from './object-loop.ts';
import { klineFile } from './paths.ts';
import { type BenchSetup, loadSetup, marketOf, symbolInput } from './setup.ts';
import { type Timing, timeJobs } from './timing.ts';
import { type TradeRecord, matchTrades, recordsOfPositions } from './trade-records.ts';

export interface TenMillionResult {
  readonly candles: number;
  readonly buildMs: number;
  readonly engine: { readonly runsMs: readonly number[]; readonly medianMs: number; readonly trades: number };
  /** Peak RSS of this process after the series was built and the engine ran on it, MB (2^20 bytes). */
  readonly peakRssMb: number;
  /** Peak RSS once the series was built, before any engine ran: what the candles alone take. */
  readonly seriesRssMb: number;
  readonly objectLoop: { readonly runsMs: readonly number[]; readonly medianMs: number; readonly tradesMatch: boolean; readonly mismatches: number };
}

const SYMBOL = 'BTCUSDT';

/**
 * The engine's timed runs on the series, and the peak RSS right after them (before anything else is
 * allocated); only the trades of the last run, as records, outlive this function.
 */
function timeEngine(setup: BenchSetup, series: CandleSeries): { timing: Timing; peakRssMb: number; records: TradeRecord[] } {
  const { engine } = timeJobs({ engine: () => runBacktest([symbolInput(setup, series, SYMBOL)], setup.scaled) }, 0, RUNS, true);
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  process.stderr.write(`bench: 10M engine runs ${engine.timing.runsMs.map((ms) => `${(ms / 1000).toFixed(1)} s`).join(', ')}; peak RSS ${peakRssMb.toFixed(0)} MB\n`);
  return { timing: engine.timing, peakRssMb, records: recordsOfPositions(engine.last.trades) };
}

const { values } = parseArgs({
  options: { candles: { type: 'string', default: '10000000' }, runs: { type: 'string', default: '3' }, 'loop-runs': { type: 'string', default: '2' } },
});
const RUNS = Number(values.runs);
const LOOP_RUNS = Number(values['loop-runs']);

async function main(): Promise<void> {
  const candles = Number(values.candles);
  const setup = await loadSetup();
  const real = await loadCandles(klineFile(SYMBOL, '1h'));
  const market = marketOf(setup, SYMBOL);

  const t0 = performance.now();
  const series = mirroredSeries(real, candles);
  const buildMs = performance.now() - t0;
  const seriesRssMb = process.resourceUsage().maxRSS / 1024;

  // Untimed warm-up on the real file (the same code paths; a full untimed 10M run would add a run's time).
  for (let r = 0; r < 3; r++) runBacktest([symbolInput(setup, real, SYMBOL)], setup.scaled);
  const engine = timeEngine(setup, series);

  const objects = candleObjects(series);
  const realObjects = candleObjects(real);
  for (let r = 0; r < 3; r++) objectLoop(realObjects, market, setup.scaled, setup.strategy, real.timeframeMs);
  const { loop } = timeJobs({ loop: () => objectLoop(objects, market, setup.scaled, setup.strategy, series.timeframeMs) }, 0, LOOP_RUNS, true);
  const match = matchTrades(engine.records, loop.last.trades);

  const out: TenMillionResult = {
    candles,
    buildMs,
    engine: { runsMs: engine.timing.runsMs, medianMs: engine.timing.medianMs, trades: engine.records.length },
    peakRssMb: engine.peakRssMb,
    seriesRssMb,
    objectLoop: { runsMs: loop.timing.runsMs, medianMs: loop.timing.medianMs, tradesMatch: match.match, mismatches: match.mismatches },
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

await main();
