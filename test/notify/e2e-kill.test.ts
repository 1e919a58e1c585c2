import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isTakeProfitReason } from '../../src/core/analytics/level-stats.ts';
import { type Simulator, startSimulator } from '../../src/sim/simulator.ts';
import { type Store, openStore } from '../../src/store/index.ts';
import { type TelegramServer, startTelegramServer } from './support/telegram-server.ts';
import { type WebhookReceiver, startWebhookReceiver } from './support/webhook-receiver.ts';
import { mulberry32 as rng } from '../store/random.ts';
import { tempDir } from '../support/temp-dir.ts';

/**
 * End to end ([operate] 5): `ladder live` as a child process against the simulator, notifying a
 * local Telegram Bot API server and a local webhook receiver, killed with SIGKILL at seeded random
 * moments and restarted. At the end, with the market frozen and the outbox drained: every message
 * the store's state calls for (each entry, TP fill, stop move, exit) arrived, each id exactly once
 * as seen by the deduping receiver, and nothing arrived that the outbox does not hold.
 */
const ROOT = resolve(import.meta.dirname, '../..');
const KILLS = Number(process.env['LADDER_NOTIFY_KILLS'] ?? 8);
const SEED = Number(process.env['LADDER_NOTIFY_SEED'] ?? 20261205);
const KEY = 'notify-e2e-key';
const SECRET = 'notify-e2e-secret';
const TOKEN = '777000222:AAE2eNotifyTokenForTheLocalServer';
const CHAT = '424242';
/** Candles per second of the simulator's random walk. */
const SPEED = 5;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const exited = (c: ChildProcess) => new Promise<void>((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once('exit', () => r())));

function startBot(url: string, config: string, db: string): { child: ChildProcess; started: Promise<void>; output: () => string } {
  const child = spawn('node', ['bin/ladder.js', 'live', '--config', config, '--confirm-live', '--exchange-url', url, '--db', db, '--poll-ms', '20', '--no-dashboard'], {
    cwd: ROOT,
    env: { ...process.env, LADDER_API_KEY: KEY, LADDER_API_SECRET: SECRET, LADDER_TELEGRAM_BOT_TOKEN: TOKEN, LADDER_NOTIFY_WEBHOOK_SECRET: 'whsec-e2e-notify-secret', LADDER_LOG_LEVEL: 'info' },
  });
  let out = '';
  const started = new Promise<void>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`bot did not start:\n${out.slice(-3000)}`)), 90_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.includes('"msg":"bot.started"')) {
        clearTimeout(timer);
        ok();
      }
    };
    child.stderr!.on('data', onData);
    child.stdout!.on('data', onData);
    child.on('exit', () => fail(new Error(`bot exited before starting:\n${out.slice(-3000)}`)));
  });
  started.catch(() => undefined);
  return { child, started, output: () => out };
}

/** Waits until both channels' cursors stand at the newest outbox row, and stay there for `quietMs`. */
async function drained(db: string, quietMs: number, timeoutMs = 120_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  let since = Date.now();
  let last = '';
  for (;;) {
    const s = openStore(db);
    let state: string;
    let done: boolean;
    try {
      const newest = s.outbox.messages({ limit: 1_000_000 }).at(-1)?.id ?? 0;
      const cursors = ['telegram', 'webhook'].map((c) => s.outbox.channel(c)?.deliveredId ?? -1);
      state = `${newest}:${cursors.join(',')}`;
      done = cursors.every((c) => c === newest);
    } finally {
      s.close();
    }
    if (state !== last) {
      last = state;
      since = Date.now();
    }
    if (done && Date.now() - since >= quietMs) return;
    if (Date.now() > until) throw new Error(`outbox not drained: newest:cursors ${state}`);
    await sleep(200);
  }
}

/** The outbox keys the store's state calls for: each entry, TP fill, stop move and exit. */
function expectedKeys(store: Store): string[] {
  const keys: string[] = [];
  for (const t of store.tradeHistory({ includeOpen: true })) {
    const p = store.getPosition(t.positionId)!;
    keys.push(`${p.id}:entry`);
    for (const f of store.fillsOf(p.id)) {
      if (f.role !== 'exit') continue;
      const reason = /-(tp\d*)$/.exec(f.clientOrderId)?.[1];
      if (reason && isTakeProfitReason(reason)) keys.push(`${p.id}:fill:${f.tradeId}`);
    }
    for (const m of p.stopMoves) keys.push(`${p.id}:stop:${m.toPrice}`);
    if (p.status === 'closed') keys.push(`${p.id}:closed`);
  }
  return keys;
}

