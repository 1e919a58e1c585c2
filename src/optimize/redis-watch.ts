/** What the watch needs of an ioredis client: its status and its connection events. */
export interface WatchedClient {
  readonly status: string;
  on(event: 'close' | 'ready', f: () => void): unknown;
  off(event: 'close' | 'ready', f: () => void): unknown;
}

export interface RedisWatchHandlers {
  /** The connection dropped (once per outage, however many reconnect attempts fail). */
  lost(): void;
  /** Every client is connected again, after `downMs`. */
  back(downMs: number): void;
  /** Still down after `limitMs` (called once per outage; the watch goes on unless stopped). */
  tooLong?(downMs: number): void;
}

export interface RedisWatch {
  /** True while every client is connected. */
  readonly up: boolean;
  /** Removes the listeners and the timer (before closing the clients on purpose: that is no outage). */
  stop(): void;
}

/**
 * Turns ioredis's connection events into outages: ioredis reconnects silently and BullMQ swallows
 * the errors, so a run (or a worker) would otherwise wait on a dead Redis with no word. Up means
 * every client is `ready`; the first `close` of any of them starts an outage, the moment all are
 * `ready` again ends it.
 */
export function watchRedis(clients: readonly WatchedClient[], on: RedisWatchHandlers, limitMs = Infinity, now: () => number = Date.now): RedisWatch {
  let downSince: number | null = null;
  let timer: NodeJS.Timeout | undefined;
  const onClose = () => {
    if (downSince !== null) return;
    downSince = now();
    on.lost();
    if (on.tooLong && Number.isFinite(limitMs)) {
      const since = downSince;
      timer = setTimeout(() => on.tooLong!(now() - since), limitMs);
    }
  };
  const onReady = () => {
    if (downSince === null || !clients.every((c) => c.status === 'ready')) return;
    const downMs = now() - downSince;
    downSince = null;
    clearTimeout(timer);
    on.back(downMs);
  };
  for (const c of clients) {
    c.on('close', onClose);
    c.on('ready', onReady);
  }
  return {
    get up() {
      return downSince === null;
    },
    stop() {
      clearTimeout(timer);
      for (const c of clients) {
        c.off('close', onClose);
        c.off('ready', onReady);
      }
    },
  };
}
