import type { Result } from '../core/result.ts';
import { type MatchEvent, MatchingEngine, type MatchingOptions, type Rejection } from '../exchange/matching/index.ts';
import type { Account } from './account.ts';
import { simError } from './errors.ts';
import type { SymbolRules } from './markets.ts';
import type { NewAlgoInput, NewOrderInput } from './order-params.ts';
import type { SimAlgoOrder, SimOrder } from './orders.ts';
import type { PriceFeed, PriceWalker } from './price-feed.ts';

export type EngineOptions = MatchingOptions;
export type EngineEvent = MatchEvent;

/** A refusal of the matching engine as the Binance error the REST route answers with. */
function orThrow<T>(r: Result<T, Rejection>): T {
  if (!r.ok) throw simError(r.error.code);
  return r.value;
}

/**
 * The simulator's exchange: the shared matching engine (src/exchange/matching) on the simulator's
 * price feed and account, with the simulator's own parts: symbols it does not trade (-1121), refusals
 * thrown as Binance errors for the REST routes, and price walks that stop at every resting order.
 */
export class Engine extends MatchingEngine<SymbolRules, Account> implements PriceWalker {
  constructor(
    rules: ReadonlyMap<string, SymbolRules>,
    readonly feed: PriceFeed,
    account: Account,
    opts: EngineOptions = {},
  ) {
    super(rules, feed, account, opts);
  }

  /** Rules of a symbol the exchange trades, else -1121. */
  override rulesOf(symbol: string | undefined): SymbolRules {
    const r = symbol === undefined ? undefined : this.rules.get(symbol);
    if (!r) throw simError('-1121');
    return r;
  }

  /** `POST /fapi/v1/order`. */
  newOrder(i: NewOrderInput): SimOrder {
    if (this.rulesOf(i.symbol).status !== 'TRADING') throw simError('-1121');
    return orThrow(this.submitOrder(i));
  }

  /** `POST /fapi/v1/algoOrder`: the order waits in the Algo Service until its trigger is touched. */
  newAlgoOrder(i: NewAlgoInput): SimAlgoOrder {
    if (this.rulesOf(i.symbol).status !== 'TRADING') throw simError('-1121');
    return orThrow(this.submitAlgo(i));
  }

  cancelOrder(o: SimOrder | undefined): SimOrder {
    return orThrow(this.cancelBookOrder(o));
  }

  cancelAlgo(a: SimAlgoOrder | undefined): SimAlgoOrder {
    return orThrow(this.cancelAlgoOrder(a));
  }

  /** Last-trade prices apart from the mark (`wickLast`), per symbol, until the price moves again. */
  private readonly wicks = new Map<string, number>();

  /**
   * A trade printed at `ticks` that the mark price does not follow (a wick of the last price): the
   * tickers show it until the price moves again; fills and stop triggers (Binance's MARK_PRICE) keep the mark.
   */
  wickLast(symbol: string, ticks: number): void {
    this.wicks.set(symbol, ticks);
  }

  /** The last-trade price the tickers show: the mark, unless a wick is showing. */
  lastPrice(symbol: string): number {
    return this.wicks.get(symbol) ?? this.mark(symbol);
  }

  /** Called before every price move, with where it goes and when (funding settles there: funding.ts). */
  private readonly beforeMoves: Array<(symbol: string, toTicks: number, timeMs: number) => void> = [];

  onBeforeMove(f: (symbol: string, toTicks: number, timeMs: number) => void): void {
    this.beforeMoves.push(f);
  }

  /** Moves the price, stopping at every resting limit and trigger price crossed on the way (not on a gap). */
  walkPrice(symbol: string, to: number, timeMs: number, gap: boolean): void {
    for (const f of this.beforeMoves) f(symbol, to, timeMs);
    this.wicks.delete(symbol);
    let cur = this.feed.tape(symbol).price;
    for (let guard = 0; !gap && cur !== undefined && guard < 10_000; guard++) {
      const next = this.nextLevel(symbol, cur, to);
      if (next === undefined) break;
      this.feed.setPrice(symbol, next, timeMs);
      this.match(symbol);
      cur = next;
    }
    this.feed.setPrice(symbol, to, timeMs);
    this.match(symbol);
  }
}
