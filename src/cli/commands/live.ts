import type { Command } from 'commander';
import { CliError, checkExchangeUrlOption, parseManageOption, parsePollMsOption } from '../cli-error.ts';
import { checkStrategyLoads } from '../check-strategy.ts';
import { type LogFlags, addLogOptions, createRunLogger, resolveLogFormat, stdoutPrinter } from '../log-output.ts';
import { readConfig } from '../read-config.ts';
import { readCredentials } from '../secrets.ts';

interface LiveOptions extends LogFlags {
  config: string;
  db?: string;
  exchangeUrl?: string;
  confirmLive?: boolean;
  pollMs: string;
  dashboard: boolean;
  manage?: string[] | true;
  webhook?: boolean;
}

export function registerLiveCommand(program: Command): void {
  const live = program
    .command('live')
    .description('Trade for real: reduce-only scaled exits, exchange stops, restart-safe state (needs API keys and --confirm-live)')
    .option('--config <file>', 'config.json to use', 'config.json')
    .option('--db <file>', 'SQLite store (default: store.path of the config)')
    .option('--exchange-url <url>', 'a Binance-compatible server instead of Binance (e.g. the simulator: http://127.0.0.1:18080)')
    .option('--confirm-live', 'required: you mean to place real orders with real money')
    .option('--poll-ms <ms>', 'polling interval', '1000')
    .option('--no-dashboard', 'do not start the web dashboard (dashboard.host/port of the config)')
    .option('--manage [symbols...]', 'adopt positions opened by hand on these symbols (all configured symbols when none is named): ladder, stop and TPs')
    .option('--webhook', 'accept entry and close signals (TradingView alerts) on config.webhook; secret in LADDER_WEBHOOK_SECRET (docs/webhook.md)');
  addLogOptions(live).action(async (o: LiveOptions) => {
      const creds = readCredentials();
      if (!creds) throw new CliError('live trading needs API keys: set LADDER_API_KEY and LADDER_API_SECRET in the environment or in .env (never in config.json)');
      if (!o.confirmLive) throw new CliError('live trading places real orders: add --confirm-live to confirm (try `ladder paper` or the simulator first)');
      const pollMs = parsePollMsOption(o.pollMs);
      checkExchangeUrlOption(o.exchangeUrl);
      const cfg = await readConfig(o.config);
      if (!cfg.ok) throw new CliError(`${o.config}: invalid config`);
      const manage = parseManageOption(o.manage, cfg.value.symbols);
      await checkStrategyLoads(cfg.value, o.config);
      // Loaded on use: ccxt alone takes about a second to import, which other commands should not pay.
      const format = resolveLogFormat(o.logFormat, process.stdout.isTTY === true);
      const [{ connectExchange }, { runBot, untilSignal }] = await Promise.all([import('../../exchange/connect.ts'), import('../run-bot.ts')]);
      const print = stdoutPrinter();
      const log = createRunLogger({ format, file: o.logFile ?? null, level: process.env['LADDER_LOG_LEVEL'] ?? 'info', print, jsonIsTTY: process.stderr.isTTY === true });
      const exchange = connectExchange(cfg.value, creds, o.exchangeUrl);
      log.info({ mode: 'live', exchange: o.exchangeUrl ?? cfg.value.exchange.id, testnet: cfg.value.exchange.testnet, symbols: cfg.value.symbols }, 'ladder.start');
      await runBot({ config: cfg.value, configPath: o.config, exchange, dbPath: o.db ?? cfg.value.store.path, pollMs, log, ...(manage ? { manage } : {}), ...(o.webhook ? { webhook: true } : {}), until: untilSignal(),
        summary: { exchangeUrl: o.exchangeUrl ?? null, logFile: o.logFile ?? null, print },
        ...(o.dashboard ? { dashboard: { host: cfg.value.dashboard.host, port: cfg.value.dashboard.port, anyPortIfTaken: true, onStarted: (d: { url: string }) => log.info({ url: d.url }, 'dashboard.started') } } : {}),
      });
    });
}
