import { entryBelowMinimum, entrySteps, maxEntrySteps, stopPastLiquidation } from '../core/position-size.ts';
import type { LadderConfig } from '../core/config/index.ts';
import { type MarketRules, stepsToQty } from '../core/market/market-rules.ts';
import type { Command, DomainEvent, FillInput, StepResult } from '../core/model/commands.ts';
import { type ParsedClientId, type Position, closeClientId, entryClientId, exitClientId, isStopClientId, lastExitTimeMs, parseClientId, stopClientId } from '../core/model/position.ts';
import { applyExternalExit, applyFill, applyOrderEnd, entryFeeLearnt, fundingBooked, onPrice, openPosition, replaceStop, requestClose, stopNotTriggered } from '../core/scaled-tp/exit-manager.ts';
import { exitCommand, stopPriceOf } from '../core/scaled-tp/ladder-rules.ts';
import { planLadder } from '../core/scaled-tp/ladder-plan.ts';
import type { ExitSettings } from '../core/scaled-tp/settings.ts';
import { formatScaled } from '../core/decimal.ts';
import { asSteps, type Side, type Steps } from '../core/units.ts';
import { ExchangeError, type ExchangeErrorCode, refusedForTheRequest, withoutSignature } from '../exchange/errors.ts';
import { type Balance, type ClosedCandle, DEFAULT_REQUEST_WINDOW_MS, type ExchangePort, type FundingPayment, type FundingRate, type MarginMode, type OrderState, type PositionInfo, type Trade } from '../exchange/port.ts';
import { type OrderRecord, REUSABLE, type Store } from '../store/index.ts';
import type { FileSignal } from '../strategy/signals-file.ts';
import type { LiveStrategy, Signal } from '../strategy/strategy.ts';
import { CLEARANCE_OWED_AT_START_MS, ClearanceFees } from './clearance-fees.ts';
import { signalDueAtStart } from './signals-due-at-start.ts';
import { CommandExecutor, type RestingStop } from './command-executor.ts';
import { LiveCandles } from '../data/live-candles.ts';
import type { Logger } from './logger.ts';
import type { OrderRouter } from './order-router.ts';
import { alertText } from './alert-text.ts';
import { logDomainEvent } from './log-events.ts';
import { entryAllowedByRiskLimits } from './risk-gate.ts';
import { marketClockMs } from '../core/risk/market-clock.ts';
import { qtyOf } from '../core/index.ts';
import { lastFlatIndex } from './flat-point.ts';
import { setKeptMarginMode, setLeverageAgain } from './account-checks.ts';

export interface TraderDeps {
  readonly ex: ExchangePort;
  readonly store: Store;
  readonly router: OrderRouter;
  readonly log: Logger;
  readonly now: () => number;
  readonly config: LadderConfig;
  readonly settings: ExitSettings;
  readonly market: MarketRules;
  readonly strategy: LiveStrategy;
  readonly timeframe: string;
  readonly timeframeMs: number;
  /** Positions open across all symbols, and entries not booked yet (max_open_positions). */
  readonly openPositions: () => number;
  /** Notional of the entries not booked yet across all symbols (max_total_notional). */
  readonly unbookedNotional?: () => number;
  /** Called with every domain event after it is stored (the dashboard's live feed). */
  readonly onEvent?: (e: DomainEvent) => void;
  /** Adopt a position opened outside the bot on this symbol: plan its ladder, place its stop ([entries] 3). */
  readonly manageManual?: boolean;
  /** The configured margin mode, not set at start (a position was open here): set before the next entry from flat. */
  readonly marginModeKept?: MarginMode;
  /** Told every alert once it is logged (notifications, [operate] 5); must not throw. */
  readonly onAlert?: (kind: TraderAlertKind, message: string) => void;
  /** The least wall time between two funding reads of the symbol, ms (default FUNDING_READ_GAP_MS). */
  readonly fundingReadGapMs?: number;
}

/** What an alert of a trader is about: entries stopped for lack of margin or another reason, the strategy failed, anything else. */
export type TraderAlertKind = 'insufficient_margin' | 'halted' | 'strategy_error' | 'other';

export { entryClientId };

/**
 * When the settlement of a FUNDING_FEE record happened: Binance dates the record when it posts it, up
 * to a few seconds after the settlement (DOTUSDT's 00:00 settlement dated 1616803201000, 00:00:01:
 * ccxt/node-binance-api#686). Settlements are on the hour, so the record's minute is the settlement's:
 * a reversal a second after the hour is not charged the settlement of the position it closed.
 */
const settledAtMs = (recordMs: number): number => Math.floor(recordMs / 60_000) * 60_000;

/** A position's funding settlements still to book are those after this time: its entry, or the newest booked. */
const fundingFromMs = (p: Position): number => Math.max(p.entryTimeMs, p.fundingThroughMs ?? -Infinity);

/**
 * Data-derived position id: the symbol, the signal's time and its side (a restart derives the same
 * id). The side is part of it: an opposite signal in the same second closes the position and enters
 * its own side, which needs an id of its own. So is the signal's own key when it has one (a webhook
 * signal's id), as 4 base-36 characters of its hash: a long, a flat and a long of one second (a
 * strategy that exits and enters again on one bar, one `{{timenow}}`) are two positions.
 */
export const positionIdOf = (symbol: string, signalTimeMs: number, side: Side, key?: string): string =>
  `${symbol}-${Math.floor(signalTimeMs / 1000).toString(36)}${side === 'long' ? 'l' : 's'}${key === undefined ? '' : keyHash(key)}`;

/** FNV-1a (32 bits) of `key`, 4 base-36 characters: short enough for Binance's 36-character client ids with the longest symbols and suffixes. */
function keyHash(key: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193) >>> 0;
  return (h % 36 ** 4).toString(36).padStart(4, '0');
}
/**
 * Whether an entry order stored under this id stands for its signal having been acted on: any but one
 * the exchange never executed: refused by a rate limit (429, 418, 403, or not sent for one: the router
 * stores its Binance code, -1003/-1015, or the class), for its timestamp (-1021/-5028, its retries
 * spent or cut by the entry's deadline) or for the API key (-2015/-1022/-2014), or found never to have arrived (neverArrived: its
 * request lost, a kill while it was on its way, declared once it could no longer execute). A signal that
 * waits (a restart's restored one) then sends it again under the same id.
 */
const actedOnBy = (o: OrderRecord | null): boolean =>
  o !== null && !(o.status === 'rejected' && NOT_EXECUTED_CODES.has(o.error?.code ?? '')) && !(o.status === 'canceled' && o.error?.code === NEVER_ARRIVED && o.bookedSteps === 0);
/** The error code neverArrived stores on an order the exchange never received. */
const NEVER_ARRIVED = 'not_found';
const NOT_EXECUTED_CODES: ReadonlySet<string> = new Set(['rateLimited', '-1003', '-1015', 'clockSkew', '-1021', '-5028', 'auth', '-1022', '-2014', '-2015']);
/** The id an earlier Ladder derived for the same signal (before ids carried the side): a signal it entered is not entered again. */
const legacyPositionIdOf = (symbol: string, signalTimeMs: number): string => `${symbol}-${Math.floor(signalTimeMs / 1000).toString(36)}`;

/** Closed candles one read may ask for: Binance gives 1500 a request, the candle still forming included. */
const MAX_CANDLES_READ = 1499;

/**
 * Closed candles read at start for the strategy: its warm-up and the newest candle, so that its first
 * answers live are the backtest's (an indicator over 600 candles fed 500 says nothing for 100 candles);
 * at least 500 (what the dashboard's charts show), at most 1499 (Binance's 1500 a request, the candle
 * still forming included).
 */
export const liveHistory = (warmup: number): number => Math.min(MAX_CANDLES_READ, Math.max(500, warmup + 1));

/** What an entry waited for (waitUnsent's kinds), in the words of its expiry alert. */
const WAITED_FOR: Record<string, string> = {
  reads: 'the price and balance reads to answer',
  leftovers: "the orders of an earlier position to be cancelled (their cancels failed; see reconcile.orphan_cancelled)",
  'account-settings': 'the margin mode and leverage calls to answer',
  'rate-limited': "the exchange's rate limit to end",
  'clock-skew': 'the clock (-1021: timestamp outside recvWindow)',
  'key-refused': 'the exchange to take the API key again (-2015: its IP list, its permissions, or a ban of this IP)',
  'position-unknown': 'the position read to answer',
  entry_in_doubt: 'an earlier order of this symbol in doubt to be settled',
  exchange_calls: 'slow exchange calls',
  step_signals: "every symbol's signals of the step to be computed (a strategy call slow or hung on another symbol: see strategy.failed)",
};

/** Our open orders, stops and exits alike, are read at least this often (protection, hand cancels, orphans). */
const ORDERS_CHECK_MS = 15_000;
/**
 * A cancel answered "unknown order" (-2011) while the open orders list shows the order triggered (Binance:
 * TRIGGERING, its algo service stuck; that service no longer cancels it) is asked again after
 * ORDERS_CHECK_MS, doubling up to this: a stop stuck for an hour costs ~18 cancels, not ~240.
 */
const STUCK_CANCEL_MAX_MS = 240_000;
/** A shortfall of the exchange's position with no trade to show for it is believed after this long (R6.6). */
const OUTSIDE_CONFIRM_MS = 1_500;
/** A look-up that says "no such order" is believed only when a second one, this much later, says it too (R6.3). */
const NOT_FOUND_CONFIRM_MS = 1_000;
/**
 * Binance executes a request whose timestamp is up to 1 s ahead of its clock: with the recvWindow
 * the request carried, how long after it was signed it may still arrive and execute.
 */
const CLOCK_AHEAD_TOLERANCE_MS = 1_000;
/** Back-off of look-ups that fail (the exchange is down): first delay and cap. */
const LOOKUP_BACKOFF_MS = [500, 30_000] as const;
/** After the exchange refused a reduce-only exit (-2022/-4118): no exit goes out before a re-read, nor this soon. */
const RESYNC_HOLD_MS = 2_000;
/**
 * A take-profit refused outright (-4131 in a thin book, a filter) waits RESYNC_HOLD_MS, doubling per
 * refusal in a row of the position's exits up to this (or the exchange's Retry-After), so that a
 * market that keeps refusing is asked every 30 s, not every 2 s; the exchange stop protects meanwhile.
 */
const EXIT_RETRY_MAX_MS = 30_000;
/** The n-th wait in a row of a position's exits (a refusal, an expiry with nothing filled): 2 s doubling up to 30 s. */
const exitBackoffMs = (n: number): number => Math.min(EXIT_RETRY_MAX_MS, RESYNC_HOLD_MS * 2 ** (n - 1));
/** How long an entry taken from the position read waits for its trades to be listed whole, for its fee (learnEntryFee). */
const ENTRY_FEE_WAIT_MS = 60_000;
/** The trade id of the entry fill a position taken from the exchange's position read is booked with (no trade of its own was readable). */
const positionReadTradeId = (positionId: string): string => `position-${positionId}`;
/** A stop that could not be placed is tried again at most this often (no rejection storm). */
const STOP_RETRY_MS = 5_000;
/** A stop refused outright while an older stop of the position still rests: tried again after 5 s, doubling up to this. */
const STOP_RETRY_MAX_MS = 60_000;
/**
 * An order in doubt whose look-ups fail is settled by the other reads after this long: a stop the open
 * orders list does not show is believed absent, an entry is booked from its fills.
 */
const STOP_DOUBT_MS = 3_000;
/** Market closes of one remainder tried before the bot gives up and alerts (thin liquidity). */
const MAX_CLOSE_ATTEMPTS = 5;
/** Binance: "Order's position side does not match user's setting" — the account went to Hedge mode. */
const HEDGE_MODE = -4061;
/** A refused remainder close is sent again after this, doubling per refusal up to CLOSE_RETRY_MAX_MS. */
const CLOSE_RETRY_MS = 1_000;
const CLOSE_RETRY_MAX_MS = 30_000;
/** Cycles run back to back in one step while they keep sending something (fills are read back at once). */
const MAX_CYCLES = 6;
/** A stop the exchange triggered whose order has filled nothing this long after (stuck in TRIGGERING): the rest is closed at market. */
const STOP_TRIGGER_STUCK_MS = 10_000;
/** Commands executed in one cycle at most: a runaway loop ends in an alert, not a storm. */
const MAX_COMMANDS = 40;
/**
 * Funding settlements are on the hour (every 1, 4 or 8 hours): the open position's are read once an
 * hour, FUNDING_READ_DELAY_MS past it (the exchange posts a settlement's income a few seconds late).
 */
const HOUR_MS = 3_600_000;
const FUNDING_READ_DELAY_MS = 60_000;
/** The least wall time between two funding reads of a symbol (Binance weighs an income read 30). */
const FUNDING_READ_GAP_MS = 60_000;
/** A closed trade's settlements are read a read gap after its close, and once more this many gaps later (one posted late). */
const FUNDING_REREAD_GAPS = 10;
/** Trades closed this long before a start (market time) are owed a funding read: one settlement interval (8 h). */
const FUNDING_OWED_AT_START_MS = 8 * HOUR_MS;
/**
 * A settlement's rate record is the one nearest its income record within this: Binance dates them
 * apart (a rate's fundingTime a few ms past the hour, its income record posted a few seconds late);
 * a symbol's settlements are an hour apart at least.
 */
const FUNDING_RATE_MATCH_MS = 30 * 60_000;

/** The rate record nearest `timeMs` within FUNDING_RATE_MATCH_MS, if any. */
function rateNear(rates: readonly FundingRate[] | null, timeMs: number): FundingRate | undefined {
  let best: FundingRate | undefined;
  for (const r of rates ?? []) {
    const d = Math.abs(r.timeMs - timeMs);
    if (d <= FUNDING_RATE_MATCH_MS && (best === undefined || d < Math.abs(best.timeMs - timeMs))) best = r;
  }
  return best;
}

interface Doubt {
  nextAtMs: number;
  delayMs: number;
  notFoundSinceMs: number | null;
}

/** What a stored wait comes from (waiting-entries.ts origin): the config's strategy and exchange (testnet or not), and the port (paper or live). */
export const waitOriginOf = (config: LadderConfig, exchangeName: string): string => JSON.stringify({ strategy: config.strategy, exchange: config.exchange, port: exchangeName });

/** An entry signal waiting to be acted on, and since when (its max lag counts from there). */
interface EntryWaiting {
  readonly sig: Signal;
  readonly sinceMs: number;
  /** Waits for an order in doubt: acted on as a signal once settled (a reversal closes the booked side). */
  readonly forDoubt?: true;
  /** The position whose close a reversal waits for. */
  readonly closingId?: string;
  /** A strategy's signal waiting for the step's entries, which come once every symbol's signals are computed (said so if it expires). */
  readonly forStep?: true;
}

/**
 * One symbol under the bot. Each cycle converges to the exchange's truth: read it (position, new
 * trades, orders in doubt, our open orders), apply it to the core, store the result, then send the
 * commands through the executor. Outcomes of sends are values applied by the same loop: no nested
 * execution, no recursion. Reconciliation at start is simply the first cycle; a position changed
 * outside the bot (closed or reduced by hand, liquidated) is taken as the exchange says (R6.6).
 */
export class SymbolTrader {
  readonly candles: LiveCandles;
  position: Position | null = null;
  /** Set when no new position may be opened (margin alarm, inconsistent exchange); stops stay managed. */
  halted: string | null = null;
  /** Funding (bookFunding): the market hour of the last read of the open position's, closed positions owed their last read (from when), a read failing (said once). */
  private fundingReadHour = -Infinity;
  private readonly fundingOwed = new Map<string, number>();
  /** Closed trades whose first owed read was made: the next one is their last. */
  private readonly fundingRereads = new Set<string>();
  private fundingFailing = false;
  /** The last funding read was refused outright: the next one an hour later. */
  private fundingRefused = false;
  private fundingReadAtMs = -Infinity;
  /** Why nothing is sent or booked on this symbol until a restart (freezeIfUnitsChanged); null normally. */
  frozen: string | null = null;
  private readonly executor: CommandExecutor;
  /** The stop first seen triggered by the exchange with nothing filled, and when (stopTriggerStuck). */
  private stopTriggeredSeen: { readonly clientOrderId: string; readonly sinceMs: number } | null = null;
  /** Liquidation clearance fees owed a read (Binance charges them apart from the trade). */
  private readonly clearance: ClearanceFees;
  private queue: Command[] = [];
  private readonly doubts = new Map<string, Doubt>();
  /** Cancels answered -2011 while the exchange lists the order triggered, by client id: since when, how many, and when the next may go (cancelListed). */
  private readonly stuckCancels = new Map<string, { readonly sinceMs: number; readonly n: number; readonly nextAtMs: number }>();
  private ordersCheckedAtMs = -Infinity;
  /** Since when the open orders list fails to read (said once: listFailed), or null. */
  private listFailingSinceMs: number | null = null;
  /** When the current stop was last looked up by its client id because the open orders list failed (stopWithoutList). */
  private stopLookedUpAtMs = -Infinity;
  /** Read everything next cycle (a send, a stream update, a refusal). */
  private dirty = true;
  /** This step's first half converged the position (a new open): the second half need not, unless it enters. */
  private convergedAtOpen = false;
  /** The entry price the exchange showed for the open position at the last position read (syncPosition). */
  private exchangeEntry: { positionId: string; price: number } | null = null;
  /** What the exchange held of the open position at this cycle's position read (a close is sized to it); null before the read. */
  private exchangeHeld: { positionId: string; steps: Steps } | null = null;
  /** Since when the exchange's position has been smaller than ours with no trade to explain it. */
  private shortfallSinceMs: number | null = null;
  /** Since when an entry taken from the position read waits for its trades to be listed whole (learnEntryFee), or null. */
  private entryFeeWaitSinceMs: number | null = null;
  /** The exchange just refused a reduce-only exit: a shortfall is believed at once, exits wait. */
  private refusedReduceOnly = false;
  /** No exit of this position goes out before `untilMs` (a refusal's hold or back-off); a new position never inherits it. */
  private holdExits: { positionId: string; untilMs: number } | null = null;
  private stopRetryAtMs = 0;
  /** A stop placement held back by stopRetryAtMs makes the orders check due then (not 15 s later): invariant 9. */
  private stopDueAtMs: number | null = null;
  /** The current stop's placements refused in a row while an older stop of the position rests (its back-off); cleared once it rests. */
  private stopKeptRefusals: { clientOrderId: string; n: number } | null = null;
  /**
   * The open position's market close the exchange refused: when it goes out again, its refusals in a
   * row for this reason (`tries`; `counted`: those that count toward giving up, not a rate limit or a
   * clock skew). Cleared when a close is accepted, and when the position ends.
   */
  private closeRetry: { positionId: string; reason: 'signal' | 'end' | 'stop'; tries: number; counted: number; atMs: number } | null = null;
  /** The open position's take-profits refused outright in a row (not -2022/-4118): the next wait doubles. Cleared when an exit is taken. */
  private exitRefusals: { positionId: string; n: number; flush: number } | null = null;
  /** The open position's last take-profit refused as reduce-only: its quantity then and the flush (exitRefusedReduceOnly). */
  private reduceOnlyRefusal: { positionId: string; remainingSteps: number; flush: number } | null = null;
  /**
   * Market take-profits of the open position that expired with nothing filled (an empty book, price
   * protection), per client id: the next try of the position's exits waits 2 s, doubling up to 30 s.
   */
  private emptyExpiries: { positionId: string; n: Map<string, number> } | null = null;
  /** Counts flushes: take-profits refused in one flush (a price past several levels) are one refusal of the back-off. */
  private flushSeq = 0;
  private readonly alerted = new Set<string>();
  /** The configured margin mode still to set before an entry from flat (start kept the current one). */
  private marginModeToSet: MarginMode | null;
  /** The price read failed at the last cycle (price.read_failed said once until it answers). */
  private priceFailing = false;
  /** The position (or its trades) read failed at the last cycle (position.read_failed said once until it answers). */
  private positionFailing = false;
  /** `strategy.stopped` was logged (once per trader). */
  private saidStopped = false;
  /**
   * An entry not sent because an exchange read failed (the position: what the account holds is
   * unknown; the price or the balance: its size is): tried again at each step while the read fails,
   * for at most webhook.max_lag_s (the wait the bot allows any signal), unless a newer signal or a
   * position comes first. `forDoubt`: a strategy's signal that found an order of this symbol in doubt
   * (signalWaitsForDoubt): acted on as a signal (a reversal closes the position first) once its fate is known;
   * `closingId`: a reversal whose close of that position was not done within its step: entered once it is.
   */
  private entryWaitingNow: EntryWaiting | null = null;
  /** The last entry refused by a risk limit: its signal's reason and the hit (riskRefusalOf). */
  private riskRefused: { readonly reason: string; readonly limit: string; readonly detail: string } | null = null;
  /** What the waiting entry last waited for (waitUnsent's kind), said when the wait expires; not stored (a restart: unknown). */
  private waitingFor: string | null = null;
  /** What the store holds as this symbol's waiting entry (waiting-entries.ts): written when a strategy's signal starts waiting, cleared once an operation ends without one. */
  private storedWaiting: EntryWaiting | null = null;
  /** Keys of the lines logged once (sayOnce): an entry waiting for reads, an exit's end waiting for its trades. */
  private readonly said = new Set<string>();
  /** Why the newest entry signal was not entered, in a trader's words (the record of a webhook's signal says it). */
  private skipped: { readonly reason: string; readonly why: string } | null = null;
  /** When candles were last read (the bot's clock): a gap longer than a candle is an outage (stale signals). */
  private candlesReadAtMs: number | null = null;
  /** Trades whose order the exchange could not identify (taken as not ours), each logged once. */
  private readonly unknownOrderTrades = new Set<string>();
  /** The tail of the work queued on this symbol (see exclusive). */
  private running: Promise<void> = Promise.resolve();

