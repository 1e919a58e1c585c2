import { z } from 'zod';

export const params = z.strictObject({});

export function create() {
  throw new RangeError('no can do');
}
