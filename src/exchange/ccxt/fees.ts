import type { BudgetClock } from './weight-budget.ts';
import { realClock } from './weight-budget.ts';

/**
 * Trade fees in the symbol's quote (settle) currency (issue 12 item 6). Binance charges the fee in
 * BNB when the BNB discount is on, and in the margin asset otherwise; the bot books money in the
 * quote currency, so a fee in another asset is converted at that asset's current price. Prices are
 * cached for `ttlMs` (one ticker read per asset per minute, not one per trade).
 */

/** Price of one `base` in `quote` from a market `base/quote`; null when there is no such market. */
export type MarketPrice = (base: string, quote: string) => Promise<number | null>;

export interface ConvertedFee {
  /** In the quote currency; 0 when no market converts the fee's asset (then `feeAsset`/`feeAmount` keep it). */
  readonly fee: number;
  /** The fee as charged, when the exchange named its currency. */
  readonly feeAsset?: string;
  readonly feeAmount?: number;
}

/** Used to bridge two assets with no market between them (BNB → USDC through BNB/USDT and USDC/USDT). */
const BRIDGE = 'USDT';

export class FeeConverter {
  private readonly cache = new Map<string, { rate: number | null; atMs: number }>();

  constructor(
    private readonly marketPrice: MarketPrice,
    private readonly ttlMs = 60_000,
    private readonly clock: Pick<BudgetClock, 'nowMs'> = realClock,
  ) {}

  async toQuote(amount: number, asset: string | undefined, quote: string): Promise<ConvertedFee> {
    if (!asset) return { fee: amount };
    if (asset === quote || amount === 0) return { fee: amount, feeAsset: asset, feeAmount: amount };
    const rate = await this.rate(asset, quote);
    return { fee: rate === null ? 0 : amount * rate, feeAsset: asset, feeAmount: amount };
  }

  /** How much `quote` one `asset` is worth: a direct market, its inverse, or through USDT. */
  async rate(asset: string, quote: string): Promise<number | null> {
    if (asset === quote) return 1;
    const direct = await this.direct(asset, quote);
    if (direct !== null) return direct;
    if (asset === BRIDGE || quote === BRIDGE) return null;
    const a = await this.direct(asset, BRIDGE);
    const b = a === null ? null : await this.direct(BRIDGE, quote);
    return a !== null && b !== null ? a * b : null;
  }

  private async direct(asset: string, quote: string): Promise<number | null> {
    const key = `${asset}/${quote}`;
    const now = this.clock.nowMs();
    const hit = this.cache.get(key);
    if (hit && now - hit.atMs < this.ttlMs) return hit.rate;
    let rate = positive(await this.marketPrice(asset, quote));
    if (rate === null) {
      const inverse = positive(await this.marketPrice(quote, asset));
      rate = inverse === null ? null : 1 / inverse;
    }
    this.cache.set(key, { rate, atMs: now });
    return rate;
  }
}

const positive = (p: number | null): number | null => (p !== null && Number.isFinite(p) && p > 0 ? p : null);
