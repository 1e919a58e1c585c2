import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadBacktestInputs } from '../../src/cli/backtest-inputs.ts';
import { analyzeStudy, verdict } from '../../src/optimize/analysis.ts';
import { prepareDataset } from '../../src/optimize/dataset.ts';
import type { CandidateResult } from '../../src/optimize/evaluate.ts';
import { studyWindows } from '../../src/optimize/folds.ts';
import { type Evaluator, inlineEvaluator, threadPool } from '../../src/optimize/pool.ts';
import { printStudy } from '../../src/optimize/print-study.ts';
import { parseSpaceText } from '../../src/optimize/space.ts';
import type { WindowMetrics } from '../../src/optimize/metrics.ts';
import type { LadderParams } from '../../src/optimize/space-grid.ts';
import { type Evaluated, STUDY_SPEC_VERSION, type StudyOutcome, type StudySpec, runStudy } from '../../src/optimize/study.ts';

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
  version: STUDY_SPEC_VERSION,
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

  it('the pool starts a thread only for a task waiting: none for nothing to do, never more than the tasks', async () => {
    const pool = threadPool(data, 8);
    pools.push(pool);
    await pool.run([], () => {});
    expect(pool.threads()).toBe(0);
    const got: string[] = [];
    const one = await runStudy({ ...spec('random', 1), folds: null }, { run: (t, on) => ((got.push(...t.map((x) => x.key))), pool.run(t, on)), close: async () => {} }, memorySink(), quiet);
    expect(one.evaluated).toHaveLength(3); // the two references, then one ladder
    expect(got).toHaveLength(3);
    expect(pool.threads()).toBe(2);
  });

  it("a pool's thread is handed its next task while it evaluates one, except for a batch's last tasks", async () => {
    const pool = threadPool(data, 1);
    pools.push(pool);
    // In flight when each result is read: the thread's next task is already with it (not posted after this answer).
    const seen: number[][] = [];
    const watched: Evaluator = {
      run: (tasks, on) => {
        const batch: number[] = [];
        seen.push(batch);
        return pool.run(tasks, (k, r) => (batch.push(pool.inFlight()), on(k, r)));
      },
      close: async () => {},
    };
    const s = { ...spec('random', 4), folds: null };
    const got = await runStudy(s, watched, memorySink(), quiet);
    // The two references, then the four ladders: two ahead while more tasks wait than the one thread, then one at a time.
    expect(seen).toEqual([
      [0, 0],
      [1, 1, 0, 0],
    ]);
    const one = await runStudy(s, inlineEvaluator(data), memorySink(), quiet);
    expect(got.evaluated.map((e) => [e.candidate.key, e.result])).toEqual(one.evaluated.map((e) => [e.candidate.key, e.result]));
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
    // The test windows chained: each fold's run starts from the starting balance, so their PnLs add up;
    // the curves end where the fold table's PnLs sum (a compounded chain did not: stranger review).
    const sum = (pick: (f: (typeof r.folds)[number]) => number) => r.folds.reduce((a, f) => a + pick(f), 0);
    expect(r.out_of_sample[1]!.total_pnl).toBe(sum((f) => f.single_out_of_sample.total_pnl));
    expect(r.out_of_sample[2]!.total_pnl).toBe(sum((f) => f.config_out_of_sample.total_pnl));
    expect(r.out_of_sample[0]!.total_pnl).toBe(sum((f) => f.out_of_sample?.total_pnl ?? 0));
    const start = s.config.backtest.starting_balance;
    for (const c of r.out_of_sample) expect(c.equity.at(-1)! - start).toBeCloseTo(c.total_pnl, 6);
    // The printed fold table names each window by its first and last month: a training window does not
    // seem to share its last month with the test window after it ("2023-01…2023-07" then "2023-07…2023-10").
    let text = '';
    printStudy(r, 3, (x) => void (text += x));
    const rows = text.split('\n').filter((l) => /^[12] {4}/.test(l)).map((l) => l.split(/\s{2,}/).slice(0, 3));
    expect(rows).toEqual([
      ['1', '2023-01…2023-06', '2023-07…2023-09'],
      ['2', '2023-04…2023-09', '2023-10…2023-12'],
    ]);
  });

  it('the verdict counts only the folds where both the winner and the single take-profit were scored (a short test window scores neither)', async () => {
    const s = spec('random', 16);
    const out = await runStudy(s, inlineEvaluator(data), memorySink(), quiet);
    // A minimum above every test window's trades, below the training windows' (twice as long).
    const most = Math.max(...out.evaluated.flatMap((e) => [2, 4].map((w) => e.result.windows[w]!.metrics.trades)));
    const r = analyzeStudy('run3', { ...s, minTrades: most + 1 }, out);
    expect(r.folds.some((f) => f.best !== null)).toBe(true);
    expect(r.folds.every((f) => f.out_of_sample_score === null && f.single_out_of_sample_score === null)).toBe(true);
    expect(r.verdict[0]).toMatch(new RegExp(`no test window had ${most + 1} trades for both, so their sharpe was compared in none\\.$`));
    expect(r.verdict.join(' ')).not.toMatch(/in 0 of 2 folds/);
  });

  it('no ladder qualifies on any training window: the verdict says nothing was chosen, never that a ladder won; no PBO over disqualified ladders', async () => {
    const s = { ...spec('random', 6), minTrades: 100_000 };
    const out = await runStudy(s, inlineEvaluator(data), memorySink(), quiet);
    const r = analyzeStudy('run2', s, out);
    expect(r.folds.every((f) => f.best === null)).toBe(true);
    expect(r.out_of_sample[0]!.total_pnl).toBe(0);
    expect(r.verdict.join(' ')).not.toMatch(/did better/);
    expect(r.verdict[0]).toMatch(/^No ladder qualified on any of the 2 training windows \(each had fewer than 100000 trades there\): nothing was chosen, so nothing was tested out of sample/);
    expect(r.verdict.join(' ')).toMatch(/No ladder had 100000 trades or more on all the data: none is ranked, and there is no deflated Sharpe ratio or probability of overfitting/);
    expect(r.deflated_sharpe).toBeNull();
    expect(r.pbo).toBeNull();
    expect(r.ranking.every((x) => x.score === null)).toBe(true);
  });
});

