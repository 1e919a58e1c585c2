// Test module: long when the close is above the close `period` candles before, else short; nothing
// before candle `period` (its warm-up: an indicator over that many candles).
import { z } from 'zod';
import type { CandleStrategy } from 'ladder/strategy';

export const params = z.strictObject({ period: z.number().int().min(1).default(600) });

export function create(p: z.infer<typeof params>): CandleStrategy {
  return {
    warmup: p.period,
    onCandle(c, i) {
      if (i < p.period) return null;
      return { side: c.close[i]! > c.close[i - p.period]! ? 'long' : 'short', reason: `momentum ${p.period}` };
    },
  };
}
