import { entryBelowMinimum, entrySteps, maxEntrySteps } from '../core/position-size.ts';
import type { LadderConfig } from '../core/config/index.ts';
import { type MarketRules, stepsToQty } from '../core/market/market-rules.ts';
import type { Command, DomainEvent, FillInput, StepResult } from '../core/model/commands.ts';
import { type Position, exitClientId, isStopClientId, stopClientId } from '../core/model/position.ts';
import { applyFill, applyOrderEnd, onPrice, openPosition, requestClose } from '../core/scaled-tp/exit-manager.ts';
import { planLadder } from '../core/scaled-tp/ladder-plan.ts';
import type { ExitSettings } from '../core/scaled-tp/settings.ts';
import { asSteps, type Side } from '../core/units.ts';
import type { ExchangePort, Trade } from '../exchange/port.ts';
import type { Store } from '../store/index.ts';
import type { Signal, Strategy } from '../strategy/strategy.ts';
import { LiveCandles } from './live-candles.ts';
import type { Logger } from './logger.ts';
import type { OrderRouter } from './order-router.ts';
import { logDomainEvent } from './log-events.ts';

export interface TraderDeps {
  readonly ex: ExchangePort;
  readonly store: Store;
  readonly router: OrderRouter;
  readonly log: Logger;
  readonly now: () => number;
  readonly config: LadderConfig;
  readonly settings: ExitSettings;
  readonly market: MarketRules;
  readonly strategy: Strategy;
  readonly timeframe: string;
  readonly timeframeMs: number;
  /** Positions open across all symbols (max_open_positions). */
  readonly openPositions: () => number;
  /** Called with every domain event after it is stored (the dashboard's live feed). */
  readonly onEvent?: (e: DomainEvent) => void;
}

/** Entry orders carry the position id; exits carry `<position id>-…` (R1.4). */
export const entryClientId = (positionId: string): string => `${positionId}-entry`;

/** The largest of these trade ids when all are decimal numbers (Binance's), else undefined. */
function newestTradeId(ids: readonly string[]): string | undefined {
  let best: bigint | undefined;
  for (const id of ids) {
    if (!/^\d+$/.test(id)) return undefined;
    const n = BigInt(id);
    if (best === undefined || n > best) best = n;
  }
  return best === undefined ? undefined : String(best);
}

/** How often the resting limit exits of a position are looked up on the exchange. */
const RESTING_CHECK_MS = 60_000;

/** Market closes of one remainder tried before the bot gives up and alerts (thin liquidity). */
const MAX_CLOSE_ATTEMPTS = 5;

/** Data-derived position id: the symbol and the signal's time (a restart derives the same id). */
export const positionIdOf = (symbol: string, signalTimeMs: number): string => `${symbol}-${Math.floor(signalTimeMs / 1000).toString(36)}`;

/**
 * One symbol under the bot: closed candles → strategy → entry; the position's ladder driven by the
 * core on every price; exchange fills read back and booked (R3.5); the core's commands turned into
 * orders. Every state change is stored before the next order is sent.
 */
export class SymbolTrader {
  readonly candles: LiveCandles;
  position: Position | null = null;
  /** Set when the position cannot be managed safely (margin alarm, inconsistent exchange). */
  halted: string | null = null;
  /** When the resting limit exits were last looked up (see step). */
  private restingCheckedAtMs = -Infinity;

  constructor(private readonly d: TraderDeps) {
    this.candles = new LiveCandles(d.market.id, d.timeframeMs);
  }

  get symbol(): string {
    return this.d.market.id;
  }

  /** Restores the stored position and warms the strategy up on recent closed candles. */
  async init(history = 500): Promise<void> {
    this.position = this.d.store.positionBySymbol(this.symbol);
    const warmup = await this.d.ex.candles(this.symbol, this.d.timeframe, history);
    this.candles.append(warmup);
    this.d.store.saveCandles(this.symbol, this.d.timeframeMs, warmup); // the dashboard's charts and single-TP replay
  }

