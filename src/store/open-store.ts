import type { DomainEvent, FillInput, Position, Result } from '../core/index.ts';
import { candleRows } from './candles.ts';
import { type EventQuery, eventRows } from './events.ts';
import { fillRows } from './fills.ts';
import { type HistoryIndex, type SymbolSteps, historyIndexRows, historyRows, symbolStepsRows, tradeByIdRows } from './history.ts';
import type { ClosedTradePnl } from '../core/risk/limits.ts';
import { type RealisedPnl, realisedPnlRows, riskPnlRows } from './realised-pnl.ts';
import type { OrderStatus } from './order-status.ts';
import { orderRows } from './orders.ts';
import { positionRows } from './positions.ts';
import type {
  CandleQuery,
  CandleSeriesInfo,
  HistoryQuery,
  IntentRefused,
  OrderIntent,
  OrderRecord,
  OrderUpdate,
  OrderUpdateRefused,
  StoredCandle,
  StoredEvent,
  StoredFill,
  TradeRecord,
} from './records.ts';
import { type ConnectionOptions, openDatabase } from './connection.ts';
import { StoreError } from './store-error.ts';
import { type IsAlive, type RunLockHolder, pidAlive, runLockRows } from './run-lock.ts';
import { type RecordSignalResult, type SignalInput, type SignalQuery, type SignalRecord, type SignalStatus, signalRows } from './signals.ts';
import { type EquityPeak, type RiskLimitHit, riskStateRows } from './risk-state.ts';
import { type WaitingEntry, waitingEntryRows } from './waiting-entries.ts';
import { type Outbox, outboxRows } from './outbox.ts';
import { type RunAccount, type RunRecord, type RunStart, runRows } from './runs.ts';

export interface StoreOptions extends ConnectionOptions {
  /** The store's clock for bookkeeping times (`updated_at_ms`, `booked_at_ms`); Date.now by default. */
  readonly now?: () => number;
  /** Whether a pid of this host is alive (the run lock); `process.kill(pid, 0)` by default. */
  readonly isAlive?: IsAlive;
}

export interface BookFillOptions {
  /** The fill is the position's entry (it opened the position), not an exit applied to it. */
  readonly entry?: boolean;
  /** Events to record in the same transaction, only if the fill is booked. */
  readonly events?: readonly DomainEvent[];
  readonly expectVersion?: number;
}

/** The bot's durable state (issue 7 part 3). Synchronous like better-sqlite3; every write is one transaction. */
export interface Store {
  readonly path: string;
  /** Inserts or updates; returns the stored version (unchanged when nothing changed). */
  savePosition(p: Position, opts?: { readonly expectVersion?: number }): number;
  getPosition(id: string): Position | null;
  positionVersion(id: string): number | null;
  /**
   * When the position was first stored, on the store's clock (that of the bot that entered or adopted it,
   * the clock its runs start on); its entry time is the exchange's (a replay's, an adopted position's
   * opening trade, before the run that adopted it).
   */
  positionStoredAtMs(id: string): number | null;
  /** Open positions with their full ladder state, oldest entry first. */
  openPositions(): Position[];
  /**
   * The open positions' ids and versions as one text, read from two columns: it changes with every
   * save of an open position, events or not (a reader's cheap "did anything change?").
   */
  openPositionVersions(): string;
  /** The open position of a symbol (one at most). */
  positionBySymbol(symbol: string): Position | null;

  /** Write before sending. Refused while an order with this client id is live or filled. */
  recordIntent(o: OrderIntent): Result<OrderRecord, IntentRefused>;
  markSent(clientOrderId: string, timeMs?: number): Result<OrderRecord, OrderUpdateRefused>;
  markOrderStatus(clientOrderId: string, status: OrderStatus, update?: OrderUpdate): Result<OrderRecord, OrderUpdateRefused>;
  getOrder(clientOrderId: string): OrderRecord | null;
  /** Intents, sent and unknown orders: their fate must be looked up by client id before anything is re-sent (R6.3). */
  ordersInDoubt(): OrderRecord[];
  /** Orders the exchange acknowledged and that have not ended. */
  openOrders(positionId?: string): OrderRecord[];
  ordersOf(positionId: string): OrderRecord[];

  /**
   * Books a fill and saves the position it produced, in one transaction. False, and nothing written,
   * when the fill's (symbol, trade id) is already booked. An exit fill must be applied to `positionAfter`.
   */
  bookFill(fill: FillInput, positionAfter: Position, opts?: BookFillOptions): boolean;
  hasFill(symbol: string, tradeId: string): boolean;
  fillsOf(positionId: string): StoredFill[];
  /** Time of the newest booked fill of a symbol: where a restart's fill fetch starts. */
  latestFillTimeMs(symbol: string): number | null;

