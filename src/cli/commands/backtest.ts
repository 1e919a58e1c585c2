import type { Command } from 'commander';
import { type BacktestArgs, consoleToStderr, loadBacktestInputs, withBacktestInputOptions } from '../backtest-inputs.ts';
import { withFundingOption } from '../funding-inputs.ts';
import type { BacktestRun, FundingTotals, SkippedSignal, SymbolInput } from '../../backtest/engine.ts';
import { stepsToQty } from '../../core/market/market-rules.ts';
import { formatScaled } from '../../core/decimal.ts';
import { checkReportPath, writeReport } from '../report-path.ts';
import { printLevels, printSummary } from '../print-tables.ts';

export function registerBacktestCommand(program: Command): void {
  withFundingOption(withBacktestInputOptions(program.command('backtest').description('Backtest the config on candle files: every partial exit simulated exactly')))
    .option('--json', 'print the Result JSON on stdout and nothing else')
    .option('--report <file.html>', 'write a self-contained HTML report')
    .action(async (o: BacktestCliOptions) => {
      const t0 = performance.now();
      if (o.report !== undefined) checkReportPath(o.report);
      if (o.json) consoleToStderr();
      // Imported on use, not when the command is registered (`--help`, other commands: issue 14).
      const [{ runBacktest }, { resultJson }] = await Promise.all([import('../../backtest/engine.ts'), import('../../backtest/result-json.ts')]);
      const input = await loadBacktestInputs(o);
      const run = runBacktest(input.symbols, input.options);
      const seconds = (performance.now() - t0) / 1000;
      for (const n of input.notes) process.stderr.write(`note: ${n}\n`);
      const atMax = atMaxQtyNote(run, input.symbols);
      if (atMax !== null) process.stderr.write(`note: ${atMax}\n`);
      if (o.report) {
        const names = input.symbols.map((s) => s.symbol).join(', ');
        const mode = input.options.settings.scaled ? 'scaled take-profit' : 'single take-profit';
        const [{ renderReportHtml, reportData }, { reportSource }] = await Promise.all([import('../../web/report-html.ts'), import('../report-source.ts')]);
        const html = await renderReportHtml(
          reportData([{ name: mode, run }], input.symbols, { ...reportSource(input, o), title: `Ladder backtest — ${names}`, subtitle: `${input.strategyName}, ${mode}` }),
        );
        await writeReport(o.report, html);
        process.stderr.write(`report: ${o.report}\n`);
      }
      if (o.json) {
        // Not part of the Result JSON: said on stderr, so that "0 trades" never comes without its why.
        if (run.skipped.length) process.stderr.write(`note: signals not taken: ${skippedText(run.skipped)}\n`);
        process.stdout.write(`${JSON.stringify(resultJson(run))}\n`);
        return;
      }
      const candles = input.symbols.reduce((n, s) => n + s.candles.length, 0);
      process.stdout.write(`Backtest ${input.symbols.map((s) => s.symbol).join(', ')}: ${candles} candles, ${input.strategyName}, ${input.options.settings.scaled ? 'scaled TP' : 'single TP'} (${seconds.toFixed(2)} s)\n\n`);
      printSummary([{ name: input.options.settings.scaled ? 'scaled' : 'single', summary: run.summary }]);
      process.stdout.write('\n');
      printLevels(run.levels);
      if (run.funding) process.stdout.write(`\nFunding: ${fundingText(run.funding)}\n`);
      if (run.skipped.length) process.stdout.write(`\nSignals not taken: ${skippedText(run.skipped)}\n`);
    });
}

/**
 * The entries a run took at the exchange's largest order quantity, or null: the bot logs each one
 * (entry.capped_at_max_qty), a backtest says them rather than trade a smaller size silently.
 */
export function atMaxQtyNote(run: BacktestRun, symbols: readonly SymbolInput[]): string | null {
  const atMax = run.atMaxQty ?? [];
  if (atMax.length === 0) return null;
  const first = atMax[0]!;
  const market = symbols.find((s) => s.symbol === first.symbol)!.market;
  const count = `${atMax.length} ${atMax.length === 1 ? 'entry' : 'entries'}`;
  const at = `the first: ${first.symbol} ${new Date(first.timeMs).toISOString()}, quantity ${stepsToQty(first.qtySteps, market)}`;
  // A maximum beyond 2^53 − 1 steps (a tiny step, or no maximum in ccxt markets) is read as that many:
  // the cut is Ladder's (whole steps are safe integers), not the exchange's, and is said as such.
  if (first.qtySteps === Number.MAX_SAFE_INTEGER) {
    return `${count} at 2^53 − 1 steps of ${formatScaled(1, market.stepSize)}, the largest quantity Ladder counts exactly in whole steps (the exchange allows more; the position size asked for is cut to it; ${at})`;
  }
  return `${count} at the exchange's largest order quantity (the position size asked for is cut to it, so that one reduce-only order can close it; ${at})`;
}

/** `-0.42 (paid over 12 settlements of open positions; …)`: what the funding line says of a run's total. */
function fundingText(f: FundingTotals): string {
  const net = f.total < 0 ? 'paid' : f.total > 0 ? 'received' : 'net zero';
  return `${f.total.toFixed(2)} (${net} over ${f.settlements} settlement${f.settlements === 1 ? '' : 's'} of open positions; in the trades' PnL above)`;
}

/** `12 max_open_positions, 3 below_min_qty (the first: …)`: each reason's count, and the first signal's detail. */
export function skippedText(skipped: readonly SkippedSignal[]): string {
  const by = new Map<string, SkippedSignal[]>();
  for (const s of skipped) by.set(s.why, [...(by.get(s.why) ?? []), s]);
  return [...by].map(([why, list]) => `${list.length} ${why} (the first: ${list[0]!.symbol} ${new Date(list[0]!.timeMs).toISOString()}: ${list[0]!.detail})`).join(', ');
}

interface BacktestCliOptions extends BacktestArgs {
  json?: boolean;
  report?: string;
}
