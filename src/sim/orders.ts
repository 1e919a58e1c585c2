/** The simulator's records are the matching engine's (src/exchange/matching), under the simulator's names. */
export type {
  AlgoOrderType, AlgoStatus, EngineOrderType, OrderStatus, Side, TimeInForce, WorkingType,
  AlgoOrder as SimAlgoOrder, BookOrder as SimOrder, Execution as SimFill, LedgerPosition as SimPosition,
} from '../exchange/matching/index.ts';
export { algoTriggered, isOpenAlgo, isOpenOrder, limitTouched, reducible, sideSign } from '../exchange/matching/index.ts';
