import { hostname } from 'node:os';
import { type LadderConfig, parseConfigValue, summarizeConfig } from '../../core/config/index.ts';
import { RUN_STALE_MS, type RunRecord, type Store, runState } from '../../store/index.ts';
import type { FeedEnd, RunConfigView, RunResponse } from '../components/dashboard-model.ts';

/** Whether a pid of this host is alive: signal 0 checks without touching it (EPERM: it exists). */
const pidAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === 'EPERM';
  }
};

/** Runs kept for finding the run a position was opened under. */
const RUNS_KEPT = 50;

export interface RunBookOptions {
  readonly store: Store;
  /** Used only when the store has no run (a store from before runs were recorded, a test's). */
  readonly fallback: LadderConfig | null;
  readonly now: () => number;
  readonly onError: (where: string, e: unknown) => void;
  /** Heartbeat age after which a running run is not responding; default the store's RUN_STALE_MS. */
  readonly staleMs?: number;
}

/**
 * What the store ran with ([views] 17): the runs the bot recorded (migration 8), their configs parsed
 * once, the latest run's state. The dashboard's leverage, ladder, sizing and analytics settings come
 * from here, never from a config file in the working directory.
 */
export class RunBook {
  private latestRun: RunRecord | null = null;
  private runs: RunRecord[] = [];
  private readonly configs = new Map<number, LadderConfig | null>();
  private readonly here = { host: hostname(), isAlive: pidAlive };

  constructor(private readonly o: RunBookOptions) {
    this.refresh();
  }

  /** Reads the latest run again (its heartbeat, its end); the list only when a new run started. */
  refresh(): void {
    const latest = this.o.store.latestRun();
    if (latest?.id !== this.latestRun?.id) this.runs = this.o.store.runs(RUNS_KEPT);
    this.latestRun = latest;
  }

  get latest(): RunRecord | null {
    return this.latestRun;
  }

  /** A run's config, parsed with today's schema once; null when it no longer parses (reported once). */
  configOf(r: RunRecord): LadderConfig | null {
    if (this.configs.has(r.id)) return this.configs.get(r.id)!;
    const p = parseConfigValue(r.config, `run ${r.id}`);
    if (!p.ok) this.o.onError('run-config', new Error(`run ${r.id}: its stored config does not validate: ${p.error.map((i) => `${i.path}: ${i.message}`).join('; ')}`));
    const c = p.ok ? p.value : null;
    this.configs.set(r.id, c);
    return c;
  }

  /** The config the dashboard shows and computes with: the latest run's, else the fallback. */
  config(): { config: LadderConfig | null; source: RunResponse['source'] } {
    const r = this.latestRun;
    if (r) return { config: this.configOf(r), source: 'run' };
    return this.o.fallback ? { config: this.o.fallback, source: 'fallback' } : { config: null, source: 'none' };
  }

  /**
   * The leverage of the run a position was opened (or adopted) under: the newest run started by the
   * time the bot stored it (else the oldest kept). Not by its entry time: that is the exchange's (a
   * replay's past; an adopted position's opening trade, made by hand before the run that adopted it).
   */
  leverageOf(positionId: string): number | null {
    if (this.runs.length === 0) return this.o.fallback?.leverage ?? null;
    const storedAtMs = this.o.store.positionStoredAtMs(positionId);
    const r = (storedAtMs === null ? undefined : this.runs.find((x) => x.startedAtMs <= storedAtMs)) ?? this.runs.at(-1)!;
    return this.configOf(r)?.leverage ?? null;
  }

  /** Why the feed ended, if it did: the data ran out, the bot stopped or failed, or it went silent. */
  ended(): FeedEnd | null {
    const r = this.latestRun;
    if (!r) return null;
    const state = runState(r, this.o.now(), this.o.staleMs ?? RUN_STALE_MS, this.here);
    switch (state) {
      case 'running':
        return null;
      case 'data_ended':
        return { reason: 'data_ended', atMs: r.feedStateAtMs, detail: r.detail };
      case 'stopped':
      case 'failed':
        return { reason: state, atMs: r.endedAtMs ?? r.feedStateAtMs, detail: r.detail };
      case 'not_responding':
        // Its process gone on this host: it stopped without saying so (killed, crashed). Else it may only be hung.
        if (r.host === this.here.host && !this.here.isAlive(r.pid)) return { reason: 'stopped', atMs: r.heartbeatAtMs, detail: `${r.command} (pid ${r.pid}) is gone without recording its end (killed or crashed); last heartbeat then` };
        return { reason: 'not_responding', atMs: r.heartbeatAtMs, detail: `no heartbeat from ${r.command} (pid ${r.pid} on ${r.host}) since then` };
      default:
        return assertNever(state);
    }
  }

  view(): RunResponse {
    const r = this.latestRun;
    const { config, source } = this.config();
    return {
      source,
      run: r
        ? { id: r.id, mode: r.mode, command: r.command, startedAtMs: r.startedAtMs, heartbeatAtMs: r.heartbeatAtMs, endedAtMs: r.endedAtMs, state: runState(r, this.o.now(), this.o.staleMs ?? RUN_STALE_MS, this.here), detail: r.detail }
        : null,
      config: config ? configView(config) : null,
      serverTimeMs: this.o.now(),
    };
  }
}

function assertNever(x: never): never {
  throw new Error(`unhandled: ${JSON.stringify(x)}`);
}

/** The part of a config the dashboard shows: leverage, ladder, sizing, stops, limits. */
export function configView(c: LadderConfig): RunConfigView {
  return {
    summary: summarizeConfig(c),
    exchange: c.exchange.testnet ? `${c.exchange.id} (testnet)` : c.exchange.id,
    symbols: c.symbols,
    timeframe: c.timeframe,
    strategy: c.strategy.name,
    leverage: c.leverage,
    marginMode: c.margin_mode,
    maxOpenPositions: c.max_open_positions,
    positionSize: { mode: c.position_size.mode, value: c.position_size.value },
    stopLossPct: c.stop_loss_pct,
    takeProfitPct: c.take_profit_pct,
    scaled: c.enable_scaled_take_profit,
    execution: c.scaled_tp_execution,
    breakevenOffsetPct: c.breakeven_offset_pct,
    levels: c.scaled_tp_levels.map((l, i) => ({
      level: i + 1,
      profitPct: l.profit_pct,
      closePct: l.close_pct,
      moveStopTo: l.move_stop_to === undefined ? 'default' : typeof l.move_stop_to === 'string' ? l.move_stop_to : `${l.move_stop_to.profit_pct} %`,
    })),
    riskLimits: Object.fromEntries(Object.entries(c.risk_limits).filter(([, v]) => v !== undefined)) as Record<string, number>,
  };
}
