/** Environment variables whose values are secrets: none of them may appear in a message or a log line of the notifier. */
export const SECRET_ENV = ['LADDER_API_KEY', 'LADDER_API_SECRET', 'LADDER_WEBHOOK_SECRET', 'LADDER_DASHBOARD_TOKEN', 'LADDER_TELEGRAM_BOT_TOKEN', 'LADDER_NOTIFY_WEBHOOK_SECRET'] as const;

/** The secret values set in `env` (short values are left out: they would blank ordinary words). */
export function secretValues(env: Readonly<Record<string, string | undefined>>): string[] {
  return SECRET_ENV.map((k) => env[k]).filter((v): v is string => typeof v === 'string' && v.length >= 6);
}

/**
 * A text with every known secret replaced by `[redacted]`, and with what looks like a request
 * signature or a Telegram bot token blanked too: error texts of HTTP clients carry URLs, and a
 * grammY URL holds the token (`/bot<token>/sendMessage`). The last line of defence, not the first:
 * messages are built from the store's state, which holds no secret.
 */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) out = out.split(s).join('[redacted]');
  return out.replace(/(signature=)[0-9a-fA-F]{16,}/g, '$1[redacted]').replace(/\bbot\d{5,}:[A-Za-z0-9_-]{20,}/g, 'bot[redacted]');
}