  recordEvents(events: readonly DomainEvent[]): void;
  events(q?: EventQuery): StoredEvent[];
  tradeHistory(q?: HistoryQuery): TradeRecord[];
  /** Tick and step of each symbol with a trade, from its newest entry's plan (not reading the trades). */
  symbolSteps(): SymbolSteps[];
  /** One trade of `tradeHistory` by its position id (null when there is none). */
  tradeRecord(positionId: string): TradeRecord | null;
  /** The ids (newest entry first), closed count and realised PnL of the trades `tradeHistory` gives with open ones included, read from columns only. */
  historyIndex(q?: Omit<HistoryQuery, 'includeOpen'>): HistoryIndex;
  /** Realised PnL and count of the trades closed at or after `fromMs` (reads only those, by index). */
  realisedPnlSince(fromMs: number): RealisedPnl;
  /** The closed trades the risk limits decide on (since `fromMs` or the last trade that was not a loss): see realised-pnl.ts. */
  riskClosedTrades(fromMs: number): ClosedTradePnl[];

  /** Stores closed candles (one transaction; a candle already stored is replaced). Returns how many. */
  saveCandles(symbol: string, timeframeMs: number, candles: readonly StoredCandle[]): number;
  /** Stored candles of a symbol and timeframe, oldest first (`limit`: the oldest of the window, or the newest with `newest`). */
  candles(symbol: string, timeframeMs: number, q?: CandleQuery): StoredCandle[];
  /** Which symbols and timeframes have stored candles, and their time span. */
  candleSeries(): CandleSeriesInfo[];

  /** Runs fn in one IMMEDIATE transaction (nested calls become savepoints); a throw rolls it all back. */
  transaction<T>(fn: () => T): T;
  /** Takes the one-bot-per-store lock for this process, or throws `store_in_use` naming the holder. */
  acquireRunLock(me: RunLockHolder): { tookOverFrom: RunLockHolder | null };
  releaseRunLock(me: Pick<RunLockHolder, 'pid' | 'host'>): void;
  runLockHolder(): RunLockHolder | null;

  /** Stores a received signal (committed on return), or reports the one already stored under its id. */
  recordSignal(s: SignalInput): RecordSignalResult;
  getSignal(id: string): SignalRecord | null;
  /** Signals not acted on yet, oldest signal time first (equal times: arrival order); of one symbol when given. */
  pendingSignals(symbol?: string): SignalRecord[];
  /** The symbol's acted-on signal with the newest signal time, or null. */
  newestActedSignal(symbol: string): SignalRecord | null;
  /** Ends a pending signal (`acted` or `refused`, with what happened); an ended one is left unchanged. */
  markSignal(id: string, status: Exclude<SignalStatus, 'pending'>, detail: string): SignalRecord | null;
  /** Received signals, newest first (the dashboard). */
  signals(q?: SignalQuery): SignalRecord[];

  /** The highest equity seen in a settle asset (risk limits, [operate] 3); null before the first reading. */
  equityPeak(asset: string): EquityPeak | null;
  equityPeaks(): EquityPeak[];
  /** Raises the asset's equity peak to `equity` if higher; returns the peak after. */
  raiseEquityPeak(asset: string, equity: number, atMs: number): number;
  /** The risk limit refusing entries now, kept across restarts; null when entries are allowed. */
  riskLimitHit(): RiskLimitHit | null;
  /** Records the limit refusing entries; true when it is a new hit (none before, or another limit). */
  setRiskLimitHit(h: { readonly limit: string; readonly detail: string; readonly untilMs: number | null }, atMs: number): boolean;
  /** Entries are allowed again; true when a limit was refusing them. */
  clearRiskLimitHit(): boolean;
  /** The strategy entry signal waiting on a symbol, kept across restarts (waiting-entries.ts); null when none. */
  waitingEntry(symbol: string): WaitingEntry | null;
  /** Keeps the symbol's waiting entry signal; null when none waits any more. */
  setWaitingEntry(symbol: string, w: WaitingEntry | null): void;
  /** The notification outbox ([operate] 5): add messages inside the transaction of the change that causes them. */
  readonly outbox: Outbox;

