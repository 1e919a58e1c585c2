import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { isoOf } from '../../data/parse-time.ts';
import {
  archiveKind,
  createProgressPrinter,
  DATA_TYPES,
  DEFAULT_BASE_URL,
  defaultOutDir,
  downloadArchives,
  downloadFundingArchives,
  DownloadError,
  formatYearMonth,
  MARKETS,
  monthsBetween,
  parseBaseUrl,
  parseDataType,
  parseMarket,
  parseSymbol,
  parseYearMonth,
  type ArchiveKind,
  type DownloadRunOptions,
  type YearMonth,
} from '../../data/download/index.ts';
import { CliError } from '../cli-error.ts';

interface DownloadCliOptions {
  symbol: string;
  type: string;
  interval?: string;
  from: string;
  to?: string;
  market: string;
  out?: string;
  baseUrl: string;
}

/**
 * `ladder data download`: Binance's public monthly archives (data.binance.vision) of klines, mark-price
 * klines or funding rates, verified against their checksums, resumable, into a directory that
 * `ladder backtest --data` (`--mark`, `--funding`) reads as it is. Archive paths on stdout, progress
 * and the summary on stderr. See docs/data.md.
 */
export function registerDataCommands(program: Command): void {
  const data = program.command('data').description('market data for backtests');
  data
    .command('download')
    .description("download Binance's public monthly archives (data.binance.vision): klines, mark-price klines or funding rates, checksum-verified and resumable")
    .requiredOption('--symbol <symbol>', 'exchange id, e.g. BTCUSDT')
    .addOption(new Option('--type <type>', 'klines, mark (mark-price klines) or funding (funding rates); mark and funding: USDⓈ-M futures only').choices(DATA_TYPES).default('klines'))
    .option('--interval <interval>', 'kline interval (klines, mark; none for funding): 1m, 3m, 5m, 15m, 30m, 1h, 2h, 4h, 6h, 8h, 12h, 1d, 1w')
    .requiredOption('--from <YYYY-MM>', 'first month (UTC)')
    .option('--to <YYYY-MM>', 'last month, included (default: --from)')
    .addOption(new Option('--market <market>', 'USDⓈ-M futures or spot archives').choices(MARKETS).default('futures'))
    .option('--out <dir>', 'output directory (default: data/binance/<market>/<SYMBOL>/<interval>, data/binance/futures/<SYMBOL>/mark-<interval> or data/binance/futures/<SYMBOL>/funding)')
    .option('--base-url <url>', 'archive server: a mirror or a test server', DEFAULT_BASE_URL)
    .action(async (o: DownloadCliOptions) => {
      const progress = createProgressPrinter(process.stderr);
      try {
        const symbol = parseSymbol(o.symbol);
        const kind = archiveKind(parseDataType(o.type), parseMarket(o.market), o.interval);
        const from = parseYearMonth('--from', o.from);
        const months = monthsBetween(from, o.to === undefined ? from : parseYearMonth('--to', o.to));
        const baseUrl = parseBaseUrl(o.baseUrl);
        const outDir = o.out ?? defaultOutDir(kind, symbol);
        const host = new URL(baseUrl).host;
        process.stderr.write(`${symbol} ${describeKind(kind)}: ${months.length} month${months.length === 1 ? '' : 's'} (${formatYearMonth(months[0]!)} … ${formatYearMonth(months[months.length - 1]!)}) from ${host} into ${outDir}\n`);
        const job = { symbol, months, outDir, baseUrl };
        if (kind.type === 'funding') await downloadFunding(job, { onEvent: progress.onEvent });
        else await downloadCandles(job, kind, { onEvent: progress.onEvent });
      } catch (e) {
        progress.finish();
        if (e instanceof DownloadError) throw new CliError(e.message);
        throw e;
      }
    });
}

/** `1h futures`, `mark 1h futures`, `funding futures`: the first line's words after the symbol. */
function describeKind(kind: ArchiveKind): string {
  return kind.type === 'klines' ? `${kind.interval} ${kind.market}` : kind.type === 'mark' ? `mark ${kind.interval} futures` : 'funding futures';
}

interface Job {
  readonly symbol: string;
  readonly months: readonly YearMonth[];
  readonly outDir: string;
  readonly baseUrl: string;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** `3 archives in DIR (3 downloaded, 0 already here)`. */
function archivesText(archives: readonly { readonly outcome: 'downloaded' | 'present' }[], outDir: string): string {
  const fetched = archives.filter((a) => a.outcome === 'downloaded').length;
  return `${plural(archives.length, 'archive')} in ${outDir} (${fetched} downloaded, ${archives.length - fetched} already here)`;
}

async function downloadCandles(job: Job, kind: Exclude<ArchiveKind, { type: 'funding' }>, opts: DownloadRunOptions): Promise<void> {
  const { outDir } = job;
  const market = kind.type === 'klines' ? kind.market : 'futures';
  const r = await downloadArchives({ ...job, type: kind.type, interval: kind.interval, market }, opts);
  for (const a of r.archives) process.stdout.write(`${a.path}\n`);
  const s = r.series;
  const gaps = s.gaps.length === 0 ? 'no gaps' : `${s.gaps.length} gap${s.gaps.length === 1 ? '' : 's'} (${s.gaps.reduce((n, g) => n + g.missing, 0)} candles missing, first at ${isoOf(s.gaps[0]!.fromMs)})`;
  // Mark prices only price funding: the backtest wants the klines and the rates beside them.
  const command =
    kind.type === 'klines'
      ? `backtest them with: ladder backtest --data ${outDir}`
      : `backtest with: ladder backtest --data ${defaultOutDir({ type: 'klines', market: 'futures', interval: kind.interval }, job.symbol)} --funding ${defaultOutDir({ type: 'funding' }, job.symbol)} --mark ${outDir}`;
  process.stderr.write(`${archivesText(r.archives, outDir)}: ${s.length} candles, ${isoOf(s.time[0]!)} … ${isoOf(s.time[s.length - 1]!)}, ${gaps}\n${command}\n`);
}

async function downloadFunding(job: Job, opts: DownloadRunOptions): Promise<void> {
  const { outDir } = job;
  const r = await downloadFundingArchives(job, opts);
  for (const a of r.archives) process.stdout.write(`${a.path}\n`);
  const t = r.rates.time;
  // The rows' own funding_interval_hours (Binance shortens it in stress: SOLUSDT at 2 h in 2022-11).
  const intervals = [...new Set(r.rates.intervalHours)].sort((a, b) => a - b).map((h) => `${h}h`);
  process.stderr.write(
    `${archivesText(r.archives, outDir)}: ${plural(t.length, 'settlement')}, ${isoOf(t[0]!)} … ${isoOf(t[t.length - 1]!)}, ${intervals.length === 1 ? 'interval' : 'intervals'} ${intervals.join(', ')}\n` +
      // The klines' directory as `--type klines` names it, the interval left to the user.
      `backtest with: ladder backtest --data ${join('data', 'binance', 'futures', job.symbol, '<interval>')} --funding ${outDir}\n`,
  );
}