describe('notifications across SIGKILL at random moments (live bot on the simulator)', () => {
  let sim: Simulator | undefined;
  let tg: TelegramServer | undefined;
  let hook: WebhookReceiver | undefined;
  afterEach(async () => {
    await sim?.close();
    await tg?.close();
    await hook?.close();
  });

  it(`delivers each event exactly once to a deduping receiver across ${KILLS} kills, and none is lost`, async () => {
    sim = await startSimulator({ speed: SPEED, apiKey: KEY, apiSecret: SECRET, warmupCandles: 200, seed: SEED });
    tg = await startTelegramServer(TOKEN);
    hook = await startWebhookReceiver({ answerDelayMs: 250 }); // a kill often falls between a POST and its mark
    const dir = tempDir('ladder-notify-e2e-');
    const db = join(dir, 'e2e.db');
    const config = join(dir, 'config.json');
    const base = JSON.parse(readFileSync(join(ROOT, 'examples/scaled.config.json'), 'utf8')) as Record<string, unknown>;
    delete base['$schema'];
    // An entry every 6 candles (alternating sides) and a tight ladder: many events in a short run.
    base['strategy'] = { name: 'module', path: join(ROOT, 'test/notify/support/alternating-strategy.mjs'), params: { every: 6 } };
    base['scaled_tp_levels'] = [
      { profit_pct: 0.4, close_pct: 30, move_stop_to: 'breakeven' },
      { profit_pct: 0.8, close_pct: 30, move_stop_to: 'previous_tp' },
      { profit_pct: 1.4, close_pct: 40, move_stop_to: 'previous_tp' },
    ];
    base['stop_loss_pct'] = 1;
    // Telegram takes the entries, exits and alerts (one message a second); the webhook everything.
    writeFileSync(config, JSON.stringify({ ...base, notify: { telegram: { chat_id: CHAT, api_root: tg.url, events: ['entry', 'exit', 'risk', 'alert'], commands: false }, webhook: { url: hook.url, timeout_ms: 2000 } } }));
    const random = rng(SEED);
    let bot = startBot(sim.url, config, db);
    await bot.started;
    // The random walk's clock stops when no symbol has been asked for yet (at the first tick): start it again now.
    sim.admin.setSpeed(SPEED);
    for (let k = 0; k < KILLS; k++) {
      await sleep(300 + Math.floor(random() * 1500));
      bot.child.kill('SIGKILL');
      await exited(bot.child);
      await sleep(Math.floor(random() * 300)); // the market goes on while the bot is down
      bot = startBot(sim.url, config, db);
      await bot.started;
    }
    await sleep(1500);
    sim.admin.setSpeed(0); // no new events: let the senders catch up
    await drained(db, 1500);
    bot.child.kill('SIGINT');
    await exited(bot.child);

    const store = openStore(db);
    try {
      const rows = store.outbox.messages({ limit: 1_000_000 });
      const keys = rows.map((r) => r.key);
      const expected = expectedKeys(store);
      expect(expected.length).toBeGreaterThan(KILLS / 2); // the bot really traded through the kills
      // None lost: every message the state calls for is in the outbox, and reached the receiver.
      expect(expected.filter((k) => !keys.includes(k))).toEqual([]);
      const uniqueIds = hook.unique.map((r) => r.id);
      expect(uniqueIds.slice().sort()).toEqual(keys.slice().sort());
      // Once each, as the deduping receiver sees it; in outbox order.
      expect(new Set(uniqueIds).size).toBe(uniqueIds.length);
      expect(hook.unique.map((r) => r.body['seq'])).toEqual(rows.map((r) => r.id));
      // Sent twice only when a kill fell between a send and its mark: at most once per kill.
      expect(hook.received.length - hook.unique.length).toBeLessThanOrEqual(KILLS);
      // Telegram: every message of its types arrived (at least once; no id to dedupe on there).
      const tgRows = rows.filter((r) => ['entry', 'exit', 'risk', 'alert'].includes(r.type));
      const texts = tg.sent.map((s) => s.text);
      const missing = tgRows.filter((r) => !texts.includes(hook!.unique.find((u) => u.id === r.key)!.body['text'] as string));
      expect(missing.map((r) => r.key)).toEqual([]);
      expect(tg.sent.length - tgRows.length).toBeLessThanOrEqual(KILLS);
      expect(tg.sent.every((s) => s.chatId === CHAT)).toBe(true);
      console.log(`notify e2e: ${rows.length} messages (${expected.length} from trading), webhook ${hook.received.length} POSTs for ${hook.unique.length} ids, Telegram ${tg.sent.length} for ${tgRows.length}`);
    } finally {
      store.close();
    }
  }, 900_000);
});
