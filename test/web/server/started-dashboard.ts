import { afterEach } from 'vitest';
import { type Dashboard, type DashboardOptions, startDashboard } from '../../../src/web/server/dashboard-server.ts';
import { testConfig } from '../../support/bot-harness.ts';
import { storeWithTrades } from '../store-fixture.ts';

/**
 * A standalone dashboard over the fixture store, its internal errors collected as [where, message];
 * closed after each test of the file that calls this (its own afterEach).
 */
export function dashboardPerTest() {
  const state: { dash: Dashboard | null; errors: [string, string][] } = { dash: null, errors: [] };
  afterEach(async () => {
    await state.dash?.close();
    state.dash = null;
    state.errors = [];
  });
  const start = async (o: Partial<DashboardOptions> = {}) => {
    const fx = storeWithTrades();
    state.dash = await startDashboard({
      dbPath: fx.dbPath,
      port: 0,
      token: '',
      config: testConfig(),
      mode: 'standalone',
      onError: (where, e) => state.errors.push([where, e instanceof Error ? e.message : String(e)]),
      ...o,
    });
    return { ...fx, dash: state.dash };
  };
  return { start, errors: () => state.errors };
}
