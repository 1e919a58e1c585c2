import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/temp-dir.ts';
import { runLadder } from '../support/ladder-cli.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const KLINES = resolve(ROOT, '../shared/data/binance-spot-klines');
const MARKETS = resolve(ROOT, '../shared/data/binance-usdm-exchange-info.json');

const ladder = (args: string[]) => runLadder(args);

interface Run {
  name: string;
  summary: { trades: number };
  levels: { level: number | string }[];
  trades: { entry_time: string; symbol: string; side: string; original_quantity: number; exits: { reason: string; level: number | null }[] }[];
}

describe('ladder compare (real process, real ETHUSDT 1h)', () => {
  it('says the signals its entries did not take, as backtest does (never fewer trades without the why)', async () => {
    const dir = tempDir('ladder-compare-skips-');
    const T = Date.UTC(2024, 0, 1);
    const H = 3_600_000;
    const flat = (symbol: string, p: number) => {
      const f = join(dir, `${symbol}-1h.csv`);
      writeFileSync(f, Array.from({ length: 6 }, (_, k) => `${T + k * H},${p},${p},${p},${p},1,${T + (k + 1) * H - 1},1,1,1,1,0`).join('\n') + '\n');
      return f;
    };
    const signals = join(dir, 'signals.csv');
    writeFileSync(signals, `time,symbol,side\n${new Date(T + H).toISOString()},ETHUSDT,long\n${new Date(T + H).toISOString()},SOLUSDT,long\n`);
    // 1,500 USDT at leverage 1, 1,000 USDT a position: ETHUSDT (first in symbol order) holds 1,000 of margin, SOLUSDT needs 1,000 with 500 free.
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ symbols: ['ETH/USDT:USDT'], leverage: 1, max_open_positions: 2, position_size: { mode: 'quote', value: 1000 }, enable_scaled_take_profit: true, backtest: { starting_balance: 1500, intrabar: 'pessimistic' } }));
    const args = ['--config', config, '--data', `${flat('ETHUSDT', 2000)},${flat('SOLUSDT', 100)}`, '--signals', signals, '--no-cache'];
    const note = 'note: signals not taken: 1 insufficient_margin (the first: SOLUSDT 2024-01-01T01:00:00.000Z: needs 1000.00, free 500.00)\n';
    const c = await ladder(['compare', '--json', ...args]);
    expect(c.code, c.stderr).toBe(0);
    expect((JSON.parse(c.stdout) as { runs: Run[] }).runs.map((r) => r.trades.map((t) => t.symbol))).toEqual([['ETHUSDT'], ['ETHUSDT']]);
    expect(c.stderr).toContain(note);
    const text = await ladder(['compare', ...args]);
    expect(text.stderr).toContain(note);
    // backtest says the same of the same signals.
    expect((await ladder(['backtest', '--json', ...args])).stderr).toContain(note);
  });

  it('runs scaled and single TP on the same entries and says so, computed', async () => {
    const r = await ladder(['compare', '--config', 'config.json', '--data', `${KLINES}/ETHUSDT-1h.csv`, '--markets', MARKETS, '--json']);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as { runs: Run[]; same_entries: boolean };
    expect(json.same_entries).toBe(true);
    expect(json.runs.map((x) => x.name)).toEqual(['scaled', 'single']);
    const [scaled, single] = json.runs as [Run, Run];
    expect(scaled.trades.length).toBeGreaterThan(100);
    expect(scaled.trades.map((t) => t.entry_time)).toEqual(single.trades.map((t) => t.entry_time));
    expect(scaled.trades.map((t) => t.original_quantity)).toEqual(single.trades.map((t) => t.original_quantity));
    expect(scaled.levels.map((l) => l.level)).toEqual([1, 2, 3]);
    // A single take-profit is not ladder level 1: its row is named tp, its exits have no level.
    expect(single.levels.map((l) => l.level)).toEqual(['tp']);
    expect(single.trades.flatMap((t) => t.exits).filter((e) => e.reason === 'tp').every((e) => e.level === null)).toBe(true);
    expect(scaled.trades.some((t) => t.exits.some((e) => e.reason === 'tp2'))).toBe(true);
    expect(single.trades.every((t) => t.exits.every((e) => !/^tp\d/.test(e.reason)))).toBe(true);
    // R5.5's other figures, in the JSON as in the table: expectancy, average R, how the last part closed.
    for (const run of json.runs) {
      const a = (run as Run & { analytics: { expectancy: number; average_r: number; remainder_closed_by: Record<string, number> } }).analytics;
      expect(a.expectancy).toBeCloseTo((run.summary as unknown as { total_pnl: number }).total_pnl / run.summary.trades, 9);
      expect(Number.isFinite(a.average_r)).toBe(true);
      expect(Object.values(a.remainder_closed_by).reduce((x, y) => x + y, 0)).toBe(run.summary.trades);
    }
  });

  it('a ladder file may set exit keys only, and each ladder needs its own name (not "single")', async () => {
    const dir = tempDir('ladder-cmp-keys-');
    const levels = [{ profit_pct: 1, close_pct: 50 }, { profit_pct: 2, close_pct: 50 }];
    const f = (name: string, o: object) => {
      const p = join(dir, name);
      writeFileSync(p, JSON.stringify(o));
      return p;
    };
    const sizing = f('sizing.json', { scaled_tp_levels: levels, position_size: { mode: 'base', value: 1 }, strategy: { name: 'ema_cross' } });
    const r = await ladder(['compare', '--data', 'data/candles/ETHUSDT-1h.csv', '--ladders', sizing, '--json']);
    expect(r.code).toBe(1);
    // One line per key, at its line and column in the file.
    expect(r.stderr).toMatch(/^ladder: \S*sizing\.json:1:\d+: position_size: not an exit setting; a ladder file may set name, scaled_tp_levels, .*stop_loss_pct/m);
    expect(r.stderr).toMatch(/^ladder: \S*sizing\.json:1:\d+: strategy: not an exit setting/m);
    const named = f('named.json', { name: 'single', scaled_tp_levels: levels });
    const n = await ladder(['compare', '--data', 'data/candles/ETHUSDT-1h.csv', '--ladders', named, '--json']);
    expect(n.code).toBe(1);
    expect(n.stderr).toMatch(/named\.json: name: "single" is already the name of the single take-profit run/);
    const twice = await ladder(['compare', '--data', 'data/candles/ETHUSDT-1h.csv', '--ladders', f('a.json', { name: 'x', scaled_tp_levels: levels }), f('b.json', { name: 'x', scaled_tp_levels: levels }), '--json']);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toMatch(/b\.json: name: "x" is already the name of another ladder/);
  });

  it('a ladder file is taken as written: enable_scaled_take_profit false compares another single TP; a name that is not a string, a missing file and a report in a missing folder are refused before the run', async () => {
    const dir = tempDir('ladder-cmp-as-written-');
    const f = (name: string, o: object) => {
      const p = join(dir, name);
      writeFileSync(p, JSON.stringify(o));
      return p;
    };
    const wide = f('wide.json', { name: 'single at 6 %', enable_scaled_take_profit: false, take_profit_pct: 6 });
    const r = await ladder(['compare', '--data', 'data/candles/ETHUSDT-1h.csv', '--ladders', wide, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const [w, single] = (JSON.parse(r.stdout) as { runs: Run[] }).runs as [Run, Run];
    expect(w.name).toBe('single at 6 %');
    expect(w.levels.map((l) => l.level)).toEqual(['tp']);
    expect(w.trades.flatMap((t) => t.exits).every((e) => !/^tp\d/.test(e.reason))).toBe(true);
    expect(JSON.stringify(w.trades)).not.toBe(JSON.stringify(single.trades)); // its own 6 % target
    const five = await ladder(['compare', '--data', 'data/candles/ETHUSDT-1h.csv', '--ladders', f('five.json', { name: 5, scaled_tp_levels: [{ profit_pct: 1, close_pct: 100 }] }), '--json']);
    expect([five.code, five.stdout]).toEqual([1, '']);
    expect(five.stderr).toMatch(/five\.json:1:9: name: must be a non-empty string \(got 5\)/);
    // Malformed JSON and a bad level: at their line and column in the ladder file.
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{\n  "scaled_tp_levels": [\n    { "profit_pct": 1, "close_pct": 50 },\n    { "profit_pct": 2 "close_pct": 50 }\n  ]\n}\n');
    const b = await ladder(['compare', '--data', 'data/candles/ETHUSDT-1h.csv', '--ladders', broken, '--json']);
    expect(b.stderr).toMatch(/broken\.json:4:23: malformed JSON/);
    const levels = join(dir, 'levels.json');
    writeFileSync(levels, '{\n  "scaled_tp_levels": [\n    { "profit_pct": 1, "close_pct": 50 },\n    { "profit_pct": -2, "close_pct": 50 }\n  ]\n}\n');
    const l = await ladder(['compare', '--data', 'data/candles/ETHUSDT-1h.csv', '--ladders', levels, '--json']);
    expect(l.stderr).toMatch(/levels\.json:4:21: scaled_tp_levels\[1\]\.profit_pct: /);
    // Several problems: one line each, every line an error line (`ladder: file:line:col: …`).
    const two = join(dir, 'two.json');
    writeFileSync(two, '{\n  "scaled_tp_levels": [\n    { "profit_pct": 0, "close_pct": 50 },\n    { "profit_pct": -2, "close_pct": 50 }\n  ]\n}\n');
    const t = await ladder(['compare', '--data', 'data/candles/ETHUSDT-1h.csv', '--ladders', two, '--json']);
    expect([t.code, t.stdout]).toEqual([1, '']);
    expect(t.stderr.split('\n').filter(Boolean)).toEqual([
      `ladder: ${two}:3:21: scaled_tp_levels[0].profit_pct: must be greater than 0`,
      `ladder: ${two}:4:21: scaled_tp_levels[1].profit_pct: must be greater than 0`,
      `ladder: ${two}:4:21: scaled_tp_levels[1].profit_pct: must be greater than the level before it (scaled_tp_levels[0].profit_pct: 0)`,
    ]);
    const missing = await ladder(['compare', '--data', 'data/candles/ETHUSDT-1h.csv', '--ladders', join(dir, 'nope.json'), '--json']);
    expect(missing.stderr).toMatch(/^ladder: --ladders: \S*nope\.json: no such file$/m);
    const report = await ladder(['compare', '--data', 'data/candles/ETHUSDT-1h.csv', '--report', join(dir, 'no/such/folder/r.html')]);
    expect([report.code, report.stdout]).toEqual([1, '']);
    expect(report.stderr).toMatch(/^ladder: --report: the folder \S*no\/such\/folder of \S*r\.html does not exist \(create it, or give another path\)$/m);
  });

  it('compares several ladders at once with the single TP, each ladder validated like the config', async () => {
    const args = ['compare', '--data', 'data/candles/ETHUSDT-1h.csv', '--ladders', 'examples/ladders/front-loaded.json', 'examples/ladders/runner-heavy.json', '--json'];
    const r = await ladder(args);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as { runs: Run[]; same_entries: boolean };
    expect(json.runs.map((x) => x.name)).toEqual(['front-loaded 50/30/20', 'runner-heavy 20/20/60', 'single']);
    expect(json.same_entries).toBe(true);

    const bad = join(tempDir('ladder-cmp-'), 'bad.json');
    writeFileSync(bad, JSON.stringify({ scaled_tp_levels: [{ profit_pct: 2, close_pct: 50 }, { profit_pct: 1, close_pct: 49 }] }));
    const e = await ladder(['compare', '--data', 'data/candles/ETHUSDT-1h.csv', '--ladders', bad, '--json']);
    expect(e.code).not.toBe(0);
    expect(e.stdout).toBe('');
    expect(e.stderr).toMatch(/scaled_tp_levels\[1\]\.profit_pct: must be greater than the level before it/);
    expect(e.stderr).toMatch(/close_pct/);
  });

  it('per level, the hit rate given the level before and the average R, hand-checked on 9 candles (JSON and table)', async () => {
    const dir = tempDir('ladder-compare-levels-');
    const T = Date.UTC(2024, 0, 1);
    const H = 3_600_000;
    // ETHUSDT, 1 ETH long at 2000, stop 2 % (1960: 40 a unit of risk), fees 0; ladder 1 %/30, 2 %/30, 3.5 %/40; single TP 3 % (2060).
    // Trade A (candle 1): TP1 2020 and TP2 2040, stop at TP1 (2020) on candle 2: 6 + 12 + 8; single: 2060 on candle 3, +60.
    // Trade B (candle 6): TP1 2020, stop at breakeven (2000) on candle 7: 6 + 0; single: stop 1960 on candle 8, −40.
    const rows = [[2000, 2000, 2000, 2000], [2000, 2045, 1990, 2030], [2030, 2050, 2010, 2030], [2030, 2070, 2025, 2065], [2065, 2065, 2065, 2065], [2000, 2000, 2000, 2000], [2000, 2025, 1995, 2010], [2010, 2015, 1990, 1995], [1995, 1995, 1950, 1955]];
    const data = join(dir, 'ETHUSDT-1h.csv');
    writeFileSync(data, rows.map(([o, h, l, c], k) => `${T + k * H},${o},${h},${l},${c},1,${T + (k + 1) * H - 1},1,1,1,1,0`).join('\n') + '\n');
    const signals = join(dir, 'signals.csv');
    writeFileSync(signals, `time,symbol,side\n${new Date(T + H).toISOString()},ETHUSDT,long\n${new Date(T + 6 * H).toISOString()},ETHUSDT,long\n`);
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ symbols: ['ETH/USDT:USDT'], leverage: 1, position_size: { mode: 'base', value: 1 }, stop_loss_pct: 2, take_profit_pct: 3, fees: { taker_pct: 0, maker_pct: 0 } }));
    const args = ['compare', '--config', config, '--data', data, '--signals', signals, '--no-cache'];
    const j = await ladder([...args, '--json']);
    expect(j.code, j.stderr).toBe(0);
    type Level = { level: number | string; hits: number; hit_rate: number; hit_rate_given_previous: number | null; avg_pnl: number; avg_r: number };
    const [scaled, single] = (JSON.parse(j.stdout) as { runs: { levels: Level[] }[] }).runs;
    expect(scaled!.levels).toEqual([
      { level: 1, hits: 2, hit_rate: 1, hit_rate_given_previous: null, avg_pnl: 6, avg_r: 0.5 },
      { level: 2, hits: 1, hit_rate: 0.5, hit_rate_given_previous: 0.5, avg_pnl: 12, avg_r: 1 },
      { level: 3, hits: 0, hit_rate: 0, hit_rate_given_previous: 0, avg_pnl: 0, avg_r: 0 },
    ]);
    expect(single!.levels).toEqual([{ level: 'tp', hits: 1, hit_rate: 0.5, hit_rate_given_previous: null, avg_pnl: 60, avg_r: 1.5 }]);
    const t = await ladder(args);
    expect(t.code, t.stderr).toBe(0);
    expect(t.stdout).toMatch(/level\s+eligible\s+hits\s+hit rate\s+given previous\s+avg PnL\s+avg R\n/);
    expect(t.stdout).toMatch(/tp1\s+2\s+2\s+100\.0 %\s+—\s+6\.0000\s+0\.500\n/);
    expect(t.stdout).toMatch(/tp2\s+2\s+1\s+50\.0 %\s+50\.0 %\s+12\.0000\s+1\.000\n/);
    expect(t.stdout).toMatch(/tp3\s+2\s+0\s+0\.0 %\s+0\.0 %\s+0\.0000\s+0\.000\n/);
    expect(t.stdout).toMatch(/tp\s+2\s+1\s+50\.0 %\s+—\s+60\.0000\s+1\.500\n/);
  });

  it('prints the runs side by side as tables without --json', async () => {
    const r = await ladder(['compare', '--data', 'data/candles/BTCUSDT-1h.csv']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/same entries: yes/);
    expect(r.stdout).toMatch(/scaled\s+single/);
    expect(r.stdout).toMatch(/average R/);
  });
});

describe('a report the folder refuses (real process)', () => {
  it('backtest and compare say --report and the file, exit 1, nothing on stdout (before: the bare "ENOENT: no such file or directory, open …")', async () => {
    const file = '/proc/ladder-report.html'; // a folder that exists and takes no new file, even for root
    for (const command of ['backtest', 'compare']) {
      const r = await ladder([command, '--data', 'data/candles/BTCUSDT-1h.csv', '--report', file]);
      expect(r.code, command).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(`ladder: --report: cannot write ${file} (ENOENT: no such file or directory, open '${file}')\n`);
    }
  });
});
