// Test module whose create() hands out one shared instance (state at module level): it counts the
// candles it is fed, whichever symbol or replay they come from, and goes long on every 10th.
import { z } from 'zod';
import type { CandleStrategy } from 'ladder/strategy';

export const params = z.strictObject({});

let fed = 0;
const shared: CandleStrategy = {
  onCandle() {
    fed++;
    return fed % 10 === 0 ? { side: 'long', reason: `call ${fed}` } : null;
  },
};

export const create = (): CandleStrategy => shared;
