import { Console } from 'node:console';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { type BacktestOptions, type SymbolInput, candleGridMismatch } from '../backtest/engine.ts';
import type { LadderConfig } from '../core/config/index.ts';
import { formatScaled } from '../core/decimal.ts';
import type { MarketRules } from '../core/market/market-rules.ts';
import { type Markets, findMarket } from '../core/market/markets-file.ts';
import { exitSettingsFromConfig, fillModelFromConfig } from '../core/scaled-tp/from-config.ts';
import { type CandleSeries, detailAgreement, sliceByTime, wholeDetailFrom } from '../data/candle-series.ts';
import { infoFromFileName } from '../data/candle-name.ts';
import { isoOf } from '../data/parse-time.ts';
import { TIMEFRAMES, formatTimeframe, parseTimeframe } from '../data/timeframe.ts';
import { DEFAULT_CANDLE_CACHE_DIR } from '../data/candle-cache.ts';
import { loadCandles } from '../data/load-candles.ts';
import { defaultMarkets, loadMarketsFile } from '../data/markets-loader.ts';
import { createStrategy, loadStrategy } from '../strategy/create-strategy.ts';
import { StrategyModuleError } from '../strategy/module-error.ts';
import { ModuleStrategy } from '../strategy/module-strategy.ts';
import { guardModuleProcess } from './module-process-guard.ts';
import { SignalsStrategy } from '../strategy/signals-strategy.ts';
import { type Strategy, entryAtOf } from '../strategy/strategy.ts';
import { CliError, appendList, onePerSymbol, parseSymbolOption, parseTimeOption, splitList } from './cli-error.ts';
import { checkMarks, fundingNote, loadFundingInputs } from './funding-inputs.ts';
import { counted } from '../optimize/describe.ts';
import { readConfig } from './read-config.ts';

/**
 * For `--json` (stdout holds the JSON and nothing else): the console writes to stderr, so that a
 * strategy module's console.log (debugging) does not break the JSON a program reads. The commands
 * write their own output with process.stdout.write, which this does not touch.
 */
export function consoleToStderr(): void {
  globalThis.console = new Console({ stdout: process.stderr, stderr: process.stderr });
}

/** The options `backtest` and `compare` share: the data, the markets and the entries. */
export function withBacktestInputOptions(cmd: Command): Command {
  return cmd
    .option('--config <file>', 'config.json to use', 'config.json')
    .requiredOption('--data <files>', 'candle file(s), comma-separated: Binance kline CSV (.csv, .csv.gz, .zip) or time,open,high,low,close,volume', appendList)
    .option('--markets <file>', 'Binance exchangeInfo JSON or ccxt markets JSON (default: the shipped excerpt)')
    .option('--symbol <symbol>', 'symbol of a single --data file whose name does not say (e.g. BTCUSDT)')
    .option('--signals <file>', 'CSV time,symbol,side[,stop_loss_pct]: use these entries instead of the config strategy')
    .option('--detail <files>', 'finer candles (e.g. 15m under 1h) that replace the modelled intrabar path', appendList)
    .option('--from <time>', 'first candle open time (ISO-8601 UTC)')
    .option('--to <time>', 'end (exclusive) of candle open times (ISO-8601 UTC)')
    .option('--no-cache', 'do not read or write the binary candle cache (.cache/candles)');
}


export interface BacktestArgs {
  readonly config: string;
  readonly data: string;
  readonly markets?: string;
  readonly symbol?: string;
  readonly signals?: string;
  readonly detail?: string;
  readonly from?: string;
  readonly to?: string;
  readonly cache?: boolean;
  readonly funding?: string;
  readonly mark?: string;
}

export interface LoadedBacktest {
  readonly config: LadderConfig;
  readonly symbols: SymbolInput[];
  readonly options: BacktestOptions;
  readonly strategyName: string;
  readonly notes: string[];
}