  /** One polling step: new closed candles (signals), then the open position's fills and price. */
  async step(): Promise<void> {
    const latest = await this.d.ex.candles(this.symbol, this.d.timeframe, 5);
    const added = this.candles.append(latest);
    if (added.length) this.d.store.saveCandles(this.symbol, this.d.timeframeMs, latest.slice(latest.length - added.length)); // the newest, in order
    for (const i of added) {
      const sig = this.d.strategy.onCandle(this.candles.series(), i);
      if (sig) await this.onSignal(sig);
    }
    if (this.position) {
      await this.syncFills();
      await this.closeAfterPartialStop();
    }
    // Resting limit exits can end on the exchange with no fill to show it (a cancel by hand, F15):
    // they are looked up now and then, not on every step.
    if (this.position?.plan.execution === 'limit' && this.d.now() - this.restingCheckedAtMs >= RESTING_CHECK_MS) {
      this.restingCheckedAtMs = this.d.now();
      await this.settleEndedExits(true);
    }
    if (this.position && this.position.status === 'open') {
      const price = await this.d.ex.price(this.symbol);
      await this.apply(onPrice(this.position, price, this.d.now()));
    }
  }

  /** An entry signal: ignore the side already held; close the other side first (SPEC "Data formats"). */
  async onSignal(sig: Signal): Promise<void> {
    this.d.log.info({ symbol: this.symbol, side: sig.side, reason: sig.reason, signalTime: new Date(sig.timeMs).toISOString() }, 'signal');
    const p = this.position;
    if (p && p.side === sig.side) return;
    if (p) {
      await this.apply(requestClose(p, 'signal', await this.d.ex.price(this.symbol), this.d.now()));
      await this.syncFills();
      if (this.position) {
        this.d.log.warn({ symbol: this.symbol }, 'entry.skipped_previous_still_open');
        return;
      }
    }
    await this.enter(sig);
  }

  private async enter(sig: Signal): Promise<void> {
    const { ex, market: m, config: c } = this.d;
    if (this.halted) return;
    if (this.d.openPositions() >= c.max_open_positions) {
      this.d.log.info({ symbol: this.symbol }, 'entry.skipped_max_open_positions');
      return;
    }
    const id = positionIdOf(this.symbol, sig.timeMs);
    if (this.d.store.getPosition(id)) return; // this signal was already entered (restart)
    const price = await ex.price(this.symbol);
    const stopPct = sig.stopLossPct ?? this.d.settings.stopLossPct;
    const balance = await ex.balance();
    const steps = entrySteps(c.position_size, price, balance.total, stopPct, m);
    const refused = entryBelowMinimum(steps, price, m);
    if (refused) {
      this.d.log.warn({ symbol: this.symbol, steps, price, why: refused.why, detail: refused.detail }, 'entry.skipped_below_minimum');
      return;
    }
    if (steps === maxEntrySteps(m)) this.d.log.warn({ symbol: this.symbol, steps, price }, 'entry.capped_at_max_qty');
    const side = sig.side === 'long' ? 'buy' : 'sell';
    const sent = await this.d.router.send(
      { clientOrderId: entryClientId(id), positionId: id, symbol: this.symbol, kind: 'entry', level: null, side, type: 'market', qtySteps: steps, priceTicks: null, price: null, stopTicks: null, stopPrice: null, reduceOnly: false, closePosition: false, replacesClientOrderId: null },
      m,
      { settleLater: true },
    );
    if (!sent.ok) {
      if (sent.error.code === 'insufficientMargin') this.alarm(`entry refused for lack of margin (${sent.error.message})`);
      return;
    }
    await this.openFromEntry(id, sig.side, stopPct, sent.order.timeMs);
    this.d.router.settle(sent.order);
  }

