import { type MarketRules, stepsToQty } from '../core/market/market-rules.ts';
import type { Command, StepResult } from '../core/model/commands.ts';
import { type Position, isStopClientId } from '../core/model/position.ts';
import { applyOrderEnd, requestClose } from '../core/scaled-tp/exit-manager.ts';
import { type Steps, asSteps } from '../core/units.ts';
import { type ExchangeErrorCode, refusedForTheRequest } from '../exchange/errors.ts';
import type { Logger } from './logger.ts';
import type { OrderRouter, SendResult } from './order-router.ts';

export interface ExecutorDeps {
  readonly router: OrderRouter;
  readonly market: MarketRules;
  readonly log: Logger;
  readonly now: () => number;
  /** The position as it is now (a follow-up is computed on the newest state, never on a stale copy). */
  readonly current: () => Position | null;
  readonly price: () => Promise<number>;
  /** Whether another stop of `p` (not `except`) rests on the exchange now (see RestingStop). */
  readonly restingStop: (p: Position, except: string) => Promise<RestingStop>;
  /**
   * What the exchange holds of `p` (its side, in steps): read now when `fresh`, else (or when that read
   * fails) as this cycle's position read saw it; null when neither is known.
   */
  readonly held: (p: Position, fresh: boolean) => Promise<Steps | null>;
}

/**
 * Another stop of a position on the exchange: `known` with its client id, or null when the open orders
 * list shows none (or none was ever placed); not `known` when the list cannot be read and an older stop
 * the store last knew open may still rest. A read that fails is no "none".
 */
export type RestingStop = { readonly known: true; readonly restingId: string | null } | { readonly known: false; readonly lastKnownId: string };

/** What the trader must do after one command: a core transition to apply, and whether to re-read the exchange. */
export interface Followup {
  readonly transition: StepResult | null;
  /** The exchange contradicted what we hold (-2022/-4118): re-read it before any exit goes out again (F5). */
  readonly resync: boolean;
  /** A definitive refusal the trader should alert on once (a stop that cannot be placed or moved). */
  readonly alert: string | null;
  /** Stop opening positions (R6.5: margin): the position itself keeps its stop. */
  readonly halt?: boolean;
  /** Read our open orders again next cycle (nothing was refused). */
  readonly recheck?: boolean;
  /**
   * The exchange refused the order outright: its code and Retry-After (the trader's waits read them).
   * A market close refused so and taken back by the core (`transition`) is sent again by the trader
   * after a back-off, whatever the code: -4131 in a thin book, a filter, a rate limit, -2022/-4118
   * after the re-read they ask for, margin (which also halts entries).
   */
  readonly refusal?: { readonly code: ExchangeErrorCode; readonly retryAfterMs: number | null };
  /**
   * A stop placement refused outright while another stop of the position (`restingId`) still rests, or
   * may (`verified` false: the open orders list could not be read): that one keeps protecting it,
   * nothing is closed, and the trader tries the placement again after its back-off (F24: close at
   * market only when no stop of the position rests).
   */
  readonly stopKept?: { readonly clientOrderId: string; readonly restingId: string; readonly verified: boolean };
}

const NOTHING: Followup = { transition: null, resync: false, alert: null };
const RECHECK: Followup = { ...NOTHING, recheck: true };

/** Binance: "Order would immediately trigger" — a stop price the market has already crossed (F24). */
const WOULD_TRIGGER = -2021;
/** Binance: "TIF GTE can only be used with open positions or open orders" — it shows no position for a closePosition stop. */
const NO_POSITION_FOR_GTE = -4509;

/**
 * Turns one core command into exchange requests (STYLE §6) and says what follows from the answer.
 * It never calls back into the trader: outcomes come back as values, the trader applies them, and
 * fills are read back by the trader's next cycle (no nested execute, no recursion).
 */
export class CommandExecutor {
  constructor(private readonly d: ExecutorDeps) {}

