import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * Structured logs, one event per line on stderr (R7). Secrets are redacted by key wherever they
 * appear, and the API key and secret values themselves are never passed to the logger.
 */
export function createLogger(level = process.env['LADDER_LOG_LEVEL'] ?? 'info', destination: NodeJS.WritableStream | number = 2): Logger {
  return pino(
    {
      level,
      base: { app: 'ladder' },
      redact: { paths: ['apiKey', 'secret', 'apiSecret', '*.apiKey', '*.secret', '*.apiSecret', 'headers["X-MBX-APIKEY"]', '*.headers["X-MBX-APIKEY"]'], censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    typeof destination === 'number' ? pino.destination({ fd: destination, sync: true }) : destination,
  );
}

/** A logger that drops everything (unit tests). */
export const silentLogger = (): Logger => pino({ level: 'silent' });
