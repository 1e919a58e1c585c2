import pino, { type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/**
 * The options every Ladder logger shares: one event per line, the message is the event name, ISO
 * times, and secrets redacted by key wherever they appear (the API key and secret values themselves
 * are never passed to the logger).
 */
export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    base: { app: 'ladder' },
    redact: { paths: ['apiKey', 'secret', 'apiSecret', '*.apiKey', '*.secret', '*.apiSecret', 'headers["X-MBX-APIKEY"]', '*.headers["X-MBX-APIKEY"]'], censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
}

/** Structured logs, one JSON event per line on stderr (R7), or on `destination`. */
export function createLogger(level = process.env['LADDER_LOG_LEVEL'] ?? 'info', destination: NodeJS.WritableStream | number = 2): Logger {
  return pino(loggerOptions(level), typeof destination === 'number' ? pino.destination({ fd: destination, sync: true }) : destination);
}

/** A logger that drops everything (unit tests). */
export const silentLogger = (): Logger => pino({ level: 'silent' });
