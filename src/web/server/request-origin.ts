import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Which in-process server a piece of work started from. Every request of the dashboard runs inside
 * `requestOrigin.run('dashboard', …)`, and so does whatever it schedules: the process guard reads it to
 * tell an uncaught exception a web request caused (survived: R6.6) from one of the trading loop.
 * Any other server in the bot's process (a webhook) can wrap its handler the same way.
 */
export const requestOrigin = new AsyncLocalStorage<string>();
