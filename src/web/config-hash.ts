import { createHash } from 'node:crypto';

/** JSON with every object's keys sorted, at every depth: the same config always gives the same text. */
export function canonicalJson(x: unknown): string {
  return JSON.stringify(x, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

/** SHA-256 (hex) of the canonical JSON of a config: names the exact settings a report or run used. */
export const configSha256 = (config: unknown): string => createHash('sha256').update(canonicalJson(config), 'utf8').digest('hex');
