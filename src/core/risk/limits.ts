import type { RiskLimitsConfig } from '../config/schema.ts';

/*
 * Risk limits ([operate] 3): whether a new entry may be opened now. Pure: the bot gathers the facts
 * (closed trades, equity and its peak, open notional) and this decides. A refusal says which limit,
 * why in words, and until when it holds (null: until the facts change, e.g. equity recovers).
 */

export type RiskLimitName = 'daily_loss_limit' | 'max_drawdown_pct' | 'max_total_notional' | 'max_consecutive_losses';

export interface ClosedTradePnl {
  /** When the trade's last exit happened, ms UTC. */
  readonly closedAtMs: number;
  /** Realised PnL net of fees, quote currency. */
  readonly pnl: number;
}

export interface RiskFacts {
  readonly limits: RiskLimitsConfig;
  readonly closedTrades: readonly ClosedTradePnl[];
  readonly equity: number;
  /** Highest equity seen before now (the current equity is taken into account too). */
  readonly equityPeak: number;
  /** Σ notional of the open positions, quote currency. */
  readonly openNotional: number;
  /** Notional of the entry about to be sent. */
  readonly entryNotional: number;
  readonly nowMs: number;
}

export type RiskVerdict =
  | { readonly ok: true }
  | { readonly ok: false; readonly limit: RiskLimitName; readonly detail: string; readonly untilMs: number | null };

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

/** 00:00 UTC of the day holding `ms`. */
export const utcDayStartMs = (ms: number): number => Math.floor(ms / DAY_MS) * DAY_MS;

const iso = (ms: number): string => new Date(ms).toISOString();
const money = (x: number): string => (Math.round(x * 100) / 100).toString();

/** The first limit that refuses an entry now, checked in a fixed order (daily loss, streak, drawdown, notional). */
export function checkRiskLimits(f: RiskFacts): RiskVerdict {
  return dailyLoss(f) ?? losingStreak(f) ?? drawdown(f) ?? notional(f) ?? { ok: true };
}

function dailyLoss(f: RiskFacts): RiskVerdict | null {
  const limit = f.limits.daily_loss_limit;
  if (limit === undefined) return null;
  const dayStart = utcDayStartMs(f.nowMs);
  // No upper bound: a trade stamped a moment ahead by the exchange's clock (skew) is still today's.
  const pnl = f.closedTrades.filter((t) => t.closedAtMs >= dayStart).reduce((s, t) => s + t.pnl, 0);
  if (-pnl < limit) return null;
  return { ok: false, limit: 'daily_loss_limit', detail: `realised PnL since ${iso(dayStart)} is ${money(pnl)}, the daily loss limit is ${limit}`, untilMs: dayStart + DAY_MS };
}

/**
 * Every `max_consecutive_losses` losses in a row start a pause from the close of the loss that
 * completed that many (the next pause needs as many more): a pause that ran out lets trading resume.
 * Without cooldown_minutes the pause lasts until the next UTC day.
 */
function losingStreak(f: RiskFacts): RiskVerdict | null {
  const n = f.limits.max_consecutive_losses;
  if (n === undefined) return null;
  const closed = [...f.closedTrades].sort((a, b) => a.closedAtMs - b.closedAtMs);
  let streak = 0;
  while (streak < closed.length && closed[closed.length - 1 - streak]!.pnl < 0) streak++;
  if (streak < n) return null;
  // The loss that made the streak a multiple of n: the newest pause began at its close.
  const trigger = closed[closed.length - 1 - (streak % n)]!;
  const cooldown = f.limits.cooldown_minutes;
  const untilMs = cooldown === undefined ? utcDayStartMs(trigger.closedAtMs) + DAY_MS : trigger.closedAtMs + cooldown * MINUTE_MS;
  if (f.nowMs >= untilMs) return null;
  return { ok: false, limit: 'max_consecutive_losses', detail: `${streak} losing trades in a row (limit ${n}), paused since ${iso(trigger.closedAtMs)}`, untilMs };
}

function drawdown(f: RiskFacts): RiskVerdict | null {
  const limit = f.limits.max_drawdown_pct;
  if (limit === undefined) return null;
  const peak = Math.max(f.equityPeak, f.equity);
  if (!(peak > 0)) return null;
  const dd = ((peak - f.equity) / peak) * 100;
  if (dd < limit) return null;
  return { ok: false, limit: 'max_drawdown_pct', detail: `equity ${money(f.equity)} is ${money(dd)} % below its peak ${money(peak)}, the limit is ${limit} %`, untilMs: null };
}

function notional(f: RiskFacts): RiskVerdict | null {
  const limit = f.limits.max_total_notional;
  if (limit === undefined) return null;
  const total = f.openNotional + f.entryNotional;
  // A hair of tolerance: a total exactly at the limit, summed in binary floating point, is still at it.
  if (total <= limit * (1 + 1e-12)) return null;
  return {
    ok: false,
    limit: 'max_total_notional',
    detail: `open notional ${money(f.openNotional)} + this entry ${money(f.entryNotional)} = ${money(total)}, above the limit ${limit}`,
    untilMs: null,
  };
}
