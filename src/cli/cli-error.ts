/** A user-facing error: printed as `ladder: <message>` on stderr, exit code 1, nothing on stdout. */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}

/** `2024-01-31`, `2024-01-31T12:00Z` or epoch ms → ms UTC; a clear error naming the option otherwise. */
export function parseTimeOption(name: string, text: string): number {
  const ms = /^\d{10,16}$/.test(text) ? Number(text) : Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(text) || text.length <= 10 ? text : `${text}Z`);
  if (!Number.isFinite(ms)) throw new CliError(`${name}: not a date (${JSON.stringify(text)}; expected ISO-8601 like 2024-01-31 or 2024-01-31T12:00Z)`);
  return ms;
}

export const splitList = (s: string | undefined): string[] => (s ?? '').split(',').map((x) => x.trim()).filter(Boolean);
