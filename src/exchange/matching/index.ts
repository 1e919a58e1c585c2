/** One matching engine for the simulator and paper mode (issue 12 item 5): public surface. */
export { MatchingEngine } from './matching-engine.ts';
export type { MatchEvent, MatchingOptions, MatchingSnapshot, PriceView } from './engine-types.ts';
export { Ledger, type LedgerSnapshot, type TradeResult } from './ledger.ts';
export { type MatchRules, priceOf, qtyOf } from './rules.ts';
export { REJECTIONS, type RejectCode, type Rejection, rejection } from './rejections.ts';
export {
  type AlgoInput, type AlgoOrder, type AlgoOrderType, type AlgoStatus, type BookOrder, type EngineOrderType, type Execution,
  type LedgerPosition, type OrderInput, type OrderStatus, type Side, type TimeInForce, type WorkingType,
  algoTriggered, isOpenAlgo, isOpenOrder, limitTouched, reducible, sideSign,
} from './orders.ts';
