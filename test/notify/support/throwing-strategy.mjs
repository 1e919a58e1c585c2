// A test strategy module that fails on every candle (the bot must alert once and trade on).
import { z } from 'zod';

export const params = z.strictObject({});

export function create() {
  return {
    onCandle() {
      throw new Error('indicator blew up: division by zero');
    },
  };
}
