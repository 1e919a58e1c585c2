/** Small display formatters shared by the report and the dashboard. */
export const fmtNum = (x: number | null | undefined, digits = 2): string =>
  x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

export const fmtPct = (ratio: number | null | undefined, digits = 1): string =>
  ratio === null || ratio === undefined || !Number.isFinite(ratio) ? '–' : `${(ratio * 100).toFixed(digits)} %`;

/** UTC time as `2024-01-31 13:00` (the report); the dashboard passes its own formatter. */
export const fmtTimeUtc = (ms: number): string => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');

/** A duration as `3d 4h`, `5h 20m`, `12m` or `40s`. */
export function fmtDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '–';
  const s = Math.round(ms / 1000);
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m`;
  return `${s}s`;
}

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) e.append(c);
  return e;
}

/** A PnL cell coloured by sign. */
export function pnlCell(x: number, digits = 2): HTMLTableCellElement {
  return el('td', { class: x > 0 ? 'pos num' : x < 0 ? 'neg num' : 'num' }, fmtNum(x, digits));
}
