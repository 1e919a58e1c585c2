/**
 * `--funding` and `--mark` of `backtest`, `compare` and `optimize`: each symbol's funding settlements
 * (Binance's fundingRate archives) and the mark price at each, read and matched to the `--data`
 * symbols, and the note that says what they cover.
 */
import type { Command } from 'commander';
import type { SettlementPrices } from '../backtest/engine.ts';
import { CandleFileError } from '../data/candle-file-error.ts';
import { infoFromFileName } from '../data/candle-name.ts';
import type { CandleSeries } from '../data/candle-series.ts';
import { type FundingRates, FundingFileError, loadFundingRates, opensAt } from '../data/funding-rates.ts';
import { isoOf } from '../data/parse-time.ts';
import { type Markets, findMarket } from '../core/market/markets-file.ts';
import { CliError, appendList, onePerSymbol, splitList } from './cli-error.ts';

/**
 * `--funding` (backtest, compare, optimize): each symbol's funding rates in Binance's fundingRate
 * archive layout, so its trades pay or receive funding.
 */
export function withFundingOption(cmd: Command): Command {
  return cmd
    .option('--funding <files>', "funding-rate file(s) per symbol, comma-separated: Binance's fundingRate archive CSV (BTCUSDT-fundingRate.csv, monthly .zip, or a directory of them)", appendList)
    .option('--mark <files>', "mark-price klines per symbol, comma-separated (Binance's markPriceKlines archive): funding is charged at the mark price at each settlement instead of the candle's open", appendList);
}

export interface FundingInputs {
  /** The rates, by market id. */
  readonly rates: ReadonlyMap<string, FundingRates>;
  /** The mark price at each of a symbol's settlements (NaN: no mark candle opens at it), by market id. */
  readonly marks: ReadonlyMap<string, Float64Array>;
  /** The `--mark` entry each symbol's mark prices came from, by market id (for messages). */
  readonly markFiles: ReadonlyMap<string, string>;
  /** What the engine charges a symbol: its settlements with their mark prices, or undefined (not modelled). */
  of(id: string): SettlementPrices | undefined;
}

/** Reads `--funding` and `--mark`; every problem is a CliError naming the option and the file. */
export async function loadFundingInputs(
  a: { readonly funding?: string; readonly mark?: string },
  o: { readonly markets: Markets; readonly load: (file: string, symbol?: string) => Promise<CandleSeries>; readonly symbolOfUnnamed: string | undefined },
): Promise<FundingInputs> {
  const fundingBySymbol = new Map<string, FundingRates>();
  for (const file of splitList(a.funding)) {
    const f = await loadFundingRates(file).catch((e: unknown) => {
      throw e instanceof FundingFileError ? new CliError(`--funding: ${e.message}`) : e;
    });
    const named = f.symbol ?? o.symbolOfUnnamed;
    if (named === undefined) throw new CliError(`--funding: ${file}: cannot tell its symbol from the name; name it like BTCUSDT-fundingRate.csv (Binance's archive name)`);
    const id = findMarket(o.markets, named)?.id ?? named;
    onePerSymbol(fundingBySymbol, '--funding', id, file).set(id, f);
  }
  // --mark: the mark price at each settlement (Binance charges the notional at it).
  const markBySymbol = new Map<string, Float64Array>();
  const markFiles = new Map<string, string>();
  for (const file of splitList(a.mark)) {
    const m = await o.load(file, infoFromFileName(file).symbol === undefined ? o.symbolOfUnnamed : undefined).catch((e: unknown) => {
      throw e instanceof CandleFileError ? new CliError(`--mark: ${e.message}`) : e;
    });
    if (!m.symbol) throw new CliError(`--mark: ${file}: cannot tell its symbol from the name; name it like BTCUSDT-1h.csv or use --symbol`);
    const id = findMarket(o.markets, m.symbol)?.id ?? m.symbol;
    const f = fundingBySymbol.get(id);
    if (f === undefined) throw new CliError(`--mark: ${file} holds ${id}'s mark prices, and --funding gives no rates for ${id}: the mark price is used only to charge funding`);
    onePerSymbol(markBySymbol, '--mark', id, file).set(id, opensAt(m, f.time));
    markFiles.set(id, file);
  }
  return {
    rates: fundingBySymbol,
    marks: markBySymbol,
    markFiles,
    of: (id) => {
      const rates = fundingBySymbol.get(id);
      const marks = markBySymbol.get(id);
      return rates === undefined ? undefined : { time: rates.time, rate: rates.rate, ...(marks ? { price: marks } : {}) };
    },
  };
}

const HOUR_MS = 3_600_000;

/**
 * A mark price this far from the candle open at the same time is not the candles' market: at the
 * shared data's settlements (ten symbols, 2022-2026) spot opens and mark opens differ by 0.41 % at most.
 */
