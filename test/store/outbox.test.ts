import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type OutboxInput, openStore } from '../../src/store/index.ts';
import { tempDir } from '../support/temp-dir.ts';

const dbFile = () => join(tempDir('ladder-outbox-'), 'ladder.db');
const T0 = Date.UTC(2026, 0, 1, 12);
const msg = (key: string, extra: Partial<OutboxInput> = {}): OutboxInput => ({ key, type: 'tp', symbol: 'BTCUSDT', timeMs: T0, payload: { pnl: 1.5, next: Infinity }, ...extra });

describe('the notification outbox in the store ([operate] 5)', () => {
  it('adds a cause once: the same key again is ignored, and the payload round-trips', () => {
    const s = openStore(dbFile(), { now: () => T0 + 5 });
    expect(s.outbox.add([msg('p1:fill:1'), msg('p1:fill:2')])).toBe(2);
    expect(s.outbox.add([msg('p1:fill:2', { payload: { other: true } }), msg('p1:closed')])).toBe(1);
    const rows = s.outbox.messages();
    expect(rows.map((r) => r.key)).toEqual(['p1:fill:1', 'p1:fill:2', 'p1:closed']);
    expect(rows[0]!.id).toBeLessThan(rows[1]!.id); // the id is the delivery order
    expect(rows[1]!.id).toBeLessThan(rows[2]!.id);
    expect(rows[1]).toEqual({ id: 2, key: 'p1:fill:2', type: 'tp', symbol: 'BTCUSDT', timeMs: T0, payload: { pnl: 1.5, next: Infinity }, createdAtMs: T0 + 5 });
    s.close();
  });

  it('writes nothing when the transaction it is part of rolls back', () => {
    const s = openStore(dbFile());
    expect(() =>
      s.transaction(() => {
        s.outbox.add([msg('a')]);
        throw new Error('the state change failed');
      }),
    ).toThrow('the state change failed');
    expect(s.outbox.messages()).toEqual([]);
    s.transaction(() => s.outbox.add([msg('b')]));
    expect(s.outbox.messages().map((m) => m.key)).toEqual(['b']);
    s.close();
  });

  it('opens a new channel at the newest row, so it does not replay the history', () => {
    const s = openStore(dbFile(), { now: () => T0 });
    s.outbox.add([msg('old1'), msg('old2')]);
    expect(s.outbox.openChannel('webhook')).toEqual({ channel: 'webhook', deliveredId: 2, attempts: 0, nextAttemptMs: 0, lastError: null, updatedAtMs: T0 });
    expect(s.outbox.pending('webhook')).toEqual([]);
    s.outbox.add([msg('new')]);
    expect(s.outbox.pending('webhook').map((m) => m.key)).toEqual(['new']);
    // Opening again keeps the cursor where it is.
    expect(s.outbox.openChannel('webhook').deliveredId).toBe(2);
    s.close();
  });

  it('moves a channel forward row by row, records each outcome, counts failed attempts and resets them on success', () => {
    const path = dbFile();
    const s = openStore(path, { now: () => T0 });
    s.outbox.openChannel('telegram');
    s.outbox.openChannel('webhook');
    s.outbox.add([msg('a'), msg('b'), msg('c')]);
    expect(s.outbox.failed('telegram', T0 + 1000, '503 Service Unavailable')).toBe(1);
    expect(s.outbox.failed('telegram', T0 + 3000, '503 Service Unavailable')).toBe(2);
    expect(s.outbox.channel('telegram')).toMatchObject({ deliveredId: 0, attempts: 2, nextAttemptMs: T0 + 3000, lastError: '503 Service Unavailable' });
    s.outbox.done('telegram', 1, { status: 'sent', attempts: 3 });
    expect(s.outbox.channel('telegram')).toMatchObject({ deliveredId: 1, attempts: 0, nextAttemptMs: 0, lastError: null });
    s.outbox.done('telegram', 2, { status: 'failed', attempts: 1, error: '400 Bad Request: message is too long' });
    s.outbox.done('telegram', 3, { status: null, attempts: 0 }); // not a type this channel takes
    // A row behind the cursor changes nothing (a second mark after a restart).
    s.outbox.done('telegram', 1, { status: 'failed', attempts: 9, error: 'late' });
    expect(s.outbox.pending('telegram')).toEqual([]);
    expect(s.outbox.pending('webhook').map((m) => m.key)).toEqual(['a', 'b', 'c']); // channels are independent
    s.close();
    const again = openStore(path);
    expect(again.outbox.deliveries('telegram')).toEqual([
      { outboxId: 1, channel: 'telegram', status: 'sent', attempts: 3, atMs: T0, error: null },
      { outboxId: 2, channel: 'telegram', status: 'failed', attempts: 1, atMs: T0, error: '400 Bad Request: message is too long' },
    ]);
    expect(again.outbox.channel('telegram')?.deliveredId).toBe(3);
    again.close();
  });

  it('refuses to read or move a channel that was never opened', () => {
    const s = openStore(dbFile());
    expect(s.outbox.channel('telegram')).toBeNull();
    expect(() => s.outbox.pending('telegram')).toThrow('outbox channel telegram is not open');
    expect(() => s.outbox.done('telegram', 1, { status: 'sent', attempts: 1 })).toThrow('outbox channel telegram is not open');
    s.close();
  });
});