  /**
   * Builds the position from the entry order's fills read back from the exchange (R3.5), plans the
   * ladder once (R3.4) and places the protective stop right away (F9). Also used by reconciliation.
   */
  async openFromEntry(id: string, side: Side, stopPct: number, sinceMs: number): Promise<void> {
    const trades = (await this.d.ex.trades(this.symbol, sinceMs - 60_000)).filter((t) => t.clientOrderId === entryClientId(id));
    const qty = trades.reduce((s, t) => s + t.qtySteps, 0);
    if (qty === 0) {
      this.d.log.warn({ symbol: this.symbol, clientOrderId: entryClientId(id) }, 'entry.no_fill');
      return;
    }
    const avg = trades.reduce((s, t) => s + t.price * t.qtySteps, 0) / qty;
    const plan = planLadder({ side, entryPrice: avg, quantitySteps: asSteps(qty), market: this.d.market, settings: this.d.settings, stopLossPct: stopPct });
    if (!plan.ok) {
      this.alarm(`cannot plan the exits: ${plan.error.message}`);
      return;
    }
    const fee = trades.reduce((s, t) => s + t.fee, 0);
    const r = openPosition({ id, symbol: this.symbol, timeMs: trades[0]!.timeMs, entryFee: fee, plan: plan.value });
    const last = trades.at(-1)!;
    const entryFill: FillInput = { clientOrderId: entryClientId(id), tradeId: last.tradeId, orderId: last.orderId, timeMs: last.timeMs, qtySteps: asSteps(qty), price: avg, fee };
    this.d.store.bookFill(entryFill, r.position, { entry: true, events: r.events });
    this.d.log.info({ symbol: this.symbol, positionId: id, side, price: avg, qty: stepsToQty(asSteps(qty), this.d.market), plan: summarizePlan(r.position) }, 'position.opened');
    this.position = r.position;
    for (const e of r.events) this.emit(e);
    await this.execute(r.commands);
  }

  /** Saves a core transition, logs its events, then sends what it asks for. */
  async apply(r: StepResult): Promise<void> {
    if (r.position === this.position && r.commands.length === 0) return;
    this.d.store.transaction(() => {
      this.d.store.savePosition(r.position);
      this.d.store.recordEvents(r.events);
    });
    this.position = r.position;
    for (const e of r.events) this.emit(e);
    await this.execute(r.commands);
  }

