import type { NotifyEvent } from '../core/config/schema.ts';
import type { DomainEvent } from '../core/model/commands.ts';
import type { Position } from '../core/model/position.ts';
import { isTakeProfitReason } from '../core/analytics/level-stats.ts';
import { assertNever } from '../core/result.ts';
import { qtyOf } from '../core/scaled-tp/exit-manager.ts';
import type { Side } from '../core/units.ts';
import type { OutboxInput } from '../store/index.ts';

/**
 * What a notification says ([operate] 5), as stored in the outbox and sent as the webhook's `data`.
 * Quantities are in the base asset, prices and PnL as the exchange gives them. No secret can be in
 * here: every field comes from the store's state or from Ladder's own alert texts.
 */
export type Notice =
  | {
      readonly type: 'entry';
      readonly symbol: string;
      readonly positionId: string;
      readonly side: Side;
      readonly entryPrice: number;
      readonly qty: number;
      readonly stopPrice: number;
      readonly mode: 'scaled' | 'single';
      readonly levels: readonly { readonly level: number; readonly reason: string; readonly targetPrice: number; readonly qty: number; readonly skipped: string | null }[];
      /** A position opened outside Ladder and taken over (--manage). */
      readonly adopted: boolean;
    }
  | {
      readonly type: 'tp';
      readonly symbol: string;
      readonly positionId: string;
      readonly side: Side;
      readonly reason: string;
      readonly level: number | null;
      readonly price: number;
      readonly qty: number;
      readonly pnl: number;
      readonly remainingQty: number;
    }
  | {
      readonly type: 'stop';
      readonly symbol: string;
      readonly positionId: string;
      readonly side: Side;
      readonly fromPrice: number;
      readonly toPrice: number;
      readonly rule: string;
      readonly level: number;
    }
  | {
      readonly type: 'exit';
      readonly symbol: string;
      readonly positionId: string;
      readonly side: Side;
      readonly reason: string;
      readonly entryPrice: number;
      readonly avgExitPrice: number;
      readonly qty: number;
      /** Realised PnL of the whole trade, fees included. */
      readonly pnl: number;
      readonly levelsHit: readonly number[];
      readonly levelsPlanned: number;
      readonly durationMs: number;
    }
  | { readonly type: 'risk'; readonly limit: string; readonly detail: string; readonly untilMs: number | null }
  | { readonly type: 'alert'; readonly kind: AlertKind; readonly symbol: string | null; readonly message: string };

/**
 * insufficient_margin: an order refused for lack of margin (an entry: that signal skipped; an exit: entries stop on the symbol); halted: the
 * symbol stopped opening positions for another reason; exchange_unreachable / exchange_reachable: no
 * answer for notify.exchange_unreachable_after_s (an IP ban, 418: at once), then the first answer; reconciled: the exchange's
 * position changed outside Ladder (closed or reduced by hand, liquidated, adopted); strategy_error:
 * the strategy threw on a candle; other: any other alert of the bot.
 */
export type AlertKind = 'insufficient_margin' | 'halted' | 'exchange_unreachable' | 'exchange_reachable' | 'reconciled' | 'strategy_error' | 'other';

export type NoticeType = Notice['type'] & NotifyEvent;

/** A notice with the outbox key of its cause (stable across restarts: the webhook's id). */
export const outboxEntry = (key: string, timeMs: number, n: Notice): OutboxInput => ({ key, type: n.type, symbol: 'symbol' in n ? n.symbol : null, timeMs, payload: n });

/** What the state change these events come from is: the fill that was booked, and whether it adopted a position. */
export interface EventContext {
  /** The position after the change (null when not known). */
  readonly position: Position | null;
  /** The trade id of the booked fill, when the change is a fill: part of the key of a TP message. */
  readonly tradeId?: string;
  /** The position was opened outside Ladder and adopted. */
  readonly adopted?: boolean;
}

