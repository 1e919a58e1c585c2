import { z } from 'zod';
import { liquidationDistancePct } from '../../core/config/index.ts';
import { isPlausibleTime, isoOf, parseTimeText } from '../../data/parse-time.ts';
import type { SignalSide } from '../../store/index.ts';
import { Refusal } from './refusal.ts';

/** A signal as the webhook accepted it, ready to store. */
export interface WebhookSignal {
  readonly id: string;
  /** The configured ccxt unified symbol it names. */
  readonly symbol: string;
  readonly side: SignalSide;
  readonly stopLossPct: number | null;
  /** The sender's time if given (the arrival if that is earlier: a sender's clock ahead), else the arrival; ms UTC. */
  readonly timeMs: number;
}

export interface PayloadRules {
  /** config.symbols (ccxt unified). */
  readonly symbols: readonly string[];
  readonly leverage: number;
  readonly maxLagMs: number;
}

// TradingView sends numbers as text when the template quotes a placeholder: both are accepted.
const STOP_PROBLEM = 'must be a number of % above 0 (1.5 or "1.5")';
const numeric = z.union([z.number(), z.string().trim().regex(/^-?\d+(\.\d+)?$/).transform(Number)], { error: STOP_PROBLEM });
const stopSchema = numeric.pipe(z.number().positive({ error: STOP_PROBLEM }));
// What each field must be, said whatever is wrong with it (null, empty, another type): not zod's "Invalid input".
const TIME_PROBLEM = 'must be ISO 8601 (2026-01-01T12:00:00Z) or epoch milliseconds, or left out (the arrival)';
const SIDE_PROBLEM = 'must be "long", "short" or "close" ("flat" means close)';
const SYMBOL_PROBLEM = 'must be a configured symbol, as "BTCUSDT", "BTC/USDT:USDT" or TradingView\'s "BTCUSDT.P"';

/** The body's fields; extra fields are allowed (kept in the stored payload) and ignored. */
const bodySchema = z.object({
  // A whole number is its digits (a sender's order number sent unquoted): 42 and "42" are one id.
  id: z
    .union([z.number().int().nonnegative().refine(Number.isSafeInteger).transform(String), z.string()], { error: "must be text or a whole number (the sender's id of this signal)" })
    .pipe(
      z
        .string()
        .trim()
        .min(1, { error: "must be 1 to 128 characters (the sender's id of this signal)" })
        .max(128, { error: "must be 1 to 128 characters (the sender's id of this signal)" })
        .regex(/^[^\p{Cc}]*$/u, { error: 'must not contain control characters' }),
    ),
  symbol: z.string({ error: SYMBOL_PROBLEM }).trim().min(1, { error: SYMBOL_PROBLEM }).max(64, { error: SYMBOL_PROBLEM }),
  // {{strategy.market_position}} says "flat" when a strategy closes: the same as "close".
  side: z
    .string({ error: SIDE_PROBLEM })
    .trim()
    .toLowerCase()
    .pipe(z.enum(['long', 'short', 'close', 'flat'], { error: SIDE_PROBLEM })),
  // Read for entries only (below): one template for every order may send 0 or NaN on a close.
  stop_loss_pct: z.unknown().optional(),
  time: z.union([z.number(), z.string().trim().min(1, { error: TIME_PROBLEM })], { error: TIME_PROBLEM }).optional(),
});

/** `BTC/USDT:USDT` as given, or the exchange's name of it: `BTCUSDT`, TradingView's `BTCUSDT.P`, `BINANCE:BTCUSDT.P`. */
export function resolveSymbol(given: string, symbols: readonly string[]): string | null {
  if (symbols.includes(given)) return given;
  // A ccxt symbol in another case (btc/usdt:usdt), as the signal files take it.
  if (given.includes('/')) return symbols.find((s) => s.toUpperCase() === given.toUpperCase()) ?? null;
  const bare = given.replace(/^[A-Za-z0-9_]+:/, '').replace(/\.P$/i, '').toUpperCase();
  return symbols.find((s) => compactSymbol(s) === bare) ?? null;
}

/** `BTC/USDT:USDT` → `BTCUSDT` (Binance's id of a linear perpetual); a delivery `…-250328` → `…_250328`. */
export function compactSymbol(unified: string): string {
  const [pair = '', settle = ''] = unified.split(':');
  const [base = '', quote = ''] = pair.split('/');
  const date = settle.split('-')[1];
  return `${base}${quote}${date ? `_${date}` : ''}`;
}

