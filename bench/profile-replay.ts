/**
 * Profiling driver for the optimizer's replay (issue 15): the example config on the ten real 1h files
 * on one balance, `--ladders` random ladders of examples/ladder-space.json (seed 1) replayed in this
 * thread, `--runs` times; prints the median time per pass and the rate in ladder-candles per second.
 * Run it under the profiler:
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/profile-replay.ts
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadBacktestInputs } from '../src/cli/backtest-inputs.ts';
import { type LadderConfig, parseConfigText } from '../src/core/config/index.ts';
import { prepareDataset } from '../src/optimize/dataset.ts';
import { Replayer } from '../src/optimize/replay/replayer.ts';
import { Search } from '../src/optimize/search.ts';
import { SpaceGrid } from '../src/optimize/space-grid.ts';
import { parseSpaceText } from '../src/optimize/space.ts';
import { EXAMPLE_CONFIG, EXCHANGE_INFO, SYMBOLS_1H, klineFile } from './paths.ts';
import { BENCH_BALANCE } from './setup.ts';
import { median } from './timing.ts';

const { values } = parseArgs({ options: { ladders: { type: 'string', default: '10' }, runs: { type: 'string', default: '10' } } });
const example = parseConfigText(await readFile(EXAMPLE_CONFIG, 'utf8'), EXAMPLE_CONFIG);
if (!example.ok) throw new Error(`${EXAMPLE_CONFIG}: invalid config`);
// As bench/optimize-sweep.ts: one slot per symbol and the benchmark's balance, so every signal is an entry.
const config: LadderConfig = { ...example.value, max_open_positions: SYMBOLS_1H.length, backtest: { ...example.value.backtest, starting_balance: BENCH_BALANCE } };
const configFile = join(await mkdtemp(join(tmpdir(), 'ladder-profile-replay-')), 'config.json');
await writeFile(configFile, JSON.stringify(config));
const input = await loadBacktestInputs({ config: configFile, data: SYMBOLS_1H.map((s) => klineFile(s, '1h')).join(','), markets: EXCHANGE_INFO });
const dataset = prepareDataset(input.symbols, input.options);
const candles = input.symbols.reduce((n, s) => n + s.candles.length, 0);
const space = parseSpaceText(await readFile(fileURLToPath(new URL('../examples/ladder-space.json', import.meta.url)), 'utf8'));
if (!space.ok) throw new Error('examples/ladder-space.json: invalid space');
const n = Number(values.ladders);
const ladders = (new Search(new SpaceGrid(space.value, config), config, 'random', n, 1, 1).next(() => undefined) ?? []).map((p) => p.candidate);
const replayer = new Replayer(dataset, { ...dataset.options, sizingBalance: 'starting' });
const ms: number[] = [];
let trades = 0;
for (let r = 0; r < Number(values.runs); r++) {
  const t0 = performance.now();
  trades = 0;
  // One window, the candidate's last (remember false), as the sweep evaluates it: nothing kept for later windows.
  for (const c of ladders) trades += replayer.figures(c.settings, -Infinity, Infinity, false)!.rMultiples.length;
  ms.push(performance.now() - t0);
}
const m = median(ms);
process.stdout.write(`${ladders.length} ladders × ${candles} candles, ${trades} trades a pass: median ${m.toFixed(1)} ms per pass, ${((ladders.length * candles) / m / 1000).toFixed(2)} M ladder-candles/s, ${((m * 1000) / trades).toFixed(2)} µs per trade\n`);
