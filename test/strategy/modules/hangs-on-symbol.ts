// Test module: once the file `flag` exists, a long on each new candle of `long_symbol`, and no return
// on a candle of `hang_symbol` (an endless loop, as a bug that shows on one symbol's data would make).
import { existsSync } from 'node:fs';
import { z } from 'zod';
import type { CandleStrategy } from 'ladder/strategy';

export const params = z.strictObject({ flag: z.string(), hang_symbol: z.string(), long_symbol: z.string() });

export function create(p: z.infer<typeof params>): CandleStrategy {
  return {
    onCandle(c) {
      if (!existsSync(p.flag)) return null;
      if (c.symbol === p.hang_symbol) for (;;);
      return c.symbol === p.long_symbol ? { side: 'long', reason: 'flag' } : null;
    },
  };
}
