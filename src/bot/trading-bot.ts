import type { LadderConfig } from '../core/config/index.ts';
import type { MarketRules } from '../core/market/market-rules.ts';
import type { DomainEvent } from '../core/model/commands.ts';
import { exitSettingsFromConfig } from '../core/scaled-tp/from-config.ts';
import { parseTimeframe } from '../data/timeframe.ts';
import { ExchangeError, isRetryable } from '../exchange/errors.ts';
import type { ExchangePort } from '../exchange/port.ts';
import type { Store } from '../store/index.ts';
import { createStrategy } from '../strategy/create-strategy.ts';
import { ModuleThread } from '../strategy/module-thread.ts';
import { SignalsStrategy } from '../strategy/signals-strategy.ts';
import type { LiveStrategy } from '../strategy/strategy.ts';
import { untradedSignals } from './untraded-signals.ts';
import { untradedPositions } from './untraded-positions.ts';
import { applyMarginMode, checkAccountModes, checkTrading } from './account-checks.ts';
import type { Logger } from './logger.ts';
import { OrderRouter } from './order-router.ts';
import { withRetriedReads } from './retrying-reads.ts';
import { DEFAULT_RETRY, type RetryPolicy } from './retry.ts';
import { actOnStoredSignals } from './stored-signals.ts';
import { SymbolTrader, type TraderAlertKind, errInfo } from './symbol-trader.ts';

/** Start-up calls tried before giving up (about a minute of waiting in all with the default policy). */
const STARTUP_ATTEMPTS = 8;
const STARTUP_MAX_DELAY_MS = 15_000;

/** Binance: "Leverage X is not valid" (above the symbol's brackets). */
const INVALID_LEVERAGE = -4028;
/** Binance: "Leverage reduction is not supported in Isolated Margin Mode with open positions." */
const LEVERAGE_KEPT_FOR_POSITION = -4161;

export interface BotOptions {
  readonly config: LadderConfig;
  readonly exchange: ExchangePort;
  readonly store: Store;
  readonly log: Logger;
  /** Wall clock, ms. */
  readonly now?: () => number;
  readonly retry?: RetryPolicy;
  /** Directory a relative signals file is resolved against. */
  readonly baseDir?: string;
  readonly onEvent?: (e: DomainEvent) => void;
  /** Symbols (exchange ids or ccxt symbols) whose positions opened by hand are adopted; `true`: all. Default: the config's manage_manual_positions. */
  readonly manage?: readonly string[] | true;
  /** Told every alert of a trader (notifications, [operate] 5); must not throw. */
  readonly onAlert?: (symbol: string, kind: TraderAlertKind, message: string) => void;
  /** A strategy module's call not answered within this is stopped (default MODULE_CALL_TIMEOUT_MS, module-thread.ts). */
  readonly strategyTimeoutMs?: number;
  /** The least wall time between two funding reads of a symbol, ms (default: a minute). */
  readonly fundingReadGapMs?: number;
  /** When this run began, before its webhook started (default: when the bot was made). */
  readonly runStartedAtMs?: number;
}

/**
 * The paper/live bot: one SymbolTrader per configured symbol over one exchange port and one store.
 * `start` reconciles what the store remembers with what the exchange holds (R6.2); `step` runs one
 * polling round; `run` loops until stopped.
 */
export class TradingBot {
  readonly traders: SymbolTrader[] = [];
  /**
   * The traders in symbol-id order, the order step() runs them in: entries of one open compete for
   * max_open_positions and margin as in the backtest (A before B, SPEC "Several symbols on one
   * balance"), never in the order of config.symbols.
   */
  private stepOrder: readonly SymbolTrader[] = [];
  /** Webhook entries whose trader waits for a failing read (stored-signals.ts): pending until the wait ends. */
  private readonly waitedOnSignals = new Set<string>();
  private readonly router: OrderRouter;
  /** The port as the traders see it: reads retried on transient failures. */
  private readonly reads: ExchangePort;
  private readonly now: () => number;
  private stopping = false;
  /** An update arrived while a step was running: step again without sleeping. */
  private pending = false;
  private wake: (() => void) | null = null;
  /** The loop is polling slower than asked for the rate limits (poll.slowed_for_rate_limit said once). */
  private slowed = false;
  /** Resolves when stop() is called: ends a start-up retry's wait. */
  private endStartup: () => void = () => undefined;
  private readonly stopped = new Promise<void>((resolve) => (this.endStartup = resolve));
  /** A strategy module's thread, shared by the traders' instances; ended when the bot stops. */
  private moduleThread: Promise<ModuleThread> | null = null;