  /** Records a bot run at its start with the config it runs with ([views] 17); returns the run's id. */
  startRun(r: RunStart): number;
  /** The run is alive at `atMs` (with the balance it last read). */
  runHeartbeat(id: number, atMs: number, account?: RunAccount): void;
  /** The run's replayed data ran out (the demo); it may run on. */
  runDataEnded(id: number, atMs: number, detail: string): void;
  /** The run ended, cleanly or on an error; only the first end counts. */
  endRun(id: number, atMs: number, state: 'stopped' | 'failed', detail?: string): void;
  getRun(id: number): RunRecord | null;
  /** The newest run, or null when no bot ever ran on this store. */
  latestRun(): RunRecord | null;
  /** Runs, newest first. */
  runs(limit?: number): RunRecord[];
  close(): void;
}

/** Opens (creating if needed) and migrates the store at `path`: WAL, synchronous FULL, foreign keys. */
export function openStore(path: string, opts: StoreOptions = {}): Store {
  const now = opts.now ?? Date.now;
  const db = openDatabase(path, now(), opts);
  const positions = positionRows(db, now);
  const orders = orderRows(db, now);
  const fills = fillRows(db, now);
  const events = eventRows(db, now);
  const history = historyRows(db, positions);
  const candles = candleRows(db);
  const runLock = runLockRows(db, opts.isAlive ?? pidAlive);
  const signals = signalRows(db, now);
  const risk = riskStateRows(db, now);
  const waiting = waitingEntryRows(db, now);
  const runs = runRows(db);
  /** Every write takes the write lock up front (BEGIN IMMEDIATE): no lock upgrade can fail half-way. */
  const tx = <F extends (...a: never[]) => unknown>(fn: F): F => {
    const t = db.transaction(fn);
    return ((...a: Parameters<F>) => t.immediate(...a)) as F;
  };

  const bookFill = tx((fill: FillInput, p: Position, o: BookFillOptions = {}): boolean => {
    const role = o.entry ? 'entry' : 'exit';
    if (role === 'exit' && !p.appliedTradeIds.includes(fill.tradeId)) {
      throw new StoreError('fill_mismatch', `fill ${fill.tradeId} is not applied to position ${p.id}: book the position it produced`);
    }
    if (!fills.insert(fill, p, role)) return false;
    positions.save(p, o.expectVersion);
    if (o.events) events.record(o.events);
    return true;
  });

  return {
    path,
    savePosition: tx((p: Position, o?: { readonly expectVersion?: number }) => positions.save(p, o?.expectVersion)),
    getPosition: positions.get,
    positionVersion: positions.version,
    positionStoredAtMs: positions.createdAt,
    openPositions: positions.open,
    openPositionVersions: positions.openVersions,
    positionBySymbol: positions.openBySymbol,
    recordIntent: tx(orders.recordIntent),
    markSent: tx((id: string, timeMs?: number) => orders.markStatus(id, 'sent', timeMs === undefined ? {} : { timeMs })),
    markOrderStatus: tx(orders.markStatus),
    getOrder: orders.get,
    ordersInDoubt: orders.inDoubt,
    openOrders: orders.open,
    ordersOf: orders.ofPosition,
    bookFill,
    hasFill: fills.has,
    fillsOf: fills.ofPosition,
    latestFillTimeMs: fills.latestTimeMs,
    recordEvents: tx(events.record),
    events: events.list,
    tradeHistory: history,
    tradeRecord: tradeByIdRows(db, positions),
    symbolSteps: symbolStepsRows(db),
    historyIndex: historyIndexRows(db),
    realisedPnlSince: realisedPnlRows(db),
    riskClosedTrades: riskPnlRows(db),
    saveCandles: tx(candles.save),
    candles: candles.list,
    candleSeries: candles.series,
    transaction: <T>(fn: () => T): T => tx(fn)(),
    acquireRunLock: runLock.acquire,
    releaseRunLock: runLock.release,
    runLockHolder: runLock.holder,
    recordSignal: tx(signals.record),
    getSignal: signals.get,
    pendingSignals: signals.pending,
    newestActedSignal: signals.newestActed,
    markSignal: tx(signals.mark),
    signals: signals.list,
    equityPeak: risk.equityPeak,
    equityPeaks: risk.equityPeaks,
    raiseEquityPeak: tx(risk.raiseEquityPeak),
    riskLimitHit: risk.riskLimitHit,
    setRiskLimitHit: tx(risk.setRiskLimitHit),
    clearRiskLimitHit: tx(risk.clearRiskLimitHit),
    waitingEntry: waiting.waitingEntry,
    setWaitingEntry: tx(waiting.setWaitingEntry),
    outbox: outboxRows(db, now, tx),
    startRun: tx(runs.start),
    runHeartbeat: tx(runs.heartbeat),
    runDataEnded: tx(runs.dataEnded),
    endRun: tx(runs.end),
    getRun: runs.get,
    latestRun: runs.latest,
    runs: runs.list,
    close: () => {
      if (db.open) db.close();
    },
  };
}
