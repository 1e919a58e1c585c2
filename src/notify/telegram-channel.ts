import { Api, GrammyError } from 'grammy';
import type { NotifyConfig } from '../core/config/schema.ts';
import type { OutboxMessage } from '../store/index.ts';
import { type Channel, Pace, type SendOutcome } from './channel.ts';
import type { Notice } from './notice.ts';
import { redact } from './redact.ts';
import { noticeText, telegramText } from './render.ts';

export type TelegramConfig = NonNullable<NotifyConfig['telegram']>;

/** A Bot API call not answered within this long is abandoned and tried again (grammY's default is minutes). */
export const TELEGRAM_TIMEOUT_S = 20;

/** The grammY API client of the configured bot, pointed at `api_root`. */
export const telegramApi = (token: string, c: TelegramConfig): Api => new Api(token, { apiRoot: c.api_root.replace(/\/+$/, ''), timeoutSeconds: TELEGRAM_TIMEOUT_S });

/**
 * Classifies a failed Bot API call: 429 waits its `retry_after`; 5xx, network errors and the errors of a
 * setup that can be fixed while the bot runs (401 token, 403 bot blocked or removed, 404, "chat not
 * found") are retried with backoff; any other 4xx is this message's own fault (too long, malformed)
 * and is given up. Texts are redacted: an HTTP error can carry the URL, and the URL the token.
 */
export function telegramFailure(e: unknown, secrets: readonly string[]): Extract<SendOutcome, { ok: false }> {
  const error = redact(e instanceof Error ? e.message : String(e), secrets);
  if (e instanceof GrammyError) {
    if (e.error_code === 429) return { ok: false, retry: true, retryAfterMs: (e.parameters.retry_after ?? 1) * 1000, error };
    const fixable = e.error_code >= 500 || e.error_code === 401 || e.error_code === 403 || e.error_code === 404 || /chat not found/i.test(e.description);
    return { ok: false, retry: fixable, retryAfterMs: null, error };
  }
  // grammY's HttpError (no answer: the connection cut, a timeout) and anything else: sent again later.
  return { ok: false, retry: true, retryAfterMs: null, error };
}

/** The Telegram channel: each outbox row as one plain-text message to the configured chat. */
export function telegramChannel(api: Api, c: TelegramConfig, secrets: readonly string[], pace = new Pace(c.min_interval_ms)): Channel {
  return {
    name: 'telegram',
    events: c.events,
    pace,
    async send(m: OutboxMessage, signal?: AbortSignal): Promise<SendOutcome> {
      const text = telegramText(redact(noticeText(m.payload as Notice), secrets));
      try {
        // grammY types its signal as the abort-controller package's; Node's is the same at run time.
        await api.sendMessage(c.chat_id, text, { link_preview_options: { is_disabled: true } }, signal as Parameters<Api['sendMessage']>[3]);
        return { ok: true };
      } catch (e) {
        const f = telegramFailure(e, secrets);
        if (f.retryAfterMs !== null) pace.holdUntil(Date.now() + f.retryAfterMs); // the whole chat waits, command answers too
        return f;
      }
    },
  };
}