  constructor(private readonly d: TraderDeps) {
    this.marginModeToSet = d.marginModeKept ?? null;
    this.candles = new LiveCandles(d.market.id, d.timeframeMs);
    this.executor = new CommandExecutor({
      router: d.router,
      market: d.market,
      log: d.log,
      now: d.now,
      current: () => this.position,
      // Only a close's reference price (F24's close of a crossed stop): a failing read must not hold it up.
      price: () => this.priceForClose(),
      restingStop: (p, except) => this.restingStopOf(p, except),
      held: (p, fresh) => this.heldOf(p, fresh),
    });
    this.clearance = new ClearanceFees({
      ex: d.ex,
      symbol: d.market.id,
      log: d.log,
      now: d.now,
      position: (id) => (this.position?.id === id ? this.position : this.d.store.getPosition(id)),
      // The position in hand goes through transition; one already closed and let go, straight to the store.
      apply: (id, r) => (this.position?.id === id ? this.transition(r) : void this.d.store.savePosition(r.position)),
      // Once per refusal, kept by ClearanceFees (a refusal after the read answered again is a new alert).
      alert: (fields, msg, text) => {
        d.log.error({ symbol: d.market.id, ...fields }, msg);
        d.onAlert?.('other', text);
      },
    });
  }

  get symbol(): string {
    return this.d.market.id;
  }

  /** The ccxt unified symbol (`BTC/USDT:USDT`), as config.symbols names it. */
  get unifiedSymbol(): string {
    return this.d.market.symbol;
  }
  private get entryWaiting(): EntryWaiting | null {
    return this.entryWaitingNow;
  }

  /** A strategy's signal that starts to wait is stored at once (a kill in the same step must not lose it). */
  private set entryWaiting(w: EntryWaiting | null) {
    this.entryWaitingNow = w;
    if (w !== null && w === this.strategyWaiting() && w !== this.storedWaiting) this.storeWaiting(w);
  }

  /** The waiting entry if it is a strategy's (a webhook's signal has its own pending row: key), else null. */
  private strategyWaiting(): EntryWaiting | null {
    const w = this.entryWaitingNow;
    return w !== null && w.sig.key === undefined ? w : null;
  }

  private storeWaiting(w: EntryWaiting | null): void {
    if (w === this.storedWaiting) return;
    this.d.store.setWaitingEntry(
      this.symbol,
      w === null ? null : { symbol: this.symbol, side: w.sig.side, signalTimeMs: w.sig.timeMs, reason: w.sig.reason, stopLossPct: w.sig.stopLossPct ?? null, sinceMs: w.sinceMs, forDoubt: w.forDoubt === true, closingId: w.closingId ?? null, origin: this.waitOrigin() },
    );
    this.storedWaiting = w;
  }

  private waitOrigin(): string {
    return waitOriginOf(this.d.config, this.d.ex.name);
  }

  /** The reason of the entry signal waiting for a failing read (retried at each step), or null: the webhook's signal stays pending meanwhile. */
  get waitingEntryReason(): string | null {
    return this.entryWaiting?.sig.reason ?? null;
  }

  /** Why the entry signal of this `reason` was not entered, if it was the newest one and was skipped. */
  entrySkippedWhy(reason: string): string | null {
    return this.skipped?.reason === reason ? this.skipped.why : null;
  }

  /**
   * The risk limit that refused the last try of the entry signal `reason` (its limit and numbers as the
   * gate stored them), or null: a webhook's record names it, whether the try came at once or after a
   * wait for a failing read (a step later).
   */
  riskRefusalOf(reason: string): { readonly limit: string; readonly detail: string } | null {
    return this.riskRefused?.reason === reason ? this.riskRefused : null;
  }

  /** Restores the stored position and warms the strategy up on recent closed candles. */
  async init(history = liveHistory(this.d.strategy.warmup)): Promise<void> {
    this.position = this.d.store.positionBySymbol(this.symbol);
    this.restoreWaitingEntry();
    this.freezeIfUnitsChanged();
    this.resumeRefusedClose();
    if (this.d.strategy.warmup >= history) {
      // Binance gives at most 1500 candles a request: the strategy's indicators are not warm at start
      // (the backtest's are, from its data), so it may say nothing for the candles it still needs.
      this.d.log.warn({ symbol: this.symbol, strategy: this.d.strategy.name, warmup: this.d.strategy.warmup, history }, 'strategy.warmup_longer_than_history');
    }
    const warmup = await this.d.ex.candles(this.symbol, this.d.timeframe, history);
    this.candlesReadAtMs = this.d.now();
    this.candles.append(warmup);
    this.d.store.saveCandles(this.symbol, this.d.timeframeMs, warmup); // the dashboard's charts and single-TP replay
    this.owedFundingAtStart();
    this.owedClearanceAtStart();
    await this.dropRestoredWaitIfStale();
  }

  /**
   * The read owed to a trade after its close is kept in memory only: trades closed shortly before the
   * start (within FUNDING_OWED_AT_START_MS of market time: the hourly reads covered what came before)
   * are owed those reads again (bookFunding: a gap on, and FUNDING_REREAD_GAPS later). A settlement already
   * booked is not booked again (the position's cursor, fundingThroughMs).
   */
  private owedFundingAtStart(): void {
    const fromMs = this.marketNowMs() - FUNDING_OWED_AT_START_MS;
    for (const id of this.d.store.historyIndex({ symbol: this.symbol }).ids.slice(0, 10)) {
      const p = this.d.store.getPosition(id);
      if (p?.status !== 'closed') continue;
      if (lastExitTimeMs(p) >= fromMs) this.fundingOwed.set(id, this.d.now() + this.fundingGapMs);
    }
  }

  /** Clearance-fee reads owed when the bot stopped (kept in memory) are owed again: the store's liquidation exits say which. */
  private owedClearanceAtStart(): void {
    const fromMs = this.marketNowMs() - CLEARANCE_OWED_AT_START_MS;
    for (const id of this.d.store.historyIndex({ symbol: this.symbol }).ids.slice(0, 10)) {
      const p = this.d.store.getPosition(id);
      if (p !== null) this.clearance.oweAtStart(p, fromMs);
    }
  }

  /**
   * Candles that closed after the restored wait's signal while the bot was down come with the warm-up,
   * and the strategy is never asked about them. Asked now, as an outage's candles are (stale: never
   * traded): one that signals drops the restored wait, as a stale signal drops a waiting entry during an
   * outage. The strategy changed its mind since; before, the restart sent the older side against it.
   */
  private async dropRestoredWaitIfStale(): Promise<void> {
    const w = this.entryWaitingNow;
    // One past its max lag is dropped by the first step anyway.
    if (w === null || this.d.now() - w.sinceMs > this.d.config.webhook.max_lag_s * 1000) return;
    const series = this.candles.series();
    // The candles after the one the signal came from: those opening at or after its time (ema_cross's is its
    // candle's close; a signals file's row is entered at the first open at or after it). No alignment of
    // open times is assumed (weekly candles open on Mondays).
    let first = series.length;
    while (first > 0 && series.time[first - 1]! >= w.sig.timeMs) first--;
    for (let i = first; i < series.length; i++) {
      if (this.strategyStopped()) return;
      let sig: Signal | null;
      try {
        sig = await this.d.strategy.onCandle(series, i);
      } catch (e) {
        this.d.log.error({ symbol: this.symbol, candleTime: new Date(series.time[i]!).toISOString(), err: errInfo(e) }, 'signals.failed');
        continue;
      }
      if (sig === null) continue;
      this.d.log.warn({ symbol: this.symbol, side: sig.side, candleTime: new Date(series.time[i]!).toISOString(), newestCandleTime: new Date(series.time[series.length - 1]!).toISOString() }, 'signal.stale');
      if (w.sig.timeMs <= sig.timeMs) {
        this.d.log.warn({ symbol: this.symbol, side: w.sig.side, signalTime: new Date(w.sig.timeMs).toISOString() }, 'entry.wait_dropped_by_stale_signal');
        this.entryWaiting = null;
        this.storeWaiting(null);
        return;
      }
    }
  }

  /**
   * The strategy's signal that waited when the bot stopped (an order in doubt, a reversal's close), or was
   * being acted on (stepSignals, stepEntries): acted on by the next steps as before the stop, or dropped there once older
   * than webhook.max_lag_s.
   */
  private restoreWaitingEntry(): void {
    const w = this.d.store.waitingEntry(this.symbol);
    if (w === null) return;
    if (w.origin !== this.waitOrigin()) {
      // Another strategy's signal (the config changed across the restart), or a paper run's on this file
      // now live: not this run's to trade.
      this.d.log.warn({ symbol: this.symbol, side: w.side, reason: w.reason, signalTime: new Date(w.signalTimeMs).toISOString(), storedBy: w.origin, now: this.waitOrigin() }, 'entry.wait_dropped_config_changed');
      this.d.store.setWaitingEntry(this.symbol, null);
      return;
    }
    const sig: Signal = { timeMs: w.signalTimeMs, side: w.side, reason: w.reason, ...(w.stopLossPct !== null ? { stopLossPct: w.stopLossPct } : {}) };
    this.entryWaitingNow = { sig, sinceMs: w.sinceMs, ...(w.forDoubt ? { forDoubt: true as const } : {}), ...(w.closingId !== null ? { closingId: w.closingId } : {}) };
    this.storedWaiting = this.entryWaitingNow;
    this.d.log.info({ symbol: this.symbol, side: w.side, reason: w.reason, signalTime: new Date(w.signalTimeMs).toISOString(), waitingSince: new Date(w.sinceMs).toISOString() }, 'entry.wait_restored');
  }

  /**
   * The exchange changed the symbol's tick or step size since the open position was planned: its stored
   * ticks and steps mean other prices and sizes now (a stop 10× off, a phantom exit of 9 steps in 10),
   * so nothing is sent or booked for this symbol until a restart after the position is closed. Its stop
   * and resting orders on the exchange are prices and quantities there, untouched: they still protect it.
   */
  private freezeIfUnitsChanged(): void {
    const p = this.position;
    if (p === null || p.status !== 'open') return;
    const tick = formatScaled(1, this.d.market.tickSize);
    const step = formatScaled(1, this.d.market.stepSize);
    if (p.plan.tickSize === tick && p.plan.stepSize === step) return;
    const what = [p.plan.tickSize !== tick ? `tick size ${p.plan.tickSize} → ${tick}` : '', p.plan.stepSize !== step ? `step size ${p.plan.stepSize} → ${step}` : ''].filter(Boolean).join(', ');
    this.frozen = `the exchange changed ${this.symbol}'s ${what} since position ${p.id} was planned: Ladder no longer manages it (its stop and orders on the exchange stay as they are). Close it by hand or with \`ladder close --symbol ${this.symbol} --confirm-live\`: once it is gone Ladder books it as a manual exit and trades ${this.symbol} again`;
    this.halt(this.frozen);
  }

  /**
   * A frozen position (freezeIfUnitsChanged) the exchange no longer holds (closed by hand, as its alert
   * asks, or by its stop): ended as a manual exit of its whole remainder at the price now (its trades
   * are in the new steps, its quantity in the old), and the symbol trades again, its leftover orders
   * cancelled by client id. Without this the symbol stayed locked, a restart freezing it again.
   */
  private async releaseIfGone(): Promise<boolean> {
    const p = this.position;
    if (!p || p.status !== 'open') return false;
    let price: number;
    try {
      const held = await this.d.ex.position(this.symbol);
      if (held.side === p.side && held.qtySteps > 0) return false;
      price = await this.d.ex.price(this.symbol);
    } catch (e) {
      if (!(e instanceof ExchangeError)) throw e;
      this.sayOnce(`frozen-read:${p.id}`, 'warn', { positionId: p.id, err: errInfo(e) }, 'position.read_failed');
      return false;
    }
    const fill: FillInput = { clientOrderId: `${p.id}-manual`, tradeId: `ext-${p.id}-${p.partialExits.length}`, orderId: null, timeMs: this.d.now(), qtySteps: p.remainingSteps, price, fee: 0 };
    const r = applyExternalExit(p, { ...fill, reason: 'manual', clientOrderId: '' });
    if (!r.ok) {
      this.d.log.error({ symbol: this.symbol, positionId: p.id, err: r.error.message }, 'position.frozen_release_failed');
      return false;
    }
    // Its quantity in its own (old) steps: the market's now would misstate it.
    this.d.log.warn({ symbol: this.symbol, positionId: p.id, reason: 'manual', qty: qtyOf(p.remainingSteps, p.plan), price }, 'position.changed_outside');
    if (!this.d.store.bookFill(fill, r.value.position, { events: r.value.events })) return false;
    if (this.halted === this.frozen) this.halted = null;
    this.frozen = null;
    this.d.log.info({ symbol: this.symbol, positionId: p.id }, 'position.frozen_released');
    this.adopt(r.value);
    await this.flush();
    return true;
  }

  /** Something changed on the exchange (a pushed order update): read everything next cycle. */
  touch(): void {
    this.dirty = true;
  }

  /**
   * The first half of a polling step (the bot runs it for every symbol before any symbol's second
   * half, stepEntries): new closed candles and their signals (a failing candle read does not stop the
   * position's management); an opposite signal's close goes out now, its entry waits for
   * stepEntries. So a slot or margin freed at an open is free for every symbol's entry at that open,
   * as in the backtest (SPEC "Several symbols on one balance": closes at the open, then entries in
   * symbol-id order).
   */
  stepSignals(): Promise<void> {
    return this.exclusive(() => this.stepSignalsNow());
  }

  /** The second half of a step: the entry of this step's signal (and any entry waiting), then cycles to the exchange's truth. */
  stepEntries(): Promise<void> {
    return this.exclusive(() => this.stepEntriesNow());
  }

  /** Cycles until the position agrees with the exchange (at most MAX_CYCLES); start-up reconciliation is this. */
  converge(): Promise<void> {
    return this.exclusive(() => this.convergeNow());
  }

  /**
   * An entry signal from outside the poll (a webhook, a test): runs between steps, never inside one.
   * `arrivedAtMs`: when it arrived (a webhook's signal waited in the store since): a wait for a failing
   * read counts from then, so that it never enters more than webhook.max_lag_s after it arrived (a
   * slow start, a restart during the wait, do not start the wait again).
   * `entry_in_doubt`: not acted on, an order of this symbol is not booked yet (its answer lost): an
   * entry that may have filled (a reversal decided now would find no position to close), or the open
   * position's close (a long now would be ignored as already held, then the close books it flat); the
   * caller asks again later.
   */
  onSignal(sig: Signal, arrivedAtMs: number | null = null): Promise<'done' | 'entry_in_doubt'> {
    return this.exclusive(async () => {
      if (this.signalWaitsForDoubt()) {
        this.sayOnce(`signal-waits:${sig.reason}`, 'warn', { side: sig.side, reason: sig.reason }, 'signal.waiting_for_entry_in_doubt');
        return 'entry_in_doubt';
      }
      await this.signal(sig, arrivedAtMs);
      return 'done';
    });
  }

  /**
   * A signal acted on now could be wrong: an entry of this symbol is in doubt with no position booked
   * (it may have filled: a reversal would find nothing to close, then hold both against the strategy),
   * or the open position's close is under way (a long now would be ignored as already held, then the
   * close books it flat), or a replaced close could still execute (an entry now would be skipped). The
   * signal waits until the order's fate is known (onSignal, the strategy's: stepSignals).
   */
  private signalWaitsForDoubt(): boolean {
    const p = this.position;
    // With no position, a close still in doubt counts too (enter() sends nothing while one could still execute).
    return !this.frozen && ((p !== null && this.closeUnderWay(p)) || (p === null && this.entryInDoubt()));
  }

  /** The open position's close is under way: sent and not booked yet, or refused and waiting out its back-off to go out again. */
  private closeUnderWay(p: Position): boolean {
    return p.status === 'open' && (p.closing !== null || this.closeRetry?.positionId === p.id);
  }

  /**
   * Closes the open position at market, as an opposite signal would (a webhook's `close`): between
   * steps, like onSignal. `flat` when there is no open position; `entry_in_doubt` when there is none
   * yet but an entry of this symbol is in doubt (its answer lost): it may have filled, so the caller
   * asks again later; `frozen` when Ladder no longer manages the symbol (freezeIfUnitsChanged). A close
   * already under way is not sent twice. `signalTimeMs`: the close signal's
   * time; an entry waiting from a newer signal (the close delivered late) is kept.
   */
  closePosition(reason: string, signalTimeMs: number | null = null): Promise<'closing' | 'flat' | 'entry_in_doubt' | 'frozen'> {
    return this.exclusive(async () => {
      // A close means flat: an entry still waiting for a read (entryWaiting) is dropped with it, not sent after it.
      const w = this.entryWaiting;
      if (w && (signalTimeMs === null || w.sig.timeMs <= signalTimeMs)) {
        this.entryWaiting = null;
        this.d.log.warn({ symbol: this.symbol, side: w.sig.side, signalTime: new Date(w.sig.timeMs).toISOString(), reason }, 'entry.wait_dropped_by_close');
      }
      const p = this.position;
      if (this.frozen) return 'frozen';
      if (!p || p.status !== 'open') {
        // An entry whose answer was lost may hold on the exchange: booked by a later cycle, it would stay
        // open after the close that found "no position". The close waits for its look-up instead.
        if (this.entryUnbooked()) {
          this.sayOnce(`signal-waits:${reason}`, 'warn', { side: 'close', reason }, 'signal.waiting_for_entry_in_doubt');
          return 'entry_in_doubt';
        }
        return 'flat';
      }
      this.d.log.info({ symbol: this.symbol, positionId: p.id, reason }, 'close.requested');
      this.transition(requestClose(p, 'signal', await this.priceForClose(), this.d.now()));
      await this.convergeNow();
      return 'closing';
    });
  }

  /**
   * The price a close is asked at (informational: the close is a market order). A failing price read
   * (a 5xx, an IP ban for minutes) must not keep a close from being asked: the newest candle's close
   * stands in, and the close order itself is retried as any refused close (closeRefused).
   */
  private async priceForClose(): Promise<number> {
    try {
      return await this.d.ex.price(this.symbol);
    } catch (e) {
      const s = this.candles.series();
      if (s.length === 0) throw e;
      this.d.log.warn({ symbol: this.symbol, err: errInfo(e) }, 'close.price_read_failed');
      return s.close[s.length - 1]!;
    }
  }

  /**
   * The newest closed candles, read back to the last one the strategy saw: after more candles than one
   * read brings (the bot down, an IP ban, a suspended machine), the newest 5 alone would leave a hole
   * in the series, and its indicators (a 20-candle channel, an EMA) would mix candles from both sides
   * of it, unlike the backtest's. Read again, at most 1499 candles (Binance's 1500 a request); a hole
   * still left is said (candles.gap).
   */
  private async withoutHole(latest: readonly ClosedCandle[]): Promise<readonly ClosedCandle[]> {
    const last = this.candles.lastOpenMs;
    const tf = this.d.timeframeMs;
    const first = latest[0];
    if (!Number.isFinite(last) || first === undefined || first.openTimeMs <= last + tf) return latest; // the same array: no hole
    const missing = Math.round((latest.at(-1)!.openTimeMs - last) / tf);
    const more = await this.d.ex.candles(this.symbol, this.d.timeframe, Math.min(MAX_CANDLES_READ, missing));
    const from = more[0] ?? first;
    if (from.openTimeMs > last + tf) this.d.log.warn({ symbol: this.symbol, after: new Date(last).toISOString(), next: new Date(from.openTimeMs).toISOString(), missing: Math.round((from.openTimeMs - last) / tf) - 1 }, 'candles.gap');
    return more.length > 0 ? more : latest;
  }

