import type { Logger } from '../bot/logger.ts';
import { watchReachability } from '../bot/reachability.ts';
import type { BotOptions } from '../bot/trading-bot.ts';
import type { LadderConfig } from '../core/config/index.ts';
import type { ExchangePort } from '../exchange/port.ts';
import { hasNotifyChannel } from '../notify/channel.ts';
import type { Store } from '../store/index.ts';
import { CliError } from './cli-error.ts';

export interface BotNotifications {
  /** The store the bot is given: its state changes write their notifications in their transaction. */
  readonly store: Store;
  /** The port the bot is given: watched for an outage (exchange unreachable / reachable again). */
  readonly exchange: ExchangePort;
  readonly onAlert?: BotOptions['onAlert'];
  stop(): Promise<void>;
}

/**
 * `notify` of config.json for `ladder live` and `paper` ([operate] 5, docs/notifications.md): the
 * senders start before the bot writes anything. No channel configured: the store and port as they are.
 * A channel without its secret stops here, before any order. The channels' code (the Telegram client,
 * grammy: ~0.1 s of CPU at each start and restart) is loaded only when a channel is configured.
 */
export async function startBotNotifications(o: { readonly config: LadderConfig; readonly store: Store; readonly exchange: ExchangePort; readonly log: Logger; readonly now?: () => number }): Promise<BotNotifications> {
  const now = o.now ?? Date.now;
  let n = null;
  try {
    if (hasNotifyChannel(o.config.notify)) n = (await import('../notify/index.ts')).startNotifier({ config: o.config.notify, store: o.store, log: o.log, now });
  } catch (e) {
    throw new CliError(`notify: ${e instanceof Error ? e.message : String(e)}`);
  }
  const afterS = o.config.notify.exchange_unreachable_after_s;
  // An IP ban (418) stops every request until its end, maybe for hours: said once, notifications or not.
  const bannedMessage = (untilMs: number, error: string) =>
    `${o.exchange.name} banned this IP (HTTP 418) until ${new Date(untilMs).toISOString()}: nothing is sent before then; the exchange's stops keep protecting open positions (last error: ${error})`;
  const logBan = (untilMs: number, error: string) => o.log.error({ until: new Date(untilMs).toISOString(), err: { message: error } }, 'exchange.ip_banned');
  // The key refused (-2015, -1022): every read and order of the account fails while the public ones answer,
  // so no outage is told; trading has stopped all the same: said once, notifications or not.
  const keyMessage = (error: string) =>
    `${o.exchange.name} refuses the API key: nothing of the account can be read or sent (the key's IP list or permissions changed, or, to a key that has worked, a ban of this IP); the exchange's stops keep protecting open positions (last error: ${error})`;
  const logKeyRefused = (error: string) => o.log.error({ err: { message: error } }, 'exchange.key_refused');
  const logKeyTaken = () => o.log.info({}, 'exchange.key_taken');
  if (!n) {
    const exchange = watchReachability(o.exchange, { afterMs: afterS * 1000, now, onDown: () => undefined, onUp: () => undefined, onBanned: logBan, onKeyRefused: logKeyRefused, onKeyTaken: logKeyTaken });
    return { store: o.store, exchange, stop: async () => undefined };
  }
  const notifier = n;
  const exchange = watchReachability(o.exchange, {
    afterMs: afterS * 1000,
    now,
    onBanned: (untilMs, error) => {
      logBan(untilMs, error);
      notifier.alert({ kind: 'exchange_unreachable', symbol: null, message: bannedMessage(untilMs, error), timeMs: now() });
    },
    onKeyRefused: (error) => {
      logKeyRefused(error);
      notifier.alert({ kind: 'exchange_unreachable', symbol: null, message: keyMessage(error), timeMs: now() });
    },
    onKeyTaken: () => {
      logKeyTaken();
      notifier.alert({ kind: 'exchange_reachable', symbol: null, message: `${o.exchange.name} takes the API key again`, timeMs: now() });
    },
    onDown: (sinceMs, error) => notifier.alert({ kind: 'exchange_unreachable', symbol: null, message: `no answer from ${o.exchange.name} since ${new Date(sinceMs).toISOString()} (${Math.round((now() - sinceMs) / 1000)} s; last error: ${error})`, timeMs: now() }),
    onUp: (downForMs) => notifier.alert({ kind: 'exchange_reachable', symbol: null, message: `${o.exchange.name} answers again after ${Math.round(downForMs / 1000)} s without an answer`, timeMs: now() }),
  });
  return {
    store: notifier.store,
    exchange,
    onAlert: (symbol, kind, message) => notifier.alert({ kind, symbol, message, timeMs: now() }),
    stop: () => notifier.stop(),
  };
}
