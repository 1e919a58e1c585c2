import type { Side } from '../core/units.ts';
import type { SignalRecord, Store } from '../store/index.ts';
import { isoOf } from '../data/parse-time.ts';
import type { Logger } from './logger.ts';
import { type SymbolTrader, entryClientId, errInfo, positionIdOf } from './symbol-trader.ts';

export interface StoredSignalsDeps {
  readonly store: Store;
  readonly traders: readonly SymbolTrader[];
  readonly log: Logger;
  readonly now: () => number;
  /** A signal still pending this long after it arrived (the bot was down) is refused: config.webhook.max_lag_s. */
  readonly maxWaitMs: number;
  /**
   * Entry signals whose trader waited for a failing read in this process (SymbolTrader.waitingEntryReason):
   * pending while the trader tries them at each step, marked once its wait ends (the bot owns the set).
   */
  readonly waitedOn: Set<string>;
  /** When this run began (before its webhook started): a close stored by an earlier run expires as an entry does. */
  readonly runStartedAtMs: number;
}

/**
 * Acts on the signals the webhook stored ([entries] 2), oldest signal time first (a sender's alerts can
 * arrive out of order; a flat of whole seconds after those of its second that came before it, actingOrder);
 * the loop calls it at the start of every step. One older than a signal of its symbol already acted on
 * is refused (out of order). An entry goes through `onSignal`, the path of strategy signals (max open
 * positions, sizing, minimums, the ladder plan, the stop); `close` closes the open position at market.
 *
 * Each signal is marked only after acting returned. A kill in between acts on it again after the
 * restart, and that changes nothing: the position id derives from the signal's time, side and id
 * (positionIdOf), so a second entry finds the first one's order; a second close finds the position
 * closing or gone. A throw leaves the signal pending for the next step, until it is too old (an
 * entry, or a close an earlier run stored; a close of this run is tried until it is done); so does
 * an entry of its symbol in doubt (it may have filled: a close or a reversal waits until it is booked). An
 * entry waiting for a failing read (the position, the price, the balance) stays pending too: the
 * trader tries it at each step, the record says what came of it when the wait ends, and a restart
 * meanwhile acts on it again (within max_lag_s) instead of losing it.
 */
export async function actOnStoredSignals(d: StoredSignalsDeps): Promise<void> {
  let pending: SignalRecord[];
  try {
    pending = d.store.pendingSignals();
  } catch (e) {
    d.log.error({ err: errInfo(e) }, 'signals.read_failed');
    return;
  }
  pending = actingOrder(pending);
  for (const [i, s] of pending.entries()) {
    try {
      // An entry with a close of its symbol pending behind it (both waited while the bot was down or
      // starting, or the entry waited for a failing read across a restart): sent now, it would be sold
      // back at once, a round trip of fees for no exposure. Not sent, as a close drops a waiting entry.
      // The same for an opposite entry behind it: its reversal would close this one at once.
      const closedAfter = s.side === 'close' ? null : (pending.find((later, j) => j > i && later.symbol === s.symbol && later.side !== s.side) ?? null);
      // A newer signal of its symbol the trader already works on (an entry waiting for a failing read) counts as acted on.
      const startedNewer = pending.find((later) => later.symbol === s.symbol && later.timeMs > latestTimeOf(s) && d.waitedOn.has(later.id)) ?? null;
      await actOn(d, s, closedAfter, startedNewer);
    } catch (e) {
      d.log.error({ id: s.id, symbol: s.symbol, side: s.side, err: errInfo(e) }, 'signal.act_failed');
    }
  }
}

