import type { BacktestOptions, EntrySignal, SettlementPrices, SymbolInput } from '../backtest/engine.ts';
import type { MarketRules } from '../core/market/market-rules.ts';
import { type CandleSeries, lowerBoundTime, sliceByTime } from '../data/candle-series.ts';

/** One symbol with its entry signals read once: every candidate replays its exits on them. */
export interface PreparedSymbol {
  readonly symbol: string;
  readonly candles: CandleSeries;
  readonly detail?: CandleSeries;
  readonly market: MarketRules;
  /** `signals[i]`: the entry signal at the open of candle i, or null (the strategy's `entryAt(i)`). */
  readonly signals: readonly (EntrySignal | null)[];
  /** Its funding settlements (`--funding`, with `--mark` prices), charged as `runBacktest` charges them; absent: not modelled. */
  readonly funding?: SettlementPrices;
}

/** Does any symbol pay funding (`--funding`)? */
export const fundingModelled = (ds: Dataset): boolean => ds.symbols.some((s) => s.funding !== undefined);

/**
 * Does a symbol pay funding inside its `--detail` candles (charged at the detail candle opening at the
 * settlement, on what the detail path left)? The replay does not follow that: such a dataset is run in full.
 */
export const fundingInsideDetail = (ds: Pick<Dataset, 'symbols'>): boolean => ds.symbols.some((s) => s.funding !== undefined && s.detail !== undefined);

/**
 * Does every entry carry a stop of its own (ema_cross's atr_stop_mult, a signals file's stop_loss_pct
 * column, a module's stopLossPct)? Then a ladder's stop_loss_pct changes no trade. False without entries.
 */
export function everyEntryHasItsOwnStop(ds: Pick<Dataset, 'symbols'>): boolean {
  let any = false;
  for (const s of ds.symbols) {
    for (const sig of s.signals) {
      if (sig === null) continue;
      if (sig.stopLossPct === undefined) return false;
      any = true;
    }
  }
  return any;
}

/**
 * What a worker needs to evaluate candidates: candles, markets, signals and the backtest options
 * without the exit settings. Plain data (typed arrays, objects, bigints), so it crosses to a worker
 * thread by structured clone.
 */
export interface Dataset {
  readonly symbols: readonly PreparedSymbol[];
  readonly options: Omit<BacktestOptions, 'settings'>;
}

/** Own, compact arrays: a view over a larger buffer would clone the whole buffer to every worker. */
function ownSeries(s: CandleSeries): CandleSeries {
  return { ...s, time: s.time.slice(), open: s.open.slice(), high: s.high.slice(), low: s.low.slice(), close: s.close.slice(), volume: s.volume.slice(), gaps: [...s.gaps] };
}

/** Own arrays too (the rates are read once for the whole file, the same reason as ownSeries). */
function ownSettlements(f: SettlementPrices): SettlementPrices {
  return { time: f.time.slice(), rate: f.rate.slice(), ...(f.price ? { price: f.price.slice() } : {}) };
}

/**
 * Reads every symbol's entry signals once. The strategy's signals are a function of the candles
 * only (`entryAt(i)` reads candles before i), so they are the same for every exit policy; which of
 * them become trades still depends on the exits (a signal while a position is open is not an entry),
 * and that is decided by the engine in every candidate's replay.
 */
export function prepareDataset(symbols: readonly SymbolInput[], options: BacktestOptions): Dataset {
  const { settings: _settings, ...rest } = options;
  return {
    options: rest,
    symbols: symbols.map((s) => {
      const signals: (EntrySignal | null)[] = new Array<EntrySignal | null>(s.candles.length);
      for (let i = 0; i < s.candles.length; i++) {
        const sig = s.entryAt(i);
        signals[i] = sig === null ? null : { side: sig.side, timeMs: sig.timeMs, ...(sig.stopLossPct === undefined ? {} : { stopLossPct: sig.stopLossPct }) };
      }
      return { symbol: s.symbol, candles: ownSeries(s.candles), ...(s.detail ? { detail: ownSeries(s.detail) } : {}), ...(s.funding ? { funding: ownSettlements(s.funding) } : {}), market: s.market, signals };
    }),
  };
}

/**
 * The backtest inputs of a time window [fromMs, toMs): candles sliced (views, no copy) and the
 * signals of the full series, so indicators are warm at the window's first candle as they are for
 * a trader whose bot has been running. A symbol without candles in the window is left out.
 */
export function windowInputs(ds: Dataset, fromMs: number, toMs: number): SymbolInput[] {
  const out: SymbolInput[] = [];
  for (const s of ds.symbols) {
    const a = lowerBoundTime(s.candles.time, fromMs);
    const candles = sliceByTime(s.candles, fromMs, toMs);
    if (candles.length === 0) continue;
    const signals = s.signals;
    out.push({
      symbol: s.symbol,
      candles,
      market: s.market,
      entryAt: (i) => signals[a + i] ?? null,
      ...(s.detail ? { detail: sliceByTime(s.detail, fromMs, toMs) } : {}),
      // Whole: the engine charges only settlements inside the candles it walks, while a position is open.
      ...(s.funding ? { funding: s.funding } : {}),
    });
  }
  return out;
}
