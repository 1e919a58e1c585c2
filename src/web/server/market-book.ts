import type { Position } from '../../core/index.ts';
import type { Store } from '../../store/index.ts';
import type { SymbolInfo } from '../components/dashboard-model.ts';
import { decimalsOf } from '../components/view-model.ts';

export interface LastPrice {
  readonly price: number;
  readonly timeMs: number;
  readonly source: 'feed' | 'candle';
}

/** Decimals of an exact step text: "0.10" → 2, "1" → 0. */
const decimalsOfText = (text: string): number => {
  const dot = text.indexOf('.');
  return dot < 0 ? 0 : text.length - dot - 1;
};

/**
 * What the dashboard knows per symbol: tick and step (from the stored plans, so prices and sizes show
 * with the symbol's own decimals), the timeframe of its stored candles, and its last price — from the
 * bot's feed when one runs beside the dashboard, else the close of its last stored candle.
 */
export class MarketBook {
  private readonly steps = new Map<string, { tickSize: string; stepSize: string }>();
  private readonly timeframes = new Map<string, number>();
  private readonly feed = new Map<string, LastPrice>();
  /** Every stored series (symbol, timeframe), the coarser ones of a symbol too: the newest close may be in any. */
  private readonly series: { symbol: string; timeframeMs: number }[] = [];

  constructor(private readonly store: Store) {
    // One plan per symbol: reading every trade made a long store's dashboard slow to start (and the bot beside it).
    for (const s of store.symbolSteps()) this.steps.set(s.symbol, { tickSize: s.tickSize, stepSize: s.stepSize });
    this.refreshCandles();
  }

  learn(p: Position): void {
    if (!this.steps.has(p.symbol)) this.steps.set(p.symbol, { tickSize: p.plan.tickSize, stepSize: p.plan.stepSize });
  }

  /** Picks up symbols whose candles were stored since; the finest timeframe wins. */
  refreshCandles(): void {
    for (const s of this.store.candleSeries()) {
      if (!this.series.some((x) => x.symbol === s.symbol && x.timeframeMs === s.timeframeMs)) this.series.push({ symbol: s.symbol, timeframeMs: s.timeframeMs });
      const known = this.timeframes.get(s.symbol);
      if (known === undefined || s.timeframeMs < known) this.timeframes.set(s.symbol, s.timeframeMs);
    }
  }

  timeframeOf(symbol: string): number | null {
    return this.timeframes.get(symbol) ?? null;
  }

  get candleSymbols(): string[] {
    return [...this.timeframes.keys()];
  }

  setFeedPrice(symbol: string, price: number, timeMs: number): void {
    this.feed.set(symbol, { price, timeMs, source: 'feed' });
  }

  lastPrice(symbol: string): LastPrice | null {
    const live = this.feed.get(symbol);
    if (live) return live;
    const tf = this.timeframes.get(symbol);
    if (tf === undefined) return null;
    const [c] = this.store.candles(symbol, tf, { limit: 1, newest: true });
    return c ? { price: c.close, timeMs: c.openTimeMs + tf, source: 'candle' } : null;
  }

  /**
   * The newest close among the stored candles, every series (a store a 1m run wrote long ago and a 1h
   * run writes now: the 1h run's), with that series' timeframe; null when none is stored.
   */
  newestCandleClose(): { readonly closeMs: number; readonly timeframeMs: number } | null {
    let newest: { closeMs: number; timeframeMs: number } | null = null;
    for (const { symbol, timeframeMs: tf } of this.series) {
      const [c] = this.store.candles(symbol, tf, { limit: 1, newest: true });
      if (c && (newest === null || c.openTimeMs + tf > newest.closeMs)) newest = { closeMs: c.openTimeMs + tf, timeframeMs: tf };
    }
    return newest;
  }

  symbols(): string[] {
    return [...new Set([...this.steps.keys(), ...this.timeframes.keys(), ...this.feed.keys()])].sort();
  }

  info(symbol: string): SymbolInfo {
    const s = this.steps.get(symbol) ?? null;
    const last = this.lastPrice(symbol);
    return {
      symbol,
      tickSize: s?.tickSize ?? null,
      stepSize: s?.stepSize ?? null,
      priceDecimals: s ? decimalsOfText(s.tickSize) : last ? Math.min(8, decimalsOf(last.price)) : 2,
      qtyDecimals: s ? decimalsOfText(s.stepSize) : 3,
      timeframeMs: this.timeframeOf(symbol),
      lastPrice: last?.price ?? null,
      lastPriceTimeMs: last?.timeMs ?? null,
      priceSource: last?.source ?? null,
    };
  }

  all(): SymbolInfo[] {
    return this.symbols().map((s) => this.info(s));
  }
}
