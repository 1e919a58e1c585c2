import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { parseDec } from '../../core/decimal.ts';
import type { HistoryQuery, TradeRecord } from '../../store/index.ts';
import { CliError, parseSymbolOption, parseTimeOption } from '../cli-error.ts';
import { table } from '../print-tables.ts';

interface HistoryCliOptions {
  db: string;
  symbol?: string;
  from?: string;
  to?: string;
  csv?: boolean;
}

/** The options as a store query: ISO-8601 times only, `--from` before `--to`. */
export function historyQueryOf(o: Pick<HistoryCliOptions, 'symbol' | 'from' | 'to'>): HistoryQuery {
  const fromMs = o.from === undefined ? undefined : parseTimeOption('--from', o.from);
  const toMs = o.to === undefined ? undefined : parseTimeOption('--to', o.to);
  if (fromMs !== undefined && toMs !== undefined && fromMs >= toMs) throw new CliError(`--from ${o.from} is not before --to ${o.to}`);
  return { ...(o.symbol !== undefined ? { symbol: parseSymbolOption('--symbol', o.symbol) } : {}), ...(fromMs !== undefined ? { fromMs } : {}), ...(toMs !== undefined ? { toMs } : {}), includeOpen: true };
}

const iso = (ms: number) => new Date(ms).toISOString().replace(':00.000Z', 'Z');
const num = (x: number | null, d: number) => (x === null ? '–' : x.toFixed(d));

/** `storeSymbols`: the symbols the store has trades of, asked only when a --symbol filter finds none. */
function printTrades(trades: readonly TradeRecord[], out: (s: string) => void, symbol?: string, storeSymbols?: () => string[]): void {
  if (trades.length === 0) {
    const known = symbol !== undefined && storeSymbols ? storeSymbols() : null;
    // A symbol the store never traded (a typo, another store): said so, not as if its dates were wrong.
    if (known !== null && !known.includes(symbol!)) {
      out(`No trades of ${symbol} in this store: it has ${known.length === 0 ? 'no trades at all' : `trades of ${known.join(', ')} only`}.\n`);
      return;
    }
    out('No trades in this store for these filters.\n');
    return;
  }
  // The funding booked on a trade (live and paper: docs/deployment.md "Funding"), a column when any has some: its PnL includes it.
  const funded = trades.some((t) => t.funding !== null);
  const rows = trades.map((t) => [
    iso(t.entryTimeMs),
    t.symbol,
    t.side,
    t.status,
    String(t.entryPrice),
    String(t.originalQty),
    String(t.exits.length),
    t.exits.map((e) => e.reason).join(' '),
    // A weighted mean is no exchange price: shown with the symbol's price decimals (its tick), as the dashboard does.
    num(t.avgExitPrice, parseDec(t.tickSize).scale),
    ...(funded ? [t.funding === null ? '–' : num(t.funding, 4)] : []),
    num(t.pnl, 4),
  ]);
  out(table(['entry (UTC)', 'symbol', 'side', 'status', 'entry', 'qty', 'exits', 'reasons', 'avg exit', ...(funded ? ['funding'] : []), 'PnL'], rows));
  const closed = trades.filter((t) => t.status === 'closed');
  const funding = funded ? ` (funding ${num(trades.reduce((s, t) => s + (t.funding ?? 0), 0), 4)} included)` : '';
  out(`${trades.length} trades (${closed.length} closed), realised PnL ${num(trades.reduce((s, t) => s + t.pnl, 0), 4)}${funding}. Times are UTC; --csv gives one row per exit.\n`);
}

/**
 * `ladder history --db FILE [--symbol S] [--from ISO] [--to ISO] [--csv]`: the trades of a store, grouped
 * by entry (R4.5); with --csv one row per exit with its entry's columns, the dashboard's download.
 * Read-only; the entry time is filtered: from ≤ entry < to.
 */
export function registerHistoryCommand(program: Command): void {
  program
    .command('history')
    .description('trade history of a store, grouped by entry; --csv: one row per exit with its entry (read-only)')
    .requiredOption('--db <file>', 'SQLite store the bot wrote')
    .option('--symbol <symbol>', 'only this symbol (BTCUSDT or BTC/USDT:USDT)')
    .option('--from <iso>', 'entries at or after this time (ISO-8601: 2024-01-31, 2024-01-31T12:00Z; no zone = UTC)')
    .option('--to <iso>', 'entries before this time (ISO-8601)')
    .option('--csv', 'CSV on stdout: one row per exit with its entry’s columns')
    .action(async (o: HistoryCliOptions) => {
      const q = historyQueryOf(o);
      if (!existsSync(o.db)) throw new CliError(`--db: ${o.db}: no such store`);
      const { openStore, tradesCsv } = await import('../../store/index.ts');
      const store = openStore(o.db, { existingStore: true }); // read-only: another file is refused, not made a store
      try {
        const trades = store.tradeHistory(q);
        const out = (s: string) => process.stdout.write(s);
        if (o.csv) out(tradesCsv(trades));
        else printTrades(trades, out, q.symbol, () => [...new Set(store.tradeHistory({ includeOpen: true }).map((t) => t.symbol))].sort());
      } finally {
        store.close();
      }
    });
}
