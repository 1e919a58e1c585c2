import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local HTTP server speaking the Telegram Bot API routes grammY uses (`/bot<token>/<method>`:
 * getMe, deleteWebhook, getUpdates with long polling and offsets, sendMessage), so grammY's real
 * client runs against it. A wrong token gets Telegram's 401. `failNext` makes the next sendMessage
 * calls answer as Telegram does when it fails (5xx, 429 with retry_after, 400), or lose their answer:
 * the connection is cut with no HTTP answer (grammY's HttpError), the message dropped (`lost: 'unsent'`)
 * or delivered to the chat first (`lost: 'delivered'`).
 */
export interface SentMessage {
  readonly chatId: string;
  readonly text: string;
  readonly atMs: number;
}

export type TelegramFault =
  | { readonly status: number; readonly description: string; readonly retryAfterS?: number; readonly lost?: undefined }
  | { readonly lost: 'unsent' | 'delivered' };

export interface TelegramServer {
  readonly url: string;
  /** Every accepted sendMessage, in arrival order. */
  readonly sent: SentMessage[];
  /** Every sendMessage request, failed or not, with its arrival time (status 0: its connection was cut unanswered). */
  readonly attempts: { readonly text: string; readonly atMs: number; readonly status: number }[];
  /** Every raw request body and URL seen (to check that no secret is ever sent). */
  readonly raw: string[];
  /** Queues the answers of the next sendMessage calls. */
  failNext(...faults: TelegramFault[]): void;
  /** From now on getUpdates is never answered (an API that stopped answering). */
  hangUpdates(): void;
  /** getUpdates calls received so far. */
  readonly updateCalls: () => number;
  /** A user writes `text` in chat `chatId` (delivered to the next getUpdates). */
  pushMessage(chatId: number, text: string, username?: string): void;
  /** Resolves when `n` messages were accepted (rejects after `timeoutMs`). */
  waitForSent(n: number, timeoutMs?: number): Promise<SentMessage[]>;
  close(): Promise<void>;
}

interface Update {
  update_id: number;
  message: Record<string, unknown>;
}

export async function startTelegramServer(token: string, listenPort = 0): Promise<TelegramServer> {
  const sent: SentMessage[] = [];
  const attempts: { text: string; atMs: number; status: number }[] = [];
  const raw: string[] = [];
  const faults: TelegramFault[] = [];
  const updates: Update[] = [];
  let nextUpdateId = 1;
  let nextMessageId = 1;
  const pollers = new Set<() => void>();
  let hang = false;
  let updateCalls = 0;
  const sentWaiters = new Set<() => void>();

  const reply = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const readBody = (req: IncomingMessage): Promise<string> =>
    new Promise((ok, fail) => {
      let s = '';
      req.on('data', (d: Buffer) => (s += d.toString('utf8')));
      req.on('end', () => ok(s));
      req.on('error', fail);
    });

  const server = createServer(async (req, res) => {
    const text = await readBody(req).catch(() => '');
    raw.push(`${req.method} ${req.url} ${text}`);
    const m = /^\/bot([^/]+)\/(\w+)/.exec(req.url ?? '');
    if (!m) return reply(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
    if (m[1] !== token) return reply(res, 401, { ok: false, error_code: 401, description: 'Unauthorized' });
    const params = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
    switch (m[2]) {
      case 'getMe':
        return reply(res, 200, { ok: true, result: { id: 4242, is_bot: true, first_name: 'Ladder test', username: 'ladder_test_bot', can_join_groups: true, can_read_all_group_messages: false, supports_inline_queries: false } });
      case 'deleteWebhook':
        return reply(res, 200, { ok: true, result: true });
      case 'getUpdates': {
        updateCalls++;
        if (hang) return; // never answered
        const offset = Number(params['offset'] ?? 0);
        // Confirmed updates are forgotten, as Telegram does.
        while (updates.length && updates[0]!.update_id < offset) updates.shift();
        const timeoutS = Number(params['timeout'] ?? 0);
        const answer = () => reply(res, 200, { ok: true, result: updates.filter((u) => u.update_id >= offset) });
        if (updates.some((u) => u.update_id >= offset) || timeoutS === 0) return answer();
        // Long polling: answer when an update arrives, or after the timeout.
        const done = () => {
          clearTimeout(timer);
          pollers.delete(done);
          if (!res.writableEnded && !res.destroyed) answer();
        };
        const timer = setTimeout(done, timeoutS * 1000);
        pollers.add(done);
        req.on('close', () => {
          clearTimeout(timer);
          pollers.delete(done);
        });
        return;
      }
      case 'sendMessage': {
        const msgText = String(params['text'] ?? '');
        const fault = faults.shift();
        attempts.push({ text: msgText, atMs: Date.now(), status: fault === undefined ? 200 : fault.lost !== undefined ? 0 : fault.status });
        if (fault && fault.lost === undefined) {
          return reply(res, fault.status, { ok: false, error_code: fault.status, description: fault.description, ...(fault.retryAfterS !== undefined ? { parameters: { retry_after: fault.retryAfterS } } : {}) });
        }
        const chatId = String(params['chat_id']);
        if (fault?.lost !== 'unsent') {
          sent.push({ chatId, text: msgText, atMs: Date.now() });
          for (const w of [...sentWaiters]) w();
        }
        if (fault) return void res.socket?.destroy(); // no HTTP answer at all: the connection is cut
        return reply(res, 200, { ok: true, result: { message_id: nextMessageId++, date: Math.floor(Date.now() / 1000), chat: { id: Number(chatId) || 0, type: 'private' }, text: msgText } });
      }
      default:
        return reply(res, 404, { ok: false, error_code: 404, description: `Not Found: method ${m[2]}` });
    }
  });
  await new Promise<void>((ok) => server.listen(listenPort, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    hangUpdates: () => {
      hang = true;
    },
    updateCalls: () => updateCalls,
    sent,
    attempts,
    raw,
    failNext: (...f) => faults.push(...f),
    pushMessage(chatId, text, username) {
      const id = nextUpdateId++;
      const entities = text.startsWith('/') ? [{ type: 'bot_command', offset: 0, length: text.split(' ')[0]!.length }] : undefined;
      updates.push({
        update_id: id,
        message: { message_id: 1000 + id, date: Math.floor(Date.now() / 1000), chat: { id: chatId, type: 'private', ...(username ? { username } : {}) }, from: { id: chatId, is_bot: false, first_name: 'User' }, text, ...(entities ? { entities } : {}) },
      });
      for (const p of [...pollers]) p();
    },
    waitForSent(n, timeoutMs = 20_000) {
      return new Promise((ok, fail) => {
        if (sent.length >= n) return ok(sent.slice());
        const timer = setTimeout(() => {
          sentWaiters.delete(check);
          fail(new Error(`only ${sent.length} of ${n} Telegram messages after ${timeoutMs} ms: ${JSON.stringify(sent.map((s) => s.text))}`));
        }, timeoutMs);
        const check = () => {
          if (sent.length < n) return;
          clearTimeout(timer);
          sentWaiters.delete(check);
          ok(sent.slice());
        };
        sentWaiters.add(check);
      });
    },
    close: () =>
      new Promise<void>((ok) => {
        for (const p of [...pollers]) p();
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