  private readonly runStartedAtMs: number;

  constructor(private readonly o: BotOptions) {
    this.now = o.now ?? Date.now;
    this.runStartedAtMs = o.runStartedAtMs ?? this.now();
    this.router = new OrderRouter({ ex: o.exchange, store: o.store, log: o.log, retry: o.retry ?? DEFAULT_RETRY, now: this.now });
    this.reads = withRetriedReads(o.exchange, o.retry ?? DEFAULT_RETRY, true);
  }

  /**
   * Loads the markets, sets leverage and builds one trader per symbol, retrying transient failures
   * with backoff (one 5xx at start must not end the bot, L2); then every trader's first cycle
   * reconciles what the store remembers with what the exchange holds (R6.2).
   */
  async start(): Promise<void> {
    const { config: c, exchange: ex, log } = this.o;
    // Only the configured symbols' rules: the others are never traded here (findBySymbol matches the same way).
    const markets = await this.startupCall('markets', () => ex.markets(c.symbols));
    const settings = exitSettingsFromConfig(c);
    // --manage (its symbols) wins over the config's manage_manual_positions (every symbol).
    const manage = this.o.manage ?? (c.manage_manual_positions || undefined);
    // Account checks before anything is changed: hedge or Multi-Assets mode refuses to start ([operate] 1).
    const call = <T>(what: string, fn: () => Promise<T>): Promise<T> => this.startupCall(what, fn);
    await checkAccountModes(ex, call);
    let signalsFile: SignalsStrategy | null = null;
    for (const symbol of c.symbols) {
      const m = findBySymbol(markets, symbol);
      if (!m) throw new Error(`symbols: ${symbol} is not a market of ${ex.name}`);
      checkTrading(m, ex.name);
      const marginMode = await applyMarginMode(ex, m.id, c.margin_mode, call, log);
      await this.startupCall(`setLeverage ${m.id}`, () => ex.setLeverage(m.id, c.leverage)).catch((e: unknown) => {
        // Binance -4028: more than this symbol's leverage brackets allow. Said in the config's words; only
        // on a definitive answer (the same code in a 5xx's body after every try says nothing of the config).
        if (e instanceof ExchangeError && e.code !== 'unknownOutcome' && e.exchangeCode === INVALID_LEVERAGE) {
          throw new Error(`leverage: ${ex.name} refused ${c.leverage}× on ${m.id} (${e.message}): the symbol allows less; lower "leverage" in the config`);
        }
        // Binance -4161: no leverage reduction of an isolated position while it is open (the config's
        // leverage lowered across a restart). Refusing to start would leave that position without its
        // ladder; it keeps its leverage, and the configured one is set before the next entry from flat.
        if (e instanceof ExchangeError && e.code !== 'unknownOutcome' && e.exchangeCode === LEVERAGE_KEPT_FOR_POSITION) {
          log.warn({ symbol: m.id, leverage: c.leverage, why: e.message }, 'account.leverage_kept');
          return;
        }
        throw e;
      });
      const strategy = await this.strategyFor(c);
      if (strategy instanceof SignalsStrategy) signalsFile = strategy;
      const trader = new SymbolTrader({
        ex: this.reads,
        store: this.o.store,
        router: this.router,
        log, // every line of a trader names its symbol itself: a child binding would write `symbol` twice
        now: this.now,
        config: c,
        settings,
        market: m,
        strategy,
        timeframe: c.timeframe,
        timeframeMs: parseTimeframe(c.timeframe),
        // An entry in doubt counts: once its look-up answers it may be a position (max_open_positions is never exceeded).
        openPositions: () => this.traders.filter((t) => t.holdsOrEntering()).length,
        unbookedNotional: () => this.traders.reduce((n, t) => n + t.unbookedEntryNotional(), 0),
        ...(this.o.onEvent ? { onEvent: this.o.onEvent } : {}),
        manageManual: manage === true || (manage ?? []).some((x) => x === m.id || x === m.symbol),
        ...(marginMode === 'blocked' ? { marginModeKept: c.margin_mode } : {}),
        ...(this.o.fundingReadGapMs !== undefined ? { fundingReadGapMs: this.o.fundingReadGapMs } : {}),
        ...(this.o.onAlert ? { onAlert: (kind: TraderAlertKind, message: string) => this.o.onAlert!(m.id, kind, message) } : {}),
      });
      await this.startupCall(`candles ${m.id}`, () => trader.init());
      this.traders.push(trader);
      this.stepOrder = [...this.traders].sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
    }
    // A signals file's rows for symbols not traded here are never entered: said once, not a silent wait.
    const untraded = signalsFile ? untradedSignals(signalsFile.signals, this.traders.map((t) => t.symbol)) : null;
    if (untraded) log.warn({ file: signalsFile!.file, ...untraded, traded: this.traders.map((t) => t.symbol) }, 'signals.symbols_not_traded');
    // A position of Ladder's on a symbol no longer traded is managed by nothing (its resting stop aside): said, not a silent wait.
    for (const p of untradedPositions(this.o.store.openPositions(), this.traders.map((t) => t.symbol))) {
      log.warn({ ...p, traded: this.traders.map((t) => t.symbol), advice: `not managed: ${p.symbol} is not in symbols, so no take-profit is sent and the stop does not move (a stop already resting stays); add ${p.symbol} back, or close it (ladder close ${p.symbol})` }, 'position.symbol_not_traded');
    }
    for (const t of this.stepOrder) {
      try {
        await t.converge();
      } catch (e) {
        // The loop converges on its next round; a failing read at start is not fatal.
        log.error({ symbol: t.symbol, err: errInfo(e) }, 'reconcile.failed');
      }
    }
    // A row due at the open that passed just before the start: the strategy is never asked about it.
    // In two halves as a step's: every symbol's row (a reversal's close), then the entries, in symbol-id order.
    if (signalsFile) {
      const waiting: SymbolTrader[] = [];
      for (const t of this.stepOrder) {
        if (await t.enterDueAtStart(signalsFile.signals).catch((e: unknown) => void log.error({ symbol: t.symbol, err: errInfo(e) }, 'signals.failed'))) waiting.push(t);
      }
      for (const t of waiting) await t.stepEntries().catch((e: unknown) => log.error({ symbol: t.symbol, err: errInfo(e) }, 'step.failed'));
    }
    log.info({ symbols: this.traders.map((t) => t.symbol), open: this.traders.filter((t) => t.position).map((t) => t.position!.id) }, 'bot.started');
  }

