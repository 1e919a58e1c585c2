import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/bot/logger.ts';
import { parseConfigValue } from '../../src/core/config/index.ts';
import { type Notifier, startNotifier } from '../../src/notify/index.ts';
import { signBody } from '../../src/notify/webhook-channel.ts';
import { type Store, openStore } from '../../src/store/index.ts';
import { type TelegramServer, startTelegramServer } from './support/telegram-server.ts';
import { type WebhookReceiver, startWebhookReceiver } from './support/webhook-receiver.ts';
import { tempDir } from '../support/temp-dir.ts';

const TOKEN = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw';
const CHAT = '987654321';
const ENV = {
  LADDER_TELEGRAM_BOT_TOKEN: TOKEN,
  LADDER_NOTIFY_WEBHOOK_SECRET: 'whsec-notify-0123456789',
  LADDER_API_KEY: 'ak-LIVE-4f9a8b7c6d5e',
  LADDER_API_SECRET: 'sk-LIVE-0a1b2c3d4e5f6a7b',
};

interface Rig {
  store: Store;
  notifier: Notifier;
  tg: TelegramServer;
  hook: WebhookReceiver;
  logs: string[];
}

let rig: Rig | null = null;
afterEach(async () => {
  if (!rig) return;
  await rig.notifier.stop();
  await rig.tg.close();
  await rig.hook.close();
  rig.store.close();
  rig = null;
});

/** A real store, a Telegram Bot API server and a webhook receiver on loopback, the notifier between them. */
async function start(notify: { telegram?: Record<string, unknown>; webhook?: Record<string, unknown> } = {}, withTelegram = true, withWebhook = true): Promise<Rig> {
  const tg = await startTelegramServer(TOKEN);
  const hook = await startWebhookReceiver();
  const cfg = parseConfigValue(
    {
      notify: {
        ...(withTelegram ? { telegram: { chat_id: CHAT, api_root: tg.url, commands: false, ...notify.telegram } } : {}),
        ...(withWebhook ? { webhook: { url: hook.url, timeout_ms: 500, ...notify.webhook } } : {}),
      },
    },
    'test',
  );
  if (!cfg.ok) throw new Error(JSON.stringify(cfg.error));
  const store = openStore(join(tempDir('ladder-sender-'), 'ladder.db'));
  const logs: string[] = [];
  const log = createLogger(
    'debug',
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        logs.push(chunk.toString('utf8'));
        cb();
      },
    }),
  );
  const notifier = startNotifier({ config: cfg.value.notify, store, log, env: ENV, backoffMs: [50, 400] })!;
  rig = { store, notifier, tg, hook, logs };
  return rig;
}

