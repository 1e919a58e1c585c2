/**
 * In-process A/B of the engine against another checkout's (issue 14): both `runBacktest`s on the ten
 * real 1h files with the bench config, taking turns in one process (timing.ts), so that the load of
 * a shared machine hits both alike; prints both medians, their ratio, and whether the two give the
 * same summaries and equity curves. The other checkout needs its own node_modules (a symlink does).
 *   git worktree add /tmp/base HEAD~1 && ln -s "$PWD/node_modules" /tmp/base/node_modules
 *   node --import tsx bench/ab-engine.ts --base /tmp/base [--runs 31] [--cpu]
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { BacktestRun, runBacktest as RunBacktest } from '../src/backtest/engine.ts';
import { loadCandles } from '../src/data/load-candles.ts';
import { SYMBOLS_1H, klineFile } from './paths.ts';
import type * as Setup from './setup.ts';
import { cpuClock, median, timeJobs } from './timing.ts';

// --cpu: time each pass by the process's CPU time (timing.ts cpuClock) instead of wall time.
const { values } = parseArgs({ options: { base: { type: 'string' }, runs: { type: 'string', default: '31' }, cpu: { type: 'boolean', default: false } } });
if (!values.base) throw new Error('--base: the other checkout (a directory with src/ and bench/)');

interface Tree {
  readonly runBacktest: typeof RunBacktest;
  readonly setup: typeof Setup;
  readonly loaded: Setup.BenchSetup;
}
async function tree(dir: string): Promise<Tree> {
  const at = (p: string) => pathToFileURL(resolve(dir, p)).href;
  const { runBacktest } = (await import(at('src/backtest/engine.ts'))) as { runBacktest: typeof RunBacktest };
  const setup = (await import(at('bench/setup.ts'))) as typeof Setup;
  return { runBacktest, setup, loaded: await setup.loadSetup() };
}
const trees = { base: await tree(values.base), new: await tree(resolve(import.meta.dirname, '..')) };
const series: { symbol: string; candles: Awaited<ReturnType<typeof loadCandles>> }[] = [];
for (const s of SYMBOLS_1H) series.push({ symbol: s, candles: await loadCandles(klineFile(s, '1h')) });
const job = (t: Tree) => () => series.map((s) => t.runBacktest([t.setup.symbolInput(t.loaded, s.candles, s.symbol)], t.loaded.scaled));
const r = timeJobs({ base: job(trees.base), new: job(trees.new) }, 5, Number(values.runs), false, values.cpu ? cpuClock : undefined);
const b = r.base.timing.medianMs;
const n = r.new.timing.medianMs;
const digest = (runs: readonly BacktestRun[]) => JSON.stringify(runs.map((x) => [x.summary, x.trades.length, Array.from(x.equity)]));
// The two jobs of one turn ran back to back: the median of the turns' own ratios is less moved by a
// burst of load from other processes than the ratio of the two medians.
const turns = r.base.timing.runsMs.map((x, k) => r.new.timing.runsMs[k]! / x);
process.stdout.write(
  `${values.cpu ? 'CPU time: ' : ''}base ${b.toFixed(2)} ms, new ${n.toFixed(2)} ms a pass: new/base ${(n / b).toFixed(3)} (median of the turns' ratios ${median(turns).toFixed(3)}); same summaries and equity curves: ${digest(r.base.last) === digest(r.new.last)}\n`,
);
