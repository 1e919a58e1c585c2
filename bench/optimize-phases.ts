/**
 * Where one task of the optimizer's sweep goes (issue 15): the steps a pool thread takes for each
 * candidate (pool-worker.ts → evaluateCandidate), timed one by one in this thread by CPU time, over
 * `N` distinct random ladders of examples/ladder-space.json (seed 1) on the ten real 1h files with
 * bench/optimize-sweep.ts's config, one window (the sweep's): the candidate's settings rebuilt and
 * checked (`settingsOf`), the replay (`Replayer.figures`), the daily returns, the metrics, and the
 * result's structured clone both ways (what postMessage does). The first 20 ladders warm up.
 * Also the one-off costs of a thread: the dataset's structured clone (workerData) and the Replayer.
 *   node --import tsx bench/optimize-phases.ts [N=150]
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deserialize, serialize } from 'node:v8';
import { loadBacktestInputs } from '../src/cli/backtest-inputs.ts';
import { type LadderConfig, parseConfigText } from '../src/core/config/index.ts';
import { settingsOf, taskOf } from '../src/optimize/candidate.ts';
import { prepareDataset } from '../src/optimize/dataset.ts';
import { dailyReturns, windowMetrics } from '../src/optimize/metrics.ts';
import { Replayer } from '../src/optimize/replay/replayer.ts';
import { Search } from '../src/optimize/search.ts';
import { SpaceGrid } from '../src/optimize/space-grid.ts';
import { parseSpaceText } from '../src/optimize/space.ts';
import { EXAMPLE_CONFIG, EXCHANGE_INFO, SYMBOLS_1H, klineFile } from './paths.ts';
import { BENCH_BALANCE } from './setup.ts';

const N = Number(process.argv[2] ?? 150);
const WARM = 20;
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const log = (s: string) => process.stdout.write(`${s}\n`);

const example = parseConfigText(await readFile(EXAMPLE_CONFIG, 'utf8'), EXAMPLE_CONFIG);
if (!example.ok) throw new Error(`${EXAMPLE_CONFIG}: invalid config`);
const config: LadderConfig = { ...example.value, max_open_positions: SYMBOLS_1H.length, backtest: { ...example.value.backtest, starting_balance: BENCH_BALANCE } };
const configFile = join(await mkdtemp(join(tmpdir(), 'ladder-optimize-phases-')), 'config.json');
await writeFile(configFile, JSON.stringify(config));
const input = await loadBacktestInputs({ config: configFile, data: SYMBOLS_1H.map((s) => klineFile(s, '1h')).join(','), markets: EXCHANGE_INFO });
const dataset = prepareDataset(input.symbols, input.options);
let t = cpuMs();
const cloned = serialize({ dataset, config });
log(`a thread's workerData: serialize ${(cpuMs() - t).toFixed(0)} ms CPU, ${(cloned.length / 1e6).toFixed(1)} MB`);
t = cpuMs();
deserialize(cloned);
log(`a thread's workerData: deserialize ${(cpuMs() - t).toFixed(0)} ms CPU`);
const space = parseSpaceText(await readFile(fileURLToPath(new URL('../examples/ladder-space.json', import.meta.url)), 'utf8'));
if (!space.ok) throw new Error('examples/ladder-space.json: invalid space');
const tasks = (new Search(new SpaceGrid(space.value, config), config, 'random', N + WARM, 1, 1).next(() => undefined) ?? []).map((p) => taskOf(p.candidate));
t = cpuMs();
const replayer = new Replayer(dataset, { ...dataset.options, sizingBalance: 'starting' });
log(`new Replayer ${(cpuMs() - t).toFixed(0)} ms CPU`);

const S = dataset.options.startingBalance;
const tf = dataset.symbols[0]!.candles.timeframeMs;
const acc = { settingsOf: 0, replay: 0, dailyReturns: 0, windowMetrics: 0, clone: 0 };
for (let i = 0; i < tasks.length; i++) {
  const task = tasks[i]!;
  const a = cpuMs();
  const settings = settingsOf(config, task);
  const b = cpuMs();
  // remember false: the sweep's one window is the candidate's last (evaluate.ts).
  const run = replayer.figures(settings, -Infinity, Infinity, false)!;
  const c = cpuMs();
  const d = dailyReturns(run.equityTimeMs, run.equity, S, tf);
  const e = cpuMs();
  const metrics = windowMetrics(run, S, d.returns);
  const f = cpuMs();
  deserialize(serialize({ key: task.key, result: { windows: [{ metrics, daily: { firstDayMs: d.dayMs[0], returns: d.returns } }], fullRuns: 0 } }));
  const g = cpuMs();
  if (i < WARM) continue;
  acc.settingsOf += b - a;
  acc.replay += c - b;
  acc.dailyReturns += e - c;
  acc.windowMetrics += f - e;
  acc.clone += g - f;
}
const total = Object.values(acc).reduce((x, y) => x + y, 0);
for (const [k, v] of Object.entries(acc)) log(`${k.padEnd(14)} ${(v / N).toFixed(3)} ms a task  ${((100 * v) / total).toFixed(1)} %`);
log(`total          ${(total / N).toFixed(2)} ms a task (CPU, this thread), ${N} ladders; trades read back across candidates: ${replayer.firstExitsRecalled}`);
