import { type SymbolRules, priceNum, qtyNum } from './markets.ts';
import type { SimPosition } from './orders.ts';

/** One notional bracket (Binance `leverageBracket` shape). */
export interface Bracket {
  readonly bracket: number;
  readonly initialLeverage: number;
  readonly notionalCap: number;
  readonly notionalFloor: number;
  readonly maintMarginRatio: number;
  readonly cum: number;
}

/**
 * Leverage brackets. Binance's real tables differ per symbol and change often; the simulator uses one
 * plausible table (125× for BTC/ETH, 75× otherwise at the first tier) so margin, maintenance and
 * `setLeverage` limits behave sensibly. `cum` follows Binance's definition (maintenance amount).
 */
export function bracketsFor(symbol: string): Bracket[] {
  const top = symbol === 'BTCUSDT' || symbol === 'ETHUSDT' ? 125 : 75;
  const tiers: Array<[number, number, number]> = [
    [top, 50_000, 0.004],
    [Math.round(top * 0.8), 250_000, 0.005],
    [Math.round(top * 0.4), 1_000_000, 0.01],
    [Math.max(1, Math.round(top * 0.16)), 10_000_000, 0.025],
    [Math.max(1, Math.round(top * 0.08)), 50_000_000, 0.05],
    [Math.max(1, Math.round(top * 0.04)), 100_000_000, 0.1],
    [2, 200_000_000, 0.25],
    [1, 500_000_000, 0.5],
  ];
  const out: Bracket[] = [];
  let floor = 0;
  let cum = 0;
  let prevMmr = 0;
  tiers.forEach(([lev, cap, mmr], i) => {
    cum += floor * (mmr - prevMmr);
    out.push({ bracket: i + 1, initialLeverage: lev, notionalCap: cap, notionalFloor: floor, maintMarginRatio: mmr, cum });
    floor = cap;
    prevMmr = mmr;
  });
  return out;
}

export const maxLeverage = (symbol: string): number => bracketsFor(symbol)[0]!.initialLeverage;

/** The largest notional allowed at `leverage` (Binance `maxNotionalValue`). */
export function maxNotionalAt(symbol: string, leverage: number): number {
  const ok = bracketsFor(symbol).filter((b) => b.initialLeverage >= leverage);
  return ok[ok.length - 1]?.notionalCap ?? 0;
}

/** Maintenance margin rate of a notional. */
export function maintRate(symbol: string, notional: number): number {
  const b = bracketsFor(symbol).find((x) => notional <= x.notionalCap);
  return b?.maintMarginRatio ?? 0.5;
}

export interface TradeResult {
  readonly realizedPnl: number;
  readonly positionAfterSteps: number;
}

/** The futures wallet in one asset (USDT) and the one-way positions. Default leverage 20× cross, as Binance. */
export class Account {
  readonly positions = new Map<string, SimPosition>();
  private readonly leverages = new Map<string, number>();
  private readonly marginTypes = new Map<string, 'CROSSED' | 'ISOLATED'>();

  constructor(
    public wallet: number,
    readonly asset = 'USDT',
  ) {}

  position(symbol: string): SimPosition {
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
  trade(r: SymbolRules, signedSteps: number, priceTicks: number, fee: number, timeMs: number): TradeResult {
    const p = this.position(r.symbol);
    const price = priceNum(priceTicks, r);
    const before = p.amtSteps;
    const after = before + signedSteps;
    let realized = 0;
    if (before === 0 || Math.sign(before) === Math.sign(signedSteps)) {
      const oldQty = qtyNum(Math.abs(before), r);
      const addQty = qtyNum(Math.abs(signedSteps), r);
      p.entryPrice = (oldQty * p.entryPrice + addQty * price) / (oldQty + addQty);
    } else {
      const closedSteps = Math.min(Math.abs(before), Math.abs(signedSteps));
      realized = (price - p.entryPrice) * qtyNum(closedSteps, r) * Math.sign(before);
      if (after === 0) p.entryPrice = 0;
      else if (Math.sign(after) !== Math.sign(before)) p.entryPrice = price;
    }
    p.amtSteps = after;
    p.updateTime = timeMs;
    this.wallet += realized - fee;
    return { realizedPnl: realized, positionAfterSteps: after };
  }

  unrealized(r: SymbolRules, markTicks: number): number {
    const p = this.positions.get(r.symbol);
    if (!p || p.amtSteps === 0) return 0;
    return (priceNum(markTicks, r) - p.entryPrice) * qtyNum(p.amtSteps, r);
  }

  /** Initial margin of the position at the mark price. */
  positionMargin(r: SymbolRules, markTicks: number): number {
    const p = this.positions.get(r.symbol);
    if (!p || p.amtSteps === 0) return 0;
    return (Math.abs(qtyNum(p.amtSteps, r)) * priceNum(markTicks, r)) / p.leverage;
  }

  /** A rough liquidation price (isolated formula on the position alone); 0 when flat. */
  liquidationPrice(r: SymbolRules): number {
    const p = this.positions.get(r.symbol);
    if (!p || p.amtSteps === 0) return 0;
    const notional = Math.abs(qtyNum(p.amtSteps, r)) * p.entryPrice;
    const mmr = maintRate(r.symbol, notional);
    const liq = p.amtSteps > 0 ? p.entryPrice * (1 - 1 / p.leverage + mmr) : p.entryPrice * (1 + 1 / p.leverage - mmr);
    return Math.max(0, liq);
  }
}
