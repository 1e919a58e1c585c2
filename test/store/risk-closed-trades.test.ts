import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type RiskFacts, checkRiskLimits, utcDayStartMs } from '../../src/core/risk/limits.ts';
import { openStore } from '../../src/store/index.ts';
import { drive, open } from '../web/store-fixture.ts';
import { tempDir } from '../support/temp-dir.ts';

/**
 * Before an entry the risk limits read today's trades and the current losing streak by index
 * (`riskClosedTrades`), not the whole history: on random histories (wins, breakevens, losses, trades
 * closing on the same millisecond, days without a win, no win at all) every verdict at every time
 * equals the one from the whole history, as the bot read it before.
 */
const MINUTE = 60_000;
const DAY0 = Date.UTC(2025, 5, 1);
const tick = (x: number) => Math.round(x * 10) / 10;
// A trade's path as factors of its entry (the store fixture's ladder: 1 %, 2 %, 3.5 %; stop 2 %).
const PATHS = [[1.012, 1.022, 1.04], [1.012, 0.999], [0.979]] as const;

const arbTrade = fc.record({
  kind: fc.constantFrom(0, 1, 2, 2),
  // Minutes after the previous trade's entry: 0 makes two trades close on the same millisecond.
  gapMin: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 3000 })),
  stepMin: fc.constantFrom(5, 10, 600),
});
const arbLimits: fc.Arbitrary<RiskFacts['limits']> = fc.record(
  { daily_loss_limit: fc.constantFrom(1, 5, 20), max_consecutive_losses: fc.integer({ min: 1, max: 4 }), cooldown_minutes: fc.constantFrom(30, 600, 5000) },
  { requiredKeys: [] },
);

describe('riskClosedTrades', () => {
  it('gives every risk verdict the whole history gives, at any time', () => {
    let refusals = 0;
    fc.assert(
      fc.property(fc.array(arbTrade, { minLength: 1, maxLength: 14 }), fc.array(arbLimits, { minLength: 1, maxLength: 4 }), (trades, limitsList) => {
        const dbPath = join(tempDir('ladder-risk-trades-'), 'ladder.db');
        const store = openStore(dbPath, { synchronous: 'normal' });
        try {
          let t = DAY0 + 9 * 60 * MINUTE;
          const closes: number[] = [];
          trades.forEach((x, n) => {
            t += x.gapMin * MINUTE;
            const entry = tick(60_000 + n * 17.3);
            const path = PATHS[x.kind]!.map((f, i) => ({ price: tick(entry * f), timeMs: t + (i + 1) * x.stepMin * MINUTE }));
            drive(store, open(store, `BTCUSDT-${n + 1}`, entry, t), path);
            closes.push(path.at(-1)!.timeMs);
          });
          const whole = store.tradeHistory().flatMap((r) => (r.closedAtMs === null ? [] : [{ closedAtMs: r.closedAtMs, pnl: r.pnl }]));
          expect(whole).toHaveLength(trades.length);
          for (const nowMs of [...closes, ...closes.map((c) => c + 1), ...closes.map((c) => utcDayStartMs(c) + 86_400_000 - 1), closes.at(-1)! + 3 * 86_400_000]) {
            const fromIndex = store.riskClosedTrades(utcDayStartMs(nowMs));
            expect(fromIndex.length).toBeLessThanOrEqual(whole.length);
            for (const limits of limitsList) {
              const facts = { limits, equity: 0, equityPeak: 0, openNotional: 0, entryNotional: 0, nowMs };
              const want = checkRiskLimits({ ...facts, closedTrades: whole });
              if (!want.ok) refusals++;
              expect(checkRiskLimits({ ...facts, closedTrades: fromIndex })).toEqual(want);
            }
          }
        } finally {
          store.close();
        }
      }),
      { numRuns: Number(process.env.FC_NUM_RUNS ?? 40) },
    );
    // The property saw limits refuse, not only allow.
    expect(refusals).toBeGreaterThan(50);
  }, 120_000);

  it('reads only today and the streak: a long history of old trades is not read', () => {
    const dbPath = join(tempDir('ladder-risk-trades-'), 'ladder.db');
    const store = openStore(dbPath, { synchronous: 'normal' });
    try {
      // 30 days of one win a day, then on the last day a loss, a win and two losses.
      for (let d = 0; d < 30; d++) drive(store, open(store, `BTCUSDT-w${d}`, 60_000, DAY0 + d * 86_400_000 + 60 * MINUTE), PATHS[0]!.map((f, i) => ({ price: tick(60_000 * f), timeMs: DAY0 + d * 86_400_000 + (61 + i) * MINUTE })));
      const last = DAY0 + 30 * 86_400_000;
      [2, 0, 2, 2].forEach((kind, k) => {
        const at = last + (k + 1) * 60 * MINUTE;
        drive(store, open(store, `BTCUSDT-l${k}`, 60_000, at), PATHS[kind]!.map((f, i) => ({ price: tick(60_000 * f), timeMs: at + (i + 1) * MINUTE })));
      });
      const today = store.riskClosedTrades(utcDayStartMs(last + 12 * 60 * MINUTE));
      expect(today.map((x) => Math.sign(x.pnl))).toEqual([-1, 1, -1, -1]);
      // The next day: no trade of its own yet; the streak since today's win is what is read.
      expect(store.riskClosedTrades(utcDayStartMs(last) + 86_400_000).map((x) => Math.sign(x.pnl))).toEqual([1, -1, -1]);
    } finally {
      store.close();
    }
  });
});
