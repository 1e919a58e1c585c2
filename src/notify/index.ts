/** Notifications ([operate] 5, docs/notifications.md): outbox writes, senders, Telegram commands. */
export { type Notifier, type NotifierOptions, NOTIFY_WEBHOOK_SECRET_ENV, TELEGRAM_TOKEN_ENV, notifyEnv, startNotifier } from './notifier.ts';
export { type BotAlert, type OutboxWriter, withOutbox } from './outbox-writer.ts';
export { type AlertKind, type Notice, noticesOf } from './notice.ts';
export { OutboxSender } from './sender.ts';
