import { createHmac } from 'node:crypto';
import type { NotifyConfig } from '../core/config/schema.ts';
import type { OutboxMessage } from '../store/index.ts';
import { type Channel, Pace, type SendOutcome } from './channel.ts';
import { redact } from './redact.ts';
import { webhookBody } from './render.ts';

export type NotifyWebhookConfig = NonNullable<NotifyConfig['webhook']>;

/** The signature header: `sha256=<hex HMAC-SHA256 of the raw body>` with LADDER_NOTIFY_WEBHOOK_SECRET. */
export const SIGNATURE_HEADER = 'x-ladder-signature';

export const signBody = (body: string, secret: string): string => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

/** Seconds or an HTTP date, as Retry-After may say; null when absent or unreadable. */
function retryAfterMs(header: string | null, now: number): number | null {
  if (!header) return null;
  const s = Number(header);
  if (Number.isFinite(s) && s >= 0) return s * 1000;
  const t = Date.parse(header);
  return Number.isFinite(t) ? Math.max(0, t - now) : null;
}

/**
 * The JSON webhook channel: each outbox row POSTed as one JSON object whose `id` is stable across
 * retries and restarts. 2xx is delivered, and so is 409 (a receiver saying it has this id already);
 * 429 waits its Retry-After; 408, 5xx, timeouts and network errors are retried with backoff; any other
 * 4xx refuses this message for good.
 */
export function webhookChannel(c: NotifyWebhookConfig, secret: string | undefined, secrets: readonly string[], pace = new Pace(c.min_interval_ms)): Channel {
  return {
    name: 'webhook',
    events: c.events,
    pace,
    async send(m: OutboxMessage, signal?: AbortSignal): Promise<SendOutcome> {
      const body = redact(webhookBody(m), secrets);
      const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'ladder-notify', 'x-ladder-id': m.key };
      if (secret) headers[SIGNATURE_HEADER] = signBody(body, secret);
      // A timer of our own, not AbortSignal.timeout inside AbortSignal.any: Node may collect that timeout
      // signal before it fires (nodejs/node#57736), and a receiver that never answers then holds the
      // channel forever (seen: test/notify/sender.test.ts, the hanging webhook, under GC pressure).
      const cut = new AbortController();
      const timer = setTimeout(() => cut.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')), c.timeout_ms);
      const onStop = () => cut.abort(signal?.reason);
      signal?.addEventListener('abort', onStop, { once: true });
      if (signal?.aborted) onStop();
      let res: Response;
      try {
        res = await fetch(c.url, { method: 'POST', headers, body, signal: cut.signal, redirect: 'error' });
      } catch (e) {
        const cause = e instanceof Error && e.cause instanceof Error ? `: ${e.cause.message}` : '';
        return { ok: false, retry: true, retryAfterMs: null, error: redact(`${e instanceof Error ? e.message : String(e)}${cause}`, secrets) };
      } finally {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onStop);
      }
      await res.body?.cancel().catch(() => undefined); // the answer's body is not read
      if (res.ok || res.status === 409) return { ok: true };
      const error = `HTTP ${res.status} ${res.statusText}`.trim();
      if (res.status === 429) {
        const after = retryAfterMs(res.headers.get('retry-after'), Date.now());
        if (after !== null) pace.holdUntil(Date.now() + after);
        return { ok: false, retry: true, retryAfterMs: after, error };
      }
      return { ok: false, retry: res.status >= 500 || res.status === 408, retryAfterMs: null, error };
    },
  };
}
