import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { type OutboxInput, openStore } from '../../src/store/index.ts';
import { tempDir } from '../support/temp-dir.ts';

const dbFile = () => join(tempDir('ladder-outbox-prune-'), 'ladder.db');
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1, 12);
const msg = (key: string): OutboxInput => ({ key, type: 'tp', symbol: 'BTCUSDT', timeMs: T0, payload: { key } });

/** Rows of each table, read from the file itself. */
function counts(path: string): { outbox: number; deliveries: number } {
  const db = new Database(path, { readonly: true });
  try {
    const n = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
    return { outbox: n('SELECT COUNT(*) AS n FROM outbox'), deliveries: n('SELECT COUNT(*) AS n FROM outbox_deliveries') };
  } finally {
    db.close();
  }
}

describe('pruning the notification outbox (issue 16 follow-up)', () => {
  it('deletes the old rows every channel is done with, keeps recent ones and every row a channel has still to deliver', () => {
    const path = dbFile();
    let now = T0;
    const s = openStore(path, { now: () => now });
    s.outbox.openChannel('telegram');
    s.outbox.openChannel('webhook');
    // Day 0: a, b, c; day 40: d, e; day 59: f (now is day 60, retention 30 days: before day 30 is old).
    s.outbox.add([msg('a'), msg('b'), msg('c')]);
    now = T0 + 40 * DAY;
    s.outbox.add([msg('d'), msg('e')]);
    now = T0 + 59 * DAY;
    s.outbox.add([msg('f')]);
    // telegram is done with all (a sent, b given up, c passed over …); webhook only up to b.
    s.outbox.done('telegram', 1, { status: 'sent', attempts: 1 });
    s.outbox.done('telegram', 2, { status: 'failed', attempts: 3, error: '400' });
    s.outbox.done('telegram', 3, { status: null, attempts: 0 });
    for (const id of [4, 5, 6]) s.outbox.done('telegram', id, { status: 'sent', attempts: 1 });
    s.outbox.done('webhook', 1, { status: 'sent', attempts: 1 });
    s.outbox.done('webhook', 2, { status: 'sent', attempts: 2 });
    now = T0 + 60 * DAY;
    expect(counts(path)).toEqual({ outbox: 6, deliveries: 7 });

    expect(s.outbox.prune({ channels: ['telegram', 'webhook'], beforeMs: now - 30 * DAY })).toBe(2);
    // a and b went with their four delivery records; c is old but the webhook has still to send it.
    expect(s.outbox.messages().map((m) => m.key)).toEqual(['c', 'd', 'e', 'f']);
    expect(counts(path)).toEqual({ outbox: 4, deliveries: 3 });
    expect(s.outbox.pending('webhook').map((m) => m.key)).toEqual(['c', 'd', 'e', 'f']);
    // Again: nothing more is old and done.
    expect(s.outbox.prune({ channels: ['telegram', 'webhook'], beforeMs: now - 30 * DAY })).toBe(0);

    // The webhook catches up; day 80: c, d, e are old and done, f (day 59) is not old yet.
    for (const id of [3, 4, 5, 6]) s.outbox.done('webhook', id, { status: 'sent', attempts: 1 });
    now = T0 + 80 * DAY;
    expect(s.outbox.prune({ channels: ['telegram', 'webhook'], beforeMs: now - 30 * DAY })).toBe(3);
    expect(s.outbox.messages().map((m) => m.key)).toEqual(['f']);
    s.close();
    // Committed: the file itself holds only f and its two delivery records.
    expect(counts(path)).toEqual({ outbox: 1, deliveries: 2 });
  });

  it('never deletes what a channel never opened, or with no channel named, however old', () => {
    let now = T0;
    const s = openStore(dbFile(), { now: () => now });
    s.outbox.openChannel('webhook');
    s.outbox.add([msg('a'), msg('b')]);
    s.outbox.done('webhook', 2, { status: 'sent', attempts: 1 });
    now = T0 + 365 * DAY;
    expect(s.outbox.prune({ channels: [], beforeMs: now })).toBe(0);
    expect(s.outbox.prune({ channels: ['webhook', 'telegram'], beforeMs: now })).toBe(0);
    expect(s.outbox.messages().map((m) => m.key)).toEqual(['a', 'b']);
    expect(s.outbox.prune({ channels: ['webhook'], beforeMs: now })).toBe(2);
    s.close();
  });

  it('keeps ids growing after everything was pruned: a cursor never skips a new row', () => {
    let now = T0;
    const path = dbFile();
    const s = openStore(path, { now: () => now });
    s.outbox.openChannel('webhook');
    s.outbox.add([msg('a'), msg('b')]);
    s.outbox.done('webhook', 2, { status: 'sent', attempts: 1 });
    now = T0 + 31 * DAY;
    expect(s.outbox.prune({ channels: ['webhook'], beforeMs: now - 30 * DAY })).toBe(2);
    expect(s.outbox.messages()).toEqual([]);
    s.close();
    const again = openStore(path, { now: () => now });
    again.outbox.add([msg('c')]);
    expect(again.outbox.getByKey('c')!.id).toBe(3);
    expect(again.outbox.pending('webhook').map((m) => m.key)).toEqual(['c']);
    again.close();
  });

  it('is part of the transaction it runs in: a rollback keeps every row', () => {
    let now = T0;
    const s = openStore(dbFile(), { now: () => now });
    s.outbox.openChannel('webhook');
    s.outbox.add([msg('a')]);
    s.outbox.done('webhook', 1, { status: 'sent', attempts: 1 });
    now = T0 + 31 * DAY;
    expect(() =>
      s.transaction(() => {
        expect(s.outbox.prune({ channels: ['webhook'], beforeMs: now - 30 * DAY })).toBe(1);
        throw new Error('rolled back');
      }),
    ).toThrow('rolled back');
    expect(s.outbox.messages().map((m) => m.key)).toEqual(['a']);
    expect(s.outbox.deliveries('webhook')).toHaveLength(1);
    s.close();
  });
});
