// A JavaScript module: no types, same exports. Long on candle `at`.
import { z } from 'zod';

export const name = 'plain_js';
export const params = z.object({ at: z.number().int().default(3) }); // z.object drops unknown keys: the loader still refuses them
export function create(p) {
  return { warmup: 1, onCandle: (c, i) => (i === p.at ? { side: 'long', stopLossPct: 1.5 } : null) };
}