/** Reads and checks everything a backtest needs; every problem is a CliError naming file and field. */
export async function loadBacktestInputs(a: BacktestArgs): Promise<LoadedBacktest> {
  // An empty value (`--signals ""`, a shell variable that was not set) would otherwise mean "not given".
  for (const [flag, v] of Object.entries({ '--config': a.config, '--data': a.data, '--markets': a.markets, '--symbol': a.symbol, '--signals': a.signals, '--detail': a.detail, '--from': a.from, '--to': a.to, '--funding': a.funding, '--mark': a.mark })) {
    if (v !== undefined && v.trim() === '') throw new CliError(`${flag}: empty value`);
  }
  // `btcusdt` and `btc/usdt:usdt` are BTCUSDT, as in a signal file: the markets are keyed by the upper-case id.
  const symbol = a.symbol !== undefined ? parseSymbolOption('--symbol', a.symbol) : undefined;
  const cfg = await readConfig(a.config);
  if (!cfg.ok) throw new CliError(`${a.config}: invalid config (${cfg.error.length} problem${cfg.error.length === 1 ? '' : 's'} above)`);
  const config = cfg.value;
  const markets = await loadMarkets(a.markets);
  const files = splitList(a.data);
  if (files.length === 0) throw new CliError('--data: give at least one candle file');
  if (symbol && files.length > 1) throw new CliError('--symbol: only with a single --data file (each file is named for its symbol)');
  const from = a.from !== undefined ? parseTimeOption('--from', a.from) : -Infinity;
  const to = a.to !== undefined ? parseTimeOption('--to', a.to) : Infinity;
  if (from >= to) throw new CliError(`--from ${a.from} is not before --to ${a.to}`);
  const cacheDir = a.cache === false ? undefined : DEFAULT_CANDLE_CACHE_DIR;
  const load = (file: string, symbol?: string) => loadCandles(file, { ...(symbol ? { symbol } : {}), ...(cacheDir ? { cacheDir } : {}) });
  const notes: string[] = [];

  const detailBySymbol = new Map<string, CandleSeries>();
  const detailFile = new Map<string, string>();
  for (const file of splitList(a.detail)) {
    // --symbol names a detail file only when its own name names no symbol: a file named for ETHUSDT is ETHUSDT's.
    const d = await load(file, files.length === 1 && infoFromFileName(file).symbol === undefined ? symbol : undefined);
    if (!d.symbol) throw new CliError(`${file}: cannot tell its symbol from the name; name it like BTCUSDT-15m.csv or use --symbol`);
    const id = findMarket(markets.map, d.symbol)?.id ?? d.symbol;
    onePerSymbol(detailBySymbol, '--detail', id, file).set(id, sliceByTime(d, from, to));
    detailFile.set(id, file);
  }

  // --funding and --mark: each symbol's settlements, and the mark price at each (funding-inputs.ts).
  const funding = await loadFundingInputs(a, { markets: markets.map, load, symbolOfUnnamed: files.length === 1 ? symbol : undefined });

  const strategyConfig = a.signals ? { name: 'signals' as const, file: a.signals } : config.strategy;
  const baseDir = a.signals ? undefined : dirname(a.config);
  // A fresh strategy per symbol; the first is made before any candle file is read, so a broken
  // strategy module fails at once (a module is imported once: import() caches it).
  const newStrategy = () =>
    loadStrategy(strategyConfig, { ...(baseDir ? { baseDir } : {}), leverage: config.leverage }).catch((e: unknown) => {
      throw e instanceof StrategyModuleError ? new CliError(`${a.config}: strategy: ${e.message}`) : e;
    });
  let spare: Strategy | null = await newStrategy();
  if (spare instanceof ModuleStrategy) guardModuleProcess(spare.module);
  const strategyName = spare.name;
  const symbols: SymbolInput[] = [];
  const fileOf = new Map<string, { file: string; timeframeMs: number }>();
  for (const file of files) {
    const full = await load(file, symbol);
    if (!full.symbol) throw new CliError(`${file}: cannot tell its symbol from the name; name it like BTCUSDT-1h.csv or use --symbol`);
    const market = findMarket(markets.map, full.symbol);
    if (!market) throw new CliError(`${file}: symbol ${full.symbol} is not in the markets file ${markets.source}`);
    // One position per symbol (SPEC "Signals"): two files of one symbol would trade it twice, under the same trade ids.
    const twin = fileOf.get(market.id);
    if (twin !== undefined) {
      const finer = twin.timeframeMs === full.timeframeMs ? null : twin.timeframeMs < full.timeframeMs ? twin.file : file;
      throw new CliError(
        `--data: ${twin.file} and ${file} are both ${market.id}: one entry per symbol; ` +
          (finer === null ? 'several files of it (months) go in one directory, given as one entry' : `${finer}, the finer timeframe, goes in --detail`),
      );
    }
    fileOf.set(market.id, { file, timeframeMs: full.timeframeMs });
    const candles = sliceByTime(full, from, to);
    if (candles.length === 0) throw new CliError(`${file}: no candles between --from and --to`);
    checkPriceTicks(file, market, candles);
    if (full.gaps.length) notes.push(`${file}: ${full.gaps.reduce((n, g) => n + g.missing, 0)} missing candles in ${full.gaps.length} gaps (not filled)`);
    const detail = detailBySymbol.get(market.id);
    if (detail && detail.timeframeMs >= candles.timeframeMs) throw new CliError(`--detail for ${market.id}: its timeframe must be finer than the candles'`);
    // 4h under 6h: no candle is ever made up of whole finer ones, so the detail would never be used
    // (and every candle be counted as one with gaps in it).
    if (detail && candles.timeframeMs % detail.timeframeMs !== 0) {
      const [tf, dtf] = [formatTimeframe(candles.timeframeMs), formatTimeframe(detail.timeframeMs)];
      const divisor = Object.values(TIMEFRAMES).filter((ms) => ms < candles.timeframeMs && candles.timeframeMs % ms === 0).pop();
      throw new CliError(`--detail for ${market.id}: its ${dtf} candles do not make up the ${tf} candles (${tf} is not a whole number of ${dtf}): give a timeframe that divides ${tf}${divisor === undefined ? '' : ` (e.g. ${formatTimeframe(divisor)})`}`);
    }
    // 15m candles at :05, :20, …: none starts at a candle's open, so none is ever used (as above).
    const shift = detail && detail.length > 0 ? (((detail.time[0]! - candles.time[0]!) % detail.timeframeMs) + detail.timeframeMs) % detail.timeframeMs : 0;
    if (detail && shift !== 0) {
      throw new CliError(`--detail for ${market.id}: its ${formatTimeframe(detail.timeframeMs)} candles open ${formatTimeframe(shift)} after the ${formatTimeframe(candles.timeframeMs)} candles' opens (the first at ${isoOf(detail.time[0]!)}): none of them makes up a candle`);
    }
    if (detail) {
      // Candles the finer data does not make up whole are walked on their own path: said, split by why.
      const first = detail.length ? detail.time[0]! : Infinity;
      const last = detail.length ? detail.time[detail.length - 1]! : -Infinity;
      let outside = 0;
      let holes = 0;
      for (let i = 0; i < candles.length; i++) {
        if (candles.time[i]! + candles.timeframeMs <= first || candles.time[i]! > last) outside++;
        else if (wholeDetailFrom(candles, i, detail) < 0) holes++;
      }
      const span = detail.length ? ` (${new Date(first).toISOString()} to ${new Date(last + detail.timeframeMs).toISOString()})` : '';
      if (outside) notes.push(`${market.id}: ${outside} of ${candles.length} candles lie outside the --detail data${span}: walked on their own modelled path`);
      if (holes) notes.push(`${market.id}: ${holes} candles inside the --detail data's time span lack some of their finer candles (gaps in it): walked on their own modelled path`);
      // Finer candles of another market (or other data) would replace each candle's path by a foreign one.
      const agree = detailAgreement(candles, detail);
      if (agree.differing > 0) {
        const at = candles.time[agree.first]!;
        const what = `${agree.differing} of the ${agree.whole} candles the --detail data makes up differ from it in open, high, low or close (the first at ${new Date(at).toISOString()}: ${ohlc(candles, agree.first)} against ${ohlc(detailCandle(candles, agree.first, detail), 0)})`;
        if (agree.differing > agree.whole / 100) throw new CliError(`--detail for ${market.id}: ${what}: is it another symbol's data? The finer candles must make up the candles they replace`);
        notes.push(`${market.id}: ${what}: their finer path is used as given`);
      }
    }
    const configTf = parseTimeframe(config.timeframe);
    if (configTf !== candles.timeframeMs) notes.push(`${market.id}: the candles are ${formatTimeframe(candles.timeframeMs)} but the config's timeframe is ${config.timeframe}: the backtest runs on the candles (paper and live would run on ${config.timeframe})`);
    const strategy: Strategy = spare ?? (await newStrategy());
    spare = null;
    const settlements = funding.of(market.id);
    if (a.funding !== undefined) notes.push(fundingNote(market.id, candles, funding.rates.get(market.id), funding.marks.get(market.id)));
    // Mark prices of another market would charge funding on its notional: refused, as --detail of another symbol is.
    const marks = funding.marks.get(market.id);
    const markNote = marks === undefined ? null : checkMarks(market.id, candles, funding.rates.get(market.id)!, marks, funding.markFiles.get(market.id)!);
    if (markNote !== null) notes.push(markNote);
    symbols.push({ symbol: market.id, candles: { ...candles, symbol: market.id }, market, entryAt: entryAtOf(strategy, candles), ...(detail ? { detail } : {}), ...(settlements ? { funding: settlements } : {}) });
    if (strategy instanceof SignalsStrategy) {
      checkSignalSymbols(strategy, markets.map);
      const plan = strategy.plan(candles);
      if (plan.beforeStart.length) notes.push(`${market.id}: ${counted(plan.beforeStart.length, 'signal')} before the first candle ${plan.beforeStart.length === 1 ? 'was' : 'were'} ignored`);
      if (plan.afterEnd.length) notes.push(`${market.id}: ${counted(plan.afterEnd.length, 'signal')} after the last candle ${plan.afterEnd.length === 1 ? 'was' : 'were'} ignored`);
      // Several signals due at one open: the newest is entered (signals-strategy.ts); the others are said, not dropped silently.
      // A line repeated exactly (the file refuses two of one time that differ) is one signal, not one superseded.
      const distinct = new Set(plan.placed.map((p) => `${p.signal.timeMs} ${p.signal.side} ${p.signal.stopLossPct ?? ''}`)).size;
      const repeated = plan.placed.length - distinct;
      if (repeated) notes.push(`${market.id}: ${counted(repeated, 'signal')} repeated an earlier line exactly (the same time, side and stop): taken once`);
      const superseded = distinct - new Set(plan.placed.map((p) => p.entryIndex)).size;
      if (superseded) notes.push(`${market.id}: ${counted(superseded, 'signal')} ${superseded === 1 ? 'was' : 'were'} superseded by a newer one due at the same candle open (the newest is the one entered)`);
    }
  }
  if (strategyConfig.name === 'signals') {
    const s = createStrategy(strategyConfig, { ...(baseDir ? { baseDir } : {}), leverage: config.leverage }) as SignalsStrategy;
    // A header without rows is a legitimate file (a paper bot whose entries come by hand uses one),
    // but a backtest of it can only trade nothing: said, not a silent 0 trades.
    if (s.signals.length === 0) notes.push(`${s.file ?? strategyConfig.file}: has no signals (a header line only): no entries, no trades`);
    const without = [...new Set(s.signals.map((x) => x.symbol))].filter((n) => !symbols.some((x) => x.symbol === n));
    if (without.length) notes.push(`signals for ${without.join(', ')} were ignored: no --data file for them`);
  }
  const apart = candleGridMismatch(symbols);
  if (apart !== null) {
    const [a, b] = apart.map((s) => ({ file: fileOf.get(s.symbol)!.file, tf: formatTimeframe(s.candles.timeframeMs) }));
    const what = a!.tf === b!.tf ? `${a!.file} and ${b!.file} have ${a!.tf} candles opening at different times` : `${a!.file} has ${a!.tf} candles and ${b!.file} ${b!.tf} ones`;
    throw new CliError(
      `--data: ${what}: symbols on one balance need one timeframe and the same open times (a candle's path is walked at its open, so a slot or margin it frees would be known at another symbol's opens inside it); give finer candles as --detail`,
    );
  }
  for (const s of detailBySymbol.keys()) if (!symbols.some((x) => x.symbol === s)) throw new CliError(`--detail: ${detailFile.get(s)} holds ${s}'s candles, and no --data file is ${s}'s (${symbols.map((x) => x.symbol).join(', ')})`);
  for (const [s, f] of funding.rates) if (!symbols.some((x) => x.symbol === s)) throw new CliError(`--funding: ${f.source} holds ${s}'s funding rates, and no --data file is ${s}'s (${symbols.map((x) => x.symbol).join(', ')})`);

  return {
    config,
    symbols,
    strategyName,
    notes,
    options: {
      settings: exitSettingsFromConfig(config),
      fills: fillModelFromConfig(config),
      intrabar: config.backtest.intrabar,
      startingBalance: config.backtest.starting_balance,
      leverage: config.leverage,
      maxOpenPositions: config.max_open_positions,
      positionSize: config.position_size,
    },
  };
}

