import { createServer } from 'node:http';
import { loadCandles } from '../data/index.ts';
import type { AddressInfo } from 'node:net';
import { ACCOUNT_ROUTES } from './account-routes.ts';
import { Account } from './account.ts';
import { type RequestLogEntry, SimAdmin } from './admin.ts';
import { Engine } from './engine.ts';
import { type FaultFile, Faults } from './faults.ts';
import { Clearances } from './clearance.ts';
import { Funding } from './funding.ts';
import { type FundingRates, FundingFileError, loadFundingRates } from '../data/funding-rates.ts';
import { HttpPipeline, sendJson } from './http-server.ts';
import { ListenKeys } from './listen-keys.ts';
import { MARKET_ROUTES } from './market-routes.ts';
import { loadMarkets } from './markets.ts';
import { PriceFeed } from './price-feed.ts';
import { type RateLimitConfig, RateLimiter, exchangeInfoRateLimits } from './rate-limit.ts';
import type { RestContext } from './routes.ts';
import { TRADE_ROUTES } from './trade-routes.ts';
import { StreamHub } from './ws-streams.ts';

export interface SimulatorOptions {
  /** TCP port; 0 (default) picks a free one. */
  readonly port?: number;
  /** Interface to bind (default 127.0.0.1). */
  readonly host?: string;
  /** Binance exchangeInfo JSON (or ccxt markets JSON); default: the shared real snapshot. */
  readonly marketsFile?: string;
  /** Candle files to replay, one symbol each (`BTCUSDT-1h.csv`). Without them prices are a seeded random walk. */
  readonly dataFiles?: readonly string[];
  /**
   * Funding rates (`--funding`), one entry per symbol: a Binance fundingRate archive file (`BTCUSDT-fundingRate.csv`,
   * monthly `.zip`), several files of one symbol, or a directory of them (read by src/data/funding-rates.ts).
   */
  readonly fundingFiles?: ReadonlyArray<string | readonly string[]>;
  /** Candles per second of wall time; 0 (default in-process) = prices move only by admin steps. */
  readonly speed?: number;
  readonly seed?: number;
  /** Fault file path, or the same content inline. */
  readonly faultsFile?: string;
  readonly faults?: FaultFile;
  /** Starting USDT wallet balance (default 10000). */
  readonly balance?: number;
  readonly apiKey?: string;
  readonly apiSecret?: string;
  readonly takerFeePct?: number;
  readonly makerFeePct?: number;
  readonly slippagePct?: number;
  /** Candle interval of the random walk (default 1 h); replayed files bring their own. */
  readonly intervalMs?: number;
  readonly startMs?: number;
  readonly warmupCandles?: number;
  readonly rateLimits?: Partial<RateLimitConfig>;
  /** One line per handled request (the CLI passes its logger). */
  readonly log?: (line: string) => void;
}

export interface Simulator {
  /** REST base, e.g. `http://127.0.0.1:18080`. */
  readonly url: string;
  /** Websocket base on the same port, e.g. `ws://127.0.0.1:18080`. */
  readonly wsUrl: string;
  readonly port: number;
  readonly apiKey: string;
  readonly apiSecret: string;
  /** Where the exchange information was read from. */
  readonly marketsSource: string;
  readonly admin: SimAdmin;
  close(): Promise<void>;
}

export const DEFAULT_API_KEY = 'sim-api-key';
export const DEFAULT_API_SECRET = 'sim-api-secret';

