/** The signal webhook ([entries] 2): checks and stores signals; the trading loop acts on them. */
export { BODY_LIMIT_BYTES, type Webhook, type WebhookLog, type WebhookOptions, startWebhook } from './webhook-server.ts';
export { MIN_SECRET_LENGTH, WEBHOOK_SECRET_ENV } from './guard.ts';
export { compactSymbol, resolveSymbol } from './payload.ts';
export type { RefusalCode } from './refusal.ts';
