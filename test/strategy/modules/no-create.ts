import { z } from 'zod';

export const params = z.strictObject({});
export const make = () => ({ onCandle: () => null });
