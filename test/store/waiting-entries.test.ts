import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type WaitingEntry, openStore } from '../../src/store/index.ts';
import { tempDir } from '../support/temp-dir.ts';

const T0 = Date.UTC(2026, 0, 1, 12);
const short: WaitingEntry = { symbol: 'BTCUSDT', side: 'short', signalTimeMs: T0, reason: 'ema_cross down', stopLossPct: 1.25, sinceMs: T0 + 5, forDoubt: true, closingId: null, origin: '{"strategy":{"name":"ema_cross","fast":12,"slow":26},"exchange":"binanceusdm"}' };

describe("a strategy's waiting entry signal in the store (kept across restarts)", () => {
  it('is kept per symbol across a reopen, replaced by the next one, and gone once cleared', () => {
    const path = join(tempDir('ladder-waiting-'), 'ladder.db');
    const s = openStore(path, { now: () => T0 });
    expect(s.waitingEntry('BTCUSDT')).toBeNull();
    s.setWaitingEntry('BTCUSDT', short);
    s.setWaitingEntry('ETHUSDT', { ...short, symbol: 'ETHUSDT', side: 'long', stopLossPct: null, forDoubt: false, closingId: 'ETHUSDT-x' });
    s.close();
    const again = openStore(path);
    expect(again.waitingEntry('BTCUSDT')).toEqual(short);
    expect(again.waitingEntry('ETHUSDT')).toEqual({ ...short, symbol: 'ETHUSDT', side: 'long', stopLossPct: null, forDoubt: false, closingId: 'ETHUSDT-x' });
    const later = { ...short, side: 'long' as const, signalTimeMs: T0 + 3_600_000, sinceMs: T0 + 3_600_005, origin: '{"strategy":"other"}' };
    again.setWaitingEntry('BTCUSDT', later);
    expect(again.waitingEntry('BTCUSDT')).toEqual(later);
    again.setWaitingEntry('BTCUSDT', null);
    expect(again.waitingEntry('BTCUSDT')).toBeNull();
    expect(again.waitingEntry('ETHUSDT')).not.toBeNull();
    expect(() => again.setWaitingEntry('BTCUSDT', { ...short, symbol: 'ETHUSDT' })).toThrow(/ETHUSDT stored under BTCUSDT/);
    again.close();
  });
});
