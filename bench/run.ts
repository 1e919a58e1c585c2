/**
 * `npm run bench [-- --quick] [-- --json]`: the project's speed figures, each beside a baseline
 * measured in the same run (docs/benchmarks.md explains every figure). Progress goes to stderr; the
 * table to stdout; with --json the last stdout line is one JSON object with all figures and ratios.
 * Never asserts a speed: the targets are reported as met or not met.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runBacktest } from '../src/backtest/engine.ts';
import type { CandleSeries } from '../src/data/candle-series.ts';
import { loadCandles } from '../src/data/load-candles.ts';
import { loadFromCache, loadNaive, loadWithParser } from './csv-load.ts';
import { grademarkFrame, mismatchCauses, recordsOfGrademark, runGrademark } from './grademark-run.ts';
import { candleObjects, objectLoop } from './object-loop.ts';
import { CHILD_10M, SYMBOLS_1H, klineFile } from './paths.ts';
import { fileURLToPath } from 'node:url';
import { type Row, met, table } from './report.ts';
import type { TenMillionResult } from './run-10m.ts';
import { loadSetup, marketOf, symbolInput } from './setup.ts';
import { TightLog, tightLadder, tightLoop, tightRecords } from './tight-loop.ts';
import { ratePerS, timeAsyncJobs, timeJobs } from './timing.ts';
import { type TradeMatch, type TradeRecord, combineMatches, countKinds, matchTrades, recordsOfPositions } from './trade-records.ts';

const { values: args } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    quick: { type: 'boolean', default: false },
    candles: { type: 'string' },
  },
});
const quick = args.quick === true;
/**
 * Runs per figure (after the warm-ups). The 10M series gets fewer, to keep the default run under
 * ~3 minutes on a 2-core machine: one engine run there takes 13–20 s, one object-loop run 8–12 s.
 */
const RUNS = quick ? 3 : 7;
/** Untimed runs first, so every engine is measured with its code optimised (quick jobs are short: more). */
const WARMUPS = quick ? 5 : 2;
const RUNS_10M = quick ? 2 : 3;
const LOOP_RUNS_10M = 2;
const SERIES_CANDLES = Number(args.candles ?? (quick ? 1_000_000 : 10_000_000));
const symbols = quick ? (['BTCUSDT'] as const) : SYMBOLS_1H;
const csvFiles = quick ? [klineFile('BTCUSDT', '1h')] : [...SYMBOLS_1H.map((s) => klineFile(s, '1h')), ...['BTCUSDT', 'ETHUSDT', 'SOLUSDT'].map((s) => klineFile(s, '15m'))];

const log = (msg: string) => process.stderr.write(`bench: ${msg}\n`);
const mps = (x: number) => `${(x / 1e6).toFixed(2)} M/s`;