  /** Runs `fn` after everything already running on this symbol: one cycle at a time, whoever calls. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    // A waiting entry acted on or dropped is cleared from the store once the whole operation is over: a
    // kill half-way through acting on it (a reversal's close sent, its entry not yet) finds it again.
    const run = this.running.then(fn, fn).finally(() => this.storeWaiting(this.strategyWaiting()));
    this.running = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private async stepSignalsNow(): Promise<void> {
    if (this.frozen && !(await this.releaseIfGone())) return;
    let newOpen = false;
    try {
      const read = await this.d.ex.candles(this.symbol, this.d.timeframe, 5);
      const latest = await this.withoutHole(read);
      const readAtMs = this.d.now();
      // Candles beyond one read (read back by withoutHole) are stale however the bot's clock moved (a
      // simulator that jumped days): the same rule as an outage.
      const outage = (this.candlesReadAtMs !== null && readAtMs - this.candlesReadAtMs > this.d.timeframeMs) || latest !== read;
      this.candlesReadAtMs = readAtMs;
      const added = this.candles.append(latest);
      if (added.length) this.d.store.saveCandles(this.symbol, this.d.timeframeMs, latest.slice(latest.length - added.length)); // the newest, in order
      newOpen = added.length > 0;
      // Several new candles after more than a candle's time without a read: the bot could not read
      // (network, an IP ban). The strategy sees each, but only the newest one's signal is traded: an
      // older one's entry was due candles ago at another price (the backtest's), and replaying them
      // would buy and sell back in one step. (A simulator replaying history fast brings several
      // candles per poll without any outage: all are traded, as before.)
      const newest = outage ? added.at(-1) : undefined;
      let deferred = false;
      for (const i of added) {
        // Stopped for good (a module that hung): said once, then no call and no line per candle.
        if (this.strategyStopped()) break;
        let sig: Signal | null;
        try {
          sig = await this.d.strategy.onCandle(this.candles.series(), i);
        } catch (e) {
          // The strategy's own failure: no entry on this candle, the next candles and every position go on.
          // A call that stopped the module (it hung) is strategyStopped's to alert: its words say entries have stopped.
          // Once per failure, not per candle: the key leaves out the candle the message names (a module that throws on every candle would alert every candle).
          if (!this.d.strategy.stopped) {
            const message = String(errInfo(e)['message']);
            this.alertOnce(`strategy:${message.replace(/ on candle \d+ \([^)]*\)/, '')}`, { candleTime: new Date(this.candles.series().time[i]!).toISOString(), err: errInfo(e) }, 'strategy.failed', alertText('strategy.failed', `strategy:${message}`));
          }
          if (this.strategyStopped()) break;
          this.d.log.error({ symbol: this.symbol, candleTime: new Date(this.candles.series().time[i]!).toISOString(), err: errInfo(e) }, 'signals.failed');
          continue;
        }
        if (sig && newest !== undefined && i !== newest) {
          const series = this.candles.series();
          this.d.log.warn({ symbol: this.symbol, side: sig.side, candleTime: new Date(series.time[i]!).toISOString(), newestCandleTime: new Date(series.time[newest]!).toISOString() }, 'signal.stale');
          // A stale signal is still newer than an entry waiting from before it (entryWaiting): the strategy
          // changed its mind since, so that older one is dropped too, never sent after it.
          if (this.entryWaiting !== null && this.entryWaiting.sig.timeMs <= sig.timeMs) {
            this.d.log.warn({ symbol: this.symbol, side: this.entryWaiting.sig.side, signalTime: new Date(this.entryWaiting.sig.timeMs).toISOString() }, 'entry.wait_dropped_by_stale_signal');
            this.entryWaiting = null;
          }
          continue;
        }
        if (!sig) continue;
        // An older candle's signal of this same read (a fast replay brings several) is entered before
        // this newer one is acted on: each signal in the order of its candles.
        if (deferred) await this.retryWaitingEntry();
        deferred = await this.strategySignal(sig, true);
      }
    } catch (e) {
      this.d.log.error({ symbol: this.symbol, err: errInfo(e) }, 'signals.failed');
    }
    // At a new open the position is taken as the exchange has it (its stop or a take-profit filled
    // during the candle that just closed, the stream's word not in yet) before any symbol's entry at
    // that open is decided: the backtest walks that candle before those entries. After the signals,
    // which are stored by then: a kill during these reads loses none of them.
    if (newOpen && this.position !== null) {
      await this.convergeNow();
      this.convergedAtOpen = true;
    }
  }

  private async stepEntriesNow(): Promise<void> {
    const converged = this.convergedAtOpen;
    this.convergedAtOpen = false;
    if (this.frozen) return;
    // Converged by this step's first half and nothing to enter: not read again (the request weight).
    if (converged && this.entryWaiting === null) return;
    await this.retryWaitingEntry();
    await this.convergeNow();
    // The doubt this step's look-ups settled: the signal that waited on it is acted on now, not a step later.
    if (this.entryWaiting?.forDoubt && !this.signalWaitsForDoubt()) await this.retryWaitingEntry();
  }

  /**
   * A strategy's signal, acted on now or made to wait for an order in doubt. `entryLater`: only its
   * close (an opposite position's) goes out now; the signal then waits (entryWaiting) for the step's
   * entries (stepEntries), and true is returned.
   */
  private async strategySignal(sig: Signal, entryLater = false): Promise<boolean> {
    if (this.signalWaitsForDoubt()) {
      // As a webhook's signal does (onSignal): it waits for the order's look-up, not skipped (a
      // reversal skipped here left the in-doubt long, once booked, open against the strategy).
      this.entryWaiting = { sig, sinceMs: this.d.now(), forDoubt: true };
      this.sayOnce(`signal-waits:${sig.reason}:${sig.timeMs}`, 'warn', { side: sig.side, reason: sig.reason }, 'signal.waiting_for_entry_in_doubt');
      return false;
    }
    // Stored before it is acted on, as a wait for its own acting (cleared when the operation ends, see
    // exclusive): a kill between a reversal's close and its entry (the reads, the account calls) found
    // nothing stored, and the restarted bot stayed flat against the strategy. Restored, it is acted on
    // as a signal (the side held is ignored; an entry already sent is found by its id).
    const w: EntryWaiting = { sig, sinceMs: this.d.now(), forDoubt: true };
    if (!entryLater) {
      this.storeWaiting(w);
      await this.signal(sig);
      return false;
    }
    // A newer signal replaces one waiting (as signal() does), and waits itself, stored at once.
    this.entryWaiting = { ...w, forStep: true };
    const p = this.position;
    if (!this.frozen && p !== null && p.status === 'open' && p.side !== sig.side) {
      this.d.log.info({ symbol: this.symbol, positionId: p.id, side: sig.side, reason: sig.reason, signalTime: new Date(sig.timeMs).toISOString() }, 'signal.close_first');
      this.transition(requestClose(p, 'signal', await this.priceForClose(), this.d.now()));
      await this.convergeNow();
      // As signal() after its close: one not done within the step waits with its position's id (dropped
      // if the close is given up, not asked again by the waiting entry), said once; skipped otherwise.
      if (this.reversalStillOpen(sig, w.sinceMs)) return this.entryWaiting !== null;
    }
    return true;
  }

  /**
   * A signals file's row due at the open of the candle forming at the start (signalDueAtStart), which
   * the strategy is never asked about: within webhook.max_lag_s of its time it is acted on now (a
   * webhook signal that late is entered; a restart finds it entered by its id), older it is said and
   * not traded, as a signal of a candle missed in an outage. As at a step's open, only its close (an
   * opposite position's) goes out now; its entry waits for stepEntries, which the bot runs once every
   * symbol's row is acted on (true: one waits), so a slot freed at that open is free for any symbol's
   * entry, in symbol-id order, as in the backtest.
   */
  enterDueAtStart(signals: readonly FileSignal[]): Promise<boolean> {
    return this.exclusive(async () => {
      const s = this.candles.series();
      if (s.length === 0) return false;
      const formingOpenMs = s.time[s.length - 1]! + s.timeframeMs;
      const sig = signalDueAtStart(signals, this.symbol, formingOpenMs, s.timeframeMs);
      if (sig === null) return false;
      const maxLagS = this.d.config.webhook.max_lag_s;
      const lagMs = this.marketNowMs() - sig.timeMs;
      const fields = { side: sig.side, reason: sig.reason, signalTime: new Date(sig.timeMs).toISOString(), entryOpen: new Date(formingOpenMs).toISOString(), lagS: Math.round(lagMs / 1000), maxLagS };
      if (lagMs > maxLagS * 1000) {
        this.d.log.warn({ symbol: this.symbol, ...fields }, 'signal.missed_before_start');
        return false;
      }
      this.d.log.info({ symbol: this.symbol, ...fields }, 'signal.due_at_start');
      return this.strategySignal(sig, true);
    });
  }

  /** The entry that waits for the position read (entryWaiting): sent now if the read answers and the rules allow it. */
  private async retryWaitingEntry(): Promise<void> {
    const w = this.entryWaiting;
    if (w === null) return;
    this.entryWaiting = null;
    // A position came meanwhile (adopted, entered): the signal is spent. Not for one waiting on an order
    // in doubt: the position booked from it is what the signal acts on (a reversal closes it).
    if (this.frozen || (this.position !== null && w.forDoubt === undefined)) return;
    const waitedMs = this.d.now() - w.sinceMs;
    if (waitedMs > this.d.config.webhook.max_lag_s * 1000) {
      this.waitExpired(w.sig, waitedMs, w.forStep ? 'step_signals' : w.forDoubt ? 'entry_in_doubt' : this.waitingFor);
      return;
    }
    if (w.forDoubt && this.signalWaitsForDoubt()) {
      // Waiting for an order in doubt now, not for the step any more.
      this.entryWaiting = { sig: w.sig, sinceMs: w.sinceMs, forDoubt: true, ...(w.closingId !== undefined ? { closingId: w.closingId } : {}) };
      return;
    }
    if (w.closingId !== undefined && this.position?.id === w.closingId) {
      // Its close ended without closing (given up after its refusals, alerted): not asked again from here.
      this.d.log.warn({ symbol: this.symbol, positionId: w.closingId, side: w.sig.side, signalTime: new Date(w.sig.timeMs).toISOString() }, 'entry.wait_dropped_close_failed');
      return;
    }
    try {
      await (w.forDoubt ? this.signal(w.sig, w.sinceMs) : this.enter(w.sig, w.sinceMs));
    } catch (e) {
      // What enter() does not wait for itself (a failure of ours, not a read's): the signal is dropped, as a new one's would be.
      this.d.log.error({ symbol: this.symbol, side: w.sig.side, err: errInfo(e) }, 'signals.failed');
    }
  }

  /**
   * Whether the strategy is stopped for good; the first time it is seen so, one alert (`strategy.failed`)
   * and one line (`strategy.stopped`, with why) say that no entries come from it any more while
   * positions are still managed.
   */
  private strategyStopped(): boolean {
    const why = this.d.strategy.stopped ?? null;
    if (why === null) return false;
    if (!this.saidStopped) {
      this.saidStopped = true;
      // The alert too: a thread that died between calls (an exception from the module's timer, its
      // memory limit) failed no call of ours, and no entry would come from it again with no word to
      // the user. The same key as a call's failure: a call that hung is alerted once, not twice.
      // Its words are not a failed call's ("no entry on that candle"): no entry comes from it any more.
      const message = String(errInfo(why)['message']);
      this.alertOnce(`strategy:${message}`, { err: errInfo(why) }, 'strategy.failed', `the strategy module stopped: ${message} (no entries come from it until Ladder restarts; open positions are managed as before)`);
      this.d.log.error({ symbol: this.symbol, err: errInfo(why) }, 'strategy.stopped');
    }
    return true;
  }

  /** Cycles back to back while they act (at most MAX_CYCLES): what was sent is read back at once. */
  private async convergeNow(): Promise<void> {
    for (let i = 0; i < MAX_CYCLES; i++) if (!(await this.cycle())) return;
  }

  /** An entry signal: ignore the side already held; close the other side first (SPEC "Data formats"). */
  private async signal(sig: Signal, arrivedAtMs: number | null = null): Promise<void> {
    this.d.log.info({ symbol: this.symbol, side: sig.side, reason: sig.reason, signalTime: new Date(sig.timeMs).toISOString() }, 'signal');
    this.entryWaiting = null; // a newer signal replaces one waiting for the position read
    this.skipped = null;
    const skip = (why: string): void => void (this.skipped = { reason: sig.reason, why });
    if (this.frozen) {
      this.d.log.warn({ symbol: this.symbol, why: this.frozen }, 'entry.skipped_halted');
      return skip(`Ladder no longer manages ${this.symbol}: ${this.frozen}`);
    }
    if (this.position?.status === 'closed') this.position = null; // reset_tracking (R4.4)
    const p = this.position;
    if (p && p.side === sig.side) return;
    if (p) {
      if (p.status === 'open') this.transition(requestClose(p, 'signal', await this.priceForClose(), this.d.now()));
      await this.convergeNow();
      if (this.reversalStillOpen(sig, arrivedAtMs ?? this.d.now())) return;
    }
    await this.enter(sig, arrivedAtMs);
  }

  /**
   * After a reversal's close was asked and cycled, whether the position is still held. Its close not
   * done within this step (its answer lost, refused and sent again after a back-off): the new side waits
   * for it (within webhook.max_lag_s), not dropped, as the backtest enters it, and is dropped if the
   * close is given up (closingId, retryWaitingEntry). Otherwise the new side is skipped.
   */
  private reversalStillOpen(sig: Signal, sinceMs: number): boolean {
    const p = this.position;
    if (!p) return false;
    if (this.closeUnderWay(p)) {
      this.entryWaiting = { sig, sinceMs, forDoubt: true, closingId: p.id };
      this.sayOnce(`reversal-waits:${p.id}:${sig.timeMs}`, 'warn', { positionId: p.id, side: sig.side }, 'entry.waiting_for_close');
      return true;
    }
    this.entryWaiting = null;
    this.d.log.warn({ symbol: this.symbol, positionId: p.id }, 'entry.skipped_previous_still_open');
    this.skipped = { reason: sig.reason, why: `the ${p.side} position ${p.id} could not be closed first` };
    return true;
  }

