import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import type { Logger } from '../bot/logger.ts';
import { StoppedDuringStart, TradingBot } from '../bot/trading-bot.ts';
import { checkSettleBalances } from '../bot/account-checks.ts';
import { type LadderConfig, type RunFacts, settleAssetsOf, startSummary } from '../core/config/index.ts';
import type { DomainEvent } from '../core/model/commands.ts';
import type { ExchangePort } from '../exchange/port.ts';
import { type RunMode, openStore } from '../store/index.ts';
import type { Dashboard, DashboardOptions } from '../web/server/dashboard-server.ts';
import type { Webhook } from '../web/webhook/index.ts';
import { type BotNotifications, startBotNotifications } from './bot-notifications.ts';
import { CliError } from './cli-error.ts';
import { guardProcess } from './process-guard.ts';
import { type RunRecorder, recordRun } from './run-record.ts';

export interface RunBotOptions {
  readonly config: LadderConfig;
  readonly configPath: string;
  readonly exchange: ExchangePort;
  readonly dbPath: string;
  readonly pollMs: number;
  readonly log: Logger;
  readonly onEvent?: (e: DomainEvent) => void;
  /** Positions opened by hand to adopt: on these symbols, or on all (`true`). */
  readonly manage?: readonly string[] | true;
  /** Resolves when the bot should stop (Ctrl-C, or the caller's own end). */
  readonly until: Promise<void>;
  /** Starts the web dashboard beside the bot (fed its prices and events); `onStarted` gets its URL. */
  readonly dashboard?: Omit<DashboardOptions, 'dbPath' | 'mode' | 'config'> & { readonly onStarted?: (d: Dashboard) => void };
  /** Starts the signal webhook (config.webhook) beside the bot: it stores signals, the loop acts on them. */
  readonly webhook?: boolean;
  /** What runs, for the store's run record (default: `paper` on the paper exchange, else `live`). */
  readonly mode?: RunMode;
  /** Resolves with a sentence when the replayed data ran out (the demo): the run's feed is recorded as ended. */
  readonly dataEnded?: Promise<string>;
  /** The least wall time between two funding reads of a symbol (TradingBot's; the demo's replay runs an hour in a fraction of a second). */
  readonly fundingReadGapMs?: number;
  /** Prints the start summary (startSummary) once the dashboard and the webhook are up, before the bot starts. */
  readonly summary?: Pick<RunFacts, 'exchangeUrl' | 'logFile'> & { readonly print: (line: string) => void };
}

/**
 * Opens the store, starts the bot (reconciling first), runs it until asked to stop, closes cleanly.
 * While it runs, stray rejections and web-caused exceptions are logged and survived (process-guard.ts).
 */
