import { readFile, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Command } from 'commander';
import type { ExitPolicy } from '../../backtest/compare.ts';
import { type LadderConfig, formatConfigIssues, parseConfigValue } from '../../core/config/index.ts';
import { exitSettingsFromConfig } from '../../core/scaled-tp/from-config.ts';
import { type BacktestArgs, loadBacktestInputs, withBacktestInputOptions } from '../backtest-inputs.ts';
import { CliError } from '../cli-error.ts';
import { printLevels, printSummary, table } from '../print-tables.ts';

export function registerCompareCommand(program: Command): void {
  withBacktestInputOptions(program.command('compare').description('Scaled vs single take-profit (or several ladders) on the same data and the same entries, side by side'))
    .option('--ladders <files...>', 'ladder files ({ "name"?, "scaled_tp_levels", other exit keys }) to compare with each other and the single TP')
    .option('--json', 'print { runs: [{ name, summary, levels, trades }], same_entries } and nothing else')
    .option('--report <file.html>', 'write an HTML report with every equity curve on one chart')
    .action(async (o: CompareCliOptions) => {
      // Imported on use, not when the command is registered (`--help`, other commands: issue 14).
      const [{ compareExits }, { levelsJson, tradeJson }] = await Promise.all([import('../../backtest/compare.ts'), import('../../backtest/result-json.ts')]);
      const input = await loadBacktestInputs(o);
      const policies = await exitPolicies(input.config, o.ladders ?? []);
      const cmp = compareExits(input.symbols, input.options, policies);
      for (const n of input.notes) process.stderr.write(`note: ${n}\n`);
      if (!cmp.sameEntries) process.stderr.write(`warning: the runs did not enter the same trades (${cmp.firstDifference})\n`);
      if (o.report) {
        const names = input.symbols.map((s) => s.symbol).join(', ');
        const [{ renderReportHtml, reportData }, { reportSource }] = await Promise.all([import('../../web/report-html.ts'), import('../report-source.ts')]);
        const html = await renderReportHtml(
          reportData(cmp.runs, input.symbols, {
            ...reportSource(input, o),
            title: `Ladder compare — ${names}`,
            subtitle: `${policies.map((p) => p.name).join(' vs ')}; same entries: ${cmp.sameEntries ? 'yes' : 'no'}`,
            ladderFiles: o.ladders ?? [],
            sameEntries: cmp.sameEntries,
          }),
        );
        await writeFile(o.report, html);
        process.stderr.write(`report: ${o.report}\n`);
      }
      if (o.json) {
        const runs = cmp.runs.map((r) => ({ name: r.name, summary: r.run.summary, levels: levelsJson(r.run.levels), trades: r.run.trades.map(tradeJson) }));
        process.stdout.write(`${JSON.stringify({ runs, same_entries: cmp.sameEntries })}\n`);
        return;
      }
      const out = (s: string) => process.stdout.write(s);
      out(`Compare on ${input.symbols.map((s) => `${s.symbol} (${s.candles.length} candles)`).join(', ')}: same entries: ${cmp.sameEntries ? 'yes' : 'NO'}\n\n`);
      printSummary(cmp.runs.map((r) => ({ name: r.name, summary: r.run.summary })));
      out(
        table(
          ['', ...cmp.runs.map((r) => r.name)],
          [
            ['expectancy', ...cmp.runs.map((r) => r.analytics.expectancy.toFixed(2))],
            ['average R', ...cmp.runs.map((r) => r.analytics.avg_r.toFixed(3))],
            ['last part by TP', ...cmp.runs.map((r) => String(r.analytics.remainder_closed_by.last_tp))],
            ['last part by stop', ...cmp.runs.map((r) => String(r.analytics.remainder_closed_by.stop))],
            ['last part by signal', ...cmp.runs.map((r) => String(r.analytics.remainder_closed_by.signal))],
            ['last part at end', ...cmp.runs.map((r) => String(r.analytics.remainder_closed_by.end))],
          ],
        ),
      );
      for (const r of cmp.runs) {
        out(`\n${r.name}: per level\n`);
        printLevels(r.run.levels);
      }
    });
}

/** Scaled (the config's ladder) vs single, or each ladder file vs single; every ladder validated as config. */
async function exitPolicies(config: LadderConfig, files: readonly string[]): Promise<ExitPolicy[]> {
  const single: ExitPolicy = { name: 'single', settings: exitSettingsFromConfig({ ...config, enable_scaled_take_profit: false }) };
  if (files.length === 0) return [{ name: 'scaled', settings: exitSettingsFromConfig({ ...config, enable_scaled_take_profit: true }) }, single];
  const ladders: ExitPolicy[] = [];
  for (const file of files) {
    let raw: unknown;
    try {
      raw = JSON.parse(await readFile(file, 'utf8'));
    } catch (e) {
      throw new CliError(`${file}: ${(e as Error).message}`);
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new CliError(`${file}: expected an object like { "name": "runner", "scaled_tp_levels": [...] }`);
    const { name, $schema: _schema, ...keys } = raw as Record<string, unknown>;
    const parsed = parseConfigValue({ ...config, ...keys, enable_scaled_take_profit: true }, file);
    if (!parsed.ok) throw new CliError(formatConfigIssues(parsed.error, file).join('\n'));
    ladders.push({ name: typeof name === 'string' && name ? name : basename(file, '.json'), settings: exitSettingsFromConfig(parsed.value) });
  }
  return [...ladders, single];
}

interface CompareCliOptions extends BacktestArgs {
  ladders?: string[];
  json?: boolean;
  report?: string;
}
