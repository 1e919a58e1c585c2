import type Database from 'better-sqlite3';

/** The highest equity the bot has seen in one settle asset (the drawdown limit's reference). */
export interface EquityPeak {
  readonly asset: string;
  readonly peak: number;
  readonly atMs: number;
}

/** The risk limit refusing entries now ([operate] 3). */
export interface RiskLimitHit {
  /** The config key of the limit (`daily_loss_limit`, …). */
  readonly limit: string;
  readonly detail: string;
  /** When it was first hit (kept while the same limit goes on refusing). */
  readonly sinceMs: number;
  /** When it lifts by itself; null: when the facts change (equity recovers, positions close). */
  readonly untilMs: number | null;
  readonly updatedAtMs: number;
}

interface HitRow {
  limit_name: string;
  detail: string;
  since_ms: number;
  until_ms: number | null;
  updated_at_ms: number;
}

/** Rows of migration 6: the equity peaks and the active limit hit, both kept across restarts. */
export function riskStateRows(db: Database.Database, now: () => number) {
  const getPeak = db.prepare<[string]>('SELECT asset, equity_peak AS peak, peak_at_ms AS atMs FROM risk_equity_peaks WHERE asset = ?');
  const allPeaks = db.prepare<[]>('SELECT asset, equity_peak AS peak, peak_at_ms AS atMs FROM risk_equity_peaks ORDER BY asset');
  // Only ever raised: a lower equity leaves the peak where it was.
  const raise = db.prepare(
    'INSERT INTO risk_equity_peaks (asset, equity_peak, peak_at_ms) VALUES (@asset, @equity, @atMs) ON CONFLICT (asset) DO UPDATE SET equity_peak = excluded.equity_peak, peak_at_ms = excluded.peak_at_ms WHERE excluded.equity_peak > risk_equity_peaks.equity_peak',
  );
  const getHit = db.prepare<[]>('SELECT limit_name, detail, since_ms, until_ms, updated_at_ms FROM risk_limit_hit WHERE id = 1');
  const putHit = db.prepare(
    'INSERT INTO risk_limit_hit (id, limit_name, detail, since_ms, until_ms, updated_at_ms) VALUES (1, @limit, @detail, @sinceMs, @untilMs, @updatedAtMs) ON CONFLICT (id) DO UPDATE SET limit_name = excluded.limit_name, detail = excluded.detail, since_ms = excluded.since_ms, until_ms = excluded.until_ms, updated_at_ms = excluded.updated_at_ms',
  );
  const dropHit = db.prepare<[]>('DELETE FROM risk_limit_hit WHERE id = 1');

  const hit = (): RiskLimitHit | null => {
    const r = getHit.get() as HitRow | undefined;
    return r ? { limit: r.limit_name, detail: r.detail, sinceMs: r.since_ms, untilMs: r.until_ms, updatedAtMs: r.updated_at_ms } : null;
  };

  return {
    equityPeak: (asset: string): EquityPeak | null => (getPeak.get(asset) as EquityPeak | undefined) ?? null,
    equityPeaks: (): EquityPeak[] => allPeaks.all() as EquityPeak[],
    /** Raises the asset's peak to `equity` if higher; returns the peak after. */
    raiseEquityPeak: (asset: string, equity: number, atMs: number): number => {
      if (!Number.isFinite(equity)) throw new RangeError(`equity must be finite, got ${equity}`);
      raise.run({ asset, equity, atMs });
      return (getPeak.get(asset) as EquityPeak).peak;
    },
    riskLimitHit: hit,
    /**
     * Records the limit refusing entries now. True when it is a new hit (none before, another limit,
     * or the same limit with another end: the next day's loss after the day before's hit, a new pause
     * after a losing streak, the stored one never cleared for want of an allowed entry between them):
     * the caller logs and notifies it then, and not on every refused candle.
     */
    setRiskLimitHit: (h: { readonly limit: string; readonly detail: string; readonly untilMs: number | null }, atMs: number): boolean => {
      const before = hit();
      const fresh = before?.limit !== h.limit || before.untilMs !== h.untilMs;
      putHit.run({ limit: h.limit, detail: h.detail, sinceMs: before && !fresh ? before.sinceMs : atMs, untilMs: h.untilMs, updatedAtMs: now() });
      return fresh;
    },
    /** No limit refuses entries any more; true when one did. */
    clearRiskLimitHit: (): boolean => dropHit.run().changes > 0,
  };
}
