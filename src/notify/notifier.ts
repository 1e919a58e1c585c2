import { existsSync } from 'node:fs';
import type { Logger } from 'pino';
import type { NotifyConfig } from '../core/config/schema.ts';
import type { Store } from '../store/index.ts';
import { hasNotifyChannel } from './channel.ts';
import { type OutboxPruner, startOutboxPruner } from './outbox-pruner.ts';
import { type BotAlert, withOutbox } from './outbox-writer.ts';
import { secretValues } from './redact.ts';
import { OutboxSender } from './sender.ts';
import { type TelegramCommands, startTelegramCommands } from './telegram-commands.ts';
import { telegramApi, telegramChannel } from './telegram-channel.ts';
import { webhookChannel } from './webhook-channel.ts';

export const TELEGRAM_TOKEN_ENV = 'LADDER_TELEGRAM_BOT_TOKEN';
export const NOTIFY_WEBHOOK_SECRET_ENV = 'LADDER_NOTIFY_WEBHOOK_SECRET';

export interface NotifierOptions {
  readonly config: NotifyConfig;
  readonly store: Store;
  readonly log: Logger;
  /** Where secrets are read from; process.env (after `.env`) by default. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly now?: () => number;
  /** Retry delays of the senders (first, cap), ms. */
  readonly backoffMs?: readonly [number, number];
  /** Telegram long-poll timeout, s. */
  readonly pollTimeoutS?: number;
  /** Time between two prunes of the outbox while running, ms (a day by default). */
  readonly pruneEveryMs?: number;
}

export interface Notifier {
  /** The store for the bot: its fills, transitions and limit hits write their notifications in their transaction. */
  readonly store: Store;
  /** An alert of the bot (insufficient margin, exchange unreachable, a strategy error …). Never throws. */
  alert(a: BotAlert): void;
  readonly senders: readonly OutboxSender[];
  /** Deletes delivered messages older than notify.outbox_retention_days: at start, then daily. */
  readonly pruner: OutboxPruner;
  /** Stops the senders (after the attempt in flight) and the command polling. */
  stop(): Promise<void>;
}

/** Fails when a channel is configured without its secret, naming the variable; never prints a value. */
function readSecrets(c: NotifyConfig, env: Readonly<Record<string, string | undefined>>): { token: string | null; webhookSecret: string | undefined } {
  let token: string | null = null;
  if (c.telegram) {
    token = env[TELEGRAM_TOKEN_ENV] ?? null;
    if (!token) throw new Error(`notify.telegram is set but ${TELEGRAM_TOKEN_ENV} is not (put the bot token from @BotFather in the environment or .env)`);
    if (!/^\d+:[A-Za-z0-9_-]{20,}$/.test(token)) throw new Error(`${TELEGRAM_TOKEN_ENV} does not look like a Telegram bot token ("<digits>:<35 letters>", from @BotFather)`);
  }
  return { token, webhookSecret: env[NOTIFY_WEBHOOK_SECRET_ENV] || undefined };
}

/** process.env, with `.env` of the working directory loaded first when a notify secret is missing. */
export function notifyEnv(envFile = '.env'): NodeJS.ProcessEnv {
  if ((process.env[TELEGRAM_TOKEN_ENV] === undefined || process.env[NOTIFY_WEBHOOK_SECRET_ENV] === undefined) && existsSync(envFile)) {
    try {
      process.loadEnvFile(envFile);
    } catch (e) {
      throw new Error(`${envFile}: cannot read it (${(e as Error).message.split('\n')[0]})`);
    }
  }
  return process.env;
}

/**
 * Starts the notifications of `notify` ([operate] 5): a sender per configured channel over the
 * store's outbox, and the Telegram commands. Null when no channel is configured (nothing is written
 * to the outbox then). Throws, before anything starts, when a channel's secret is missing.
 */
export function startNotifier(o: NotifierOptions): Notifier | null {
  const c = o.config;
  if (!hasNotifyChannel(c)) return null;
  const env = o.env ?? notifyEnv();
  const { token, webhookSecret } = readSecrets(c, env);
  const secrets = secretValues(env);
  const log = o.log.child({ component: 'notify' });
  const senders: OutboxSender[] = [];
  let commands: TelegramCommands | null = null;
  const base = { outbox: o.store.outbox, log, ...(o.now ? { now: o.now } : {}), ...(o.backoffMs ? { backoffMs: o.backoffMs } : {}) };
  if (c.telegram && token) {
    const channel = telegramChannel(telegramApi(token, c.telegram), c.telegram, secrets);
    senders.push(new OutboxSender({ ...base, channel }));
    if (c.telegram.commands) {
      commands = startTelegramCommands({ token, config: c.telegram, store: o.store, log, pace: channel.pace, secrets, ...(o.now ? { now: o.now } : {}), ...(o.pollTimeoutS ? { pollTimeoutS: o.pollTimeoutS } : {}) });
    }
  }
  if (c.webhook) senders.push(new OutboxSender({ ...base, channel: webhookChannel(c.webhook, webhookSecret, secrets) }));
  // A channel out of the config misses what is written meanwhile: put back, it starts from then on
  // (the docs' promise for a channel added later), not with a backlog of stale messages ahead of new ones.
  const forgotten = o.store.outbox.forgetChannels(senders.map((s) => s.name));
  if (forgotten.length) log.info({ channels: forgotten }, 'notify.channels_forgotten');
  // Cursors open before the bot writes anything: the first run's messages are not taken for history.
  for (const s of senders) s.start();
  const pruner = startOutboxPruner({ outbox: o.store.outbox, channels: senders.map((s) => s.name), retentionDays: c.outbox_retention_days, log, ...(o.now ? { now: o.now } : {}), ...(o.pruneEveryMs ? { everyMs: o.pruneEveryMs } : {}) });
  const writer = withOutbox(o.store, { log, onAdded: () => senders.forEach((s) => s.wake()) });
  log.info({ channels: senders.map((s) => s.name), telegramCommands: commands !== null }, 'notify.started');
  return {
    store: writer.store,
    alert: writer.alert,
    senders,
    pruner,
    async stop(): Promise<void> {
      pruner.stop();
      await Promise.all([...senders.map((s) => s.stop()), commands?.stop()]);
    },
  };
}
