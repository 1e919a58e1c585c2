import {
  type AlgoOrder, type AlgoStatus, type BookOrder, type Execution, type LedgerPosition, type MatchRules, type MatchingSnapshot,
  type OrderStatus as BookStatus, priceOf, qtyOf,
} from '../matching/index.ts';
import type { OrderStatus } from '../port.ts';
import type { PaperStateV1 } from './paper-state.ts';

/** Ids the engine gives after a migration: above any version 1 id (those counted from 1). */
const FIRST_IDS = { order: 8_100_000_001, algo: 3_000_000_001, trade: 600_000_001 };

const BOOK: Record<OrderStatus, BookStatus> = { open: 'NEW', filled: 'FILLED', canceled: 'CANCELED', expired: 'EXPIRED', rejected: 'EXPIRED' };
const ALGO: Record<OrderStatus, AlgoStatus> = { open: 'NEW', filled: 'FINISHED', canceled: 'CANCELED', expired: 'EXPIRED', rejected: 'REJECTED' };
const upper = (s: 'buy' | 'sell'): 'BUY' | 'SELL' => (s === 'buy' ? 'BUY' : 'SELL');

/**
 * A version 1 paper account (paper mode's own fill code) as matching-engine records: positions, wallet
 * and leverage; every order with its status (a filled stop gets the market order its trigger placed,
 * so its fill reads back); every trade under its own id, so `trades(fromTradeId)` goes on working.
 */
export function migratePaperV1(v1: PaperStateV1, rules: ReadonlyMap<string, MatchRules>): MatchingSnapshot {
  let nextOrder = FIRST_IDS.order;
  const orders: BookOrder[] = [];
  const algos: AlgoOrder[] = [];
  /** v1 stop id → the market order id its fills move to. */
  const actualOf = new Map<string, number>();
  for (const { request: r, state: s } of v1.orders) {
    const m = rules.get(s.symbol);
    const cumQuote = m && s.averagePrice !== null ? s.averagePrice * qtyOf(s.filledSteps, m) : 0;
    const book = (orderId: number, extra: Partial<BookOrder>): BookOrder => ({
      orderId, symbol: s.symbol, clientOrderId: s.clientOrderId, side: upper(s.side), type: s.type === 'limit' ? 'LIMIT' : 'MARKET', origType: s.type === 'limit' ? 'LIMIT' : 'MARKET',
      timeInForce: 'GTC', qtySteps: s.amountSteps, priceTicks: r.priceTicks ?? 0, stopPriceTicks: 0, reduceOnly: s.reduceOnly, closePosition: false,
      workingType: 'CONTRACT_PRICE', priceProtect: false, time: s.timeMs, status: s.status === 'open' && s.filledSteps > 0 ? 'PARTIALLY_FILLED' : BOOK[s.status],
      executedSteps: s.filledSteps, cumQuote, updateTime: s.timeMs, ...extra,
    });
    if (s.type !== 'stop_market') {
      orders.push(book(Number(s.orderId), {}));
      continue;
    }
    const algoId = Number(s.orderId);
    let actualOrderId: number | undefined;
    if (s.filledSteps > 0) {
      actualOrderId = nextOrder++;
      actualOf.set(s.orderId, actualOrderId);
      orders.push(book(actualOrderId, {
        type: 'MARKET', origType: 'STOP_MARKET', qtySteps: s.closePosition ? s.filledSteps : s.amountSteps, stopPriceTicks: s.stopPriceTicks ?? 0,
        reduceOnly: true, closePosition: s.closePosition, algoId, status: s.status === 'filled' ? 'FILLED' : 'EXPIRED',
      }));
    }
    algos.push({
      algoId, clientAlgoId: s.clientOrderId, symbol: s.symbol, side: upper(s.side), orderType: 'STOP_MARKET', qtySteps: s.amountSteps, priceTicks: 0,
      triggerPriceTicks: s.stopPriceTicks ?? 0, timeInForce: s.closePosition ? 'GTE_GTC' : 'GTC', workingType: 'MARK_PRICE', closePosition: s.closePosition,
      reduceOnly: s.closePosition ? false : s.reduceOnly, priceProtect: false, createTime: s.timeMs, algoStatus: s.filledSteps > 0 ? 'FINISHED' : ALGO[s.status],
      updateTime: s.timeMs, triggerTime: s.filledSteps > 0 ? s.timeMs : 0, ...(actualOrderId === undefined ? {} : { actualOrderId }),
    });
  }
  const fills: Execution[] = v1.trades.map((t) => {
    const m = rules.get(t.symbol);
    const priceTicks = m ? Math.round(t.price / priceOf(1, m)) : 0;
    const quoteQty = m ? t.price * qtyOf(t.qtySteps, m) : 0;
    return {
      tradeId: Number(t.tradeId), orderId: actualOf.get(t.orderId) ?? Number(t.orderId), clientOrderId: t.clientOrderId, symbol: t.symbol, side: upper(t.side),
      priceTicks, qtySteps: t.qtySteps, quoteQty, commission: t.fee, commissionAsset: 'USDT', realizedPnl: 0, maker: false, reduceOnly: false, time: t.timeMs,
      positionAfterSteps: 0,
    };
  });
  const positions: LedgerPosition[] = Object.entries(v1.positions).map(([symbol, p]) => ({
    symbol, amtSteps: p.steps, entryPrice: p.entryPrice, leverage: v1.leverage[symbol] ?? 20, marginType: 'CROSSED', updateTime: 0,
  }));
  return {
    orders, algos, fills,
    ledger: { wallet: v1.wallet, positions, leverage: { ...v1.leverage }, marginType: {} },
    nextIds: { order: Math.max(nextOrder, FIRST_IDS.order), algo: FIRST_IDS.algo, trade: Math.max(FIRST_IDS.trade, v1.nextTradeId) },
  };
}
