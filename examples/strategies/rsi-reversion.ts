/**
 * RSI reversion: fade stretched moves. Long when the RSI climbs back above `oversold` (the selling
 * is exhausted), short when it falls back below `overbought`. Optional trend filter: only longs
 * above the `trend_period` SMA of the closes and only shorts below it (0 = off).
 *
 * Backtest: node bin/ladder.js backtest --config examples/strategies/rsi-reversion.config.json --data data/candles/BTCUSDT-1h.csv
 */
import { RSI, SMA } from 'trading-signals';
import { z } from 'zod';
import type { CandleSeries, CandleStrategy, EntrySignal } from 'ladder/strategy';

export const name = 'rsi_reversion';

export const params = z.strictObject({
  period: z.number().int().min(2).default(14),
  oversold: z.number().gt(0).lt(50).default(30),
  overbought: z.number().gt(50).lt(100).default(70),
  trend_period: z.number().int().min(0).default(0),
  stop_loss_pct: z.number().gt(0).lt(100).optional(),
});

export function create(p: z.infer<typeof params>): CandleStrategy {
  const rsi = new RSI(p.period);
  const trend = p.trend_period > 0 ? new SMA(p.trend_period) : null;
  let prev: number | null = null;
  const signal = (side: 'long' | 'short', value: number): EntrySignal => ({
    side,
    reason: `rsi ${value.toFixed(1)} ${side === 'long' ? `back above ${p.oversold}` : `back below ${p.overbought}`}`,
    ...(p.stop_loss_pct !== undefined ? { stopLossPct: p.stop_loss_pct } : {}),
  });
  return {
    warmup: Math.max(p.period + 1, p.trend_period),
    onCandle(c: CandleSeries, i: number): EntrySignal | null {
      const close = c.close[i]!;
      const value = rsi.update(close, false);
      const sma = trend?.update(close, false) ?? null;
      const before = prev;
      prev = value;
      if (value === null || before === null) return null;
      const trendOk = (side: 'long' | 'short') => trend === null || (sma !== null && (side === 'long' ? close > sma : close < sma));
      if (before <= p.oversold && value > p.oversold && trendOk('long')) return signal('long', value);
      if (before >= p.overbought && value < p.overbought && trendOk('short')) return signal('short', value);
      return null;
    },
  };
}
