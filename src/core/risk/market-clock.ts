/**
 * The exchange's clock, the one its fills (the trades' close times) are stamped with, as the risk
 * limits count days and pauses on it ([operate] 3): live, our own clock; against a simulator replaying
 * history on its market clock, the close of the newest candle it gave. Pure: the caller passes the
 * clocks. The bot and the dashboard share it, so the dashboard's "today" is the risk gate's.
 */

/** How far the newest candle may be off the reference clock beyond one candle, and still be live. */
export const CLOCK_SLACK_MS = 120_000;

/**
 * Now on the market's clock, ms UTC. `referenceMs`: when the newest candle was known (the bot: now; the
 * dashboard: its run's last heartbeat); `newestCloseMs`: that candle's close (null: none yet → `nowMs`).
 * A candle that ended within about one candle of the reference is live data: the market's clock is
 * `nowMs`; else a replay, whose clock stands at that close.
 */
export function marketClockMs(nowMs: number, referenceMs: number, newestCloseMs: number | null, timeframeMs: number): number {
  if (newestCloseMs === null) return nowMs;
  const lag = referenceMs - newestCloseMs;
  if (lag >= -CLOCK_SLACK_MS && lag <= timeframeMs + CLOCK_SLACK_MS) return nowMs;
  return newestCloseMs;
}

/**
 * Now on the market's clock of a store, read outside the bot (the dashboard, the Telegram commands):
 * judged by the latest run's last heartbeat against the store's newest candle close (a stopped live
 * run's candles end with its heartbeat: still the wall clock). A newest candle of the run's own
 * lifetime (from its start, where its warmup ends, to its last heartbeat) is live data too, however
 * long before the heartbeat it closed: a live run whose candle reads failed for a while before it was
 * stopped, not a replay (whose candles are of another time). No run recorded: the wall clock.
 */
export function storeMarketNowMs(nowMs: number, latestRun: { readonly heartbeatAtMs: number; readonly startedAtMs: number } | null, newest: { readonly closeMs: number; readonly timeframeMs: number } | null): number {
  if (latestRun === null) return nowMs; // nothing says the store was replayed
  if (newest !== null && newest.closeMs >= latestRun.startedAtMs - newest.timeframeMs - CLOCK_SLACK_MS && newest.closeMs <= latestRun.heartbeatAtMs + CLOCK_SLACK_MS) return nowMs;
  return marketClockMs(nowMs, latestRun.heartbeatAtMs, newest?.closeMs ?? null, newest?.timeframeMs ?? 0);
}
