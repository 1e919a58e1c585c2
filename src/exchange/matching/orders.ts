/**
 * The matching engine's order, conditional (algo) order, fill and position records, in Binance
 * USDⓈ-M's vocabulary (the venue the engine models). Prices are integer ticks and quantities integer
 * steps of the symbol (STYLE §4); money (fees, PnL, balances) is a plain number.
 */
export type Side = 'BUY' | 'SELL';
/** Order types of the matching engine (`/fapi/v1/order`). */
export type EngineOrderType = 'LIMIT' | 'MARKET';
/** Conditional order types of the Algo Service (`/fapi/v1/algoOrder`). */
export type AlgoOrderType = 'STOP' | 'STOP_MARKET' | 'TAKE_PROFIT' | 'TAKE_PROFIT_MARKET';
export type TimeInForce = 'GTC' | 'IOC' | 'FOK' | 'GTX' | 'GTE_GTC';
export type OrderStatus = 'NEW' | 'PARTIALLY_FILLED' | 'FILLED' | 'CANCELED' | 'EXPIRED';
export type AlgoStatus = 'NEW' | 'TRIGGERING' | 'TRIGGERED' | 'FINISHED' | 'CANCELED' | 'EXPIRED' | 'REJECTED';
export type WorkingType = 'CONTRACT_PRICE' | 'MARK_PRICE';

/** A validated order for the matching engine (filters and precision already checked by the caller). */
export interface OrderInput {
  readonly symbol: string;
  readonly side: Side;
  readonly type: EngineOrderType;
  readonly timeInForce: TimeInForce;
  readonly qtySteps: number;
  /** Limit price; 0 for market orders. */
  readonly priceTicks: number;
  readonly reduceOnly: boolean;
  readonly clientOrderId?: string;
}

/** A validated conditional order (Binance's Algo Service, algoType CONDITIONAL). */
export interface AlgoInput {
  readonly symbol: string;
  readonly side: Side;
  readonly orderType: AlgoOrderType;
  /** 0 when `closePosition`. */
  readonly qtySteps: number;
  /** Limit price after the trigger (STOP, TAKE_PROFIT); 0 for the market types. */
  readonly priceTicks: number;
  readonly triggerPriceTicks: number;
  readonly timeInForce: TimeInForce;
  readonly workingType: WorkingType;
  readonly closePosition: boolean;
  readonly reduceOnly: boolean;
  readonly priceProtect: boolean;
  readonly clientAlgoId?: string;
}

export interface BookOrder {
  readonly orderId: number;
  readonly symbol: string;
  readonly clientOrderId: string;
  readonly side: Side;
  readonly type: EngineOrderType;
  /** The type the user asked for: equals `type`, or the algo type that placed this order. */
  readonly origType: EngineOrderType | AlgoOrderType;
  readonly timeInForce: TimeInForce;
  readonly qtySteps: number;
  /** Limit price; 0 for market orders. */
  readonly priceTicks: number;
  /** Trigger price of the algo order that placed it; 0 otherwise. */
  readonly stopPriceTicks: number;
  readonly reduceOnly: boolean;
  readonly closePosition: boolean;
  readonly workingType: WorkingType;
  readonly priceProtect: boolean;
  readonly time: number;
  /** The algo order this order was placed by, when triggered. */
  readonly algoId?: number;
  status: OrderStatus;
  executedSteps: number;
  /** Σ price × qty of the fills (quote currency). */
  cumQuote: number;
  updateTime: number;
}

/** A conditional order waiting in the Algo Service: the validated request, with its id and status. */
export interface AlgoOrder extends Omit<AlgoInput, 'clientAlgoId'> {
  readonly algoId: number;
  readonly clientAlgoId: string;
  readonly createTime: number;
  algoStatus: AlgoStatus;
  updateTime: number;
  triggerTime: number;
  actualOrderId?: number;
  /** Why the trigger was refused (Binance's message), when REJECTED. */
  rejectReason?: string;
}

export interface Execution {
  readonly tradeId: number;
  readonly orderId: number;
  readonly clientOrderId: string;
  readonly algoId?: number;
  readonly symbol: string;
  readonly side: Side;
  readonly priceTicks: number;
  readonly qtySteps: number;
  readonly quoteQty: number;
  readonly commission: number;
  readonly commissionAsset: string;
  readonly realizedPnl: number;
  readonly maker: boolean;
  readonly reduceOnly: boolean;
  readonly time: number;
  /** Position (signed steps) right after this fill. */
  readonly positionAfterSteps: number;
}

export interface LedgerPosition {
  readonly symbol: string;
  /** Signed: > 0 long, < 0 short (one-way mode). */
  amtSteps: number;
  /** Average entry price (number, as Binance prints it with many decimals). */
  entryPrice: number;
  leverage: number;
  marginType: 'CROSSED' | 'ISOLATED';
  updateTime: number;
}

export const isOpenOrder = (o: BookOrder): boolean => o.status === 'NEW' || o.status === 'PARTIALLY_FILLED';
export const isOpenAlgo = (a: AlgoOrder): boolean => a.algoStatus === 'NEW' || a.algoStatus === 'TRIGGERING';
export const sideSign = (s: Side): 1 | -1 => (s === 'BUY' ? 1 : -1);

/** Does a resting limit order trade at `priceTicks`? (buy: price ≤ limit; sell: price ≥ limit). Touch counts. */
export function limitTouched(o: Pick<BookOrder, 'side' | 'priceTicks'>, priceTicks: number): boolean {
  return o.side === 'BUY' ? priceTicks <= o.priceTicks : priceTicks >= o.priceTicks;
}

/**
 * Does an algo order trigger at `priceTicks`? Binance: STOP/STOP_MARKET buy when price ≥ trigger,
 * sell when price ≤ trigger; TAKE_PROFIT/TAKE_PROFIT_MARKET buy when price ≤ trigger, sell when ≥.
 */
export function algoTriggered(a: Pick<AlgoOrder, 'side' | 'orderType' | 'triggerPriceTicks'>, priceTicks: number): boolean {
  const stop = a.orderType === 'STOP' || a.orderType === 'STOP_MARKET';
  const upward = stop === (a.side === 'BUY');
  return upward ? priceTicks >= a.triggerPriceTicks : priceTicks <= a.triggerPriceTicks;
}

/** Quantity (steps) a reduce-only order on `side` may still close of the signed position `amtSteps`. */
export function reducible(side: Side, amtSteps: number): number {
  return side === 'SELL' ? Math.max(0, amtSteps) : Math.max(0, -amtSteps);
}