  /** `waitingSinceMs`: since when this signal has waited (for the position read: retryWaitingEntry; in the store: its arrival). */
  private async enter(sig: Signal, waitingSinceMs: number | null = null): Promise<void> {
    const { ex, market: m, config: c } = this.d;
    const sinceMs = waitingSinceMs ?? this.d.now();
    const skip = (why: string): void => void (this.skipped = { reason: sig.reason, why });
    if (this.halted) {
      this.d.log.warn({ symbol: this.symbol, why: this.halted }, 'entry.skipped_halted');
      return skip(`entries on ${this.symbol} are halted: ${this.halted}`);
    }
    if (this.d.openPositions() >= c.max_open_positions) {
      this.d.log.info({ symbol: this.symbol }, 'entry.skipped_max_open_positions');
      return skip(`max_open_positions (${c.max_open_positions}) are open`);
    }
    // A signal's own stop (ema_cross's ATR stop) that liquidation would beat: not entered, as in the backtest.
    const pastLiquidation = stopPastLiquidation(sig.stopLossPct ?? this.d.settings.stopLossPct, c.leverage);
    if (pastLiquidation !== null) {
      this.d.log.warn({ symbol: this.symbol, side: sig.side, signalTime: new Date(sig.timeMs).toISOString(), why: pastLiquidation }, 'entry.skipped_stop_past_liquidation');
      return skip(pastLiquidation);
    }
    const id = positionIdOf(this.symbol, sig.timeMs, sig.side, sig.key);
    let allowed: boolean;
    try {
      allowed = await entryAllowedByRiskLimits(this.d, sig, this.marketNowMs()); // risk limits ([operate] 3): logged and stored by the gate
    } catch (e) {
      // A limit on equity or notional reads the balance and the price before the entry does: the same wait.
      return this.waitForReads(sig, id, waitingSinceMs, e);
    }
    if (this.riskRefused?.reason === sig.reason) this.riskRefused = null; // this try's answer replaces an earlier one's
    if (!allowed) {
      const hit = this.d.store.riskLimitHit(); // the gate stored the hit that refused it
      if (hit !== null) this.riskRefused = { reason: sig.reason, limit: hit.limit, detail: hit.detail };
      return skip('a risk limit stops new entries (risk_limits; see risk.limit_hit)');
    }
    if (this.entryInDoubt()) {
      this.d.log.warn({ symbol: this.symbol }, 'entry.skipped_entry_in_doubt');
      return skip(`an entry of ${this.symbol} is in doubt (its answer lost, looked up by its client id)`);
    }
    // This signal was already entered (a restart), by this Ladder or by one before the ids carried the
    // side, or (a keyed signal) its key.
    const ids = [id, legacyPositionIdOf(this.symbol, sig.timeMs), ...(sig.key === undefined ? [] : [positionIdOf(this.symbol, sig.timeMs, sig.side)])];
    // An entry refused by a rate limit was not executed: its signal, waiting, sends it again (below).
    if (ids.some((x) => this.d.store.getPosition(x) || actedOnBy(this.d.store.getOrder(entryClientId(x))))) return;
    const stopPct = sig.stopLossPct ?? this.d.settings.stopLossPct;
    let price: number;
    let balance: Balance;
    try {
      price = await ex.price(this.symbol);
      // The margin asset is the market's settle asset (its quote on linear perpetuals: USDT, USDC).
      balance = await ex.balance(m.quote);
    } catch (e) {
      // The size needs both: the entry waits for them as for the position read (a strategy's signal
      // was lost here, a webhook's retried).
      return this.waitForReads(sig, id, waitingSinceMs, e);
    }
    const steps = entrySteps(c.position_size, price, balance.total, stopPct, m);
    const refused = entryBelowMinimum(steps, price, m);
    if (refused) {
      this.d.log.warn({ symbol: this.symbol, qty: stepsToQty(steps, m), price, why: refused.why, detail: refused.detail }, 'entry.skipped_below_minimum');
      return skip(`${stepsToQty(steps, m)} ${this.symbol} at ${price} is below the exchange's minimum (${refused.why === 'below_min_notional' ? `notional ${refused.detail}` : refused.detail})`);
    }
    if (steps === maxEntrySteps(m)) this.d.log.warn({ symbol: this.symbol, qty: stepsToQty(steps, m), price }, 'entry.capped_at_max_qty');
    // The exits are planned once the entry has filled: a plan the planner refuses then (a stop distance
    // under one tick rounds onto the entry) would leave a filled position with no stop. Planned at the
    // price read now first: refused, the signal is not traded, as the backtest skips it (plan_error).
    const preview = planLadder({ side: sig.side, entryPrice: price, quantitySteps: steps, market: m, settings: this.d.settings, stopLossPct: stopPct });
    if (!preview.ok) {
      const fields = { side: sig.side, signalTime: new Date(sig.timeMs).toISOString(), price, code: preview.error.code, message: preview.error.message };
      this.d.log.warn({ symbol: this.symbol, ...fields }, 'entry.skipped_plan_error');
      this.alertOnce(`entry-plan:${preview.error.code}`, fields, 'alert', `${this.symbol}: a ${sig.side} entry at ${price} cannot be given its exits: ${preview.error.message}. The signal is not traded (said once; later ones are logged as entry.skipped_plan_error)`);
      return skip(preview.error.message);
    }
    const side = sig.side === 'long' ? 'buy' : 'sell';
    // What the exchange held before this entry, stored with it: only from flat can a position found there
    // later be this entry's (openFromPositionRead, after a restart too), never one opened by hand beside it.
    let sentFromFlat: boolean;
    try {
      const held = await ex.position(this.symbol);
      sentFromFlat = held.qtySteps === 0;
      // One-way mode nets an entry against what the account holds: against a position on the other side
      // that Ladder does not manage (reversed or opened by hand), it would close the trader's position and
      // book one Ladder never held. Not sent; the alert says what to do.
      // On the same side it would add to the trader's position, and Ladder's stop (closePosition when
      // that slot is free) would close the trader's part with its own: not sent either.
      if (held.qtySteps > 0 && held.side !== null) {
        const same = held.side === sig.side;
        const qty = stepsToQty(held.qtySteps, m);
        const fields = { side: sig.side, heldSide: held.side, heldQty: qty };
        const event = same ? 'entry.skipped_same_side_position' : 'entry.skipped_opposite_position';
        const would = `the account holds a ${held.side} ${qty} ${this.symbol} not opened by Ladder: a ${sig.side} entry would ${same ? 'add to it' : 'net against it'}`;
        this.d.log.warn({ symbol: this.symbol, ...fields }, event);
        this.alertOnce(`${same ? 'entry-same-side' : 'entry-opposite'}:${held.side}:${held.qtySteps}`, fields, event, `${would}${same ? " and Ladder's stop would close it with Ladder's part" : ''}, so the signal is not traded. Close it on the exchange (or run Ladder with --manage to have it adopted); later signals enter once it is gone`);
        return skip(would);
      }
    } catch (e) {
      // Unknown is not flat: sent blind, the entry would net against a position on the other side (the
      // trader's). Not sent; tried again at each step while the signal may still wait (retryWaitingEntry).
      this.entryWaiting = { sig, sinceMs: waitingSinceMs ?? this.d.now() };
      this.waitingFor = 'position-unknown';
      const err = errInfo(e);
      this.alertOnce(`entry-position-unknown:${id}`, { side: sig.side, signalTime: new Date(sig.timeMs).toISOString(), err }, 'entry.position_unknown', `the ${this.symbol} position cannot be read from the exchange (${String(err['message'])}): a ${sig.side} entry could net against a position held there, so it is not sent until the read answers (tried again at each step, for at most webhook.max_lag_s)`);
      return;
    }
    // Orders of an earlier position of ours still resting (their cancels failed: a 5xx, a timeout): its
    // reduce-only take-profits or stop would fill against this entry (sold at the old targets, booked as
    // a change by hand) and hold the reduce-only budget its own exits need (-4118). Cancelled first;
    // while one cannot be (or the list cannot be read), the entry waits, within webhook.max_lag_s.
    if (!(await this.leftoversCancelled())) {
      this.waitUnsent(sig, id, waitingSinceMs, 'leftovers', 'entry.waiting_for_leftover_orders', { clientOrderId: entryClientId(id) });
      return;
    }
    // The configured margin mode, set before every entry from flat: start may have kept the old one (a
    // position was open), and the owner may have switched it by hand since (an isolated config's long
    // went out in cross margin, the whole wallet behind it). One request; -4046 when it is already so.
    if (sentFromFlat) {
      const mode = await setKeptMarginMode(ex, this.symbol, this.marginModeToSet ?? c.margin_mode, this.d.log);
      if (mode === 'set') this.marginModeToSet = null;
      // The leverage is asked only once the margin mode is settled (set, or kept for an owner's order).
      const modeSettled = mode === 'set' || mode === 'kept';
      const outcome = modeSettled ? await setLeverageAgain(ex, this.symbol, c.leverage, this.d.log) : mode;
      const setting = modeSettled ? 'leverage' : 'margin_mode';
      if (outcome === 'rateLimited') {
        // A 429/418 met here (a ban from another program on this IP): sent now, the entry was refused for
        // it and the signal dropped as refused. Nothing was sent: it waits as for a failing read (within
        // webhook.max_lag_s) and goes out, these calls first, once requests may leave again.
        this.waitForRateLimit(sig, id, waitingSinceMs);
        return;
      }
      if (outcome === 'unknown') {
        // A 5xx or a timeout: whether the exchange changed it is not known (sent anyway, the long went out
        // at the 100× set by hand, its liquidation before its stop). Asked again at each step.
        this.waitUnsent(sig, id, waitingSinceMs, 'account-settings', 'entry.waiting_for_account_settings', { clientOrderId: entryClientId(id), setting });
        return;
      }
      if (outcome === 'refused') {
        const what = setting === 'leverage' ? `leverage ${c.leverage}×` : `margin mode ${c.margin_mode}`;
        this.alertOnce(`entry-settings-refused:${id}`, { side: sig.side, signalTime: new Date(sig.timeMs).toISOString(), clientOrderId: entryClientId(id) }, 'entry.refused', `${this.symbol}: the exchange refused the configured ${what} before a ${sig.side} entry (account.${setting}_failed says why): the signal is not traded, the position would not be the one the config describes; fix it on the account or in the config, later signals try again`);
        return;
      }
    }
    // The reads and the account calls above may each have taken a client timeout (an exchange that
    // hangs): never sent more than webhook.max_lag_s after the signal arrived, sized at a price read then.
    const waitedMs = this.d.now() - sinceMs;
    if (waitedMs > c.webhook.max_lag_s * 1000) {
      this.waitExpired(sig, waitedMs, 'exchange_calls');
      return;
    }
    const sent = await this.d.router.send(
      { clientOrderId: entryClientId(id), positionId: id, symbol: this.symbol, kind: 'entry', level: null, side, type: 'market', qtySteps: steps, priceTicks: null, price: null, stopTicks: null, stopPrice: null, reduceOnly: false, closePosition: false, replacesClientOrderId: null, stopLossPct: stopPct, sentFromFlat },
      m,
      // A rate limit's Retry-After is not waited out past the lag: the entry then waits unsent (below) and expires.
      { settleLater: true, sendBy: sinceMs + c.webhook.max_lag_s * 1000 },
    );
    if (!sent.ok) {
      // In doubt: the next cycle looks it up and, if it filled, builds the position with its stop. A
      // strategy's signal waits for that (a webhook's has its own pending row): found never to have
      // arrived (a 503 "Service Unavailable." is not executed), it is sent again under its id within
      // webhook.max_lag_s, as a restart sends a restored one; it was lost before, with no word but a log line.
      if (sent.inDoubt) {
        this.d.log.warn({ symbol: this.symbol, clientOrderId: entryClientId(id) }, 'entry.in_doubt');
        if (sig.key === undefined) this.entryWaiting = { sig, sinceMs, forDoubt: true };
      } else if (sent.error.code === 'rateLimited') {
        // A 429/418/403 (a ban begun between the reads and the order), or not sent for one: nothing was
        // executed. It waits as an entry met by the ban at its reads does (within webhook.max_lag_s), and
        // is sent again under the same id once requests may leave; it was dropped as refused before.
        this.waitForRateLimit(sig, id, waitingSinceMs);
      } else if (sent.error.code === 'clockSkew') {
        // -1021/-5028 still after the clock's resync and retries (or its retry cut by the deadline): not
        // executed, so not a refusal of the signal (an 'entry.refused' alert, once per code for the
        // process's life). It waits and is sent again under the same id, within webhook.max_lag_s.
        this.waitUnsent(sig, id, waitingSinceMs, 'clock-skew', 'entry.waiting_for_clock', { clientOrderId: entryClientId(id), message: sent.error.message });
      } else if (sent.error.code === 'auth') {
        // The API key refused (-2015: the key's IP list or permissions changed, or Binance's ban of this
        // IP for minutes, to a key that has worked): not executed, nothing wrong with the signal. It waits
        // and is sent again under the same id once the key is taken, within webhook.max_lag_s (the
        // process's alert, exchange.key_refused, says what to check); it was dropped as refused before.
        this.waitUnsent(sig, id, waitingSinceMs, 'key-refused', 'entry.waiting_for_key', { clientOrderId: entryClientId(id), message: sent.error.message });
      } else if (sent.error.code === 'insufficientMargin') this.entryRefusedForMargin(id, sig, sent.error.message);
      else if (sent.error.exchangeCode === HEDGE_MODE) {
        // Binance allows the switch only when flat with no order: nothing of ours is open to manage.
        this.halt(`entry refused (-4061): the account is in Hedge position mode, and Ladder trades One-way mode only; switch back (Binance Futures: Preferences > Position Mode > One-way Mode) and start the bot again`);
      } else {
        // Any other refusal (a filter, -4131 PERCENT_PRICE, -4164): this signal is dropped; said once per kind of refusal.
        const why = sent.error.exchangeCode ?? sent.error.code;
        this.alertOnce(`entry-refused:${why}`, { clientOrderId: entryClientId(id), exchangeCode: sent.error.exchangeCode, message: sent.error.message }, 'entry.refused');
      }
      return;
    }
    await this.settleEntry(id, sig.side, stopPct, sent.order);
  }

  /**
   * Entry `id` refused for lack of margin (-2019, R6.5): this signal is skipped, as the backtest skips it
   * (insufficient_margin), with one alert; it is not sent again (no order loop), and the next signal is
   * tried as usual: the margin may be free by then (a position closed, funds moved in). Entries were
   * stopped on the symbol until a restart before.
   */
  private entryRefusedForMargin(id: string, sig: Signal, message: string): void {
    const clientOrderId = entryClientId(id);
    this.d.log.warn({ symbol: this.symbol, clientOrderId, side: sig.side, signalTime: new Date(sig.timeMs).toISOString(), message }, 'entry.skipped_insufficient_margin');
    if (this.alerted.has(clientOrderId)) return;
    this.alerted.add(clientOrderId);
    const why = `entry refused for lack of margin (${message}): the ${sig.side} signal of ${clientOrderId} is not traded; the next signal is tried again (lower position_size or leverage if it repeats)`;
    this.d.log.error({ symbol: this.symbol, why }, 'alert');
    this.d.onAlert?.('insufficient_margin', why);
  }

  /**
   * Entry `id` was not sent and nothing was executed (a read failed, a rate limit, an account call or the
   * clock without an answer): it waits (entryWaiting, retryWaitingEntry, within webhook.max_lag_s since
   * it began to wait), `msg` said once per signal and kind (`kind` keys it).
   */
  private waitUnsent(sig: Signal, id: string, waitingSinceMs: number | null, kind: string, msg: string, fields: Record<string, unknown>): void {
    this.entryWaiting = { sig, sinceMs: waitingSinceMs ?? this.d.now() };
    this.waitingFor = kind;
    this.sayOnce(`${kind}:${id}`, 'warn', { side: sig.side, signalTime: new Date(sig.timeMs).toISOString(), ...fields }, msg);
  }

  /**
   * An entry not sent within webhook.max_lag_s of its signal (entry.wait_expired): the signal is not
   * traded, and the trader is told once per signal what it waited for (an outage, a rate limit, orders
   * of an earlier position that could not be cancelled), not only in the log.
   */
  private waitExpired(sig: Signal, waitedMs: number, waitedFor: string | null): void {
    const signalTime = new Date(sig.timeMs).toISOString();
    this.d.log.warn({ symbol: this.symbol, side: sig.side, signalTime, waitedMs, waitedFor: waitedFor ?? 'unknown' }, 'entry.wait_expired');
    const what = WAITED_FOR[waitedFor ?? ''] ?? 'the exchange';
    this.alertOnce(`entry-expired:${sig.side}:${sig.timeMs}`, { side: sig.side, signalTime }, 'entry.not_traded', `${this.symbol}: the ${sig.side} signal of ${signalTime} is not traded: it waited ${Math.round(waitedMs / 1000)} s (webhook.max_lag_s ${this.d.config.webhook.max_lag_s}) for ${what}; nothing was sent for it`);
  }

  /** Cancels our orders of earlier positions still open on this symbol (no position is held here now); false when one may still rest. */
  private async leftoversCancelled(): Promise<boolean> {
    const open = await this.openOrdersById();
    // The list cannot be read: only an order the store last knew live (open, or in doubt) can rest.
    if (open === null) return ![...this.d.store.openOrders(), ...this.d.store.ordersInDoubt()].some((o) => o.symbol === this.symbol && o.kind !== 'entry' && o.kind !== 'close');
    let cancelled = true;
    for (const o of open.values()) if (this.ourExitOrStop(o) && !(await this.cancelListed(o, 'reconcile.orphan_cancelled'))) cancelled = false;
    return cancelled;
  }

  /** A listed order of ours on this symbol that is not an entry (an exit, a stop, a close): its parsed id. */
  private ourExitOrStop(o: OrderState): ParsedClientId | null {
    const id = parseClientId(o.clientOrderId);
    return id && id.kind !== 'entry' && o.clientOrderId.startsWith(`${this.symbol}-`) ? id : null;
  }

  /**
   * Cancels listed order `o` of ours (logged as `msg`); whether the exchange took the cancel. One the
   * exchange lists triggered and answers -2011 to (stuck in TRIGGERING) cannot be cancelled until its
   * algo service moves on: while it is listed so it still rests (false: an entry waits for it, a
   * position counts it as its stop), and its cancel is asked again after a back-off (STUCK_CANCEL_MAX_MS)
   * with one warning, not at every orders check. Once the list no longer shows it, the back-off ends (listRead).
   */
  private async cancelListed(o: OrderState, msg: string): Promise<boolean> {
    const id = o.clientOrderId;
    const stuck = this.stuckCancels.get(id);
    if (stuck && o.triggered === true && this.d.now() < stuck.nextAtMs) return false;
    this.d.log[stuck ? 'info' : 'warn']({ symbol: this.symbol, clientOrderId: id }, msg);
    const r = await this.d.router.cancel(this.symbol, id, o.type === 'stop_market' ? 'stop' : 'order', this.d.market);
    // A cancel or look-up that failed (a 5xx, a timeout) says nothing of the order: its back-off, if any,
    // is kept (asked again at the next orders check, then waiting on as before), not started over.
    if (!r.ok && !('stillOpen' in r)) return false;
    if (r.ok || r.stillOpen.triggered !== true) {
      this.stuckCancels.delete(id);
      return r.ok;
    }
    const n = (stuck?.n ?? 0) + 1;
    const waitMs = Math.min(STUCK_CANCEL_MAX_MS, ORDERS_CHECK_MS * 2 ** (n - 1));
    this.stuckCancels.set(id, { sinceMs: stuck?.sinceMs ?? this.d.now(), n, nextAtMs: this.d.now() + waitMs });
    this.sayOnce(`cancel-stuck:${id}`, 'warn', { clientOrderId: id, nextTryS: waitMs / 1000, maxWaitS: STUCK_CANCEL_MAX_MS / 1000 }, 'order.cancel_stuck_triggering');
    return false;
  }

  /** Entry `id` met a rate limit (429, 418, 403) before anything was executed (entry.waiting_for_rate_limit). */
  private waitForRateLimit(sig: Signal, id: string, waitingSinceMs: number | null): void {
    this.waitUnsent(sig, id, waitingSinceMs, 'rate-limited', 'entry.waiting_for_rate_limit', { clientOrderId: entryClientId(id) });
  }

  /** A price or balance read of entry `id` failed (entry.reads_failed). */
  private waitForReads(sig: Signal, id: string, waitingSinceMs: number | null, e: unknown): void {
    this.waitUnsent(sig, id, waitingSinceMs, 'reads', 'entry.reads_failed', { err: errInfo(e) });
  }

  /** Books a filled entry as the position (R3.5) and settles its order; leaves it in doubt when its fills are not visible yet. */
  private async settleEntry(id: string, side: Side, stopPct: number, o: OrderState): Promise<void> {
    if (o.filledSteps > 0) {
      try {
        await this.openFromEntry(id, side, stopPct, o.timeMs || this.d.now());
      } catch (e) {
        // One failed trades read must not lose the entry (fault 2): it stays in doubt, the next cycle books it.
        this.d.log.error({ symbol: this.symbol, clientOrderId: entryClientId(id), err: errInfo(e) }, 'entry.booking_failed');
        return;
      }
      if (!this.d.store.getPosition(id)) return; // fills not visible yet: stays in doubt
    }
    if (o.filledSteps === 0 && o.status === 'open') return;
    this.d.router.settle(o);
  }

  /**
   * Builds the position from the entry order's fills read back from the exchange (R3.5), plans the
   * ladder once (R3.4) and queues the protective stop (F9), sent in the same cycle.
   */
  private async openFromEntry(id: string, side: Side, stopPct: number, sinceMs: number): Promise<void> {
    const trades = (await this.d.ex.trades(this.symbol, sinceMs - 60_000)).filter((t) => t.clientOrderId === entryClientId(id));
    const qty = trades.reduce((s, t) => s + t.qtySteps, 0);
    if (qty === 0) {
      this.d.log.warn({ symbol: this.symbol, clientOrderId: entryClientId(id) }, 'entry.no_fill_yet');
      return;
    }
    const avg = trades.reduce((s, t) => s + t.price * t.qtySteps, 0) / qty;
    const plan = this.planFilled(id, side, avg, asSteps(qty), stopPct);
    if (!plan.ok) {
      this.halt(`cannot plan the exits: ${plan.error.message}`);
      return;
    }
    const fee = trades.reduce((s, t) => s + t.fee, 0);
    const r = openPosition({ id, symbol: this.symbol, timeMs: trades[0]!.timeMs, entryFee: fee, plan: plan.value });
    const last = trades.at(-1)!;
    const entryFill: FillInput = { clientOrderId: entryClientId(id), tradeId: last.tradeId, orderId: last.orderId, timeMs: last.timeMs, qtySteps: asSteps(qty), price: avg, fee };
    this.opened(r, entryFill, side, stopPct, 'info', 'position.opened');
    await this.flush();
  }

  /**
   * The plan of an entry that has filled. Its stop distance was checked before the entry went out, at
   * the price read then; filled at a price where it falls under one tick, the stop goes one tick past
   * the entry (said once): the position is on the exchange, and a refused plan would leave it without
   * a stop or any exit.
   */
  private planFilled(id: string, side: Side, price: number, steps: Steps, stopPct: number): ReturnType<typeof planLadder> {
    const req = { side, entryPrice: price, quantitySteps: steps, market: this.d.market, settings: this.d.settings, stopLossPct: stopPct };
    const plan = planLadder(req);
    if (plan.ok || plan.error.code !== 'stop_at_entry') return plan;
    const widened = planLadder({ ...req, stopAtLeastOneTick: true });
    if (widened.ok) {
      const stop = widened.value.initialStopPrice;
      this.alertOnce(`entry-stop-one-tick:${id}`, { positionId: id, side, price, stopLossPct: stopPct, stop }, 'entry.stop_widened_to_one_tick', `${this.symbol}: the ${side} entry filled at ${price}, where a ${stopPct}% stop is under one tick (${plan.error.message}); its stop is placed one tick past the entry, at ${stop}`);
    }
    return widened;
  }

  /**
   * A position the core just opened (from an entry's fills, the exchange's position read, an
   * adoption): stored with its entry fill, logged, and its stop and exits queued for this cycle.
   */
  private opened(r: StepResult, entryFill: FillInput, side: Side, stopPct: number, level: 'info' | 'warn', msg: string): void {
    this.d.store.bookFill(entryFill, r.position, { entry: true, events: r.events });
    this.d.log[level]({ symbol: this.symbol, positionId: r.position.id, side, price: entryFill.price, qty: stepsToQty(entryFill.qtySteps, this.d.market), stopLossPct: stopPct, plan: summarizePlan(r.position, this.d.market) }, msg);
    this.position = r.position;
    this.dirty = true;
    for (const e of r.events) this.emit(e);
    this.queue.push(...r.commands);
  }

  /**
   * An entry of ours in doubt, neither its order nor its trades readable as ours: the exchange's
   * position is taken as its fill when it is exactly what the entry asked for (its side and quantity,
   * nothing else held), priced at the position's entry price, its fee unknown (0). Its ladder and stop
   * then protect it at once; the order is settled once a look-up answers (resolveEntry).
   */
  private async openFromPositionRead(o: OrderRecord, side: Side, stopPct: number, filledSteps: number | null = o.qtySteps): Promise<void> {
    // Only an entry sent while the exchange showed the symbol flat (stored with it: a restart knows too).
    if (o.sentFromFlat !== true) return;
    let ex: Awaited<ReturnType<ExchangePort['position']>>;
    try {
      ex = await this.d.ex.position(this.symbol);
    } catch (e) {
      this.d.log.warn({ symbol: this.symbol, err: errInfo(e) }, 'position.read_failed');
      return;
    }
    if (ex.side !== side || filledSteps === null || ex.qtySteps !== filledSteps || !(ex.entryPrice > 0)) return;
    const id = o.positionId;
    const plan = this.planFilled(id, side, ex.entryPrice, ex.qtySteps, stopPct);
    if (!plan.ok) {
      this.halt(`cannot plan the exits: ${plan.error.message}`);
      return;
    }
    const timeMs = this.marketNowMs();
    const r = openPosition({ id, symbol: this.symbol, timeMs, entryFee: 0, plan: plan.value });
    const entryFill: FillInput = { clientOrderId: entryClientId(id), tradeId: positionReadTradeId(id), orderId: null, timeMs, qtySteps: ex.qtySteps, price: ex.entryPrice, fee: 0 };
    this.opened(r, entryFill, side, stopPct, 'warn', 'position.opened_from_position_read');
  }

  /**
   * A position taken from the exchange's position read (openFromPositionRead) has entry fee 0: once the
   * entry's trades can be read as ours, their fee is the position's (the exits to come share it). False
   * when the trades could not be read (the entry stays unsettled and is asked about again).
   */
  private async learnEntryFee(o: OrderRecord): Promise<boolean> {
    const p = this.position;
    if (!p || p.id !== o.positionId || p.status !== 'open' || p.entryFee !== 0) return true;
    if (!this.d.store.fillsOf(p.id).some((f) => f.tradeId === positionReadTradeId(p.id))) return true;
    let trades;
    try {
      trades = (await this.d.ex.trades(this.symbol, p.entryTimeMs - 7 * 86_400_000)).filter((t) => t.clientOrderId === o.clientOrderId);
    } catch (e) {
      this.d.log.warn({ symbol: this.symbol, clientOrderId: o.clientOrderId, err: errInfo(e) }, 'trades.read_failed');
      return false;
    }
    const qty = trades.reduce((n, t) => n + t.qtySteps, 0);
    if (qty !== p.originalSteps) {
      // Listed in part or not at all yet (the account's trade list can lag the matching engine): asked
      // again next cycle, for a while; then the fee is given up (the position stays right but for it).
      const now = this.d.now();
      this.entryFeeWaitSinceMs ??= now;
      if (qty < p.originalSteps && now - this.entryFeeWaitSinceMs < ENTRY_FEE_WAIT_MS) return false;
      this.entryFeeWaitSinceMs = null;
      this.d.log.warn({ symbol: this.symbol, clientOrderId: o.clientOrderId, qty: stepsToQty(asSteps(qty), this.d.market), expected: stepsToQty(p.originalSteps, this.d.market) }, 'entry.fee_unknown');
      return true;
    }
    this.entryFeeWaitSinceMs = null;
    const fee = trades.reduce((n, t) => n + t.fee, 0);
    const r = entryFeeLearnt(p, fee);
    if (r.position === p) return true;
    this.transition(r);
    this.d.log.info({ symbol: this.symbol, positionId: p.id, clientOrderId: o.clientOrderId, fee }, 'entry.fee_learnt');
    return true;
  }

