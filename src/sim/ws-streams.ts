import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import { assertNever } from '../core/result.ts';
import type { Engine, EngineEvent } from './engine.ts';
import type { Faults } from './faults.ts';
import type { Funding } from './funding.ts';
import type { ListenKeys } from './listen-keys.ts';
import { marketEvent, splitStream } from './market-events.ts';
import type { PriceFeed } from './price-feed.ts';
import type { TickCandle } from './tape.ts';
import { accountUpdate, algoUpdate, fundingAccountUpdate, orderTradeUpdate } from './wire.ts';

interface Conn {
  readonly ws: WebSocket;
  readonly kind: 'user' | 'market';
  /** Combined-stream connections wrap payloads as `{ stream, data }`. */
  readonly combined: boolean;
  readonly streams: Set<string>;
  readonly listenKey?: string;
}

export interface StreamDeps {
  readonly engine: Engine;
  readonly feed: PriceFeed;
  readonly listenKeys: ListenKeys;
  readonly faults: Faults;
  readonly funding: Funding;
}

/**
 * Binance USDⓈ-M websocket endpoints on the simulator's port. Market streams: `/ws/<stream>`,
 * `/stream?streams=a/b`, and ccxt's `/market/ws/<n>` and `/public/ws/<n>` with SUBSCRIBE /
 * UNSUBSCRIBE / LIST_SUBSCRIPTIONS messages. User data: `/private/ws?listenKey=K` (ccxt 4.5.84),
 * `/ws/<listenKey>` (classic), carrying ORDER_TRADE_UPDATE, ALGO_UPDATE and ACCOUNT_UPDATE.
 */
export class StreamHub {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly conns = new Set<Conn>();

  constructor(private readonly deps: StreamDeps) {
    deps.engine.onEvent((e) => this.onEngineEvent(e));
    deps.funding.onCharge((c) => this.toUsers(fundingAccountUpdate(deps.engine, deps.engine.rulesOf(c.symbol), c.amount, c.timeMs)));
    deps.feed.addListener({
      onPrice: (symbol) => this.onMarket(symbol),
      onCandleClose: (symbol, candle) => this.onMarket(symbol, candle),
    });
    deps.listenKeys.onClosed((key) => {
      for (const c of this.conns) if (c.listenKey === key) c.ws.close(1000, 'listenKey closed');
    });
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://sim');
    const parts = url.pathname.split('/').filter((x) => x !== '');
    const wsAt = parts.findIndex((x) => x === 'ws' || x === 'stream');
    if (wsAt < 0) {
      socket.destroy();
      return;
    }
    const tail = parts.slice(wsAt + 1).join('/');
    const keyParam = url.searchParams.get('listenKey') ?? (this.deps.listenKeys.isValid(tail) ? tail : undefined);
    if (keyParam !== undefined || parts[0] === 'private') {
      if (!keyParam || !this.deps.listenKeys.isValid(keyParam)) {
        socket.write('HTTP/1.1 400 Bad Request\r\n\r\n');
        socket.destroy();
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.add({ ws, kind: 'user', combined: false, streams: new Set(), listenKey: keyParam }));
      return;
    }
    const combined = parts[wsAt] === 'stream';
    const initial = combined ? (url.searchParams.get('streams') ?? '').split('/') : tail.includes('@') ? tail.split('/') : [];
    const streams = new Set(initial.filter((s) => s !== '').map((s) => s.toLowerCase()));
    this.wss.handleUpgrade(req, socket, head, (ws) => this.add({ ws, kind: 'market', combined, streams }));
  }

  /** Drops every connection of `target` at once (admin `POST /_sim/ws/disconnect`). */
  disconnect(target: 'user' | 'market' | 'all'): number {
    let n = 0;
    for (const c of [...this.conns]) {
      if (target !== 'all' && c.kind !== target) continue;
      c.ws.terminate();
      n++;
    }
    return n;
  }

  counts(): { user: number; market: number } {
    let user = 0;
    for (const c of this.conns) if (c.kind === 'user') user++;
    return { user, market: this.conns.size - user };
  }

  close(): void {
    for (const c of this.conns) c.ws.terminate();
    this.conns.clear();
    this.wss.close();
  }

  private add(c: Conn): void {
    this.conns.add(c);
    c.ws.on('close', () => this.conns.delete(c));
    c.ws.on('error', () => this.conns.delete(c));
    c.ws.on('message', (data) => this.onClientMessage(c, String(data)));
  }

  private onClientMessage(c: Conn, text: string): void {
    let msg: { method?: unknown; params?: unknown; id?: unknown };
    try {
      msg = JSON.parse(text) as typeof msg;
    } catch {
      c.ws.send(JSON.stringify({ error: { code: 3, msg: 'Invalid JSON: expected value at line 1 column 1' }, id: null }));
      return;
    }
    const id = msg.id ?? null;
    const params = Array.isArray(msg.params) ? msg.params.filter((p): p is string => typeof p === 'string') : [];
    switch (msg.method) {
      case 'SUBSCRIBE':
        for (const s of params) c.streams.add(s.toLowerCase());
        c.ws.send(JSON.stringify({ result: null, id }));
        return;
      case 'UNSUBSCRIBE':
        for (const s of params) c.streams.delete(s.toLowerCase());
        c.ws.send(JSON.stringify({ result: null, id }));
        return;
      case 'LIST_SUBSCRIPTIONS':
        c.ws.send(JSON.stringify({ result: [...c.streams], id }));
        return;
      case 'SET_PROPERTY':
      case 'GET_PROPERTY':
        c.ws.send(JSON.stringify({ result: null, id }));
        return;
      default:
        c.ws.send(JSON.stringify({ error: { code: 2, msg: 'Invalid request: unknown method' }, id }));
    }
  }

  private onMarket(symbol: string, closed?: TickCandle): void {
    const r = this.deps.engine.rules.get(symbol);
    if (!r) return;
    const lower = symbol.toLowerCase();
    for (const c of this.conns) {
      if (c.kind !== 'market') continue;
      for (const s of c.streams) {
        const [sym] = splitStream(s);
        if (sym !== lower && sym !== '!markprice') continue;
        const data = marketEvent(s, symbol, r, this.deps.feed, closed);
        if (data !== undefined) this.send(c, c.combined ? { stream: s, data } : data);
      }
    }
  }

  private onEngineEvent(e: EngineEvent): void {
    const users = [...this.conns].filter((c) => c.kind === 'user');
    if (users.length === 0) return;
    const engine = this.deps.engine;
    let payload: unknown;
    switch (e.kind) {
      case 'order':
        payload = orderTradeUpdate(e.order, engine.rulesOf(e.order.symbol), e.execType, e.fill, e.timeMs);
        break;
      case 'algo':
        payload = algoUpdate(e.algo, engine.rulesOf(e.algo.symbol), engine, e.timeMs);
        break;
      case 'account':
        payload = accountUpdate(engine, engine.rulesOf(e.symbol), e.timeMs);
        break;
      default:
        assertNever(e);
    }
    for (const c of users) this.send(c, payload);
  }

  private toUsers(payload: unknown): void {
    for (const c of this.conns) if (c.kind === 'user') this.send(c, payload);
  }

  private send(c: Conn, payload: unknown): void {
    if (c.ws.readyState !== c.ws.OPEN) return;
    if (this.deps.faults.wsDisconnect(c.kind)) {
      c.ws.terminate();
      return;
    }
    c.ws.send(JSON.stringify(payload));
  }
}