/** A candidate's evaluation on one window (`daily(seq)` its daily returns), as the analysis reads it: a one-level ladder, or a reference. */
const evaluatedWith =
  (daily: (seq: number) => { firstDayMs: number; returns: number[] }) =>
  (key: string, kind: 'ladder' | 'single' | 'config', seq: number, m: WindowMetrics): Evaluated => ({
    candidate: { key, kind, params: kind === 'ladder' ? ONE_LEVEL : null, settings: {} as never },
    seq,
    origin: kind === 'ladder' ? 'prior' : 'reference',
    result: { windows: [{ metrics: m, daily: daily(seq) }] },
  });
const ONE_LEVEL = { levels: [{ profit_pct: 1, close_pct: 100, move_stop_to: 'breakeven' }], breakeven_offset_pct: 0, stop_loss_pct: 2, scaled_tp_execution: 'market' } as unknown as LadderParams;

describe('the analysis of equal scores', () => {
  it('ladders whose profit factor is unbounded (no losing trade) tie on the score and are ranked by PnL, not by draw order; the text shows ∞ for their PF', async () => {
    const { printStudy } = await import('../../src/optimize/print-study.ts');
    const metrics = (total_pnl: number, profit_factor: number | null, trades = 40): WindowMetrics => ({ trades, total_pnl, profit_factor, sharpe: 1, sortino: 1, calmar: null, expectancy_r: 0.5, max_drawdown_pct: 0, win_rate: 1, days: 40 });
    const daily = (k: number) => ({ firstDayMs: Date.UTC(2023, 0, 1), returns: Array.from({ length: 40 }, (_, i) => ((i * 7 + k * 3) % 11) / 10_000) });
    const ev = evaluatedWith(daily);
    const outcome: StudyOutcome = {
      evaluated: [ev('single', 'single', 0, metrics(10, 2)), ev('config', 'config', 1, metrics(20, 3)), ev('a', 'ladder', 2, metrics(50, null)), ev('b', 'ladder', 3, metrics(300, null)), ev('c', 'ladder', 4, metrics(90, 4)), ev('d', 'ladder', 5, metrics(-5, null))],
      invalid: new Map(),
      evaluatedNow: 6,
      fromStore: 0,
    } as unknown as StudyOutcome;
    const s: StudySpec = { ...spec('random', 4), objective: 'profit_factor', minTrades: 5, folds: null, windows: [{ role: 'full', fold: null, fromMs: Date.UTC(2023, 0, 1), toMs: Date.UTC(2023, 1, 10) }] };
    const r = analyzeStudy('tie', s, outcome);
    expect(r.ranking.map((x) => [x.key, x.rank])).toEqual([['b', 1], ['a', 2], ['c', 3], ['d', 4]]);
    let text = '';
    printStudy(r, 10, (x) => void (text += x));
    const line = (key: string) => text.split('\n').find((l) => l.includes(`${r.ranking.find((x) => x.key === key)!.rank}. `))!;
    // The objective column and the PF column agree: ∞ for a ladder with no losing trade and a profit; — with no profit.
    expect(line('b').match(/∞/g)).toHaveLength(2);
    expect(line('d')).toMatch(/—/);
  });
});