  /** Turns the core's commands into exchange orders (STYLE §6). */
  async execute(commands: readonly Command[]): Promise<void> {
    for (const c of commands) {
      const p = this.position;
      if (!p) return;
      const exitSide = p.side === 'long' ? 'sell' : 'buy';
      const m = this.d.market;
      const base = { positionId: p.id, symbol: this.symbol, side: exitSide, priceTicks: null, price: null, stopTicks: null, stopPrice: null, replacesClientOrderId: null } as const;
      switch (c.kind) {
        case 'placeStop':
        case 'moveStop': {
          // Binance keeps one closePosition stop per direction (-4130), so a stop ladder move cannot
          // place a second one before cancelling the first. Stops alternate: even sequence numbers
          // are closePosition, odd ones reduce-only for the remaining quantity (F13), so the new stop
          // always rests before the old one is cancelled (F8: never unprotected).
          const closeAll = stopSeqOf(c.clientOrderId) % 2 === 0;
          const r = await this.d.router.send(
            {
              ...base,
              clientOrderId: c.clientOrderId,
              kind: 'stop',
              level: null,
              type: 'stop_market',
              qtySteps: closeAll ? null : p.remainingSteps,
              stopTicks: c.kind === 'placeStop' ? c.stopTicks : c.toTicks,
              stopPrice: c.stopPrice,
              reduceOnly: !closeAll,
              closePosition: closeAll,
              replacesClientOrderId: c.kind === 'moveStop' ? c.replacesClientOrderId : null,
            },
            m,
          );
          if (!r.ok) {
            // F24: a stop already crossed cannot be placed; close at once instead, reduce-only.
            this.d.log.error({ symbol: this.symbol, clientOrderId: c.clientOrderId, stopPrice: c.stopPrice, code: r.error.code, msg: r.error.message }, 'stop.place_failed');
            if (c.kind === 'moveStop') {
              this.d.log.warn({ symbol: this.symbol, keep: c.replacesClientOrderId }, 'stop.kept_previous');
              break;
            }
            await this.apply(requestClose(p, 'signal', await this.d.ex.price(this.symbol), this.d.now()));
            break;
          }
          if (c.kind === 'moveStop') await this.d.router.cancel(this.symbol, c.replacesClientOrderId, 'stop');
          break;
        }
        case 'placeExit': {
          const r = await this.d.router.send(
            { ...base, clientOrderId: c.clientOrderId, kind: 'exit', level: c.level, type: c.orderType, qtySteps: c.qtySteps, priceTicks: c.orderType === 'limit' ? c.limitTicks : null, price: c.orderType === 'limit' ? c.limitPrice : null, reduceOnly: true, closePosition: false },
            m,
          );
          if (!r.ok) await this.orderFailed(c.clientOrderId, r.error.code, r.error.message);
          else if (c.orderType === 'market') {
            await this.syncFills();
            await this.settleEndedExits(false);
          }
          break;
        }
        case 'closeRemainder': {
          if (c.reason === 'stop' && isStopClientId(c.clientOrderId)) {
            // The exchange's stop order closes it: read its fill back now rather than next round.
            await this.syncFills();
            await this.closeAfterPartialStop();
            break;
          }
          const r = await this.d.router.send({ ...base, clientOrderId: c.clientOrderId, kind: 'close', level: null, type: 'market', qtySteps: c.qtySteps, reduceOnly: true, closePosition: false }, m);
          if (!r.ok) await this.orderFailed(c.clientOrderId, r.error.code, r.error.message);
          else {
            await this.syncFills();
            await this.resendEndedClose(c.clientOrderId, c.reason);
          }
          break;
        }
        case 'cancelOrders':
          for (const id of c.clientOrderIds) await this.d.router.cancel(this.symbol, id, isStopClientId(id) ? 'stop' : 'order');
          break;
        default: {
          const never: never = c;
          throw new Error(`unhandled command ${JSON.stringify(never)}`);
        }
      }
    }
  }

  /**
   * Reads the account's executions back from the exchange and books every one of this position that
   * is not booked yet (R3.5): market exits, resting limits, the exchange stop, fills made while the
   * bot was down (R6.2). The same trade is never booked twice (trade id).
   */
  async syncFills(): Promise<void> {
    const p = this.position;
    if (!p) return;
    // Knowing the current stop lets the adapter map a triggered stop's order to its client id.
    await this.d.router.lookup(this.symbol, stopClientId(p.id, p.stopSeq), 'stop').catch(() => null);
    const since = (this.d.store.latestFillTimeMs(this.symbol) ?? p.entryTimeMs) - 60_000;
    // From the position's newest booked trade on, by id where the exchange numbers its trades: a
    // time range would miss an exit more than 7 days after the last fill (Binance's window).
    const fromId = newestTradeId(this.d.store.fillsOf(p.id).map((f) => f.tradeId));
    const trades = await this.d.ex.trades(this.symbol, Math.max(since, p.entryTimeMs - 60_000), fromId);
    for (const t of trades) await this.book(t);
  }

