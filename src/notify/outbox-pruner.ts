import type { Logger } from 'pino';
import type { Outbox } from '../store/index.ts';

const DAY_MS = 86_400_000;

export interface OutboxPrunerOptions {
  readonly outbox: Outbox;
  /** The channels this bot delivers to: a row goes only once each of them is done with it. */
  readonly channels: readonly string[];
  /** Delivered rows written more than this many days ago are deleted (notify.outbox_retention_days). */
  readonly retentionDays: number;
  readonly log: Logger;
  readonly now?: () => number;
  /** Time between two prunes while the bot runs, ms (a day by default). */
  readonly everyMs?: number;
}

export interface OutboxPruner {
  /** Prunes now; returns how many rows went (null when the store failed, which is logged). */
  pruneNow(): number | null;
  stop(): void;
}

/**
 * Keeps the outbox from growing without bound (issue 16 follow-up): prunes once when started (the
 * bot's start), then every `everyMs` while it runs. One log line per prune with the count; a store
 * error is logged and tried again at the next prune, never thrown into the bot.
 */
export function startOutboxPruner(o: OutboxPrunerOptions): OutboxPruner {
  const now = o.now ?? Date.now;
  const retentionMs = o.retentionDays * DAY_MS;
  const pruneNow = (): number | null => {
    const beforeMs = now() - retentionMs;
    try {
      const pruned = o.outbox.prune({ channels: o.channels, beforeMs });
      o.log.info({ pruned, retentionDays: o.retentionDays, before: new Date(beforeMs).toISOString(), channels: o.channels }, 'notify.outbox_pruned');
      return pruned;
    } catch (e) {
      o.log.error({ err: { message: e instanceof Error ? e.message : String(e) } }, 'notify.outbox_prune_failed');
      return null;
    }
  };
  pruneNow();
  const timer = setInterval(pruneNow, o.everyMs ?? DAY_MS);
  // The daily prune alone never keeps the process alive.
  timer.unref();
  return { pruneNow, stop: () => clearInterval(timer) };
}
