import { type IntrabarModel, walkCandle } from '../../core/candle-path.ts';
import { parseDec } from '../../core/decimal.ts';
import { type ExitSettings, type FillModel, type MarketRules, type Position, asSteps, closeRemainderNow, openPosition, planLadder } from '../../core/index.ts';
import type { StoredCandle } from '../../store/index.ts';

export interface SingleTpOptions {
  /** The config's exit settings; only `takeProfitPct` (and execution) matter once `scaled` is off. */
  readonly settings: ExitSettings;
  readonly fills: FillModel;
  readonly intrabar: IntrabarModel;
}

export type SingleTpOutcome =
  | {
      readonly ok: true;
      /** The trade as the single take-profit would have closed it. */
      readonly position: Position;
      /** The stored candles ended before the single TP or the stop: closed at the last close (`end`). */
      readonly closedAtEnd: boolean;
    }
  | { readonly ok: false; readonly why: 'no_candles' | 'plan_error'; readonly message: string };

/**
 * Market rules as far as a stored plan knows them: its exact tick and step. Minimums do not matter to a
 * single take-profit (it closes everything at once).
 */
function rulesOfPlan(p: Position): MarketRules {
  const one = { limit: asSteps(1), market: asSteps(1) };
  return {
    id: p.symbol,
    symbol: p.symbol,
    base: '',
    quote: '',
    tickSize: parseDec(p.plan.tickSize),
    stepSize: parseDec(p.plan.stepSize),
    minQtySteps: one,
    maxQtySteps: { limit: asSteps(Number.MAX_SAFE_INTEGER), market: asSteps(Number.MAX_SAFE_INTEGER) },
    minNotional: 0,
    minNotionalAppliesToReduceOnly: false,
  };
}

/**
 * The single take-profit outcome of a trade the bot made (R8.5 "scaled vs single on the same entries"):
 * the same entry (price, quantity, fee, initial stop) planned with `scaled: false`, then walked over the
 * stored candles with the core's `walkCandle`, the candle walk `runBacktest` makes. The entry candle's
 * path starts at the entry price. A trade the bot closed on an opposite signal closes there too, if
 * the single TP is still open then (same signals, only the exit differs, as in `ladder compare`).
 *
 * `candles` are the symbol's closed candles from the entry candle on, oldest first; `more` reads the next
 * ones after a given open time (the walk stops as soon as the trade is closed).
 */
export function singleTpOutcome(
  trade: Position,
  timeframeMs: number,
  more: (afterOpenMs: number) => readonly StoredCandle[],
  o: SingleTpOptions,
): SingleTpOutcome {
  const stopPct = (Math.abs(trade.entryPrice - trade.plan.initialStopPrice) * 100) / trade.entryPrice;
  const planned = planLadder({
    side: trade.side,
    entryPrice: trade.entryPrice,
    quantitySteps: trade.originalSteps,
    market: rulesOfPlan(trade),
    settings: { ...o.settings, scaled: false },
    stopLossPct: stopPct,
  });
  if (!planned.ok) return { ok: false, why: 'plan_error', message: planned.error.message };
  // The very same initial stop as the trade (the percentage above can round to a neighbouring tick).
  const plan = { ...planned.value, initialStopTicks: trade.plan.initialStopTicks, initialStopPrice: trade.plan.initialStopPrice };
  let p = openPosition({ id: `${trade.id}~single`, symbol: trade.symbol, timeMs: trade.entryTimeMs, entryFee: trade.entryFee, plan }).position;

  const last = trade.partialExits.at(-1);
  const signalAtMs = last?.reason === 'signal' ? last.timeMs : Infinity;
  const entryCandleOpen = trade.entryTimeMs - (((trade.entryTimeMs % timeframeMs) + timeframeMs) % timeframeMs);
  const path = new Float64Array(4);
  let cursor = entryCandleOpen - 1;
  let lastCandle: StoredCandle | null = null;
  while (p.status === 'open') {
    const batch = more(cursor);
    if (batch.length === 0) break;
    for (const c of batch) {
      if (c.openTimeMs + timeframeMs <= trade.entryTimeMs) continue;
      if (c.openTimeMs >= signalAtMs) break;
      lastCandle = c;
      const from = c.openTimeMs <= trade.entryTimeMs ? trade.entryPrice : c.open;
      p = walkCandle(p, path, from, c.high, c.low, c.close, c.openTimeMs, o.intrabar, o.fills);
      if (p.status !== 'open') break;
    }
    const tail = batch.at(-1)!;
    if (tail.openTimeMs >= signalAtMs || tail.openTimeMs <= cursor) break;
    cursor = tail.openTimeMs;
  }
  if (p.status === 'open' && last?.reason === 'signal') {
    return { ok: true, position: closeRemainderNow(p, 'signal', last.price, last.timeMs, o.fills).position, closedAtEnd: false };
  }
  if (lastCandle === null) return { ok: false, why: 'no_candles', message: `no stored ${trade.symbol} candle at or after the entry` };
  if (p.status === 'open') return { ok: true, position: closeRemainderNow(p, 'end', lastCandle.close, lastCandle.openTimeMs, o.fills).position, closedAtEnd: true };
  return { ok: true, position: p, closedAtEnd: false };
}