/**
 * The largest candle price the backtest takes, in ticks of the symbol: 2^43, so that a target or stop
 * derived from it (up to +100,000 %, slipped) is still a safe integer of ticks (STYLE §4), as the
 * planner requires; 8.8e10 USDT on a 0.01 tick.
 */
const MAX_PRICE_TICKS = 2 ** 43;

/**
 * A price too large to count in whole ticks of the market (a corrupt field, another unit): named with
 * its file, field and time, instead of a bare 'ticks must be a safe integer' from the planner at the
 * first entry near it.
 */
function checkPriceTicks(file: string, market: MarketRules, c: CandleSeries): void {
  let top = 0;
  for (let i = 1; i < c.length; i++) if (c.high[i]! > c.high[top]!) top = i;
  const tick = Number(market.tickSize.int) / 10 ** market.tickSize.scale;
  const high = c.high[top]!;
  const ticks = high / tick;
  if (!(ticks > MAX_PRICE_TICKS)) return;
  // Past the largest double the quotient is Infinity: said as a bound, not as 'Infinity ticks'.
  const count = Number.isFinite(ticks) ? ticks.toExponential(2) : 'more than 1e308';
  throw new CliError(
    `${file}: high: ${high} at ${isoOf(c.time[top]!)} is ${count} ticks of ${market.id}'s tick size ${formatScaled(1, market.tickSize)}: ` +
      `the backtest takes prices up to 2^43 ticks (${MAX_PRICE_TICKS * tick} here), so that every target and stop is an exact whole number of ticks`,
  );
}

