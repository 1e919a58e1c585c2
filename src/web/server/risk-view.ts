import { utcDayStartMs } from '../../core/risk/limits.ts';
import type { EquityPeak, Store } from '../../store/index.ts';

/** The risk limits as the dashboard shows them ([operate] 3), from the store only. */
export interface RiskResponse {
  /** The limit refusing entries, as the bot stored it; `active` false once its end time has passed. */
  readonly hit: {
    readonly limit: string;
    readonly detail: string;
    readonly sinceMs: number;
    readonly untilMs: number | null;
    readonly active: boolean;
  } | null;
  readonly equityPeaks: readonly EquityPeak[];
  /** Realised PnL of the trades closed since 00:00 UTC of the market's day (what daily_loss_limit counts). */
  readonly today: { readonly fromMs: number; readonly realisedPnl: number; readonly trades: number };
  readonly serverTimeMs: number;
  /** Now on the market's clock: the server's time live, the replayed time of a simulator's run. */
  readonly marketTimeMs: number;
}

/** `marketNowMs`: now on the clock the trades and the hit are stamped with (the bot's risk gate counts on it). */
export function riskView(store: Store, nowMs: number, marketNowMs: number = nowMs): RiskResponse {
  const h = store.riskLimitHit();
  const fromMs = utcDayStartMs(marketNowMs);
  // Every /api/account and /api/risk poll: the trades closed today only, by index (not the history).
  const today = store.realisedPnlSince(fromMs);
  return {
    // The bot clears a hit at its next allowed entry; until then a hit whose time is up shows as ended.
    hit: h ? { limit: h.limit, detail: h.detail, sinceMs: h.sinceMs, untilMs: h.untilMs, active: h.untilMs === null || marketNowMs < h.untilMs } : null,
    equityPeaks: store.equityPeaks(),
    today: { fromMs, realisedPnl: today.realisedPnl, trades: today.trades },
    serverTimeMs: nowMs,
    marketTimeMs: marketNowMs,
  };
}
