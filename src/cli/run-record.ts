import type { Logger } from '../bot/logger.ts';
import { type LadderConfig, settleAssetsOf } from '../core/config/index.ts';
import type { Balance, ExchangePort } from '../exchange/port.ts';
import { RUN_HEARTBEAT_MS, type RunMode, type Store } from '../store/index.ts';
/** The balance is read every this many heartbeats (one fetchBalance, weight 5 on Binance, every 15 s). */
const BALANCE_EVERY = 3;

export interface RunRecorder {
  readonly id: number;
  /**
   * The first heartbeat's balance read, made as the run starts (`asset`: the first symbol's settle
   * asset): the start summary takes it instead of reading the account a second time. Rejects when the
   * read failed (logged here as run.balance_failed).
   */
  readonly startBalance: { readonly asset: string; readonly read: Promise<Balance> };
  /** The replayed data ran out (the demo): recorded once, the bot runs on. */
  dataEnded(detail: string): void;
  /**
   * One last balance read, before the end is recorded (a bot that stopped cleanly; at most `timeoutMs`,
   * a failure logged): the account a finished store shows is the one at its end, not the last
   * periodic read, up to 15 s older (a fast demo's only read was its start's, before any trade).
   */
  lastBalance(timeoutMs?: number): Promise<void>;
  /** The run ended: stops the heartbeat and records how. */
  end(state: 'stopped' | 'failed', detail?: string): void;
}

export interface RecordRunOptions {
  readonly store: Store;
  readonly mode: RunMode;
  readonly command: string;
  readonly pid: number;
  readonly host: string;
  readonly config: LadderConfig;
  /** The balance of the settle asset is read through it for the dashboard's account summary. */
  readonly exchange: ExchangePort;
  readonly log: Logger;
  readonly now?: () => number;
  readonly heartbeatMs?: number;
}

/**
 * Records a bot run in the store ([views] 17): the config it runs with at the start, a heartbeat (and
 * the settle asset's balance) while it runs, how it ended. A bot killed outright writes no end: its
 * heartbeat goes stale and readers call it not responding. A failed write or balance read is logged,
 * never thrown: the record must not stop the trading (R6.6).
 */
export function recordRun(o: RecordRunOptions): RunRecorder {
  const now = o.now ?? Date.now;
  const id = o.store.startRun({ mode: o.mode, command: o.command, pid: o.pid, host: o.host, startedAtMs: now(), config: o.config });
  // The first symbol's settle asset (symbols settling in several assets: the first one's balance only).
  const asset = settleAssetsOf(o.config.symbols)[0] ?? 'USDT';
  let beats = 0;
  let reading = false;
  let ended = false;
  const write = (what: string, f: () => void) => {
    try {
      f();
    } catch (e) {
      o.log.warn({ run: id, what, err: e instanceof Error ? e.message : String(e) }, 'run.record_failed');
    }
  };
  const readBalance = (read: Promise<Balance> = o.exchange.balance(asset)): Promise<void> =>
    read.then(
      (b) => {
        if (!ended) write('balance', () => o.store.runHeartbeat(id, now(), { asset, total: b.total, free: b.free, atMs: now() }));
      },
      (e: unknown) => {
        if (!ended) o.log.warn({ run: id, asset, err: e instanceof Error ? e.message : String(e) }, 'run.balance_failed');
      },
    );
  let first: Promise<Balance> | null = null;
  const beat = () => {
    write('heartbeat', () => o.store.runHeartbeat(id, now()));
    if (beats++ % BALANCE_EVERY !== 0 || reading) return;
    reading = true;
    const read = o.exchange.balance(asset);
    first ??= read;
    void readBalance(read).finally(() => {
      reading = false;
    });
  };
  beat(); // the first beat reads the balance: `first` is set
  const startBalance = { asset, read: first! };
  const timer = setInterval(beat, o.heartbeatMs ?? RUN_HEARTBEAT_MS);
  timer.unref();
  return {
    id,
    startBalance,
    lastBalance: async (timeoutMs = 2_000) => {
      if (ended) return;
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)));
      await Promise.race([readBalance(), late]);
      clearTimeout(timer);
    },
    dataEnded: (detail) => {
      if (ended) return;
      write('data_ended', () => o.store.runDataEnded(id, now(), detail));
      o.log.info({ run: id, detail }, 'run.data_ended');
    },
    end: (state, detail) => {
      if (ended) return;
      ended = true;
      clearInterval(timer);
      write('end', () => o.store.endRun(id, now(), state, detail));
    },
  };
}
