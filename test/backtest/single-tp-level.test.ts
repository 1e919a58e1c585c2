import { describe, expect, it } from 'vitest';
import { type BacktestOptions, type EntrySignal, runBacktest } from '../../src/backtest/engine.ts';
import { levelsJson, resultJson } from '../../src/backtest/result-json.ts';
import { analyzeRun } from '../../src/core/analytics/run-analytics.ts';
import { tpStatus } from '../../src/core/scaled-tp/tp-status.ts';
import { series } from '../support/candles.ts';
import { BTC, marketRules } from '../support/market.ts';
import { DEFAULT_SETTINGS } from '../support/settings.ts';

const options = (scaled: boolean, base = 0.01): BacktestOptions => ({
  settings: { ...DEFAULT_SETTINGS, scaled, minOrderNotional: 0 },
  fills: { takerPct: 0, makerPct: 0, slippagePct: 0 },
  intrabar: 'pessimistic',
  startingBalance: 10_000,
  leverage: 10,
  maxOpenPositions: 5,
  positionSize: { mode: 'base', value: base },
});
// Long at 60000; the 01:00 candle reaches the single TP (3 %) 61800 and every ladder level.
const rows = [
  [59900, 60000, 59800, 60000],
  [60000, 62200, 59950, 62000],
  [62000, 62100, 61900, 62000],
] as const;
const input = () => {
  const candles = series(rows);
  return { symbol: 'BTCUSDT', candles, market: BTC, entryAt: (i: number): EntrySignal | null => (i === 1 ? { side: 'long', timeMs: candles.time[1]! } : null) };
};

describe('a single take-profit is not ladder level 1', () => {
  it('scaled off: reason tp, level null, tp_levels_hit empty; the level row is keyed tp with level null', () => {
    const run = runBacktest([input()], options(false));
    const t = run.trades[0]!;
    expect(t.partialExits.map((e) => [e.reason, e.level, e.price])).toEqual([['tp', null, 61800]]);
    expect(t.tpLevelsHit).toEqual([]);
    expect(run.levels.map((l) => [l.reason, l.level, l.hits, l.eligible])).toEqual([['tp', null, 1, 1]]);
    expect(levelsJson(run.levels)).toEqual([{ level: 'tp', hits: 1, hit_rate: 1, avg_pnl: 18 }]);
    expect(resultJson(run).trades[0]!.exits[0]!.level).toBeNull();
    // Still counted as closed by its take-profit, and shown hit on its status.
    expect(analyzeRun(run.trades, 10_000, run.equity).remainder_closed_by.last_tp).toBe(1);
    expect(tpStatus(t).levels.map((l) => [l.reason, l.hit, l.fillPrice])).toEqual([['tp', true, 61800]]);
  });

  it('the R3.3 fallback exits as tp with level null; a run mixing it with ladders lists tp1…tp3 then tp', () => {
    // 0.01 BTC = 10 steps with a 250 USDT exit minimum (5 steps): 3 + 3 roll into the last level, one exit.
    const small = runBacktest([input()], { ...options(true), settings: { ...DEFAULT_SETTINGS, minOrderNotional: 250 } });
    const t = small.trades[0]!;
    expect(t.plan.singleReason).toBe('too_small_to_split');
    expect(t.partialExits.map((e) => [e.reason, e.level])).toEqual([['tp', null]]);
    expect(t.tpLevelsHit).toEqual([]);
    expect(levelsJson(small.levels).map((l) => l.level)).toEqual(['tp']);
    // A second symbol whose step makes 0.01 one step: it falls back, BTC keeps its ladder.
    const coarse = { ...input(), symbol: 'ETHUSDT', market: marketRules({ id: 'ETHUSDT', tick: '0.1', step: '0.01' }) };
    const mixed = runBacktest([input(), coarse], options(true));
    expect(mixed.levels.map((l) => [l.reason, l.level, l.hits])).toEqual([
      ['tp1', 1, 1],
      ['tp2', 2, 1],
      ['tp3', 3, 1],
      ['tp', null, 1],
    ]);
    // The JSON has every row the text prints: the fallback's tp row after the ladder's (it was left out before).
    expect(levelsJson(mixed.levels).map((l) => l.level)).toEqual([1, 2, 3, 'tp']);
  });
});