  /**
   * A position on the exchange that no entry of ours made (opened by hand in the exchange's app):
   * adopted as it is, its ladder planned on its real size and entry price with the configured stop,
   * its protective stop placed in this cycle. Never while one of our entries is unsettled (that
   * position is ours). The adoption is stored before any order, so a restart finds it and adopts
   * nothing twice.
   */
  private async adoptManual(): Promise<boolean> {
    if (this.entryInDoubt()) return false;
    const ex = await this.d.ex.position(this.symbol);
    if (ex.side === null || ex.qtySteps <= 0 || !(ex.entryPrice > 0)) return false;
    if (ex.qtySteps > maxEntrySteps(this.d.market)) {
      // Its exits could not go out as one reduce-only order each (MARKET_LOT_SIZE maxQty): not adopted.
      this.alertOnce(`adopt-too-large:${this.symbol}:${ex.qtySteps}`, { qty: stepsToQty(ex.qtySteps, this.d.market), maxQty: stepsToQty(maxEntrySteps(this.d.market), this.d.market) }, 'adopt.too_large');
      return false;
    }
    const id = `${this.symbol}-m${Math.floor(this.d.now() / 1000).toString(36)}`;
    if (this.d.store.getPosition(id)) return false;
    // Orders of an earlier position of ours still resting (their cancels failed) would fill against the
    // adopted one (sold at the old targets) and hold the reduce-only budget its own exits need (-4118):
    // adopted once they are cancelled, as an entry waits for them. Its own stop is placed in that cycle.
    if (!(await this.leftoversCancelled())) {
      this.sayOnce(`adopt-leftovers:${ex.side}:${ex.qtySteps}`, 'warn', { side: ex.side, qty: stepsToQty(ex.qtySteps, this.d.market) }, 'adopt.waiting_for_leftover_orders');
      return false;
    }
    const stopPct = this.d.settings.stopLossPct;
    const plan = planLadder({ side: ex.side, entryPrice: ex.entryPrice, quantitySteps: ex.qtySteps, market: this.d.market, settings: this.d.settings, stopLossPct: stopPct });
    if (!plan.ok) {
      this.alertOnce(`adopt:${this.symbol}:${ex.qtySteps}`, { side: ex.side, qty: stepsToQty(ex.qtySteps, this.d.market), why: plan.error.message }, 'adopt.cannot_plan');
      return false;
    }
    // Times are the exchange's (its clock may not be ours: a replay, a skew): the newest trade that
    // built the position, found in the last 7 days of the account's trades; else the newest candle's close.
    const exchangeNow = Number.isFinite(this.candles.lastOpenMs) ? this.candles.lastOpenMs + 2 * this.d.timeframeMs : this.d.now();
    const opening = (await this.d.ex.trades(this.symbol, exchangeNow - 7 * 86_400_000 + 60_000)).filter((t) => t.side === (ex.side === 'long' ? 'buy' : 'sell')).at(-1);
    const timeMs = opening?.timeMs ?? exchangeNow - this.d.timeframeMs;
    const r = openPosition({ id, symbol: this.symbol, timeMs, entryFee: 0, plan: plan.value });
    // The entry is the exchange's position itself, booked under its newest opening trade (so later
    // trades are read from there on); the fee is not ours to know. A trade already booked (one that
    // reversed our position by hand: it closed ours and opened this one) is not booked twice, and the
    // position would not be stored: the entry then has an id of its own.
    const tradeId = opening && !this.d.store.hasFill(this.symbol, opening.tradeId) ? opening.tradeId : `adopt-${id}`;
    const entryFill: FillInput = { clientOrderId: entryClientId(id), tradeId, orderId: opening?.orderId ?? null, timeMs, qtySteps: ex.qtySteps, price: ex.entryPrice, fee: 0 };
    this.opened(r, entryFill, ex.side, stopPct, 'warn', 'position.adopted');
    return true;
  }

  /**
   * One converging cycle. Returns whether it acted (sent something or learnt something), so that the
   * caller runs another one at once to read the outcome back.
   */
  private async cycle(): Promise<boolean> {
    if (this.frozen) return this.releaseIfGone();
    let acted = false;
    this.exchangeHeld = null;
    if (this.position) {
      try {
        acted = (await this.syncPosition()) || acted;
        if (this.positionFailing) this.d.log.info({ symbol: this.symbol }, 'position.read_answers');
        this.positionFailing = false;
      } catch (e) {
        // Only a read's failure; anything else (a defect) ends the cycle as before, where it is logged.
        if (!(e instanceof ExchangeError)) throw e;
        // What is held is unknown (the position or trades read fails): no exit goes out on it, but the
        // stop is still checked and placed again (orders check below): a stop cancelled by hand during
        // the outage must not stay missing for as long as it lasts (invariant 9). It used to end the cycle.
        if (!this.positionFailing) this.d.log.warn({ symbol: this.symbol, err: errInfo(e) }, 'position.read_failed');
        this.positionFailing = true;
        acted = (await this.resolveDoubts()) || acted;
        await this.checkOrders();
        await this.flush();
        return acted;
      }
    }
    acted = (await this.resolveDoubts()) || acted;
    if (!this.position && this.d.manageManual) acted = (await this.adoptManual()) || acted;
    if (this.position) acted = (await this.settleEndedOrders()) || acted;
    acted = (await this.resendUnsent()) || acted;
    acted = (await this.checkOrders()) || acted;
    const p = this.position;
    if (p && p.status === 'open' && !(this.holdExits?.positionId === p.id && this.d.now() < this.holdExits.untilMs)) {
      // A failing price read skips this cycle's price rules only: what is queued (a close, a stop) still goes out.
      const price = await this.d.ex.price(this.symbol).then(
        (v) => ((this.priceFailing = false), v),
        (e: unknown) => {
          if (!this.priceFailing) this.d.log.warn({ symbol: this.symbol, err: errInfo(e) }, 'price.read_failed');
          this.priceFailing = true;
          return null;
        },
      );
      if (price !== null) this.transition(onPrice(p, price, this.d.now()));
    }
    const flushed = await this.flush();
    await this.bookFunding();
    await this.clearance.book();
    return flushed || acted;
  }

  /** The least wall time between two funding reads (TraderDeps.fundingReadGapMs, default FUNDING_READ_GAP_MS). */
  private get fundingGapMs(): number {
    return this.d.fundingReadGapMs ?? FUNDING_READ_GAP_MS;
  }

  /**
   * The funding the position paid or received (the exchange's settlements since its entry), each booked
   * on it once (its cursor, fundingThroughMs): read once per market hour while it is open (settlements
   * come every 1, 4 or 8 hours, on the hour) and twice after it closes. A read that fails is tried again
   * a read gap later; it never holds up the position's orders. The trade's PnL is then its exits' plus its funding, as in a backtest
   * given funding rates. A read the exchange refuses outright (the key lacks a permission: -2015) is one
   * alert and is asked again once an hour, not at every read gap.
   */
  private async bookFunding(): Promise<void> {
    const open = this.position?.status === 'open' ? this.position : null;
    if (this.fundingOwed.size === 0 && open === null) return;
    // A simulator replaying history runs hours in seconds: its reads are spaced in wall time too.
    if (this.d.now() - this.fundingReadAtMs < (this.fundingRefused ? Math.max(HOUR_MS, this.fundingGapMs) : this.fundingGapMs)) return;
    const hourOf = (t: number) => Math.floor((t - FUNDING_READ_DELAY_MS) / HOUR_MS);
    const hour = hourOf(this.marketNowMs());
    // The open position's: once its entry's hour has passed (a settlement may have come), then once an hour.
    const due = open !== null && hour > Math.max(this.fundingReadHour, hourOf(open.entryTimeMs));
    // Closed ones owed their last read (several, when reads are spaced and trades are short), by one
    // read made a gap after the close: a settlement just before it is posted a few seconds late.
    const owed: Position[] = [];
    for (const [id, readyAtMs] of this.fundingOwed) {
      const p = readyAtMs <= this.d.now() ? this.d.store.getPosition(id) : null;
      if (p !== null) owed.push(p);
      else if (readyAtMs <= this.d.now()) {
        this.fundingOwed.delete(id);
        this.fundingRereads.delete(id);
      }
    }
    if (!due && owed.length === 0) return;
    const targets = open !== null ? [...owed, open] : owed;
    this.fundingReadAtMs = this.d.now();
    let payments: FundingPayment[];
    let rates: readonly FundingRate[] | null = null;
    // Which read a refusal came from: the income is the account's (a key's permission), the rates are public.
    let read = 'income history';
    try {
      // After the cursors (funding() answers from its time on): the newest booked would be read again each time.
      payments = await this.d.ex.funding(this.symbol, Math.min(...targets.map(fundingFromMs)) + 1);
      // The settlements' rates and mark prices tell the quantity each record charged (splitFunding).
      if (payments.length > 0 && this.d.ex.fundingRates !== undefined) {
        read = 'funding rate history';
        rates = await this.d.ex.fundingRates(this.symbol, payments[0]!.timeMs - FUNDING_RATE_MATCH_MS);
      }
    } catch (e) {
      const positionId = targets.at(-1)!.id;
      // A definitive refusal (keys, permissions, a 4xx) does not go away by itself: the user has to act.
      this.fundingRefused = e instanceof ExchangeError && (e.code === 'auth' || e.code === 'rejected');
      if (this.fundingRefused) {
        const why = (e as ExchangeError).exchangeCode ?? (e as ExchangeError).code;
        // Key advice only for the account's own read refused for the key (the rate history is public).
        const fix = read === 'income history' && (e as ExchangeError).code === 'auth' ? ' Check the API key: it needs the permission to read the account (Binance: "Enable Reading") and this IP on its list' : '';
        this.alertOnce(`funding-refused:${why}`, { positionId, read, err: errInfo(e) }, 'funding.read_refused', `${this.symbol}: the exchange refuses the funding (${read}) read: ${(e as Error).message}. The funding its positions pay or receive is not booked on their trades (their PnL, the day's PnL and the risk limits leave it out) until the read answers; it is asked again once an hour.${fix}`);
      } else if (!this.fundingFailing) this.d.log.warn({ symbol: this.symbol, positionId, err: errInfo(e) }, 'funding.read_failed');
      this.fundingFailing = true;
      return;
    }
    if (this.fundingFailing) {
      this.d.log.info({ symbol: this.symbol }, 'funding.read_answers');
      // Answered: a later refusal (another key) is a new alert.
      for (const k of this.alerted) if (k.startsWith('funding-refused:')) this.alerted.delete(k);
    }
    this.fundingFailing = false;
    this.fundingRefused = false;
    // Read once more a while later: a settlement just before the close may be posted after this read.
    for (const p of owed) {
      if (this.fundingRereads.has(p.id)) {
        this.fundingRereads.delete(p.id);
        this.fundingOwed.delete(p.id);
      } else {
        this.fundingRereads.add(p.id);
        this.fundingOwed.set(p.id, this.d.now() + FUNDING_REREAD_GAPS * this.fundingGapMs);
      }
    }
    if (open !== null) this.fundingReadHour = hour;
    for (const p of targets) this.bookFundingOf(p, payments, rates);
  }

  /**
   * The settlements after the position's entry and up to its last exit (one-way mode: one position a
   * symbol) are its own: one at the very time of an entry was charged before it (to the position a
   * reversal closed then, or to nobody), as Binance and the backtest charge the position held then.
   */
  private bookFundingOf(p: Position, payments: readonly FundingPayment[], rates: readonly FundingRate[] | null): void {
    const endMs = p.status === 'closed' ? lastExitTimeMs(p) : Infinity;
    // Only the settlements after those booked: one is booked once, and one the exchange has since forgotten stays.
    const afterMs = fundingFromMs(p);
    let amount = 0;
    let throughMs = -Infinity;
    let settlements = 0;
    for (const f of payments) {
      const at = settledAtMs(f.timeMs);
      if (f.timeMs <= afterMs || at <= p.entryTimeMs || at > endMs) continue;
      amount += this.splitFunding(p, f, rateNear(rates, f.timeMs));
      throughMs = Math.max(throughMs, f.timeMs);
      settlements++;
    }
    if (settlements === 0) return;
    // The position in hand (open, or closed this cycle and still held) goes through transition; an older one straight to the store.
    const held = this.position !== null && p.id === this.position.id ? this.position : null;
    const r = fundingBooked(held ?? p, amount, throughMs);
    if (r.position === (held ?? p)) return;
    if (held !== null) this.transition(r);
    else this.d.store.savePosition(r.position);
    // Dated at the newest settlement booked (market time), as fills are: in a replay (the demo) the read's wall time is months off.
    this.d.log.info({ symbol: this.symbol, positionId: p.id, eventTime: new Date(settledAtMs(throughMs)).toISOString(), funding: r.position.funding, settlements, amount, status: p.status }, 'position.funding');
  }

  /**
   * The position's part of a settlement's record. Quantity added by hand to it (position.larger_on_exchange)
   * is one position on the exchange, charged in the same record: the quantity charged, |amount| / (mark ×
   * |rate|) from the settlement's rate and mark price, above what the position held just before it (its
   * exits before that time taken off) by more than half a step and the record's 8-decimal rounding, is not
   * its own, and it gets its share. The whole record when the rate or mark price is not known.
   */
  private splitFunding(p: Position, f: FundingPayment, r: FundingRate | undefined): number {
    if (r === undefined || r.markPrice === null || r.rate === 0 || f.amount === 0) return f.amount;
    const per = r.markPrice * Math.abs(r.rate);
    const charged = Math.abs(f.amount) / per;
    const at = settledAtMs(f.timeMs);
    const held = stepsToQty(asSteps(p.originalSteps - p.partialExits.reduce((s, e) => s + (e.timeMs < at ? e.qtySteps : 0), 0)), this.d.market);
    return charged - held > stepsToQty(asSteps(1), this.d.market) / 2 + 1e-8 / per ? (f.amount * held) / charged : f.amount;
  }

  /**
   * The exchange's position, then the trades since our newest booked one (in that order: a fill
   * between the two reads shows as a trade the position does not yet reflect, never as a shortfall).
   * Our fills are booked; a shortfall the exchange shows is taken as a change made outside the bot.
   */
  private async syncPosition(): Promise<boolean> {
    const p = this.position!;
    const exPos = await this.d.ex.position(this.symbol);
    const exSteps = exPos.side === p.side ? exPos.qtySteps : 0;
    this.exchangeHeld = { positionId: p.id, steps: asSteps(exSteps) };
    if (exPos.side !== null && exPos.side !== p.side && exPos.qtySteps > 0) {
      // Reversed outside the bot (none of our orders can flip it: exits are reduce-only): ours ends below, the other side is the trader's.
      const qty = stepsToQty(exPos.qtySteps, this.d.market);
      const fate = this.d.manageManual ? `the ${exPos.side} is adopted as a position opened by hand` : `the ${exPos.side} is not managed and has no stop from Ladder (run with --manage to have it adopted)`;
      this.alertOnce(`position.opposite_on_exchange:${p.id}`, { exchangeQty: qty, exchangeSide: exPos.side, ourSide: p.side }, 'position.opposite_on_exchange', `the exchange now holds a ${exPos.side} ${qty} ${this.symbol} where Ladder's ${p.side} ${p.id} was (reversed outside Ladder): Ladder booked its ${p.side} as closed; ${fate}`);
    }
    const inFlight = this.ordersInFlight(p);
    // The exchange's entry price moved with no change of quantity: a close and a new position by hand
    // between two reads (no order update from a stream said so); the trades tell (endedThroughFlat).
    const entryMoved = this.exchangeEntry?.positionId === p.id && this.exchangeEntry.price !== exPos.entryPrice;
    this.exchangeEntry = exPos.side === p.side ? { positionId: p.id, price: exPos.entryPrice } : null;
    if (exSteps === p.remainingSteps && !inFlight && !this.dirty && !entryMoved) {
      this.shortfallSinceMs = null;
      return false;
    }
    const before = this.position;
    const { trades, foreign } = await this.bookTrades();
    const cur = this.position;
    if (!cur || cur.status !== 'open') return true;
    if (exPos.side !== null && exPos.qtySteps > 0 && !this.ordersInFlight(cur) && (await this.endedThroughFlat(cur, exPos, trades, foreign))) return true;
    // More than held before this read's fills: added outside the bot. Only more than held after them may
    // be one of those fills made after the position read (it shows the quantity before it): the next read says.
    if (exSteps > p.remainingSteps) this.alertOnce(`position.larger_on_exchange:${cur.id}`, { exchangeQty: stepsToQty(asSteps(exSteps), this.d.market), ourQty: stepsToQty(cur.remainingSteps, this.d.market), side: exPos.side }, 'position.larger_on_exchange');
    if (exSteps < cur.remainingSteps && !this.ordersInFlight(cur)) await this.adoptShortfall(cur, exSteps, foreign);
    else this.shortfallSinceMs = null;
    return this.position !== before;
  }

  /** Books our new fills; returns the trades read and, of them, those of others (by hand, liquidation) that reduce this position. */
  private async bookTrades(): Promise<{ trades: readonly Trade[]; foreign: Trade[] }> {
    const p = this.position!;
    const since = (this.d.store.latestFillTimeMs(this.symbol) ?? p.entryTimeMs) - 60_000;
    // From the position's newest booked trade on, by id where the exchange numbers its trades: a
    // time range would miss an exit more than 7 days after the last fill (Binance's window).
    const fromId = newestTradeId(this.d.store.fillsOf(p.id).map((f) => f.tradeId));
    const trades = await this.d.ex.trades(this.symbol, Math.max(since, p.entryTimeMs - 60_000), fromId);
    const foreign: Trade[] = [];
    for (const t of trades) {
      if (t.orderUnknown && !this.unknownOrderTrades.has(t.tradeId)) {
        this.unknownOrderTrades.add(t.tradeId);
        this.d.log.warn({ symbol: this.symbol, tradeId: t.tradeId, orderId: t.orderId, side: t.side, qty: stepsToQty(t.qtySteps, this.d.market), price: t.price }, 'trade.order_unknown');
      }
      const cur = this.position;
      if (!cur || cur.status !== 'open') break;
      const id = parseClientId(t.clientOrderId);
      if (id?.positionId === cur.id && id.kind !== 'entry') this.book(t);
      else if (id === null && t.timeMs >= cur.entryTimeMs && t.side === (cur.side === 'long' ? 'sell' : 'buy') && !this.d.store.hasFill(this.symbol, t.tradeId)) foreign.push(t);
    }
    return { trades, foreign };
  }

  /**
   * Closed by hand and a new position opened by hand between two reads (on the same side, or on the
   * other in a second order): the trades show the account flat after a close of others that, with the
   * closes of others before it, covers what we held. Ours ended there, booked at those trades' prices
   * (not at the price of the trade that opened the new one); what the account holds now is the
   * trader's (said once; adopted with --manage), never run by the old ladder at the old entry. True
   * when ended.
   */
  private async endedThroughFlat(p: Position, held: PositionInfo, trades: readonly Trade[], foreign: readonly Trade[]): Promise<boolean> {
    const k = lastFlatIndex(trades, held.side, held.qtySteps);
    if (k === null || !foreign.includes(trades[k]!)) return false;
    const closes = foreign.filter((t) => trades.indexOf(t) <= k);
    if (closes.reduce((n, t) => n + t.qtySteps, 0) < p.remainingSteps) return false;
    await this.adoptShortfall(p, 0, closes);
    if (this.position?.id === p.id && this.position.status === 'open') return false;
    // The other side is said by position.opposite_on_exchange (syncPosition).
    if (held.side !== p.side) return true;
    const qty = stepsToQty(held.qtySteps, this.d.market);
    const fate = this.d.manageManual ? `the new ${p.side} is adopted as a position opened by hand` : `the new ${p.side} is not managed and has no stop from Ladder (run with --manage to have it adopted)`;
    this.alertOnce(`position.reopened_outside:${p.id}`, { positionId: p.id, exchangeQty: qty, side: p.side, tradeId: trades[k]!.tradeId }, 'position.reopened_outside', `Ladder's ${p.side} ${p.id} was closed outside Ladder and the exchange now holds a new ${p.side} ${qty} ${this.symbol} opened outside Ladder: Ladder booked its ${p.side} as closed; ${fate}`);
    return true;
  }

