import type { LadderConfig } from '../core/config/index.ts';
import type { MarketRules } from '../core/market/market-rules.ts';
import type { DomainEvent } from '../core/model/commands.ts';
import { isStopClientId, stopClientId } from '../core/model/position.ts';
import { applyOrderEnd } from '../core/scaled-tp/exit-manager.ts';
import { exitSettingsFromConfig } from '../core/scaled-tp/from-config.ts';
import { parseTimeframe } from '../data/timeframe.ts';
import type { ExchangePort } from '../exchange/port.ts';
import type { Store } from '../store/index.ts';
import { createStrategy } from '../strategy/create-strategy.ts';
import type { Logger } from './logger.ts';
import { OrderRouter } from './order-router.ts';
import { DEFAULT_RETRY, type RetryPolicy } from './retry.ts';
import { SymbolTrader, entryClientId } from './symbol-trader.ts';

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
}

/**
 * The paper/live bot: one SymbolTrader per configured symbol over one exchange port and one store.
 * `start` reconciles what the store remembers with what the exchange holds (R6.2); `step` runs one
 * polling round; `run` loops until stopped.
 */
export class TradingBot {
  readonly traders: SymbolTrader[] = [];
  private readonly router: OrderRouter;
  private readonly now: () => number;
  private stopping = false;
  /** An update arrived while a step was running: step again without sleeping. */
  private pending = false;
  private wake: (() => void) | null = null;

  constructor(private readonly o: BotOptions) {
    this.now = o.now ?? Date.now;
    this.router = new OrderRouter({ ex: o.exchange, store: o.store, log: o.log, retry: o.retry ?? DEFAULT_RETRY, now: this.now });
  }

  async start(): Promise<void> {
    const { config: c, exchange: ex, log } = this.o;
    const markets = await ex.markets();
    const settings = exitSettingsFromConfig(c);
    for (const symbol of c.symbols) {
      const m = findBySymbol(markets, symbol);
      if (!m) throw new Error(`symbols: ${symbol} is not a market of ${ex.name}`);
      await ex.setLeverage(m.id, c.leverage);
      const trader = new SymbolTrader({
        ex,
        store: this.o.store,
        router: this.router,
        log: log.child({ symbol: m.id }),
        now: this.now,
        config: c,
        settings,
        market: m,
        strategy: createStrategy(c.strategy, this.o.baseDir ? { baseDir: this.o.baseDir } : {}),
        timeframe: c.timeframe,
        timeframeMs: parseTimeframe(c.timeframe),
        openPositions: () => this.traders.filter((t) => t.position !== null).length,
        ...(this.o.onEvent ? { onEvent: this.o.onEvent } : {}),
      });
      await trader.init();
      this.traders.push(trader);
    }
    for (const t of this.traders) await this.reconcile(t);
    log.info({ symbols: this.traders.map((t) => t.symbol), open: this.traders.filter((t) => t.position).map((t) => t.position!.id) }, 'bot.started');
  }

