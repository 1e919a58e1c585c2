import type { Side, Steps, Ticks } from '../units.ts';
import type { LadderPlan, LevelReason, StopRule } from './plan.ts';

/**
 * Why (part of) a position was closed. `tp1`…`tpN` scaled levels, `tp` single take-profit;
 * `manual` and `liquidation`: the exchange's position shrank outside the bot (a close by hand, an
 * auto-deleverage; a liquidation order), taken as the exchange says (R6.6).
 */
export type ExitReason = LevelReason | 'stop' | 'signal' | 'end' | ExternalReason;

/** A change of the position made outside the bot. */
export type ExternalReason = 'manual' | 'liquidation';

/**
 * Lifecycle of one level's exit order (STYLE §7; transitions in level-status.ts). `withdrawn`: a
 * resting exit the bot is cancelling because the position changed outside it (R6.6); it may still
 * fill until the exchange confirms the cancel, and only then is the level pending again.
 */
export type LevelStatus = 'pending' | 'sent' | 'filled' | 'skipped' | 'canceled' | 'withdrawn';

export interface LevelState {
  readonly status: LevelStatus;
  /** Steps filled so far for this level (partial fills add up, R3.5). */
  readonly filledSteps: Steps;
  /** Quantity of the order sent for this level, steps (0 until sent). */
  readonly orderSteps: Steps;
  /** The price already reached this level once (the reach is reported once). */
  readonly reached: boolean;
}

/** One executed exit (R4.1): a fill, or the sum of the fills of one order. */
export interface PartialExit {
  readonly reason: ExitReason;
  /** 1-based level for TP exits, null for stop/signal/end. */
  readonly level: number | null;
  readonly timeMs: number;
  readonly price: number;
  readonly qtySteps: Steps;
  readonly fee: number;
  /** Gross PnL minus this exit's fee and its pro-rata share of the entry fee (SPEC "Fees"). */
  readonly pnl: number;
  readonly clientOrderId: string;
  readonly orderId: string | null;
}

/** A real stop move (SPEC: the initial stop is not a move; refused moves are not recorded). */
export interface StopMove {
  readonly timeMs: number;
  readonly fromTicks: Ticks;
  readonly toTicks: Ticks;
  readonly fromPrice: number;
  readonly toPrice: number;
  readonly rule: StopRule;
  /** The level whose fill moved the stop. */
  readonly level: number;
}

/**
 * An open or closed position under the ladder (R4.1). Immutable: every transition returns a new value.
 * Size conservation (R4.2): originalSteps = remainingSteps + Σ partialExits.qtySteps, exactly.
 */
export interface Position {
  readonly id: string;
  readonly symbol: string;
  readonly side: Side;
  readonly entryPrice: number;
  readonly entryTimeMs: number;
  readonly entryFee: number;
  /** Part of the entry fee already charged to exits (pro rata; the last exit takes the rest). */
  readonly entryFeeBooked: number;
  readonly originalSteps: Steps;
  readonly remainingSteps: Steps;
  readonly plan: LadderPlan;
  /** Index i is plan.levels[i]. */
  readonly levels: readonly LevelState[];
  readonly partialExits: readonly PartialExit[];
  /** Levels (1-based) that have filled, in fill order (R4.1 `tp_levels_hit`). */
  readonly tpLevelsHit: readonly number[];
  readonly stopTicks: Ticks;
  /** Sequence of the protective stop order on the exchange: its client id is `<id>-sl<stopSeq>`. */
  readonly stopSeq: number;
  readonly stopMoves: readonly StopMove[];
  /** A remainder close requested (stop reached, opposite signal, end of data); null when none. */
  readonly closing: { readonly reason: 'stop' | 'signal' | 'end'; readonly clientOrderId: string } | null;
  /**
   * Market closes of the remainder sent so far that ended unfilled or in part (thin liquidity): the
   * next one goes out as `<id>-close<closeSeq>` (`<id>-close` first), so it is never taken for the old one.
   */
  readonly closeSeq: number;
  readonly status: 'open' | 'closed';
  /** Trade ids already applied: applying the same fill twice changes nothing (STYLE §7). */
  readonly appliedTradeIds: readonly string[];
  /**
   * Trigger prices for drivers' hot loops (doubles, compared with `>=`/`<=`): the nearest target that
   * can still be reached and the stop. ±Infinity when there is none, so a comparison is simply false.
   */
  readonly nextTargetPrice: number;
  readonly stopPrice: number;
  /**
   * Funding the position paid (negative) or received while open, in the quote asset, when funding is
   * modelled (a backtest given funding rates); absent otherwise. Its PnL is its exits' plus this.
   */
  readonly funding?: number;
  /**
   * A live position's: the time of the newest settlement in `funding` (the exchange's clock). A later
   * read adds only the settlements after it, so a history that forgets old records (Binance keeps
   * three months) never takes back what was booked.
   */
  readonly fundingThroughMs?: number;
}

/** The time of a position's last exit (its entry's when it has none): when a closed one closed. */
export const lastExitTimeMs = (p: Pick<Position, 'entryTimeMs' | 'partialExits'>): number => p.partialExits.reduce((t, e) => Math.max(t, e.timeMs), p.entryTimeMs);

/** Client order ids come from data, never from a counter or a random source (R1.4, STYLE §3). */
export const exitClientId = (positionId: string, reason: LevelReason): string => `${positionId}-${reason}`;
export const stopClientId = (positionId: string, seq: number): string => `${positionId}-sl${seq}`;
/** Is this the client id of one of a position's stop orders (`<id>-sl<n>`)? */
export const isStopClientId = (clientOrderId: string): boolean => /-sl\d+$/.test(clientOrderId);
export const closeClientId = (positionId: string, seq = 0): string => (seq === 0 ? `${positionId}-close` : `${positionId}-close${seq}`);
/** An entry order carries the id its position will have. */
export const entryClientId = (positionId: string): string => `${positionId}-entry`;

/** What a client order id of ours names (the one parser of client ids: R1.4). */
export type ClientIdKind = 'entry' | 'stop' | 'exit' | 'close';
export interface ParsedClientId {
  readonly positionId: string;
  readonly kind: ClientIdKind;
  /** The level reason of an exit (`tp1`, `tp`), the stop's or close's suffix otherwise. */
  readonly suffix: string;
  /** Stop or close sequence number (0 for `-close`); 0 for entries and exits. */
  readonly seq: number;
}

const CLIENT_ID = /^(.+)-(entry|sl(\d+)|close(\d*)|(tp\d*))$/;

/** Parses one of our client ids; null for anything else (an order placed by hand, a liquidation). */
export function parseClientId(clientOrderId: string): ParsedClientId | null {
  const m = CLIENT_ID.exec(clientOrderId);
  if (!m) return null;
  const [, positionId, suffix, sl, close, tp] = m;
  if (suffix === 'entry') return { positionId: positionId!, kind: 'entry', suffix: suffix, seq: 0 };
  if (sl !== undefined) return { positionId: positionId!, kind: 'stop', suffix: suffix!, seq: Number(sl) };
  if (close !== undefined) return { positionId: positionId!, kind: 'close', suffix: suffix!, seq: close === '' ? 0 : Number(close) };
  return { positionId: positionId!, kind: 'exit', suffix: tp!, seq: 0 };
}