const MARK_APART = 0.1;

/**
 * Are the `--mark` prices the candles' own market's? At each settlement within the candles where a
 * mark kline and a candle both open, the mark must lie within 10 % of the candle open. More than 1 %
 * of them farther apart (as for `--detail`): refused, funding would be charged on another symbol's
 * notional (BTCUSDT's mark file named ETHUSDT-1h.csv charged ETH positions at twenty times their
 * price); fewer: said in the returned note, and used as given. Null when they agree.
 */
export function checkMarks(id: string, candles: CandleSeries, f: FundingRates, marks: Float64Array, file: string): string | null {
  const opens = opensAt(candles, f.time);
  const start = candles.time[0]!;
  let compared = 0;
  let apart = 0;
  let first = -1;
  for (let k = 0; k < marks.length; k++) {
    const mark = marks[k]!;
    const open = opens[k]!;
    // Those within the candles, as fundingNote counts them: one at the first open is never charged.
    if (Number.isNaN(mark) || Number.isNaN(open) || !(f.time[k]! > start)) continue;
    compared++;
    if (Math.abs(mark - open) <= MARK_APART * open) continue;
    if (apart++ === 0) first = k;
  }
  if (apart === 0) return null;
  const what = `${apart} of the ${compared} settlements with a mark kline and a candle opening at them have a mark price more than ${MARK_APART * 100} % from the candle open (the first at ${isoOf(f.time[first]!)}: mark ${marks[first]} against ${opens[first]})`;
  if (apart > compared / 100) throw new CliError(`--mark for ${id}: ${file}: ${what}: is it another symbol's mark prices? Funding would be charged on their price`);
  return `${id}: --mark ${file}: ${what}: used as given`;
}

/**
 * What `--funding` covers for one symbol: how many settlements fall within its candles, and the
 * stretches of candles its rates do not reach, at either end or in a gap (no funding is charged there:
 * said, never assumed 0 silently).
 */
export function fundingNote(id: string, candles: CandleSeries, f: FundingRates | undefined, marks: Float64Array | undefined): string {
  if (f === undefined) return `${id}: no --funding file for it: its trades pay no funding`;
  const first = candles.time[0]!;
  const end = candles.time[candles.length - 1]! + candles.timeframeMs;
  let inside = 0;
  let unmarked = 0;
  for (let k = 0; k < f.time.length; k++) {
    const t = f.time[k]!;
    if (!(t > first && t < end)) continue;
    inside++;
    if (marks !== undefined && Number.isNaN(marks[k]!)) unmarked++;
  }
  const price = marks === undefined ? 'at the candle open (no --mark)' : unmarked === 0 ? 'at the mark price' : `at the mark price; ${unmarked} of them have no mark candle opening at their time and use the candle open`;
  const from = f.time[0]!;
  const to = f.time[f.time.length - 1]!;
  const gaps: string[] = [];
  // A row's funding_interval_hours is the time since the settlement before it: rates starting after
  // the first candle open miss one only when that earlier settlement falls inside the candles (one at
  // the first open is never charged: nothing is open yet).
  if (from - f.intervalHours[0]! * HOUR_MS > first) gaps.push(`before ${isoOf(from)}`);
  // The rates reach on to the next settlement their last row announces (its funding_interval_hours):
  // monthly archives end at the month's last settlement (16:00), and one due at the candles' end is
  // not charged, so they cover candles ending with the month.
  if (to + f.intervalHours[f.intervalHours.length - 1]! * HOUR_MS < end) gaps.push(`after ${isoOf(to)}`);
  // A hole inside the rates (a month's file missing from a directory): two rows further apart than the
  // interval of either (a row's funding_interval_hours is the one ending at it, and Binance's switch to a
  // shorter one tags the first row of the new interval) while a settlement would fall within the candles.
  let holes = 0;
  let firstHole = '';
  for (let k = 1; k < f.time.length; k++) {
    const limit = Math.max(f.intervalHours[k - 1]!, f.intervalHours[k]!) * HOUR_MS;
    const a = f.time[k - 1]!;
    const b = f.time[k]!;
    if (b - a <= limit || a + limit >= end || b - limit <= first) continue;
    if (holes++ === 0) firstHole = `from ${isoOf(a)} to ${isoOf(b)}`;
  }
  const holeText = holes === 0 ? '' : `; ${holes} gap${holes === 1 ? '' : 's'} in the rates (the first ${firstHole}), where nothing is charged`;
  return `${id}: ${inside} funding settlements within the candles (${f.source}), charged ${price}${gaps.length ? `; the rates do not cover all the candles, so nothing is charged ${gaps.join(' or ')}` : ''}${holeText}`;
}