/** The receiver has the message before the sender marks it: wait for the marks. */
async function delivered(store: Store, channel: string, n: number): Promise<void> {
  const until = Date.now() + 10_000;
  while (store.outbox.deliveries(channel).length < n) {
    if (Date.now() > until) throw new Error(`only ${store.outbox.deliveries(channel).length} of ${n} ${channel} deliveries marked`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const alert = (n: Notifier, i: number, message = `alert number ${i}`) => n.alert({ kind: 'other', symbol: 'BTCUSDT', message, timeMs: Date.UTC(2026, 0, 1) + i });

describe('the outbox senders ([operate] 5)', () => {
  it('delivers every row once, in order, to both channels, and marks each sent', async () => {
    const { notifier, tg, hook, store } = await start({ telegram: { min_interval_ms: 1000 } });
    for (let i = 1; i <= 3; i++) alert(notifier, i);
    const got = await hook.waitForUnique(3);
    expect(got.map((r) => (r.body['text'] as string).replace(/^⚠️ BTCUSDT: alert: /, ''))).toEqual(['alert number 1', 'alert number 2', 'alert number 3']);
    expect(got.map((r) => r.body['seq'])).toEqual(store.outbox.messages().map((m) => m.id));
    expect(got[0]!.body).toMatchObject({ id: store.outbox.messages()[0]!.key, type: 'alert', symbol: 'BTCUSDT', time: '2026-01-01T00:00:00.001Z', data: { type: 'alert', kind: 'other', message: 'alert number 1' } });
    expect(hook.received).toHaveLength(3); // nothing sent twice
    const sent = await tg.waitForSent(3);
    expect(sent.map((s) => [s.chatId, s.text])).toEqual([1, 2, 3].map((i) => [CHAT, `⚠️ BTCUSDT: alert: alert number ${i}`]));
    for (const ch of ['telegram', 'webhook']) {
      await delivered(store, ch, 3);
      expect(store.outbox.deliveries(ch).map((d) => [d.status, d.attempts])).toEqual([
        ['sent', 1],
        ['sent', 1],
        ['sent', 1],
      ]);
    }
  });

  it('retries a 5xx with backoff, keeping the order: later rows wait behind the failing one', async () => {
    const { notifier, hook, store } = await start({}, false, true);
    hook.failNext({ status: 503 }, { status: 502 }, { status: 500 });
    alert(notifier, 1);
    alert(notifier, 2);
    const got = await hook.waitForUnique(2);
    expect(got.map((r) => r.body['data'])).toMatchObject([{ message: 'alert number 1' }, { message: 'alert number 2' }]);
    await delivered(store, 'webhook', 2);
    expect(store.outbox.deliveries('webhook').map((d) => [d.status, d.attempts])).toEqual([
      ['sent', 4],
      ['sent', 1],
    ]);
    // The delays doubled: 50, 100, 200 ms (backoff [50, 400]).
    const retries = rig!.logs.filter((l) => l.includes('"msg":"notify.retry"')).map((l) => JSON.parse(l) as { delayMs: number; attempts: number; error: string });
    expect(retries.map((r) => [r.attempts, r.delayMs, r.error])).toEqual([
      [1, 50, 'HTTP 503 Service Unavailable'],
      [2, 100, 'HTTP 502 Bad Gateway'],
      [3, 200, 'HTTP 500 Internal Server Error'],
    ]);
  });

  it('backs off a webhook 429 whose Retry-After says now (0, or a date gone by) as any failed attempt, instead of sending again at once', async () => {
    const { notifier, hook, store } = await start({}, false, true);
    const past = new Date(Date.now() - 60_000).toUTCString();
    hook.failNext({ status: 429, retryAfter: '0' }, { status: 429, retryAfter: past }, { status: 429, retryAfter: '0' });
    alert(notifier, 1);
    await hook.waitForUnique(1);
    await delivered(store, 'webhook', 1);
    // Backoff [50, 400]: 50, 100, 200 ms, not three sends in a row.
    const retries = rig!.logs.filter((l) => l.includes('"msg":"notify.retry"')).map((l) => JSON.parse(l) as { delayMs: number; attempts: number });
    expect(retries.map((r) => [r.attempts, r.delayMs])).toEqual([
      [1, 50],
      [2, 100],
      [3, 200],
    ]);
  });

  it("waits a Telegram 429's retry_after before the next attempt", async () => {
    const { notifier, tg } = await start({}, true, false);
    tg.failNext({ status: 429, description: 'Too Many Requests: retry after 1', retryAfterS: 1 });
    alert(notifier, 1);
    await tg.waitForSent(1);
    expect(tg.attempts.map((a) => a.status)).toEqual([429, 200]);
    expect(tg.attempts[1]!.atMs - tg.attempts[0]!.atMs).toBeGreaterThanOrEqual(1000 - 5); // a lower bound: never sooner than asked
  });

  it("an alert whose sendMessage connection is cut unanswered (grammY's HttpError, no API error) is retried with backoff and logged, not dropped; a copy Telegram delivered before the cut is sent again (at least once)", async () => {
    const { notifier, tg, store } = await start({}, true, false);
    tg.failNext({ lost: 'unsent' }, { lost: 'delivered' });
    alert(notifier, 1);
    alert(notifier, 2);
    await delivered(store, 'telegram', 2);
    expect(tg.attempts.map((a) => [a.status, a.text])).toEqual([
      [0, '⚠️ BTCUSDT: alert: alert number 1'],
      [0, '⚠️ BTCUSDT: alert: alert number 1'],
      [200, '⚠️ BTCUSDT: alert: alert number 1'],
      [200, '⚠️ BTCUSDT: alert: alert number 2'],
    ]);
    // The second attempt reached the chat before its answer was lost: alert 1 is there twice, never lost.
    expect(tg.sent.map((s) => s.text)).toEqual(['⚠️ BTCUSDT: alert: alert number 1', '⚠️ BTCUSDT: alert: alert number 1', '⚠️ BTCUSDT: alert: alert number 2']);
    expect(store.outbox.deliveries('telegram').map((d) => [d.status, d.attempts])).toEqual([
      ['sent', 3],
      ['sent', 1],
    ]);
    const retries = rig!.logs.filter((l) => l.includes('"msg":"notify.retry"')).map((l) => JSON.parse(l) as { delayMs: number; attempts: number; error: string });
    expect(retries.map((r) => [r.attempts, r.delayMs, r.error])).toEqual([
      [1, 50, "Network request for 'sendMessage' failed!"],
      [2, 100, "Network request for 'sendMessage' failed!"],
    ]);
    expect(rig!.logs.join('')).not.toContain(TOKEN);
  });

  it('sends at most one message a second to the chat (min_interval_ms 1000)', async () => {
    const { notifier, tg } = await start({}, true, false);
    for (let i = 1; i <= 3; i++) alert(notifier, i);
    const sent = await tg.waitForSent(3);
    for (let i = 1; i < sent.length; i++) expect(sent[i]!.atMs - sent[i - 1]!.atMs).toBeGreaterThanOrEqual(1000 - 5);
  });

  it('gives up a message Telegram refuses as malformed (400) and goes on with the next', async () => {
    const { notifier, tg, store } = await start({}, true, false);
    tg.failNext({ status: 400, description: "Bad Request: can't parse entities" });
    alert(notifier, 1);
    alert(notifier, 2);
    const sent = await tg.waitForSent(1);
    expect(sent.map((s) => s.text)).toEqual(['⚠️ BTCUSDT: alert: alert number 2']);
    await delivered(store, 'telegram', 2);
    expect(store.outbox.deliveries('telegram').map((d) => [d.status, d.error])).toEqual([
      ['failed', "Call to 'sendMessage' failed! (400: Bad Request: can't parse entities)"],
      ['sent', null],
    ]);
  });

  it('never puts a key or secret in a message, and signs the webhook body with its secret', async () => {
    const { notifier, tg, hook } = await start({}, true, true);
    // An alert whose text carries secrets (an exchange error echoing a request, say).
    alert(notifier, 1, `POST /fapi/v1/order?apiKey=${ENV.LADDER_API_KEY}&signature=0123456789abcdef0123456789abcdef failed; secret ${ENV.LADDER_API_SECRET}; token ${TOKEN}; ${ENV.LADDER_NOTIFY_WEBHOOK_SECRET}`);
    const [got] = await hook.waitForUnique(1);
    await tg.waitForSent(1);
    const everything = [...tg.raw.map((r) => r.replace(`/bot${TOKEN}/`, '/bot<token>/')), ...hook.received.map((r) => r.raw)].join('\n');
    for (const secret of Object.values(ENV)) expect(everything).not.toContain(secret);
    expect(everything).not.toContain('0123456789abcdef0123456789abcdef');
    expect(got!.body['text']).toContain('apiKey=[redacted]&signature=[redacted] failed; secret [redacted]; token [redacted]; [redacted]');
    expect(got!.headers['x-ladder-signature']).toBe(signBody(got!.raw, ENV.LADDER_NOTIFY_WEBHOOK_SECRET));
    expect(got!.headers['x-ladder-id']).toBe(got!.id);
    expect(rig!.logs.join('')).not.toContain(TOKEN);
  });

  it('a webhook that never answers does not hold Telegram up (each channel has its own cursor)', async () => {
    const { notifier, tg, hook, store } = await start({}, true, true);
    hook.hang(true);
    alert(notifier, 1);
    alert(notifier, 2);
    await tg.waitForSent(2);
    expect(store.outbox.channel('webhook')).toMatchObject({ deliveredId: 0 });
    hook.hang(false);
    await hook.waitForUnique(2, 10_000);
    expect(rig!.logs.some((l) => l.includes('"msg":"notify.retry"') && l.includes('"channel":"webhook"'))).toBe(true);
  });

  it('stopping does not wait for a receiver that never answers: the attempt is cut and the row stays for the next start', async () => {
    const { notifier, hook, store } = await start({ webhook: { timeout_ms: 60_000 } }, false, true);
    hook.hang(true);
    alert(notifier, 1);
    await new Promise((r) => setTimeout(r, 300)); // the POST is in flight, unanswered
    const stopped = await Promise.race([notifier.stop().then(() => 'stopped'), new Promise((r) => setTimeout(() => r('still waiting'), 10_000))]);
    expect(stopped).toBe('stopped'); // not the 60 s timeout
    expect(store.outbox.pending('webhook').map((m) => m.payload)).toMatchObject([{ message: 'alert number 1' }]);
    expect(store.outbox.channel('webhook')).toMatchObject({ deliveredId: 0, attempts: 1 });
  });

  it('passes over the types a channel does not take', async () => {
    const { notifier, hook, store } = await start({ webhook: { events: ['exit', 'risk'] } }, false, true);
    alert(notifier, 1);
    store.outbox.add([{ key: 'risk:x', type: 'risk', symbol: null, timeMs: 1, payload: { type: 'risk', limit: 'daily_loss_limit', detail: 'lost 250', untilMs: null } }]);
    notifier.senders.forEach((s) => s.wake());
    const [got] = await hook.waitForUnique(1);
    expect(got!.body['type']).toBe('risk');
    await delivered(store, 'webhook', 1);
    expect(store.outbox.deliveries('webhook').map((d) => d.outboxId)).toEqual([store.outbox.getByKey('risk:x')!.id]); // the alert: passed over, not delivered
  });

  it('refuses to start a Telegram channel without its token, naming the variable', () => {
    const store = openStore(join(tempDir('ladder-sender-'), 'ladder.db'));
    const cfg = parseConfigValue({ notify: { telegram: { chat_id: CHAT } } }, 'test');
    if (!cfg.ok) throw new Error('config');
    expect(() => startNotifier({ config: cfg.value.notify, store, log: createLogger('silent'), env: {} })).toThrow(
      'notify.telegram is set but LADDER_TELEGRAM_BOT_TOKEN is not (put the bot token from @BotFather in the environment or .env)',
    );
    expect(() => startNotifier({ config: cfg.value.notify, store, log: createLogger('silent'), env: { LADDER_TELEGRAM_BOT_TOKEN: 'not-a-token' } })).toThrow(/does not look like a Telegram bot token/);
    // No channel: no notifier, nothing written to the outbox.
    expect(startNotifier({ config: { exchange_unreachable_after_s: 300, outbox_retention_days: 30 }, store, log: createLogger('silent'), env: {} })).toBeNull();
    store.close();
  });
});
