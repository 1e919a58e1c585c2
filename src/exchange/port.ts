import type { MarketRules } from '../core/market/market-rules.ts';
import type { Side, Steps, Ticks } from '../core/units.ts';

/**
 * The one interface the bot trades through (ccxt vocabulary at the edge, STYLE §5). Quantities are
 * steps and prices ticks of the symbol; adapters convert to the exchange's strings exactly.
 */
export type OrderSide = 'buy' | 'sell';
export type OrderType = 'market' | 'limit' | 'stop_market';
export type OrderStatus = 'open' | 'filled' | 'canceled' | 'rejected' | 'expired';

export interface OrderRequest {
  /** Exchange id, e.g. BTCUSDT. */
  readonly symbol: string;
  readonly side: OrderSide;
  readonly type: OrderType;
  /** Omitted for a `closePosition` stop (it closes whatever is open). */
  readonly amountSteps?: Steps;
  /** Limit price. */
  readonly priceTicks?: Ticks;
  /** Trigger price of a stop. */
  readonly stopPriceTicks?: Ticks;
  readonly reduceOnly: boolean;
  readonly closePosition?: boolean;
  /**
   * A stop protecting the whole position (reduce-only, `amountSteps` = what is held now). The adapter
   * sends it in the venue's best form: Binance's closePosition stop where one per direction is free
   * (-4130 otherwise), else a reduce-only stop of `amountSteps`. Venue quirks stay in the adapter.
   */
  readonly protective?: boolean;
  /** Deterministic (`<position>-tp1`): the key that makes a retry safe (R1.4, R6.3). */
  readonly clientOrderId: string;
}

export interface OrderState {
  readonly clientOrderId: string;
  readonly orderId: string;
  readonly symbol: string;
  readonly side: OrderSide;
  readonly type: OrderType;
  readonly status: OrderStatus;
  /** Ordered quantity; 0 for a closePosition stop. */
  readonly amountSteps: Steps;
  readonly filledSteps: Steps;
  /** Average fill price; null before any fill. */
  readonly averagePrice: number | null;
  readonly reduceOnly: boolean;
  readonly closePosition: boolean;
  readonly stopPriceTicks: Ticks | null;
  readonly timeMs: number;
  /**
   * A stop the exchange has triggered whose order has filled nothing yet (Binance's algo status
   * TRIGGERING, or TRIGGERED with nothing filled): open, but no longer a stop waiting for its price.
   */
  readonly triggered?: true;
}

/** One execution (a Binance user trade), the unit the core books (R3.5). */
export interface Trade {
  readonly tradeId: string;
  readonly orderId: string;
  readonly clientOrderId: string;
  readonly symbol: string;
  readonly side: OrderSide;
  readonly qtySteps: Steps;
  readonly price: number;
  /** Fee in the quote currency (converted at the asset's price when charged in another one, e.g. BNB). */
  readonly fee: number;
  /** The currency the fee was charged in (BNB with the discount on), when the exchange says. */
  readonly feeAsset?: string;
  /** The fee as charged, in `feeAsset`. */
  readonly feeAmount?: number;
  readonly timeMs: number;
  /**
   * Its order could not be identified (the exchange no longer finds it: Binance drops old orders):
   * `clientOrderId` is '' and the trade is taken as not ours (a change outside the bot, at its own
   * price and quantity), never an error that stops the loop.
   */
  readonly orderUnknown?: true;
}

/** A funding settlement charged to (negative) or paid to (positive) the account's position in a symbol. */
export interface FundingPayment {
  /** The exchange's id of the record (Binance: the income's tranId). */
  readonly id: string;
  /** The settlement's time, on the exchange's clock. */
  readonly timeMs: number;
  /** In the market's quote (settle) asset: negative when the position paid. */
  readonly amount: number;
}

/** A perpetual's funding settlement (public data): its time, rate and the mark price it was charged at. */
export interface FundingRate {
  readonly timeMs: number;
  /** A fraction (0.0001 = 0.01 %): a long pays quantity × mark price × rate, a short receives it. */
  readonly rate: number;
  /** null when the exchange's record carries none (Binance's older ones). */
  readonly markPrice: number | null;
}

export interface PositionInfo {
  readonly symbol: string;
  /** null when flat. */
  readonly side: Side | null;
  readonly qtySteps: Steps;
  readonly entryPrice: number;
}

export interface Balance {
  readonly total: number;
  readonly free: number;
}

export interface ClosedCandle {
  readonly symbol: string;
  readonly openTimeMs: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
}

export type MarginMode = 'isolated' | 'cross';

/** The account-wide settings the bot depends on (Binance keeps them per account, not per symbol). */
export interface AccountModes {
  /** Hedge mode (Binance `dualSidePosition`): the bot trades one-way positions only. */
  readonly hedgeMode: boolean;
  /** Multi-Assets margin mode: cross margin over several assets, which the bot does not account for. */
  readonly multiAssets: boolean;
}

/** What a margin mode change did: `blocked` when a position or an order on the symbol forbids it. */
export type MarginModeChange = 'changed' | 'unchanged' | 'blocked';

