import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { entryAllowedByRiskLimits } from '../../src/bot/risk-gate.ts';
import { exitSettingsFromConfig } from '../../src/core/index.ts';
import type { ExchangePort } from '../../src/exchange/port.ts';
import { withOutbox } from '../../src/notify/outbox-writer.ts';
import { openStore } from '../../src/store/index.ts';
import { testConfig } from '../support/bot-harness.ts';
import { recordingLogger } from '../support/log-lines.ts';
import { BTC } from '../support/market.ts';
import { tempDir } from '../support/temp-dir.ts';
import { HOUR, drive, open } from '../web/store-fixture.ts';

const DAY1 = Date.UTC(2026, 2, 5);
const DAY2 = DAY1 + 24 * HOUR;

describe('the risk gate before an entry ([operate] 3)', () => {
  it('a daily loss limit hit again the next day (a position of the day before stopped out after midnight) is a new hit: logged, notified, its own start and end', async () => {
    const store = openStore(join(tempDir('ladder-risk-gate-'), 'ladder.db'), { now: () => DAY2 });
    const { log, records } = recordingLogger('debug');
    const notify = withOutbox(store, { log });
    store.outbox.openChannel('webhook');
    const config = testConfig({ risk_limits: { daily_loss_limit: 10 } });
    const d = { ex: {} as ExchangePort, store: notify.store, log, now: () => DAY2, config, settings: exitSettingsFromConfig(config), market: BTC };
    const sig = (timeMs: number) => ({ timeMs, side: 'long' as const, reason: 'test' });
    // Day 1: a long stopped at 58700 from 60000 (0.01 BTC: −13 gross, −0.03 fees = −13.03) at 10:00, past the limit of 10.
    drive(store, open(store, 'BTCUSDT-a', 60000, DAY1 + 9 * HOUR), [{ price: 58700, timeMs: DAY1 + 10 * HOUR }]);
    expect(await entryAllowedByRiskLimits(d, sig(DAY1 + 11 * HOUR), DAY1 + 11 * HOUR)).toBe(false);
    // Day 2: the day-1 hit has ended (at 00:00); a long opened before midnight stops out at 01:00, −13.03 again.
    drive(store, open(store, 'BTCUSDT-b', 60000, DAY1 + 23 * HOUR), [{ price: 58700, timeMs: DAY2 + HOUR }]);
    expect(await entryAllowedByRiskLimits(d, sig(DAY2 + 2 * HOUR), DAY2 + 2 * HOUR)).toBe(false);
    const hits = records.filter((r) => r['msg'] === 'risk.limit_hit');
    expect(hits.map((r) => r['until'])).toEqual([new Date(DAY2).toISOString(), new Date(DAY2 + 24 * HOUR).toISOString()]);
    expect(store.outbox.pending('webhook').filter((m) => m.type === 'risk').map((m) => m.timeMs)).toEqual([DAY1 + 11 * HOUR, DAY2 + 2 * HOUR]);
    expect(store.riskLimitHit()).toMatchObject({ limit: 'daily_loss_limit', sinceMs: DAY2 + 2 * HOUR, untilMs: DAY2 + 24 * HOUR });
    // The same day's next refusal is the same hit: a debug line, no new message.
    expect(await entryAllowedByRiskLimits(d, sig(DAY2 + 3 * HOUR), DAY2 + 3 * HOUR)).toBe(false);
    expect(records.filter((r) => r['msg'] === 'risk.limit_hit')).toHaveLength(2);
    expect(store.outbox.pending('webhook').filter((m) => m.type === 'risk')).toHaveLength(2);
    store.close();
  });
});
