import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/bot/logger.ts';
import { parseConfigValue } from '../../src/core/config/index.ts';
import { fundingBooked, requestClose } from '../../src/core/index.ts';
import { isConfiguredChat } from '../../src/notify/telegram-commands.ts';
import { type Notifier, startNotifier } from '../../src/notify/index.ts';
import { type Store, openStore } from '../../src/store/index.ts';
import { entryIntent, fill, hitLevel, mustApply, newPosition } from '../store/store-fixtures.ts';
import { type TelegramServer, startTelegramServer } from './support/telegram-server.ts';
import { recordingLogger } from '../support/log-lines.ts';
import { tempDir } from '../support/temp-dir.ts';

const TOKEN = '555000111:AAFakeTokenForTheLocalBotApiServer01';
const CHAT = 987654321;
const STRANGER = 111222333;

let tg: TelegramServer | null = null;
let notifier: Notifier | null = null;
let store: Store | null = null;
afterEach(async () => {
  await notifier?.stop();
  await tg?.close();
  store?.close();
  tg = null;
  notifier = null;
  store = null;
});

/** A store with one closed trade (TP1 hit, then closed on a signal) and one open position with TP1 hit. */
function storeWithTrades(): Store {
  const s = openStore(join(tempDir('ladder-cmd-'), 'ladder.db'));
  const a = newPosition({ id: 'BTCUSDT-a', timeMs: 1_000 });
  s.recordIntent(entryIntent(a));
  s.bookFill(fill('BTCUSDT-a-entry', 'a0', 100, 60000, { timeMs: 1_000 }), a, { entry: true });
  const a1 = hitLevel(a, 1, { tradeId: 'a1', timeMs: 2_000 });
  s.savePosition(a1.reached.position);
  s.bookFill(a1.fill, a1.filled.position);
  const closing = requestClose(a1.filled.position, 'signal', 61000, 3_000);
  s.savePosition(closing.position);
  const closeFill = fill('BTCUSDT-a-close', 'a2', 70, 61000, { timeMs: 3_000 });
  s.bookFill(closeFill, mustApply(closing.position, closeFill).position);

  const b = newPosition({ id: 'BTCUSDT-b', timeMs: 10_000 });
  s.recordIntent(entryIntent(b));
  s.bookFill(fill('BTCUSDT-b-entry', 'b0', 100, 60000, { timeMs: 10_000 }), b, { entry: true });
  const b1 = hitLevel(b, 1, { tradeId: 'b1', timeMs: 11_000 });
  s.savePosition(b1.reached.position);
  s.bookFill(b1.fill, b1.filled.position);
  return s;
}

async function start(chatId: string | number = CHAT, log = silentLogger()): Promise<{ tg: TelegramServer; store: Store }> {
  tg = await startTelegramServer(TOKEN);
  store = storeWithTrades();
  const cfg = parseConfigValue({ notify: { telegram: { chat_id: chatId, api_root: tg.url } } }, 'test');
  if (!cfg.ok) throw new Error(JSON.stringify(cfg.error));
  notifier = startNotifier({ config: cfg.value.notify, store, log, env: { LADDER_TELEGRAM_BOT_TOKEN: TOKEN }, pollTimeoutS: 1 });
  return { tg, store };
}

