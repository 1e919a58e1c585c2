// Test module whose top level never finishes.
import { z } from 'zod';

for (;;);
export const params = z.strictObject({});
export const create = () => ({ onCandle: () => null });