/** A bench script in a child process (its own heap and peak RSS); resolves with the JSON of its last stdout line. */
function runChild<T>(script: string, argv: readonly string[], extraExecArgv: readonly string[] = []): Promise<T> {
  return new Promise((resolve, reject) => {
    const execArgv = [...process.execArgv, ...extraExecArgv.filter((a) => !process.execArgv.includes(a))];
    const child = spawn(process.execPath, [...execArgv, script, ...argv], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${script} exited with ${code}`));
      const last = out.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(last) as T);
      } catch (e) {
        reject(new Error(`${script} printed no JSON line (${(e as Error).message})`));
      }
    });
  });
}

async function sumOver<T>(items: readonly T[], f: (x: T) => Promise<number>): Promise<number> {
  let n = 0;
  for (const x of items) n += await f(x);
  return n;
}

const started = Date.now();
const loadBefore = loadavg()[0] ?? NaN;
const setup = await loadSetup();

// ---- 10M-candle series (child process first: nothing else runs beside it) ----
log(`${SERIES_CANDLES.toLocaleString('en')}-candle series in a child process (engine ${RUNS_10M} timed runs, object loop ${LOOP_RUNS_10M})…`);
const big = await runChild<TenMillionResult>(CHILD_10M, ['--candles', String(SERIES_CANDLES), '--runs', String(RUNS_10M), '--loop-runs', String(LOOP_RUNS_10M)], ['--expose-gc']);
const backtest10m = big.candles / (big.engine.medianMs / 1000);
const objectLoop10m = big.candles / (big.objectLoop.medianMs / 1000);
log(`10M: engine ${mps(backtest10m)}, object loop ${mps(objectLoop10m)}, peak RSS ${big.peakRssMb.toFixed(0)} MB`);

// ---- CSV: parser vs naive vs the binary cache, in turns ----
const csvLines = await sumOver(csvFiles, loadWithParser);
log(`CSV: ${csvFiles.length} files, ${csvLines.toLocaleString('en')} lines…`);
const cacheDir = await mkdtemp(join(tmpdir(), 'ladder-bench-cache-'));
let csv;
try {
  await sumOver(csvFiles, (f) => loadFromCache(f, cacheDir)); // writes the cache: the timed loads all hit it
  csv = await timeAsyncJobs(
    {
      parse: () => sumOver(csvFiles, loadWithParser),
      naive: () => sumOver(csvFiles, loadNaive),
      cache: () => sumOver(csvFiles, (f) => loadFromCache(f, cacheDir)),
    },
    WARMUPS,
    RUNS,
  );
} finally {
  await rm(cacheDir, { recursive: true, force: true });
}
const { parse, naive, cache } = csv;
for (const [name, t] of Object.entries(csv)) if (t.last !== csvLines) throw new Error(`${name} read ${t.last} lines, the parser ${csvLines}`);
const csvRate = ratePerS(csvLines, parse.timing);
const naiveRate = ratePerS(csvLines, naive.timing);
const cacheRate = ratePerS(csvLines, cache.timing);
log(`CSV: parser ${mps(csvRate)}, naive ${mps(naiveRate)}, cache ${mps(cacheRate)}`);

// ---- Backtests on the real 1h files: engine, object loop, grademark ----
const series: { symbol: string; candles: CandleSeries }[] = [];
for (const s of symbols) series.push({ symbol: s, candles: await loadCandles(klineFile(s, '1h')) });
const realCandles = series.reduce((n, s) => n + s.candles.length, 0);
log(`backtests on ${series.length} real 1h series, ${realCandles.toLocaleString('en')} candles…`);

const objects = series.map((s) => ({ ...s, objects: candleObjects(s.candles), market: marketOf(setup, s.symbol) }));
const frames = series.map((s) => ({ ...s, frame: grademarkFrame(s.candles), market: marketOf(setup, s.symbol) }));
// The tight loop writes into one reused workspace per symbol (its arrays are allocated once, in the warm-ups).
const tightLogs = series.map(() => new TightLog());
const rules = (market: (typeof frames)[number]['market']) => ({ strategy: setup.strategy, stopLossPct: setup.config.stop_loss_pct, takeProfitPct: setup.config.take_profit_pct, market });
const { engine, loop, tight, single, gm } = timeJobs(
  {
    engine: () => series.map((s) => runBacktest([symbolInput(setup, s.candles, s.symbol)], setup.scaled)),
    loop: () => objects.map((s) => objectLoop(s.objects, s.market, setup.scaled, setup.strategy, s.candles.timeframeMs)),
    tight: () => objects.map((s, k) => tightLoop(s.candles, s.market, tightLadder(s.market, setup.scaled), setup.scaled, setup.strategy, tightLogs[k]!)),
    single: () => series.map((s) => runBacktest([symbolInput(setup, s.candles, s.symbol, true)], setup.single)),
    gm: () => frames.map((s) => runGrademark(s.frame, rules(s.market))),
  },
  WARMUPS,
  RUNS,
);
const loopMatch = combineMatches(engine.last.map((r, k) => matchTrades(recordsOfPositions(r.trades), loop.last[k]!.trades)));
// The tight loop against the engine: every exit (reason, time, price, steps), and the equity curve bit for bit.
const tightMatch = combineMatches(engine.last.map((r, k) => matchTrades(recordsOfPositions(r.trades), tightRecords(tight.last[k]!))));
const tightKinds = Object.fromEntries(Object.entries(countKinds(tightMatch.list)).map(([k, v]) => [k === 'only_other' ? 'only_tight_loop' : k, v]));
const tightEquityMatch = engine.last.every((r, k) => {
  const e = tight.last[k]!.equity;
  return r.equity.length === tight.last[k]!.candles && r.equity.every((x, i) => Object.is(x, e[i]));
});
const gmMatches: TradeMatch[] = [];
const causes = { exit_on_entry_bar: 0, no_entry_on_exit_bar: 0, knock_on: 0, end_of_data_time: 0, other: 0 };
series.forEach((s, k) => {
  const ours: TradeRecord[] = recordsOfPositions(single.last[k]!.trades);
  const theirs = recordsOfGrademark(gm.last[k]!);
  const m = matchTrades(ours, theirs);
  gmMatches.push(m);
  const c = mismatchCauses(m.list, ours, theirs, s.candles.time);
  for (const key of Object.keys(causes) as (keyof typeof causes)[]) causes[key] += c[key];
});
const gmMatch = combineMatches(gmMatches);

const backtestRate = ratePerS(realCandles, engine.timing);
const loopRate = ratePerS(realCandles, loop.timing);
const tightRate = ratePerS(realCandles, tight.timing);
const singleRate = ratePerS(realCandles, single.timing);
const gmRate = ratePerS(realCandles, gm.timing);
log(`engine ${mps(backtestRate)}, tight loop ${mps(tightRate)}, object loop ${mps(loopRate)}, engine single TP ${mps(singleRate)}, grademark ${mps(gmRate)}`);

// ---- Report ----
// ---- The optimizer's sweep and the HTML report, each in its own child process, after the rest ----
interface SweepJson { optimize_ladder_candles_per_s: number; optimize_sweep_s: number; optimize_per_core_vs_backtest: number; queue_vs_embedded: number | null; targets_met: Record<string, boolean | null>; meta: unknown }
interface ReportJson { report_btc_bytes: number; report_btc_drawn_ms: number; report_compare_10_bytes: number; report_compare_10_drawn_ms: number; meta: unknown }
const benchScript = (name: string) => fileURLToPath(new URL(`./${name}`, import.meta.url));
log(`optimizer sweep (bench/optimize-sweep.ts${quick ? ' --quick' : ''})…`);
const sweep = await runChild<SweepJson>(benchScript('optimize-sweep.ts'), ['--json', ...(quick ? ['--quick'] : [])]);
log('HTML report size and time to draw in headless Chromium (bench/report-render.ts)…');
const report = await runChild<ReportJson>(benchScript('report-render.ts'), ['--json', '--runs', quick ? '2' : '5']);

const rows: Row[] = [
  { figure: 'csv_lines_per_s', value: csvRate, unit: '/s', baseline: 'csv_naive_lines_per_s', baselineValue: naiveRate, minRatio: 4 },
  { figure: 'cache_load_lines_per_s', value: cacheRate, unit: '/s', baseline: 'csv_lines_per_s', baselineValue: csvRate, minRatio: 10 },
  { figure: 'backtest_candles_per_s', value: backtestRate, unit: '/s', minValue: 50e6 },
  { figure: 'backtest_candles_per_s', value: backtestRate, unit: '/s', baseline: 'tight_loop_candles_per_s', baselineValue: tightRate, minRatio: 0.5 },
  { figure: 'backtest_candles_per_s', value: backtestRate, unit: '/s', baseline: 'object_loop_candles_per_s', baselineValue: loopRate },
  { figure: 'backtest_candles_per_s', value: backtestRate, unit: '/s', baseline: 'grademark_candles_per_s', baselineValue: gmRate, minRatio: 80 },
  { figure: 'backtest_single_candles_per_s', value: singleRate, unit: '/s', baseline: 'grademark_candles_per_s', baselineValue: gmRate },
  { figure: 'backtest_10m_candles_per_s', value: backtest10m, unit: '/s', baseline: 'object_loop_10m_candles_per_s', baselineValue: objectLoop10m },
  { figure: 'peak_rss_mb', value: big.peakRssMb, unit: ' MB', maxValue: 1024 },
  { figure: 'optimize_ladder_candles_per_s', value: sweep.optimize_ladder_candles_per_s, unit: '/s' },
  // The 10-s target is for 1,000 ladders; --quick sweeps 100.
  quick ? { figure: 'optimize_sweep_s (100 ladders)', value: sweep.optimize_sweep_s, unit: ' s' } : { figure: 'optimize_sweep_s', value: sweep.optimize_sweep_s, unit: ' s', maxValue: 10 },
  { figure: 'optimize_per_core_vs_backtest', value: sweep.optimize_per_core_vs_backtest, unit: '', minValue: 2 },
  { figure: 'report_compare_10_mb', value: report.report_compare_10_bytes / 2 ** 20, unit: ' MB', maxValue: 3 },
  { figure: 'report_drawn_ms (slowest)', value: Math.max(report.report_btc_drawn_ms, report.report_compare_10_drawn_ms), unit: ' ms', maxValue: 2000 },
];
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
const describe = (r: TradeRecord | null) => (r === null ? 'no trade' : `${r.side} @ ${r.entryPrice}, exit ${r.exits.map((e) => `${e.reason} ${e.price} ${iso(e.timeMs)}`).join(', ')}`);
const first = gmMatch.first;
const lines = [
  `Ladder benchmark — ${new Date(started).toISOString().slice(0, 10)}, Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length}${quick ? ' (--quick)' : ''}`,
  `Real data: ${series.length} × 1h (${realCandles.toLocaleString('en')} candles), CSV ${csvFiles.length} files (${csvLines.toLocaleString('en')} lines); series: ${big.candles.toLocaleString('en')} candles (BTCUSDT 1h mirrored).`,
  `Medians of ${RUNS} timed runs after ${WARMUPS} untimed warm-ups, the engines compared taking turns (the ${big.candles.toLocaleString('en')}-candle series: engine ${RUNS_10M} runs, then object loop ${LOOP_RUNS_10M}); load average ${loadBefore.toFixed(2)} → ${(loadavg()[0] ?? NaN).toFixed(2)}.`,
  '',
  table(rows),
  '',
  `tight_loop_trades_match: ${tightMatch.match} (${tightMatch.ladderTrades} trades in the engine, ${tightMatch.otherTrades} in the tight loop; ${tightMatch.mismatches} mismatches${tightMatch.mismatches ? `: ${JSON.stringify(tightKinds)}` : ''}); equity curves bit-identical: ${tightEquityMatch}`,
  `object_loop_trades_match: ${loopMatch.match} (${loopMatch.ladderTrades} trades; ${loopMatch.mismatches} mismatches); 10M series: ${big.objectLoop.tradesMatch} (${big.engine.trades} trades; ${big.objectLoop.mismatches} mismatches)`,
  `grademark_trades_match: ${gmMatch.match} (${gmMatch.mismatches} mismatches; ${gmMatch.ladderTrades} trades in the engine, ${gmMatch.otherTrades} in grademark)`,
  ...(first === null
    ? []
    : [
        `  causes: ${Object.entries(causes).map(([k, v]) => `${k} ${v}`).join(', ')}`,
        `  first mismatch, entry ${iso(first.entryTimeMs)}: engine ${describe(first.ladder)}; grademark ${describe(first.other)}`,
      ]),
];
process.stdout.write(`${lines.join('\n')}\n`);

const round = (x: number, digits = 4) => Number(x.toPrecision(digits));
if (args.json) {
  const json = {
    csv_lines_per_s: round(csvRate),
    csv_naive_lines_per_s: round(naiveRate),
    csv_vs_naive: round(csvRate / naiveRate, 3),
    cache_load_lines_per_s: round(cacheRate),
    cache_vs_csv: round(cacheRate / csvRate, 3),
    backtest_candles_per_s: round(backtestRate),
    object_loop_candles_per_s: round(loopRate),
    tight_loop_candles_per_s: round(tightRate),
    backtest_vs_tight_loop: round(backtestRate / tightRate, 3),
    backtest_vs_object_loop: round(backtestRate / loopRate, 3),
    grademark_candles_per_s: round(gmRate),
    backtest_vs_grademark: round(backtestRate / gmRate, 3),
    backtest_single_candles_per_s: round(singleRate),
    backtest_single_vs_grademark: round(singleRate / gmRate, 3),
    backtest_10m_candles_per_s: round(backtest10m),
    object_loop_10m_candles_per_s: round(objectLoop10m),
    backtest_10m_vs_object_loop_10m: round(backtest10m / objectLoop10m, 3),
    peak_rss_mb: round(big.peakRssMb),
    grademark_trades_match: gmMatch.match,
    grademark_trade_mismatches: gmMatch.mismatches,
    grademark_mismatch_causes: causes,
    grademark_first_mismatch: first,
    tight_loop_trades_match: tightMatch.match,
    tight_loop_trade_mismatches: tightMatch.mismatches,
    tight_loop_mismatch_kinds: tightKinds,
    tight_loop_first_mismatch: tightMatch.first,
    tight_loop_equity_match: tightEquityMatch,
    object_loop_trades_match: loopMatch.match && big.objectLoop.tradesMatch,
    object_loop_trade_mismatches: loopMatch.mismatches + big.objectLoop.mismatches,
    optimize_ladder_candles_per_s: sweep.optimize_ladder_candles_per_s,
    optimize_sweep_s: sweep.optimize_sweep_s,
    optimize_per_core_vs_backtest: sweep.optimize_per_core_vs_backtest,
    queue_vs_embedded: sweep.queue_vs_embedded,
    report_btc_bytes: report.report_btc_bytes,
    report_btc_drawn_ms: report.report_btc_drawn_ms,
    report_compare_10_bytes: report.report_compare_10_bytes,
    report_compare_10_drawn_ms: report.report_compare_10_drawn_ms,
    targets_met: {
      ...sweep.targets_met,
      report_compare_10_under_3_mb: report.report_compare_10_bytes < 3 * 2 ** 20,
      report_drawn_under_2_s: Math.max(report.report_btc_drawn_ms, report.report_compare_10_drawn_ms) < 2000,
      backtest_candles_per_s_50m: met(rows[2]!),
      backtest_vs_tight_loop_0_5x: met(rows[3]!),
      backtest_vs_grademark_80x: met(rows[5]!),
      csv_vs_naive_4x: met(rows[0]!),
      cache_vs_csv_10x: met(rows[1]!),
      peak_rss_under_1024_mb: met(rows[8]!),
    },
    meta: {
      date: new Date(started).toISOString(),
      node: process.version,
      cpu: cpus()[0]?.model ?? null,
      cores: cpus().length,
      quick,
      runs: RUNS,
      warmups: WARMUPS,
      runs_series: RUNS_10M,
      runs_series_object_loop: LOOP_RUNS_10M,
      csv_files: csvFiles.length,
      csv_lines: csvLines,
      real_series: series.length,
      real_candles: realCandles,
      real_trades: engine.last.reduce((n, r) => n + r.trades.length, 0),
      series_candles: big.candles,
      series_trades: big.engine.trades,
      series_build_ms: round(big.buildMs),
      series_rss_mb: round(big.seriesRssMb),
      median_ms: {
        csv: round(parse.timing.medianMs),
        csv_naive: round(naive.timing.medianMs),
        cache_load: round(cache.timing.medianMs),
        backtest: round(engine.timing.medianMs),
        object_loop: round(loop.timing.medianMs),
        tight_loop: round(tight.timing.medianMs),
        backtest_single: round(single.timing.medianMs),
        grademark: round(gm.timing.medianMs),
        backtest_10m: round(big.engine.medianMs),
        object_loop_10m: round(big.objectLoop.medianMs),
      },
      runs_ms_10m: { backtest: big.engine.runsMs.map((x) => round(x)), object_loop: big.objectLoop.runsMs.map((x) => round(x)) },
      total_s: round((Date.now() - started) / 1000, 3),
      /** 1-minute load average before and after: other processes on the machine skew every figure. */
      load_average: [round(loadBefore, 3), round(loadavg()[0] ?? NaN, 3)],
      optimize_sweep: sweep.meta,
      report_render: report.meta,
    },
  };
  process.stdout.write(`${JSON.stringify(json)}\n`);
}
log(`done in ${((Date.now() - started) / 1000).toFixed(0)} s`);

