import type { LedgerPosition } from './orders.ts';
import { type MatchRules, priceOf, qtyOf } from './rules.ts';

export interface TradeResult {
  readonly realizedPnl: number;
  readonly positionAfterSteps: number;
}

/**
 * The futures wallet in one asset and the one-way positions, with their leverage (default 20× cross,
 * as Binance). Fills move them; realised PnL and fees go to the wallet.
 */
export class Ledger {
  readonly positions = new Map<string, LedgerPosition>();
  private readonly leverages = new Map<string, number>();
  private readonly marginTypes = new Map<string, 'CROSSED' | 'ISOLATED'>();

  constructor(
    public wallet: number,
    readonly asset = 'USDT',
  ) {}

  position(symbol: string): LedgerPosition {
    let p = this.positions.get(symbol);
    if (!p) {
      p = { symbol, amtSteps: 0, entryPrice: 0, leverage: this.leverage(symbol), marginType: this.marginType(symbol), updateTime: 0 };
      this.positions.set(symbol, p);
    }
    return p;
  }

  leverage(symbol: string): number {
    return this.leverages.get(symbol) ?? 20;
  }

  setLeverage(symbol: string, leverage: number): void {
    this.leverages.set(symbol, leverage);
    const p = this.positions.get(symbol);
    if (p) p.leverage = leverage;
  }

  marginType(symbol: string): 'CROSSED' | 'ISOLATED' {
    return this.marginTypes.get(symbol) ?? 'CROSSED';
  }

  setMarginType(symbol: string, t: 'CROSSED' | 'ISOLATED'): void {
    this.marginTypes.set(symbol, t);
    const p = this.positions.get(symbol);
    if (p) p.marginType = t;
  }

  /**
   * Applies a fill to the position: same direction averages the entry, opposite direction realises
   * PnL on the closed part (and a flip opens the rest at the fill price). Fee and PnL go to the wallet.
   */
  trade(r: MatchRules, signedSteps: number, priceTicks: number, fee: number, timeMs: number): TradeResult {
    const p = this.position(r.symbol);
    const price = priceOf(priceTicks, r);
    const before = p.amtSteps;
    const after = before + signedSteps;
    let realized = 0;
    if (before === 0 || Math.sign(before) === Math.sign(signedSteps)) {
      const oldQty = qtyOf(Math.abs(before), r);
      const addQty = qtyOf(Math.abs(signedSteps), r);
      p.entryPrice = (oldQty * p.entryPrice + addQty * price) / (oldQty + addQty);
    } else {
      const closedSteps = Math.min(Math.abs(before), Math.abs(signedSteps));
      realized = (price - p.entryPrice) * qtyOf(closedSteps, r) * Math.sign(before);
      if (after === 0) p.entryPrice = 0;
      else if (Math.sign(after) !== Math.sign(before)) p.entryPrice = price;
    }
    p.amtSteps = after;
    p.updateTime = timeMs;
    this.wallet += realized - fee;
    return { realizedPnl: realized, positionAfterSteps: after };
  }

  unrealized(r: MatchRules, markTicks: number): number {
    const p = this.positions.get(r.symbol);
    if (!p || p.amtSteps === 0) return 0;
    return (priceOf(markTicks, r) - p.entryPrice) * qtyOf(p.amtSteps, r);
  }

  /** Initial margin of the position at the mark price. */
  positionMargin(r: MatchRules, markTicks: number): number {
    const p = this.positions.get(r.symbol);
    if (!p || p.amtSteps === 0) return 0;
    return (Math.abs(qtyOf(p.amtSteps, r)) * priceOf(markTicks, r)) / p.leverage;
  }

  /** What can be saved and restored: positions, wallet, leverage and margin type per symbol. */
  snapshot(): LedgerSnapshot {
    return {
      wallet: this.wallet,
      positions: [...this.positions.values()].map((p) => ({ ...p })),
      leverage: Object.fromEntries(this.leverages),
      marginType: Object.fromEntries(this.marginTypes),
    };
  }

  restore(s: LedgerSnapshot): void {
    this.wallet = s.wallet;
    this.positions.clear();
    for (const p of s.positions) this.positions.set(p.symbol, { ...p });
    this.leverages.clear();
    for (const [k, v] of Object.entries(s.leverage)) this.leverages.set(k, v);
    this.marginTypes.clear();
    for (const [k, v] of Object.entries(s.marginType)) this.marginTypes.set(k, v);
  }
}

export interface LedgerSnapshot {
  readonly wallet: number;
  readonly positions: readonly LedgerPosition[];
  readonly leverage: Readonly<Record<string, number>>;
  readonly marginType: Readonly<Record<string, 'CROSSED' | 'ISOLATED'>>;
}
