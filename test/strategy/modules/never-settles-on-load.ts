// Test module whose top level awaits a promise that never settles (nothing else keeps the process
// alive: Node would end it with exit code 13 and no word).
import { z } from 'zod';

await new Promise<never>(() => {});
export const params = z.strictObject({});
export const create = () => ({ onCandle: () => null });
