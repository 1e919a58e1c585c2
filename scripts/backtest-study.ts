/**
 * The scaled-vs-single study of docs/backtest-results.md (task 17). Runs `ladder compare` on the ten
 * real 1h files (2022-01 → 2026-04) with three ladders and the single take-profit, 15m detail where it
 * exists, and prints the markdown tables. Usage: npx tsx scripts/backtest-study.ts > /tmp/tables.md
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { KLINES, LADDERS, MARKETS, SYMBOLS } from './study-inputs.ts';

const ROOT = resolve(import.meta.dirname, '..');

interface Summary {
  trades: number;
  win_rate: number;
  profit_factor: number | null;
  total_pnl: number;
  max_drawdown_pct: number;
  final_equity: number;
}
interface Run {
  name: string;
  summary: Summary;
  /** `level` is 1…N, or "tp" for the single take-profit's row (not ladder level 1). */
  levels: { level: number | string; hits: number; hit_rate: number; avg_pnl: number }[];
  trades: { symbol: string; entry_time: string; pnl: number; exits: { fee: number; reason: string }[] }[];
}

export function compareArgs(symbol: string): string[] {
  const detail = `${KLINES}/${symbol}-15m.csv`;
  return [
    'bin/ladder.js', 'compare', '--config', 'config.json', '--data', `${KLINES}/${symbol}-1h.csv`,
    ...(existsSync(resolve(ROOT, detail)) ? ['--detail', detail] : []),
    '--markets', MARKETS, '--ladders', ...LADDERS, '--json',
  ];
}

const f2 = (x: number) => x.toFixed(2);
const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
const out: string[] = [];
const totals = new Map<string, { pnl: number; trades: number; wins: number; fees: number; gp: number; gl: number; dd: number[] }>();
const levelTotals = new Map<string, Map<number | string, { hits: number; eligible: number; pnl: number }>>();
let allSame = true;
/** PnL per calendar year of entry, per run. */
const byYear = new Map<string, Map<string, number>>();
/** Trades that filled TP1 only and whose remainder was then stopped at breakeven (the whipsaw). */
const whipsaw = new Map<string, { count: number; pnl: number; singlePnl: number }>();

for (const symbol of SYMBOLS) {
  const args = compareArgs(symbol);
  const json = JSON.parse(execFileSync('node', args, { cwd: ROOT, maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'ignore'] }).toString()) as { runs: Run[]; same_entries: boolean };
  allSame &&= json.same_entries;
  out.push(`### ${symbol}${args.includes('--detail') ? ' (15m detail)' : ''}`, '', `\`npx ladder ${args.slice(1).join(' ')}\``, '');
  out.push('| run | trades | win rate | profit factor | total PnL | max DD | fees |', '|---|---:|---:|---:|---:|---:|---:|');
  for (const r of json.runs) {
    const fees = r.trades.reduce((s, t) => s + t.exits.reduce((a, e) => a + e.fee, 0), 0);
    const s = r.summary;
    out.push(`| ${r.name} | ${s.trades} | ${pct(s.win_rate)} | ${s.profit_factor === null ? '∞' : f2(s.profit_factor)} | ${f2(s.total_pnl)} | ${f2(s.max_drawdown_pct)} % | ${f2(fees)} |`);
    const t = totals.get(r.name) ?? { pnl: 0, trades: 0, wins: 0, fees: 0, gp: 0, gl: 0, dd: [] };
    t.pnl += s.total_pnl;
    t.trades += s.trades;
    t.wins += Math.round(s.win_rate * s.trades);
    t.fees += fees;
    for (const x of r.trades) {
      if (x.pnl > 0) t.gp += x.pnl;
      else t.gl -= x.pnl;
    }
    t.dd.push(s.max_drawdown_pct);
    totals.set(r.name, t);
    const lt = levelTotals.get(r.name) ?? new Map();
    for (const l of r.levels) {
      const a = lt.get(l.level) ?? { hits: 0, eligible: 0, pnl: 0 };
      a.hits += l.hits;
      a.eligible += l.hit_rate > 0 ? Math.round(l.hits / l.hit_rate) : 0;
      a.pnl += l.avg_pnl * l.hits;
      lt.set(l.level, a);
    }
    levelTotals.set(r.name, lt);
  }
  out.push('', `Same entries in every run: ${json.same_entries}`, '');
  const single = new Map(json.runs.find((r) => r.name === 'single')!.trades.map((t) => [`${t.symbol} ${t.entry_time}`, t.pnl]));
  for (const r of json.runs) {
    const y = byYear.get(r.name) ?? new Map<string, number>();
    const w = whipsaw.get(r.name) ?? { count: 0, pnl: 0, singlePnl: 0 };
    for (const t of r.trades) {
      const year = t.entry_time.slice(0, 4);
      y.set(year, (y.get(year) ?? 0) + t.pnl);
      if (t.exits.length === 2 && t.exits[0]!.reason === 'tp1' && t.exits[1]!.reason === 'stop') {
        w.count++;
        w.pnl += t.pnl;
        w.singlePnl += single.get(`${t.symbol} ${t.entry_time}`) ?? 0;
      }
    }
    byYear.set(r.name, y);
    whipsaw.set(r.name, w);
  }
}

const head = ['## All ten symbols together', '', '| run | trades | win rate | profit factor | total PnL | fees | PnL before fees | worst max DD |', '|---|---:|---:|---:|---:|---:|---:|---:|'];
for (const [name, t] of totals) {
  head.push(`| ${name} | ${t.trades} | ${pct(t.wins / t.trades)} | ${f2(t.gp / t.gl)} | ${f2(t.pnl)} | ${f2(t.fees)} | ${f2(t.pnl + t.fees)} | ${f2(Math.max(...t.dd))} % |`);
}
head.push('', '### Per-level hit rates, all symbols', '', '| run | level | hits | hit rate | avg PnL per hit |', '|---|---:|---:|---:|---:|');
for (const [name, lt] of levelTotals) {
  // Ladder levels in order, the single take-profit's `tp` row last.
  const rank = (l: number | string) => (typeof l === 'number' ? l : Infinity);
  for (const [level, a] of [...lt].sort((x, y) => rank(x[0]) - rank(y[0]))) head.push(`| ${name} | ${level} | ${a.hits} | ${a.eligible ? pct(a.hits / a.eligible) : '–'} | ${a.hits ? f2(a.pnl / a.hits) : '–'} |`);
}
const years = [...new Set([...byYear.values()].flatMap((m) => [...m.keys()]))].sort();
head.push('', '### Total PnL by year of entry, all symbols', '', `| run | ${years.join(' | ')} |`, `|---|${years.map(() => '---:').join('|')}|`);
for (const [name, y] of byYear) head.push(`| ${name} | ${years.map((k) => f2(y.get(k) ?? 0)).join(' | ')} |`);
head.push('', '### TP1 filled, then the rest stopped at the breakeven stop (the whipsaw)', '', '| ladder | trades | their PnL | the single TP on the same entries |', '|---|---:|---:|---:|');
for (const [name, w] of whipsaw) if (name !== 'single') head.push(`| ${name} | ${w.count} | ${f2(w.pnl)} | ${f2(w.singlePnl)} |`);
head.push('', `Same entries in every run, every symbol: ${allSame}`, '');
process.stdout.write([...head, '## Per symbol', '', ...out].join('\n'));
