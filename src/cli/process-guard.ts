import type { Logger } from '../bot/logger.ts';
import { requestOrigin } from '../web/server/request-origin.ts';

/** The log events of the guard (R7: the message is the event name). */
export const UNHANDLED_REJECTION = 'process.unhandled_rejection';
export const UNCAUGHT_EXCEPTION = 'process.uncaught_exception';

/** A peer that went away mid-write: never a sign that the bot's own state is broken. */
const PEER_GONE = new Set(['EPIPE', 'ECONNRESET', 'ERR_STREAM_DESTROYED', 'ERR_STREAM_WRITE_AFTER_END']);

const errOf = (e: unknown) => (e instanceof Error ? e : { message: String(e) });

/**
 * Keeps the bot's process alive through what nobody awaited (R6.6, issue 12 item 4):
 * - an unhandled rejection (a ccxt socket dropped during a snapshot, a promise a library forgot) is
 *   logged at error level (an alert) and survived: the trading loop awaits its own work, so a stray
 *   rejection cannot have left it half-done;
 * - an uncaught exception thrown by work a web request started (`requestOrigin`), or by a peer that
 *   hung up, is logged and survived too: the dashboard and a webhook cannot stop the trading loop;
 * - any other uncaught exception may have left the loop mid-step: logged as fatal, then `exit(1)`,
 *   for the supervisor to restart (docs/deployment.md); a restart reconciles with the exchange.
 *   `onFatal` gets the exception first (the run records that it failed, and why, for the dashboard).
 * Returns a function that removes the handlers.
 */
export function guardProcess(log: Logger, exit: (code: number) => void = (code) => process.exit(code), onFatal: (e: unknown) => void = () => undefined): () => void {
  const onRejection = (reason: unknown) => {
    log.error({ err: errOf(reason), origin: requestOrigin.getStore() ?? 'bot', survived: true }, UNHANDLED_REJECTION);
  };
  const onException = (e: unknown) => {
    const server = requestOrigin.getStore();
    const code = (e as { code?: unknown } | null)?.code;
    if (server !== undefined || (typeof code === 'string' && PEER_GONE.has(code))) {
      log.error({ err: errOf(e), origin: server ?? 'socket', survived: true }, UNCAUGHT_EXCEPTION);
      return;
    }
    log.fatal({ err: errOf(e), origin: 'bot', survived: false }, UNCAUGHT_EXCEPTION);
    onFatal(e);
    exit(1);
  };
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return () => {
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
  };
}
