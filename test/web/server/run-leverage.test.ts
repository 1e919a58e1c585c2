import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { liquidationDistancePct } from '../../../src/core/config/index.ts';
import { openStore } from '../../../src/store/index.ts';
import type { PositionsResponse } from '../../../src/web/components/dashboard-model.ts';
import { type Dashboard, startDashboard } from '../../../src/web/server/dashboard-server.ts';
import { testConfig } from '../../support/bot-harness.ts';
import { SOL } from '../../support/market.ts';
import { tempDir } from '../../support/temp-dir.ts';
import { HOUR, T0, open } from '../store-fixture.ts';

let dash: Dashboard | null = null;
afterEach(async () => {
  await dash?.close();
  dash = null;
});

const DAY = 24 * HOUR;

/**
 * Two runs on one store: `ladder live` at 3× a week ago, which entered SOLUSDT (still open); then, after
 * the trader opened a BTCUSDT long by hand at 10× this morning, `ladder live --manage` at 10×, which
 * adopted it. The adopted position's entry time is its opening trade's, before the second run started.
 */
function storeOfTwoRuns(): string {
  const dbPath = join(tempDir('ladder-run-leverage-'), 'ladder.db');
  const runA = T0 - 7 * DAY;
  const runB = T0 + 2 * HOUR;
  let clock = runA;
  const store = openStore(dbPath, { now: () => clock });
  try {
    store.startRun({ mode: 'live', command: 'ladder live', pid: 999_999, host: 'elsewhere', startedAtMs: runA, config: testConfig({ leverage: 3 }) });
    clock = runA + HOUR;
    open(store, 'SOLUSDT-1', 150, runA + HOUR, SOL);
    store.startRun({ mode: 'live', command: 'ladder live', pid: 999_998, host: 'elsewhere', startedAtMs: runB, config: testConfig({ leverage: 10 }) });
    clock = runB + 60_000;
    open(store, 'BTCUSDT-m1', 60_000, T0);
  } finally {
    store.close();
  }
  return dbPath;
}

describe("a card's leverage is that of the run the position was opened or adopted under", () => {
  it('an adopted position (its opening trade made before the run that adopted it) shows that run’s 10×, not the 3× of the run before', async () => {
    dash = await startDashboard({ dbPath: storeOfTwoRuns(), port: 0, token: '', mode: 'standalone' });
    const body = (await (await fetch(`${dash.url}api/positions`)).json()) as PositionsResponse;
    const card = (id: string) => body.positions.find((p) => p.id === id)!;
    const adopted = card('BTCUSDT-m1');
    expect([adopted.leverage, adopted.liquidationPrice, adopted.marginUsed]).toEqual([10, 60_000 * (1 - liquidationDistancePct(10) / 100), (60_000 * 0.01) / 10]);
    // The position the first run entered keeps that run's leverage.
    expect(card('SOLUSDT-1').leverage).toBe(3);
  });
});
