import type { Logger } from 'pino';
import type { NotifyEvent } from '../core/config/schema.ts';
import type { Outbox } from '../store/index.ts';
import type { Channel } from './channel.ts';

export interface SenderOptions {
  readonly outbox: Outbox;
  readonly channel: Channel;
  readonly log: Logger;
  readonly now?: () => number;
  /** First retry delay and its cap, ms: the delay doubles per failed attempt. */
  readonly backoffMs?: readonly [number, number];
  /** How often an idle sender looks at the outbox when nobody wakes it (rows written by another process). */
  readonly idlePollMs?: number;
}

export const DEFAULT_BACKOFF_MS = [1_000, 300_000] as const;

/**
 * Delivers one channel's outbox rows in id order, one at a time, apart from the trading loop: it only
 * reads and marks rows, so a slow or failing receiver never holds the bot up, and none of its errors
 * reaches the loop. A row is marked done after it was delivered (at-least-once: a kill between the two
 * sends it again after the restart, under the same id). A failed attempt is retried with exponential
 * backoff (a 429 waits its retry_after when that is longer); the order is kept, so later rows wait behind it.
 */
export class OutboxSender {
  private stopped = false;
  /** Aborts the attempt in flight when stopping: a shutdown does not wait for a slow receiver. */
  private readonly abort = new AbortController();
  private wakeUp: (() => void) | null = null;
  private running: Promise<void> | null = null;
  private readonly now: () => number;
  private readonly backoff: readonly [number, number];

  constructor(private readonly o: SenderOptions) {
    this.now = o.now ?? Date.now;
    this.backoff = o.backoffMs ?? DEFAULT_BACKOFF_MS;
  }

  get name(): string {
    return this.o.channel.name;
  }

  /** Opens the channel's cursor (at the newest row the first time) and starts delivering. */
  start(): void {
    this.o.outbox.openChannel(this.o.channel.name);
    this.running ??= this.loop();
  }

  /** New rows were written: look now rather than at the next poll. */
  wake(): void {
    this.wakeUp?.();
  }

  /** Stops after the attempt in flight (if any) has ended and been recorded. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    this.wake();
    await this.running;
  }

  /** Rows left for this channel (tests, the shutdown log). */
  backlog(): number {
    return this.o.outbox.pending(this.o.channel.name, 10_000).length;
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      try {
        const waitMs = await this.deliverNext();
        if (waitMs > 0) await this.sleep(waitMs);
      } catch (e) {
        // A store error (disk full, locked file): logged, tried again; never thrown to the bot.
        this.o.log.error({ channel: this.o.channel.name, err: { message: e instanceof Error ? e.message : String(e) } }, 'notify.sender_failed');
        await this.sleep(this.backoff[0]);
      }
    }
  }

  /** One step: delivers (or passes over) the next row; returns how long to wait before the next step. */
  private async deliverNext(): Promise<number> {
    const { outbox, channel: ch, log } = this.o;
    const state = outbox.channel(ch.name)!;
    const due = state.nextAttemptMs - this.now();
    if (due > 0) return due;
    const [m] = outbox.pending(ch.name, 1);
    if (!m) return this.o.idlePollMs ?? 1_000;
    if (!ch.events.includes(m.type as NotifyEvent)) {
      outbox.done(ch.name, m.id, { status: null, attempts: 0 });
      return 0;
    }
    await ch.pace.turn();
    if (this.stopped) return 0;
    const attempts = state.attempts + 1;
    const r = await ch.send(m, this.abort.signal);
    ch.pace.finished();
    if (r.ok) {
      outbox.done(ch.name, m.id, { status: 'sent', attempts });
      log.info({ channel: ch.name, id: m.key, type: m.type, attempts }, 'notify.sent');
      return 0;
    }
    if (!r.retry) {
      outbox.done(ch.name, m.id, { status: 'failed', attempts, error: r.error });
      log.error({ channel: ch.name, id: m.key, type: m.type, attempts, error: r.error }, 'notify.gave_up');
      return 0;
    }
    // The receiver's Retry-After when it asks for longer than the backoff: one saying "now" (0, a date
    // gone by) while refusing again would otherwise be sent to back to back, with a log line each time.
    const backoffMs = Math.min(this.backoff[1], this.backoff[0] * 2 ** (attempts - 1));
    const delayMs = Math.max(r.retryAfterMs ?? 0, backoffMs);
    outbox.failed(ch.name, this.now() + delayMs, r.error);
    log.warn({ channel: ch.name, id: m.key, type: m.type, attempts, delayMs, error: r.error }, 'notify.retry');
    return delayMs;
  }

  /** Waits `ms`, or less when woken or stopped. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wakeUp = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeUp = done;
      if (this.stopped) done();
    });
  }
}