/** Starts a Binance USDⓈ-M compatible exchange (REST + websocket on one port). */
export async function startSimulator(opts: SimulatorOptions = {}): Promise<Simulator> {
  const seed = opts.seed ?? 1;
  const markets = loadMarkets(opts.marketsFile);
  const series = await Promise.all((opts.dataFiles ?? []).map((f) => loadCandles(f)));
  const feed = new PriceFeed({
    rules: markets.rules, series, seed, speed: opts.speed ?? 0,
    intervalMs: opts.intervalMs, startMs: opts.startMs, warmupCandles: opts.warmupCandles,
  });
  const fees = { takerFeePct: opts.takerFeePct ?? 0.05, makerFeePct: opts.makerFeePct ?? 0.02 };
  const faults = new Faults(seed);
  const engine = new Engine(markets.rules, feed, new Account(opts.balance ?? 10_000), {
    ...fees,
    slippagePct: opts.slippagePct ?? 0,
    triggerFillRatio: () => faults.forTrigger(),
    restingFillRatio: () => faults.forRest(),
    stickTrigger: () => faults.forStuckTrigger(),
    holdStuckTriggers: () => faults.holdsTriggers(),
  });
  const funding = new Funding(engine);
  const clearances = new Clearances(engine);
  for (const [symbol, rates] of await loadFunding(opts.fundingFiles ?? [], markets.rules)) funding.load(symbol, rates);
  feed.attach(engine);
  if (opts.faultsFile) faults.loadFile(opts.faultsFile);
  if (opts.faults) faults.load(opts.faults);
  const limiter = new RateLimiter(opts.rateLimits ?? {}, () => Date.now());
  const listenKeys = new ListenKeys(seed);
  const streams = new StreamHub({ engine, feed, listenKeys, faults, funding });
  const requests: RequestLogEntry[] = [];
  const wallNowMs = (): number => Date.now() + faults.clockSkewMs;
  // rateLimits: the limits this simulator enforces (configurable), not the snapshot's.
  const infoTemplate = JSON.stringify({ ...markets.info, rateLimits: '@rateLimits', serverTime: 0 });
  const ctx: RestContext = {
    engine, feed, listenKeys, fees, wallNowMs, funding, clearances,
    exchangeInfoText: () =>
      infoTemplate.replace('"serverTime":0', `"serverTime":${wallNowMs()}`).replace('"@rateLimits"', JSON.stringify(exchangeInfoRateLimits(limiter.limits))),
  };
  const admin = new SimAdmin({ engine, feed, faults, limiter, streams, requests, wallNowMs, funding, clearances });
  const creds = { apiKey: opts.apiKey ?? DEFAULT_API_KEY, apiSecret: opts.apiSecret ?? DEFAULT_API_SECRET };
  const pipeline = new HttpPipeline({ routes: [...MARKET_ROUTES, ...ACCOUNT_ROUTES, ...TRADE_ROUTES], ctx, creds, faults, limiter, admin, requests, log: opts.log });

  const server = createServer((req, res) => {
    pipeline.handle(req, res).catch((e: unknown) => {
      opts.log?.(`internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      sendJson(res, 500, { code: -1000, msg: `Simulator internal error: ${e instanceof Error ? e.message : String(e)}` }, {});
    });
  });
  server.on('upgrade', (req, socket, head) => streams.handleUpgrade(req, socket, head));
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  feed.start();
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}`,
    wsUrl: `ws://${urlHost}:${port}`,
    port,
    apiKey: creds.apiKey,
    apiSecret: creds.apiSecret,
    marketsSource: markets.source,
    admin,
    close: async () => {
      feed.stop();
      streams.close();
      pipeline.destroyHanging();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Reads `--funding`: each entry one symbol's rates, its symbol from the file name, a symbol the exchange
 * information lists, one entry per symbol. Every problem is one line starting with `--funding:`.
 */
async function loadFunding(entries: ReadonlyArray<string | readonly string[]>, rules: ReadonlyMap<string, unknown>): Promise<Map<string, FundingRates>> {
  const out = new Map<string, FundingRates>();
  for (const entry of entries) {
    const f = await loadFundingRates(entry).catch((e: unknown) => {
      throw e instanceof FundingFileError ? new Error(`--funding: ${e.message}`) : e;
    });
    const name = typeof entry === 'string' ? entry : entry.join(',');
    if (f.symbol === undefined) throw new Error(`--funding: ${name}: cannot tell its symbol from the name; name it like BTCUSDT-fundingRate.csv (Binance's archive name)`);
    if (!rules.has(f.symbol)) throw new Error(`--funding: ${name}: ${f.symbol} is not in the exchange information`);
    if (out.has(f.symbol)) throw new Error(`--funding: two entries for ${f.symbol} (${name} is the second): one per symbol; several files of it (months) go in one directory, given as one entry`);
    out.set(f.symbol, f);
  }
  return out;
}
