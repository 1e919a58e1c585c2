import type { ServerResponse } from 'node:http';
import type { DomainEvent, Position } from '../../core/index.ts';
import type { Store } from '../../store/index.ts';
import type { DashboardFeed } from '../dashboard-feed.ts';
import type { FeedView, PositionsResponse, StreamMessages } from '../components/dashboard-model.ts';
import type { MarketBook } from './market-book.ts';
import type { RunBook } from './run-book.ts';
import { positionCard } from './views.ts';

export interface HubOptions {
  readonly store: Store;
  readonly book: MarketBook;
  /** `bot`: a bot in this process feeds prices; `standalone`: prices are the stored candles' closes. */
  readonly mode: 'bot' | 'standalone';
  /** The store's runs: each position's leverage, and whether the feed ended (data ran out, bot stopped). */
  readonly runs: RunBook;
  /** How often the store is read for new events and candles, ms. */
  readonly pollMs: number;
  /** At most one price push per this many ms. */
  readonly priceThrottleMs: number;
  /** No successful exchange read for this long: the feed is down. */
  readonly feedStaleMs: number;
  readonly now: () => number;
  readonly onError: (where: string, e: unknown) => void;
  /** A page whose unsent stream data passes this many bytes is dropped (default STREAM_BACKLOG_BYTES). */
  readonly maxBacklogBytes?: number;
}

/**
 * A page that stops reading (a suspended laptop, a stalled proxy, a client that never reads) would
 * make every frame pile up in this process's memory, the bot's own. Past this backlog it is dropped;
 * a browser's EventSource reconnects after `retry` and starts again from a full snapshot.
 */
export const STREAM_BACKLOG_BYTES = 4 * 1024 * 1024;

const HEARTBEAT_MS = 15_000;
/** Every this many polls, look for symbols whose candles started being stored. */
const DISCOVER_EVERY = 20;

/**
 * The live side of the dashboard: tails the store (events by id, closed candles by time), keeps the open
 * positions, takes the bot's price ticks, and pushes all of it to every connected page as server-sent
 * events. Also the `DashboardFeed` the bot side calls.
 */
export class LiveHub implements DashboardFeed {
  private readonly clients = new Set<ServerResponse>();
  private cursor: number;
  private open: Position[];
  /** `openPositionVersions()` when `open` was read. */
  private openVersions: string;
  private readonly candleSent = new Map<string, number>();
  private readonly pendingPrices = new Set<string>();
  private lastFlushMs = -Infinity;
  private flushTimer: NodeJS.Timeout | null = null;
  private tailQueued = false;
  private polls = 0;
  private lastOkMs: number | null = null;
  private lastError: { message: string; timeMs: number } | null = null;
  private lastFeedState: FeedView['state'];
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(private readonly o: HubOptions) {
    this.cursor = this.latestEventId();
    this.openVersions = o.store.openPositionVersions();
    this.open = o.store.openPositions();
    for (const p of this.open) o.book.learn(p);
    for (const s of o.book.candleSymbols) this.candleSent.set(s, this.latestCandleOpen(s));
    this.lastFeedState = this.feed().state;
    this.timers.push(
      setInterval(() => this.tail(), o.pollMs),
      setInterval(() => this.guard('heartbeat', () => this.heartbeat()), HEARTBEAT_MS),
      setInterval(
        () =>
          this.guard('feed', () => {
            this.o.runs.refresh(); // the run's heartbeat and end, once a second
            this.checkFeed();
          }),
        1000,
      ),
    );
    for (const t of this.timers) t.unref();
  }

  // ---- DashboardFeed (the bot side): called from the trading loop, so none of them may throw ----

  pushPrice(symbol: string, price: number, timeMs: number): void {
    this.guard('price', () => {
      this.o.book.setFeedPrice(symbol, price, timeMs);
      this.pendingPrices.add(symbol);
      if (this.flushTimer) return;
      const wait = Math.max(0, this.lastFlushMs + this.o.priceThrottleMs - this.o.now());
      this.flushTimer = setTimeout(() => this.guard('prices', () => this.flushPrices()), wait);
    });
  }

  feedOk(timeMs: number): void {
    this.lastOkMs = timeMs;
    this.guard('feed', () => this.checkFeed());
  }

  feedError(message: string, timeMs: number): void {
    this.lastError = { message, timeMs };
  }

  notify(): void {
    if (this.tailQueued) return;
    this.tailQueued = true;
    setImmediate(() => {
      this.tailQueued = false;
      this.tail();
    });
  }

  // ---- the page side ----

  feed(): FeedView {
    const error = this.lastError && (this.lastOkMs === null || this.lastError.timeMs > this.lastOkMs) ? this.lastError.message : null;
    // The store's latest run says so: its data ran out, or the bot stopped (or went silent).
    const ended = this.o.runs.ended();
    if (ended) return { state: 'ended', lastOkMs: this.lastOkMs, lastError: error, ended };
    if (this.o.mode === 'standalone') return { state: 'standalone', lastOkMs: null, lastError: null, ended: null };
    const fresh = this.lastOkMs !== null && this.o.now() - this.lastOkMs <= this.o.feedStaleMs;
    return { state: fresh ? 'live' : 'down', lastOkMs: this.lastOkMs, lastError: error, ended: null };
  }

  positions(): PositionsResponse {
    return {
      positions: this.open.map((p) => positionCard(p, this.o.book.lastPrice(p.symbol), this.o.runs.leverageOf(p.id))),
      symbols: this.o.book.all(),
      feed: this.feed(),
      lastEventId: this.cursor,
      serverTimeMs: this.o.now(),
    };
  }

