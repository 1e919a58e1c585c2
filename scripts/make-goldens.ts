/**
 * Writes the golden backtest digests `test/backtest/golden/{scaled,single}.json` (single-symbol) and
 * `multi.json` (several symbols on one balance) from the CURRENT engine (see test/backtest/golden-runs.ts for what a digest holds). Run it only when a
 * change of results is intended, and say why in the commit.
 *
 *   npx tsx scripts/make-goldens.ts               # in-process, ~10 s
 *   npx tsx scripts/make-goldens.ts --check-cli   # also runs each `ladder backtest --json` as a child
 *                                                 # process and checks its stdout is the same bytes
 *   npx tsx scripts/make-goldens.ts --verify      # writes nothing: compares with the stored goldens
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  GOLDEN_CONFIGS,
  GOLDEN_DIR,
  GOLDEN_MULTI,
  GOLDEN_SYMBOLS,
  type GoldenFile,
  KLINES_REL,
  MARKETS_REL,
  MULTI_GOLDEN_PATH,
  ROOT,
  type RunDigest,
  digestOf,
  goldenPath,
  haveSharedData,
  runGolden,
  runMultiGolden,
  sha256,
} from '../test/backtest/golden-runs.ts';

const { values: args } = parseArgs({ options: { 'check-cli': { type: 'boolean', default: false }, verify: { type: 'boolean', default: false } } });
const log = (m: string) => process.stderr.write(`make-goldens: ${m}\n`);

if (!haveSharedData()) {
  log('../shared/data (the real klines and exchange info) is not beside the checkout: nothing to do');
  process.exit(1);
}

const git = (...a: string[]) => execFileSync('git', a, { cwd: ROOT, encoding: 'utf8' }).trim();
const commit = git('rev-parse', 'HEAD');
// The sources a backtest runs through: local changes there mean the goldens are not HEAD's.
const dirty = git('status', '--porcelain', '--', 'src/backtest', 'src/core', 'src/data', 'src/strategy', 'src/cli/backtest-inputs.ts', 'examples/scaled.config.json', 'config.json');
if (dirty !== '') log(`warning: local changes in the engine's sources or configs:\n${dirty}`);

let differences = 0;
for (const { name, config } of GOLDEN_CONFIGS) {
  const runs: RunDigest[] = [];
  for (const symbol of GOLDEN_SYMBOLS) {
    const t0 = performance.now();
    const r = await runGolden(config, symbol);
    const d = digestOf(config, symbol, r);
    runs.push(d);
    let cli = '';
    if (args['check-cli']) {
      const out = execFileSync(
        process.execPath,
        ['bin/ladder.js', 'backtest', '--config', config, '--data', `${KLINES_REL}/${symbol}-1h.csv`, '--markets', MARKETS_REL, '--no-cache', '--json'],
        { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'ignore'] },
      );
      if (sha256(out) !== d.json_sha256) throw new Error(`${name} ${symbol}: the CLI's stdout differs from the in-process Result JSON`);
      cli = ', CLI stdout identical';
    }
    log(`${name} ${symbol}: ${d.trades} trades, ${d.exits} exits, ${(d.json_bytes / 1e6).toFixed(2)} MB of JSON, ${d.json_sha256.slice(0, 12)} (${(performance.now() - t0).toFixed(0)} ms${cli})`);
  }
  const file: GoldenFile = {
    about: `Golden digests of single-symbol \`ladder backtest --json\` runs with ${config} (issue 14). Made by scripts/make-goldens.ts; checked by test/backtest/golden.test.ts.`,
    config,
    made_from: { commit, engine_sources_clean: dirty === '', date: new Date().toISOString() },
    runs,
  };
  if (args.verify) {
    const stored = JSON.parse(readFileSync(goldenPath(name), 'utf8')) as GoldenFile;
    for (const d of runs) {
      const g = stored.runs.find((x) => x.symbol === d.symbol);
      const same = g !== undefined && g.json_sha256 === d.json_sha256;
      if (!same) differences++;
      log(`verify ${name} ${d.symbol}: ${same ? 'same' : 'DIFFERENT'}`);
    }
    continue;
  }
  mkdirSync(GOLDEN_DIR, { recursive: true });
  writeFileSync(goldenPath(name), `${JSON.stringify(file, null, 1)}\n`);
  log(`wrote ${goldenPath(name)}`);
}
// Several symbols on one balance (the merge loop): test/backtest/golden/multi.json.
{
  const runs: RunDigest[] = [];
  for (const g of GOLDEN_MULTI) {
    const d = (await runMultiGolden(g)).digest;
    runs.push(d);
    log(`multi ${g.name}: ${d.trades} trades, ${d.exits} exits, ${d.json_sha256.slice(0, 12)}`);
  }
  if (args.verify) {
    const stored = JSON.parse(readFileSync(MULTI_GOLDEN_PATH, 'utf8')) as GoldenFile;
    for (const d of runs) {
      const same = stored.runs.find((x) => x.symbol === d.symbol)?.json_sha256 === d.json_sha256;
      if (!same) differences++;
      log(`verify multi ${d.symbol}: ${same ? 'same' : 'DIFFERENT'}`);
    }
  } else {
    const file: GoldenFile = {
      about: 'Golden digests of multi-symbol `ladder backtest --json` runs on one balance (issue 14 part 1; `symbol` is the run\'s name, `command` what it runs). Made by scripts/make-goldens.ts; checked by test/backtest/golden.test.ts.',
      config: 'several (see each run)',
      made_from: { commit, engine_sources_clean: dirty === '', date: new Date().toISOString() },
      runs,
    };
    writeFileSync(MULTI_GOLDEN_PATH, `${JSON.stringify(file, null, 1)}\n`);
    log(`wrote ${MULTI_GOLDEN_PATH}`);
  }
}
if (args.verify) {
  log(differences === 0 ? 'every run matches its golden' : `${differences} runs differ from their goldens`);
  process.exitCode = differences === 0 ? 0 : 1;
}
