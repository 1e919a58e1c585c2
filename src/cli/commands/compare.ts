import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Command } from 'commander';
import type { ExitPolicy } from '../../backtest/compare.ts';
import { type LadderConfig, formatConfigIssues, parseConfigOverlayText } from '../../core/config/index.ts';
import { err, ok } from '../../core/result.ts';
import { exitSettingsFromConfig } from '../../core/scaled-tp/from-config.ts';
import { type BacktestArgs, consoleToStderr, loadBacktestInputs, withBacktestInputOptions } from '../backtest-inputs.ts';
import { withFundingOption } from '../funding-inputs.ts';
import { CliError } from '../cli-error.ts';
import { atMaxQtyNote, skippedText } from './backtest.ts';
import { checkReportPath, writeReport } from '../report-path.ts';
import { printLevelAnalytics, printSummary, table } from '../print-tables.ts';

export function registerCompareCommand(program: Command): void {
  withFundingOption(withBacktestInputOptions(program.command('compare').description('Scaled vs single take-profit (or several ladders) on the same data and the same entries, side by side')))
    .option('--ladders <files...>', 'ladder files ({ "name"?, "scaled_tp_levels", other exit keys }) to compare with each other and the single TP')
    .option('--json', 'print { runs: [{ name, summary, analytics: { expectancy, average_r, remainder_closed_by }, levels (with hit_rate_given_previous, avg_r), trades[, funding] }], same_entries } and nothing else')
    .option('--report <file.html>', 'write an HTML report with every equity curve on one chart')
    .action(async (o: CompareCliOptions) => {
      if (o.report !== undefined) checkReportPath(o.report);
      if (o.json) consoleToStderr();
      // Imported on use, not when the command is registered (`--help`, other commands: issue 14).
      const [{ compareExits }, { levelsJson, tradeJson }] = await Promise.all([import('../../backtest/compare.ts'), import('../../backtest/result-json.ts')]);
      const input = await loadBacktestInputs(o);
      const policies = await exitPolicies(input.config, o.ladders ?? []);
      const cmp = compareExits(input.symbols, input.options, policies);
      for (const n of input.notes) process.stderr.write(`note: ${n}\n`);
      // The entries are the reference run's (the last): every run takes them with its quantities, and
      // the signals it did not take are no run's (said, as backtest says them: never 0 trades without the why).
      const reference = cmp.runs[cmp.runs.length - 1]!.run;
      const atMax = atMaxQtyNote(reference, input.symbols);
      if (atMax !== null) process.stderr.write(`note: ${atMax}\n`);
      if (reference.skipped.length) process.stderr.write(`note: signals not taken: ${skippedText(reference.skipped)}\n`);
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
        await writeReport(o.report, html);
        process.stderr.write(`report: ${o.report}\n`);
      }
      if (o.json) {
        const runs = cmp.runs.map((r) => ({
          name: r.name,
          summary: r.run.summary,
          // R5.5's side-by-side figures beyond the summary, as the table prints them.
          analytics: { expectancy: r.analytics.expectancy, average_r: r.analytics.avg_r, remainder_closed_by: r.analytics.remainder_closed_by },
          // The Result JSON's rows, with the hit rate given the level before and the average R of analyzeRun.
          levels: levelsJson(r.run.levels).map((l, i) => {
            const a = r.analytics.levels.find((x) => x.reason === r.run.levels[i]!.reason);
            return { ...l, hit_rate_given_previous: a?.hit_rate_given_previous ?? null, avg_r: a?.avg_r ?? 0 };
          }),
          trades: r.run.trades.map(tradeJson),
          // --funding: what each run's trades paid or received (each holds other sizes for other times).
          ...(r.run.funding ? { funding: r.run.funding } : {}),
        }));
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
            ...(cmp.runs.some((r) => r.run.funding) ? [['funding (in PnL)', ...cmp.runs.map((r) => (r.run.funding ? r.run.funding.total.toFixed(2) : '–'))]] : []),
          ],
        ),
      );
      for (const r of cmp.runs) {
        out(`\n${r.name}: per level\n`);
        printLevelAnalytics(r.analytics.levels);
      }
    });
}

/** The config keys a compared ladder may set: what exitSettingsFromConfig reads. */
const EXIT_KEYS = ['scaled_tp_levels', 'scaled_tp_min_order_size', 'scaled_tp_fallback_to_single', 'scaled_tp_execution', 'breakeven_offset_pct', 'stop_loss_pct', 'take_profit_pct', 'enable_scaled_take_profit'] as const;

/** Scaled (the config's ladder) vs single, or each ladder file vs single; every ladder validated as config. */
async function exitPolicies(config: LadderConfig, files: readonly string[]): Promise<ExitPolicy[]> {
  const single: ExitPolicy = { name: 'single', settings: exitSettingsFromConfig({ ...config, enable_scaled_take_profit: false }) };
  if (files.length === 0) return [{ name: 'scaled', settings: exitSettingsFromConfig({ ...config, enable_scaled_take_profit: true }) }, single];
  const ladders: ExitPolicy[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new CliError(`--ladders: ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder, not a ladder file' : (e as Error).message}`);
    }
    // The file's own keys are checked first (exits only, a name), then the config they make over
    // --config: every problem at its line and column in this file.
    let name: string | undefined;
    const parsed = parseConfigOverlayText(text, { ...config, enable_scaled_take_profit: true }, (raw) => {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return err([{ path: [], message: 'expected an object like { "name": "runner", "scaled_tp_levels": [...] }' }]);
      const { name: given, $schema: _schema, ...keys } = raw as Record<string, unknown>;
      // A ladder file changes the exits only: any other key (sizing, strategy, leverage) would be ignored by the run, so it is refused.
      const foreign = Object.keys(keys).filter((k) => !(EXIT_KEYS as readonly string[]).includes(k));
      const issues = foreign.map((k) => ({ path: [k], message: `not an exit setting; a ladder file may set name, ${EXIT_KEYS.join(', ')} (the rest comes from --config)`, atKey: true }));
      if (given !== undefined && (typeof given !== 'string' || given.trim() === '')) issues.push({ path: ['name'], message: `must be a non-empty string (got ${JSON.stringify(given)})`, atKey: false });
      if (issues.length) return err(issues);
      name = given as string | undefined;
      return ok(keys);
    });
    if (!parsed.ok) throw new CliError(formatConfigIssues(parsed.error, file).join('\n'));
    const named = name ?? basename(file, '.json');
    if (named === single.name || ladders.some((l) => l.name === named)) throw new CliError(`${file}: name: "${named}" is already the name of ${named === single.name ? 'the single take-profit run' : 'another ladder'}; give each ladder its own "name"`);
    ladders.push({ name: named, settings: exitSettingsFromConfig(parsed.value) });
  }
  return [...ladders, single];
}

interface CompareCliOptions extends BacktestArgs {
  ladders?: string[];
  json?: boolean;
  report?: string;
}
