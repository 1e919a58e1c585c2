import type { LevelStatus } from '../model/position.ts';
import { type Result, err, ok } from '../result.ts';

/** What can happen to a level's exit order. */
export type LevelInput = 'send' | 'fill' | 'partialFill' | 'reject' | 'cancel' | 'endPartial' | 'withdraw';

/**
 * The level state machine as a table (STYLE §7). A rejected order returns the level to pending (it never
 * executed); an order that ends after a partial fill leaves the level filled by what filled (R3.5);
 * a late fill after a cancel does happen and is booked; a resting exit withdrawn by the bot is sent
 * again only once its cancel is confirmed. Anything not listed is a typed error.
 */
const NEXT: Record<LevelStatus, Partial<Record<LevelInput, LevelStatus>>> = {
  pending: { send: 'sent' },
  sent: { fill: 'filled', partialFill: 'sent', reject: 'pending', cancel: 'canceled', endPartial: 'filled', withdraw: 'withdrawn' },
  // The bot's own cancel (a change outside the bot) is on its way: a fill before it lands is booked;
  // once it has landed with nothing filled, the level is pending again (sent anew for what is left).
  withdrawn: { fill: 'filled', partialFill: 'withdrawn', endPartial: 'filled', cancel: 'pending', reject: 'pending' },
  canceled: { fill: 'filled', partialFill: 'filled' },
  filled: { fill: 'filled', partialFill: 'filled', endPartial: 'filled', cancel: 'filled' },
  skipped: {},
};

/** The table's answers as results, made once: every fill of every backtest trade asks (frozen, shared). */
const ANSWER = Object.fromEntries(
  Object.entries(NEXT).map(([from, row]) => [from, Object.fromEntries(Object.entries(row).map(([input, to]) => [input, Object.freeze(ok(to))]))]),
) as Record<LevelStatus, Partial<Record<LevelInput, Result<LevelStatus, string>>>>;

/**
 * The two questions every instant fill of a backtest or the optimizer's replay asks (a level reached is
 * sent, its order filled whole), answered from the table before its look-up: `ANSWER[from][input]` reads
 * rows of six shapes by string keys, a megamorphic load on each call (~2 % of a replayed ladder's time).
 */
const SENT = ANSWER.pending.send!;
const FILLED = ANSWER.sent.fill!;

export function nextLevelStatus(from: LevelStatus, input: LevelInput): Result<LevelStatus, string> {
  if (from === 'pending' && input === 'send') return SENT;
  if (from === 'sent' && input === 'fill') return FILLED;
  return ANSWER[from][input] ?? err(`level ${from} cannot take ${input}`);
}