/** A candle's prices, for messages. */
const ohlc = (c: CandleSeries, i: number): string => `O ${c.open[i]} H ${c.high[i]} L ${c.low[i]} C ${c.close[i]}`;

/** The candle that the detail candles of candle i make up (first open, highest high, lowest low, last close). */
function detailCandle(c: CandleSeries, i: number, d: CandleSeries): CandleSeries {
  const from = wholeDetailFrom(c, i, d);
  const to = from + c.timeframeMs / d.timeframeMs;
  const one = (x: number) => Float64Array.of(x);
  return { ...c, length: 1, open: one(d.open[from]!), high: one(Math.max(...d.high.subarray(from, to))), low: one(Math.min(...d.low.subarray(from, to))), close: one(d.close[to - 1]!) };
}

async function loadMarkets(file: string | undefined): Promise<{ map: Markets; source: string }> {
  if (!file) return { map: await defaultMarkets(), source: 'data/markets/binance-usdm-excerpt.json (shipped; use --markets for other symbols)' };
  const r = await loadMarketsFile(file);
  if (!r.ok) throw new CliError(r.error.join('\n'));
  return { map: r.value, source: file };
}

/** A signal for a symbol the exchange does not list is an error (a typo, or the wrong markets file). */
function checkSignalSymbols(s: SignalsStrategy, markets: Markets): void {
  for (const name of new Set(s.signals.map((x) => x.symbol))) {
    const first = s.signals.find((x) => x.symbol === name)!;
    const at = s.file !== undefined ? `${s.file}:${first.line}` : first.reason;
    if (!findMarket(markets, name)) throw new CliError(`${at}: symbol: ${name} is not a symbol of the markets file`);
  }
}
