// Test module: long on the first candle after a gap the series reports (`candles.gaps`), its reason
// the number of candles missing; nothing otherwise. Answers only from what `gaps` says.
import { z } from 'zod';
import type { CandleStrategy } from 'ladder/strategy';

export const params = z.strictObject({});

export function create(): CandleStrategy {
  return {
    onCandle(c, i) {
      const g = c.gaps.find((x) => x.afterIndex === i - 1);
      return g === undefined ? null : { side: 'long', reason: `after ${g.missing} missing` };
    },
  };
}
