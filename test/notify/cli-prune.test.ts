import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../../src/sim/simulator.ts';
import { type OutboxInput, openStore } from '../../src/store/index.ts';
import { type WebhookReceiver, startWebhookReceiver } from './support/webhook-receiver.ts';
import { tempDir } from '../support/temp-dir.ts';

/**
 * The outbox is pruned on the real start path (issue 16 follow-up): `ladder live` as a child process
 * against the simulator, notifying a local webhook receiver, over a store that already holds old
 * delivered messages, a recent delivered one and an old one not delivered yet.
 */
const ROOT = resolve(import.meta.dirname, '../..');
const KEY = 'notify-prune-key-0123';
const SECRET = 'notify-prune-secret-4567';
const DAY = 86_400_000;
const msg = (key: string): OutboxInput => ({ key, type: 'alert', symbol: null, timeMs: Date.UTC(2026, 0, 1), payload: { type: 'alert', kind: 'other', symbol: null, message: `seeded ${key}` } });

describe('ladder live prunes the notification outbox at start', () => {
  let sim: Simulator;
  let hook: WebhookReceiver;
  const dir = tempDir('ladder-notify-prune-');
  beforeAll(async () => {
    sim = await startSimulator({ apiKey: KEY, apiSecret: SECRET, warmupCandles: 60 });
    hook = await startWebhookReceiver();
  });
  afterAll(async () => {
    await sim?.close();
    await hook?.close();
  });

  it('deletes the delivered messages older than outbox_retention_days, logs the count, keeps the recent and the undelivered', async () => {
    const db = join(dir, 'ladder.db');
    let now = Date.now() - 60 * DAY;
    const seed = openStore(db, { now: () => now });
    seed.outbox.openChannel('webhook');
    seed.outbox.add([msg('old-sent-1'), msg('old-sent-2')]);
    now = Date.now() - DAY;
    seed.outbox.add([msg('recent-sent')]);
    for (const id of [1, 2, 3]) seed.outbox.done('webhook', id, { status: 'sent', attempts: 1 });
    now = Date.now() - 50 * DAY;
    seed.outbox.add([msg('old-unsent')]);
    seed.close();

    const base = JSON.parse(readFileSync(join(ROOT, 'examples/scaled.config.json'), 'utf8')) as Record<string, unknown>;
    delete base['$schema'];
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ ...base, notify: { webhook: { url: hook.url }, outbox_retention_days: 30 } }));
    const child = spawn('node', ['bin/ladder.js', 'live', '--config', config, '--confirm-live', '--exchange-url', sim.url, '--db', db, '--no-dashboard', '--log-format', 'json'], {
      cwd: ROOT,
      env: { ...process.env, LADDER_API_KEY: KEY, LADDER_API_SECRET: SECRET, LADDER_TELEGRAM_BOT_TOKEN: '', LADDER_NOTIFY_WEBHOOK_SECRET: '', LADDER_LOG_LEVEL: 'info' },
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.on('data', (d: Buffer) => (err += d.toString()));
    const closed = new Promise<number | null>((done) => child.on('close', (code) => done(code)));
    try {
      // The message left undelivered is sent after the restart: it was not pruned.
      await hook.waitForUnique(1, 90_000);
      expect(hook.unique[0]!.id).toBe('old-unsent');
    } finally {
      child.kill('SIGINT');
    }
    expect(await closed, err.slice(-3000)).toBe(0);

    const lines = err.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    const pruned = lines.filter((l) => l['msg'] === 'notify.outbox_pruned');
    expect(pruned).toHaveLength(1);
    expect(pruned[0]).toMatchObject({ pruned: 2, retentionDays: 30, channels: ['webhook'], component: 'notify' });
    // Before the bot's first entry could be notified: the prune is part of the start.
    expect(lines.findIndex((l) => l['msg'] === 'notify.outbox_pruned')).toBeLessThan(lines.findIndex((l) => l['msg'] === 'bot.started'));

    const after = openStore(db);
    try {
      const keys = after.outbox.messages({ limit: 1000 }).map((m) => m.key);
      expect(keys.slice(0, 2)).toEqual(['recent-sent', 'old-unsent']);
      expect(keys).not.toContain('old-sent-1');
      expect(after.outbox.getByKey('old-sent-2')).toBeNull();
      expect(after.outbox.deliveries('webhook').map((d) => d.outboxId)).not.toContain(1);
    } finally {
      after.close();
    }
  }, 120_000);
});
