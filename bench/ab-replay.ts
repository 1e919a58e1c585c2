/**
 * In-process A/B of the optimizer's replay against another checkout's (issue 15), as ab-engine.ts
 * does for the engine: both `Replayer`s replay the same random ladders of examples/ladder-space.json
 * (seed 1) on the ten real 1h files with the optimizer bench's config, taking turns in one process;
 * prints both medians, their ratio, and whether the two give the same figures.
 *   git worktree add /tmp/base HEAD~1 && ln -s "$PWD/node_modules" /tmp/base/node_modules
 *   node --import tsx bench/ab-replay.ts --base /tmp/base [--runs 21] [--ladders 10] [--cpu] [--distinct]
 * --cpu: time each pass by the process's CPU time (timing.ts cpuClock) instead of wall time.
 * --distinct: each turn replays its own batch of ladders, never seen before (as a sweep does, where
 * the memos shared across candidates fill as it goes), instead of the same ladders every turn.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { loadBacktestInputs } from '../src/cli/backtest-inputs.ts';
import { type LadderConfig, parseConfigText } from '../src/core/config/index.ts';
import { prepareDataset } from '../src/optimize/dataset.ts';
import type { RunFigures } from '../src/optimize/metrics.ts';
import type { Replayer as ReplayerClass } from '../src/optimize/replay/replayer.ts';
import { Search } from '../src/optimize/search.ts';
import { SpaceGrid } from '../src/optimize/space-grid.ts';
import { parseSpaceText } from '../src/optimize/space.ts';
import { EXAMPLE_CONFIG, EXCHANGE_INFO, SYMBOLS_1H, klineFile } from './paths.ts';
import { BENCH_BALANCE } from './setup.ts';
import { cpuClock, median, timeJobs } from './timing.ts';

const { values } = parseArgs({
  options: { base: { type: 'string' }, runs: { type: 'string', default: '21' }, ladders: { type: 'string', default: '10' }, cpu: { type: 'boolean', default: false }, distinct: { type: 'boolean', default: false } },
});
if (!values.base) throw new Error('--base: the other checkout (a directory with src/ and bench/)');

const example = parseConfigText(await readFile(EXAMPLE_CONFIG, 'utf8'), EXAMPLE_CONFIG);
if (!example.ok) throw new Error(`${EXAMPLE_CONFIG}: invalid config`);
// As bench/optimize-sweep.ts: one slot per symbol and the benchmark's balance.
const config: LadderConfig = { ...example.value, max_open_positions: SYMBOLS_1H.length, backtest: { ...example.value.backtest, starting_balance: BENCH_BALANCE } };
const configFile = join(await mkdtemp(join(tmpdir(), 'ladder-ab-replay-')), 'config.json');
await writeFile(configFile, JSON.stringify(config));
const input = await loadBacktestInputs({ config: configFile, data: SYMBOLS_1H.map((s) => klineFile(s, '1h')).join(','), markets: EXCHANGE_INFO });
const dataset = prepareDataset(input.symbols, input.options);
const space = parseSpaceText(await readFile(resolve(import.meta.dirname, '../examples/ladder-space.json'), 'utf8'));
if (!space.ok) throw new Error('examples/ladder-space.json: invalid space');
const WARMUPS = 3;
const perPass = Number(values.ladders);
const batches = values.distinct ? WARMUPS + Number(values.runs) : 1;
const all = (new Search(new SpaceGrid(space.value, config), config, 'random', perPass * batches, 1, 1).next(() => undefined) ?? []).map((p) => p.candidate);
const ladders = (pass: number) => all.slice((pass % batches) * perPass, (pass % batches + 1) * perPass);

async function replayer(dir: string): Promise<ReplayerClass> {
  const { Replayer } = (await import(pathToFileURL(resolve(dir, 'src/optimize/replay/replayer.ts')).href)) as { Replayer: typeof ReplayerClass };
  return new Replayer(dataset, { ...dataset.options, sizingBalance: 'starting' });
}
// Each job counts its own passes: both replay batch r in turn r.
const job = (r: ReplayerClass) => {
  let pass = 0;
  return () => ladders(pass++).map((c) => r.figures(c.settings, -Infinity, Infinity, false)!);
};
const r = timeJobs({ base: job(await replayer(values.base)), new: job(await replayer(resolve(import.meta.dirname, '..'))) }, WARMUPS, Number(values.runs), false, values.cpu ? cpuClock : undefined);
const b = r.base.timing.medianMs;
const n = r.new.timing.medianMs;
const digest = (fs: readonly RunFigures[]) => JSON.stringify(fs.map((f) => [f.summary, f.rMultiples, Array.from(f.equity)]));
// The median of the turns' own ratios is less moved by a burst of load than the ratio of the medians.
const turns = r.base.timing.runsMs.map((x, k) => r.new.timing.runsMs[k]! / x);
process.stdout.write(
  `${values.cpu ? 'CPU time: ' : ''}base ${b.toFixed(2)} ms, new ${n.toFixed(2)} ms a pass of ${perPass}${values.distinct ? ' distinct' : ''} ladders: new/base ${(n / b).toFixed(3)} (median of the turns' ratios ${median(turns).toFixed(3)}); same figures: ${digest(r.base.last) === digest(r.new.last)}\n`,
);
