/** Times in the viewer's time zone (the server sends ms UTC). */
const full = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });

export const fmtLocal = (ms: number): string => (Number.isFinite(ms) ? full.format(new Date(ms)) : '–');

export const timeZoneName = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'local time';

/** A `<input type=date>` value as local midnight, ms; `endOfDay` gives the next midnight (exclusive end). */
export function localDateMs(value: string, endOfDay = false): number | undefined {
  if (!value) return undefined;
  const [y, m, d] = value.split('-').map(Number);
  if (!y || !m || !d) return undefined;
  return new Date(y, m - 1, endOfDay ? d + 1 : d).getTime();
}
