/**
 * Bytes the engine allocates per trade (issue 14 part 3), by V8's sampling heap profiler counting
 * the objects collected too: unlike a time, the same on a loaded machine, so a change to the hot
 * path can be checked for garbage at once. `runBacktest` over the ten real 1h files with the bench
 * config, `--runs` passes after 10 warm-ups; prints the total and the top allocating functions
 * (inlined code is counted in the function it was inlined into).
 *   node --import tsx bench/alloc-engine.ts [--runs 20]
 */
import { Session } from 'node:inspector/promises';
import { parseArgs } from 'node:util';
import { runBacktest } from '../src/backtest/engine.ts';
import { loadCandles } from '../src/data/load-candles.ts';
import { SYMBOLS_1H, klineFile } from './paths.ts';
import { loadSetup, symbolInput } from './setup.ts';

interface ProfileNode {
  readonly callFrame: { readonly functionName: string; readonly url: string };
  readonly selfSize: number;
  readonly children: readonly ProfileNode[];
}

const { values } = parseArgs({ options: { runs: { type: 'string', default: '20' } } });
const runs = Number(values.runs);
const setup = await loadSetup();
const series: { symbol: string; candles: Awaited<ReturnType<typeof loadCandles>> }[] = [];
for (const s of SYMBOLS_1H) series.push({ symbol: s, candles: await loadCandles(klineFile(s, '1h')) });
const pass = () => series.reduce((n, s) => n + runBacktest([symbolInput(setup, s.candles, s.symbol)], setup.scaled).trades.length, 0);
for (let r = 0; r < 10; r++) pass();
const session = new Session();
session.connect();
await session.post('HeapProfiler.startSampling', { samplingInterval: 512, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true } as never);
let trades = 0;
for (let r = 0; r < runs; r++) trades = pass();
const { profile } = (await session.post('HeapProfiler.stopSampling')) as unknown as { profile: { head: ProfileNode } };
session.disconnect();
const self = new Map<string, number>();
let total = 0;
const walk = (n: ProfileNode) => {
  const key = `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.split('/').slice(-2).join('/')}`;
  self.set(key, (self.get(key) ?? 0) + n.selfSize);
  total += n.selfSize;
  for (const c of n.children) walk(c);
};
walk(profile.head);
const perTrade = (bytes: number) => bytes / runs / trades;
process.stdout.write(`${trades} trades a pass: ${(total / runs / 1e6).toFixed(2)} MB allocated per pass, ${perTrade(total).toFixed(0)} B per trade\n`);
for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 12)) process.stdout.write(`${perTrade(v).toFixed(0).padStart(6)} B  ${k}\n`);
