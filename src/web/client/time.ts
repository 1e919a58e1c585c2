/**
 * Times in the viewer's time zone (the server sends ms UTC), written the ISO way whatever the browser's
 * locale (`2025-03-03 11:00`: no 03/04 day-month guessing), with the zone shown ([views] 17).
 */
const parts = new Intl.DateTimeFormat('en-US', { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short' });

/** `2025-03-03 11:00 GMT+1`: local date and time with the zone's short name. */
export function fmtLocal(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  const p = Object.fromEntries(parts.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  return `${p['year']}-${p['month']}-${p['day']} ${p['hour']}:${p['minute']} ${p['timeZoneName']}`;
}

export const timeZoneName = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'local time';

/**
 * A `<input type=date>` value as local midnight, ms; `endOfDay` gives the next midnight (exclusive end).
 * A day that does not exist (`2025-02-30`, as a URL can hold) is undefined, not rolled into the next month.
 */
export function localDateMs(value: string, endOfDay = false): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return undefined;
  const [y, m, d] = value.split('-').map(Number);
  if (!y || !m || !d) return undefined;
  const day = new Date(y, m - 1, d);
  if (day.getFullYear() !== y || day.getMonth() !== m - 1 || day.getDate() !== d) return undefined;
  return new Date(y, m - 1, endOfDay ? d + 1 : d).getTime();
}