  private async book(t: Trade): Promise<void> {
    const p = this.position;
    if (!p || !t.clientOrderId.startsWith(`${p.id}-`) || t.clientOrderId === entryClientId(p.id)) return;
    if (this.d.store.hasFill(this.symbol, t.tradeId)) return;
    const fill: FillInput = { clientOrderId: t.clientOrderId, tradeId: t.tradeId, orderId: t.orderId, timeMs: t.timeMs, qtySteps: t.qtySteps, price: t.price, fee: t.fee };
    const r = applyFill(p, fill);
    if (!r.ok) {
      this.alarm(`fill ${t.tradeId} of ${t.clientOrderId} does not fit the position: ${r.error.message}`);
      return;
    }
    if (!this.d.store.bookFill(fill, r.value.position, { events: r.value.events })) return;
    const order = this.d.store.getOrder(t.clientOrderId);
    const done = order !== null && (order.qtySteps === null ? r.value.position.status === 'closed' : order.bookedSteps >= order.qtySteps);
    if (order && done && order.status !== 'filled') this.d.store.markOrderStatus(t.clientOrderId, 'filled', { timeMs: this.d.now() });
    this.position = r.value.position;
    for (const e of r.value.events) this.emit(e);
    await this.execute(r.value.commands);
    if (this.position?.status === 'closed') this.position = null; // reset_tracking (R4.4)
  }

  /**
   * Exit orders (and a remainder close) that ended on the exchange without filling whole: a market
   * TP that expired when the book ran out, a resting TP cancelled by hand (F15). What filled is
   * booked first; then the core ends the level (done at what filled, so the stop climbs; back to
   * pending if nothing filled). The store's record decides (the router has just written it); with
   * `lookUp`, orders the store still has open are asked about on the exchange first (restart).
   */
  async settleEndedExits(lookUp: boolean): Promise<void> {
    const p = this.position;
    if (!p || p.status !== 'open') return;
    for (let i = 0; i < p.levels.length; i++) {
      if (p.levels[i]!.status !== 'sent') continue;
      const id = exitClientId(p.id, p.plan.levels[i]!.reason);
      if (lookUp && this.d.store.getOrder(id)?.status === 'open') await this.d.router.lookup(this.symbol, id, 'order');
      const status = this.d.store.getOrder(id)?.status;
      if (status !== 'expired' && status !== 'canceled') continue;
      await this.syncFills();
      const cur = this.position;
      if (!cur || cur.status !== 'open' || cur.levels[i]!.status !== 'sent') continue;
      this.d.log.warn({ symbol: this.symbol, clientOrderId: id, status, filled: cur.levels[i]!.filledSteps, ordered: cur.levels[i]!.orderSteps }, 'exit.ended_unfilled');
      const r = applyOrderEnd(cur, { clientOrderId: id, status, timeMs: this.d.now() });
      if (!r.ok) this.alarm(`${id} ended ${status} but does not fit the position: ${r.error.message}`);
      else await this.apply(r.value);
    }
    // The same for a remainder close (a restart after it expired in part: it is sent again).
    const c = this.position?.closing;
    if (c && !isStopClientId(c.clientOrderId)) {
      if (lookUp && this.d.store.getOrder(c.clientOrderId)?.status === 'open') await this.d.router.lookup(this.symbol, c.clientOrderId, 'order');
      await this.syncFills();
      await this.resendEndedClose(c.clientOrderId, c.reason);
    }
  }

  /**
   * A remainder close that ended on the exchange before filling whole (thin liquidity): what filled
   * is booked; the core ends that close and it goes out again for the rest under the next close id,
   * up to MAX_CLOSE_ATTEMPTS times, then an alert (the exchange stop still protects what is left).
   */
  private async resendEndedClose(clientOrderId: string, reason: 'signal' | 'end' | 'stop'): Promise<void> {
    const status = this.d.store.getOrder(clientOrderId)?.status;
    const p = this.position;
    if ((status !== 'expired' && status !== 'canceled') || !p || p.status !== 'open' || p.closing?.clientOrderId !== clientOrderId) return;
    const ended = applyOrderEnd(p, { clientOrderId, status, timeMs: this.d.now() });
    if (!ended.ok) return this.alarm(`${clientOrderId} ended ${status} but does not fit the position: ${ended.error.message}`);
    await this.apply(ended.value);
    const cur = this.position;
    if (!cur || cur.status !== 'open') return;
    if (cur.closeSeq >= MAX_CLOSE_ATTEMPTS) return this.alarm(`${clientOrderId}: the close of ${cur.id} did not fill after ${cur.closeSeq} attempts`);
    this.d.log.warn({ symbol: this.symbol, clientOrderId, status, remaining: cur.remainingSteps, attempt: cur.closeSeq + 1 }, 'close.resent');
    await this.apply(requestClose(cur, reason, await this.d.ex.price(this.symbol), this.d.now()));
  }

