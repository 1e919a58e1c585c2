import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { DomainEvent } from '../core/model/commands.ts';
import { entryClientId } from '../core/model/position.ts';
import type { Store } from '../store/index.ts';
import { type AlertKind, type EventContext, noticesOf, outboxEntry } from './notice.ts';

/** The event types a notice is made of (notice.ts); the others are only logged. */
const TOLD: ReadonlySet<DomainEvent['type']> = new Set(['plan.made', 'fill.applied', 'stop.moved', 'position.closed']);

export interface BotAlert {
  readonly kind: AlertKind;
  readonly symbol: string | null;
  readonly message: string;
  readonly timeMs: number;
}

export interface OutboxWriter {
  /**
   * The store the bot trades with, whose state changes also write their notifications in their own
   * transaction: a booked fill (entry with its plan, take-profit, outside change, exit summary), a
   * saved transition's events (stop moves, an exit), a new risk-limit hit. Everything else is the store.
   */
  readonly store: Store;
  /** Writes an alert of the bot (its own transaction: no state change goes with it). Never throws. */
  alert(a: BotAlert): void;
}

/**
 * Hooks the outbox into the store's writes ([operate] 5). A crash before the commit loses the state
 * change and its message together; after it, both are there, and the sender delivers the message.
 * A failure to build a message is logged and never refuses the state change (trading comes first).
 */
export function withOutbox(store: Store, o: { readonly log: Logger; readonly onAdded?: () => void }): OutboxWriter {
  const add = (events: readonly DomainEvent[], ctx: () => EventContext): void => {
    if (!events.some((e) => TOLD.has(e.type))) return; // most transitions (a level reached, an order requested): no read, no write
    let rows;
    try {
      rows = noticesOf(events, ctx());
    } catch (e) {
      o.log.error({ err: { message: e instanceof Error ? e.message : String(e) }, events: events.map((x) => x.type) }, 'notify.build_failed');
      return;
    }
    if (rows.length && store.outbox.add(rows) > 0 && o.onAdded) queueMicrotask(o.onAdded); // after the commit
  };
  const positionOf = (events: readonly DomainEvent[]) => (events.length ? store.getPosition(events[0]!.positionId) : null);

  const wrapped: Store = {
    ...store,
    bookFill: (fill, positionAfter, opts = {}) =>
      store.transaction(() => {
        const booked = store.bookFill(fill, positionAfter, opts);
        if (booked && opts.events) {
          // An entry with no entry order of ours is a position opened outside Ladder and adopted.
          add(opts.events, () => ({ position: positionAfter, tradeId: fill.tradeId, adopted: opts.entry === true && store.getOrder(entryClientId(positionAfter.id)) === null }));
        }
        return booked;
      }),
    recordEvents: (events) =>
      store.transaction(() => {
        store.recordEvents(events);
        add(events, () => ({ position: positionOf(events) }));
      }),
    setRiskLimitHit: (h, atMs) =>
      store.transaction(() => {
        const fresh = store.setRiskLimitHit(h, atMs);
        if (fresh) store.outbox.add([outboxEntry(`risk:${h.limit}:${atMs}`, atMs, { type: 'risk', limit: h.limit, detail: h.detail, untilMs: h.untilMs })]);
        if (fresh && o.onAdded) queueMicrotask(o.onAdded);
        return fresh;
      }),
  };

  return {
    store: wrapped,
    alert(a: BotAlert): void {
      // Two alerts of one kind in the same millisecond differ by their text.
      const digest = createHash('sha256').update(a.message).digest('hex').slice(0, 12);
      try {
        if (store.outbox.add([outboxEntry(`alert:${a.symbol ?? '-'}:${a.kind}:${a.timeMs}:${digest}`, a.timeMs, { type: 'alert', kind: a.kind, symbol: a.symbol, message: a.message })]) > 0) o.onAdded?.();
      } catch (e) {
        o.log.error({ err: { message: e instanceof Error ? e.message : String(e) }, kind: a.kind }, 'notify.alert_not_stored');
      }
    },
  };
}
