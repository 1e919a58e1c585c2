/** The bot's SQLite store: positions with their plans, order intents and outcomes, fills, events, history. */
export { openStore, type Store, type StoreOptions, type BookFillOptions } from './open-store.ts';
export type { ConnectionOptions } from './connection.ts';
export { StoreError, type StoreErrorCode } from './store-error.ts';
export { type OrderStatus, ORDER_STATUSES, IN_DOUBT, REUSABLE, canMoveTo } from './order-status.ts';
export { LATEST_VERSION, MIGRATIONS, type Migration } from './migrations.ts';
export { isConserved } from './positions.ts';
export type { EventQuery } from './events.ts';
export type * from './records.ts';
export type { RecordSignalResult, SignalInput, SignalQuery, SignalRecord, SignalSide, SignalSource, SignalStatus } from './signals.ts';
export type { EquityPeak, RiskLimitHit } from './risk-state.ts';
export type { WaitingEntry } from './waiting-entries.ts';
export type { Outbox, OutboxChannelState, OutboxDelivery, OutboxDeliveryStatus, OutboxInput, OutboxMessage } from './outbox.ts';
export { type RunAccount, type RunFeedState, type RunMode, type RunRecord, type RunStart, type RunState, RUN_HEARTBEAT_MS, RUN_MODES, RUN_STALE_MS, runState } from './runs.ts';
export { TRADES_CSV_COLUMNS, TRADES_CSV_HEADER, tradeCsvRows, tradesCsv } from './history.ts';
export { SLICE_MS, nextTurn, readHistoryInSlices } from './history-slices.ts';
export type { RealisedPnl } from './realised-pnl.ts';
