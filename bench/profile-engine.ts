/**
 * Profiling driver for the engine's hot path (issue 14 part 3): runs `runBacktest` over the ten real
 * 1h files with the bench config, `--runs` times (default 30), and prints the median time per pass.
 * Run it under the profiler:
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/profile-engine.ts
 */
import { parseArgs } from 'node:util';
import { runBacktest } from '../src/backtest/engine.ts';
import { loadCandles } from '../src/data/load-candles.ts';
import { SYMBOLS_1H, klineFile } from './paths.ts';
import { loadSetup, symbolInput } from './setup.ts';
import { median } from './timing.ts';

// --keep: each pass keeps its ten runs until it ends, as the bench's engine job and a CLI run do (the
// records then outlive young-generation collections); without it each run is garbage at once.
const { values } = parseArgs({ options: { runs: { type: 'string', default: '30' }, single: { type: 'boolean', default: false }, keep: { type: 'boolean', default: false } } });
const setup = await loadSetup();
const series = [];
for (const s of SYMBOLS_1H) series.push({ symbol: s, candles: await loadCandles(klineFile(s, '1h')) });
const candles = series.reduce((n, s) => n + s.candles.length, 0);
const opts = values.single ? setup.single : setup.scaled;
const ms: number[] = [];
let trades = 0;
for (let r = 0; r < Number(values.runs); r++) {
  const t0 = performance.now();
  trades = 0;
  const kept: unknown[] = [];
  for (const s of series) {
    const run = runBacktest([symbolInput(setup, s.candles, s.symbol, values.single)], opts);
    trades += run.trades.length;
    if (values.keep) kept.push(run);
  }
  ms.push(performance.now() - t0);
  kept.length = 0;
}
const m = median(ms);
process.stdout.write(`${candles} candles, ${trades} trades: median ${m.toFixed(1)} ms per pass, ${(candles / m / 1000).toFixed(2)} M candles/s\n`);
