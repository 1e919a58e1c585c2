// Test module: answers every candle, but takes `ms` milliseconds for each (a heavy computation, not a hang).
import { z } from 'zod';
import type { CandleStrategy } from 'ladder/strategy';

export const params = z.strictObject({ ms: z.number().min(0).default(20) });

export function create(p: z.infer<typeof params>): CandleStrategy {
  return {
    onCandle() {
      const t = Date.now();
      while (Date.now() - t < p.ms);
      return null;
    },
  };
}