/** Milliseconds a Date can hold either side of 1970: beyond, toISOString throws. */
const DATE_RANGE_MS = 8.64e15;

/** ISO 8601 text (without an offset: UTC, as in the signal files, never the host's zone) or epoch milliseconds (number or digits). */
function parseTime(t: number | string): number | null {
  const ms = typeof t === 'number' ? t : /^\d+$/.test(t) ? Number(t) : parseTimeText(t);
  return Number.isSafeInteger(ms) && Math.abs(ms) <= DATE_RANGE_MS ? ms : null;
}

const issuesText = (e: z.ZodError) => e.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');

/**
 * The body (already authenticated) as a signal, or a Refusal saying why not: malformed fields (400),
 * a symbol not in config.symbols (400), a stop at or past liquidation (400), an entry's time too old
 * (409 stale) or a time too far ahead of our clock (400).
 */
export function parseSignal(body: Record<string, unknown>, rules: PayloadRules, receivedAtMs: number): WebhookSignal {
  const r = bodySchema.safeParse(body);
  if (!r.success) throw new Refusal('bad_signal', issuesText(r.error));
  const b = r.data;
  const symbol = resolveSymbol(b.symbol, rules.symbols);
  if (!symbol) throw new Refusal('unknown_symbol', `symbol: ${JSON.stringify(b.symbol)} is not one of the configured symbols (${rules.symbols.join(', ')})`);
  const side: SignalSide = b.side === 'flat' ? 'close' : b.side;
  const stopLossPct = side === 'close' ? null : entryStop(b.stop_loss_pct, rules.leverage);
  const timeMs = b.time === undefined ? receivedAtMs : parseTime(b.time);
  if (timeMs === null) throw new Refusal('bad_signal', 'time: must be ISO 8601 (2026-01-01T12:00:00Z) or epoch milliseconds');
  // Epoch seconds (or µs) read as ms, a negative number, a year of another century: say so, not that the
  // signal is stale or in the future; a close of 1969 is no late close (one is accepted however late).
  if (b.time !== undefined && !isPlausibleTime(timeMs)) {
    const text = String(b.time).trim();
    if (/^-?\d+$/.test(text)) throw new Refusal('bad_signal', `time: ${text} as epoch milliseconds is ${isoOf(timeMs)}, not a time of 2000 … 2099: send epoch milliseconds or ISO 8601`);
    throw new Refusal('bad_signal', `time: ${text} is ${isoOf(timeMs)}, not a time of 2000 … 2099`);
  }
  const lagMs = receivedAtMs - timeMs;
  // A late entry would buy into a market that moved on; a late close only takes exposure away (one older
  // than a signal already acted on is refused in the loop, src/bot/stored-signals.ts).
  if (lagMs > rules.maxLagMs && side !== 'close') throw new Refusal('stale', `time: the signal is ${Math.round(lagMs / 1000)} s old, more than max_lag_s (${rules.maxLagMs / 1000})`);
  if (-lagMs > rules.maxLagMs) throw new Refusal('bad_signal', `time: the signal is ${Math.round(-lagMs / 1000)} s in the future: check the sender's clock`);
  // Ahead of our clock is the sender's clock, not the signal: dated at its arrival, it cannot look newer
  // than a signal that arrives after it (signals are ordered by time: src/bot/stored-signals.ts).
  return { id: b.id, symbol, side, stopLossPct, timeMs: Math.min(timeMs, receivedAtMs) };
}

/** An entry's own stop distance in %, or null for the config's: above 0 and inside the liquidation distance, else 400. */
function entryStop(given: unknown, leverage: number): number | null {
  if (given === undefined) return null;
  const r = stopSchema.safeParse(given);
  if (!r.success) throw new Refusal('bad_signal', `stop_loss_pct: ${STOP_PROBLEM}`);
  const liq = liquidationDistancePct(leverage);
  if (r.data >= liq) throw new Refusal('bad_signal', `stop_loss_pct: ${r.data} is at or beyond the liquidation distance at ${leverage}x leverage (${liq.toFixed(2)} %)`);
  return r.data;
}
