import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadBacktestInputs } from '../../src/cli/backtest-inputs.ts';
import { analyzeStudy } from '../../src/optimize/analysis.ts';
import { prepareDataset } from '../../src/optimize/dataset.ts';
import type { CandidateResult } from '../../src/optimize/evaluate.ts';
import { studyWindows } from '../../src/optimize/folds.ts';
import { type Evaluator, inlineEvaluator, threadPool } from '../../src/optimize/pool.ts';
import { parseSpaceText } from '../../src/optimize/space.ts';
import { type StudySpec, runStudy } from '../../src/optimize/study.ts';

const KLINES = fileURLToPath(new URL('../../../shared/data/binance-spot-klines/', import.meta.url));
const MARKETS = fileURLToPath(new URL('../../../shared/data/binance-usdm-exchange-info.json', import.meta.url));
const CONFIG = fileURLToPath(new URL('../../examples/scaled.config.json', import.meta.url));

const input = await loadBacktestInputs({ config: CONFIG, data: `${KLINES}BTCUSDT-1h.csv`, markets: MARKETS, from: '2023-01-01', to: '2024-01-01' });
const dataset = prepareDataset(input.symbols, input.options);
const space = parseSpaceText(JSON.stringify({ levels: [2, 3], profit_pct: [{ min: 0.5, max: 2, step: 0.5 }, { min: 1, max: 4, step: 1 }, { values: [3, 5] }], close_pct: { step: 25 }, stop_loss_pct: { values: [1.5, 2, 3] } }));
if (!space.ok) throw new Error('space');
const windows = studyWindows(Date.UTC(2023, 0, 1), Date.UTC(2024, 0, 1), { folds: 2, trainMonths: 6, testMonths: 3, anchored: false });
if (!windows.ok) throw new Error(windows.error);

const spec = (method: StudySpec['method'], trials: number): StudySpec => ({
  version: 1,
  method,
  trials,
  seed: 5,
  objective: 'sharpe',
  minTrades: 5,
  folds: { folds: 2, trainMonths: 6, testMonths: 3, anchored: false },
  space: space.value,
  config: input.config,
  inputs: { config: CONFIG, data: [], markets: null, signals: null, detail: [] },
  windows: windows.value,
});

/** A sink in memory: what a run stores, and how many times each key was saved. */
function memorySink(initial: Map<string, CandidateResult> = new Map()) {
  const saved = new Map(initial);
  const saves = new Map<string, number>();
  return {
    saved,
    saves,
    stored: () => new Map(initial),
    save: (key: string, _seq: number, _origin: string, r: CandidateResult) => {
      saved.set(key, r);
      saves.set(key, (saves.get(key) ?? 0) + 1);
    },
  };
}
const quiet = { update: () => {} };
const data = { dataset, config: input.config, windows: windows.value };
const pools: Evaluator[] = [];
afterAll(async () => {
  for (const p of pools) await p.close();
});

describe('runStudy', () => {
  it('two worker threads give exactly the results of one thread (random search, 12 ladders)', async () => {
    const a = memorySink();
    const b = memorySink();
    const one = await runStudy(spec('random', 12), inlineEvaluator(data), a, quiet);
    const pool = threadPool(data, 2);
    pools.push(pool);
    const two = await runStudy(spec('random', 12), pool, b, quiet);
    expect(one.evaluated.map((e) => e.candidate.key)).toEqual(two.evaluated.map((e) => e.candidate.key));
    expect(one.evaluated).toHaveLength(14); // the single TP, the config's ladder and 12 ladders
    expect(two.evaluated.map((e) => e.result)).toEqual(one.evaluated.map((e) => e.result));
    expect([...b.saves.values()].every((n) => n === 1)).toBe(true);
  });

  it('TPE with folds is deterministic for a seed, and a resumed run reuses every stored result', async () => {
    const first = memorySink();
    const full = await runStudy(spec('tpe', 24), inlineEvaluator(data), first, quiet);
    expect(full.evaluated.filter((e) => e.candidate.kind === 'ladder')).toHaveLength(24);
    // Models per study: the full data and each fold's training window take turns after the random start.
    expect(new Set(full.evaluated.map((e) => e.origin))).toEqual(new Set(['reference', 'prior', '0', '1', '2']));
    // "Killed" after 10 results: resume with those stored.
    const kept = new Map([...first.saved].slice(0, 10));
    const second = memorySink(kept);
    const resumed = await runStudy(spec('tpe', 24), inlineEvaluator(data), second, quiet);
    expect(resumed.fromStore).toBe(10);
    expect(resumed.evaluatedNow).toBe(16);
    for (const k of kept.keys()) expect(second.saves.has(k)).toBe(false);
    expect(resumed.evaluated.map((e) => e.candidate.key)).toEqual(full.evaluated.map((e) => e.candidate.key));
    expect(analyzeStudy('x', spec('tpe', 24), resumed)).toEqual(analyzeStudy('x', spec('tpe', 24), full));
  });

  it('the analysis picks each fold only among ladders it may see, and reports DSR, PBO and a verdict', async () => {
    const s = spec('random', 16);
    const out = await runStudy(s, inlineEvaluator(data), memorySink(), quiet);
    const r = analyzeStudy('run1', s, out);
    expect(r.folds).toHaveLength(2);
    for (const f of r.folds) expect(f.best === null || out.evaluated.some((e) => e.candidate.key === f.best!.key && e.origin === 'prior')).toBe(true);
    expect(r.deflated_sharpe?.trials).toBe(16);
    expect(r.pbo?.splits).toBe(12870);
    expect(r.out_of_sample.map((c) => c.name)).toEqual(['walk-forward winner', 'single TP', "config's ladder"]);
    expect(r.out_of_sample[1]!.equity).toHaveLength(184); // July–December, one point a day
    expect(r.verdict.join(' ')).toMatch(/Out of sample \(2 test windows\)/);
    expect(r.ranking.map((x) => x.rank)).toEqual(Array.from({ length: 16 }, (_, k) => k + 1));
  });
});