  async run(c: Command): Promise<Followup> {
    const p = this.d.current();
    if (!p) return NOTHING;
    switch (c.kind) {
      case 'placeStop':
      case 'moveStop':
        return this.stop(p, c);
      case 'placeExit': {
        const r = await this.d.router.send(
          { ...this.base(p), clientOrderId: c.clientOrderId, kind: 'exit', level: c.level, type: c.orderType, qtySteps: c.qtySteps, priceTicks: c.orderType === 'limit' ? c.limitTicks : null, price: c.orderType === 'limit' ? c.limitPrice : null, reduceOnly: true, closePosition: false },
          this.d.market,
        );
        return this.refused(r, c.clientOrderId);
      }
      case 'closeRemainder': {
        // The exchange's stop order closes it: the trader's next cycle reads its fill back.
        if (c.reason === 'stop' && isStopClientId(c.clientOrderId)) return { ...NOTHING, resync: true };
        const qty = await this.closeQty(p, c);
        if (qty === 0) return this.nothingHeld(c.clientOrderId);
        const r = await this.d.router.send({ ...this.base(p), clientOrderId: c.clientOrderId, kind: 'close', level: null, type: 'market', qtySteps: qty, reduceOnly: true, closePosition: false }, this.d.market);
        const f = this.refused(r, c.clientOrderId);
        // -2022/-4118 say the position is not what we hold: the re-read decides first (a change outside
        // ends or shrinks it); a margin refusal halts entries. Either way what asked for the close still
        // holds: the trader sends it again after the back-off unless the position has ended by then.
        if (f.transition === null || f.refusal === undefined || f.refusal.code === 'reduceOnlyRejected' || f.refusal.code === 'insufficientMargin') return f;
        // Read again next cycle, without the hold a reduce-only refusal sets; the trader alerts on a
        // refused close itself (once per position, and when it gives up).
        return { ...f, resync: false, recheck: true, alert: null };
      }
      case 'cancelOrders':
        // A cancel that fails leaves an order the trader's orphan sweep finds again.
        for (const id of c.clientOrderIds) await this.d.router.cancel(p.symbol, id, isStopClientId(id) ? 'stop' : 'order', this.d.market);
        return NOTHING;
      default: {
        const never: never = c;
        throw new Error(`unhandled command ${JSON.stringify(never)}`);
      }
    }
  }

