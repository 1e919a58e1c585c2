import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { type BacktestArgs, loadBacktestInputs, withBacktestInputOptions } from '../backtest-inputs.ts';
import { CliError } from '../cli-error.ts';
import { printLevels, printSummary } from '../print-tables.ts';

export function registerBacktestCommand(program: Command): void {
  withBacktestInputOptions(program.command('backtest').description('Backtest the config on candle files: every partial exit simulated exactly'))
    .option('--json', 'print the Result JSON on stdout and nothing else')
    .option('--report <file.html>', 'write a self-contained HTML report')
    .action(async (o: BacktestCliOptions) => {
      const t0 = performance.now();
      // Imported on use, not when the command is registered (`--help`, other commands: issue 14).
      const [{ runBacktest }, { resultJson }] = await Promise.all([import('../../backtest/engine.ts'), import('../../backtest/result-json.ts')]);
      const input = await loadBacktestInputs(o);
      const run = runBacktest(input.symbols, input.options);
      const seconds = (performance.now() - t0) / 1000;
      for (const n of input.notes) process.stderr.write(`note: ${n}\n`);
      if (o.report) {
        if (!o.report.endsWith('.html')) throw new CliError(`--report: ${o.report} should end in .html`);
        const names = input.symbols.map((s) => s.symbol).join(', ');
        const mode = input.options.settings.scaled ? 'scaled take-profit' : 'single take-profit';
        const [{ renderReportHtml, reportData }, { reportSource }] = await Promise.all([import('../../web/report-html.ts'), import('../report-source.ts')]);
        const html = await renderReportHtml(
          reportData([{ name: mode, run }], input.symbols, { ...reportSource(input, o), title: `Ladder backtest — ${names}`, subtitle: `${input.strategyName}, ${mode}` }),
        );
        await writeFile(o.report, html);
        process.stderr.write(`report: ${o.report}\n`);
      }
      if (o.json) {
        process.stdout.write(`${JSON.stringify(resultJson(run))}\n`);
        return;
      }
      const candles = input.symbols.reduce((n, s) => n + s.candles.length, 0);
      process.stdout.write(`Backtest ${input.symbols.map((s) => s.symbol).join(', ')}: ${candles} candles, ${input.strategyName}, ${input.options.settings.scaled ? 'scaled TP' : 'single TP'} (${seconds.toFixed(2)} s)\n\n`);
      printSummary([{ name: input.options.settings.scaled ? 'scaled' : 'single', summary: run.summary }]);
      process.stdout.write('\n');
      printLevels(run.levels);
      if (run.skipped.length) {
        const by = new Map<string, number>();
        for (const s of run.skipped) by.set(s.why, (by.get(s.why) ?? 0) + 1);
        process.stdout.write(`\nSignals not taken: ${[...by].map(([k, v]) => `${v} ${k}`).join(', ')}\n`);
      }
    });
}

interface BacktestCliOptions extends BacktestArgs {
  json?: boolean;
  report?: string;
}
