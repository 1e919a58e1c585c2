/**
 * Donchian breakout with an ATR stop: follow the break of a range. Long when a candle closes above
 * the highest high of the `period` candles before it, short when it closes below their lowest low
 * (only the first close beyond, not every one after). Each entry carries its own stop,
 * `atr_mult × ATR(atr_period)` from the close, so the stop widens with volatility.
 *
 * Backtest: node bin/ladder.js backtest --config examples/strategies/donchian-breakout.config.json --data data/candles/ETHUSDT-1h.csv
 */
import { ATR, DonchianChannels } from 'trading-signals';
import { z } from 'zod';
import type { CandleSeries, CandleStrategy, EntrySignal } from 'ladder/strategy';

export const name = 'donchian_breakout';

export const params = z.strictObject({
  period: z.number().int().min(2).default(20),
  atr_period: z.number().int().min(1).default(14),
  atr_mult: z.number().gt(0).default(2),
});

export function create(p: z.infer<typeof params>): CandleStrategy {
  const channel = new DonchianChannels(p.period);
  const atr = new ATR(p.atr_period);
  /** Which side of the channel the previous close was: a breakout is the first close beyond. */
  let wasBeyond: 'above' | 'below' | 'inside' = 'inside';
  return {
    warmup: Math.max(p.period, p.atr_period),
    onCandle(c: CandleSeries, i: number): EntrySignal | null {
      const high = c.high[i]!;
      const low = c.low[i]!;
      const close = c.close[i]!;
      // The channel of the candles before this one: read before this candle goes in.
      const range = channel.getResult();
      channel.update({ high, low }, false);
      const atrValue = atr.update({ high, low, close }, false);
      if (range === null || atrValue === null) return null;
      const now = close > range.upper ? 'above' : close < range.lower ? 'below' : 'inside';
      const fresh = now !== wasBeyond;
      wasBeyond = now;
      if (!fresh || now === 'inside') return null;
      const stopLossPct = ((p.atr_mult * atrValue) / close) * 100;
      if (!(stopLossPct > 0 && stopLossPct < 100)) return null;
      const side = now === 'above' ? 'long' : 'short';
      return { side, stopLossPct, reason: `close ${close} ${now} the ${p.period}-candle channel (${now === 'above' ? range.upper : range.lower})` };
    },
  };
}
