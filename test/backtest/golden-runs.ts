/**
 * Golden single-symbol backtests (issue 14, part 3 "Speed": the engine rework must keep every
 * single-symbol run of the ten real 1h files byte-identical). Shared by `scripts/make-goldens.ts`,
 * which writes `test/backtest/golden/*.json` from the current engine, and `golden.test.ts`, which
 * recomputes every run and compares.
 *
 * A run is exactly `ladder backtest --config <config> --data ../shared/data/binance-spot-klines/<SYM>-1h.csv
 * --markets ../shared/data/binance-usdm-exchange-info.json --no-cache --json`, computed in-process
 * through the CLI's own input loader, `runBacktest` and `resultJson`. The full Result JSON of the
 * twenty runs is ~10 MB, so a golden keeps an exact digest instead: the SHA-256 of the `--json`
 * stdout (the JSON line and its newline), the summary and level rows verbatim, counts, a SHA-256 per
 * block of trades (to say where a difference starts), and the first and last trades in full (readable
 * diffs). `make-goldens.ts --check-cli` checks that the in-process text is the CLI's stdout byte for byte.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runBacktest } from '../../src/backtest/engine.ts';
import { type ResultJson, type TradeJson, resultJson } from '../../src/backtest/result-json.ts';
import { loadBacktestInputs } from '../../src/cli/backtest-inputs.ts';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const GOLDEN_DIR = fileURLToPath(new URL('./golden/', import.meta.url));
/** Relative to the repository root, as in the CLI commands the goldens quote. */
export const KLINES_REL = '../shared/data/binance-spot-klines';
export const MARKETS_REL = '../shared/data/binance-usdm-exchange-info.json';
export const KLINES_DIR = fileURLToPath(new URL('../../../shared/data/binance-spot-klines/', import.meta.url));
export const MARKETS_FILE = fileURLToPath(new URL('../../../shared/data/binance-usdm-exchange-info.json', import.meta.url));

/** The ten real 1h files of the shared data. */
export const GOLDEN_SYMBOLS = ['BTCUSDT', 'ETHUSDT', 'BNBUSDT', 'SOLUSDT', 'XRPUSDT', 'ADAUSDT', 'DOGEUSDT', 'AVAXUSDT', 'LINKUSDT', 'DOTUSDT'] as const;

/**
 * The two configs of the study (scripts/backtest-study.ts, docs/backtest-results.md): the example's
 * three-level ladder, and the shipped config.json, which is the same strategy, sizing, fees and path
 * with scaled TP off (the single take-profit at `take_profit_pct`).
 */
export const GOLDEN_CONFIGS = [
  { name: 'scaled', config: 'examples/scaled.config.json' },
  { name: 'single', config: 'config.json' },
] as const;
export type GoldenConfigName = (typeof GOLDEN_CONFIGS)[number]['name'];

/** Trades per hashed block: a difference is located to one block of this many trades. */
export const BLOCK = 100;

/** Is the shared real data beside the checkout? (CI has it; see .ci/run.) */
export const haveSharedData = (): boolean => existsSync(MARKETS_FILE) && GOLDEN_SYMBOLS.every((s) => existsSync(`${KLINES_DIR}${s}-1h.csv`));

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

export interface RunDigest {
  readonly symbol: string;
  /** The CLI command whose stdout this digests (run from the repository root). */
  readonly command: string;
  readonly candles: number;
  /** SHA-256 of the options the run used (settings, fills, sizing…): a config change shows as such. */
  readonly options_sha256: string;
  /** SHA-256 of `backtest --json`'s stdout: the Result JSON line and its newline. */
  readonly json_sha256: string;
  readonly json_bytes: number;
  readonly summary: ResultJson['summary'];
  readonly levels: ResultJson['levels'];
  readonly trades: number;
  readonly exits: number;
  readonly stop_moves: number;
  /** Exits per reason (tp1…, tp, stop, signal, end). */
  readonly exit_reasons: Record<string, number>;
  /** SHA-256 of `JSON.stringify(trades.slice(k × BLOCK, (k + 1) × BLOCK))`, per block k. */
  readonly block_sha256: readonly string[];
  /** The first two and the last trade, in full. */
  readonly sample: { readonly index: number; readonly trade: TradeJson }[];
}

export const cliCommand = (config: string, symbol: string): string =>
  `npx ladder backtest --config ${config} --data ${KLINES_REL}/${symbol}-1h.csv --markets ${MARKETS_REL} --no-cache --json`;

/** One golden run in-process: the CLI's input loader, the engine, the Result JSON; returns the stdout text. */
export async function runGolden(config: string, symbol: string): Promise<{ text: string; json: ResultJson; candles: number; optionsSha256: string }> {
  const input = await loadBacktestInputs({ config: `${ROOT}${config}`, data: `${KLINES_DIR}${symbol}-1h.csv`, markets: MARKETS_FILE, cache: false });
  const run = runBacktest(input.symbols, input.options);
  const json = resultJson(run);
  return {
    text: `${JSON.stringify(json)}\n`,
    json,
    candles: input.symbols.reduce((n, s) => n + s.candles.length, 0),
    optionsSha256: sha256(JSON.stringify(input.options)),
  };
}

