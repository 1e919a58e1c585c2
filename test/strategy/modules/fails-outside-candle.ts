// Test module that fails outside its onCandle call on candle `at`: a promise it does not await
// rejects (`how: "promise"`), or a timer it set throws (`how: "timer"`).
import { z } from 'zod';
import type { CandleStrategy } from 'ladder/strategy';

export const params = z.strictObject({ at: z.number().int().min(0).default(5), how: z.enum(['promise', 'timer']).default('promise') });

export function create(p: z.infer<typeof params>): CandleStrategy {
  return {
    onCandle(_c, i) {
      if (i === p.at && p.how === 'promise') void Promise.reject(new Error(`report upload failed at candle ${i}`));
      if (i === p.at && p.how === 'timer') setTimeout(() => { throw new Error(`late failure after candle ${i}`); }, 0);
      return null;
    },
  };
}
