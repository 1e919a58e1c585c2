import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { CliError, checkExchangeUrlOption, parseManageOption, parsePollMsOption } from '../cli-error.ts';
import { checkStrategyLoads } from '../check-strategy.ts';
import { type LogFlags, addLogOptions, createRunLogger, resolveLogFormat, stdoutPrinter } from '../log-output.ts';
import { readConfig } from '../read-config.ts';

interface PaperCliOptions extends LogFlags {
  config: string;
  db?: string;
  exchangeUrl?: string;
  balance: string;
  pollMs: string;
  dashboard: boolean;
  manage?: string[] | true;
  webhook?: boolean;
}

/**
 * `ladder paper`: the bot on live public prices with simulated fills (the backtest's fee and slippage
 * model). No keys. The paper account is kept beside the store (`<db>.paper.json`) so a restart resumes.
 */
export function registerPaperCommand(program: Command): void {
  const paper = program
    .command('paper')
    .description('paper trading: live public prices, simulated fills, no keys')
    .option('--config <file>', 'config.json to use', 'config.json')
    .option('--db <file>', 'SQLite store (default: store.path of the config)')
    .option('--exchange-url <url>', 'take market data from a Binance-compatible server (e.g. the simulator) instead of Binance')
    .option('--balance <usdt>', 'starting paper balance (a new paper account only)', '10000')
    .option('--poll-ms <ms>', 'polling interval', '1000')
    .option('--no-dashboard', 'do not start the web dashboard (dashboard.host/port of the config)')
    .option('--manage [symbols...]', 'adopt positions opened by hand on these symbols (all configured symbols when none is named): ladder, stop and TPs')
    .option('--webhook', 'accept entry and close signals (TradingView alerts) on config.webhook; secret in LADDER_WEBHOOK_SECRET (docs/webhook.md)');
  addLogOptions(paper).action(async (o: PaperCliOptions, cmd: Command) => {
      const cfg = await readConfig(o.config);
      if (!cfg.ok) throw new CliError(`${o.config}: invalid config`);
      const manage = parseManageOption(o.manage, cfg.value.symbols);
      await checkStrategyLoads(cfg.value, o.config);
      const pollMs = parsePollMsOption(o.pollMs);
      checkExchangeUrlOption(o.exchangeUrl);
      const balance = Number(o.balance);
      // Finite too: 1e400 (Infinity) opened an account of Infinity USDT, saved to its file as null.
      if (!(balance > 0 && Number.isFinite(balance))) throw new CliError(`--balance: must be a positive amount, got ${o.balance}`);
      const format = resolveLogFormat(o.logFormat, process.stdout.isTTY === true);
      const [{ connectExchange }, { PaperExchange }, { fillModelFromConfig }, { runBot, untilSignal }] = await Promise.all([
        import('../../exchange/connect.ts'),
        import('../../exchange/paper/paper-exchange.ts'),
        import('../../core/scaled-tp/from-config.ts'),
        import('../run-bot.ts'),
      ]);
      const print = stdoutPrinter();
      const log = createRunLogger({ format, file: o.logFile ?? null, level: process.env['LADDER_LOG_LEVEL'] ?? 'info', print, jsonIsTTY: process.stderr.isTTY === true });
      const dbPath = o.db ?? cfg.value.store.path;
      const statePath = `${dbPath}.paper.json`;
      const accountExists = existsSync(statePath);
      const exchange = new PaperExchange({
        source: connectExchange(cfg.value, null, o.exchangeUrl), fills: fillModelFromConfig(cfg.value), balance, statePath, now: Date.now,
        intrabar: cfg.value.backtest.intrabar,
        // Missed 1m candles replayed over the paper orders after a restart or an outage: said, and loud when incomplete.
        onNote: ({ kind, ...fields }) => (kind === 'caught_up' || kind === 'funding' ? log.info(fields, `paper.${kind}`) : log.warn(fields, `paper.${kind}`)),
      });
      log.info({ mode: 'paper', marketData: o.exchangeUrl ?? cfg.value.exchange.id, symbols: cfg.value.symbols, db: dbPath }, 'ladder.start');
      // --balance starts a new account only: said when given to an existing one, which carries on as it is.
      if (cmd.getOptionValueSource('balance') === 'cli' && accountExists) log.warn({ balance, paperAccount: statePath }, 'paper.balance_ignored');
      await runBot({ config: cfg.value, configPath: o.config, exchange, mode: 'paper', dbPath, pollMs, log, ...(manage ? { manage } : {}), ...(o.webhook ? { webhook: true } : {}), until: untilSignal(),
        summary: { exchangeUrl: o.exchangeUrl ?? null, logFile: o.logFile ?? null, print },
        ...(o.dashboard ? { dashboard: { host: cfg.value.dashboard.host, port: cfg.value.dashboard.port, anyPortIfTaken: true, onStarted: (d: { url: string }) => log.info({ url: d.url }, 'dashboard.started') } } : {}),
      });
    });
}

