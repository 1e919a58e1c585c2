/**
 * Candle timeframes as milliseconds. The names are Binance's kline intervals (without `1M`: a month
 * has no fixed length).
 */
const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
const WEEK_MS = 7 * DAY_MS;

export const TIMEFRAMES = {
  '1m': MINUTE_MS,
  '3m': 3 * MINUTE_MS,
  '5m': 5 * MINUTE_MS,
  '15m': 15 * MINUTE_MS,
  '30m': 30 * MINUTE_MS,
  '1h': HOUR_MS,
  '2h': 2 * HOUR_MS,
  '4h': 4 * HOUR_MS,
  '6h': 6 * HOUR_MS,
  '8h': 8 * HOUR_MS,
  '12h': 12 * HOUR_MS,
  '1d': DAY_MS,
  '1w': WEEK_MS,
} as const;

export type TimeframeName = keyof typeof TIMEFRAMES;

const NAMES = Object.keys(TIMEFRAMES) as TimeframeName[];

export function isTimeframeName(s: string): s is TimeframeName {
  return Object.hasOwn(TIMEFRAMES, s);
}

/** `'1h'` → `3_600_000`. Throws on a name Binance does not use (the message lists the valid ones). */
export function parseTimeframe(name: string): number {
  const s = name.trim();
  if (!isTimeframeName(s)) throw new Error(`unknown timeframe ${JSON.stringify(name)} (expected one of ${NAMES.join(', ')})`);
  return TIMEFRAMES[s];
}

/**
 * `3_600_000` → `'1h'`. A duration that is not a named timeframe is written in the largest unit that
 * divides it (`5_400_000` → `'90m'`), so error messages can always show it.
 */
export function formatTimeframe(ms: number): string {
  for (const n of NAMES) if (TIMEFRAMES[n] === ms) return n;
  const units: [number, string][] = [
    [WEEK_MS, 'w'],
    [DAY_MS, 'd'],
    [HOUR_MS, 'h'],
    [MINUTE_MS, 'm'],
    [1000, 's'],
  ];
  for (const [u, suffix] of units) if (ms !== 0 && ms % u === 0) return `${ms / u}${suffix}`;
  return `${ms}ms`;
}
