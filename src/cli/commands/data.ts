import { Option, type Command } from 'commander';
import { isoOf } from '../../data/parse-time.ts';
import {
  createProgressPrinter,
  DEFAULT_BASE_URL,
  defaultOutDir,
  downloadArchives,
  DownloadError,
  formatYearMonth,
  MARKETS,
  monthsBetween,
  parseBaseUrl,
  parseInterval,
  parseMarket,
  parseSymbol,
  parseYearMonth,
} from '../../data/download/index.ts';
import { CliError } from '../cli-error.ts';

interface DownloadCliOptions {
  symbol: string;
  interval: string;
  from: string;
  to?: string;
  market: string;
  out?: string;
  baseUrl: string;
}

/**
 * `ladder data download`: Binance's public monthly kline archives (data.binance.vision), verified
 * against their checksums, resumable, into a directory `ladder backtest --data` reads as it is.
 * Archive paths on stdout, progress and the summary on stderr. See docs/data.md.
 */
export function registerDataCommands(program: Command): void {
  const data = program.command('data').description('market data for backtests');
  data
    .command('download')
    .description("download Binance's public monthly kline archives (data.binance.vision), checksum-verified and resumable")
    .requiredOption('--symbol <symbol>', 'exchange id, e.g. BTCUSDT')
    .requiredOption('--interval <interval>', 'kline interval: 1m, 3m, 5m, 15m, 30m, 1h, 2h, 4h, 6h, 8h, 12h, 1d, 1w')
    .requiredOption('--from <YYYY-MM>', 'first month (UTC)')
    .option('--to <YYYY-MM>', 'last month, included (default: --from)')
    .addOption(new Option('--market <market>', 'USDⓈ-M futures or spot archives').choices(MARKETS).default('futures'))
    .option('--out <dir>', 'output directory (default: data/binance/<market>/<SYMBOL>/<interval>)')
    .option('--base-url <url>', 'archive server: a mirror or a test server', DEFAULT_BASE_URL)
    .action(async (o: DownloadCliOptions) => {
      const progress = createProgressPrinter(process.stderr);
      try {
        const symbol = parseSymbol(o.symbol);
        const interval = parseInterval(o.interval);
        const market = parseMarket(o.market);
        const from = parseYearMonth('--from', o.from);
        const months = monthsBetween(from, o.to === undefined ? from : parseYearMonth('--to', o.to));
        const baseUrl = parseBaseUrl(o.baseUrl);
        const outDir = o.out ?? defaultOutDir(market, symbol, interval);
        const host = new URL(baseUrl).host;
        process.stderr.write(`${symbol} ${interval} ${market}: ${months.length} month${months.length === 1 ? '' : 's'} (${formatYearMonth(months[0]!)} … ${formatYearMonth(months[months.length - 1]!)}) from ${host} into ${outDir}\n`);

        const r = await downloadArchives({ symbol, interval, market, months, outDir, baseUrl }, { onEvent: progress.onEvent });
        for (const a of r.archives) process.stdout.write(`${a.path}\n`);
        const s = r.series;
        const fetched = r.archives.filter((a) => a.outcome === 'downloaded').length;
        const gaps = s.gaps.length === 0 ? 'no gaps' : `${s.gaps.length} gap${s.gaps.length === 1 ? '' : 's'} (${s.gaps.reduce((n, g) => n + g.missing, 0)} candles missing, first at ${isoOf(s.gaps[0]!.fromMs)})`;
        process.stderr.write(
          `${r.archives.length} archive${r.archives.length === 1 ? '' : 's'} in ${outDir} (${fetched} downloaded, ${r.archives.length - fetched} already here): ` +
            `${s.length} candles, ${isoOf(s.time[0]!)} … ${isoOf(s.time[s.length - 1]!)}, ${gaps}\n` +
            `backtest them with: ladder backtest --data ${outDir}\n`,
        );
      } catch (e) {
        progress.finish();
        if (e instanceof DownloadError) throw new CliError(e.message);
        throw e;
      }
    });
}
