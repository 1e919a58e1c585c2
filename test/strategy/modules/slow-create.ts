// Test module whose create() takes `ms` milliseconds (a model read, a heavy set-up), then answers null.
import { z } from 'zod';
import type { CandleStrategy } from 'ladder/strategy';

export const params = z.strictObject({ ms: z.number().min(0).default(1000) });

export function create(p: z.infer<typeof params>): CandleStrategy {
  const t = Date.now();
  while (Date.now() - t < p.ms);
  return { onCandle: () => null };
}