  private async stop(p: Position, c: Extract<Command, { kind: 'placeStop' | 'moveStop' }>): Promise<Followup> {
    if (p.status !== 'open' || p.remainingSteps === 0) {
      // A later fill of the same cycle closed the position (TP2 then TP3 in one read): nothing to
      // protect any more; the stop a move would have replaced goes.
      if (c.kind === 'moveStop') await this.d.router.cancel(p.symbol, c.replacesClientOrderId, 'stop', this.d.market);
      return RECHECK;
    }
    // A protective stop for what is held: the adapter picks the venue's form (Binance: closePosition
    // when that slot is free, else reduce-only for this quantity; never a second closePosition, -4130).
    // The new stop rests before the old one is cancelled (F8: never unprotected).
    const r = await this.d.router.send(
      {
        ...this.base(p),
        clientOrderId: c.clientOrderId,
        kind: 'stop',
        level: null,
        type: 'stop_market',
        qtySteps: p.remainingSteps,
        stopTicks: c.kind === 'placeStop' ? c.stopTicks : c.toTicks,
        stopPrice: c.stopPrice,
        reduceOnly: true,
        closePosition: false,
        replacesClientOrderId: c.kind === 'moveStop' ? c.replacesClientOrderId : null,
      },
      this.d.market,
    );
    if (r.ok) {
      // A stop placed again (restart, cancelled by hand), or an old one whose cancel failed or went
      // unanswered: whatever older stop still rests is cancelled by the next cycle's orders check (F11).
      if (c.kind === 'placeStop') return RECHECK;
      const cancelled = await this.d.router.cancel(p.symbol, c.replacesClientOrderId, 'stop', this.d.market);
      return cancelled.ok ? NOTHING : RECHECK;
    }
    // In doubt: the trader looks it up next cycle; the previous stop (if any) still rests meanwhile.
    if (r.inDoubt) return NOTHING;
    if (r.error.exchangeCode === NO_POSITION_FOR_GTE) {
      // The exchange shows no position: it ended outside Ladder, or the entry's fill is not in Binance's
      // position yet. A close at market would meet -2022, or end the position just opened. The position
      // is read again first; the orders check places the stop again (same id) if it is still held.
      this.d.log.warn({ symbol: p.symbol, clientOrderId: c.clientOrderId, stopPrice: c.stopPrice, exchangeCode: r.error.exchangeCode }, 'stop.no_position_seen');
      return { ...RECHECK, resync: true };
    }
    const crossed = r.error.exchangeCode === WOULD_TRIGGER;
    // A stop the price had already crossed is the F24 path below (the rest closes at market), not a failure.
    if (crossed) this.d.log.warn({ symbol: p.symbol, clientOrderId: c.clientOrderId, stopPrice: c.stopPrice, exchangeCode: r.error.exchangeCode }, 'stop.crossed_at_placement');
    else this.d.log.error({ symbol: p.symbol, clientOrderId: c.clientOrderId, stopPrice: c.stopPrice, code: r.error.code, exchangeCode: r.error.exchangeCode, message: r.error.message }, 'stop.place_failed');
    // A rate limit, a clock skew outlasting the router's retries, or the API key refused (-2015: its IP
    // not on the key's list, a permission taken away) refused the stop before it was executed: nothing
    // is wrong with the stop itself. Closing at market instead would end a position whose stop may well
    // rest (placed again blind while the reads were refused too), or meet the same refusal. The
    // trader's orders check places it again (same client id) once its retry delay has passed.
    if (refusedForTheRequest(r.error)) {
      this.d.log.warn({ symbol: p.symbol, clientOrderId: c.clientOrderId, code: r.error.code }, 'stop.retry_later');
      const key = r.error.code === 'auth' ? ': the exchange refuses the API key (check its IP list and its futures permission)' : '';
      return { ...RECHECK, alert: `${c.clientOrderId}: the stop is not placed yet (${r.error.message})${key}; trying again` };
    }
    if (c.kind === 'moveStop' && !crossed) {
      this.d.log.warn({ symbol: p.symbol, keep: c.replacesClientOrderId }, 'stop.kept_previous');
      return { ...NOTHING, alert: `${c.clientOrderId}: the stop could not move to ${c.stopPrice} (${r.error.message}); the previous stop stays` };
    }
    if (!crossed) {
      // Placed again (a move refused before, its stop never placed): the stop it was to replace may
      // still rest and protect the position; it is kept, and the placement tried again later.
      const resting = await this.d.restingStop(p, c.clientOrderId);
      if (resting.known && resting.restingId !== null) {
        const restingId = resting.restingId;
        this.d.log.warn({ symbol: p.symbol, clientOrderId: c.clientOrderId, keep: restingId }, 'stop.kept_previous');
        return { ...NOTHING, alert: `${c.clientOrderId}: the stop could not be placed at ${c.stopPrice} (${r.error.message}); ${restingId} still protects the position; trying again`, stopKept: { clientOrderId: c.clientOrderId, restingId, verified: true } };
      }
      if (!resting.known) {
        // Unknown is not none: closing the runner at market on a list that failed to load would end a
        // position its older stop may well still protect. Kept, and tried again with the same back-off.
        const restingId = resting.lastKnownId;
        this.d.log.warn({ symbol: p.symbol, clientOrderId: c.clientOrderId, keep: restingId }, 'stop.kept_unverified');
        return { ...NOTHING, alert: `${c.clientOrderId}: the stop could not be placed at ${c.stopPrice} (${r.error.message}); the open orders cannot be read to see whether ${restingId} still protects the position; kept, trying again`, stopKept: { clientOrderId: c.clientOrderId, restingId, verified: false } };
      }
    }
    // F24: a stop the price has already crossed, or no stop at all: close at once, reduce-only.
    const cur = this.d.current();
    if (!cur || cur.status !== 'open') return NOTHING;
    return { transition: requestClose(cur, 'stop', await this.d.price(), this.d.now()), resync: false, alert: crossed ? null : `${c.clientOrderId}: no protective stop could be placed (${r.error.message}); closing` };
  }

