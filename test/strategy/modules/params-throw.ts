// Test module whose params schema throws while parsing (a transform that throws instead of adding an
// issue): `limit` above 10 is refused that way.
import { z } from 'zod';

export const params = z.strictObject({
  limit: z
    .number()
    .default(1)
    .transform((v) => {
      if (v > 10) throw new Error(`limit ${v} is more than 10`);
      return v;
    }),
});
export const create = () => ({ onCandle: () => null });
