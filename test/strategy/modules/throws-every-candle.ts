// Test module: throws on every candle, the same error each time (a bug such as a misspelt name).
import { z } from 'zod';
import type { CandleStrategy } from 'ladder/strategy';

export const params = z.strictObject({});

export function create(): CandleStrategy {
  return {
    onCandle() {
      throw new TypeError('helper is not a function');
    },
  };
}
