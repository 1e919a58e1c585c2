import type { Position } from '../model/position.ts';

/** Per-level analytics (SPEC "Result JSON" `levels`, R8.5). Hit rates are fractions. */
export interface LevelStats {
  readonly level: number;
  /** `tp1`…`tpN`, or `tp` for the single take-profit. */
  readonly reason: string;
  /** Trades whose plan had this level active (not skipped for size): the denominator of hit_rate. */
  readonly eligible: number;
  readonly hits: number;
  readonly hit_rate: number;
  /** Average PnL of this level's exits (after fees), 0 when never hit. */
  readonly avg_pnl: number;
}

/**
 * Hits, hit rate and average PnL per level. Trades of a scaled run are grouped by configured level;
 * trades managed by the single take-profit (scaled off, or the fallback of R3.3) form the `tp` row.
 */
export function levelStats(trades: readonly Position[]): LevelStats[] {
  const rows = new Map<string, { level: number; eligible: number; hits: number; pnl: number }>();
  const row = (reason: string, level: number) => {
    let r = rows.get(reason);
    if (!r) rows.set(reason, (r = { level, eligible: 0, hits: 0, pnl: 0 }));
    return r;
  };
  for (const t of trades) {
    for (const l of t.plan.levels) if (l.skipped === null) row(l.reason, l.level).eligible++;
    for (const e of t.partialExits) {
      if (e.level === null) continue;
      const r = row(e.reason, e.level);
      r.hits++;
      r.pnl += e.pnl;
    }
  }
  return [...rows.entries()]
    .sort(([a, x], [b, y]) => (a === 'tp') !== (b === 'tp') ? (a === 'tp' ? 1 : -1) : x.level - y.level)
    .map(([reason, r]) => ({
      level: r.level,
      reason,
      eligible: r.eligible,
      hits: r.hits,
      hit_rate: r.eligible ? r.hits / r.eligible : 0,
      avg_pnl: r.hits ? r.pnl / r.hits : 0,
    }));
}
