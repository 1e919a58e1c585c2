import type { LedgerSnapshot } from './ledger.ts';
import type { AlgoOrder, BookOrder, Execution } from './orders.ts';

/** The matching engine's inputs (prices, time, fees) and outputs (events, a snapshot of its records). */

/**
 * Where the engine reads the market: the current price of a symbol in ticks and the current time.
 * The simulator's price feed is one; paper mode's last polled prices are another. The engine has no
 * clock and does no I/O of its own: what it does depends only on these inputs and the calls made.
 */
export interface PriceView {
  price(symbol: string): number;
  readonly nowMs: number;
}

export interface MatchingOptions {
  /** Taker fee in percent of notional (Binance default 0.05). */
  readonly takerFeePct?: number;
  /** Maker fee in percent of notional (Binance default 0.02). */
  readonly makerFeePct?: number;
  /** Slippage of market fills in percent, against the trader (default 0). */
  readonly slippagePct?: number;
  /** Share of a triggered stop's order that fills (thin liquidity), asked at each trigger; undefined = whole. */
  readonly triggerFillRatio?: () => number | undefined;
  /** Whether an algo order being triggered gets stuck in TRIGGERING (its order not placed), asked at each trigger. */
  readonly stickTrigger?: () => boolean;
  /** Whether the algo orders stuck in TRIGGERING stay so; asked at each price match (false: they are placed now). */
  readonly holdStuckTriggers?: () => boolean;
  /** Share of what is left of a resting limit order that fills when the price reaches it (the rest keeps resting); undefined = all. */
  readonly restingFillRatio?: () => number | undefined;
}

export type MatchEvent =
  | { readonly kind: 'order'; readonly order: BookOrder; readonly execType: 'NEW' | 'TRADE' | 'CANCELED' | 'EXPIRED'; readonly fill?: Execution; readonly timeMs: number }
  | { readonly kind: 'algo'; readonly algo: AlgoOrder; readonly timeMs: number }
  | { readonly kind: 'account'; readonly symbol: string; readonly timeMs: number };

/** Everything the engine holds, as plain records (paper mode saves it as JSON). */
export interface MatchingSnapshot {
  readonly orders: readonly BookOrder[];
  readonly algos: readonly AlgoOrder[];
  readonly fills: readonly Execution[];
  readonly ledger: LedgerSnapshot;
  readonly nextIds: { readonly order: number; readonly algo: number; readonly trade: number };
}
