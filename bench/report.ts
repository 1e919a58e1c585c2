/** The benchmark's printed table: each figure beside its in-run baseline, the ratio and the target. */

export interface Row {
  readonly figure: string;
  readonly value: number;
  readonly unit: string;
  readonly baseline?: string;
  readonly baselineValue?: number;
  /** Wanted: ratio ≥ minRatio, or value ≥ minValue, or value < maxValue. */
  readonly minRatio?: number;
  readonly minValue?: number;
  readonly maxValue?: number;
}

/** 1234567 → "1.23 M", 987.6 → "988". */
export function human(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a >= 1e9) return `${(x / 1e9).toFixed(2)} G`;
  if (a >= 1e6) return `${(x / 1e6).toFixed(2)} M`;
  if (a >= 1e4) return `${(x / 1e3).toFixed(1)} k`;
  return x.toFixed(a >= 100 ? 0 : 2);
}

export const ratioText = (r: number): string => (r >= 10 ? `${r.toFixed(1)}×` : `${r.toFixed(2)}×`);

function target(r: Row): string {
  if (r.minRatio !== undefined) return `≥ ${r.minRatio}× baseline`;
  if (r.minValue !== undefined) return `≥ ${human(r.minValue)}${r.unit}`;
  if (r.maxValue !== undefined) return `< ${human(r.maxValue)} ${r.unit.trim()}`;
  return '';
}

export function met(r: Row): boolean | null {
  if (r.minRatio !== undefined && r.baselineValue !== undefined) return r.value / r.baselineValue >= r.minRatio;
  if (r.minValue !== undefined) return r.value >= r.minValue;
  if (r.maxValue !== undefined) return r.value < r.maxValue;
  return null;
}

export function table(rows: readonly Row[]): string {
  const cells = rows.map((r) => {
    const ok = met(r);
    return [
      r.figure,
      `${human(r.value)}${r.unit}`,
      r.baseline ?? '',
      r.baselineValue !== undefined ? `${human(r.baselineValue)}${r.unit}` : '',
      r.baselineValue !== undefined ? ratioText(r.value / r.baselineValue) : '',
      target(r),
      ok === null ? '' : ok ? 'met' : 'not met',
    ];
  });
  const head = ['figure', 'value', 'baseline (same run)', 'baseline value', 'ratio', 'target', ''];
  const all = [head, ...cells];
  const widths = head.map((_, k) => Math.max(...all.map((row) => row[k]!.length)));
  const line = (row: readonly string[]) => row.map((c, k) => (k === 1 || k === 3 || k === 4 ? c.padStart(widths[k]!) : c.padEnd(widths[k]!))).join('  ').trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}
