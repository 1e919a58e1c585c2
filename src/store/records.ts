import type { DomainEvent, ExitReason, Side, Steps, StopMove, Ticks } from '../core/index.ts';
import type { OrderStatus } from './order-status.ts';

export type OrderKind = 'entry' | 'stop' | 'exit' | 'close';
/** ccxt's words at the exchange edge (STYLE §5). */
export type OrderSide = 'buy' | 'sell';
export type OrderType = 'market' | 'limit' | 'stop_market';

/** What the bot is about to send, written before it is sent (R6.3). */
export interface OrderIntent {
  /** Deterministic, from data (`<position id>-tp<k>`, `-sl<n>`, `-close`, the entry's own id). */
  readonly clientOrderId: string;
  /** The position the order belongs to; for an entry, the id the position will have. */
  readonly positionId: string;
  readonly symbol: string;
  readonly kind: OrderKind;
  /** 1-based ladder level of an exit, else null. */
  readonly level: number | null;
  readonly side: OrderSide;
  readonly type: OrderType;
  /** Quantity, steps; null exactly when `closePosition` (a stop that closes whatever is held). */
  readonly qtySteps: Steps | null;
  /** Limit price (type `limit`), ticks and its double; else null. */
  readonly priceTicks: Ticks | null;
  readonly price: number | null;
  /** Trigger price (type `stop_market`), ticks and its double; else null. */
  readonly stopTicks: Ticks | null;
  readonly stopPrice: number | null;
  /** Every order but an entry is reduce-only or closePosition (F12); never both. */
  readonly reduceOnly: boolean;
  readonly closePosition: boolean;
  /** A stop-ladder move: the stop this one replaces (cancelled once this one is open, R1.5). */
  readonly replacesClientOrderId: string | null;
  readonly createdAtMs: number;
  /** An entry's stop distance in % (the signal's own, else the config's); null for other orders. */
  readonly stopLossPct?: number | null;
  /** An entry sent while the exchange's position read showed the symbol flat (null: not read, or another order). */
  readonly sentFromFlat?: boolean | null;
}

export interface OrderError {
  /** The exchange's code (e.g. `-2019`) or the adapter's (`unknownOutcome`). */
  readonly code: string;
  readonly message: string;
}

/** An order as stored: its intent, and what is known of its fate. */
export interface OrderRecord extends OrderIntent {
  readonly status: OrderStatus;
  /** 1 for the first order with this client id; +1 each time the id is reused after it ended. */
  readonly attempt: number;
  readonly exchangeOrderId: string | null;
  /** `filled` as last reported by the exchange, steps (null until reported). */
  readonly exchangeFilledSteps: Steps | null;
  /** Σ quantity of the fills booked in this store for this client id (every attempt), steps. */
  readonly bookedSteps: Steps;
  readonly error: OrderError | null;
  readonly sentAtMs: number | null;
  readonly updatedAtMs: number;
}

export interface OrderUpdate {
  readonly exchangeOrderId?: string;
  readonly exchangeFilledSteps?: Steps;
  readonly error?: OrderError;
  /** When it happened; the store's clock when omitted. */
  readonly timeMs?: number;
}

/** Why an intent was not written: its client id is still live. Look the order up instead of sending. */
export interface IntentRefused {
  readonly code: 'in_flight' | 'already_filled';
  readonly existing: OrderRecord;
}

export type OrderUpdateRefused =
  | { readonly code: 'unknown_order'; readonly clientOrderId: string }
  | { readonly code: 'invalid_transition'; readonly from: OrderStatus; readonly to: OrderStatus; readonly existing: OrderRecord };

/** A booked execution. `role`: an entry fill (opened the position) or an exit fill (applied to it). */
export interface StoredFill {
  readonly symbol: string;
  readonly tradeId: string;
  readonly positionId: string;
  readonly role: 'entry' | 'exit';
  readonly clientOrderId: string;
  readonly orderId: string | null;
  readonly timeMs: number;
  readonly qtySteps: Steps;
  readonly price: number;
  readonly fee: number;
  readonly bookedAtMs: number;
}

export interface StoredEvent {
  /** Increasing: `events({ afterId })` reads what came since. */
  readonly id: number;
  readonly recordedAtMs: number;
  readonly event: DomainEvent;
}

/** One exit of a trade in history (R4.1, R4.5). Quantities in steps and in base units for display. */
export interface TradeExit {
  readonly reason: ExitReason;
  readonly level: number | null;
  readonly timeMs: number;
  readonly price: number;
  readonly qtySteps: Steps;
  readonly qty: number;
  readonly fee: number;
  readonly pnl: number;
  readonly clientOrderId: string;
  readonly orderId: string | null;
}

/** A trade in history: the entry with all its exits grouped (R4.5, R8.4). */
export interface TradeRecord {
  readonly positionId: string;
  readonly symbol: string;
  readonly side: Side;
  readonly status: 'open' | 'closed';
  readonly planMode: 'scaled' | 'single';
  readonly entryTimeMs: number;
  readonly entryPrice: number;
  readonly entryFee: number;
  readonly originalSteps: Steps;
  readonly remainingSteps: Steps;
  readonly originalQty: number;
  readonly remainingQty: number;
  /** Exact decimal texts of the symbol's tick and step (from the plan). */
  readonly tickSize: string;
  readonly stepSize: string;
  readonly exits: readonly TradeExit[];
  readonly levelsHit: readonly number[];
  /** Volume-weighted average exit price (R4.3); null before the first exit. */
  readonly avgExitPrice: number | null;
  /** Σ exits' pnl: realised PnL net of all fees charged so far (R4.3), plus the funding booked. */
  readonly pnl: number;
  /** The funding settlements booked on it (negative: paid); null when none was (SPEC "Fees": pnl = Σ exits' pnl + funding). */
  readonly funding: number | null;
  /** Time of the exit that closed it; null while open. */
  readonly closedAtMs: number | null;
  readonly stopMoves: readonly StopMove[];
}

export interface HistoryQuery {
  readonly symbol?: string;
  /** Entry time window, ms: fromMs ≤ entry < toMs. */
  readonly fromMs?: number;
  readonly toMs?: number;
  /** Include positions still open (default: closed trades only). */
  readonly includeOpen?: boolean;
}

/** A closed candle as stored (times ms UTC; prices and volume as the exchange reported them). */
export interface StoredCandle {
  readonly openTimeMs: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
}

/** The candles stored for one symbol and timeframe. */
export interface CandleSeriesInfo {
  readonly symbol: string;
  readonly timeframeMs: number;
  readonly count: number;
  readonly firstOpenMs: number;
  readonly lastOpenMs: number;
}

export interface CandleQuery {
  /** Open time window, ms: fromMs ≤ open < toMs. */
  readonly fromMs?: number;
  readonly toMs?: number;
  /** At most this many: the oldest of the window, or with `newest` the newest (always returned oldest first). */
  readonly limit?: number;
  readonly newest?: boolean;
}