  private book(t: Trade): void {
    const p = this.position!;
    if (this.d.store.hasFill(this.symbol, t.tradeId)) return;
    let fill: FillInput = { clientOrderId: t.clientOrderId, tradeId: t.tradeId, orderId: t.orderId, timeMs: t.timeMs, qtySteps: t.qtySteps, price: t.price, fee: t.fee };
    if (t.qtySteps > p.remainingSteps && parseClientId(t.clientOrderId)?.kind === 'stop') {
      // Our stop protects the whole position (closePosition): it also closed what was added outside
      // the bot. Ours is what we held; the rest was never the ladder's (its fee share goes with it).
      const extra = asSteps(t.qtySteps - p.remainingSteps);
      fill = { ...fill, qtySteps: p.remainingSteps, fee: (t.fee * p.remainingSteps) / t.qtySteps };
      this.alertOnce(`stop.closed_more:${t.tradeId}`, { clientOrderId: t.clientOrderId, price: t.price, qty: stepsToQty(t.qtySteps, this.d.market), ourQty: stepsToQty(p.remainingSteps, this.d.market), extraQty: stepsToQty(extra, this.d.market) }, 'stop.closed_more_than_held');
    }
    const r = applyFill(p, fill);
    if (!r.ok) {
      this.halt(`fill ${t.tradeId} of ${t.clientOrderId} does not fit the position: ${r.error.message}`);
      return;
    }
    if (!this.d.store.bookFill(fill, r.value.position, { events: r.value.events })) return;
    const order = this.d.store.getOrder(t.clientOrderId);
    const done = order !== null && (order.qtySteps === null ? r.value.position.status === 'closed' : order.bookedSteps >= order.qtySteps);
    if (order && done && order.status !== 'filled') this.d.store.markOrderStatus(t.clientOrderId, 'filled', { timeMs: this.d.now() });
    this.adopt(r.value);
    // The position shrank and its stop stays where it is: the orders check runs next, so that a
    // reduce-only stop sized for more is placed again for what is held (F13).
    if (r.value.position.status === 'open' && !r.value.commands.some((c) => c.kind === 'moveStop')) this.dirty = true;
  }

  /**
   * The exchange holds less than we do and none of our orders is in flight: the difference left
   * outside the bot. Trades of others explain it at their prices (a close by hand, a liquidation's
   * `autoclose-…` order); what no trade explains is believed once seen for OUTSIDE_CONFIRM_MS (or at
   * once after a reduce-only refusal) and booked at the current price.
   */
  private async adoptShortfall(p: Position, exSteps: number, foreign: readonly Trade[]): Promise<void> {
    let missing = p.remainingSteps - exSteps;
    // One of our orders shows a fill whose trade is not listed yet: the shortfall is (partly) that, not
    // these trades (one may be a change by hand booked from the exchange's state before it was listed).
    if (foreign.length > 0 && (await this.restingFillUnbooked(p))) return;
    // The newest trades of others explain it: an older one may have taken off quantity added by hand
    // (the exchange then held ours all along), which is no exit of ours. Booked oldest first; the
    // oldest of them in part when they are more than the shortfall.
    let over = -missing;
    let from = foreign.length;
    while (from > 0 && over < 0) over += foreign[--from]!.qtySteps;
    for (const [k, t] of foreign.slice(from).entries()) {
      const cur = this.position;
      if (!cur || cur.status !== 'open' || missing <= 0) break;
      const qty = Math.min(k === 0 ? t.qtySteps - Math.max(0, over) : t.qtySteps, missing);
      const reason = /^(autoclose|adl_autoclose)/.test(t.clientOrderId) ? 'liquidation' : 'manual';
      // Booked in part (it also took off quantity added by hand): its fee share goes with the part, as for our stop (book).
      this.external(cur, { reason, tradeId: t.tradeId, orderId: t.orderId, clientOrderId: t.clientOrderId, timeMs: t.timeMs, qtySteps: asSteps(qty), price: t.price, fee: (t.fee * qty) / t.qtySteps }, qty / t.qtySteps);
      missing -= qty;
    }
    const cur = this.position;
    if (missing <= 0 || !cur || cur.status !== 'open') {
      this.shortfallSinceMs = null;
      return;
    }
    const now = this.d.now();
    this.shortfallSinceMs ??= now;
    if (!this.refusedReduceOnly && now - this.shortfallSinceMs < OUTSIDE_CONFIRM_MS) return;
    if (await this.restingFillUnbooked(cur)) return;
    const price = await this.d.ex.price(this.symbol); // no trade to show the price: the market's now
    this.external(cur, { reason: 'manual', tradeId: `ext-${cur.id}-${cur.partialExits.length}`, orderId: null, clientOrderId: '', timeMs: now, qtySteps: asSteps(missing), price, fee: 0 });
    this.shortfallSinceMs = null;
  }

  /**
   * One of our orders of `p` (a market or limit take-profit, a close, the stop) shows more filled than
   * its booked fills: a shortfall is then ours, its trades not listed yet (the account's trade list can
   * lag the matching engine by seconds), never a change by hand; booked as one, the real trade would
   * later be booked on top of it (R3.5, R4.2). When a look-up fails, the open orders list (read once,
   * another endpoint) tells what an order still resting has filled; an order it does not list has ended
   * in a way not known (or the list fails too): the shortfall waits.
   */
  private async restingFillUnbooked(p: Position): Promise<boolean> {
    let open: Map<string, OrderState> | null | undefined; // undefined: not read yet; null: cannot be read
    for (const o of this.d.store.ordersOf(p.id)) {
      if (o.kind === 'entry') continue;
      let filled = o.exchangeFilledSteps ?? 0;
      if (filled <= o.bookedSteps && o.status === 'open') {
        const r = await this.d.router.lookup(this.symbol, o.clientOrderId, o.type === 'stop_market' ? 'stop' : 'order', true);
        if (r.ok) filled = r.order?.filledSteps ?? 0;
        else {
          // Read after the position (syncPosition): what it lists has filled at least what the shortfall saw.
          if (open === undefined) open = await this.openOrdersById();
          const resting = open?.get(o.clientOrderId);
          if (resting === undefined) return true;
          filled = resting.filledSteps;
        }
      }
      if (filled > o.bookedSteps) {
        this.d.log.warn({ symbol: this.symbol, positionId: p.id, clientOrderId: o.clientOrderId, filled: stepsToQty(asSteps(filled), this.d.market), booked: stepsToQty(o.bookedSteps, this.d.market) }, 'fill.trades_not_listed_yet');
        return true;
      }
    }
    return false;
  }

  /** `share`: the part of the trade that was this position's (a liquidation's clearance fee is charged by it). */
  private external(p: Position, e: Parameters<typeof applyExternalExit>[1], share = 1): void {
    const r = applyExternalExit(p, e);
    if (!r.ok) {
      this.halt(`outside change of ${e.qtySteps} steps does not fit ${p.id}: ${r.error.message}`);
      return;
    }
    this.d.log.warn({ symbol: this.symbol, positionId: p.id, reason: e.reason, qty: stepsToQty(e.qtySteps, this.d.market), price: e.price, clientOrderId: e.clientOrderId || null, tradeId: e.tradeId }, 'position.changed_outside');
    const fill: FillInput = { clientOrderId: e.clientOrderId || `${p.id}-${e.reason}`, tradeId: e.tradeId, orderId: e.orderId, timeMs: e.timeMs, qtySteps: e.qtySteps, price: e.price, fee: e.fee };
    if (!this.d.store.bookFill(fill, r.value.position, { events: r.value.events })) return;
    this.refusedReduceOnly = false;
    this.adopt(r.value);
    if (e.reason === 'liquidation') this.clearance.owe(p.id, e.timeMs, share);
  }

  /** Our orders of this position whose outcome is not known yet: a shortfall may still be theirs. */
  private ordersInFlight(p: Position): boolean {
    return this.d.store.ordersOf(p.id).some((o) => isInDoubt(o) || (o.status === 'open' && o.type === 'market'));
  }

  /**
   * A position open here, or an entry not booked yet (its answer lost, its look-up failing; its fills
   * not visible): it may hold on the exchange, so it takes a slot of max_open_positions.
   */
  holdsOrEntering(): boolean {
    return this.position !== null || this.entryUnbooked();
  }

  /** What an entry of this symbol not booked yet may hold, at the newest close (max_total_notional counts it). */
  unbookedEntryNotional(): number {
    const s = this.candles.series();
    const price = s.length > 0 ? s.close[s.length - 1]! : 0;
    return this.d.store
      .ordersInDoubt()
      .filter((o) => o.symbol === this.symbol && o.kind === 'entry' && o.qtySteps !== null && !this.d.store.getPosition(o.positionId))
      .reduce((n, o) => n + price * stepsToQty(o.qtySteps!, this.d.market), 0);
  }

  /** An entry of this symbol not booked yet: in doubt (its answer lost, its look-up failing), or its fills not visible. */
  private entryUnbooked(): boolean {
    return this.orderInDoubt('entry');
  }

  /** An entry of this symbol in doubt, or a close (one replaced while in doubt could still reduce a new position). */
  private entryInDoubt(): boolean {
    return this.orderInDoubt('entry', 'close');
  }

  /** An order of this symbol of one of `kinds` whose fate is not known yet (ordersInDoubt). */
  private orderInDoubt(...kinds: readonly OrderRecord['kind'][]): boolean {
    return this.d.store.ordersInDoubt().some((o) => o.symbol === this.symbol && kinds.includes(o.kind));
  }

  /**
   * Orders written but never settled (a timeout, a dropped connection, a 5xx, a kill): looked up by
   * client id, with back-off while the look-ups fail (F3). An entry that filled becomes the position;
   * an order the exchange does not know, twice NOT_FOUND_CONFIRM_MS apart, the last time once its
   * request can no longer execute (executableUntilMs), and with no fill booked, never arrived: its
   * level may go out again.
   */
  private async resolveDoubts(): Promise<boolean> {
    let acted = false;
    const now = this.d.now();
    for (const o of this.d.store.ordersInDoubt()) {
      if (o.symbol !== this.symbol) continue;
      const doubt = this.doubts.get(o.clientOrderId) ?? { nextAtMs: 0, delayMs: LOOKUP_BACKOFF_MS[0], notFoundSinceMs: null };
      this.doubts.set(o.clientOrderId, doubt);
      if (now < doubt.nextAtMs) continue;
      const r = await this.d.router.lookup(this.symbol, o.clientOrderId, o.type === 'stop_market' ? 'stop' : 'order', o.kind === 'entry');
      if (!r.ok) {
        doubt.nextAtMs = now + doubt.delayMs;
        doubt.delayMs = Math.min(LOOKUP_BACKOFF_MS[1], doubt.delayMs * 2);
        // A stop cannot wait for the look-ups to come back (invariant 9): once the open orders list,
        // which still answers, has not shown it for STOP_DOUBT_MS, it did not arrive (or is spent), and
        // is placed again; if it rests after all, the exchange refuses the same id (-4116).
        if (o.kind === 'stop' && now - (o.sentAtMs ?? o.createdAtMs) >= STOP_DOUBT_MS) {
          const listed = await this.openOrderIds();
          if (listed !== null && !listed.has(o.clientOrderId)) {
            this.d.log.warn({ symbol: this.symbol, clientOrderId: o.clientOrderId, code: r.error.code }, 'stop.not_listed_lookup_failed');
            this.doubts.delete(o.clientOrderId);
            this.neverArrived(o);
            acted = true;
          }
        }
        // Nor can a remainder close (the position may stand beyond its stop, none on the exchange): after
        // STOP_DOUBT_MS it is replaced by a new close, as when it is not found. Both are reduce-only for the
        // remainder: the old one executing late only reduces what is left (the new one is then refused, -2022).
        if (o.kind === 'close' && now - (o.sentAtMs ?? o.createdAtMs) >= STOP_DOUBT_MS && this.replaceLostClose(o)) {
          this.d.log.warn({ symbol: this.symbol, clientOrderId: o.clientOrderId, code: r.error.code }, 'close.replaced_lookup_failed');
          acted = true;
        }
        // An entry cannot wait for them either: its fills are read by its client id (the trades read
        // still answers), and a filled entry is booked with its stop. The order itself is settled once
        // a look-up answers (until then no other entry goes out on this symbol).
        if (o.kind === 'entry' && now - (o.sentAtMs ?? o.createdAtMs) >= STOP_DOUBT_MS && this.position === null && !this.d.store.getPosition(o.positionId)) {
          const side = o.side === 'buy' ? 'long' : 'short';
          const stopPct = o.stopLossPct ?? this.d.config.stop_loss_pct;
          try {
            // Read from a day back on the exchange's clock (its fills carry its time, not ours).
            await this.openFromEntry(o.positionId, side, stopPct, this.marketNowMs() - 86_400_000);
          } catch (e) {
            // Binance's trades carry no client id: telling ours needs the order look-up that fails.
            this.d.log.warn({ symbol: this.symbol, clientOrderId: o.clientOrderId, err: errInfo(e) }, 'entry.booking_failed');
          }
          if (this.position === null) await this.openFromPositionRead(o, side, stopPct);
          if (this.position !== null) {
            this.d.log.warn({ symbol: this.symbol, clientOrderId: o.clientOrderId, code: r.error.code }, 'entry.booked_lookup_failed');
            acted = true;
          }
        }
        continue;
      }
      this.d.log.info({ symbol: this.symbol, clientOrderId: o.clientOrderId, found: r.order?.status ?? null }, 'order.in_doubt_looked_up');
      if (r.order) {
        if (o.kind === 'entry') {
          const before = this.position;
          await this.resolveEntry(o, r.order);
          if (this.d.store.ordersInDoubt().some((x) => x.clientOrderId === o.clientOrderId)) {
            // Found but not settled (its trades unread, its fee unknown): looked up again after the
            // back-off, not at every cycle back to back (each try reads the trades as well: 70 tries in
            // 3 s used up the request weight, and the weight budget then held every call until the
            // minute ended). Taken from the position read after STOP_DOUBT_MS all the same.
            doubt.nextAtMs = now + doubt.delayMs;
            doubt.delayMs = Math.min(LOOKUP_BACKOFF_MS[1], doubt.delayMs * 2);
            if (this.position !== before) acted = true;
            continue;
          }
        }
        this.doubts.delete(o.clientOrderId);
        acted = true;
        continue;
      }
      // A stop the exchange does not know is placed again at once: a second stop costs nothing (the
      // extra one is cancelled), a position without one can cost everything (invariant 9).
      if (o.kind !== 'stop') {
        // Not found is final only once the request can no longer execute on the exchange (a request
        // held up on its way, -1007, is executed seconds after the client gave up: an entry would stand
        // with no stop, a level would run twice): looked up again, with back-off, until then.
        const deadline = executableUntilMs(o.status === 'sent' ? this.unansweredBeforeRestart(o, now) : o, this.d.ex.recvWindowMs ?? DEFAULT_REQUEST_WINDOW_MS);
        doubt.notFoundSinceMs ??= now;
        // A remainder close cannot wait out that window: the position may stand beyond its stop
        // meanwhile (a stop crossed before it could be placed is closed this way). Not found twice, it
        // is replaced by a new close at once. Both are reduce-only for the whole remainder, so the old
        // one arriving late can only reduce what is left; it stays in doubt until its window has passed,
        // and while it does no entry goes out on this symbol (entryInDoubt), which it could reduce.
        if (o.kind === 'close' && now < deadline && now - doubt.notFoundSinceMs >= NOT_FOUND_CONFIRM_MS && this.replaceLostClose(o)) acted = true;
        if (now < deadline || now - doubt.notFoundSinceMs < NOT_FOUND_CONFIRM_MS) {
          doubt.nextAtMs = Math.max(doubt.notFoundSinceMs + NOT_FOUND_CONFIRM_MS, Math.min(now + doubt.delayMs, deadline));
          doubt.delayMs = Math.min(LOOKUP_BACKOFF_MS[1], doubt.delayMs * 2);
          continue;
        }
      }
      this.doubts.delete(o.clientOrderId);
      this.neverArrived(o);
      acted = true;
    }
    return acted;
  }

  /**
   * Order `o` is still `sent` in the store and not found: its request was on its way when the process
   * that sent it died (a kill), at the latest now. It is marked unknown now, so that the deadline of
   * its request (executableUntilMs) counts from here, across later restarts too. The stored record.
   */
  private unansweredBeforeRestart(o: OrderRecord, now: number): OrderRecord {
    const r = this.d.store.markOrderStatus(o.clientOrderId, 'unknown', { error: { code: 'not_found_yet', message: 'not found; its request may still arrive (sent before a restart)' }, timeMs: now });
    return r.ok ? r.value : o;
  }

  private async resolveEntry(o: OrderRecord, found: OrderState): Promise<void> {
    if (this.d.store.getPosition(o.positionId) || this.position) {
      // Taken from the position read with fee 0: its trades, readable now, give the fee first (a failed read: the next cycle).
      if (!(await this.learnEntryFee(o))) return;
      this.d.router.settle(found);
      return;
    }
    if (found.filledSteps > 0) this.d.log.warn({ symbol: this.symbol, clientOrderId: o.clientOrderId, filled: stepsToQty(found.filledSteps, this.d.market) }, 'reconcile.entry_filled_unbooked');
    // Rebuilt with the stop the signal asked for (stored with the intent), not today's config.
    const side = o.side === 'buy' ? 'long' : 'short';
    const stopPct = o.stopLossPct ?? this.d.config.stop_loss_pct;
    await this.settleEntry(o.positionId, side, stopPct, found);
    // Filled, but its trades cannot be read (the trades read failing for minutes): the position stood
    // with no stop for as long as it failed. After STOP_DOUBT_MS it is taken from the exchange's
    // position, as when the look-ups fail; the order is settled once its trades give the fee.
    if (found.filledSteps > 0 && this.position === null && !this.d.store.getPosition(o.positionId) && this.d.now() - (o.sentAtMs ?? o.createdAtMs) >= STOP_DOUBT_MS) {
      // What it filled, once it has ended (an entry filled in part, the rest expired); else all it asked for.
      await this.openFromPositionRead(o, side, stopPct, found.status === 'open' ? o.qtySteps : found.filledSteps);
      if (this.position !== null) this.d.log.warn({ symbol: this.symbol, clientOrderId: o.clientOrderId }, 'entry.booked_trades_unread');
    }
  }

  /**
   * Close `o` of the open position, not found and not yet past the window in which it could still
   * execute: the core takes it as not sent and the close goes out again now under its next id (as
   * neverArrived does once the window has passed). False when it is not the position's close in
   * flight (already replaced, a stop's own order, fills booked).
   */
  private replaceLostClose(o: OrderRecord): boolean {
    const p = this.position;
    if (!p || p.status !== 'open' || p.closing?.clientOrderId !== o.clientOrderId || isStopClientId(o.clientOrderId)) return false;
    this.dirty = true;
    return this.takeBackLost(o, 'close.resent_not_found');
  }

  private neverArrived(o: OrderRecord): void {
    this.d.store.markOrderStatus(o.clientOrderId, 'canceled', { error: { code: NEVER_ARRIVED, message: 'the exchange does not know this order: it never arrived' }, timeMs: this.d.now() });
    this.d.log.warn({ symbol: this.symbol, clientOrderId: o.clientOrderId, kind: o.kind }, 'order.never_arrived');
    this.dirty = true;
    this.takeBackLost(o, 'close.resent_never_arrived');
  }

  /**
   * An exit or close `o` of the open position that the exchange does not have: the core takes it back
   * as not sent (its level may go out again), and a market close is sent again at once under its next
   * id, logged as `resentAs`: what asked for it (a signal, the end, a stop's remainder) still holds,
   * and nothing else would send it. False when nothing was taken back.
   */
  private takeBackLost(o: OrderRecord, resentAs: 'close.resent_never_arrived' | 'close.resent_not_found'): boolean {
    const p = this.position;
    if (!p || o.positionId !== p.id || o.kind === 'entry' || o.kind === 'stop' || o.bookedSteps > 0) return false;
    const closing = p.closing?.clientOrderId === o.clientOrderId ? p.closing : null;
    const r = applyOrderEnd(p, { clientOrderId: o.clientOrderId, status: 'rejected', timeMs: this.d.now() });
    if (!r.ok) return false;
    this.transition(r.value);
    if (closing !== null && o.kind === 'close' && !isStopClientId(o.clientOrderId) && this.position?.status === 'open') {
      this.d.log.warn({ symbol: this.symbol, positionId: p.id, clientOrderId: o.clientOrderId, reason: closing.reason }, resentAs);
      this.resendCloseNow(p, closing.reason);
    }
    return true;
  }

