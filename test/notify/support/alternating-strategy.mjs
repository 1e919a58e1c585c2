// A test strategy module: a signal every `every` candles, alternating long and short, so the bot
// trades (entries, TPs, stop moves, exits on the opposite signal) within seconds on the simulator.
import { z } from 'zod';

export const name = 'alternating';
export const params = z.strictObject({ every: z.number().int().min(1).default(8) });

export function create(p) {
  return {
    warmup: 0,
    onCandle(c, i) {
      // By the candle's open time, not by i: a restarted bot sees the same signals at the same candles.
      const n = Math.floor(c.time[i] / c.timeframeMs);
      if (n % p.every !== 0) return null;
      return { side: (n / p.every) % 2 === 0 ? 'long' : 'short', reason: 'alternating' };
    },
  };
}
