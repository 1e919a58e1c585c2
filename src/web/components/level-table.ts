import { el, fmtPct, pnlCell } from './format.ts';
import type { LevelRow } from './view-model.ts';

/** Per-level analytics (R8.5): eligible trades, hits, hit rate, average PnL per level. */
export function renderLevelTable(rows: readonly LevelRow[]): HTMLTableElement {
  const head = el('tr', {}, ...['Level', 'Eligible', 'Hits', 'Hit rate', 'Avg PnL'].map((h) => el('th', {}, h)));
  const body = rows.map((r) =>
    el(
      'tr',
      { 'data-level': r.reason, 'data-eligible': String(r.eligible), 'data-hits': String(r.hits), 'data-hit-rate': String(r.hit_rate) },
      el('td', {}, r.reason.toUpperCase()),
      el('td', { class: 'num' }, String(r.eligible)),
      el('td', { class: 'num' }, String(r.hits)),
      el('td', { class: 'num hit-rate' }, fmtPct(r.hit_rate)),
      pnlCell(r.avg_pnl),
    ),
  );
  return el('table', { class: 'levels' }, el('thead', {}, head), el('tbody', {}, ...body));
}