describe('the analysis of a run with one qualified ladder', () => {
  it('says why there is no probability of backtest overfitting (it compares ladders: one had enough trades), instead of leaving it out silently', () => {
    const metrics = (total_pnl: number): WindowMetrics => ({ trades: 40, total_pnl, profit_factor: 1.2, sharpe: 1, sortino: 1, calmar: 1, expectancy_r: 0.1, max_drawdown_pct: 2, win_rate: 0.5, days: 40 });
    const daily = (k: number) => ({ firstDayMs: Date.UTC(2023, 0, 1), returns: Array.from({ length: 40 }, (_, i) => ((i * 7 + k * 3) % 11) / 10_000 - 0.0004) });
    const ev = evaluatedWith(daily);
    const outcome = {
      evaluated: [ev('single', 'single', 0, metrics(10)), ev('config', 'config', 1, metrics(20)), ev('only', 'ladder', 2, metrics(50))],
      invalid: new Map(),
      evaluatedNow: 3,
      fromStore: 0,
    } as unknown as StudyOutcome;
    const s: StudySpec = { ...spec('grid', 1), minTrades: 5, folds: null, windows: [{ role: 'full', fold: null, fromMs: Date.UTC(2023, 0, 1), toMs: Date.UTC(2023, 1, 10) }] };
    const r = analyzeStudy('one', s, outcome);
    expect(r.deflated_sharpe).not.toBeNull();
    expect(r.pbo).toBeNull();
    expect(r.verdict.join(' ')).toMatch(/no probability of backtest overfitting: it compares the ladders of a run with one another, and only 1 ladder had 5 trades or more on all the data/i);
    // Counted in the singular: one ladder, one trial.
    let text = '';
    printStudy(r, 10, (x) => (text += x));
    expect(text).toMatch(/^1 ladder evaluated$/m);
    expect(text).toMatch(/; 1 trial; best of 1 by luck/);
    expect(text + r.verdict.join(' ')).not.toMatch(/\b1 (ladders|trials|folds|test windows)\b/);
    // …and the verb agrees with it, whether its Sharpe ratio is significant or not.
    const { verdict: said, ...rest } = r;
    expect(said.join(' ')).not.toMatch(/\b1 trial are\b/);
    expect(verdict({ ...rest, deflated_sharpe: { ...r.deflated_sharpe!, dsr: 0.5 } }).join(' ')).toMatch(/is not significant once 1 trial is accounted for/);
    // A PBO of exactly one half: the in-sample best lands at or below the median as often as above it, which is not "usually above".
    const pbo = { pbo: 0.5, logits: [-0.4, 0.4], probabilityOfLoss: 0.5, splits: 2, blocks: 2, rows: 40 };
    expect(verdict({ ...rest, pbo }).join(' ')).toMatch(/Probability of backtest overfitting: 0\.50 over 2 CSCV splits: the best in-sample ladder ranked at or below the median on the other half as often as above it: no better than a ladder drawn at random\./);
    expect(verdict({ ...rest, pbo: { ...pbo, pbo: 0.49 } }).join(' ')).toMatch(/usually stays above the median/);
  });
});