export function digestOf(config: string, symbol: string, r: { text: string; json: ResultJson; candles: number; optionsSha256: string }): RunDigest {
  const { trades } = r.json;
  const reasons: Record<string, number> = {};
  let exits = 0;
  let moves = 0;
  for (const t of trades) {
    exits += t.exits.length;
    moves += t.stop_moves.length;
    for (const e of t.exits) reasons[e.reason] = (reasons[e.reason] ?? 0) + 1;
  }
  const blocks: string[] = [];
  for (let k = 0; k * BLOCK < trades.length; k++) blocks.push(sha256(JSON.stringify(trades.slice(k * BLOCK, (k + 1) * BLOCK))));
  const picks = [...new Set([0, 1, trades.length - 1].filter((i) => i >= 0 && i < trades.length))];
  return {
    symbol,
    command: cliCommand(config, symbol),
    candles: r.candles,
    options_sha256: r.optionsSha256,
    json_sha256: sha256(r.text),
    json_bytes: Buffer.byteLength(r.text),
    summary: r.json.summary,
    levels: r.json.levels,
    trades: trades.length,
    exits,
    stop_moves: moves,
    exit_reasons: Object.fromEntries(Object.entries(reasons).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    block_sha256: blocks,
    sample: picks.map((index) => ({ index, trade: trades[index]! })),
  };
}

export interface GoldenFile {
  readonly about: string;
  readonly config: string;
  /** `git rev-parse HEAD` when made, and whether the engine's sources had local changes then. */
  readonly made_from: { readonly commit: string; readonly engine_sources_clean: boolean; readonly date: string };
  readonly runs: readonly RunDigest[];
}

export const goldenPath = (name: GoldenConfigName): string => `${GOLDEN_DIR}${name}.json`;

/**
 * Golden runs of several symbols on one balance (issue 14 part 1: the merge loop decides every
 * entry on the state at each open time, and a symbol whose file ends early frees its slot then).
 * Each is `ladder backtest --config <base with overrides> --data <files> …` on the real 1h files;
 * `short` is a symbol whose file is cut to its first 52 % of lines (a copy), so its data ends early,
 * with a position open then in each of these runs (its remainder closes `end` mid-run, and its slot
 * and margin are freed at that time: a merge loop that missed it changes the run).
 */
const SHORT_FRACTION = 0.52;
export interface MultiGolden {
  readonly name: string;
  readonly base: string;
  readonly overrides: Record<string, unknown>;
  readonly symbols: readonly string[];
  readonly short: string | null;
}

export const GOLDEN_MULTI: readonly MultiGolden[] = [
  { name: 'ten-symbols-10-slots', base: 'examples/scaled.config.json', overrides: { max_open_positions: 10 }, symbols: GOLDEN_SYMBOLS, short: null },
  { name: 'ten-symbols-1-slot', base: 'examples/scaled.config.json', overrides: { max_open_positions: 1 }, symbols: GOLDEN_SYMBOLS, short: null },
  {
    name: 'three-symbols-risk-leverage-short-file',
    base: 'examples/scaled.config.json',
    overrides: { max_open_positions: 2, leverage: 10, position_size: { mode: 'risk_pct', value: 1 } },
    symbols: ['BTCUSDT', 'ETHUSDT', 'SOLUSDT'],
    short: 'ETHUSDT',
  },
  { name: 'four-symbols-slippage-ohlc', base: 'examples/scaled.config.json', overrides: { max_open_positions: 2, slippage_pct: 0.05, backtest: { starting_balance: 5000, intrabar: 'ohlc' } }, symbols: ['XRPUSDT', 'BNBUSDT', 'DOGEUSDT', 'ADAUSDT'], short: 'BNBUSDT' },
  { name: 'five-symbols-single-tp', base: 'config.json', overrides: { max_open_positions: 3, leverage: 3 }, symbols: ['AVAXUSDT', 'LINKUSDT', 'DOTUSDT', 'BTCUSDT', 'SOLUSDT'], short: 'DOTUSDT' },
];

/** The files of a multi-symbol golden: the real ones, and a half copy of the short one in `tmp`. */
function multiFiles(g: MultiGolden, tmp: string): string[] {
  return g.symbols.map((s) => {
    const file = `${KLINES_DIR}${s}-1h.csv`;
    if (s !== g.short) return file;
    const lines = readFileSync(file, 'utf8').split('\n');
    const half = join(tmp, `${s}-1h.csv`);
    writeFileSync(half, `${lines.slice(0, Math.floor(lines.length * SHORT_FRACTION)).join('\n')}\n`);
    return half;
  });
}

/** One multi-symbol golden run in-process (the CLI's loader with a config written from base + overrides). */
export async function runMultiGolden(g: MultiGolden): Promise<{ digest: RunDigest; json: ResultJson }> {
  const tmp = mkdtempSync(join(tmpdir(), 'ladder-golden-multi-'));
  try {
    const base = JSON.parse(readFileSync(`${ROOT}${g.base}`, 'utf8')) as Record<string, unknown>;
    const merged: Record<string, unknown> = { ...base, ...g.overrides };
    if (typeof g.overrides['backtest'] === 'object') merged['backtest'] = { ...(base['backtest'] as object), ...(g.overrides['backtest'] as object) };
    delete merged['$schema'];
    const config = join(tmp, 'config.json');
    writeFileSync(config, JSON.stringify(merged));
    const input = await loadBacktestInputs({ config, data: multiFiles(g, tmp).join(','), markets: MARKETS_FILE, cache: false });
    const json = resultJson(runBacktest(input.symbols, input.options));
    const r = { text: `${JSON.stringify(json)}\n`, json, candles: input.symbols.reduce((n, s) => n + s.candles.length, 0), optionsSha256: sha256(JSON.stringify(input.options)) };
    const command = `${g.base} with ${JSON.stringify(g.overrides)} on ${g.symbols.join(',')}${g.short ? ` (${g.short}'s file cut to its first ${SHORT_FRACTION * 100} % of lines)` : ''}`;
    return { digest: { ...digestOf(g.base, g.name, r), command }, json };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

export const MULTI_GOLDEN_PATH = `${GOLDEN_DIR}multi.json`;
