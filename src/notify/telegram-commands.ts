import { Bot, GrammyError, HttpError } from 'grammy';
import type { Logger } from 'pino';
import type { Store } from '../store/index.ts';
import type { Pace } from './channel.ts';
import { COMMANDS, commandAnswer } from './command-answers.ts';
import { redact } from './redact.ts';
import { telegramText } from './render.ts';
import { TELEGRAM_TIMEOUT_S, type TelegramConfig } from './telegram-channel.ts';

export interface TelegramCommandsOptions {
  readonly token: string;
  readonly config: TelegramConfig;
  readonly store: Store;
  readonly log: Logger;
  /** The chat's pacing, shared with the notifications. */
  readonly pace: Pace;
  readonly secrets: readonly string[];
  readonly now?: () => number;
  /** getUpdates long-poll timeout, s (Telegram's maximum wait for an update). */
  readonly pollTimeoutS?: number;
}

export interface TelegramCommands {
  stop(): Promise<void>;
}

/** Is this the configured chat: its numeric id, or its @name for a channel or public group. */
export function isConfiguredChat(chat: { readonly id: number; readonly username?: string } | undefined, chatId: string): boolean {
  if (!chat) return false;
  if (chatId.startsWith('@')) return chat.username?.toLowerCase() === chatId.slice(1).toLowerCase();
  return String(chat.id) === chatId;
}

/** The Bot API calls grammY's long polling makes and retries by itself. */
const POLLING_CALLS: ReadonlySet<string> = new Set(['getMe', 'deleteWebhook', 'getUpdates']);

/** The longest 429 pause a command's answer waits out (beyond it the answer would come too late to matter). */
const MAX_ANSWER_WAIT_S = 30;

/**
 * A command's answer refused by a Telegram 5xx or lost on the way (a dropped connection, a timeout) is
 * sent again after these waits (ms), then given up: later than that the answer is stale. The answer is
 * a store read (nothing traded), so a copy Telegram did deliver before its 5xx is a harmless repeat.
 */
const ANSWER_BACKOFF_MS: readonly number[] = [1_000, 2_000, 4_000, 8_000];

/** A Bot API failure that may pass by itself: a 5xx, or no answer (HttpError: the connection, a timeout). */
const transient = (e: unknown): boolean => (e instanceof GrammyError && e.error_code >= 500) || e instanceof HttpError;

/** How long stop() waits for the polling to end (a Bot API server that does not answer must not hold the shutdown). */
const STOP_WAIT_MS = 3_000;

/**
 * Read-only commands over grammY long polling: /status (open positions with their ladder), /profit
 * (realised PnL), /levels (per-level hit statistics), answered from the store. An update from any
 * other chat is dropped unanswered (and logged without its text). Nothing here can place, move or
 * cancel an order. Polling failures are logged; they never reach the trading loop.
 */
export function startTelegramCommands(o: TelegramCommandsOptions): TelegramCommands {
  const now = o.now ?? Date.now;
  const pollTimeoutS = o.pollTimeoutS ?? 30;
  const bot = new Bot(o.token, { client: { apiRoot: o.config.api_root.replace(/\/+$/, ''), timeoutSeconds: pollTimeoutS + TELEGRAM_TIMEOUT_S } });
  const errText = (e: unknown) => redact(e instanceof Error ? e.message : String(e), o.secrets);

  bot.use(async (ctx, next) => {
    if (isConfiguredChat(ctx.chat, o.config.chat_id)) return next();
    o.log.warn({ chatId: ctx.chat?.id ?? null, updateId: ctx.update.update_id }, 'telegram.ignored_chat');
  });
  for (const name of COMMANDS) {
    bot.command(name, async (ctx) => {
      const text = telegramText(redact(await commandAnswer(name, o.store, now()), o.secrets));
      let waitedRateLimit = false;
      for (let attempt = 1; ; attempt++) {
        let pauseMs = 0;
        await o.pace.turn();
        try {
          await ctx.reply(text, { link_preview_options: { is_disabled: true } });
          break;
        } catch (e) {
          // Telegram's 429 asks the chat to pause: the whole chat waits (notifications too), then the
          // answer goes once more, instead of the user's command being dropped. A long pause: not worth it.
          const waitS = e instanceof GrammyError && e.error_code === 429 ? (e.parameters.retry_after ?? 1) : null;
          const backoffMs = transient(e) ? ANSWER_BACKOFF_MS[attempt - 1] : undefined;
          if (stopping || (waitS === null && backoffMs === undefined)) throw e;
          if (waitS !== null) {
            if (waitS > MAX_ANSWER_WAIT_S || waitedRateLimit) throw e;
            waitedRateLimit = true;
            o.pace.holdUntil(Date.now() + waitS * 1000);
            o.log.warn({ command: name, retryAfterS: waitS }, 'telegram.command_rate_limited');
          } else {
            pauseMs = backoffMs!;
            o.log.warn({ command: name, attempt, retryInMs: pauseMs, err: { message: errText(e) } }, 'telegram.command_answer_failed');
          }
        } finally {
          o.pace.finished();
        }
        // This answer only waits (out of the chat's turn): the notifications are not held for one failed call.
        if (pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs));
      }
      o.log.info({ command: name }, 'telegram.command_answered');
    });
  }
  bot.catch((e) => o.log.error({ err: { message: errText(e.error) } }, 'telegram.command_failed'));

  let stopping = false;
  // grammY retries the calls of its polling (getMe, deleteWebhook, then getUpdates) quietly: say once
  // that the commands are down, and when they are back.
  let failing = false;
  bot.api.config.use(async (prev, method, payload, signal) => {
    if (!POLLING_CALLS.has(method)) return prev(method, payload, signal);
    try {
      const answer = await prev(method, payload, signal);
      if (answer.ok && failing) {
        failing = false;
        o.log.info({}, 'telegram.polling_resumed');
      }
      return answer;
    } catch (e) {
      if (!failing && !stopping) o.log.warn({ err: { message: errText(e) } }, 'telegram.polling_failing');
      failing = true;
      throw e;
    }
  });
  const polling = bot
    .start({ timeout: pollTimeoutS, allowed_updates: ['message', 'channel_post'], onStart: () => o.log.info({}, 'telegram.polling') })
    // Our own stop ends grammY's wait between two failed getUpdates with "Aborted delay": that is no failure.
    .catch((e: unknown) => (stopping ? o.log.debug({ err: { message: errText(e) } }, 'telegram.polling_stopped') : o.log.error({ err: { message: errText(e) } }, 'telegram.polling_stopped')));

  return {
    async stop(): Promise<void> {
      stopping = true;
      // grammY's stop sends a last getUpdates that cannot be aborted: an API that stops answering would
      // hold the bot's shutdown for the client timeout (50 s), past systemd's and Docker's stop timeout.
      const stopped = bot.stop().catch((e: unknown) => o.log.warn({ err: { message: errText(e) } }, 'telegram.stop_failed'));
      await Promise.race([Promise.all([stopped, polling]), new Promise((r) => setTimeout(r, STOP_WAIT_MS).unref())]);
    },
  };
}
