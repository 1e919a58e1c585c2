import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { type LadderConfig, parseConfigValue } from '../../core/config/index.ts';
import { CliError } from '../cli-error.ts';
import { readConfig } from '../read-config.ts';

interface DashboardCliOptions {
  db?: string;
  port?: string;
  host?: string;
  config?: string;
}

/** `--port`: 0–65535 (0 = any free port). */
export function parsePort(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n > 65_535) throw new CliError(`--port: must be a TCP port 0–65535 (0 = any free port), got ${text}`);
  return n;
}

/** The config the dashboard reads leverage, starting balance and the single TP from: --config, else ./config.json, else the defaults. */
async function dashboardConfig(file: string | undefined): Promise<{ config: LadderConfig; source: string }> {
  const path = file ?? (existsSync('config.json') ? 'config.json' : null);
  if (path === null) {
    const d = parseConfigValue({}, 'defaults');
    if (!d.ok) throw new CliError('the default config does not validate');
    return { config: d.value, source: 'the defaults' };
  }
  const r = await readConfig(path);
  if (!r.ok) throw new CliError(`${path}: invalid config`);
  return { config: r.value, source: path };
}

/**
 * `ladder dashboard`: the web dashboard on its own, over a store another process (or an earlier run)
 * writes. Read-only; binds 127.0.0.1 unless told otherwise, and then only with LADDER_DASHBOARD_TOKEN.
 */
export function registerDashboardCommand(program: Command): void {
  program
    .command('dashboard')
    .description('web dashboard over a store: open positions with their ladders, trade history, analytics (read-only)')
    .option('--db <file>', 'SQLite store to show (default: store.path of the config)')
    .option('--port <port>', 'TCP port (default: dashboard.port of the config, 8080; 0 = any free port)')
    .option('--host <address>', 'address to listen on (default 127.0.0.1; anything else needs LADDER_DASHBOARD_TOKEN)')
    .option('--config <file>', 'config for leverage, starting balance and the single take-profit of the analytics (default: ./config.json if present)')
    .action(async (o: DashboardCliOptions) => {
      const { config, source } = await dashboardConfig(o.config);
      const dbPath = o.db ?? config.store.path;
      if (!existsSync(dbPath)) throw new CliError(`${dbPath}: no such store (pass --db FILE, the file the bot writes)`);
      const { startDashboard } = await import('../../web/server/dashboard-server.ts');
      const { untilSignal } = await import('../run-bot.ts');
      let dash;
      try {
        dash = await startDashboard({
          dbPath,
          host: o.host ?? config.dashboard.host,
          port: o.port === undefined ? config.dashboard.port : parsePort(o.port),
          config,
          mode: 'standalone',
          onError: (where, e) => process.stderr.write(`dashboard ${where}: ${e instanceof Error ? e.message : String(e)}\n`),
        });
      } catch (e) {
        throw new CliError(e instanceof Error ? e.message : String(e));
      }
      process.stdout.write(`Ladder dashboard: ${dash.url}${dash.tokenRequired ? ' (add ?token=<LADDER_DASHBOARD_TOKEN>)' : ''}\n`);
      process.stdout.write(`Store: ${dbPath} (read-only). Config: ${source}. Ctrl-C to stop.\n`);
      await untilSignal();
      await dash.close();
    });
}
