import path from 'node:path';
import type { Command } from 'commander';
import { DEFAULT_API_KEY, DEFAULT_API_SECRET, startSimulator } from '../../sim/simulator.ts';
import { CliError, appendList, parseTimeOption, refuseEmptyValues, splitList } from '../cli-error.ts';

interface SimCliOptions {
  port: string;
  host: string;
  markets?: string;
  data?: string;
  funding?: string;
  speed: string;
  seed: string;
  faults?: string;
  balance: string;
  apiKey: string;
  apiSecret: string;
  takerFeePct: string;
  makerFeePct: string;
  slippagePct: string;
  start?: string;
  verbose?: boolean;
}

/** A number option; `min`: its least value (a negative speed froze the clock, a negative balance opened a negative wallet). */
function num(name: string, text: string, min = -Infinity): number {
  const n = text.trim() === '' ? NaN : Number(text);
  if (!Number.isFinite(n)) throw new CliError(`--${name}: not a number: ${JSON.stringify(text)}`);
  if (n < min) throw new CliError(`--${name}: must be ${min} or more, got ${text}`);
  return n;
}

/** `--port`: a whole number from 0 (any free port) to 65535 (Node's own words named no option). */
function port(text: string): number {
  const n = /^\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!(n >= 0 && n <= 65_535)) throw new CliError(`--port: must be a whole number from 0 (any free port) to 65535, got ${JSON.stringify(text)}`);
  return n;
}

/** `--funding`: one entry per symbol, comma-separated (an empty list names the option). */
function fundingEntries(text: string): string[] {
  const files = splitList(text);
  if (files.length === 0) throw new CliError('--funding: no file given (FILE[,FILE...], one entry per symbol)');
  return files.map((f) => path.resolve(f));
}

/**
 * `ladder sim`: a Binance USDⓈ-M compatible exchange (REST + websocket on one port) that ccxt's
 * binanceusdm talks to; serves until SIGINT/SIGTERM, then closes cleanly (exit 0). See docs/simulator.md.
 */
export function registerSimCommand(program: Command): void {
  program
    .command('sim')
    .description('run the Binance USDⓈ-M compatible exchange simulator until Ctrl-C (docs/simulator.md)')
    .option('--port <n>', 'TCP port (0 = any free port)', '18080')
    .option('--host <host>', 'interface to bind', '127.0.0.1')
    .option('--markets <file>', 'Binance exchangeInfo JSON or ccxt markets JSON (default: ../shared/data snapshot, else data/markets excerpt)')
    .option('--data <files>', 'kline files to replay, comma-separated, one symbol each (BTCUSDT-1h.csv); default: seeded random walk', appendList)
    .option('--funding <files>', "funding rates per symbol, comma-separated: Binance's fundingRate archive (BTCUSDT-fundingRate.csv, monthly .zip, or a directory of them); open positions pay or receive funding at each settlement", appendList)
    .option('--speed <x>', 'candles per second of wall time (0 = frozen; move prices with POST /_sim/step)', '1')
    .option('--seed <n>', 'seed of the random walk, the faults and the listen keys', '1')
    .option('--faults <file>', 'fault injection file (JSON, see docs/simulator.md)')
    .option('--balance <usdt>', 'starting USDT wallet balance', '10000')
    .option('--api-key <key>', 'the API key the simulator accepts', DEFAULT_API_KEY)
    .option('--api-secret <secret>', 'the HMAC secret the simulator verifies signatures with', DEFAULT_API_SECRET)
    .option('--taker-fee-pct <pct>', 'taker fee, percent of notional', '0.05')
    .option('--maker-fee-pct <pct>', 'maker fee, percent of notional', '0.02')
    .option('--slippage-pct <pct>', 'slippage of market fills against the trader, percent', '0')
    .option('--start <time>', 'open time of the first replayed candle (ISO-8601 UTC); default: after 500 candles of history')
    .option('--verbose', 'print one line per request')
    .action(async (o: SimCliOptions, cmd: Command) => {
      // An empty value (an unset shell variable) read as "not given": the random walk for --data, no faults, a key no request has.
      refuseEmptyValues(cmd);
      // ISO-8601 only, and without a zone UTC, as --from/--to everywhere (Date.parse took it as the machine's local time).
      const startMs = o.start === undefined ? undefined : parseTimeOption('--start', o.start);
      const sim = await startSimulator({
        port: port(o.port),
        host: o.host,
        marketsFile: o.markets,
        dataFiles: o.data ? o.data.split(',').map((f) => path.resolve(f.trim())) : undefined,
        fundingFiles: o.funding !== undefined ? fundingEntries(o.funding) : undefined,
        speed: num('speed', o.speed, 0),
        seed: num('seed', o.seed),
        faultsFile: o.faults,
        balance: num('balance', o.balance, 0),
        apiKey: o.apiKey,
        apiSecret: o.apiSecret,
        takerFeePct: num('taker-fee-pct', o.takerFeePct, 0),
        makerFeePct: num('maker-fee-pct', o.makerFeePct),
        slippagePct: num('slippage-pct', o.slippagePct, 0),
        startMs,
        log: o.verbose ? (line) => process.stderr.write(`${line}\n`) : undefined,
      });
      process.stdout.write(
        `ladder sim listening on ${sim.url} (websocket ${sim.wsUrl}), markets ${sim.marketsSource}\n` +
          `api key ${sim.apiKey}; admin ${sim.url}/_sim/state; Ctrl-C to stop\n`,
      );
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      await sim.close();
      process.stdout.write('ladder sim stopped\n');
    });
}
