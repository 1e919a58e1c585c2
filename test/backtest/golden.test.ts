/**
 * Golden single-symbol results (issue 14, "Done when": golden single-symbol results unchanged).
 * Recomputes, in-process, every single-symbol `ladder backtest --json` run of the ten real 1h files
 * with examples/scaled.config.json and config.json (single TP), and compares each with the digest
 * that scripts/make-goldens.ts stored from the engine before the speed rework: the SHA-256 of the
 * whole stdout first, then (to say what changed) the summary, levels, counts, the first differing
 * block of trades, and the sampled trades. Skipped, with a message, without ../shared/data.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { TradeJson } from '../../src/backtest/result-json.ts';
import {
  BLOCK,
  GOLDEN_CONFIGS,
  GOLDEN_MULTI,
  GOLDEN_SYMBOLS,
  type GoldenFile,
  type RunDigest,
  MARKETS_FILE,
  KLINES_DIR,
  MULTI_GOLDEN_PATH,
  digestOf,
  goldenPath,
  haveSharedData,
  runGolden,
  runMultiGolden,
} from './golden-runs.ts';

const haveData = haveSharedData();
if (!haveData) {
  process.stderr.write(`golden.test.ts: SKIPPED: the real data is not beside the checkout (${KLINES_DIR}*-1h.csv, ${MARKETS_FILE}); CI has it (.ci/run)\n`);
}

describe.skipIf(!haveData)('golden single-symbol backtests (ten real 1h files; skipped without ../shared/data)', () => {
  for (const { name, config } of GOLDEN_CONFIGS) {
    const golden = JSON.parse(readFileSync(goldenPath(name), 'utf8')) as GoldenFile;

    it(`${name}: the goldens cover the ten symbols with ${config}`, () => {
      expect(golden.config).toBe(config);
      expect(golden.runs.map((r) => r.symbol)).toEqual([...GOLDEN_SYMBOLS]);
    });

    for (const g of golden.runs) {
      it(`${name} ${g.symbol}: \`backtest --json\` is byte-identical to the golden`, async () => {
        const r = await runGolden(config, g.symbol);
        const d = digestOf(config, g.symbol, r);
        explainDifference(d, g, r.json.trades, `${config} gives other options than when the golden was made (a config change, not an engine change?)`, golden.made_from.commit);
      });
    }
  }
});

describe.skipIf(!haveData)('golden multi-symbol backtests (several real 1h files on one balance; skipped without ../shared/data)', () => {
  const golden = JSON.parse(readFileSync(MULTI_GOLDEN_PATH, 'utf8')) as GoldenFile;

  it('the goldens cover every multi-symbol run', () => {
    expect(golden.runs.map((r) => r.symbol)).toEqual(GOLDEN_MULTI.map((g) => g.name));
  });

  for (const g of GOLDEN_MULTI) {
    it(`${g.name}: \`backtest --json\` is byte-identical to the golden`, async () => {
      const stored = golden.runs.find((r) => r.symbol === g.name)!;
      const { digest, json } = await runMultiGolden(g);
      explainDifference(digest, stored, json.trades, 'options (a config change, not an engine change?)', golden.made_from.commit);
    });
  }
});

/** Passes when the run's stdout hash is the golden's; else fails saying what differs, from the coarsest to the finest. */
function explainDifference(d: RunDigest, g: RunDigest, trades: readonly TradeJson[], optionsMessage: string, madeFrom: string): void {
  if (d.json_sha256 === g.json_sha256) return;
  expect(d.options_sha256, optionsMessage).toBe(g.options_sha256);
  expect(d.candles, 'candles read').toBe(g.candles);
  expect(d.summary, 'summary').toEqual(g.summary);
  expect({ trades: d.trades, exits: d.exits, stop_moves: d.stop_moves, exit_reasons: d.exit_reasons }, 'counts').toEqual({
    trades: g.trades,
    exits: g.exits,
    stop_moves: g.stop_moves,
    exit_reasons: g.exit_reasons,
  });
  expect(d.levels, 'level rows').toEqual(g.levels);
  for (const s of g.sample) expect(trades[s.index], `trade ${s.index}`).toEqual(s.trade);
  const k = d.block_sha256.findIndex((h, i) => h !== g.block_sha256[i]);
  if (k >= 0) expect.fail(`trades ${k * BLOCK}…${k * BLOCK + BLOCK - 1} differ (now starting with ${JSON.stringify(trades[k * BLOCK])}); rerun \`${g.command}\` at ${madeFrom} for the full diff`);
  expect.fail(`the Result JSON differs outside the trades and summary (${d.json_bytes} bytes now, ${g.json_bytes} in the golden)`);
}
