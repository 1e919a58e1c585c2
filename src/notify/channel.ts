import type { NotifyConfig, NotifyEvent } from '../core/config/schema.ts';
import type { OutboxMessage } from '../store/index.ts';

/** What one delivery attempt came to. `retry`: try the same message again later (the order is kept). */
export type SendOutcome = { readonly ok: true } | { readonly ok: false; readonly retry: boolean; readonly retryAfterMs: number | null; readonly error: string };

/**
 * Whether `notify` names a channel (Telegram, the webhook): without one nothing is sent or written to
 * the outbox. Here, apart from the channels' code, so the bot's start can ask without loading the
 * Telegram client (grammy, ~0.1 s of CPU).
 */
export const hasNotifyChannel = (c: NotifyConfig): boolean => Boolean(c.telegram || c.webhook);

/** Where notifications go: Telegram or the JSON webhook. */
export interface Channel {
  /** The outbox channel name (its cursor). */
  readonly name: string;
  /** The notice types it takes; the rest are passed over. */
  readonly events: readonly NotifyEvent[];
  /** Its pacing, shared with anything else that talks to the same receiver (Telegram's command answers). */
  readonly pace: Pace;
  /** `signal` aborts the attempt (shutdown): it then counts as failed and is tried again after the restart. */
  send(m: OutboxMessage, signal?: AbortSignal): Promise<SendOutcome>;
}

/**
 * At most one message per `minIntervalMs` to one receiver (Telegram: about 1 a second per chat), and
 * none before a 429's `retry_after` has passed. Turns are taken in call order.
 */
export class Pace {
  private nextMs = 0;
  private tail: Promise<void> = Promise.resolve();

  constructor(
    private readonly minIntervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Resolves when it is the caller's turn to send; the next turn is then `minIntervalMs` later. */
  turn(): Promise<void> {
    const mine = this.tail.then(async () => {
      const wait = this.nextMs - this.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      this.nextMs = this.now() + this.minIntervalMs;
    });
    this.tail = mine.catch(() => undefined);
    return mine;
  }

  /**
   * The send that took the last turn has ended: the next turn is `minIntervalMs` from now. Counting
   * from the answer, not the request, keeps the gap as the receiver sees it (requests travel unevenly).
   */
  finished(): void {
    this.nextMs = Math.max(this.nextMs, this.now() + this.minIntervalMs);
  }

  /** The receiver asked for a pause (429 retry_after): nothing goes before `untilMs`. */
  holdUntil(untilMs: number): void {
    this.nextMs = Math.max(this.nextMs, untilMs);
  }
}
