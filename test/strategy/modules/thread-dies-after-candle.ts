// Test module: no signal ever; on its `die_after`-th call it returns normally but leaves an exception
// thrown from a timer (a bug in a user's async code), which ends the module's thread between calls.
import { z } from 'zod';
import type { CandleStrategy } from 'ladder/strategy';

export const params = z.strictObject({ die_after: z.number().int().min(1).default(3) });

export function create(p: z.infer<typeof params>): CandleStrategy {
  let calls = 0;
  return {
    onCandle() {
      if (++calls === p.die_after) setTimeout(() => {
        throw new Error('module timer failed');
      }, 0);
      return null;
    },
  };
}
