import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { checkStrategyLoads } from '../check-strategy.ts';
import { CliError } from '../cli-error.ts';
import { demoLine } from '../demo-printer.ts';
import { readConfig } from '../read-config.ts';
import { parsePort } from './dashboard.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const DEMO_DATA = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT'].map((s) => join(ROOT, 'data/candles', `${s}-1h.csv`));
const DEMO_MARKETS = join(ROOT, 'data/markets/binance-usdm-excerpt.json');

interface DemoOptions {
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
 */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('offline demo: simulator replaying shipped Binance candles + the bot trading on it (no keys, no network)')
    .option('--config <file>', 'config to trade with', join(ROOT, 'examples/demo.config.json'))
    .option('--speed <x>', 'replayed candles per second', '6')
    .option('--db <file>', 'SQLite store (default: a fresh file in the temp directory)')
    .option('--duration <s>', 'stop after this many seconds (default: run until Ctrl-C)')
    .option('--port <port>', 'dashboard port on 127.0.0.1 (any free port if taken; 0 = any)', '8080')
    .option('--no-dashboard', 'do not start the web dashboard')
    .action(async (o: DemoOptions) => {
      const cfg = await readConfig(o.config);
      if (!cfg.ok) throw new CliError(`${o.config}: invalid config`);
      await checkStrategyLoads(cfg.value, o.config);
      const port = parsePort(o.port);
      const speed = Number(o.speed);
      if (!(speed > 0)) throw new CliError(`--speed: must be a positive number of candles per second, got ${o.speed}`);
      const [{ startSimulator }, { ccxtForSimulator }, { CcxtExchange }, { createLogger }, { runBot, untilSignal }] = await Promise.all([
        import('../../sim/simulator.ts'),
        import('../../sim/ccxt-client.ts'),
        import('../../exchange/ccxt/ccxt-exchange.ts'),
        import('../../bot/logger.ts'),
        import('../run-bot.ts'),
      ]);
      const log = createLogger(process.env['LADDER_LOG_LEVEL'] ?? 'warn');
      const sim = await startSimulator({ port: 0, dataFiles: DEMO_DATA, marketsFile: DEMO_MARKETS, speed, warmupCandles: 100, seed: 1, rateLimits: { weightPerMinute: 1_000_000, ordersPerMinute: 1_000_000, ordersPer10s: 1_000_000 } });
      const client = ccxtForSimulator(sim.url, { apiKey: sim.apiKey, secret: sim.apiSecret });
      client.enableRateLimit = false; // our own simulator in this process: no need to pace requests
      const dbPath = o.db ?? join(mkdtempSync(join(tmpdir(), 'ladder-demo-')), 'demo.db');
      const out = (s: string) => process.stdout.write(`${s}\n`);
      out(`Ladder demo: the simulator replays 12 weeks of real Binance 1h candles (BTC, ETH, SOL) at ${speed} candles/s;`);
      out(`the bot trades them with a scaled take-profit ladder, exactly as it would on Binance. Store: ${dbPath}`);
      out(`Simulator: ${sim.url} (try: curl ${sim.url}/_sim/state). Ctrl-C to stop.\n`);
      const stop = o.duration ? Promise.race([untilSignal(), new Promise<void>((r) => setTimeout(r, Number(o.duration) * 1000))]) : untilSignal();
      // The replay runs out after 12 weeks of candles: the run's feed is recorded as ended (the dashboard says so).
      let replayTimer: NodeJS.Timeout | undefined;
      const dataEnded = new Promise<string>((resolve) => {
        replayTimer = setInterval(() => {
          const r = sim.admin.replay();
          if (!r.ended) return;
          clearInterval(replayTimer);
          const detail = `the demo's data ended at ${new Date(r.timeMs).toISOString()}: prices no longer move`;
          out(`\n${detail}. Ctrl-C to stop.`);
          resolve(detail);
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
          ...(o.dashboard
            ? { dashboard: { host: '127.0.0.1', port, anyPortIfTaken: true, onStarted: (d: { url: string; tokenRequired: boolean }) => out(`Dashboard: ${d.url}${d.tokenRequired ? ' (add ?token=<LADDER_DASHBOARD_TOKEN>)' : ' (open it in a browser)'}\n`) } }
            : {}),
          onEvent: (e) => {
            const line = demoLine(e);
            if (line) out(line);
          },
        });
      } finally {
        clearInterval(replayTimer);
        await sim.close();
        out('\ndemo stopped: simulator closed, store closed.');
      }
    });
}