  /**
   * Exit orders that ended on the exchange without filling whole (a market TP expired when the book
   * ran out, a resting TP cancelled by hand: F15), a remainder close that did (sent again), and an
   * exchange stop that fired only in part (the rest closed at market: F8). Market orders still
   * open in the store are asked about; what filled was booked by syncPosition.
   */
  private async settleEndedOrders(): Promise<boolean> {
    const p = this.position!;
    if (p.status !== 'open') return false;
    let acted = false;
    for (let i = 0; i < p.levels.length; i++) {
      const withdrawn = p.levels[i]!.status === 'withdrawn';
      if (p.levels[i]!.status !== 'sent' && !withdrawn) continue;
      const id = exitClientId(p.id, p.plan.levels[i]!.reason);
      // A withdrawn exit's cancel may have lost its answer: asked, so that its level comes back.
      const status = await this.freshStatus(id, 'order', p.plan.execution === 'market' || withdrawn);
      if (status !== 'expired' && status !== 'canceled' && status !== 'rejected') continue;
      const cur = this.position;
      if (!cur || cur.status !== 'open' || cur.levels[i]!.status !== p.levels[i]!.status) continue;
      // The exchange says it filled more than the level has booked (its trades not listed yet): its end
      // waits for them (syncPosition books them), else the level would be taken as ending with less
      // filled and rest again (or its share) over what the position holds (R3.5, -4118).
      const reported = this.d.store.getOrder(id)?.exchangeFilledSteps ?? 0;
      if (reported > cur.levels[i]!.filledSteps) {
        // Said once per order, not every cycle while the list lags.
        this.sayOnce(`end-waits:${id}`, 'info', { clientOrderId: id, status, filled: stepsToQty(asSteps(reported), this.d.market), booked: stepsToQty(cur.levels[i]!.filledSteps, this.d.market) }, 'exit.end_waits_for_trades');
        continue;
      }
      this.d.log.warn({ symbol: this.symbol, clientOrderId: id, status, filled: stepsToQty(cur.levels[i]!.filledSteps, this.d.market), ordered: stepsToQty(cur.levels[i]!.orderSteps, this.d.market) }, 'exit.ended_unfilled');
      // A market TP that expired empty goes back to pending and would be sent again at once, every
      // cycle, while the price stays at its target: it waits a back-off instead.
      if (status === 'expired' && !withdrawn && p.plan.execution === 'market' && cur.levels[i]!.filledSteps === 0) this.holdExitsFor(this.expiredEmpty(cur.id, id));
      const r = applyOrderEnd(cur, { clientOrderId: id, status: status === 'rejected' ? 'rejected' : status, timeMs: this.d.now() });
      if (!r.ok) this.halt(`${id} ended ${status} but does not fit the position: ${r.error.message}`);
      else this.transition(r.value);
      acted = true;
    }
    const c = this.position?.closing;
    if (c && !isStopClientId(c.clientOrderId)) acted = (await this.resendEndedClose(c.clientOrderId, c.reason)) || acted;
    acted = (await this.closeAfterPartialStop()) || acted;
    acted = (await this.retryRefusedClose()) || acted;
    return acted;
  }

  /**
   * The exchange refused the remainder's market close outright (the core took it back): it goes out
   * again after a back-off (1 s, doubling up to 30 s), so a refusal that passes (-4131 when the book
   * was thin) does not leave the position open on a signal that asked to close it, and one that does
   * not pass is no storm. A signal's or the end's close gives up after MAX_CLOSE_ATTEMPTS refusals with
   * an alert (the exchange stop still protects the position); a stop's close, whose position has no
   * working stop, is never given up.
   */
  private closeRefused(clientOrderId: string, reason: 'signal' | 'end' | 'stop', why: { readonly code: ExchangeErrorCode; readonly retryAfterMs: number | null }): void {
    const p = this.position;
    if (!p || p.status !== 'open') return;
    const prev = this.closeRetry?.positionId === p.id && this.closeRetry.reason === reason ? this.closeRetry : null;
    const tries = (prev?.tries ?? 0) + 1;
    // A rate limit, a clock skew or the key refused (-2015: also Binance's ban of the IP for minutes) says
    // nothing about the close itself: waited out, never a reason to give up.
    const counted = (prev?.counted ?? 0) + (refusedForTheRequest(why) ? 0 : 1);
    const remaining = stepsToQty(p.remainingSteps, this.d.market);
    if (reason !== 'stop' && counted >= MAX_CLOSE_ATTEMPTS) {
      this.closeRetry = null;
      this.d.log.warn({ symbol: this.symbol, positionId: p.id, clientOrderId, reason, qty: remaining, refusals: counted, code: why.code }, 'close.refused');
      this.alertOnce(`close:${p.id}`, { positionId: p.id, attempts: counted, reason }, 'close.gave_up');
      return;
    }
    const waitMs = Math.max(Math.min(CLOSE_RETRY_MS * 2 ** (tries - 1), CLOSE_RETRY_MAX_MS), why.retryAfterMs ?? 0);
    this.closeRetry = { positionId: p.id, reason, tries, counted, atMs: this.d.now() + waitMs };
    this.d.log.warn({ symbol: this.symbol, positionId: p.id, clientOrderId, reason, qty: remaining, refusals: tries, code: why.code, retryInMs: waitMs }, 'close.refused');
    this.alertOnce(`close-refused:${p.id}`, { positionId: p.id, clientOrderId, reason, qty: remaining }, 'close.refused');
  }

  /** A close refused before a restart (its order `rejected`, nothing closing now): sent again at the next cycle. */
  private resumeRefusedClose(): void {
    let p = this.position;
    if (!p || p.status !== 'open') return;
    // A kill between the router storing a close `rejected` and the trader saving the core's answer
    // left the position closing on an order that will never fill, which nothing else would end.
    const c = p.closing;
    if (c !== null && !isStopClientId(c.clientOrderId) && this.d.store.getOrder(c.clientOrderId)?.status === 'rejected') {
      const r = applyOrderEnd(p, { clientOrderId: c.clientOrderId, status: 'rejected', timeMs: this.d.now() });
      if (!r.ok) return this.halt(`${c.clientOrderId} was refused but does not fit the position: ${r.error.message}`);
      this.transition(r.value);
      p = this.position!;
    }
    if (p.closing !== null || p.closeSeq === 0) return;
    const last = closeClientId(p.id, p.closeSeq - 1);
    if (this.d.store.getOrder(last)?.status !== 'rejected') return;
    // Its reason is the one its request event named (stored with the position's events).
    let reason: 'signal' | 'end' | 'stop' = 'signal';
    for (const { event: e } of this.d.store.events({ positionId: p.id, limit: 100_000 })) {
      if (e.type === 'order.requested' && e.clientOrderId === last && (e.reason === 'signal' || e.reason === 'end' || e.reason === 'stop')) reason = e.reason;
    }
    this.d.log.warn({ symbol: this.symbol, positionId: p.id, clientOrderId: last, reason }, 'close.resumed_after_restart');
    this.resendCloseNow(p, reason);
  }

  /** The position's market close goes out again at the next cycle, its back-off starting afresh (retryRefusedClose sends it). */
  private resendCloseNow(p: Position, reason: 'signal' | 'end' | 'stop'): void {
    this.closeRetry = { positionId: p.id, reason, tries: 0, counted: 0, atMs: this.d.now() };
  }

  /** Is a refused close of `p` waiting out its back-off (nothing that would close it goes out before)? */
  private closeWaits(p: Position): boolean {
    return this.closeRetry?.positionId === p.id && this.d.now() < this.closeRetry.atMs;
  }

  private async retryRefusedClose(): Promise<boolean> {
    const r = this.closeRetry;
    const p = this.position;
    if (r === null) return false;
    if (!p || p.id !== r.positionId || p.status !== 'open') {
      this.closeRetry = null;
      return false;
    }
    if (p.closing !== null || this.d.now() < r.atMs) return false;
    this.d.log.warn({ symbol: this.symbol, positionId: p.id, reason: r.reason, qty: stepsToQty(p.remainingSteps, this.d.market), attempt: r.tries + 1 }, 'close.resent');
    this.transition(requestClose(p, r.reason, await this.priceForClose(), this.d.now()));
    return true;
  }

  /**
   * Orders the stored position asked for that never reached the router: a kill between saving a
   * transition and sending its commands (the router writes its intent before any request, so an order
   * the store has no record of was never sent). Left alone, a level would stay 'sent' for good and a
   * requested close would block every later close, the stop's own included (a partly filled stop's
   * remainder stayed open with no stop: the crash test under thin liquidity). Asked for again under the
   * same client id. The stop is checkOrders' (restoreStop), the entry resolveDoubts'.
   */
  private async resendUnsent(): Promise<boolean> {
    const p = this.position;
    if (!p || p.status !== 'open') return false;
    const queued = new Set(this.queue.flatMap((c) => (c.kind === 'cancelOrders' ? [] : [c.clientOrderId])));
    const unsent = (id: string) => !queued.has(id) && this.d.store.getOrder(id) === null;
    const resend: Extract<Command, { kind: 'placeExit' | 'closeRemainder' }>[] = [];
    for (let i = 0; i < p.levels.length; i++) {
      const st = p.levels[i]!;
      const pl = p.plan.levels[i]!;
      const id = exitClientId(p.id, pl.reason);
      if (st.status === 'sent' && unsent(id)) resend.push(exitCommand(p, pl, asSteps(st.orderSteps - st.filledSteps), pl.targetPrice, id));
    }
    const c = p.closing;
    if (c !== null && !isStopClientId(c.clientOrderId) && unsent(c.clientOrderId)) {
      resend.push({ kind: 'closeRemainder', reason: c.reason, qtySteps: p.remainingSteps, clientOrderId: c.clientOrderId, triggerPrice: await this.priceForClose() });
    }
    for (const r of resend) this.d.log.warn({ symbol: this.symbol, positionId: p.id, clientOrderId: r.clientOrderId, command: r.kind, qty: stepsToQty(r.qtySteps, this.d.market) }, 'reconcile.unsent_order');
    this.queue.push(...resend);
    return resend.length > 0;
  }

  /** The store's status of an order; an order the store has open is asked about first when `ask`. */
  private async freshStatus(clientOrderId: string, kind: 'order' | 'stop', ask: boolean): Promise<string | null> {
    const rec = this.d.store.getOrder(clientOrderId);
    if (rec?.status === 'open' && ask) await this.d.router.lookup(this.symbol, clientOrderId, kind);
    return this.d.store.getOrder(clientOrderId)?.status ?? null;
  }

  /**
   * A remainder close that ended on the exchange before filling whole (thin liquidity): the core ends
   * that close and it goes out again for the rest under the next close id, up to MAX_CLOSE_ATTEMPTS
   * times, then an alert (the exchange stop still protects what is left).
   */
  private async resendEndedClose(clientOrderId: string, reason: 'signal' | 'end' | 'stop'): Promise<boolean> {
    const status = await this.freshStatus(clientOrderId, 'order', true);
    const p = this.position;
    if ((status !== 'expired' && status !== 'canceled') || !p || p.status !== 'open' || p.closing?.clientOrderId !== clientOrderId) return false;
    const ended = applyOrderEnd(p, { clientOrderId, status, timeMs: this.d.now() });
    if (!ended.ok) {
      this.halt(`${clientOrderId} ended ${status} but does not fit the position: ${ended.error.message}`);
      return false;
    }
    this.transition(ended.value);
    const cur = this.position;
    if (!cur || cur.status !== 'open') return true;
    // Each close sent used a close id; those the exchange refused outright (stored `rejected`, before a
    // restart too) or never received (`not_found`) were no try of thin liquidity.
    let refused = 0;
    for (const o of this.d.store.ordersOf(cur.id)) if (o.kind === 'close' && (o.status === 'rejected' || o.error?.code === 'not_found')) refused++;
    if (cur.closeSeq - refused >= MAX_CLOSE_ATTEMPTS) {
      this.alertOnce(`close:${cur.id}`, { positionId: cur.id, attempts: cur.closeSeq }, 'close.gave_up');
      return true;
    }
    this.d.log.warn({ symbol: this.symbol, clientOrderId, status, remaining: stepsToQty(cur.remainingSteps, this.d.market), attempt: cur.closeSeq + 1 }, 'close.resent');
    this.transition(requestClose(cur, reason, await this.priceForClose(), this.d.now()));
    return true;
  }

  /**
   * The exchange stop fired but did not close everything: its order filled in part and expired (thin
   * liquidity, price protection). What is left has no stop any more, so it is closed at market now,
   * as a stop exit (F8, invariant 9). Seen either way: the position is closing on that stop, or the
   * current stop already has a fill booked (it fired before the bot saw the price cross it).
   */
  private async closeAfterPartialStop(): Promise<boolean> {
    const p = this.position;
    if (!p || p.status !== 'open') return false;
    const closingOnStop = p.closing?.reason === 'stop' && isStopClientId(p.closing.clientOrderId);
    if (p.closing !== null && !closingOnStop) return false; // a market close is already out
    // Its close was refused: nothing goes out before the back-off ends (the price crossing the spent stop again brings us here too).
    if (this.closeWaits(p)) return false;
    const stopId = closingOnStop ? p.closing!.clientOrderId : stopClientId(p.id, p.stopSeq);
    if (!closingOnStop && !p.partialExits.some((e) => e.clientOrderId === stopId)) return false;
    const r = await this.d.router.lookup(this.symbol, stopId, 'stop');
    // Triggered by the exchange, its order not filled yet: the price coming back does not undo that.
    const triggered = r.ok && r.order?.status === 'open' && r.order.triggered === true;
    if (triggered && !this.stopTriggerStuck(p, stopId)) return false;
    if (r.ok && r.order?.status === 'open' && !triggered) {
      // Still resting: the exchange triggers it on the mark price, and the price that reached it may
      // have been a wick of the last price. Back inside the stop, the position trades on (else its
      // targets, signals and closes would all wait for a stop that may never fire).
      if (!closingOnStop) return false;
      // No price (a 5xx, a ban): the stop still rests and protects; decide at a cycle that reads one
      // (the cycle's own read says the failure once), rather than throw before its queue is sent.
      const price = await this.d.ex.price(this.symbol).catch(() => null);
      if (price === null) return false;
      const back = stopNotTriggered(p, price, this.d.now());
      if (back.position === p) return false;
      this.d.log.warn({ symbol: this.symbol, positionId: p.id, clientOrderId: stopId, price, stopPrice: stopPriceOf(p) }, 'stop.not_triggered');
      this.transition(back);
      return true;
    }
    if (!r.ok) {
      // The look-up fails: the open orders list decides. A stop not resting there cannot close what
      // the price has crossed: the rest is closed at market (reduce-only: never more than is held).
      const listed = await this.openOrderIds();
      if (listed === null || listed.has(stopId)) return false;
      this.markNotListed(stopId);
    }
    const remaining = stepsToQty(p.remainingSteps, this.d.market);
    // Unknown to the exchange: the stop the price crossed was never placed (refused as already crossed,
    // -2021), not one that fired and left a remainder; the same close at market follows.
    if (r.ok && r.order === null) this.d.log.warn({ symbol: this.symbol, clientOrderId: stopId, remaining }, 'stop.not_on_exchange');
    else if (!triggered) this.d.log.error({ symbol: this.symbol, clientOrderId: stopId, remaining, status: r.ok ? r.order!.status : 'not_listed' }, 'stop.left_remainder');
    if (closingOnStop) {
      const ended = applyOrderEnd(p, { clientOrderId: stopId, status: 'expired', timeMs: this.d.now() });
      if (!ended.ok) {
        this.halt(`${stopId} ended but does not fit the position: ${ended.error.message}`);
        return false;
      }
      this.transition(ended.value);
    }
    const cur = this.position;
    if (!cur || cur.status !== 'open') return true;
    // The price is only the close's reference: a failing read (a 5xx, a ban) must not leave what the
    // stop left, with no stop, open for as long as it fails.
    this.transition(requestClose(cur, 'stop', await this.priceForClose(), this.d.now()));
    return true;
  }

  /**
   * Whether the stop `stopId`, triggered by the exchange (Binance: TRIGGERING, or TRIGGERED with nothing
   * filled), has waited STOP_TRIGGER_STUCK_MS since the bot first saw it so with its order still not
   * filled: Binance's algo service stuck (seen on its demo environment). The position is then past its
   * stop with nothing executing it, so the rest is closed at market (reduce-only: a late fill of the
   * stop cannot close more than is held, and a closePosition stop expires once flat), with one alert.
   */
  private stopTriggerStuck(p: Position, stopId: string): boolean {
    const now = this.d.now();
    if (this.stopTriggeredSeen?.clientOrderId !== stopId) this.stopTriggeredSeen = { clientOrderId: stopId, sinceMs: now };
    const waitedMs = now - this.stopTriggeredSeen.sinceMs;
    if (waitedMs < STOP_TRIGGER_STUCK_MS) return false;
    const remaining = stepsToQty(p.remainingSteps, this.d.market);
    this.alertOnce(`stop-stuck:${stopId}`, { positionId: p.id, clientOrderId: stopId, remaining, stopPrice: stopPriceOf(p), waitedS: Math.round(waitedMs / 1000) }, 'stop.stuck_triggering', `${this.symbol}: the exchange triggered the stop ${stopId} ${Math.round(waitedMs / 1000)} s ago and its order has not filled (stuck in TRIGGERING): the ${remaining} left is closed at market now, reduce-only`);
    return true;
  }

  /**
   * Our open orders on the exchange, read when something changed and at least every ORDERS_CHECK_MS:
   * the open position has its current stop (placed again if it is gone: F9, invariant 9); a replaced
   * stop left by a kill is cancelled once the current one rests (F11); orders of positions that no
   * longer exist are cancelled (F12). Orders that are not ours are never touched.
   */
  private async checkOrders(): Promise<boolean> {
    const now = this.d.now();
    const stopDue = this.stopDueAtMs !== null && now >= this.stopDueAtMs;
    if (!this.dirty && !stopDue && now - this.ordersCheckedAtMs < ORDERS_CHECK_MS) return false;
    if (this.queue.length) return false;
    let open: OrderState[];
    try {
      open = await this.d.ex.openOrders(this.symbol);
    } catch (e) {
      // A list that cannot be read is this check's failure, not the cycle's: the price step and the
      // exits after it go on (else no take-profit and no stop move while it fails, the symbol locked);
      // the check runs again next cycle (still dirty, still due).
      this.listFailed(e);
      return this.stopWithoutList();
    }
    this.listRead(open);
    this.ordersCheckedAtMs = now;
    this.dirty = false;
    this.stopDueAtMs = null;
    const p = this.position?.status === 'open' ? this.position : null;
    const inDoubt = new Set(this.d.store.ordersInDoubt().map((o) => o.clientOrderId));
    const stopId = p ? stopClientId(p.id, p.stopSeq) : null;
    const currentRests = open.some((o) => o.clientOrderId === stopId);
    for (const o of open) {
      const id = this.ourExitOrStop(o);
      if (!id || inDoubt.has(o.clientOrderId)) continue; // not ours (or an entry), or not settled
      const ofPosition = p !== null && id.positionId === p.id;
      const staleStop = ofPosition && id.kind === 'stop' && o.clientOrderId !== stopId && currentRests;
      const deadExit = ofPosition && id.kind === 'exit' && !p.levels.some((l, i) => l.status === 'sent' && exitClientId(p.id, p.plan.levels[i]!.reason) === o.clientOrderId);
      if (ofPosition && !staleStop && !deadExit) continue;
      if (ofPosition && id.kind === 'stop' && !currentRests) continue; // the only protection there is: kept
      await this.cancelListed(o, staleStop ? 'reconcile.stale_stop_cancelled' : 'reconcile.orphan_cancelled');
    }
    if (!p) return false;
    // Our stop triggered by the exchange with nothing filled while the bot's price never crossed it (the
    // mark price did, or the price reads failed): stuck that long, the rest is closed as the stop would
    // have; until then the list is read again each cycle.
    const triggered = open.find((o) => o.clientOrderId === stopId && o.triggered === true);
    if (triggered && p.closing === null) {
      this.dirty = true;
      if (!this.stopTriggerStuck(p, stopId!)) return false;
      this.transition(requestClose(p, 'stop', await this.priceForClose(), this.d.now()));
      return true;
    }
    // A reduce-only stop (placed while the closePosition slot was held: a stop move) is sized for what
    // was held then. A take-profit that does not move the stop (move_stop_to "none", a move refused as
    // not in the position's favour, a partial fill) leaves it larger than the position (F13): it is
    // placed again for what is held, under the next id (the old one is swept once the new one rests).
    const current = open.find((o) => o.clientOrderId === stopId);
    if (current && !current.closePosition && current.amountSteps > p.remainingSteps && p.closing === null && this.d.now() >= this.stopRetryAtMs) {
      this.stopRetryAtMs = this.d.now() + STOP_RETRY_MS;
      this.d.log.warn({ symbol: this.symbol, positionId: p.id, clientOrderId: stopId, stopQty: stepsToQty(current.amountSteps, this.d.market), remaining: stepsToQty(p.remainingSteps, this.d.market) }, 'reconcile.stop_resized');
      this.transition(replaceStop(p));
      return true;
    }
    // Resting exits the store has open but the exchange no longer lists (filled, or cancelled by hand:
    // F15): their end is recorded now and applied by the next cycle.
    const listed = new Set(open.map((o) => o.clientOrderId));
    let learnt = false;
    for (let i = 0; i < p.levels.length; i++) {
      const id = exitClientId(p.id, p.plan.levels[i]!.reason);
      if ((p.levels[i]!.status === 'sent' || p.levels[i]!.status === 'withdrawn') && !listed.has(id) && this.d.store.getOrder(id)?.status === 'open') {
        await this.d.router.lookup(this.symbol, id, 'order');
        learnt = true;
      }
    }
    if (currentRests) this.stopKeptRefusals = null;
    if (currentRests || p.closing?.clientOrderId === stopId || inDoubt.has(stopId!)) return learnt;
    await this.restoreStop(p, stopId!);
    return true;
  }

