import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runBacktest } from '../../src/backtest/engine.ts';
import { loadBacktestInputs } from '../../src/cli/backtest-inputs.ts';
import { ladderCandidate, referenceCandidates } from '../../src/optimize/candidate.ts';
import { prepareDataset, windowInputs } from '../../src/optimize/dataset.ts';
import { evaluateCandidate } from '../../src/optimize/evaluate.ts';
import { studyWindows } from '../../src/optimize/folds.ts';
import { dailyReturns, windowMetrics } from '../../src/optimize/metrics.ts';

const KLINES = fileURLToPath(new URL('../../../shared/data/binance-spot-klines/', import.meta.url));
const MARKETS = fileURLToPath(new URL('../../../shared/data/binance-usdm-exchange-info.json', import.meta.url));
const CONFIG = fileURLToPath(new URL('../../examples/scaled.config.json', import.meta.url));

const input = await loadBacktestInputs({ config: CONFIG, data: `${KLINES}BTCUSDT-1h.csv,${KLINES}ETHUSDT-1h.csv`, markets: MARKETS, from: '2023-01-01', to: '2024-01-01' });

describe('evaluating a candidate on signals read once', () => {
  const ds = prepareDataset(input.symbols, input.options);

  it('replays the same trades as runBacktest with the strategy itself (both references, full window)', () => {
    for (const ref of referenceCandidates(input.config)) {
      const o = { ...input.options, settings: ref.settings, sizingBalance: 'starting' as const };
      const direct = runBacktest(input.symbols, o);
      const replay = runBacktest(windowInputs(ds, -Infinity, Infinity), o);
      expect(replay.trades.length).toBeGreaterThan(100);
      // As JSON: a closed trade is a view whose fields are getters (toEqual would compare no fields).
      expect(replay.trades.map((t) => JSON.stringify(t))).toEqual(direct.trades.map((t) => JSON.stringify(t)));
      expect([...replay.equity]).toEqual([...direct.equity]);
      const r = evaluateCandidate(ds, ref.settings, [{ role: 'full', fold: null, fromMs: -Infinity, toMs: Infinity }]);
      expect(r.windows[0]!.metrics.total_pnl).toBe(direct.summary.total_pnl);
      expect(r.windows[0]!.metrics.trades).toBe(direct.trades.length);
    }
  });

  it("the last level's stop move changes nothing (the level closes what remains): every choice gives runBacktest's same trades, market or limit exits, so the search space keeps one", () => {
    for (const execution of ['market', 'limit'] as const) {
      const runs = (['previous_tp', 'breakeven', 'none', { profit_pct: 0.5 }] as const).map((last) => {
        const c = ladderCandidate(input.config, {
          levels: [
            { profit_pct: 1, close_pct: 30, move_stop_to: 'breakeven' },
            { profit_pct: 2, close_pct: 30, move_stop_to: 'previous_tp' },
            { profit_pct: 3.5, close_pct: 40, move_stop_to: last },
          ],
          breakeven_offset_pct: 0,
          stop_loss_pct: 2,
          scaled_tp_execution: execution,
        });
        if (!c.ok) throw new Error(c.error.why);
        return runBacktest(input.symbols, { ...input.options, settings: c.value.settings, sizingBalance: 'starting' });
      });
      // The last level is reached (else its move would be moot for another reason).
      expect(runs[0]!.trades.filter((t) => JSON.stringify(t).includes('"tp3"')).length).toBeGreaterThan(10);
      // Exits, stop moves, PnL and the equity curve alike; only the stored plan says where that stop would have gone.
      const traded = (r: (typeof runs)[number]) => r.trades.map((t) => JSON.stringify({ ...(JSON.parse(JSON.stringify(t)) as object), plan: null }));
      for (const r of runs.slice(1)) {
        expect(traded(r)).toEqual(traded(runs[0]!));
        expect([...r.equity]).toEqual([...runs[0]!.equity]);
      }
    }
  });

  it('a breakeven offset changes nothing in a ladder that moves no stop to breakeven: every offset gives runBacktest\'s same trades, so the search tries that ladder once', () => {
    const runs = [0, 0.1, 0.5].map((offset) => {
      const c = ladderCandidate(input.config, {
        levels: [
          { profit_pct: 1, close_pct: 30, move_stop_to: { profit_pct: 0.3 } },
          { profit_pct: 2, close_pct: 30, move_stop_to: 'previous_tp' },
          { profit_pct: 3.5, close_pct: 40, move_stop_to: 'none' },
        ],
        breakeven_offset_pct: offset,
        stop_loss_pct: 2,
        scaled_tp_execution: 'market',
      });
      if (!c.ok) throw new Error(c.error.why);
      return runBacktest(input.symbols, { ...input.options, settings: c.value.settings, sizingBalance: 'starting' });
    });
    const traded = (r: (typeof runs)[number]) => r.trades.map((t) => JSON.stringify({ ...(JSON.parse(JSON.stringify(t)) as object), plan: null }));
    expect(runs[0]!.trades.filter((t) => JSON.stringify(t).includes('"tp2"')).length).toBeGreaterThan(10);
    for (const r of runs.slice(1)) {
      expect(traded(r)).toEqual(traded(runs[0]!));
      expect([...r.equity]).toEqual([...runs[0]!.equity]);
    }
  });

  it('a window sees only its own candles and keeps its daily returns (test) or not (train)', () => {
    const w = studyWindows(Date.UTC(2023, 0, 1), Date.UTC(2024, 0, 1), { folds: 2, trainMonths: 6, testMonths: 3, anchored: false });
    expect(w.ok).toBe(true);
    if (!w.ok) return;
    expect(w.value.map((x) => `${x.role}${x.fold ?? ''} ${new Date(x.fromMs).toISOString().slice(0, 7)}`)).toEqual(['full 2023-01', 'train0 2023-01', 'test0 2023-07', 'train1 2023-04', 'test1 2023-10']);
    const r = evaluateCandidate(ds, referenceCandidates(input.config)[1]!.settings, w.value);
    expect(r.windows[1]!.daily).toBeUndefined();
    expect(r.windows[2]!.daily!.returns).toHaveLength(92); // July–September
    expect(r.windows[2]!.daily!.firstDayMs).toBe(Date.UTC(2023, 6, 1));
  });

  it('daily returns: the last equity of each UTC day over the day before (by hand)', () => {
    const H = 3_600_000;
    const D = 24 * H;
    const d = dailyReturns([0, H, D, D + H, 2 * D], [100, 110, 121, 99, 99], 100, H);
    expect(d.equity).toEqual([110, 99, 99]);
    expect(d.returns.map((x) => Number(x.toFixed(12)))).toEqual([0.1, -0.1, 0]);
  });

  it('daily returns are of every calendar day the run covers: a day without a candle (1w, 3d or 1M candles, a data gap) keeps the equity of the day before (return 0), a candle\'s equity is dated by the day it is known (its last), so Sharpe, Sortino and Calmar are annualised over the days the run took', () => {
    const D = 86_400_000;
    const W = Date.UTC(2024, 0, 1); // a Monday: three weekly candles, to Sunday 21 January's end
    const d = dailyReturns([W, W + 7 * D, W + 14 * D], [10_100, 10_000, 10_200], 10_000, 7 * D);
    // 21 days, 1 to 21 January; each week's equity on its Sunday (known at its close, not on its Monday).
    expect(d.dayMs).toEqual(Array.from({ length: 21 }, (_, k) => W + k * D));
    expect(d.equity).toEqual([...Array<number>(6).fill(10_000), 10_100, ...Array<number>(6).fill(10_100), 10_000, ...Array<number>(6).fill(10_000), 10_200]);
    const zeros = Array<number>(6).fill(0);
    expect(d.returns.map((x) => Number(x.toFixed(12)))).toEqual([...zeros, 0.01, ...zeros, Number((10_000 / 10_100 - 1).toFixed(12)), ...zeros, 0.02]);
    // Calmar over the 21 days the growth took (before: 15, Monday 1 to Monday 15, as if three weeks were a fortnight and a day).
    const m = windowMetrics({ summary: { trades: 3, win_rate: 1, profit_factor: null, total_pnl: 200, max_drawdown_pct: 100 / 101, final_equity: 10_200 }, rMultiples: [1, 1, 1], equityTimeMs: [W, W + 7 * D, W + 14 * D], equity: [10_100, 10_000, 10_200] }, 10_000, d.returns);
    expect(m.days).toBe(21);
    expect(m.calmar).toBeCloseTo((1.02 ** (365 / 21) - 1) / (1 / 101), 9);
    // 3d candles: two of them, 1 to 6 January.
    expect(dailyReturns([W, W + 3 * D], [10_100, 10_200], 10_000, 3 * D).returns.map((x) => Number(x.toFixed(12)))).toEqual([0, 0, 0.01, 0, 0, Number((10_200 / 10_100 - 1).toFixed(12))]);
  });

  it('folds that need more data than there is are refused, naming the flags', () => {
    const w = studyWindows(Date.UTC(2023, 0, 1), Date.UTC(2024, 0, 1), { folds: 4, trainMonths: 12, testMonths: 6, anchored: true });
    expect(!w.ok && w.error).toMatch(/^--folds 4 --train-months 12 --test-months 6 needs 36 months/);
  });
});
