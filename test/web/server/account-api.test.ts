import { beforeAll, describe, expect, it } from 'vitest';
import { utcDayStartMs } from '../../../src/core/risk/limits.ts';
import { type Store, openStore } from '../../../src/store/index.ts';
import type { AccountResponse, PositionsResponse } from '../../../src/web/components/dashboard-model.ts';
import { accountView } from '../../../src/web/server/account-view.ts';
import { type Dashboard, startDashboard } from '../../../src/web/server/dashboard-server.ts';
import { RunBook } from '../../../src/web/server/run-book.ts';
import { testConfig } from '../../support/bot-harness.ts';
import { DAY, DAY0, storeWithManyTrades } from '../many-trades-store.ts';
import { recordingStore } from '../recording-store.ts';
import { HOUR, T0, storeWithTrades } from '../store-fixture.ts';

/**
 * GET /api/account costs today's trades, not the history ([views] 17 follow-up). `today` as the
 * endpoint computed it before, verbatim: every trade of the history read, filtered, summed.
 */
function todayBefore(store: Store, nowMs: number): AccountResponse['today'] {
  const fromMs = utcDayStartMs(nowMs);
  const closed = store.tradeHistory().filter((t) => t.closedAtMs !== null && t.closedAtMs >= fromMs);
  return { fromMs, realisedPnl: closed.reduce((s, t) => s + t.pnl, 0), trades: closed.length };
}

/** The endpoint's JSON at each time, next to the one the previous computation gives on the same store. */
async function compareAt(dbPath: string, times: readonly number[]): Promise<{ now: number; body: AccountResponse; before: AccountResponse }[]> {
  let now = times[0]!;
  const dash: Dashboard = await startDashboard({ dbPath, port: 0, mode: 'standalone', config: testConfig({ risk_limits: { daily_loss_limit: 500 } }), now: () => now });
  const store = openStore(dbPath);
  try {
    const out = [];
    for (const t of times) {
      now = t;
      const res = await fetch(`${dash.url}api/account`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as AccountResponse;
      out.push({ now: t, body, before: { ...body, today: todayBefore(store, t) } });
    }
    return out;
  } finally {
    store.close();
    await dash.close();
  }
}

describe('GET /api/account over many trades', () => {
  const fx = storeWithManyTrades({ days: 6, perDay: 40 });

  it('answers the same JSON as before, at midnight UTC, just after a trade that crossed it closed, mid-day and the day after', async () => {
    const last = DAY0 + 5 * DAY;
    const times = [DAY0 + DAY, DAY0 + DAY + 10 * 60_000, DAY0 + DAY + 25 * 60_000, DAY0 + 3 * DAY + 12 * HOUR, last - 1, last + 20 * 60_000 + 1, last + 12 * HOUR, last + 23 * HOUR + 50 * 60_000, last + DAY + 1];
    const seen = await compareAt(fx.dbPath, times);
    for (const { now, body, before } of seen) {
      expect(body, new Date(now).toISOString()).toEqual(before);
      // The same double, not merely close.
      expect(Object.is(body.today.realisedPnl, before.today.realisedPnl), new Date(now).toISOString()).toBe(true);
      expect(body.today.fromMs).toBe(utcDayStartMs(now));
    }
    // Not vacuous: the last day's 40 trades plus the one that crossed midnight into it, and the open position.
    const midDay = seen.find((s) => s.now === last + 12 * HOUR)!.body;
    expect(midDay.today.trades).toBe(41);
    expect(midDay.today.realisedPnl).not.toBe(0);
    expect(midDay.openPositions).toBe(1);
    expect(seen.at(-1)!.body.today).toEqual({ fromMs: last + DAY, realisedPnl: 0, trades: 0 });
  });

  it('reads the store for aggregates only: no call reads the trade history', () => {
    const real = openStore(fx.dbPath);
    try {
      const calls: string[] = [];
      const store = recordingStore(real, calls);
      const now = DAY0 + 3 * DAY + 12 * HOUR;
      const runs = new RunBook({ store, fallback: testConfig(), now: () => now, onError: (w, e) => { throw new Error(`${w}: ${String(e)}`); } });
      const positions: PositionsResponse = { positions: [], symbols: [], feed: { state: 'standalone', lastOkMs: null, lastError: null, ended: null }, lastEventId: 0, serverTimeMs: now };
      calls.length = 0;
      const body = accountView(store, runs, positions, now);
      expect(body.today).toEqual(todayBefore(real, now));
      expect(calls).toContain('realisedPnlSince');
      expect(calls).not.toContain('tradeHistory');
      expect(calls.filter((c) => !['riskLimitHit', 'realisedPnlSince', 'equityPeaks'].includes(c))).toEqual([]);
    } finally {
      real.close();
    }
  });
});

describe('GET /api/account over the dashboard fixture store', () => {
  let dbPath: string;
  beforeAll(() => {
    dbPath = storeWithTrades().dbPath;
  });

  it('answers the same JSON as before on the day of its trades and the day after', async () => {
    const seen = await compareAt(dbPath, [T0 + 13 * HOUR, T0 + 13 * HOUR + DAY]);
    for (const { body, before } of seen) expect(body).toEqual(before);
    expect(seen[0]!.body.today.trades).toBe(3);
    expect(seen[1]!.body.today.trades).toBe(0);
  });
});
