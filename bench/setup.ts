/**
 * The benchmark's backtest inputs: the shipped example config (ema_cross 12/26, three-level
 * scaled TP with the stop ladder, pessimistic intrabar path), the real exchange rules, and the
 * single-TP variant used for the grademark comparison.
 */
import { readFile } from 'node:fs/promises';
import type { BacktestOptions, SymbolInput } from '../src/backtest/engine.ts';
import { type LadderConfig, parseConfigText } from '../src/core/config/index.ts';
import type { MarketRules } from '../src/core/market/market-rules.ts';
import { exitSettingsFromConfig, fillModelFromConfig } from '../src/core/scaled-tp/from-config.ts';
import type { CandleSeries } from '../src/data/candle-series.ts';
import { loadMarketsFile } from '../src/data/markets-loader.ts';
import { type EmaCrossParams, EmaCrossStrategy } from '../src/strategy/ema-cross.ts';
import { type Signal, entryAtOf } from '../src/strategy/strategy.ts';
import { EXAMPLE_CONFIG, EXCHANGE_INFO } from './paths.ts';

/**
 * Starting balance of every benchmark run. The 10M-candle series makes ~350,000 trades, whose
 * fees alone would exhaust the example's 10,000 USDT and turn every later entry into an
 * `insufficient_margin` skip; with this balance the margin check never refuses an entry, so the
 * engine does the whole job. On the real files it changes no trade (the margin never binds there).
 */
export const BENCH_BALANCE = 1e12;

export interface BenchSetup {
  readonly config: LadderConfig;
  readonly markets: Map<string, MarketRules>;
  /** The full engine: the example's three-level ladder, fees and pessimistic path. */
  readonly scaled: BacktestOptions;
  /** The grademark comparison: single TP at `take_profit_pct`, the same stop, no fees or slippage. */
  readonly single: BacktestOptions;
  /** The config's ema_cross parameters (12/26 in the example). */
  readonly strategy: EmaCrossParams;
}

export async function loadSetup(): Promise<BenchSetup> {
  const parsed = parseConfigText(await readFile(EXAMPLE_CONFIG, 'utf8'), EXAMPLE_CONFIG);
  if (!parsed.ok) throw new Error(`${EXAMPLE_CONFIG}: invalid config`);
  const config = parsed.value;
  if (config.strategy.name !== 'ema_cross') throw new Error(`${EXAMPLE_CONFIG}: the benchmark needs the ema_cross strategy`);
  const m = await loadMarketsFile(EXCHANGE_INFO);
  if (!m.ok) throw new Error(m.error.join('\n'));
  const scaled: BacktestOptions = {
    settings: exitSettingsFromConfig(config),
    fills: fillModelFromConfig(config),
    intrabar: config.backtest.intrabar,
    startingBalance: BENCH_BALANCE,
    leverage: config.leverage,
    maxOpenPositions: config.max_open_positions,
    positionSize: config.position_size,
  };
  const single: BacktestOptions = {
    ...scaled,
    settings: { ...scaled.settings, scaled: false },
    fills: { takerPct: 0, makerPct: 0, slippagePct: 0 },
    intrabar: 'pessimistic',
  };
  const { name: _name, ...strategy } = config.strategy;
  return { config, markets: m.value, scaled, single, strategy };
}

export function marketOf(setup: BenchSetup, symbol: string): MarketRules {
  const m = setup.markets.get(symbol);
  if (m === undefined) throw new Error(`${symbol} is not in ${EXCHANGE_INFO}`);
  return m;
}

/**
 * The engine's input for one series with a fresh ema_cross strategy (its EMAs are computed inside
 * the timed run, candle by candle, as in `ladder backtest`). `longOnly` drops the short signals:
 * the grademark comparison trades long only (see grademark-run.ts).
 */
export function symbolInput(setup: BenchSetup, candles: CandleSeries, symbol: string, longOnly = false): SymbolInput {
  const entryAt = entryAtOf(new EmaCrossStrategy(setup.strategy), candles);
  const longs = (i: number): Signal | null => {
    const s = entryAt(i);
    return s !== null && s.side === 'long' ? s : null;
  };
  return { symbol, candles, market: marketOf(setup, symbol), entryAt: longOnly ? longs : entryAt };
}
