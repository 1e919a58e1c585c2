import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type SimExchange, type Simulator, type SimulatorOptions, ccxtForSimulator, startSimulator } from '../../src/sim/index.ts';

/** ccxt's symbol for Binance's BTCUSDT perpetual. */
export const BTC = 'BTC/USDT:USDT';
export const REPO = fileURLToPath(new URL('../../', import.meta.url));
/** Real Binance spot klines (README of ../shared/data); CI has `shared/` beside the checkout. */
export const BTC_1H = path.resolve(REPO, '../shared/data/binance-spot-klines/BTCUSDT-1h.csv');

/** The simulator's admin routes over HTTP (`/_sim/...`): the test harness side, never the client's. */
export class AdminClient {
  constructor(private readonly url: string) {}

  async call<T = Record<string, unknown>>(method: string, name: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.url}/_sim/${name}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await res.json()) as T;
    if (!res.ok) throw new Error(`admin ${method} ${name}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  }

  state(): Promise<SimState> {
    return this.call<SimState>('GET', 'state');
  }

  setPrice(symbol: string, price: string, gap = false): Promise<unknown> {
    return this.call('POST', 'price', { symbol, price, gap });
  }

  faults(rules: unknown): Promise<unknown> {
    return this.call('POST', 'faults', rules);
  }
}

export interface SimState {
  timeMs: number;
  balance: { wallet: number; available: number };
  positions: Array<{ symbol: string; positionAmt: string; entryPrice: number }>;
  openOrders: Array<Record<string, unknown>>;
  openAlgoOrders: Array<Record<string, unknown>>;
  orders: Array<Record<string, unknown>>;
  algoOrders: Array<Record<string, unknown>>;
  fills: Array<{ clientOrderId: string; side: string; price: string; qty: string; commission: number; realizedPnl: number; maker: boolean; positionAfter: string }>;
  prices: Record<string, string>;
  websockets: { user: number; market: number };
}

export interface Harness {
  readonly sim: Simulator;
  readonly ex: SimExchange;
  readonly admin: AdminClient;
  /** Another ccxt client on the same simulator (other credentials, options). */
  client(opts?: Parameters<typeof ccxtForSimulator>[1]): SimExchange;
  close(): Promise<void>;
}

/** ccxt 4.5.84's binanceusdm defaults: a positions snapshot by REST when the user stream starts, no balance snapshot. */
const CCXT_WS_SNAPSHOT_DEFAULTS = {
  watchPositions: { fetchPositionsSnapshot: true, awaitPositionsSnapshot: true },
  watchBalance: { fetchBalanceSnapshot: false, awaitBalanceSnapshot: true },
};

/** A simulator on an ephemeral port (prices frozen unless a test moves them) and a ccxt client on it. */
export async function harness(opts: SimulatorOptions = {}): Promise<Harness> {
  const sim = await startSimulator({ seed: 42, ...opts });
  const clients: SimExchange[] = [];
  const client = (o: Parameters<typeof ccxtForSimulator>[1] = {}): SimExchange => {
    const ex = ccxtForSimulator(sim.url, { apiKey: sim.apiKey, secret: sim.apiSecret, timeout: 3000, ...o });
    clients.push(ex);
    return ex;
  };
  // The simulator serves stock ccxt: its own defaults for the user stream's snapshots (the bot turns them off).
  const ex = client({ options: CCXT_WS_SNAPSHOT_DEFAULTS });
  return {
    sim, ex, admin: new AdminClient(sim.url), client,
    close: async () => {
      for (const c of clients) await c.close();
      await sim.close();
    },
  };
}

/** Polls `cond` until it holds (or fails after `timeoutMs`). */
export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The position amount the exchange holds for BTCUSDT, as text ("0.003", "-0.001", "0"). */
export async function btcPosition(admin: AdminClient): Promise<string> {
  const s = await admin.state();
  return s.positions.find((p) => p.symbol === 'BTCUSDT')?.positionAmt ?? '0';
}
