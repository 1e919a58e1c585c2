import { existsSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { checkStrategyLoads } from '../check-strategy.ts';
import { CliError } from '../cli-error.ts';
import { type LogFlags, addLogOptions, createRunLogger, resolveLogFormat, stdoutPrinter } from '../log-output.ts';
import { readConfig } from '../read-config.ts';
import { parsePort } from './dashboard.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const DEMO_DATA = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT'].map((s) => join(ROOT, 'data/candles', `${s}-1h.csv`));
const DEMO_MARKETS = join(ROOT, 'data/markets/binance-usdm-excerpt.json');
/** The real USDⓈ-M funding settlements of the same 12 weeks (data/funding/README.md): the simulator charges them. */
const DEMO_FUNDING = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT'].map((s) => join(ROOT, 'data/funding', `${s}-fundingRate.csv`));

interface DemoOptions extends LogFlags {
  config: string;
  speed: string;
  db?: string;
  duration?: string;
  port: string;
  dashboard: boolean;
}

/**
 * `ladder demo` (what `npm start` runs): the simulator replaying the shipped real candles, the bot
 * trading on it through ccxt exactly as it would on Binance, a fresh SQLite store. No network, no keys.
 * It prints the start summary, one readable line per event, and ends with the run's summary (trades,
 * win rate, PnL, per-level hits, from the store): when its data runs out it stops by itself, or, with
 * the dashboard, prints the summary and keeps the dashboard up until Ctrl-C.
 */