async function actOn(d: StoredSignalsDeps, s: SignalRecord, closedAfter: SignalRecord | null, startedNewer: SignalRecord | null): Promise<void> {
  const t = d.traders.find((x) => x.unifiedSymbol === s.symbol);
  if (!t) return mark(d, s, 'refused', `${s.symbol} is not traded by this bot (config.symbols changed?)`);
  const reason = `webhook:${s.id}`;
  if (s.side !== 'close' && d.waitedOn.has(s.id)) {
    if (t.waitingEntryReason === reason) return; // the trader tries it again at each step
    d.waitedOn.delete(s.id);
    return mark(d, s, 'acted', entryOutcome(d.store, t, s.side, s.timeMs, s.id));
  }
  // Entered before a kill that came ahead of its mark: its order is stored, the record must say so, not "never traded".
  const entered = (): string | null => (s.side !== 'close' && d.store.getOrder(entryClientId(positionIdOf(t.symbol, s.timeMs, s.side, s.id))) ? entryOutcome(d.store, t, s.side, s.timeMs, s.id) : null);
  // Delivered after a newer signal of its symbol was acted on (a sender's retry, a slow proxy): an older
  // close would close the newer position, an older entry reopen what a newer flat closed.
  const acted = d.store.newestActedSignal(s.symbol);
  const newer = acted !== null && acted.timeMs > latestTimeOf(s) ? acted : startedNewer;
  if (newer !== null) {
    const outcome = entered();
    if (outcome !== null) return mark(d, s, 'acted', outcome);
    return mark(d, s, 'refused', `out of order: signal ${newer.id} of ${isoOf(newer.timeMs)}, newer than this one (${isoOf(s.timeMs)}), was already acted on`);
  }
  const waitedMs = d.now() - s.receivedAtMs;
  // An entry this late is not traded (the market moved on); a close still is: it only takes exposure
  // away, and refused, it would leave open the position its sender has left. Not one an earlier run
  // stored: the bot was down since, and the position now held (adopted, the trader's) may not be its.
  if (waitedMs > d.maxWaitMs && (s.side !== 'close' || s.receivedAtMs < d.runStartedAtMs)) {
    const outcome = entered();
    if (outcome !== null) return mark(d, s, 'acted', outcome);
    return mark(d, s, 'refused', `still pending ${Math.round(waitedMs / 1000)} s after it arrived (the bot was down, or an order in doubt kept it waiting): more than max_lag_s`);
  }
  // An entry of the symbol in doubt may have filled: the signal stays pending, asked again at the next step (within max_lag_s).
  if (s.side === 'close') {
    // An entry waiting from within its second goes with it (the close may have fired after it).
    const closing = await t.closePosition(reason, latestTimeOf(s));
    if (closing === 'entry_in_doubt') return;
    // Said once, when it is acted on (not at each step it waits for an entry in doubt).
    if (waitedMs > d.maxWaitMs) d.log.warn({ id: s.id, symbol: s.symbol, waitedMs, outcome: closing }, 'signal.close_late');
    // Its position may be open: the record says why nothing was sent, not "no open position".
    if (closing === 'frozen') return mark(d, s, 'refused', `not closed: ${t.frozen ?? 'Ladder no longer manages this symbol'}`);
    return mark(d, s, 'acted', closing === 'closing' ? 'closing the open position' : 'no open position to close');
  }
  // Entered before a kill, it says so (the close behind it closes it); else not entered, naming the signal behind it.
  if (closedAfter !== null) {
    const behind = `not entered: a ${closedAfter.side} of ${s.symbol} (signal ${closedAfter.id}) was pending behind it: entered, it would be closed at once (two fees for no exposure)`;
    return mark(d, s, 'acted', entryOutcome(d.store, t, s.side, s.timeMs, s.id, behind));
  }
  // Its wait for a failing read counts from its arrival (max_lag_s), not from this try (after a restart, a slow start).
  const done = await t.onSignal({ side: s.side, timeMs: s.timeMs, reason, key: s.id, ...(s.stopLossPct !== null ? { stopLossPct: s.stopLossPct } : {}) }, s.receivedAtMs);
  if (done === 'entry_in_doubt') return;
  if (t.waitingEntryReason === reason) {
    d.waitedOn.add(s.id);
    return;
  }
  mark(d, s, 'acted', entryOutcome(d.store, t, s.side, s.timeMs, s.id));
}

/**
 * The pending signals (oldest time first) in the order they are acted on: a close dated in whole
 * seconds goes after the signals of its symbol and second that arrived before it (it may have fired
 * after them, latestTimeOf). First by its time, it would let an entry it followed open after it.
 */
function actingOrder(pending: readonly SignalRecord[]): SignalRecord[] {
  const out = [...pending];
  for (const c of pending) {
    if (c.side !== 'close' || latestTimeOf(c) === c.timeMs) continue;
    const i = out.indexOf(c);
    let j = i;
    for (let k = i + 1; k < out.length; k++) {
      const s = out[k]!;
      if (s.symbol === c.symbol && s.timeMs <= latestTimeOf(c) && s.receivedAtMs < c.receivedAtMs) j = k;
    }
    if (j > i) out.splice(j, 0, ...out.splice(i, 1));
  }
  return out;
}

/**
 * The latest a signal can have happened, for the out-of-order rule: its time, except for a `close`
 * whose time has whole seconds (TradingView's {{timenow}}), which may have fired up to the end of that
 * second: one acted on within the same second (a signal sent without a time, dated by its arrival to
 * the millisecond) is not newer than it. Refused, such a close would leave open the position its
 * sender had left; acted on in arrival order, it only takes exposure away. An entry keeps its time:
 * acted on after a flat of its second, it could reopen what that flat closed.
 */
function latestTimeOf(s: SignalRecord): number {
  return s.side === 'close' && s.timeMs % 1000 === 0 ? s.timeMs + 999 : s.timeMs;
}

/** What onSignal did, for the dashboard (it logs the why itself); `unknownWhy` when nothing of the store or the trader says. */
function entryOutcome(store: Store, t: SymbolTrader, side: Side, timeMs: number, key: string, unknownWhy = NOT_ENTERED): string {
  const id = positionIdOf(t.symbol, timeMs, side, key);
  if (t.position?.id === id) return `entered ${id}`;
  const order = store.getOrder(entryClientId(id));
  if (order?.status === 'rejected') return `entry ${entryClientId(id)} refused by the exchange (${order.error?.message ?? 'see the log'})`;
  if (order) return `entry ${entryClientId(id)} sent, not booked yet (${order.status})`;
  if (t.position?.side === side) return `a ${side} position is already open: ignored`;
  const riskHit = t.riskRefusalOf(`webhook:${key}`);
  if (riskHit !== null) return `not entered: risk limit ${riskHit.limit} (${riskHit.detail})`;
  const why = t.entrySkippedWhy(`webhook:${key}`);
  if (why !== null) return `not entered: ${why}`;
  return unknownWhy;
}

const NOT_ENTERED = 'not entered (max open positions, halted, a risk limit, an entry in doubt, below the minimum size, or a position, price or balance read that failed until max_lag_s ran out, or a close or a newer signal came first; see the log)';

function mark(d: StoredSignalsDeps, s: SignalRecord, status: 'acted' | 'refused', detail: string): void {
  d.store.markSignal(s.id, status, detail);
  d.log.info({ id: s.id, symbol: s.symbol, side: s.side, status, detail }, status === 'acted' ? 'signal.acted' : 'signal.refused');
}
