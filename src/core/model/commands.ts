import type { Steps, Ticks } from '../units.ts';
import type { ExitExecution } from '../scaled-tp/settings.ts';
import type { LadderPlan, LevelReason, StopRule } from './plan.ts';
import type { ExitReason, Position } from './position.ts';

/**
 * What the core wants done on the exchange (STYLE §6). Adapters place the orders; what happened comes
 * back as `fill` and `orderEnded` inputs. `placeExit` is the PartialCloseAction of the plan (task 3).
 */
export type Command =
  /** The initial protective stop (STOP_MARKET closePosition on Binance). */
  | { readonly kind: 'placeStop'; readonly clientOrderId: string; readonly stopTicks: Ticks; readonly stopPrice: number }
  /** Stop ladder: place the new stop, then cancel the old one, never unprotected (R1.5). */
  | {
      readonly kind: 'moveStop';
      readonly clientOrderId: string;
      readonly replacesClientOrderId: string;
      readonly fromTicks: Ticks;
      readonly toTicks: Ticks;
      readonly stopPrice: number;
      readonly rule: StopRule;
    }
  /** A reduce-only exit for one level (R1.4). `triggerPrice`: where the path reached it (backtest fill price). */
  | {
      readonly kind: 'placeExit';
      /** The ladder level; null for the single take-profit (no ladder level). */
      readonly level: number | null;
      readonly reason: LevelReason;
      readonly orderType: ExitExecution;
      readonly qtySteps: Steps;
      readonly clientOrderId: string;
      readonly limitTicks: Ticks;
      readonly limitPrice: number;
      readonly triggerPrice: number;
    }
  /** Close the whole remainder, reduce-only: stop reached, opposite signal or end of data. */
  | {
      readonly kind: 'closeRemainder';
      readonly reason: 'stop' | 'signal' | 'end';
      readonly qtySteps: Steps;
      readonly clientOrderId: string;
      readonly triggerPrice: number;
    }
  /** Cancel resting orders that no longer protect or exit anything (F12: nothing rests once flat). */
  | { readonly kind: 'cancelOrders'; readonly clientOrderIds: readonly string[] };

/** Typed log events; the driver writes one structured line per event (STYLE §11, R7). */
export type DomainEvent =
  | { readonly type: 'plan.made'; readonly positionId: string; readonly symbol: string; readonly timeMs: number; readonly plan: LadderPlan }
  | {
      readonly type: 'tp.hit';
      readonly positionId: string;
      readonly symbol: string;
      readonly timeMs: number;
      /** The ladder level; null for the single take-profit (no ladder level). */
      readonly level: number | null;
      readonly reason: LevelReason;
      readonly price: number;
      readonly profitPct: number;
    }
  | {
      readonly type: 'order.requested';
      readonly positionId: string;
      readonly symbol: string;
      readonly timeMs: number;
      readonly clientOrderId: string;
      readonly reason: ExitReason;
      readonly qtySteps: Steps;
      readonly orderType: ExitExecution;
    }
  | {
      readonly type: 'fill.applied';
      readonly positionId: string;
      readonly symbol: string;
      readonly timeMs: number;
      readonly clientOrderId: string;
      readonly orderId: string | null;
      readonly reason: ExitReason;
      readonly level: number | null;
      readonly price: number;
      readonly qtySteps: Steps;
      readonly fee: number;
      readonly pnl: number;
      readonly remainingSteps: Steps;
    }
  | {
      readonly type: 'stop.moved';
      readonly positionId: string;
      readonly symbol: string;
      readonly timeMs: number;
      readonly fromPrice: number;
      readonly toPrice: number;
      readonly rule: StopRule;
      readonly level: number;
    }
  | { readonly type: 'stop.reached'; readonly positionId: string; readonly symbol: string; readonly timeMs: number; readonly price: number }
  | {
      readonly type: 'position.closed';
      readonly positionId: string;
      readonly symbol: string;
      readonly timeMs: number;
      readonly reason: ExitReason;
      readonly pnl: number;
      readonly avgExitPrice: number;
    };

/** One transition of a position: the new value, the orders to send, the events to log. */
export interface StepResult {
  readonly position: Position;
  readonly commands: readonly Command[];
  readonly events: readonly DomainEvent[];
}

/** A fill read back from the exchange (R3.5): the PartialCloseResult of task 3. */
export interface FillInput {
  readonly clientOrderId: string;
  /** Unique per execution; a second fill with the same id changes nothing. */
  readonly tradeId: string;
  readonly orderId: string | null;
  readonly timeMs: number;
  readonly qtySteps: Steps;
  readonly price: number;
  /** Fee in quote currency. */
  readonly fee: number;
}

/** An order that ended without filling fully: rejected, canceled (by anyone) or expired. */
export interface OrderEndInput {
  readonly clientOrderId: string;
  readonly status: 'rejected' | 'canceled' | 'expired';
  readonly timeMs: number;
}

export type ApplyError =
  | { readonly code: 'unknown_order'; readonly message: string }
  | { readonly code: 'overfill'; readonly message: string }
  | { readonly code: 'invalid_transition'; readonly message: string };
