// Test module: long on every `every`-th candle (short on every other one), and never returns on the
// candle that opens at `hang_at_ms` (an endless loop, as a bug in a user's strategy would make).
import { z } from 'zod';
import type { CandleStrategy } from 'ladder/strategy';

export const params = z.strictObject({ every: z.number().int().min(1).default(10), hang_at_ms: z.number().default(-1) });

export function create(p: z.infer<typeof params>): CandleStrategy {
  return {
    onCandle(c, i) {
      if (c.time[i] === p.hang_at_ms) for (;;);
      return i % p.every === 0 ? { side: i % (2 * p.every) === 0 ? 'long' : 'short', reason: `every ${p.every}` } : null;
    },
  };
}
