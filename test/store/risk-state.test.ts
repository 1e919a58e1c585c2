import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.ts';
import { tempDir } from '../support/temp-dir.ts';

const dbFile = () => join(tempDir('ladder-risk-'), 'ladder.db');
const T0 = Date.UTC(2026, 0, 1, 12);

describe('risk state in the store ([operate] 3)', () => {
  it('keeps the highest equity per asset, only ever raised, across a reopen', () => {
    const path = dbFile();
    const s = openStore(path, { now: () => T0 });
    expect(s.equityPeak('USDT')).toBeNull();
    expect(s.raiseEquityPeak('USDT', 10_000, T0)).toBe(10_000);
    expect(s.raiseEquityPeak('USDT', 9_000, T0 + 1)).toBe(10_000);
    expect(s.raiseEquityPeak('USDT', 10_500, T0 + 2)).toBe(10_500);
    expect(s.raiseEquityPeak('USDC', 50, T0 + 3)).toBe(50);
    expect(() => s.raiseEquityPeak('USDT', Number.NaN, T0)).toThrow(RangeError);
    s.close();
    const again = openStore(path);
    expect(again.equityPeak('USDT')).toEqual({ asset: 'USDT', peak: 10_500, atMs: T0 + 2 });
    expect(again.equityPeaks().map((p) => p.asset)).toEqual(['USDC', 'USDT']);
    again.close();
  });

  it('records a limit hit once: the same limit again is not new and keeps its start; another limit is', () => {
    const path = dbFile();
    const s = openStore(path, { now: () => T0 + 99 });
    expect(s.riskLimitHit()).toBeNull();
    expect(s.setRiskLimitHit({ limit: 'daily_loss_limit', detail: 'a', untilMs: T0 + 1000 }, T0)).toBe(true);
    expect(s.setRiskLimitHit({ limit: 'daily_loss_limit', detail: 'b', untilMs: T0 + 1000 }, T0 + 10)).toBe(false);
    expect(s.riskLimitHit()).toEqual({ limit: 'daily_loss_limit', detail: 'b', sinceMs: T0, untilMs: T0 + 1000, updatedAtMs: T0 + 99 });
    s.close();
    const again = openStore(path, { now: () => T0 + 200 });
    expect(again.riskLimitHit()?.limit).toBe('daily_loss_limit');
    expect(again.setRiskLimitHit({ limit: 'max_drawdown_pct', detail: 'c', untilMs: null }, T0 + 20)).toBe(true);
    expect(again.riskLimitHit()).toMatchObject({ limit: 'max_drawdown_pct', sinceMs: T0 + 20, untilMs: null });
    expect(again.clearRiskLimitHit()).toBe(true);
    expect(again.clearRiskLimitHit()).toBe(false);
    expect(again.riskLimitHit()).toBeNull();
    again.close();
  });
});