  /** A trader's strategy: a module's instance lives in the bot's one thread for the module (module-thread.ts). */
  private async strategyFor(c: LadderConfig): Promise<LiveStrategy> {
    const opts = { ...(this.o.baseDir ? { baseDir: this.o.baseDir } : {}), leverage: c.leverage };
    if (c.strategy.name !== 'module') return createStrategy(c.strategy, opts);
    this.moduleThread ??= ModuleThread.start(c.strategy, { ...opts, ...(this.o.strategyTimeoutMs !== undefined ? { timeoutMs: this.o.strategyTimeoutMs } : {}) });
    return (await this.moduleThread).strategy();
  }

  /** Ends a strategy module's thread; `run` does it when it returns. */
  async closeStrategies(): Promise<void> {
    await (await this.moduleThread?.catch(() => null))?.close();
  }

  /** A start-up call retried on transient failures (5xx, timeouts, 429) with growing waits, up to STARTUP_ATTEMPTS. */
  private async startupCall<T>(what: string, fn: () => Promise<T>): Promise<T> {
    const retry = this.o.retry ?? DEFAULT_RETRY;
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (e) {
        const transient = e instanceof ExchangeError && (isRetryable(e) || e.code === 'unknownOutcome');
        if (!transient || attempt >= STARTUP_ATTEMPTS) throw e;
        const delay = Math.min(STARTUP_MAX_DELAY_MS, retry.baseDelayMs * 2 ** attempt, Math.max(retry.maxDelayMs, e.retryAfterMs ?? 0));
        this.o.log.warn({ what, attempt, delayMs: delay, err: errInfo(e) }, 'startup.retry');
        // A wait that stop() ends (Ctrl-C): an IP ban's Retry-After can be days.
        await Promise.race([retry.sleep(Math.max(delay, e.retryAfterMs ?? 0)), this.stopped]);
        if (this.stopping) throw new StoppedDuringStart(what);
      }
    }
  }

  /** One polling round over every symbol; a failure on one symbol is logged and the others go on. */
  async step(): Promise<void> {
    // Signals the webhook stored since the last step; never throws (a failure is logged, the signal waits).
    await actOnStoredSignals({ store: this.o.store, traders: this.traders, log: this.o.log, now: this.now, maxWaitMs: this.o.config.webhook.max_lag_s * 1000, waitedOn: this.waitedOnSignals, runStartedAtMs: this.runStartedAtMs });
    // Every symbol's signals (and their closes) first, then every symbol's entries, in symbol-id order:
    // a close at an open frees its slot and margin for any symbol's entry at that open, as in the
    // backtest (SPEC "Several symbols on one balance").
    for (const phase of ['stepSignals', 'stepEntries'] as const) {
      for (const t of this.stepOrder) {
        try {
          await t[phase]();
        } catch (e) {
          this.o.log.error({ symbol: t.symbol, err: errInfo(e) }, 'step.failed');
        }
      }
    }
  }

  async run(pollMs: number): Promise<void> {
    // Order updates pushed by the exchange wake the loop at once (a stop that fired, a resting TP
    // filled); polling stays the source of truth, so a dropped stream only costs latency.
    const streams = new AbortController();
    const watching = this.o.exchange.watchOrders?.(
      (symbol, clientOrderId) => {
        this.o.log.debug({ symbol, clientOrderId }, 'stream.order_update');
        this.traders.find((t) => t.symbol === symbol)?.touch();
        this.pending = true;
        this.wake?.();
      },
      streams.signal,
      (e) => this.o.log.warn({ err: e instanceof Error ? e.message : String(e) }, 'stream.reconnecting'),
    );
    try {
      await this.loop(pollMs);
    } finally {
      streams.abort();
      await this.o.exchange.close().catch(() => undefined);
      await watching?.catch(() => undefined);
      await this.closeStrategies();
    }
  }

  private async loop(pollMs: number): Promise<void> {
    while (!this.stopping) {
      this.pending = false;
      await this.step();
      if (this.stopping) break;
      if (this.pending) continue;
      // Slower as the rate limits run out, and never before a 429's Retry-After or a 418 ban's end (R6.4): suggestedPollMs.
      const waitMs = this.o.exchange.pollDelayMs?.(pollMs) ?? pollMs;
      // Said when the slowing starts and when it ends, not every cycle in between (it can last minutes).
      if (waitMs > pollMs && !this.slowed) this.o.log.warn({ pollMs, waitMs }, 'poll.slowed_for_rate_limit');
      if (waitMs <= pollMs && this.slowed) this.o.log.info({ pollMs }, 'poll.normal_again');
      this.slowed = waitMs > pollMs;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, waitMs);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
  }

  stop(): void {
    this.stopping = true;
    this.endStartup();
    this.wake?.();
  }
}

/** `start()` gave up because the bot was stopped while it waited to retry a call (not a failure). */
export class StoppedDuringStart extends Error {
  constructor(what: string) {
    super(`stopped during start-up, while waiting to retry ${what}`);
    this.name = 'StoppedDuringStart';
  }
}

function findBySymbol(markets: ReadonlyMap<string, MarketRules>, symbol: string): MarketRules | undefined {
  for (const m of markets.values()) if (m.symbol === symbol || m.id === symbol) return m;
  return undefined;
}