  /**
   * The open orders list cannot be read: the current stop is looked up by its client id instead (at most
   * every ORDERS_CHECK_MS), and placed again when the exchange says it no longer rests (cancelled by
   * hand, expired): a list that fails for an hour must not leave the position without a stop for an
   * hour (invariant 9). A look-up that fails too says nothing: nothing is placed on it.
   */
  private async stopWithoutList(): Promise<boolean> {
    const p = this.position?.status === 'open' ? this.position : null;
    const now = this.d.now();
    if (!p || now - this.stopLookedUpAtMs < ORDERS_CHECK_MS) return false;
    const stopId = stopClientId(p.id, p.stopSeq);
    if (p.closing?.clientOrderId === stopId || this.queue.length) return false;
    const rec = this.d.store.getOrder(stopId);
    if (rec !== null && isInDoubt(rec)) return false; // resolveDoubts' to settle
    this.stopLookedUpAtMs = now;
    const before = this.queue.length;
    const stateBefore = this.position;
    await this.restoreStop(p, stopId, false);
    return this.queue.length !== before || this.position !== stateBefore;
  }

  /**
   * The current stop is not resting on the exchange (the open orders list, read just now, does not show
   * it; or, `listed` false, the list could not be read): find out why, then place it again if the
   * position still needs it.
   */
  private async restoreStop(p: Position, stopId: string, listed = true): Promise<void> {
    // A refused close waits for its back-off: a stop placed meanwhile and found crossed (-2021) would send it at once.
    if (this.closeWaits(p)) return;
    const r = await this.d.router.lookup(this.symbol, stopId, 'stop');
    if (!r.ok) {
      // The look-up fails and the open orders list, read just now, does not show the stop, or cannot be
      // read either (`listed` false: a stop cancelled by hand meanwhile would stay missing for the whole
      // outage): it is placed again under its id rather than leaving the position without one (invariant
      // 9). If it rests after all, the exchange refuses the same id (-4116): in doubt until a look-up answers.
      if (this.stopHeldBack()) return;
      this.stopRetryAtMs = this.d.now() + STOP_RETRY_MS;
      this.markNotListed(stopId, listed ? 'not among the open orders while its look-up failed' : 'placed again while neither its look-up nor the open orders list answered');
      this.d.log.warn({ symbol: this.symbol, positionId: p.id, clientOrderId: stopId, code: r.error.code, listRead: listed }, 'reconcile.stop_missing_lookup_failed');
      this.queue.push({ kind: 'placeStop', clientOrderId: stopId, stopTicks: p.stopTicks, stopPrice: p.stopMoves.at(-1)?.toPrice ?? p.plan.initialStopPrice });
      return;
    }
    if (r.order?.status === 'open') return; // the list lagged
    if (r.order && r.order.filledSteps > 0) {
      // It fired and what it left is still open (its fills are booked by now): its id is spent, so the
      // remainder gets a new stop under the next sequence number while it is closed at market.
      this.dirty = true;
      if (this.stopHeldBack()) return;
      this.stopRetryAtMs = this.d.now() + STOP_RETRY_MS;
      this.d.log.warn({ symbol: this.symbol, positionId: p.id, clientOrderId: stopId, remaining: stepsToQty(p.remainingSteps, this.d.market) }, 'reconcile.stop_replaced');
      this.transition(replaceStop(p));
      return;
    }
    if (this.stopHeldBack()) return;
    this.stopRetryAtMs = this.d.now() + STOP_RETRY_MS;
    this.d.log.warn({ symbol: this.symbol, positionId: p.id, clientOrderId: stopId, found: r.order?.status ?? null }, 'reconcile.stop_missing');
    // The store has it open and the exchange knows no such stop (-2013: gone after a cancel by hand,
    // forgotten): ended, so that its id may go out again; left open, the router refused to send it
    // (the id still live here) and the position stayed without a stop.
    if (r.order === null && this.d.store.getOrder(stopId)?.status === 'open') {
      this.d.store.markOrderStatus(stopId, 'canceled', { error: { code: NEVER_ARRIVED, message: 'the exchange does not know this stop any more' }, timeMs: this.d.now() });
    }
    this.queue.push({ kind: 'placeStop', clientOrderId: stopId, stopTicks: p.stopTicks, stopPrice: p.stopMoves.at(-1)?.toPrice ?? p.plan.initialStopPrice });
  }

  /** True while a stop placement waits for its retry time; the orders check is then due when it ends. */
  private stopHeldBack(): boolean {
    if (this.d.now() >= this.stopRetryAtMs) return false;
    this.stopDueAtMs = this.stopRetryAtMs;
    return true;
  }

  /** Saves a core transition with its events, then queues what it asks for (sent by flush, after the save). */
  private transition(r: StepResult): void {
    if (r.position === this.position && r.commands.length === 0 && r.events.length === 0) return;
    this.d.store.transaction(() => {
      this.d.store.savePosition(r.position);
      this.d.store.recordEvents(r.events);
    });
    this.adopt(r);
  }

  /** The new state (already stored) becomes ours; its events go out, its commands are queued. */
  private adopt(r: StepResult): void {
    // Just closed: the settlements of its span are read once more (bookFunding), the last ones included.
    if (r.position.status === 'closed' && this.position?.id === r.position.id && this.position.status === 'open') this.fundingOwed.set(r.position.id, this.d.now() + this.fundingGapMs);
    this.position = r.position;
    for (const e of r.events) this.emit(e);
    this.queue.push(...r.commands);
  }

  /** Sends the queued commands in order; their outcomes are applied here and may queue more (bounded). */
  private async flush(): Promise<boolean> {
    this.flushSeq++;
    let n = 0;
    while (this.queue.length) {
      if (++n > MAX_COMMANDS) {
        this.alertOnce(`runaway:${this.position?.id ?? ''}`, { dropped: this.queue.length }, 'commands.runaway');
        this.queue = [];
        break;
      }
      const c = this.queue.shift()!;
      let f: Awaited<ReturnType<CommandExecutor['run']>>;
      try {
        f = await this.executor.run(c);
      } catch (e) {
        // A bug or a store refusal on one command must not strand the rest: logged, re-read next cycle.
        this.d.log.error({ symbol: this.symbol, command: c.kind, clientOrderId: 'clientOrderId' in c ? c.clientOrderId : null, err: errInfo(e) }, 'command.failed');
        this.dirty = true;
        continue;
      }
      if (f.recheck) this.dirty = true;
      if (f.resync) {
        this.dirty = true;
        if (c.kind !== 'closeRemainder' || !isStopClientId(c.clientOrderId)) {
          this.refusedReduceOnly = true;
          this.holdExitsFor(RESYNC_HOLD_MS); // -2022/-4118: no exit before the re-read
        }
      }
      if (c.kind === 'placeExit') {
        // Any other refusal (a filter, a rate limit, margin) waits its back-off; a take-profit taken ends it.
        if (f.refusal && f.refusal.code !== 'reduceOnlyRejected') this.holdExitsFor(this.exitRefused(f.refusal.retryAfterMs));
        else if (f.refusal) this.exitRefusedReduceOnly(c.clientOrderId);
        else {
          this.exitRefusals = null;
          this.reduceOnlyRefusal = null;
        }
      }
      if (c.kind === 'closeRemainder' && !isStopClientId(c.clientOrderId)) {
        // Refused and taken back by the core: sent again after the back-off (see Followup.refusal).
        if (f.refusal && f.transition) this.closeRefused(c.clientOrderId, c.reason, f.refusal);
        else if (this.closeRetry?.positionId === this.position?.id) this.closeRetry = null; // taken (or in doubt): the back-off is over
      }
      if (f.stopKept) this.stopPlacementWaits(f.stopKept.clientOrderId, f.alert, f.stopKept.verified);
      else if (f.alert && f.halt) this.halt(f.alert, 'insufficient_margin'); // the executor halts on insufficientMargin only
      else if (f.alert) this.alertOnce(f.alert, {}, 'alert');
      if (f.transition) this.transition(f.transition);
    }
    if (this.position?.status === 'closed') {
      this.position = null; // reset_tracking (R4.4)
      this.dirty = true; // sweep what may still rest
    }
    return n > 0;
  }

  /**
   * The placement of stop `clientOrderId` was refused outright while an older stop of the position
   * still rests (or may: `verified` false, the open orders list could not be read): one alert per stop
   * and kind, and the next try (restoreStop) waits 5 s, doubling up to 60 s.
   */
  private stopPlacementWaits(clientOrderId: string, alert: string | null, verified: boolean): void {
    const n = this.stopKeptRefusals?.clientOrderId === clientOrderId ? this.stopKeptRefusals.n + 1 : 1;
    this.stopKeptRefusals = { clientOrderId, n };
    this.stopRetryAtMs = Math.max(this.stopRetryAtMs, this.d.now() + Math.min(STOP_RETRY_MAX_MS, STOP_RETRY_MS * 2 ** (n - 1)));
    if (verified) this.alertOnce(`stop-kept:${clientOrderId}`, { message: alert }, 'stop.kept_previous');
    else this.alertOnce(`stop-unverified:${clientOrderId}`, { message: alert }, 'stop.kept_unverified');
  }

  /**
   * A stop of `p` other than `except` resting on the exchange (RestingStop). When the open orders list
   * cannot be read, the store answers only for a position with no other stop it last knew open or in
   * doubt (its first stop: none can rest); else whether one rests is unknown.
   */
  private async restingStopOf(p: Position, except: string): Promise<RestingStop> {
    const listed = await this.openOrderIds();
    if (listed === null) {
      const last = this.d.store.ordersOf(p.id).filter((o) => o.kind === 'stop' && o.clientOrderId !== except && (o.status === 'open' || isInDoubt(o))).at(-1);
      return last === undefined ? { known: true, restingId: null } : { known: false, lastKnownId: last.clientOrderId };
    }
    for (const id of listed) {
      const parsed = parseClientId(id);
      if (id !== except && parsed?.kind === 'stop' && parsed.positionId === p.id) return { known: true, restingId: id };
    }
    return { known: true, restingId: null };
  }

  /**
   * What the exchange holds of `p` (CommandExecutor's `held`): read now when `fresh`, else this cycle's
   * read; not read again when this cycle's read failed (the close would wait out a failing read's retries).
   */
  private async heldOf(p: Position, fresh: boolean): Promise<Steps | null> {
    const seen = this.exchangeHeld?.positionId === p.id ? this.exchangeHeld.steps : null;
    if (fresh && seen !== null) {
      try {
        const x = await this.d.ex.position(this.symbol);
        return x.side === p.side ? x.qtySteps : asSteps(0);
      } catch (e) {
        this.d.log.warn({ symbol: this.symbol, positionId: p.id, err: errInfo(e) }, 'close.position_read_failed');
      }
    }
    return seen;
  }

  /** The open position's exits wait `ms` from now; several refusals in one flush: the longest wait holds. */
  private holdExitsFor(ms: number): void {
    const id = this.position?.id ?? '';
    const until = this.d.now() + ms;
    this.holdExits = { positionId: id, untilMs: Math.max(until, this.holdExits?.positionId === id ? this.holdExits.untilMs : 0) };
  }

  /** A market take-profit `clientOrderId` of position `positionId` expired with nothing filled: how long the exits wait. */
  private expiredEmpty(positionId: string, clientOrderId: string): number {
    if (this.emptyExpiries?.positionId !== positionId) this.emptyExpiries = { positionId, n: new Map() };
    const n = (this.emptyExpiries.n.get(clientOrderId) ?? 0) + 1;
    this.emptyExpiries.n.set(clientOrderId, n);
    return exitBackoffMs(n);
  }

  /** A take-profit of the open position refused outright: how long its exits wait (the back-off of EXIT_RETRY_MAX_MS). */
  private exitRefused(retryAfterMs: number | null): number {
    const id = this.position?.id ?? '';
    const prev = this.exitRefusals?.positionId === id ? this.exitRefusals : null;
    const n = prev === null ? 1 : prev.flush === this.flushSeq ? prev.n : prev.n + 1;
    this.exitRefusals = { positionId: id, n, flush: this.flushSeq };
    return Math.max(retryAfterMs ?? 0, exitBackoffMs(n));
  }

  /**
   * A take-profit refused as reduce-only (-2022/-4118) in a later flush than the last such refusal, with
   * the position as it was then (the re-read found no change outside the bot): what holds the position's
   * reduce-only budget are orders resting on it that are not Ladder's (a take-profit set by hand). Said
   * once; the exits then wait the doubling back-off instead of going out again every RESYNC_HOLD_MS.
   */
  private exitRefusedReduceOnly(clientOrderId: string): void {
    const p = this.position;
    if (!p || p.status !== 'open') return;
    const prev = this.reduceOnlyRefusal;
    if (prev?.positionId === p.id && prev.flush === this.flushSeq) return; // levels refused in one flush count once
    const again = prev?.positionId === p.id && prev.remainingSteps === p.remainingSteps;
    this.reduceOnlyRefusal = { positionId: p.id, remainingSteps: p.remainingSteps, flush: this.flushSeq };
    if (!again) return;
    const qty = stepsToQty(p.remainingSteps, this.d.market);
    this.alertOnce(`exit-reduce-only-blocked:${p.id}`, { positionId: p.id, clientOrderId, qty }, 'exit.reduce_only_blocked', `${this.symbol}: the exchange refuses Ladder's take-profit ${clientOrderId} as reduce-only while the position is still the ${qty} Ladder holds: reduce-only orders not placed by Ladder (a take-profit or close set by hand) hold the position's reduce-only budget. Cancel them; Ladder keeps trying with a back-off of up to ${EXIT_RETRY_MAX_MS / 1000} s, and its stop protects the position`);
    this.holdExitsFor(this.exitRefused(null));
  }

  /** R6.5: a clear alert, no retry storm, no new entries; the position keeps its exchange stop. */
  private halt(why: string, kind: TraderAlertKind = 'halted'): void {
    if (this.halted !== why) {
      this.d.log.error({ symbol: this.symbol, why }, 'alert');
      this.d.onAlert?.(kind, why);
    }
    this.halted = why;
  }

  /**
   * Now on the exchange's clock, the one its fills are stamped with: the bot's own clock while the
   * newest closed candle the exchange gave ended within about one candle of it (live); else (a
   * simulator replaying history on its market clock) that candle's close. The bot's clock before any
   * candle.
   */
  private marketNowMs(): number {
    const now = this.d.now();
    const s = this.candles.series();
    return marketClockMs(now, now, s.length === 0 ? null : s.time[s.length - 1]! + s.timeframeMs, s.timeframeMs);
  }

  /** A stop the open orders list does not show while its look-up fails: ended (expired) in the store, unless it already ended or filled. */
  private markNotListed(stopId: string, message = 'not among the open orders while its look-up failed'): void {
    const rec = this.d.store.getOrder(stopId);
    if (rec === null || REUSABLE.includes(rec.status) || rec.status === 'filled') return;
    this.d.store.markOrderStatus(stopId, 'expired', { error: { code: 'not_listed', message }, timeMs: this.d.now() });
  }

  /** Our orders open on the exchange (stops included) by client id, or null when the list cannot be read. */
  private async openOrdersById(): Promise<Map<string, OrderState> | null> {
    let open: OrderState[];
    try {
      open = await this.d.ex.openOrders(this.symbol);
    } catch (e) {
      this.listFailed(e);
      return null;
    }
    this.listRead(open);
    return new Map(open.map((o) => [o.clientOrderId, o]));
  }

  /** Client ids of our orders open on the exchange (stops included), or null when the list cannot be read. */
  private async openOrderIds(): Promise<Set<string> | null> {
    const byId = await this.openOrdersById();
    return byId === null ? null : new Set(byId.keys());
  }

  /** The open orders list could not be read: said once while it keeps failing (it is read every cycle then), with the first error. */
  private listFailed(e: unknown): void {
    if (this.listFailingSinceMs !== null) return;
    this.listFailingSinceMs = this.d.now();
    this.d.log.warn({ symbol: this.symbol, err: errInfo(e) }, 'orders.list_failed');
  }

  /** The open orders list was read (`open`): after failures, said once with how long it failed; stuck cancels of orders no longer listed end. */
  private listRead(open: readonly OrderState[]): void {
    // An order whose cancel was backing off (stuck in TRIGGERING) and is no longer listed has ended: said once, and acted on at once.
    for (const [id, stuck] of this.stuckCancels) {
      if (open.some((o) => o.clientOrderId === id)) continue;
      this.stuckCancels.delete(id);
      this.d.log.info({ symbol: this.symbol, clientOrderId: id, stuckForS: Math.round((this.d.now() - stuck.sinceMs) / 1000), cancelsAsked: stuck.n }, 'order.cancel_stuck_ended');
    }
    if (this.listFailingSinceMs === null) return;
    this.d.log.info({ symbol: this.symbol, failedForMs: this.d.now() - this.listFailingSinceMs }, 'orders.list_read_again');
    this.listFailingSinceMs = null;
  }

  /** Logs an alert once per key (a condition that persists must not flood the log). */
  /** One log line per `key` for the life of this trader (a state that lasts many cycles). */
  private sayOnce(key: string, level: 'info' | 'warn', fields: Record<string, unknown>, msg: string): void {
    if (this.said.has(key)) return;
    this.said.add(key);
    this.d.log[level]({ symbol: this.symbol, ...fields }, msg);
  }

  private alertOnce(key: string, fields: Record<string, unknown>, msg: string, text = alertText(msg, key)): void {
    if (this.alerted.has(key)) return;
    this.alerted.add(key);
    this.d.log.error({ symbol: this.symbol, ...fields, why: key }, msg);
    this.d.onAlert?.(msg === 'strategy.failed' ? 'strategy_error' : 'other', text);
  }

  private emit(e: DomainEvent): void {
    logDomainEvent(this.d.log, e, this.d.market, this.position);
    this.d.onEvent?.(e);
  }
}

/**
 * Until when order `o`, in doubt and not found, may still be executed by the exchange (ms): within the
 * `recvWindowMs` its last request carried plus Binance's tolerance for clocks ahead, from when it was
 * marked unknown (the router does so once its retries are over; resolveDoubts for one a dead process
 * left `sent`). An `intent` was never sent.
 */
function executableUntilMs(o: OrderRecord, recvWindowMs: number): number {
  if (o.status === 'intent') return o.createdAtMs;
  return o.updatedAtMs + recvWindowMs + CLOCK_AHEAD_TOLERANCE_MS;
}

const isInDoubt = (o: OrderRecord): boolean => o.status === 'intent' || o.status === 'sent' || o.status === 'unknown';

/** The largest of these trade ids when all are decimal numbers (Binance's), else undefined. */
function newestTradeId(ids: readonly string[]): string | undefined {
  let best: bigint | undefined;
  for (const id of ids) {
    if (!/^\d+$/.test(id)) continue; // a change booked from the exchange's state has no trade id of its own
    const n = BigInt(id);
    if (best === undefined || n > best) best = n;
  }
  return best === undefined ? undefined : String(best);
}

export function errInfo(e: unknown): Record<string, unknown> {
  return e instanceof Error ? { message: withoutSignature(e.message), code: (e as { code?: string }).code, exchangeCode: (e as { exchangeCode?: number }).exchangeCode } : { message: String(e) };
}

/** `tp1@65650×0.005 tp2@…`: each level's target and quantity in the base asset. */
function summarizePlan(p: Position, m: MarketRules): string {
  return p.plan.levels.map((l) => `${l.reason}@${l.targetPrice}×${stepsToQty(l.qtySteps, m)}${l.skipped ? `(${l.skipped})` : ''}`).join(' ');
}