export async function runBot(o: RunBotOptions): Promise<void> {
  let run: RunRecorder | null = null;
  const failedWith = (e: unknown) => (e instanceof Error ? e.message : String(e));
  // An exception that ends the process (process-guard.ts) skips the finally below: the run records it
  // as failed on its way out, so the dashboard says the bot failed and why, not that it went silent.
  const unguard = guardProcess(o.log, undefined, (e) => run?.end('failed', failedWith(e)));
  const store = openStore(o.dbPath);
  // One bot per store: a second one refuses here, naming the first; a killed one's lock is taken over.
  const me = { pid: process.pid, host: hostname(), command: `ladder ${process.argv[2] ?? 'bot'}`, startedAtMs: Date.now() };
  let locked = false;
  let dash: Dashboard | null = null;
  let hook: Webhook | null = null;
  let notify: BotNotifications | null = null;
  let failure: unknown = null;
  try {
    const { tookOverFrom } = store.acquireRunLock(me);
    locked = true;
    if (tookOverFrom) o.log.warn({ pid: tookOverFrom.pid, command: tookOverFrom.command, since: new Date(tookOverFrom.startedAtMs).toISOString() }, 'store.lock_taken_over');
    // What this run trades with, its heartbeat and its end, for the dashboard ([views] 17).
    const mode = o.mode ?? (o.exchange.name.endsWith('(paper)') ? 'paper' : 'live');
    const recorder = recordRun({ store, mode, command: me.command, pid: me.pid, host: me.host, config: o.config, exchange: o.exchange, log: o.log });
    run = recorder;
    void o.dataEnded?.then((detail) => recorder.dataEnded(detail));
    let exchange = o.exchange;
    let onEvent = o.onEvent;
    if (o.dashboard) {
      const [{ startDashboard }, { tapExchange }] = await Promise.all([import('../web/server/dashboard-server.ts'), import('./exchange-tap.ts')]);
      const onError = (where: string, e: unknown) => o.log.error({ where, err: e instanceof Error ? e : { message: String(e) } }, 'dashboard.error');
      const d = await startDashboard({ onError, ...o.dashboard, dbPath: o.dbPath, mode: 'bot', config: o.config });
      dash = d;
      o.dashboard.onStarted?.(d);
      exchange = tapExchange(o.exchange, d.feed);
      onEvent = (e) => {
        o.onEvent?.(e);
        d.feed.notify();
      };
    }
    if (o.webhook) {
      // Before the bot starts: a missing secret or a taken port stops here, before any order; signals
      // arriving during the start-up reconciliation wait in the store for the first step.
      const { startWebhook, WEBHOOK_SECRET_ENV } = await import('../web/webhook/index.ts');
      const secret = webhookSecret(WEBHOOK_SECRET_ENV);
      hook = await startWebhook({ config: o.config, store, secret, log: o.log }).catch((e: unknown) => {
        throw new CliError(`webhook: ${e instanceof Error ? e.message : String(e)}`);
      });
      o.log.info({ url: hook.url, allowIps: o.config.webhook.allow_ips.length ? o.config.webhook.allow_ips : 'any' }, 'webhook.started');
    }
    if (o.summary) {
      const { print, ...facts } = o.summary;
      const balances = await startBalances(o.exchange, o.config, o.log, recorder.startBalance);
      // An empty futures wallet: refused before anything is printed or sent; one empty settle asset of several: said.
      const empty = checkSettleBalances(balances, o.exchange.name, mode === 'paper');
      for (const line of startSummary(o.config, { ...facts, mode, balances, storePath: o.dbPath, dashboardUrl: dash?.url ?? null, webhookUrl: hook?.url ?? null })) print(line);
      for (const asset of empty) {
        o.log.warn({ asset }, 'account.settle_asset_empty');
        print(`warning: the account holds no ${asset}: entries of its ${asset}-settled symbols will be refused for margin until it holds some`);
      }
      print('');
    }
    // Notifications ([operate] 5): the bot's store writes them with its state, its port is watched for an outage.
    notify = await startBotNotifications({ config: o.config, store, exchange, log: o.log });
    const n = notify;
    const bot = new TradingBot({ config: o.config, exchange: n.exchange, store: n.store, log: o.log, baseDir: dirname(o.configPath), ...(onEvent ? { onEvent } : {}), ...(o.manage ? { manage: o.manage } : {}), ...(n.onAlert ? { onAlert: n.onAlert } : {}), ...(o.fundingReadGapMs !== undefined ? { fundingReadGapMs: o.fundingReadGapMs } : {}), runStartedAtMs: me.startedAtMs });
    // Ctrl-C (SIGTERM) during the start stops it too: its retries can wait out an IP ban for days.
    void o.until.then(() => bot.stop());
    try {
      await bot.start();
    } catch (e) {
      if (e instanceof StoppedDuringStart) return;
      throw e;
    }
    const running = bot.run(o.pollMs);
    await Promise.race([o.until, running]);
    bot.stop();
    await running;
  } catch (e) {
    failure = e;
    throw e;
  } finally {
    if (failure === null) await run?.lastBalance(); // the account a finished store shows: the one at its end
    run?.end(failure === null ? 'stopped' : 'failed', failure === null ? undefined : failedWith(failure));
    await o.exchange.close().catch(() => undefined);
    await notify?.stop();
    await hook?.close();
    await dash?.close();
    if (locked) store.releaseRunLock(me);
    store.close();
    o.log.info({ db: o.dbPath }, 'bot.stopped');
    unguard();
  }
}

/**
 * The equity (wallet + unrealised PnL) of each settle asset of the symbols, for the start summary. One that cannot be
 * read is left out and logged (the bot's own start retries and reports what is really wrong). `read`: the run
 * record's read of its asset at the start, taken instead of reading the account again.
 */
async function startBalances(ex: ExchangePort, config: LadderConfig, log: Logger, read: RunRecorder['startBalance']): Promise<RunFacts['balances']> {
  const out: { asset: string; total: number }[] = [];
  for (const asset of settleAssetsOf(config.symbols)) {
    try {
      out.push({ asset, total: (await (asset === read.asset ? read.read : ex.balance(asset))).total });
    } catch (e) {
      log.warn({ asset, err: { message: e instanceof Error ? e.message : String(e) } }, 'account.balance_unknown');
    }
  }
  return out;
}

/**
 * A promise that resolves on the first SIGINT, SIGTERM or SIGHUP (the terminal it ran in closed:
 * by default the process would die there, its run recorded as never ended). The handlers stay for
 * the life of the process: a second Ctrl-C (or a supervisor's repeated SIGTERM) while the bot
 * finishes its step and closes the store is answered with a line, never with the default action of
 * dying half-way through the shutdown. Ctrl-\ (SIGQUIT) or SIGKILL still ends a shutdown that hangs.
 */
export function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        process.stderr.write(`ladder: ${signal} received, already stopping (finishing the current step; Ctrl-\\ forces it)\n`);
        return;
      }
      stopping = true;
      resolve();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    process.on('SIGHUP', onSignal);
  });
}

/** The webhook's secret: the environment, else `.env` in the working directory (never config.json, never logged). */
function webhookSecret(name: string, envFile = '.env'): string | undefined {
  if (process.env[name] === undefined && existsSync(envFile)) {
    try {
      process.loadEnvFile(envFile);
    } catch (e) {
      throw new CliError(`${envFile}: cannot read it (${(e as Error).message.split('\n')[0]})`);
    }
  }
  return process.env[name];
}
