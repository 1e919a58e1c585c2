// Test module that ends the process on candle `at` (code 0), as a script's `process.exit` would.
import { z } from 'zod';
import type { CandleStrategy } from 'ladder/strategy';

export const params = z.strictObject({ at: z.number().int().min(0).default(5) });

export function create(p: z.infer<typeof params>): CandleStrategy {
  return {
    onCandle(_c, i) {
      if (i === p.at) process.exit(0);
      return null;
    },
  };
}