  /**
   * A close is for what is held now (R3.5), not for the remainder when it was asked: fills booked since
   * (the cycle's read books a take-profit that filled meanwhile) or a take-profit of ours filled whose
   * trades are not listed yet (the exchange holds less) would make it larger than the position, and
   * Binance refuses such a reduce-only order (-2022). What it leaves is booked when those trades are.
   * With take-profits out (resting until the cancels just sent, a market one in flight) the position
   * is read again first: one may have filled since the cycle's read.
   */
  private async closeQty(p: Position, c: Extract<Command, { kind: 'closeRemainder' }>): Promise<Steps> {
    const tpsOut = p.levels.some((l) => l.status === 'sent' || l.status === 'withdrawn');
    const held = await this.d.held(p, tpsOut);
    // Nothing held while take-profits were out: they closed it all (0: nothing to send, nothingHeld).
    if (held === 0 && tpsOut) return asSteps(0);
    const qty = asSteps(Math.min(c.qtySteps, p.remainingSteps, held !== null && held > 0 ? held : Infinity));
    if (qty !== c.qtySteps) this.d.log.info({ symbol: p.symbol, clientOrderId: c.clientOrderId, qty: stepsToQty(qty, this.d.market), asked: stepsToQty(c.qtySteps, this.d.market), remaining: stepsToQty(p.remainingSteps, this.d.market) }, 'close.sized_to_held');
    return qty;
  }

  /**
   * A close not sent: the exchange held nothing of the position with take-profits out (one filled the
   * rest since the cycle's read). Sent, Binance would refuse it (-2022) and the trader alert on a close
   * refused though the position is flat. The core takes the close back; the re-read books the fill.
   */
  private nothingHeld(clientOrderId: string): Followup {
    const cur = this.d.current();
    if (!cur) return NOTHING;
    this.d.log.info({ symbol: cur.symbol, clientOrderId, remaining: stepsToQty(cur.remainingSteps, this.d.market) }, 'close.nothing_held');
    const ended = applyOrderEnd(cur, { clientOrderId, status: 'rejected', timeMs: this.d.now() });
    return { transition: ended.ok ? ended.value : null, resync: true, alert: null };
  }

  /** An exit or close the exchange refused: the core takes it back; -2022/-4118 also asks for a re-read (F5). */
  private refused(r: SendResult, clientOrderId: string): Followup {
    if (r.ok || r.inDoubt) return NOTHING;
    const cur = this.d.current();
    if (!cur) return NOTHING;
    const ended = applyOrderEnd(cur, { clientOrderId, status: 'rejected', timeMs: this.d.now() });
    const transition = ended.ok ? ended.value : null;
    const code = r.error.code;
    const refusal = { code, retryAfterMs: r.error.retryAfterMs };
    if (code === 'reduceOnlyRejected') return { transition, resync: true, alert: null, refusal };
    if (code === 'insufficientMargin') return { transition, resync: false, alert: `${clientOrderId}: ${r.error.message}`, halt: true, refusal };
    return { transition, resync: true, alert: code === 'rateLimited' ? null : `${clientOrderId} refused: ${r.error.message}`, refusal };
  }

  private base(p: Position) {
    return { positionId: p.id, symbol: p.symbol, side: p.side === 'long' ? 'sell' : 'buy', priceTicks: null, price: null, stopTicks: null, stopPrice: null, replacesClientOrderId: null } as const;
  }
}
