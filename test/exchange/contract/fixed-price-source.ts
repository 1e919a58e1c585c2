import { existsSync, readFileSync } from 'node:fs';
import { marketsFromExchangeInfo } from '../../../src/core/market/index.ts';
import type { MarketRules } from '../../../src/core/market/market-rules.ts';
import type { Balance, ClosedCandle, ExchangePort, FundingPayment, FundingRate, OrderState, PositionInfo, Trade } from '../../../src/exchange/port.ts';
import { DEFAULT_MARKETS_FILES } from '../../../src/sim/markets.ts';

/**
 * An in-process public-data source for paper mode: the simulator's exchange information (the same
 * rules the simulator enforces) and one settable price per symbol. No account: paper keeps its own.
 */
export class FixedPriceSource implements ExchangePort {
  readonly name = 'fixed';
  private readonly prices = new Map<string, number>();
  private readonly rates = new Map<string, FundingRate[]>();
  private readonly rules: ReadonlyMap<string, MarketRules>;

  constructor(prices: Record<string, number>) {
    for (const [s, p] of Object.entries(prices)) this.prices.set(s, p);
    const file = DEFAULT_MARKETS_FILES.find((f) => existsSync(f))!;
    const r = marketsFromExchangeInfo(JSON.parse(readFileSync(file, 'utf8')));
    if (!r.ok) throw new Error(r.error.join('\n'));
    this.rules = r.value;
  }

  setPrice(symbol: string, price: number): void {
    this.prices.set(symbol, price);
  }

  /** The symbol's funding settlements (none until set); `reads` counts the calls. */
  setFundingRates(symbol: string, rates: FundingRate[]): void {
    this.rates.set(symbol, rates);
  }

  fundingReads = 0;

  async fundingRates(symbol: string, sinceMs: number): Promise<FundingRate[]> {
    this.fundingReads++;
    return (this.rates.get(symbol) ?? []).filter((r) => r.timeMs > sinceMs);
  }

  async markets(): Promise<ReadonlyMap<string, MarketRules>> {
    return this.rules;
  }

  async price(symbol: string): Promise<number> {
    const p = this.prices.get(symbol);
    if (p === undefined) throw new Error(`no price for ${symbol}`);
    return p;
  }

  /** Flat hourly candles at the current price, the last one closed an hour ago. */
  async candles(symbol: string, _timeframe: string, limit: number): Promise<ClosedCandle[]> {
    const p = await this.price(symbol);
    const last = Math.floor(Date.UTC(2026, 0, 1) / HOUR) * HOUR;
    return Array.from({ length: limit }, (_, i) => ({ symbol, openTimeMs: last - (limit - 1 - i) * HOUR, open: p, high: p, low: p, close: p, volume: 1 }));
  }

  async close(): Promise<void> {}

  // A public source has no account.
  setLeverage(): Promise<void> { return noAccount(); }
  balance(): Promise<Balance> { return noAccount(); }
  position(): Promise<PositionInfo> { return noAccount(); }
  createOrder(): Promise<OrderState> { return noAccount(); }
  fetchOrder(): Promise<OrderState | null> { return noAccount(); }
  cancelOrder(): Promise<OrderState | null> { return noAccount(); }
  openOrders(): Promise<OrderState[]> { return noAccount(); }
  trades(): Promise<Trade[]> { return noAccount(); }
  funding(): Promise<FundingPayment[]> { return noAccount(); }
}

const HOUR = 3_600_000;
const noAccount = (): Promise<never> => Promise.reject(new Error('a public price source has no account'));
