import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import type { LadderConfig } from '../../core/config/index.ts';
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

/** `--config`, only for a store with no recorded run; never ./config.json: the store says what it ran with. */
async function fallbackConfig(file: string | undefined): Promise<LadderConfig | undefined> {
  if (file === undefined) return undefined;
  const r = await readConfig(file);
  if (!r.ok) throw new CliError(`${file}: invalid config`);
  return r.value;
}

/**
 * `ladder dashboard`: the web dashboard on its own, over a store another process (or an earlier run)
 * writes. Read-only; binds 127.0.0.1 unless told otherwise, and then only with LADDER_DASHBOARD_TOKEN.
 */
export function registerDashboardCommand(program: Command): void {
  program
    .command('dashboard')
    .description('web dashboard over a store: open positions with their ladders, trade history, analytics (read-only)')
    .option('--db <file>', 'SQLite store to show (default: store.path of --config, else ladder.db)')
    .option('--port <port>', 'TCP port (default: dashboard.port of --config, else 8080; 0 = any free port)')
    .option('--host <address>', 'address to listen on (default 127.0.0.1; anything else needs LADDER_DASHBOARD_TOKEN)')
    .option('--config <file>', 'only for a store in which no run is recorded: its leverage, starting balance and single take-profit (the store’s own run config wins)')
    .action(async (o: DashboardCliOptions) => {
      const config = await fallbackConfig(o.config);
      const dbPath = o.db ?? config?.store.path ?? 'ladder.db';
      if (!existsSync(dbPath)) throw new CliError(`${dbPath}: no such store (pass --db FILE, the file the bot writes)`);
      const { startDashboard } = await import('../../web/server/dashboard-server.ts');
      const { untilSignal } = await import('../run-bot.ts');
      let dash;
      try {
        dash = await startDashboard({
          dbPath,
          host: o.host ?? config?.dashboard.host ?? '127.0.0.1',
          port: o.port === undefined ? (config?.dashboard.port ?? 8080) : parsePort(o.port),
          ...(config ? { config } : {}),
          mode: 'standalone',
          onError: (where, e) => process.stderr.write(`dashboard ${where}: ${e instanceof Error ? e.message : String(e)}\n`),
        });
      } catch (e) {
        throw new CliError(e instanceof Error ? e.message : String(e));
      }
      process.stdout.write(`Ladder dashboard: ${dash.url}${dash.tokenRequired ? ' (add ?token=<LADDER_DASHBOARD_TOKEN>)' : ''}\n`);
      process.stdout.write(`Store: ${dbPath} (read-only). Config: the store's latest run${config ? ` (${o.config} if it has none)` : ''}. Ctrl-C to stop.\n`);
      await untilSignal();
      await dash.close();
    });
}
