// Test module: throws when the candles it is shown skip one (a hole in the series: its indicators would
// mix candles from before and after it); long on every `every`-th candle otherwise.
import { z } from 'zod';
import type { CandleStrategy } from 'ladder/strategy';

export const params = z.strictObject({ every: z.number().int().min(1).default(24) });

export function create(p: z.infer<typeof params>): CandleStrategy {
  return {
    onCandle(c, i) {
      if (i > 0 && c.time[i]! - c.time[i - 1]! !== c.timeframeMs) {
        throw new Error(`a hole before candle ${i}: ${new Date(c.time[i - 1]!).toISOString()} then ${new Date(c.time[i]!).toISOString()}`);
      }
      return i % p.every === 0 ? { side: 'long', reason: `every ${p.every}` } : null;
    },
  };
}