  /** One polling round over every symbol; a failure on one symbol is logged and the others go on. */
  async step(): Promise<void> {
    for (const t of this.traders) {
      try {
        await t.step();
      } catch (e) {
        this.o.log.error({ symbol: t.symbol, err: e instanceof Error ? { message: e.message, code: (e as { code?: string }).code } : String(e) }, 'step.failed');
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
    }
  }

  private async loop(pollMs: number): Promise<void> {
    while (!this.stopping) {
      this.pending = false;
      await this.step();
      if (this.stopping) break;
      if (this.pending) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pollMs);
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
    this.wake?.();
  }

  /**
   * R6.2 at start: orders written but never confirmed are looked up by client id (R6.3); an entry that
   * filled while the bot was down becomes a position; fills made while down are booked; an open
   * position without a live stop on the exchange gets one (F9); our own orders left resting for a
   * position that no longer exists are cancelled (F12).
   */
  async reconcile(t: SymbolTrader): Promise<void> {
    const { store, log } = this.o;
    for (const o of store.ordersInDoubt().filter((x) => x.symbol === t.symbol)) {
      // An entry is settled in the store only once it is a position (see OrderRouter.send).
      const found = await this.router.lookup(t.symbol, o.clientOrderId, o.type === 'stop_market' ? 'stop' : 'order', o.kind === 'entry');
      log.info({ symbol: t.symbol, clientOrderId: o.clientOrderId, found: found?.status ?? null }, 'reconcile.in_doubt');
      if (!found) {
        store.markOrderStatus(o.clientOrderId, 'canceled', { error: { code: 'not_found', message: 'never reached the exchange' } });
        const p = t.position;
        if (p && o.kind === 'exit') {
          const r = applyOrderEnd(p, { clientOrderId: o.clientOrderId, status: 'rejected', timeMs: this.now() });
          if (r.ok) await t.apply(r.value);
        }
        continue;
      }
      if (o.kind === 'entry' && !t.position && found.filledSteps > 0 && !store.getPosition(o.positionId)) {
        // An entry filled while we were down (or just before a kill): it becomes the position, with its stop (F9).
        log.warn({ symbol: t.symbol, clientOrderId: o.clientOrderId, filled: found.filledSteps }, 'reconcile.entry_filled_while_down');
        await t.openFromEntry(o.positionId, o.side === 'buy' ? 'long' : 'short', this.o.config.stop_loss_pct, found.timeMs || this.now());
      }
      if (o.kind === 'entry') this.router.settle(found);
    }
    if (t.position) await t.syncFills();
    await t.settleEndedExits(true);
    // A stop that fired in part while the bot was down leaves a remainder with no stop: closed now.
    await t.closeAfterPartialStop();
    const p = t.position;
    if (p) {
      const stopId = stopClientId(p.id, p.stopSeq);
      const stop = await this.router.lookup(t.symbol, stopId, 'stop');
      if (!stop || stop.status !== 'open') {
        const exPos = await this.o.exchange.position(t.symbol);
        if (exPos.side === null) {
          log.error({ symbol: t.symbol, positionId: p.id }, 'reconcile.exchange_flat_but_position_open');
        } else {
          log.warn({ symbol: t.symbol, positionId: p.id, stopId }, 'reconcile.stop_missing');
          await t.execute([{ kind: 'placeStop', clientOrderId: stopId, stopTicks: p.stopTicks, stopPrice: p.stopMoves.at(-1)?.toPrice ?? p.plan.initialStopPrice }]);
        }
      }
    }
    // Our orders that protect or exit nothing any more: those of positions that no longer exist (F12),
    // and a replaced stop of the open position left by a kill between "place new" and "cancel old" (F11).
    const current = t.position;
    for (const o of await this.o.exchange.openOrders(t.symbol)) {
      if (!o.clientOrderId.startsWith(`${t.symbol}-`)) continue; // not ours: never touched
      const ofPosition = current !== null && o.clientOrderId.startsWith(`${current.id}-`);
      const staleStop = ofPosition && isStopClientId(o.clientOrderId) && o.clientOrderId !== stopClientId(current.id, current.stopSeq);
      if (ofPosition && !staleStop) continue;
      if (current && o.clientOrderId === entryClientId(current.id)) continue;
      log.warn({ symbol: t.symbol, clientOrderId: o.clientOrderId }, staleStop ? 'reconcile.stale_stop_cancelled' : 'reconcile.orphan_cancelled');
      await this.router.cancel(t.symbol, o.clientOrderId, o.type === 'stop_market' ? 'stop' : 'order');
    }
  }
}

function findBySymbol(markets: ReadonlyMap<string, MarketRules>, symbol: string): MarketRules | undefined {
  for (const m of markets.values()) if (m.symbol === symbol || m.id === symbol) return m;
  return undefined;
}