export function registerDemoCommand(program: Command): void {
  const demo = program
    .command('demo')
    .description('offline demo: simulator replaying shipped Binance candles + the bot trading on it (no keys, no network)')
    .option('--config <file>', 'config to trade with', join(ROOT, 'examples/demo.config.json'))
    .option('--speed <x>', 'replayed candles per second', '6')
    .option('--db <file>', 'SQLite store (default: a fresh file in the temp directory)')
    .option('--duration <s>', 'stop after this many seconds (default: run until Ctrl-C)')
    .option('--port <port>', 'dashboard port on 127.0.0.1 (any free port if taken; 0 = any)', '8080')
    .option('--no-dashboard', 'do not start the web dashboard (then the demo ends by itself when its data runs out)');
  addLogOptions(demo, 'pretty, also when the output is a pipe or a file').action(async (o: DemoOptions) => {
      const cfg = await readConfig(o.config);
      if (!cfg.ok) throw new CliError(`${o.config}: invalid config`);
      await checkStrategyLoads(cfg.value, o.config);
      const port = parsePort(o.port);
      const speed = Number(o.speed);
      if (!(speed > 0)) throw new CliError(`--speed: must be a positive number of candles per second, got ${o.speed}`);
      const durationS = o.duration === undefined ? null : Number(o.duration);
      if (durationS !== null && !(durationS > 0)) throw new CliError(`--duration: must be a positive number of seconds, got ${o.duration}`);
      // The demo is for a person: readable lines unless asked for JSON; JSON warnings still go to stderr when it is
      // captured, and a --log-file gets every event.
      const format = resolveLogFormat(o.logFormat ?? 'pretty', true);
      if (o.db !== undefined) await refuseTradedStore(o.db);
      const [{ startSimulator }, { ccxtForSimulator }, { CcxtExchange }, { runBot, untilSignal }, { openStore }, { runSummaryLines, storeRunSummary }] = await Promise.all([
        import('../../sim/simulator.ts'),
        import('../../sim/ccxt-client.ts'),
        import('../../exchange/ccxt/ccxt-exchange.ts'),
        import('../run-bot.ts'),
        import('../../store/index.ts'),
        import('../run-summary-printer.ts'),
      ]);
      const out = stdoutPrinter();
      const log = createRunLogger({ format, file: o.logFile ?? null, level: process.env['LADDER_LOG_LEVEL'] ?? 'warn', fileLevel: process.env['LADDER_LOG_LEVEL'] ?? 'info', print: out, jsonIsTTY: process.stderr.isTTY === true });
      const sim = await startSimulator({ port: 0, dataFiles: DEMO_DATA, marketsFile: DEMO_MARKETS, fundingFiles: DEMO_FUNDING, speed, warmupCandles: 100, seed: 1, rateLimits: { weightPerMinute: 1_000_000, ordersPerMinute: 1_000_000, ordersPer10s: 1_000_000 } });
      const client = ccxtForSimulator(sim.url, { apiKey: sim.apiKey, secret: sim.apiSecret });
      client.enableRateLimit = false; // our own simulator in this process: no need to pace requests
      const dbPath = o.db ?? join(mkdtempSync(join(tmpdir(), 'ladder-demo-')), 'demo.db');
      out(`Ladder demo: the simulator replays 12 weeks of real Binance 1h candles (BTC, ETH, SOL) at ${speed} candles/s;`);
      out(`the bot trades them with a scaled take-profit ladder, exactly as it would on Binance. Store: ${dbPath}`);
      out(`Simulator: ${sim.url} (try: curl ${sim.url}/_sim/state). Ctrl-C to stop.\n`);
      /** The run's summary from the store (opened beside the running bot when the dashboard keeps it up). */
      const summary = (): string[] => {
        const store = openStore(dbPath);
        try {
          return runSummaryLines(storeRunSummary(store, cfg.value.backtest.starting_balance), 'USDT', dbPath);
        } finally {
          store.close();
        }
      };
      let endedStop: () => void = () => undefined;
      const ended = new Promise<void>((r) => (endedStop = r));
      const stop = Promise.race([untilSignal(), ended, ...(durationS !== null ? [new Promise<void>((r) => setTimeout(r, durationS * 1000).unref())] : [])]);
      // The replay runs out after 12 weeks of candles: the run's feed is recorded as ended (the dashboard
      // says so), the summary is printed; without a dashboard there is nothing left to watch and it stops.
      let replayTimer: NodeJS.Timeout | undefined;
      let endedDetail: string | null = null;
      let summaryShown = false;
      const dataEnded = new Promise<string>((resolve) => {
        replayTimer = setInterval(() => {
          const r = sim.admin.replay();
          if (!r.ended) return;
          clearInterval(replayTimer);
          endedDetail = `the demo's data ended at ${new Date(r.timeMs).toISOString()}: prices no longer move`;
          resolve(endedDetail);
          // A last fill may still be on its way: the bot polls every 50 ms, a second is plenty.
          setTimeout(() => {
            if (!o.dashboard) return endedStop();
            out(`\n${endedDetail}; the dashboard stays up until Ctrl-C.\n`);
            for (const line of summary()) out(line);
            summaryShown = true;
          }, 1000).unref();
        }, 250);
        replayTimer.unref();
      });
      try {
        await runBot({
          config: cfg.value,
          configPath: o.config,
          exchange: new CcxtExchange(client),
          dbPath,
          pollMs: 50,
          log,
          until: stop,
          mode: 'demo',
          dataEnded,
          // An hour of the replay lasts 1/speed s: funding is read as it settles, not once a minute of wall time.
          fundingReadGapMs: 0,
          summary: { exchangeUrl: sim.url, logFile: o.logFile ?? null, print: out },
          ...(o.dashboard
            ? { dashboard: { host: '127.0.0.1', port, anyPortIfTaken: true, onStarted: (d: { url: string; tokenRequired: boolean }) => out(`Dashboard: ${d.url}${d.tokenRequired ? ' (add ?token=<LADDER_DASHBOARD_TOKEN>)' : ' (open it in a browser)'}\n`) } }
            : {}),
        });
      } finally {
        clearInterval(replayTimer);
        await sim.close();
      }
      // Its last lines are the summary (printed already when the data ended under the dashboard).
      out(`\ndemo stopped${endedDetail && !summaryShown ? ` (${endedDetail})` : ''}: simulator closed, store closed.${summaryShown ? ' The summary is above.' : '\n'}`);
      if (!summaryShown) for (const line of summary()) out(line);
    });
}

/**
 * A --db store an earlier run traded in is refused: the demo replays the same candles on a fresh
 * simulator, so the replayed signals carry the ids of the positions stored (taken as already entered,
 * not traded) and the summary, read from the store, would count the earlier trades as this run's.
 */
async function refuseTradedStore(db: string): Promise<void> {
  // An empty file (mktemp, touch) is a fresh store, as it was before this check: nothing in it to refuse.
  if (!existsSync(db) || (statSync(db).isFile() && statSync(db).size === 0)) return;
  const { openStore } = await import('../../store/index.ts');
  const store = openStore(db, { existingStore: true }); // another kind of file is refused, not made a store
  try {
    const trades = store.historyIndex().ids.length;
    if (trades > 0) throw new CliError(`--db: ${db} holds an earlier run's trades (${trades}): the demo replays the same candles on a fresh simulator, so their signals would be taken as already entered and the summary would count them; give a new file, or leave out --db for a fresh one`);
  } finally {
    store.close();
  }
}
