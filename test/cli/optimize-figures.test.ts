import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/temp-dir.ts';
import { runLadder } from '../support/ladder-cli.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const MARKETS = resolve(ROOT, '../shared/data/binance-usdm-exchange-info.json');
const H = 3_600_000;
const T = Date.UTC(2024, 0, 1);

interface Metrics {
  trades: number;
  total_pnl: number;
  profit_factor: number | null;
  sharpe: number;
  sortino: number | null;
  calmar: number | null;
  expectancy_r: number;
  max_drawdown_pct: number;
  days: number;
}

/** Sharpe, Sortino (annualised with √365) and Calmar of a daily equity series from 10,000, written out by hand. */
function byHand(equity: number[], maxDrawdown: number) {
  const r = equity.map((e, k) => e / (k === 0 ? 10_000 : equity[k - 1]!) - 1);
  const mean = r.reduce((a, x) => a + x, 0) / r.length;
  const sd = Math.sqrt(r.reduce((a, x) => a + (x - mean) ** 2, 0) / (r.length - 1));
  const down = Math.sqrt(r.reduce((a, x) => a + Math.min(x, 0) ** 2, 0) / r.length);
  const cagr = (equity.at(-1)! / 10_000) ** (365 / r.length) - 1;
  return { sharpe: (mean / sd) * Math.sqrt(365), sortino: down > 0 ? (mean / down) * Math.sqrt(365) : null, calmar: cagr / maxDrawdown };
}

describe('ladder optimize: the figures of a ladder, by hand', () => {
  it('four days, three signals, fees 0: trades, PnL, profit factor (none without a loser), Sharpe and Sortino of daily returns, Calmar, expectancy in R and drawdown as worked out on paper', async () => {
    const dir = tempDir('ladder-opt-figures-');
    // Days 1 and 3: flat at 100, then 101.5 at 01:00 (closing 101, held there); day 2: down to 98.5 at 01:00 (closing 99, held there); day 4 flat at 100.
    const rows: string[] = ['time,open,high,low,close,volume'];
    for (let d = 0; d < 4; d++) {
      for (let h = 0; h < 24; h++) {
        const up = d === 0 || d === 2;
        const [o, hi, lo, c] = d === 3 || h === 0 ? [100, 100, 100, 100] : h === 1 ? (up ? [100, 101.5, 100, 101] : [100, 100, 98.5, 99]) : up ? [101, 101, 101, 101] : [99, 99, 99, 99];
        rows.push(`${T + (d * 24 + h) * H},${o},${hi},${lo},${c},1`);
      }
    }
    const data = join(dir, 'BTCUSDT-1h.csv');
    writeFileSync(data, `${rows.join('\n')}\n`);
    // A long at the open of each of the first three days: 1,000 USDT at 100 is 10 BTC; the stop 1 % away risks 10 USDT (1 R).
    const signals = join(dir, 'signals.csv');
    writeFileSync(signals, ['time,symbol,side', ...[0, 1, 2].map((d) => `${new Date(T + d * 24 * H).toISOString()},BTCUSDT,long`)].join('\n'));
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ symbols: ['BTC/USDT:USDT'], timeframe: '1h', leverage: 1, max_open_positions: 1, position_size: { mode: 'quote', value: 1000 }, stop_loss_pct: 1, take_profit_pct: 1, fees: { taker_pct: 0, maker_pct: 0 }, backtest: { starting_balance: 10_000 } }));
    // Two ladders: one level at 1 % (the single take-profit's exits), and 50 % at 1 % + 50 % at 2 % with the stop to breakeven.
    const space = join(dir, 'space.json');
    writeFileSync(space, JSON.stringify({ levels: [1, 2], profit_pct: [1, 2], close_pct: { step: 50 } }));
    const r = await runLadder(['optimize', '--config', config, '--data', data, '--markets', MARKETS, '--signals', signals, '--space', space, '--method', 'grid', '--min-trades', '1', '--db', join(dir, 'o.db'), '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as { ranking: { key: string; metrics: Metrics }[]; references: { single: { metrics: Metrics } } };
    const of = (levels: number) => j.ranking.find((x) => (JSON.parse(x.key) as { levels: unknown[] }).levels.length === levels)!.metrics;

    // One level at 1 %: +10 (day 1, target 101), −10 (day 2, stop 99), +10 (day 3): days end at 10,010, 10,000, 10,010, 10,010.
    const one = byHand([10_010, 10_000, 10_010, 10_010], 10 / 10_010);
    for (const m of [of(1), j.references.single.metrics]) {
      expect(m).toMatchObject({ trades: 3, total_pnl: 10, profit_factor: 2, days: 4 });
      expect(m.expectancy_r).toBeCloseTo(1 / 3, 12); // +1 R, −1 R, +1 R
      expect(m.max_drawdown_pct).toBeCloseTo(1000 / 10_010, 12);
      expect(m.sharpe).toBeCloseTo(one.sharpe, 9);
      expect(m.sortino!).toBeCloseTo(one.sortino!, 9);
      expect(m.calmar!).toBeCloseTo(one.calmar, 6);
    }
    // Two levels: day 1 TP1 +5 and 5 BTC held at 101 (10,010); day 2 opens at 100 on the breakeven stop: +0, the day's signal
    // ignored while long (10,005); day 3 the same as day 1 (10,015); day 4 the stop at 100 (10,010). No losing trade: no profit factor.
    const two = byHand([10_010, 10_005, 10_015, 10_010], 5 / 10_010);
    const m = of(2);
    expect(m).toMatchObject({ trades: 2, total_pnl: 10, profit_factor: null, days: 4 });
    expect(m.expectancy_r).toBeCloseTo(0.5, 12);
    expect(m.max_drawdown_pct).toBeCloseTo(500 / 10_010, 12);
    expect(m.sharpe).toBeCloseTo(two.sharpe, 9);
    expect(m.sortino!).toBeCloseTo(two.sortino!, 9);
    expect(m.calmar!).toBeCloseTo(two.calmar, 6);
  });
});
