import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type SignalInput, openStore } from '../../src/store/index.ts';
import { tempDir } from '../support/temp-dir.ts';

const dbFile = () => join(tempDir('ladder-signals-'), 'ladder.db');
const T0 = Date.UTC(2026, 0, 1, 12);

const signal = (over: Partial<SignalInput> = {}): SignalInput => ({
  id: 'tv-1',
  source: 'webhook',
  symbol: 'BTC/USDT:USDT',
  side: 'long',
  stopLossPct: 1.5,
  timeMs: T0,
  receivedAtMs: T0 + 800,
  payload: { id: 'tv-1', symbol: 'BTCUSDT', side: 'long', stop_loss_pct: 1.5 },
  ...over,
});

describe('signals in the store ([entries] 2)', () => {
  it('stores a signal as pending with its source, times and payload', () => {
    const s = openStore(dbFile(), { now: () => T0 + 5000 });
    const r = s.recordSignal(signal());
    expect(r.stored).toBe(true);
    expect(s.getSignal('tv-1')).toEqual({ ...signal(), status: 'pending', detail: null, updatedAtMs: T0 + 800 });
    expect(s.pendingSignals().map((x) => x.id)).toEqual(['tv-1']);
    s.close();
  });

  it('a second signal with the same id is a duplicate: nothing changes, the first is reported', () => {
    const s = openStore(dbFile());
    s.recordSignal(signal());
    const again = s.recordSignal(signal({ side: 'short', receivedAtMs: T0 + 9000 }));
    expect(again).toMatchObject({ stored: false, duplicate: { id: 'tv-1', side: 'long', status: 'pending' } });
    expect(s.pendingSignals()).toHaveLength(1);
    s.close();
  });

  it('is durable the moment recordSignal returns: another connection sees it (a kill right after loses nothing)', () => {
    const path = dbFile();
    const a = openStore(path);
    a.recordSignal(signal());
    const b = openStore(path);
    expect(b.pendingSignals().map((x) => x.id)).toEqual(['tv-1']);
    a.close();
    b.close();
  });

  it('lists pending signals oldest first, by symbol when asked', () => {
    const s = openStore(dbFile());
    s.recordSignal(signal({ id: 'b', receivedAtMs: T0 + 2 }));
    s.recordSignal(signal({ id: 'a', receivedAtMs: T0 + 1, symbol: 'ETH/USDT:USDT' }));
    s.recordSignal(signal({ id: 'c', receivedAtMs: T0 + 3, side: 'close', stopLossPct: null }));
    expect(s.pendingSignals().map((x) => x.id)).toEqual(['a', 'b', 'c']);
    expect(s.pendingSignals('BTC/USDT:USDT').map((x) => x.id)).toEqual(['b', 'c']);
    expect(s.signals({ limit: 2 }).map((x) => x.id)).toEqual(['c', 'b']);
    s.close();
  });

  it('lists pending signals by signal time, not arrival (a late delivery); the newest acted on per symbol', () => {
    const s = openStore(dbFile());
    s.recordSignal(signal({ id: 'late', timeMs: T0 + 4000, receivedAtMs: T0 + 5000 }));
    s.recordSignal(signal({ id: 'early', timeMs: T0 + 2000, receivedAtMs: T0 + 6000 }));
    expect(s.pendingSignals().map((x) => x.id)).toEqual(['early', 'late']);
    expect(s.newestActedSignal('BTC/USDT:USDT')).toBeNull();
    s.markSignal('late', 'acted', 'entered x');
    s.markSignal('early', 'acted', 'x');
    expect(s.newestActedSignal('BTC/USDT:USDT')?.id).toBe('late');
    expect(s.newestActedSignal('ETH/USDT:USDT')).toBeNull();
    s.close();
  });

  it('marks a pending signal once: acted or refused with what happened; a second mark changes nothing', () => {
    let now = T0 + 10_000;
    const s = openStore(dbFile(), { now: () => now });
    s.recordSignal(signal());
    expect(s.markSignal('tv-1', 'acted', 'entered BTCUSDT-x')).toMatchObject({ status: 'acted', detail: 'entered BTCUSDT-x', updatedAtMs: T0 + 10_000 });
    now += 1000;
    expect(s.markSignal('tv-1', 'refused', 'late')).toMatchObject({ status: 'acted', detail: 'entered BTCUSDT-x', updatedAtMs: T0 + 10_000 });
    expect(s.pendingSignals()).toEqual([]);
    expect(s.markSignal('nope', 'acted', 'x')).toBeNull();
    s.close();
  });

  it('refuses a side or source the schema does not know (the table checks it too)', () => {
    const s = openStore(dbFile());
    expect(() => s.recordSignal(signal({ side: 'flat' as never }))).toThrow(/CHECK constraint/);
    expect(() => s.recordSignal(signal({ id: 'x', source: 'email' as never }))).toThrow(/CHECK constraint/);
    s.close();
  });
});