  /**
   * The exchange stop fired but did not close everything: its order filled in part and expired (thin
   * liquidity, price protection). What is left has no stop any more, so it is closed at market now,
   * as a stop exit (F8, invariant 9). Seen either way: the position is closing on that stop, or the
   * current stop already has a fill booked (it fired before the bot saw the price cross it, or
   * before a restart). A stop still working is left alone; if the exchange is in fact already flat
   * (its fill not yet visible), the reduce-only close is refused and the fills are read back (F5).
   */
  async closeAfterPartialStop(): Promise<void> {
    const p = this.position;
    if (!p || p.status !== 'open') return;
    const current = stopClientId(p.id, p.stopSeq);
    const closingOnStop = p.closing?.reason === 'stop' && isStopClientId(p.closing.clientOrderId);
    if (p.closing !== null && !closingOnStop) return; // a market close is already out
    const stopId = closingOnStop ? p.closing!.clientOrderId : current;
    if (!closingOnStop && !p.partialExits.some((e) => e.clientOrderId === stopId)) return;
    const o = await this.d.router.lookup(this.symbol, stopId, 'stop');
    if (o?.status === 'open') return;
    this.d.log.error({ symbol: this.symbol, clientOrderId: stopId, remaining: p.remainingSteps, status: o?.status ?? null }, 'stop.left_remainder');
    if (closingOnStop) {
      const ended = applyOrderEnd(p, { clientOrderId: stopId, status: 'expired', timeMs: this.d.now() });
      if (!ended.ok) return this.alarm(`${stopId} ended but does not fit the position: ${ended.error.message}`);
      await this.apply(ended.value);
    }
    if (!this.position || this.position.status !== 'open') return;
    await this.apply(requestClose(this.position, 'stop', await this.d.ex.price(this.symbol), this.d.now()));
  }

  private async orderFailed(clientOrderId: string, code: string, message: string): Promise<void> {
    const p = this.position;
    if (!p) return;
    if (code === 'insufficientMargin') this.alarm(`${clientOrderId}: ${message}`);
    if (code === 'reduceOnlyRejected') {
      // F5: the exit may already have happened on the exchange: read the fills before anything else.
      await this.syncFills();
      if (!this.position) return;
    }
    const r = applyOrderEnd(this.position!, { clientOrderId, status: 'rejected', timeMs: this.d.now() });
    if (r.ok) await this.apply(r.value);
  }

  /** R6.5: a clear alert and no retry storm; the position keeps its exchange stop. */
  private alarm(why: string): void {
    this.halted = why;
    this.d.log.error({ symbol: this.symbol, why }, 'alert');
  }

  private emit(e: DomainEvent): void {
    logDomainEvent(this.d.log, e, this.d.market);
    this.d.onEvent?.(e);
  }
}

/** The sequence number of a stop's client id (`…-sl3` → 3). */
export const stopSeqOf = (clientOrderId: string): number => Number(/-sl(\d+)$/.exec(clientOrderId)?.[1] ?? 0);

function summarizePlan(p: Position): string {
  return p.plan.levels.map((l) => `${l.reason}@${l.targetPrice}×${l.qtySteps}${l.skipped ? `(${l.skipped})` : ''}`).join(' ');
}

