import type { Position } from '../core/model/position.ts';
import type { StepResult } from '../core/model/commands.ts';
import { exitFeeCharged } from '../core/scaled-tp/exit-manager.ts';
import { ExchangeError } from '../exchange/errors.ts';
import type { ExchangePort } from '../exchange/port.ts';
import type { Logger } from './logger.ts';

/** Reads of the clearance fees after a liquidation: at once, then once more this long after (a fee posted late). */
export const CLEARANCE_REREAD_MS = 60_000;
/** A failed read is asked again this long after. */
const CLEARANCE_RETRY_MS = 10_000;
/** A read refused outright (a key without the permission, a 4xx) is asked again this long after: the user has to act. */
const CLEARANCE_REFUSED_RETRY_MS = 60 * 60_000;
/** Liquidation exits this long before a start (market time) are owed their reads again (oweAtStart). */
export const CLEARANCE_OWED_AT_START_MS = 24 * 60 * 60_000;
/** A charge is the liquidation's when dated at most this long before the exit the bot booked (clocks, rounding). */
const CLEARANCE_SLACK_MS = 2_000;

interface Owed {
  /** The first liquidation exit booked on the position (its time): charges from then on are its. */
  readonly sinceMs: number;
  /** When the next read is due, and how many reads have answered. */
  atMs: number;
  answered: number;
  /**
   * The part of the liquidation that was Ladder's (its quantity over the trade's): 1 unless the trade also
   * closed quantity added by hand, whose share of the fee is the trader's, not this position's loss.
   */
  readonly share: number;
}

export interface ClearanceDeps {
  readonly ex: ExchangePort;
  readonly symbol: string;
  readonly log: Logger;
  readonly now: () => number;
  /** The position as stored or held now (closed ones included). */
  readonly position: (id: string) => Position | null;
  /** Applies a step to `id` (through the trader's transition when it holds it, else straight to the store). */
  readonly apply: (id: string, r: StepResult) => void;
  /** Logs an error and tells the trader's alert channel (notifications); called once per refusal. */
  readonly alert: (fields: Record<string, unknown>, msg: string, text: string) => void;
}

/**
 * Binance takes a liquidation's clearance fee apart from the liquidation trade's commission (an
 * INSURANCE_CLEAR income record), so a liquidation exit booked from its trade alone shows more PnL than
 * the wallet kept, and the day's loss (risk limits) counts less. After a liquidation exit the symbol's
 * clearance charges are read, at once and once more a minute later, and each is added to that exit's
 * fee once (exitFeeCharged). Owed reads are kept in memory; a start owes them again from the store's
 * liquidation exits (oweAtStart).
 */
export class ClearanceFees {
  private readonly owed = new Map<string, Owed>();
  private failing = false;
  /** The refusal alerted (its code), until a read answers: a new refusal after that is alerted again. */
  private refused: string | null = null;

  constructor(private readonly d: ClearanceDeps) {}

  /**
   * A liquidation exit at `timeMs` was booked on position `id`. Another one while the first is still
   * owed a read (Binance liquidates in steps) gets its own reads, at once and a minute later: sharing
   * the first's, its fee posted late would never be read.
   */
  owe(id: string, timeMs: number, share = 1): void {
    if (this.d.ex.clearanceFees === undefined) return;
    const o = this.owed.get(id);
    this.owed.set(id, { sinceMs: Math.min(o?.sinceMs ?? timeMs, timeMs), atMs: this.d.now(), answered: 0, share });
  }

  /**
   * A start after a kill (or a stop while the reads failed) holds none of the reads owed before: the
   * store says which, a liquidation exit of `p` at or after `fromMs` is owed them again. A charge booked
   * already is not booked twice (its record id is kept with the position). The share of a liquidation
   * that also closed quantity added by hand is not stored: after a restart its fee is booked whole.
   */
  oweAtStart(p: Position, fromMs: number): void {
    let sinceMs = Infinity;
    for (const e of p.partialExits) if (e.reason === 'liquidation' && e.timeMs >= fromMs) sinceMs = Math.min(sinceMs, e.timeMs);
    if (sinceMs !== Infinity) this.owe(p.id, sinceMs);
  }

