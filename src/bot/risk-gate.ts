import type { LadderConfig } from '../core/config/index.ts';
import { qtyOf } from '../core/index.ts';
import { type MarketRules, stepsToQty } from '../core/market/market-rules.ts';
import { entrySteps } from '../core/position-size.ts';
import { checkRiskLimits, utcDayStartMs } from '../core/risk/limits.ts';
import type { ExitSettings } from '../core/scaled-tp/settings.ts';
import type { ExchangePort } from '../exchange/port.ts';
import type { Store } from '../store/index.ts';
import type { Signal } from '../strategy/strategy.ts';
import type { Logger } from './logger.ts';

export interface RiskGateDeps {
  readonly ex: ExchangePort;
  readonly store: Store;
  readonly log: Logger;
  readonly now: () => number;
  readonly config: LadderConfig;
  readonly settings: ExitSettings;
  readonly market: MarketRules;
  /** Notional of the entries sent and not booked yet (in doubt) on every symbol: they may hold on the exchange. */
  readonly unbookedNotional?: () => number;
}

/**
 * Risk limits before an entry ([operate] 3): false when a limit refuses it. `marketNowMs`: now on the
 * exchange's clock, the one its fills (the trades' close times) are stamped with.
 * The facts come from
 * the store (closed trades, open positions, the equity peak) and the exchange (equity, price), so a
 * restart refuses exactly as before. A new hit is stored and logged once (`risk.limit_hit`); the
 * same limit refusing the next signals is only a debug line. Open positions are never touched.
 */
export async function entryAllowedByRiskLimits(d: RiskGateDeps, sig: Signal, marketNowMs: number = d.now()): Promise<boolean> {
  const limits = d.config.risk_limits;
  if (Object.values(limits).every((v) => v === undefined)) return true; // no limit set: no extra reads
  const m = d.market;
  const needsExchange = limits.max_drawdown_pct !== undefined || limits.max_total_notional !== undefined;
  let equity = 0;
  let peak = 0;
  let entryNotional = 0;
  if (needsExchange) {
    const balance = await d.ex.balance(m.quote);
    equity = balance.total;
    // The peak is raised on every check, so the drawdown is measured from the best equity seen at an entry.
    peak = Number.isFinite(equity) ? d.store.raiseEquityPeak(m.quote, equity, d.now()) : equity;
    const price = await d.ex.price(m.id);
    const stopPct = sig.stopLossPct ?? d.settings.stopLossPct;
    entryNotional = price * stepsToQty(entrySteps(d.config.position_size, price, equity, stopPct, m), m);
  }
  // On the clock of the trades' own times (the exchange's): a simulator replaying history stamps its
  // fills with its market time, so "today" and a cooldown are counted on that clock, not the bot's.
  const nowMs = marketNowMs;
  // Today's trades and the current losing streak only, by index: not the whole history at every entry.
  const closedTrades = d.store.riskClosedTrades(utcDayStartMs(nowMs));
  // An open position counts at its entry price × what is still open; an entry not booked yet (its
  // answer lost) at its quantity × its symbol's newest close: once looked up it may be a position.
  const openNotional = d.store.openPositions().reduce((s, p) => s + p.entryPrice * qtyOf(p.remainingSteps, p.plan), 0) + (d.unbookedNotional?.() ?? 0);
  const v = checkRiskLimits({ limits, closedTrades, equity, equityPeak: peak, openNotional, entryNotional, nowMs });
  if (v.ok) {
    if (d.store.clearRiskLimitHit()) d.log.info({ symbol: m.id }, 'risk.limit_cleared');
    return true;
  }
  const until = v.untilMs === null ? null : new Date(v.untilMs).toISOString();
  if (d.store.setRiskLimitHit(v, nowMs)) d.log.warn({ symbol: m.id, limit: v.limit, detail: v.detail, until }, 'risk.limit_hit');
  else d.log.debug({ symbol: m.id, limit: v.limit, until }, 'entry.skipped_risk_limit');
  return false;
}
