import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local JSON webhook receiver that dedupes on the message `id`, as a receiver of Ladder's
 * notifications should: `unique` holds each id once, in first-arrival order; `received` every POST.
 * `failNext` answers the next POSTs with an error status (and Retry-After).
 */
export interface Received {
  readonly id: string;
  readonly body: Record<string, unknown>;
  readonly raw: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly atMs: number;
}

export interface WebhookReceiver {
  readonly url: string;
  readonly received: Received[];
  /** The deduplicated messages: one per id, first arrival. */
  readonly unique: Received[];
  failNext(...f: { status: number; retryAfter?: string }[]): void;
  /** The next POSTs are held unanswered (a hanging receiver) until `release`. */
  hang(on: boolean): void;
  waitForUnique(n: number, timeoutMs?: number): Promise<Received[]>;
  close(): Promise<void>;
}

/** `answerDelayMs`: the answer comes this long after the message was taken (a wider window for a kill between a send and its mark). */
export async function startWebhookReceiver(o: { readonly answerDelayMs?: number } = {}): Promise<WebhookReceiver> {
  const received: Received[] = [];
  const unique: Received[] = [];
  const seen = new Set<string>();
  const faults: { status: number; retryAfter?: string }[] = [];
  const waiters = new Set<() => void>();
  let hanging = false;
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (d: Buffer) => (raw += d.toString('utf8')));
    req.on('end', () => {
      if (hanging) return; // never answered: the sender's timeout must end it
      const fault = faults.shift();
      if (fault) {
        res.writeHead(fault.status, fault.retryAfter ? { 'retry-after': fault.retryAfter } : {});
        return res.end();
      }
      const body = JSON.parse(raw) as Record<string, unknown>;
      const r: Received = { id: String(body['id']), body, raw, headers: req.headers, atMs: Date.now() };
      received.push(r);
      if (!seen.has(r.id)) {
        seen.add(r.id);
        unique.push(r);
      }
      for (const w of [...waiters]) w();
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"ok":true}');
      }, o.answerDelayMs ?? 0);
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/ladder-events`,
    received,
    unique,
    failNext: (...f) => faults.push(...f),
    hang: (on) => (hanging = on),
    waitForUnique(n, timeoutMs = 20_000) {
      return new Promise((ok, fail) => {
        if (unique.length >= n) return ok(unique.slice());
        const timer = setTimeout(() => {
          waiters.delete(check);
          fail(new Error(`only ${unique.length} of ${n} webhook messages after ${timeoutMs} ms`));
        }, timeoutMs);
        const check = () => {
          if (unique.length < n) return;
          clearTimeout(timer);
          waiters.delete(check);
          ok(unique.slice());
        };
        waiters.add(check);
      });
    },
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