  /** Registers a page's event stream: the retry delay, then a full snapshot; updates follow. */
  attach(res: ServerResponse): void {
    const snapshot = this.positions(); // before the 200: a throw here can still be answered as a 500
    // A page that goes away mid-write must not become an unhandled 'error' event (it would end the process).
    res.on('error', (e) => {
      this.clients.delete(res);
      this.o.onError('stream', e);
    });
    res.on('close', () => this.clients.delete(res));
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
    this.clients.add(res);
    this.write(res, 'retry: 1500\n\n');
    this.send(res, 'positions', snapshot);
  }

  close(): void {
    for (const t of this.timers) clearInterval(t);
    if (this.flushTimer) clearTimeout(this.flushTimer);
    for (const c of this.clients) this.guard('stream', () => c.end());
    this.clients.clear();
  }

  // ---- internals ----

  private latestEventId(): number {
    // Events are read forward from a cursor; jump to the newest in pages.
    let id = 0;
    for (;;) {
      const page = this.o.store.events({ afterId: id, limit: 5000 });
      if (page.length === 0) return id;
      id = page.at(-1)!.id;
    }
  }

  private latestCandleOpen(symbol: string): number {
    const tf = this.o.book.timeframeOf(symbol);
    if (tf === null) return -Infinity;
    return this.o.store.candles(symbol, tf, { limit: 1, newest: true })[0]?.openTimeMs ?? -Infinity;
  }

  /** New events and candles since the last look; pushes them and the positions they changed. */
  private tail(): void {
    try {
      const events = this.o.store.events({ afterId: this.cursor, limit: 1000 });
      // A position saved without an event changes too (funding booked, a fee learnt): its version says so.
      const versions = this.o.store.openPositionVersions();
      if (events.length || versions !== this.openVersions) {
        this.openVersions = versions;
        this.open = this.o.store.openPositions();
        for (const p of this.open) this.o.book.learn(p);
        if (events.length) this.cursor = events.at(-1)!.id;
        for (const e of events) this.broadcast('event', eventMessage(e.id, e.event));
        this.broadcast('positions', this.positions());
        if (events.length === 1000) this.notify(); // more to read
      }
      if (++this.polls % DISCOVER_EVERY === 0 || events.length) this.o.book.refreshCandles();
      this.tailCandles();
    } catch (e) {
      this.o.onError('tail', e);
    }
  }

  private tailCandles(): void {
    for (const symbol of this.o.book.candleSymbols) {
      const tf = this.o.book.timeframeOf(symbol)!;
      const sent = this.candleSent.get(symbol) ?? -Infinity;
      const fresh = this.o.store.candles(symbol, tf, { fromMs: Number.isFinite(sent) ? sent + 1 : undefined, limit: 500, newest: !Number.isFinite(sent) });
      if (fresh.length === 0) continue;
      this.candleSent.set(symbol, fresh.at(-1)!.openTimeMs);
      for (const c of fresh) this.broadcast('candle', { symbol, timeframeMs: tf, t: c.openTimeMs, o: c.open, h: c.high, l: c.low, c: c.close });
    }
  }

  private flushPrices(): void {
    this.flushTimer = null;
    this.lastFlushMs = this.o.now();
    const symbols = [...this.pendingPrices];
    this.pendingPrices.clear();
    const prices = symbols.flatMap((s) => {
      const p = this.o.book.lastPrice(s);
      return p ? [{ symbol: s, price: p.price, timeMs: p.timeMs }] : [];
    });
    this.broadcast('prices', { prices });
    if (this.open.some((p) => symbols.includes(p.symbol))) this.broadcast('positions', this.positions());
  }

  private checkFeed(): void {
    const f = this.feed();
    if (f.state === this.lastFeedState) return;
    this.lastFeedState = f.state;
    this.broadcast('feed', f);
  }

  private heartbeat(): void {
    for (const c of this.clients) this.write(c, ': ping\n\n');
  }

  private broadcast<K extends keyof StreamMessages>(name: K, data: StreamMessages[K]): void {
    if (this.clients.size === 0) return;
    const frame = `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const c of this.clients) this.write(c, frame);
  }

  private send<K extends keyof StreamMessages>(res: ServerResponse, name: K, data: StreamMessages[K]): void {
    this.write(res, `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  /** One stream write; a client whose write throws, or that does not read what it was sent, is dropped; the others still get theirs. */
  private write(res: ServerResponse, frame: string): void {
    try {
      if (res.destroyed || res.writableEnded) return;
      if (res.writableLength + frame.length > (this.o.maxBacklogBytes ?? STREAM_BACKLOG_BYTES)) {
        this.clients.delete(res);
        this.o.onError('stream', new Error(`a page's stream dropped: ${res.writableLength} bytes sent to it are still unread`));
        res.destroy();
        return;
      }
      res.write(frame);
    } catch (e) {
      this.clients.delete(res);
      this.o.onError('stream', e);
      res.destroy();
    }
  }

  /** Runs `f`, reporting instead of throwing: timers and the bot's feed calls must never throw. */
  private guard(where: string, f: () => void): void {
    try {
      f();
    } catch (e) {
      this.o.onError(where, e);
    }
  }
}

const eventMessage = (id: number, e: DomainEvent): StreamMessages['event'] => ({ id, type: e.type, symbol: e.symbol, positionId: e.positionId, timeMs: e.timeMs });
