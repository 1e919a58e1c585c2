import type { Engine } from './engine.ts';
import { priceNum, qtyNum } from './markets.ts';

/**
 * Binance's liquidation clearance fee (assumed: BTCUSDT's `liquidationFee` in the live exchangeInfo,
 * 0.0125; the simulator's exchangeInfo excerpt has none): a share of the liquidated notional, charged to
 * the wallet apart from the trade's commission and listed in the income history as `INSURANCE_CLEAR`.
 */
export const DEFAULT_LIQUIDATION_FEE_RATE = 0.0125;

/** One clearance fee charged (an `INSURANCE_CLEAR` income record, negative). */
export interface ClearanceCharge {
  readonly symbol: string;
  readonly amount: number;
  readonly timeMs: number;
  /** Unique among income records: ends in 4 (fills' records end in 1 and 2, funding's in 3). */
  readonly tranId: number;
}

/** The clearance fees the simulator's liquidations charged (POST /_sim/liquidate). */
export class Clearances {
  readonly charges: ClearanceCharge[] = [];

  constructor(private readonly engine: Engine) {}

  /** Charges `rate` × the notional of `qtySteps` at `priceTicks` to the wallet and records it. */
  charge(symbol: string, qtySteps: number, priceTicks: number, rate: number, timeMs: number): ClearanceCharge {
    const r = this.engine.rulesOf(symbol);
    const amount = -(Math.round(qtyNum(qtySteps, r) * priceNum(priceTicks, r) * rate * 1e8) / 1e8);
    this.engine.account.wallet += amount;
    const c: ClearanceCharge = { symbol: r.symbol, amount, timeMs, tranId: (this.charges.length + 1) * 10 + 4 };
    this.charges.push(c);
    return c;
  }
}
