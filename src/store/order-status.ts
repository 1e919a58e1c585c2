/**
 * An order's life in the store (STYLE §7: the state machine is a table).
 *
 * intent   written before the request is sent; a crash now leaves it in doubt
 * sent     the request went out, no answer yet; in doubt too
 * unknown  the request failed without a definite answer (timeout): look it up by client id (R6.3)
 * open     the exchange has it (partially filled orders stay open)
 * filled / canceled / rejected / expired   what the exchange says it ended as
 *
 * A late fill after a cancel or an expiry does happen, so those may still become filled. An unknown
 * order not found on the exchange may be sent again (→ sent) or dropped (→ canceled, with an error).
 * The same status again is allowed: it only updates the details.
 */
export type OrderStatus = 'intent' | 'sent' | 'unknown' | 'open' | 'filled' | 'canceled' | 'rejected' | 'expired';

export const ORDER_STATUSES: readonly OrderStatus[] = ['intent', 'sent', 'unknown', 'open', 'filled', 'canceled', 'rejected', 'expired'];

const NEXT: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  intent: ['sent', 'unknown', 'open', 'filled', 'canceled', 'rejected', 'expired'],
  sent: ['unknown', 'open', 'filled', 'canceled', 'rejected', 'expired'],
  unknown: ['sent', 'open', 'filled', 'canceled', 'rejected', 'expired'],
  open: ['filled', 'canceled', 'rejected', 'expired'],
  filled: [],
  canceled: ['filled'],
  expired: ['filled'],
  rejected: [],
};

export const canMoveTo = (from: OrderStatus, to: OrderStatus): boolean => from === to || NEXT[from].includes(to);

/** Written, but what the exchange did with it is not known: resolve by client id before re-sending. */
export const IN_DOUBT: readonly OrderStatus[] = ['intent', 'sent', 'unknown'];

/** A new intent may reuse the client id of an order that ended in these (a level sent again, R1.4). */
export const REUSABLE: readonly OrderStatus[] = ['canceled', 'rejected', 'expired'];
