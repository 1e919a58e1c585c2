// Test module: long on every `every`-th candle, and throws on the candle that opens at `throw_at_ms`.
import { z } from 'zod';
import type { CandleStrategy } from 'ladder/strategy';

export const params = z.strictObject({ every: z.number().int().min(1).default(10), throw_at_ms: z.number().default(-1) });

export function create(p: z.infer<typeof params>): CandleStrategy {
  return {
    onCandle(c, i) {
      if (c.time[i] === p.throw_at_ms) {
        throw new Error(`boom at candle ${i}`);
      }
      return i % p.every === 0 ? { side: i % (2 * p.every) === 0 ? 'long' : 'short', reason: `every ${p.every}` } : null;
    },
  };
}