describe('read-only Telegram commands over grammY long polling ([operate] 5)', () => {
  it('/status answers the configured chat with the open position and its ladder; another chat gets nothing', async () => {
    const { tg } = await start();
    // The stranger writes first: updates are handled in order, so when the configured chat's answer
    // arrives, the stranger's command has been handled (and must have been dropped).
    tg.pushMessage(STRANGER, '/status');
    tg.pushMessage(CHAT, '/status');
    const [answer] = await tg.waitForSent(1);
    expect(answer!.chatId).toBe(String(CHAT));
    expect(answer!.text).toContain('1 open position');
    expect(answer!.text).toContain('BTCUSDT long 0.07 of 0.1 from 60000');
    expect(answer!.text).toMatch(/TP1 ✓ 60600 × 0\.03 \| TP2 · 61200 × 0\.03 \| TP3 · 62100 × 0\.04/);
    expect(answer!.text).toContain('stop 60000'); // breakeven after TP1
    tg.pushMessage(STRANGER, '/profit');
    tg.pushMessage(CHAT, '/levels');
    await tg.waitForSent(2);
    expect(tg.sent.filter((s) => s.chatId === String(STRANGER))).toEqual([]);
    expect(tg.sent).toHaveLength(2);
  });

  it('a /status answered 429 by Telegram is sent again once its retry_after has passed, not dropped', async () => {
    const { tg } = await start();
    tg.failNext({ status: 429, description: 'Too Many Requests: retry after 1', retryAfterS: 1 });
    tg.pushMessage(CHAT, '/status');
    const [answer] = await tg.waitForSent(1, 10_000);
    expect(answer!.text).toContain('1 open position');
    expect(tg.attempts.map((a) => a.status)).toEqual([429, 200]);
    expect(tg.attempts[1]!.atMs - tg.attempts[0]!.atMs).toBeGreaterThanOrEqual(950);
  });

  it('a /status answered 5xx by Telegram (502, then 500) is sent again after a back-off (1 s, then 2 s), not dropped; answered once', async () => {
    const { tg } = await start();
    tg.failNext({ status: 502, description: 'Bad Gateway' }, { status: 500, description: 'Internal Server Error' });
    tg.pushMessage(CHAT, '/status');
    const [answer] = await tg.waitForSent(1, 10_000);
    expect(answer!.text).toContain('1 open position');
    expect(tg.attempts.map((a) => a.status)).toEqual([502, 500, 200]);
    expect(tg.attempts[1]!.atMs - tg.attempts[0]!.atMs).toBeGreaterThanOrEqual(950);
    expect(tg.attempts[2]!.atMs - tg.attempts[1]!.atMs).toBeGreaterThanOrEqual(1950);
    // The next command is answered once (the answer was not queued twice).
    tg.pushMessage(CHAT, '/profit');
    await tg.waitForSent(2, 5_000);
    expect(tg.sent.map((m) => m.text.split('\n')[0])).toEqual([answer!.text.split('\n')[0], 'Realised PnL +88.00 over 1 closed trade (1 won, 100.0 %)']);
  }, 20_000);

  it("a /status answer whose connection is cut unanswered (grammY's HttpError) is sent again after the back-off (1 s, then 2 s) and each loss logged; a copy delivered before the cut is repeated, never dropped", async () => {
    const rec = recordingLogger('debug');
    const { tg } = await start(CHAT, rec.log);
    tg.failNext({ lost: 'unsent' }, { lost: 'delivered' });
    tg.pushMessage(CHAT, '/status');
    await tg.waitForSent(2, 10_000);
    expect(tg.attempts.map((a) => a.status)).toEqual([0, 0, 200]);
    expect(tg.sent.map((m) => m.text.split('\n')[0])).toEqual(['1 open position (✓ hit, … sent, · waiting, – skipped)', '1 open position (✓ hit, … sent, · waiting, – skipped)']);
    // Counts and order carry the proof; the gaps are lower bounds (the bot promises to wait at least that long).
    expect(tg.attempts[1]!.atMs - tg.attempts[0]!.atMs).toBeGreaterThanOrEqual(950);
    expect(tg.attempts[2]!.atMs - tg.attempts[1]!.atMs).toBeGreaterThanOrEqual(1950);
    const failed = rec.records.filter((l) => l['msg'] === 'telegram.command_answer_failed');
    expect(failed.map((l) => [l['attempt'], l['retryInMs'], (l['err'] as { message: string }).message])).toEqual([
      [1, 1000, "Network request for 'sendMessage' failed!"],
      [2, 2000, "Network request for 'sendMessage' failed!"],
    ]);
    expect(JSON.stringify(rec.records)).not.toContain(TOKEN);
  }, 20_000);

  it('a /status answer lost on the wire five times (after 1, 2, 4 and 8 s) is given up, said at error (telegram.command_failed); the commands keep being answered', async () => {
    const rec = recordingLogger('debug');
    const { tg } = await start(CHAT, rec.log);
    const lost = { lost: 'unsent' } as const;
    tg.failNext(lost, lost, lost, lost, lost);
    tg.pushMessage(CHAT, '/status');
    const gaveUp = () => rec.records.some((l) => l['msg'] === 'telegram.command_failed');
    for (const end = Date.now() + 25_000; !gaveUp(); await new Promise((r) => setTimeout(r, 50))) if (Date.now() > end) throw new Error('the answer was not given up');
    expect(tg.attempts.map((a) => a.status)).toEqual([0, 0, 0, 0, 0]);
    expect(tg.sent).toEqual([]);
    expect(rec.records.filter((l) => l['msg'] === 'telegram.command_answer_failed').map((l) => l['retryInMs'])).toEqual([1000, 2000, 4000, 8000]);
    const failed = rec.records.find((l) => l['msg'] === 'telegram.command_failed')!;
    expect(failed['level']).toBe(50);
    expect((failed['err'] as { message: string }).message).toBe("Network request for 'sendMessage' failed!");
    tg.pushMessage(CHAT, '/profit');
    const [answer] = await tg.waitForSent(1, 5_000);
    expect(answer!.text).toMatch(/^Realised PnL \+88\.00/);
  }, 40_000);

  it('/profit and /levels answer from the store', async () => {
    const { tg } = await start();
    tg.pushMessage(CHAT, '/profit');
    const [profit] = await tg.waitForSent(1);
    // Trade a: 0.03 at 60600 (+18) and 0.07 at 61000 (+70), no fees; trade b: 0.03 at 60600 (+18) realised so far.
    expect(profit!.text).toBe(['Realised PnL +88.00 over 1 closed trade (1 won, 100.0 %)', 'Today (UTC) +0.00 over 0', 'Open positions: 1, realised so far +18.00'].join('\n'));
    tg.pushMessage(CHAT, '/levels');
    const [, levels] = await tg.waitForSent(2);
    expect(levels!.text).toBe(['Levels over 1 closed trade', 'TP1: 1/1 hit (100.0 %), avg +18.00', 'TP2: 0/1 hit (0.0 %), avg +0.00', 'TP3: 0/1 hit (0.0 %), avg +0.00'].join('\n'));
  });

  it('/status and /profit count the funding booked on an open position in its realised part, alike (before: /status showed its exits only)', async () => {
    const { tg, store: s } = await start();
    // Trade b (open, TP1 +18) paid 1.5 of funding, booked by the bot's funding read.
    s.savePosition(fundingBooked(s.getPosition('BTCUSDT-b')!, -1.5, Date.UTC(2026, 0, 1, 8)).position);
    tg.pushMessage(CHAT, '/status');
    const [status] = await tg.waitForSent(1);
    expect(status!.text).toContain('realised +16.50');
    tg.pushMessage(CHAT, '/profit');
    const [, profit] = await tg.waitForSent(2);
    expect(profit!.text).toContain('realised so far +16.50');
  });

  it("a Bot API that stops answering getUpdates does not hold the shutdown (grammY's last getUpdates waits up to 50 s)", async () => {
    const { tg } = await start();
    const polled = Date.now() + 5_000;
    while (tg.updateCalls() === 0 && Date.now() < polled) await new Promise((r) => setTimeout(r, 20));
    tg.hangUpdates();
    const t0 = Date.now();
    await notifier!.stop();
    notifier = null;
    expect(Date.now() - t0).toBeLessThan(6_000);
  }, 30_000);

  it('a stop while the Bot API cannot be reached (grammY waiting to retry its polling calls) is no error: telegram.polling_stopped at debug, not "Aborted delay" at error', async () => {
    store = storeWithTrades();
    // Nothing listens on port 1: every getUpdates fails at once and grammY waits before trying again.
    const cfg = parseConfigValue({ notify: { telegram: { chat_id: CHAT, api_root: 'http://127.0.0.1:1' } } }, 'test');
    if (!cfg.ok) throw new Error(JSON.stringify(cfg.error));
    const rec = recordingLogger('debug');
    const started = startNotifier({ config: cfg.value.notify, store, log: rec.log, env: { LADDER_TELEGRAM_BOT_TOKEN: TOKEN }, pollTimeoutS: 1 });
    notifier = started;
    await new Promise((r) => setTimeout(r, 1_000));
    await started!.stop();
    notifier = null;
    const stopped = rec.records.filter((r) => r['msg'] === 'telegram.polling_stopped');
    expect(stopped.map((r) => r['level'])).toEqual([20]);
    expect(rec.records.filter((r) => (r['level'] as number) >= 50)).toEqual([]);
  }, 30_000);

  it('a Bot API that cannot be reached is said once (telegram.polling_failing: grammY retries its polling calls quietly), and its return too (telegram.polling_resumed)', async () => {
    const first = await startTelegramServer(TOKEN);
    const port = Number(new URL(first.url).port);
    await first.close(); // the port is free again: getUpdates fails until a server listens there
    store = storeWithTrades();
    const cfg = parseConfigValue({ notify: { telegram: { chat_id: CHAT, api_root: first.url } } }, 'test');
    if (!cfg.ok) throw new Error(JSON.stringify(cfg.error));
    const rec = recordingLogger('debug');
    notifier = startNotifier({ config: cfg.value.notify, store, log: rec.log, env: { LADDER_TELEGRAM_BOT_TOKEN: TOKEN }, pollTimeoutS: 1 });
    const until = (msg: string) => async () => {
      const end = Date.now() + 10_000;
      while (!rec.msgs().includes(msg) && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    };
    await until('telegram.polling_failing')();
    tg = await startTelegramServer(TOKEN, port);
    await until('telegram.polling_resumed')();
    const said = rec.records.filter((r) => String(r['msg']).startsWith('telegram.polling_')).map((r) => [r['level'], r['msg']]);
    expect(said).toEqual([
      [40, 'telegram.polling_failing'],
      [30, 'telegram.polling_resumed'],
    ]);
    expect(rec.records.find((r) => r['msg'] === 'telegram.polling_failing')!['err']).toEqual({ type: 'Object', message: "Network request for 'getMe' failed!", stack: '' });
  }, 30_000);

  it('knows the configured chat by its id or by its @name', () => {
    expect(isConfiguredChat({ id: CHAT }, String(CHAT))).toBe(true);
    expect(isConfiguredChat({ id: STRANGER }, String(CHAT))).toBe(false);
    expect(isConfiguredChat({ id: -100123, username: 'Ladder_Alerts' }, '@ladder_alerts')).toBe(true);
    expect(isConfiguredChat({ id: -100123 }, '@ladder_alerts')).toBe(false);
    expect(isConfiguredChat(undefined, String(CHAT))).toBe(false);
  });
});