/**
 * The outbox rows of a core transition's events: the entry with its plan, each take-profit fill with
 * its PnL, each stop move, the exit summary, and a change made outside the bot. Keys come from the
 * data (position id, trade id, the stop's new price), so writing the same change twice adds nothing.
 */
export function noticesOf(events: readonly DomainEvent[], ctx: EventContext): OutboxInput[] {
  const out: OutboxInput[] = [];
  const p = ctx.position;
  for (const e of events) {
    const side = p?.side ?? 'long';
    switch (e.type) {
      case 'plan.made': {
        const plan = e.plan;
        const q = (steps: number) => qtyOf(steps, plan);
        if (ctx.adopted) {
          const message = `a ${plan.side} position of ${q(plan.originalSteps)} at ${plan.entryPrice} opened outside Ladder was adopted: its ladder and stop are managed from now on`;
          out.push(outboxEntry(`${e.positionId}:adopted`, e.timeMs, { type: 'alert', kind: 'reconciled', symbol: e.symbol, message }));
        }
        out.push(
          outboxEntry(`${e.positionId}:entry`, e.timeMs, {
            type: 'entry',
            symbol: e.symbol,
            positionId: e.positionId,
            side: plan.side,
            entryPrice: plan.entryPrice,
            qty: q(plan.originalSteps),
            stopPrice: plan.initialStopPrice,
            mode: plan.mode,
            levels: plan.levels.map((l) => ({ level: l.level, reason: l.reason, targetPrice: l.targetPrice, qty: q(l.qtySteps), skipped: l.skipped })),
            adopted: ctx.adopted ?? false,
          }),
        );
        break;
      }
      case 'fill.applied': {
        if (!p) break;
        const key = `${e.positionId}:fill:${ctx.tradeId ?? `${e.clientOrderId}:${e.timeMs}:${e.qtySteps}`}`;
        const qty = qtyOf(e.qtySteps, p.plan);
        if (isTakeProfitReason(e.reason)) {
          out.push(outboxEntry(key, e.timeMs, { type: 'tp', symbol: e.symbol, positionId: e.positionId, side, reason: e.reason, level: e.level, price: e.price, qty, pnl: e.pnl, remainingQty: qtyOf(e.remainingSteps, p.plan) }));
        } else if (e.reason === 'manual' || e.reason === 'liquidation') {
          const what = e.reason === 'liquidation' ? 'liquidated' : 'closed outside Ladder (by hand or another tool)';
          const message = `${qty} of the ${side} position ${what} at ${e.price} (PnL ${round(e.pnl)}); ${qtyOf(e.remainingSteps, p.plan)} left`;
          out.push(outboxEntry(key, e.timeMs, { type: 'alert', kind: 'reconciled', symbol: e.symbol, message }));
        }
        break;
      }
      case 'stop.moved':
        // The stop only ever moves in the position's favour, so its new price names the move.
        out.push(outboxEntry(`${e.positionId}:stop:${e.toPrice}`, e.timeMs, { type: 'stop', symbol: e.symbol, positionId: e.positionId, side, fromPrice: e.fromPrice, toPrice: e.toPrice, rule: e.rule, level: e.level }));
        break;
      case 'position.closed':
        if (!p) break;
        out.push(
          outboxEntry(`${e.positionId}:closed`, e.timeMs, {
            type: 'exit',
            symbol: e.symbol,
            positionId: e.positionId,
            side,
            reason: e.reason,
            entryPrice: p.entryPrice,
            avgExitPrice: e.avgExitPrice,
            qty: qtyOf(p.originalSteps, p.plan),
            pnl: e.pnl,
            levelsHit: [...p.tpLevelsHit],
            levelsPlanned: p.plan.levels.filter((l) => l.skipped === null).length,
            durationMs: Math.max(0, e.timeMs - p.entryTimeMs),
          }),
        );
        break;
      case 'tp.hit':
      case 'order.requested':
      case 'stop.reached':
        break; // the fill that follows says it with its price and PnL
      default:
        assertNever(e);
    }
  }
  return out;
}

const round = (x: number): number => Math.round(x * 100) / 100;
