import { describe, expect, it } from 'vitest';
import { type RiskFacts, checkRiskLimits, utcDayStartMs } from '../../../src/core/risk/limits.ts';

const T = Date.parse('2026-03-10T00:00:00Z');
const H = 3_600_000;
const base: RiskFacts = { limits: {}, closedTrades: [], equity: 10_000, equityPeak: 10_000, openNotional: 0, entryNotional: 1000, nowMs: T + 12 * H };
const facts = (over: Partial<RiskFacts>): RiskFacts => ({ ...base, ...over });

describe('checkRiskLimits', () => {
  it('allows anything when no limit is set', () => {
    expect(checkRiskLimits(facts({ closedTrades: [{ closedAtMs: T + H, pnl: -1e6 }], equity: 1, openNotional: 1e9 }))).toEqual({ ok: true });
  });

  describe('daily_loss_limit', () => {
    const limits = { daily_loss_limit: 100 };
    it('refuses once the UTC day realised -100 (-60 -50 +10 = -100), until 00:00 UTC next day', () => {
      const closedTrades = [
        { closedAtMs: T + 1 * H, pnl: -60 },
        { closedAtMs: T + 2 * H, pnl: -50 },
        { closedAtMs: T + 3 * H, pnl: 10 },
      ];
      const v = checkRiskLimits(facts({ limits, closedTrades }));
      expect(v).toMatchObject({ ok: false, limit: 'daily_loss_limit', untilMs: T + 24 * H });
      expect(v.ok ? '' : v.detail).toBe('realised PnL since 2026-03-10T00:00:00.000Z is -100, the daily loss limit is 100');
    });
    it('allows at -99.99', () => {
      expect(checkRiskLimits(facts({ limits, closedTrades: [{ closedAtMs: T + H, pnl: -99.99 }] })).ok).toBe(true);
    });
    it('counts only the current UTC day: a loss at 23:59:59.999 the day before does not count', () => {
      const closedTrades = [
        { closedAtMs: T - 1, pnl: -500 },
        { closedAtMs: T, pnl: -40 },
      ];
      expect(checkRiskLimits(facts({ limits, closedTrades })).ok).toBe(true);
      expect(checkRiskLimits(facts({ limits, closedTrades, nowMs: T - 1 })).ok).toBe(false);
    });
    it('lifts at the next 00:00 UTC', () => {
      const closedTrades = [{ closedAtMs: T + 23 * H, pnl: -150 }];
      expect(checkRiskLimits(facts({ limits, closedTrades, nowMs: T + 24 * H - 1 })).ok).toBe(false);
      expect(checkRiskLimits(facts({ limits, closedTrades, nowMs: T + 24 * H })).ok).toBe(true);
    });
  });

  describe('max_consecutive_losses', () => {
    const losses = (n: number, from = T + H) => Array.from({ length: n }, (_, i) => ({ closedAtMs: from + i * H, pnl: -10 }));
    it('3 losses in a row with a 90-minute cool-down: refused until the 3rd loss + 90 min', () => {
      const closedTrades = [{ closedAtMs: T, pnl: 5 }, ...losses(3)]; // losses at 01:00, 02:00, 03:00
      const limits = { max_consecutive_losses: 3, cooldown_minutes: 90 };
      expect(checkRiskLimits(facts({ limits, closedTrades, nowMs: T + 3 * H }))).toMatchObject({ ok: false, limit: 'max_consecutive_losses', untilMs: T + 4.5 * H });
      expect(checkRiskLimits(facts({ limits, closedTrades, nowMs: T + 4.5 * H - 1 })).ok).toBe(false);
      expect(checkRiskLimits(facts({ limits, closedTrades, nowMs: T + 4.5 * H })).ok).toBe(true);
    });
    it('a win ends the streak; 2 losses after it are not 3', () => {
      const closedTrades = [...losses(2), { closedAtMs: T + 3 * H, pnl: 0 }, ...losses(2, T + 4 * H)];
      expect(checkRiskLimits(facts({ limits: { max_consecutive_losses: 3, cooldown_minutes: 600 }, closedTrades, nowMs: T + 6 * H })).ok).toBe(true);
    });
    it('after a pause ran out, a 4th loss does not pause again; the 6th does (from its close)', () => {
      const limits = { max_consecutive_losses: 3, cooldown_minutes: 30 };
      expect(checkRiskLimits(facts({ limits, closedTrades: losses(4), nowMs: T + 4 * H + 1 })).ok).toBe(true);
      expect(checkRiskLimits(facts({ limits, closedTrades: losses(6), nowMs: T + 6 * H + 1 }))).toMatchObject({ ok: false, untilMs: T + 6.5 * H });
    });
    it('without cooldown_minutes: paused until the next UTC day', () => {
      const v = checkRiskLimits(facts({ limits: { max_consecutive_losses: 2 }, closedTrades: losses(2), nowMs: T + 20 * H }));
      expect(v).toMatchObject({ ok: false, untilMs: T + 24 * H });
      expect(checkRiskLimits(facts({ limits: { max_consecutive_losses: 2 }, closedTrades: losses(2), nowMs: T + 24 * H })).ok).toBe(true);
    });
  });

  describe('max_drawdown_pct', () => {
    const limits = { max_drawdown_pct: 10 };
    it('from the stored peak: 12000 → 10800 is exactly 10 %: refused, no end time', () => {
      const v = checkRiskLimits(facts({ limits, equityPeak: 12_000, equity: 10_800 }));
      expect(v).toEqual({ ok: false, limit: 'max_drawdown_pct', detail: 'equity 10800 is 10 % below its peak 12000, the limit is 10 %', untilMs: null });
    });
    it('10801 is 9.99 % below: allowed', () => {
      expect(checkRiskLimits(facts({ limits, equityPeak: 12_000, equity: 10_801 })).ok).toBe(true);
    });
    it('equity above the stored peak is the new peak (no drawdown)', () => {
      expect(checkRiskLimits(facts({ limits, equityPeak: 5_000, equity: 10_000 })).ok).toBe(true);
    });
  });

  describe('max_total_notional', () => {
    const limits = { max_total_notional: 3000 };
    it('counts the new entry: 2000 open + 1000 = 3000 allowed, + 1000.01 refused', () => {
      expect(checkRiskLimits(facts({ limits, openNotional: 2000, entryNotional: 1000 })).ok).toBe(true);
      expect(checkRiskLimits(facts({ limits, openNotional: 2000, entryNotional: 1000.01 }))).toMatchObject({ ok: false, limit: 'max_total_notional', untilMs: null });
    });
    it('a single entry above the limit with nothing open is refused', () => {
      expect(checkRiskLimits(facts({ limits, entryNotional: 3500 })).ok).toBe(false);
    });
  });

  it('reports the daily loss first when several limits are hit', () => {
    const v = checkRiskLimits(facts({ limits: { daily_loss_limit: 10, max_total_notional: 1 }, closedTrades: [{ closedAtMs: T + H, pnl: -20 }] }));
    expect(v.ok ? null : v.limit).toBe('daily_loss_limit');
  });
});

describe('utcDayStartMs', () => {
  it('is 00:00 UTC of the day', () => {
    expect(utcDayStartMs(Date.parse('2026-03-10T23:59:59.999Z'))).toBe(T);
    expect(utcDayStartMs(T)).toBe(T);
  });
});
