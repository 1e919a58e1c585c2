/**
 * The funding section of docs/backtest-results.md: the study's compare (three ladders and the single
 * take-profit on the ten real 1h files, 15m detail where it exists) run again with each symbol's real
 * USDⓈ-M funding rates (`--funding`) charged at the real mark price (`--mark`, the candle open where
 * the mark data has no candle), beside the same run without funding. Prints the markdown table.
 * Usage: npx tsx scripts/funding-study.ts
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { KLINES, LADDERS, MARKETS, SYMBOLS } from './study-inputs.ts';

const ROOT = resolve(import.meta.dirname, '..');
const FUNDING = '../shared/data/binance-usdm-funding';
const MARK = '../shared/data/binance-usdm-mark-1h';

interface Run {
  name: string;
  summary: { total_pnl: number };
  funding?: { total: number; settlements: number };
}

function compare(symbol: string, funding: boolean): Run[] {
  const detail = `${KLINES}/${symbol}-15m.csv`;
  const args = [
    'bin/ladder.js', 'compare', '--config', 'config.json', '--data', `${KLINES}/${symbol}-1h.csv`,
    ...(existsSync(resolve(ROOT, detail)) ? ['--detail', detail] : []),
    '--markets', MARKETS, '--ladders', ...LADDERS, '--json',
    ...(funding ? ['--funding', `${FUNDING}/${symbol}-fundingRate.csv`, '--mark', `${MARK}/${symbol}-1h.csv`] : []),
  ];
  const json = JSON.parse(execFileSync('node', args, { cwd: ROOT, maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'ignore'] }).toString()) as { runs: Run[]; same_entries: boolean };
  if (!json.same_entries) throw new Error(`${symbol}: the runs did not enter the same trades`);
  return json.runs;
}

const totals = new Map<string, { without: number; with: number; funding: number; settlements: number }>();
for (const symbol of SYMBOLS) {
  const plain = compare(symbol, false);
  const funded = compare(symbol, true);
  for (const r of funded) {
    const t = totals.get(r.name) ?? { without: 0, with: 0, funding: 0, settlements: 0 };
    t.without += plain.find((p) => p.name === r.name)!.summary.total_pnl;
    t.with += r.summary.total_pnl;
    t.funding += r.funding!.total;
    t.settlements += r.funding!.settlements;
    totals.set(r.name, t);
  }
}
const f2 = (x: number) => x.toFixed(2);
const rank = (key: 'without' | 'with') => [...totals].sort((a, b) => b[1][key] - a[1][key]).map(([n]) => n);
const before = rank('without');
const after = rank('with');
const lines = ['| run | total PnL without funding | funding | total PnL with funding | settlements charged | rank without → with |', '|---|---:|---:|---:|---:|---:|'];
for (const [name, t] of totals) lines.push(`| ${name} | ${f2(t.without)} | ${f2(t.funding)} | ${f2(t.with)} | ${t.settlements} | ${before.indexOf(name) + 1} → ${after.indexOf(name) + 1} |`);
process.stdout.write(`${lines.join('\n')}\n`);
