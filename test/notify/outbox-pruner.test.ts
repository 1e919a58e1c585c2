import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/bot/logger.ts';
import { parseConfigValue } from '../../src/core/config/index.ts';
import { startNotifier } from '../../src/notify/index.ts';
import { startOutboxPruner } from '../../src/notify/outbox-pruner.ts';
import { type OutboxInput, type Store, openStore } from '../../src/store/index.ts';
import { tempDir } from '../support/temp-dir.ts';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1, 12);
const msg = (key: string): OutboxInput => ({ key, type: 'exit', symbol: 'BTCUSDT', timeMs: T0, payload: { key } });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A pino logger writing its JSON lines into an array. */
function capture(): { log: ReturnType<typeof createLogger>; lines: () => Record<string, unknown>[] } {
  const raw: string[] = [];
  const log = createLogger(
    'info',
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        raw.push(chunk.toString('utf8'));
        cb();
      },
    }),
  );
  return { log, lines: () => raw.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) };
}

const pruneLines = (lines: Record<string, unknown>[]) => lines.filter((l) => l['msg'] === 'notify.outbox_pruned');

/** A store whose webhook channel is done with a, b (day 0) and c (day `cDay`); d (day 0) is not delivered yet. */
function seeded(clock: { now: number }, cDay: number): Store {
  const s = openStore(join(tempDir('ladder-pruner-'), 'ladder.db'), { now: () => clock.now });
  s.outbox.openChannel('webhook');
  s.outbox.add([msg('a'), msg('b')]);
  clock.now = T0 + cDay * DAY;
  s.outbox.add([msg('c')]);
  for (const id of [1, 2, 3]) s.outbox.done('webhook', id, { status: 'sent', attempts: 1 });
  s.outbox.add([msg('d')]);
  return s;
}

describe('the outbox pruner (issue 16 follow-up)', () => {
  it('prunes when started and then at each period, one log line with the count each time, until stopped', async () => {
    const clock = { now: T0 };
    const s = seeded(clock, 10);
    const { log, lines } = capture();
    clock.now = T0 + 35 * DAY; // a, b are 35 days old; c 25, d not delivered
    const p = startOutboxPruner({ outbox: s.outbox, channels: ['webhook'], retentionDays: 30, log, now: () => clock.now, everyMs: 40 });
    expect(pruneLines(lines())).toEqual([expect.objectContaining({ pruned: 2, retentionDays: 30, channels: ['webhook'], before: new Date(T0 + 5 * DAY).toISOString(), level: 30 })]);
    expect(s.outbox.messages().map((m) => m.key)).toEqual(['c', 'd']);

    clock.now = T0 + 41 * DAY; // c is 31 days old now
    await sleep(200);
    expect(s.outbox.messages().map((m) => m.key)).toEqual(['d']); // d: never delivered, kept
    const counts = pruneLines(lines()).map((l) => l['pruned']);
    expect(counts.slice(0, 2)).toEqual([2, 1]);
    expect(counts.slice(2).every((n) => n === 0)).toBe(true);

    p.stop();
    const after = pruneLines(lines()).length;
    await sleep(150);
    expect(pruneLines(lines())).toHaveLength(after);
    s.close();
  });

  it('logs a store error and goes on (never thrown to the bot)', () => {
    const clock = { now: T0 };
    const s = seeded(clock, 0);
    s.close();
    const { log, lines } = capture();
    const p = startOutboxPruner({ outbox: s.outbox, channels: ['webhook'], retentionDays: 30, log, now: () => T0 + 40 * DAY });
    expect(p.pruneNow()).toBeNull();
    p.stop();
    const failed = lines().filter((l) => l['msg'] === 'notify.outbox_prune_failed');
    expect(failed).toHaveLength(2);
    expect((failed[0]!['err'] as { message: string }).message).toMatch(/database connection is not open/);
  });

  it('startNotifier prunes with notify.outbox_retention_days, over the channels it delivers to', async () => {
    const clock = { now: T0 };
    const s = seeded(clock, 0);
    const cfg = parseConfigValue({ notify: { webhook: { url: 'http://127.0.0.1:9/never' }, outbox_retention_days: 7 } }, 'test');
    if (!cfg.ok) throw new Error('config');
    const { log, lines } = capture();
    clock.now = T0 + 8 * DAY;
    const n = startNotifier({ config: cfg.value.notify, store: s, log, env: {}, now: () => clock.now, backoffMs: [60_000, 60_000] });
    try {
      expect(pruneLines(lines())).toEqual([expect.objectContaining({ pruned: 3, retentionDays: 7, channels: ['webhook'], component: 'notify' })]);
      expect(s.outbox.messages().map((m) => m.key)).toEqual(['d']);
    } finally {
      await n!.stop();
      s.close();
    }
  });
  it('a channel taken out of the config and put back starts at the newest message, not with what was written meanwhile', async () => {
    const clock = { now: T0 };
    const s = seeded(clock, 0); // run 1: the webhook took a, b, c; d was still to send when it was taken out
    const withTelegram = parseConfigValue({ notify: { telegram: { chat_id: '42', api_root: 'http://127.0.0.1:9', commands: false } } }, 'test');
    const withWebhook = parseConfigValue({ notify: { webhook: { url: 'http://127.0.0.1:9/never' } } }, 'test');
    if (!withTelegram.ok || !withWebhook.ok) throw new Error('config');
    const opts = { store: s, log: createLogger('silent'), now: () => clock.now, backoffMs: [60_000, 60_000] as const };
    // Run 2: Telegram only, for ten days; the bot writes e and f.
    const run2 = startNotifier({ ...opts, config: withTelegram.value.notify, env: { LADDER_TELEGRAM_BOT_TOKEN: '123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ012345678' } })!;
    s.outbox.add([msg('e'), msg('f')]);
    await run2.stop();
    clock.now = T0 + 10 * DAY;
    // Run 3: the webhook back. It owes the receiver nothing of the ten days it was not configured.
    const run3 = startNotifier({ ...opts, config: withWebhook.value.notify, env: {} })!;
    try {
      expect(s.outbox.pending('webhook').map((m) => m.key)).toEqual([]);
      s.outbox.add([msg('g')]);
      expect(s.outbox.pending('webhook').map((m) => m.key)).toEqual(['g']);
    } finally {
      await run3.stop();
      s.close();
    }
  });
});
