import type { LadderPlan } from '../model/plan.ts';
import type { Position } from '../model/position.ts';

/** Per-level analytics (SPEC "Result JSON" `levels`, R8.5). Hit rates are fractions. */
export interface LevelStats {
  /** The ladder level (1-based); null for the single take-profit, which is no ladder level. */
  readonly level: number | null;
  /** `tp1`…`tpN`, or `tp` for the single take-profit: what the row is keyed and named on. */
  readonly reason: string;
  /** Trades whose plan had this level active (not skipped for size): the denominator of hit_rate. */
  readonly eligible: number;
  readonly hits: number;
  readonly hit_rate: number;
  /** Average PnL of this level's exits (after fees), 0 when never hit. */
  readonly avg_pnl: number;
}

/** A take-profit exit: a ladder level (`tp1`…`tpN`) or the single take-profit (`tp`). */
export const isTakeProfitReason = (reason: string): boolean => reason.startsWith('tp');

/**
 * Hits, hit rate and average PnL per level, keyed on the exit reason. Trades of a scaled run are
 * grouped by configured level; trades managed by the single take-profit (scaled off, or the
 * fallback of R3.3) form the `tp` row, whose level is null.
 */
export function levelStats(trades: readonly Position[]): LevelStats[] {
  const tally = new LevelTally();
  for (const t of trades) tally.add(t);
  return tally.stats();
}

/** Plan levels and exit levels whose rows LevelTally keeps at hand (the config allows 20 levels). */
const CACHED = 32;

interface TallyRow {
  readonly level: number | null;
  eligible: number;
  hits: number;
  pnl: number;
}

/**
 * `levelStats` one closed trade at a time: a driver adds each trade when it closes, while its plan is
 * at hand (the backtest's closed records plan again only when read: src/backtest/closed-trade.ts).
 */
export class LevelTally {
  private readonly rows = new Map<string, TallyRow>();
  /**
   * The row of plan level k (`planReasons[k]`, `planRows[k]`) and of exits of level n (0: none) as last
   * found: a backtest's plans name the same reason at the same level trade after trade (its planner's
   * own strings), so the map is asked only when the reason there changed. Same rows as the map's.
   */
  private readonly planReasons = new Array<string>(CACHED).fill('');
  private readonly planRows = new Array<TallyRow | null>(CACHED).fill(null);
  private readonly exitReasons = new Array<string>(CACHED).fill('');
  private readonly exitRows = new Array<TallyRow | null>(CACHED).fill(null);

  private row(reason: string, level: number | null): TallyRow {
    let r = this.rows.get(reason);
    if (!r) this.rows.set(reason, (r = { level, eligible: 0, hits: 0, pnl: 0 }));
    return r;
  }

  add(t: Position): void {
    this.addPlan(t.plan);
    for (const e of t.partialExits) this.addExit(e.reason, e.level, e.pnl);
  }

  /** A trade's plan: each level it had active (not skipped for size) is eligible once. */
  addPlan(plan: LadderPlan): void {
    const levels = plan.levels;
    for (let k = 0; k < levels.length; k++) {
      const l = levels[k]!;
      if (l.skipped !== null) continue;
      let r: TallyRow;
      if (k < CACHED && this.planReasons[k] === l.reason) r = this.planRows[k]!;
      else {
        r = this.row(l.reason, l.reason === 'tp' ? null : l.level);
        if (k < CACHED) {
          this.planReasons[k] = l.reason;
          this.planRows[k] = r;
        }
      }
      r.eligible++;
    }
  }

  /** One exit of the trade whose plan was added: a take-profit exit is a hit of its level. */
  addExit(reason: string, level: number | null, pnl: number): void {
    const n = level === null ? 0 : level;
    let r: TallyRow;
    if (n < CACHED && this.exitReasons[n] === reason) r = this.exitRows[n]!;
    else {
      if (!isTakeProfitReason(reason)) return;
      r = this.row(reason, level);
      if (n < CACHED) {
        this.exitReasons[n] = reason;
        this.exitRows[n] = r;
      }
    }
    r.hits++;
    r.pnl += pnl;
  }

  /** The rows: ladder levels in order, the single take-profit last. */
  stats(): LevelStats[] {
    return [...this.rows.entries()]
      .sort(([, x], [, y]) => (x.level ?? Infinity) - (y.level ?? Infinity))
      .map(([reason, r]) => ({
        level: r.level,
        reason,
        eligible: r.eligible,
        hits: r.hits,
        hit_rate: r.eligible ? r.hits / r.eligible : 0,
        avg_pnl: r.hits ? r.pnl / r.hits : 0,
      }));
  }
}