/** The recvWindow assumed of an exchange port that does not give its own (ccxt's binance default, 10 s). */
export const DEFAULT_REQUEST_WINDOW_MS = 10_000;

export interface ExchangePort {
  readonly name: string;
  /**
   * Optional: how long after it was signed an order request may still be executed by the exchange
   * (Binance: the recvWindow the request carries; it also accepts timestamps up to 1 s ahead of its
   * clock). Until then a request whose answer was lost may still arrive: "no such order" is not final.
   * Absent: DEFAULT_REQUEST_WINDOW_MS.
   */
  readonly recvWindowMs?: number;
  /**
   * The markets' rules, by exchange id. With `only` (exchange ids or ccxt symbols), the caller needs
   * those only and the adapter may leave the others out: the bot's start asks for its symbols', where
   * turning every Binance market into rules (zod-checked, exact decimals) cost ~0.1 s of CPU on the
   * start's path.
   */
  markets(only?: readonly string[]): Promise<ReadonlyMap<string, MarketRules>>;
  setLeverage(symbol: string, leverage: number): Promise<void>;
  /** Wallet balance of `asset`: the market's settle asset (USDT for BTC/USDT:USDT, USDC for …/USDC:USDC); default USDT. */
  balance(asset?: string): Promise<Balance>;
  position(symbol: string): Promise<PositionInfo>;
  /**
   * Optional: the exchange ids of every symbol where the account holds a position, whatever the config
   * trades (the kill switch flattens them all). Absent: only the configured symbols are known.
   */
  openPositionSymbols?(): Promise<string[]>;
  createOrder(r: OrderRequest): Promise<OrderState>;
  /** null when the exchange knows no order with this client id (Binance -2013). */
  fetchOrder(symbol: string, clientOrderId: string, kind: 'order' | 'stop'): Promise<OrderState | null>;
  /** null when there is nothing to cancel (already gone: filled, cancelled, or never placed). */
  cancelOrder(symbol: string, clientOrderId: string, kind: 'order' | 'stop'): Promise<OrderState | null>;
  openOrders(symbol: string): Promise<OrderState[]>;
  /**
   * Executions of this account on `symbol` since `sinceMs`, oldest first, with client order ids.
   * With `fromTradeId` (an exchange trade id), the executions from that trade on instead, however old
   * the trade: Binance answers a time range of at most 7 days, so a position whose last fill is older
   * than that must be read from its last trade id, or its exit is never seen.
   */
  trades(symbol: string, sinceMs: number, fromTradeId?: string): Promise<Trade[]>;
  /**
   * The funding settlements of this account's position in `symbol` at or after `sinceMs`, oldest first
   * (Binance: the FUNDING_FEE income history). A position held in one-way mode owns those of its span.
   */
  funding(symbol: string, sinceMs: number): Promise<FundingPayment[]>;
  /**
   * Optional: the perpetual's funding settlements after `sinceMs` (exclusive) up to now, oldest first:
   * paper mode charges its positions by them. Absent: paper mode charges no funding.
   */
  fundingRates?(symbol: string, sinceMs: number): Promise<FundingRate[]>;
  /**
   * Optional: the liquidation clearance fees charged on `symbol` at or after `sinceMs`, oldest first
   * (Binance: the INSURANCE_CLEAR income history; `amount` negative). Binance takes them apart from the
   * liquidation trade's commission. Absent: none are booked.
   */
  clearanceFees?(symbol: string, sinceMs: number): Promise<FundingPayment[]>;
  /** Closed candles of the timeframe, most recent last (for warm-up and polling). */
  candles(symbol: string, timeframe: string, limit: number): Promise<ClosedCandle[]>;
  /** Last (mark) price. */
  price(symbol: string): Promise<number>;
  /**
   * Optional: the last price with the exchange's time of it, on the exchange's own clock (a simulator
   * replaying history runs on its data's); `timeMs` null when the answer carries none. Paper mode
   * judges its missed candles by it. Absent: `price`.
   */
  priceAt?(symbol: string): Promise<{ readonly price: number; readonly timeMs: number | null }>;
  /**
   * Optional push channel: calls `onUpdate` for every order update of the account (Binance's user
   * data stream) until `signal` aborts, reconnecting by itself after a drop. Polling stays the source
   * of truth; updates only make the bot look sooner.
   */
  watchOrders?(onUpdate: (symbol: string, clientOrderId: string) => void, signal: AbortSignal, onError?: (e: unknown) => void): Promise<void>;
  /**
   * Optional: how long the bot should wait before its next polling round, given its own interval:
   * longer as the exchange's rate limits run out or while a 429 is in force (R6.4). Absent: `basePollMs`.
   */
  pollDelayMs?(basePollMs: number): number;
  /** Optional: the account-wide modes, checked at start (absent: nothing to check). */
  accountModes?(): Promise<AccountModes>;
  /** Optional: sets the margin mode of `symbol` (absent: the venue has a single mode). */
  setMarginMode?(symbol: string, mode: MarginMode): Promise<MarginModeChange>;
  close(): Promise<void>;
}