  /** Reads the charges owed now and books them; a read that fails is asked again later, never thrown. */
  async book(): Promise<void> {
    const read = this.d.ex.clearanceFees?.bind(this.d.ex);
    const now = this.d.now();
    const due = [...this.owed].filter(([, o]) => o.atMs <= now);
    if (read === undefined || due.length === 0) return;
    const sinceMs = Math.min(...due.map(([, o]) => o.sinceMs)) - CLEARANCE_SLACK_MS;
    let charges;
    try {
      charges = await read(this.d.symbol, sinceMs);
    } catch (e) {
      // A definitive refusal (keys, permissions, a 4xx) does not go away by itself: said to the trader, asked hourly.
      const refused = e instanceof ExchangeError && (e.code === 'auth' || e.code === 'rejected');
      if (refused) this.sayRefused(e, due.map(([id]) => id));
      else if (!this.failing) this.d.log.warn({ symbol: this.d.symbol, err: e instanceof Error ? e.message : String(e) }, 'clearance.read_failed');
      this.failing = true;
      for (const [, o] of due) o.atMs = now + (refused ? CLEARANCE_REFUSED_RETRY_MS : CLEARANCE_RETRY_MS);
      return;
    }
    if (this.failing) this.d.log.info({ symbol: this.d.symbol }, 'clearance.read_answers');
    this.failing = false;
    this.refused = null;
    for (const [id, o] of due) {
      o.answered++;
      o.atMs = now + CLEARANCE_REREAD_MS;
      // Not one a liquidation during this read owed anew (owe: its own reads).
      if (o.answered >= 2 && this.owed.get(id) === o) this.owed.delete(id);
    }
    // Each charge is the newest liquidation's at or before it (of the positions read for), a minute at most before it.
    for (const c of charges) {
      let best: { id: string; p: Position; atMs: number; share: number } | null = null;
      for (const [id, o] of due) {
        const p = this.d.position(id);
        const atMs = p === null ? -Infinity : newestLiquidationMs(p, c.timeMs + CLEARANCE_SLACK_MS);
        if (p !== null && atMs >= c.timeMs - CLEARANCE_REREAD_MS && (best === null || atMs > best.atMs)) best = { id, p, atMs, share: o.share };
      }
      if (best === null) continue;
      const r = exitFeeCharged(best.p, 'liquidation', c.id, -c.amount * best.share, c.timeMs + CLEARANCE_SLACK_MS);
      if (r.position === best.p) continue;
      this.d.apply(best.id, r);
      this.d.log.warn({ symbol: this.d.symbol, positionId: best.id, fee: -c.amount * best.share, timeMs: c.timeMs, recordId: c.id, ...(best.share !== 1 ? { share: best.share } : {}) }, 'position.clearance_fee');
    }
  }

  private sayRefused(e: ExchangeError, positionIds: readonly string[]): void {
    const why = String(e.exchangeCode ?? e.code);
    if (this.refused === why) return;
    this.refused = why;
    const fix = e.code === 'auth' ? ' Check the API key: it needs the permission to read the account (Binance: "Enable Reading") and this IP on its list' : '';
    const text = `${this.d.symbol}: the exchange refuses the clearance-fee read (income history, after a liquidation): ${e.message}. The liquidation's clearance fee is not booked on its trade (its PnL, the day's PnL and daily_loss_limit leave it out) until the read answers; it is asked again once an hour, trading goes on.${fix}`;
    this.d.alert({ positionIds, exchangeCode: e.exchangeCode, message: e.message }, 'clearance.read_refused', text);
  }
}

/** The time of `p`'s newest liquidation exit at or before `toMs`; -Infinity when none. */
function newestLiquidationMs(p: Position, toMs: number): number {
  let t = -Infinity;
  for (const e of p.partialExits) if (e.reason === 'liquidation' && e.timeMs <= toMs) t = Math.max(t, e.timeMs);
  return t;
}
